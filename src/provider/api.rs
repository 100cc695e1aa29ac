//! What each table implements: its list call, its get call and any per-row extra calls, each
//! returning rows as JSON objects keyed by column name (the generic code builds Arrow from them).

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::table_def::TableDef;
use crate::aws::client::Connect;
use crate::aws::errors::ApiCallError;

/// A row: column name → value in the column's JSON form.
pub type Row = Map<String, Value>;

/// One page of a list call.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    pub next: Option<String>,
}

/// The container an item lives in: a region, and for instance-scoped tables an instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Parent {
    pub region: String,
    pub instance_id: Option<String>,
    /// Known when the instance came from ListInstances; otherwise derived from item ARNs.
    pub instance_arn: Option<String>,
}

impl Parent {
    /// The instance id of an instance-scoped container ("" for a region).
    pub fn instance(&self) -> &str {
        self.instance_id.as_deref().unwrap_or_default()
    }
}

/// What a scan needs to make calls: the clients and the session's settings.
#[derive(Debug, Clone)]
pub struct ScanContext {
    pub connect: Arc<Connect>,
    /// Get calls in flight at once.
    pub concurrency: usize,
    /// Report a failing region or instance and go on, instead of failing the statement.
    pub partial: bool,
    /// Instances to use when a query names none (`--instance-id`); empty means all.
    pub default_instances: Vec<String>,
    /// Warnings and partial failures of the running statement.
    pub diagnostics: crate::diagnostics::Diagnostics,
    /// Listings already made by this statement.
    pub cache: Arc<super::cache::StatementCache>,
    /// How INSERT, UPDATE and DELETE behave (dry run, guards).
    pub writes: super::dml::SharedWriteOptions,
    /// Ids and ARNs created by the running INSERT (for RETURNING).
    pub returned: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

/// A table's calls. Implementations map SDK types to rows and nothing else: paging, hydration,
/// concurrency and Arrow conversion are generic.
#[async_trait]
pub trait ApiTable: Debug + Send + Sync {
    fn def(&self) -> &TableDef;

    /// One page of the list call.
    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiCallError>;

    /// The get call for one item; `Ok(None)` when it does not exist.
    async fn get(&self, _cx: &ScanContext, _parent: &Parent, _id: &str) -> Result<Option<Row>, ApiCallError> {
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
    ) -> Result<Page, ApiCallError> {
        Err(ApiCallError {
            operation: "search",
            code: None,
            message: format!("{} has no search call", self.def().name),
        })
    }

    /// Fills a `Cost::PerRow` column of a row that has its id.
    async fn extra(
        &self,
        _cx: &ScanContext,
        _parent: &Parent,
        _column: &str,
        _row: &mut Row,
    ) -> Result<(), ApiCallError> {
        Ok(())
    }
}
