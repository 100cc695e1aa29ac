//! The one generic API-backed table provider: tables are declared as data ([`table_def`]) with a
//! small [`api::ApiTable`] implementation each, and this module turns filters, projections and
//! limits into the fewest API calls ([`plan`]), streams the pages and hydrates them with bounded
//! concurrency ([`scan_exec`]), reusing the cached detail of unchanged items ([`detail_cache`]), builds Arrow batches ([`rows`]), runs writes as per-row calls
//! ([`dml`]) under the write guards ([`guard`], [`table`]), and reports what happens
//! ([`events`]). It names no table and no operation: those are the tables' declarations.

pub(crate) mod api;
pub(crate) mod context;
pub(crate) mod detail_cache;
pub(crate) mod dml;
pub(crate) mod events;
pub(crate) mod guard;
pub(crate) mod item;
pub(crate) mod joins;
pub(crate) mod keys;
pub(crate) mod listing;
pub(crate) mod own_writes;
pub(crate) mod plan;
pub(crate) mod recent;
pub(crate) mod row_write;
pub(crate) mod rows;
pub(crate) mod scan_exec;
pub(crate) mod table;
pub(crate) mod table_def;

pub(crate) use api::{ApiTable, Containers, Page, Parent, Row};
pub(crate) use context::{ScanContext, WriteContext, account_of_row};
pub(crate) use table::ApiTableProvider;
pub(crate) use table_def::{ColumnDef, Cost, IdForm, Scope, TableDef};
