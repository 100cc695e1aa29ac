//! What each table implements: its list call, its get call, any per-row extra calls and, for a
//! writable table, what one row's create, delete and update call. Reads return rows as JSON
//! objects keyed by column name (the generic code builds Arrow from them); writes return a report
//! of the calls made.

use std::fmt::Debug;

use async_trait::async_trait;
use serde_json::Value;

use super::context::{ScanContext, WriteContext};
use super::events::{RowReport, RowStatus};
pub(crate) use super::item::{Page, Parent, Row};
use super::table_def::TableDef;
use crate::error::{ApiFailure, Cause, Error, Refusal};

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

/// The tables a scan lists before a table's own calls: the instances of a region, and for a
/// table with an [`Owner`](super::table_def::Owner) the owning items of an instance.
#[derive(Debug, Clone)]
pub(crate) struct Containers {
    pub(crate) instances: std::sync::Arc<dyn ApiTable>,
    pub(crate) owner: Option<std::sync::Arc<dyn ApiTable>>,
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

    /// Whether a row of this table, as the container of instance-scoped tables, can hold items
    /// (an instance still being created cannot).
    fn holds_items(&self, _row: &Row) -> bool {
        true
    }

    /// Creates one item from an INSERT row.
    async fn create(&self, _cx: &WriteContext, _row: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }

    /// Deletes one target row.
    async fn delete(&self, _cx: &WriteContext, _parent: &Parent, _target: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }

    /// The operations [`ApiTable::update`] has a step for: every column the declaration says is
    /// set by an operation must name one of them (checked when the engine starts).
    fn setters(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Applies the SET columns (new values in `changes`) to one target row (current values).
    async fn update(&self, _cx: &WriteContext, _parent: &Parent, _target: &Row, _changes: &Row) -> RowReport {
        read_only(self.def(), String::new())
    }
}

/// A table whose declaration names a setting operation its update has no step for.
///
/// # Errors
/// The columns and operations, named.
pub(crate) fn check_setters(table: &dyn ApiTable) -> Result<(), String> {
    let unhandled = table.def().unhandled_setters(&table.setters());
    if unhandled.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = unhandled.iter().map(|(c, op)| format!("{c} (set by {op})")).collect();
    Err(format!("{}: no update step sets {}", table.def().qualified_name(), named.join(", ")))
}

/// Every page of a table's listing in a container, fetched once per statement.
///
/// # Errors
/// A failing list call.
pub(crate) async fn whole_listing(
    cx: &ScanContext,
    table: &dyn ApiTable,
    parent: &Parent,
) -> Result<std::sync::Arc<Vec<Row>>, ApiFailure> {
    let def = table.def();
    let fetch = async {
        let mut rows = Vec::new();
        let mut token = None;
        loop {
            let page = table.list(cx, parent, token, def.list_page_max).await?;
            rows.extend(page.rows);
            match page.next.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => return Ok(rows),
            }
        }
    };
    cx.listings.listing(def.name, parent, fetch).await
}

/// The configured accounts whose listing of `instances` in a region holds the instance (each
/// listed once per statement): where a request that names only an instance belongs.
///
/// # Errors
/// A failing list call, located in its account.
pub(crate) async fn accounts_holding(
    cx: &ScanContext,
    instances: &dyn ApiTable,
    region: &str,
    instance_id: &str,
) -> Result<Vec<usize>, ApiFailure> {
    let mut holding = Vec::new();
    for a in cx.clients.accounts() {
        let in_region = Parent::new(a.index, region, None);
        let listed = whole_listing(cx, instances, &in_region)
            .await
            .map_err(|e| e.located(&instances.def().qualified_name(), region, None).in_account(Some(&a.name)))?;
        if listed.iter().any(|r| r.get("id").and_then(Value::as_str) == Some(instance_id)) {
            holding.push(a.index);
        }
    }
    Ok(holding)
}
