//! The tables of `aws.connect`, one module each; this registry is the only list of them.

mod agent_statuses;
mod instances;
mod routing_profiles;
mod security_profiles;
mod types;
mod user_hierarchy_groups;
mod user_hierarchy_structure;
mod users;

use std::sync::Arc;

use crate::provider::ApiTable;

/// Every table, in the order `.tables` lists them.
pub(crate) fn all() -> Vec<Arc<dyn ApiTable>> {
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

/// The table whose rows are the containers (instances) of the instance-scoped tables.
pub(crate) fn containers() -> Arc<dyn ApiTable> {
    Arc::new(instances::InstancesTable)
}

/// The users table's declaration, for unit tests of the generic code.
#[cfg(test)]
pub(crate) fn users_def() -> &'static crate::provider::TableDef {
    users::UsersTable.def()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_settable_column_has_an_update_step() {
        for t in super::all() {
            assert_eq!(crate::provider::api::check_setters(t.as_ref()), Ok(()));
        }
    }

    #[test]
    fn a_column_set_by_an_operation_without_a_step_is_caught() {
        let users = super::all().into_iter().next().expect("users");
        let steps: Vec<&str> = users.setters().into_iter().filter(|op| *op != "UpdateUserHierarchy").collect();
        let unhandled = users.def().unhandled_setters(&steps);
        let columns: Vec<&str> = unhandled.iter().map(|(c, _)| *c).collect();
        assert_eq!(columns, ["hierarchy_group_id", "hierarchy_group_arn"]);
    }
}
