//! The tables of `aws.connect`, one file each; this registry is the only list of them.

pub mod types;
pub mod users;

use std::sync::Arc;

use crate::provider::ApiTable;

/// Every table, in the order `.tables` lists them.
pub fn all() -> Vec<Arc<dyn ApiTable>> {
    vec![Arc::new(users::UsersTable)]
}
