//! The tables of `aws.connect`, one file each; this registry is the only list of them.

pub mod agent_statuses;
pub mod instances;
pub mod routing_profiles;
pub mod security_profiles;
pub mod types;
pub mod user_hierarchy_groups;
pub mod user_hierarchy_structure;
pub mod users;

use std::sync::Arc;

use crate::provider::ApiTable;

/// Every table, in the order `.tables` lists them.
pub fn all() -> Vec<Arc<dyn ApiTable>> {
    vec![
        Arc::new(users::UsersTable),
        Arc::new(instances::InstancesTable),
        Arc::new(routing_profiles::RoutingProfilesTable),
        Arc::new(security_profiles::SecurityProfilesTable),
        Arc::new(user_hierarchy_groups::UserHierarchyGroupsTable),
        Arc::new(user_hierarchy_structure::UserHierarchyStructureTable),
        Arc::new(agent_statuses::AgentStatusesTable),
    ]
}
