//! The data a table's calls exchange with the generic code: rows as JSON objects, pages of a
//! list call, and the container (region, instance) an item lives in.

use serde_json::{Map, Value};

/// A row: column name → value in the column's JSON form.
pub(crate) type Row = Map<String, Value>;

/// One page of a list call.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) rows: Vec<Row>,
    pub(crate) next: Option<String>,
}

/// The container an item lives in: an account's region, for instance-scoped tables an instance, and for a
/// table whose rows belong to another table's items (a routing profile's queues) that item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Parent {
    /// The configured account (its index in the engine's accounts; 0 when there is one).
    pub(crate) account: usize,
    pub(crate) region: String,
    pub(crate) instance_id: Option<String>,
    /// Known when the instance came from its listing; otherwise derived from item ARNs.
    pub(crate) instance_arn: Option<String>,
    /// The owning item's id, for a table declared with an [`Owner`](super::table_def::Owner).
    pub(crate) owner_id: Option<String>,
}

impl Parent {
    /// An account's region, or an instance in it: what is known before any listing.
    pub(crate) fn new(account: usize, region: &str, instance_id: Option<&str>) -> Self {
        Parent {
            account,
            region: region.to_owned(),
            instance_id: instance_id.map(str::to_owned),
            instance_arn: None,
            owner_id: None,
        }
    }

    /// The instance id of an instance-scoped container ("" for a region).
    pub(crate) fn instance(&self) -> &str {
        self.instance_id.as_deref().unwrap_or_default()
    }

    /// The owning item's id ("" when the table has no owner).
    pub(crate) fn owner(&self) -> &str {
        self.owner_id.as_deref().unwrap_or_default()
    }
}
