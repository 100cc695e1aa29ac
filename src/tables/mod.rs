//! The tables of `aws.connect`, one module each; this registry is the only list of them.

mod accounts;
mod agent_statuses;
mod hours_of_operations;
mod instances;
mod queues;
mod quick_connects;
mod routing_profile_queues;
mod routing_profiles;
mod security_profile_permissions;
mod security_profiles;
mod types;
mod user_data;
mod user_hierarchy_groups;
mod user_hierarchy_structure;
mod users;

use std::sync::Arc;

use crate::provider::{ApiTable, Containers, TableDef};

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
        Arc::new(queues::QueuesTable),
        Arc::new(routing_profile_queues::RoutingProfileQueuesTable),
        Arc::new(security_profile_permissions::SecurityProfilePermissionsTable),
        Arc::new(quick_connects::QuickConnectsTable),
        Arc::new(hours_of_operations::HoursOfOperationsTable),
        Arc::new(user_data::UserDataTable),
        Arc::new(accounts::AccountsTable),
    ]
}

/// What a table's scan lists first: the instances, and the owning table's items when the
/// table declares an owner.
pub(crate) fn containers_of(def: &TableDef) -> Containers {
    let owner = def.owner.and_then(|o| all().into_iter().find(|t| t.def().name == o.table));
    Containers { instances: Arc::new(instances::InstancesTable), owner }
}

/// The users table's declaration, for unit tests of the generic code.
#[cfg(test)]
pub(crate) fn users_def() -> &'static TableDef {
    users::UsersTable.def()
}

/// A table's declaration by name, for unit tests of the generic code.
#[cfg(test)]
pub(crate) fn def_named(name: &str) -> TableDef {
    all().into_iter().find(|t| t.def().name == name).map(|t| t.def().clone()).expect("a declared table")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_owner_is_a_table_and_its_column_is_declared() {
        for t in super::all() {
            let Some(owner) = t.def().owner else { continue };
            assert!(super::containers_of(t.def()).owner.is_some(), "{}: no table {}", t.def().name, owner.table);
            assert!(t.def().column(owner.column).is_some(), "{}: no column {}", t.def().name, owner.column);
        }
    }

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
