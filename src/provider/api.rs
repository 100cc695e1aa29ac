//! What each table implements: its list call, its get call, any per-row extra calls and, for a
//! writable table, what one row's create, delete and update call. Reads return rows as JSON
//! objects keyed by column name (the generic code builds Arrow from them); writes return a report
//! of the calls made.

use std::fmt::Debug;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::context::{ScanContext, WriteContext};
use super::events::{RowReport, RowStatus};
use super::table_def::TableDef;
use crate::error::{ApiFailure, Cause, Error, Refusal};

/// A row: column name → value in the column's JSON form.
pub(crate) type Row = Map<String, Value>;

/// One page of a list call.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) rows: Vec<Row>,
    pub(crate) next: Option<String>,
}

/// The container an item lives in: a region, and for instance-scoped tables an instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Parent {
    pub(crate) region: String,
    pub(crate) instance_id: Option<String>,
    /// Known when the instance came from ListInstances; otherwise derived from item ARNs.
    pub(crate) instance_arn: Option<String>,
}

impl Parent {
    /// The instance id of an instance-scoped container ("" for a region).
    pub(crate) fn instance(&self) -> &str {
        self.instance_id.as_deref().unwrap_or_default()
    }
}

fn read_only(def: &TableDef, subject: String) -> RowReport {
    RowReport {
        subject,
        calls: Vec::new(),
        status: RowStatus::Failed(Error::refused(
            Refusal::ReadOnly,
            format!("{} cannot be written", def.qualified_name()),
        )),
        returned: None,
        dry_run: false,
    }
}

/// A table's calls. Implementations map SDK types to rows and rows to calls, nothing else:
/// paging, hydration, concurrency, Arrow conversion, guards and reports are generic.
#[async_trait]
pub(crate) trait ApiTable: Debug + Send + Sync {
    fn def(&self) -> &TableDef;

    /// One page of the list call.
    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure>;

    /// The get call for one item; `Ok(None)` when it does not exist.
    async fn get(&self, _cx: &ScanContext, _parent: &Parent, _id: &str) -> Result<Option<Row>, ApiFailure> {
        Ok(None)
    }

    /// One page of the search call (`SearchDef`), with the pushed criteria.
    async fn search(
        &self,
        _cx: &ScanContext,
        _parent: &Parent,
        _criteria: Option<&Value>,
        _token: Option<String>,
        _page_size: i32,
    ) -> Result<Page, ApiFailure> {
        Err(ApiFailure::new("search", Cause::Client, format!("{} has no search call", self.def().name)))
    }

    /// Fills a `Cost::PerRow` column of a row that has its id.
    async fn extra(
        &self,
        _cx: &ScanContext,
        _parent: &Parent,
        _column: &str,
        _row: &mut Row,
    ) -> Result<(), ApiFailure> {
        Ok(())
    }

    /// Creates one item from an INSERT row.
    async fn create(&self, _cx: &WriteContext, _row: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }

    /// Deletes one target row.
    async fn delete(&self, _cx: &WriteContext, _parent: &Parent, _target: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }

    /// Applies the SET columns (new values in `changes`) to one target row (current values).
    async fn update(&self, _cx: &WriteContext, _parent: &Parent, _target: &Row, _changes: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }
}
