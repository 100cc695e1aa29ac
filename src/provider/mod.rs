//! The one generic API-backed table provider: tables are declared as data ([`table_def`]) with a
//! small [`api::ApiTable`] implementation each, and this module turns filters, projections and
//! limits into the fewest API calls ([`plan`]), streams the pages and hydrates them with bounded
//! concurrency ([`scan_exec`]), and builds Arrow batches ([`rows`]).

pub mod api;
pub mod cache;
pub mod dml;
pub mod keys;
pub mod plan;
pub mod rows;
pub mod scan_exec;
pub mod table;
pub mod table_def;

pub use api::{ApiTable, Page, Parent, Row, ScanContext};
pub use table::ApiTableProvider;
pub use table_def::{ColumnDef, Cost, IdForm, Scope, TableDef};
