//! The tables of `aws.connect`, one file each; this registry is the only list of them.

pub mod agent_statuses;
pub mod instances;
pub mod routing_profiles;
pub mod security_profiles;
pub mod types;
pub mod user_hierarchy_groups;
pub mod user_hierarchy_structure;
pub mod users;
pub mod users_write;

use std::sync::Arc;

use crate::provider::ApiTable;
use crate::provider::dml::WritableTable;

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

/// The write side of a table, for the tables that have one.
pub fn writer(name: &str) -> Option<Arc<dyn WritableTable>> {
    match name {
        "users" => Some(Arc::new(users::UsersTable)),
        _ => None,
    }
}
