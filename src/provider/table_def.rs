//! How a table is declared: its columns (Arrow type, what selecting each costs, one-line doc),
//! where it lives (per region or per instance), its key columns and its calls.

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// What selecting (or filtering on) a column costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Known from the query's scope (region, instance): no call.
    Key,
    /// Comes with the list call: free.
    List,
    /// Needs the get call, once per row.
    Get,
    /// Needs an extra call per row (the operation named).
    PerRow(&'static str),
    /// Write-only: always NULL when read.
    WriteOnly,
}

/// One column.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: &'static str,
    pub data_type: DataType,
    pub cost: Cost,
    pub doc: &'static str,
}

impl ColumnDef {
    pub fn new(name: &'static str, data_type: DataType, cost: Cost, doc: &'static str) -> Self {
        ColumnDef { name, data_type, cost, doc }
    }

    /// What selecting the column costs, in words (for DESCRIBE, `.schema` and the README).
    pub fn cost_text(&self, def: &TableDef) -> String {
        match self.cost {
            Cost::Key => "free (query scope)".to_owned(),
            Cost::List => format!("free with {}", def.list_op),
            Cost::Get => format!("1 {} per row", def.get_op.unwrap_or("get call")),
            Cost::PerRow(op) => format!("1 {op} per row"),
            Cost::WriteOnly => "write-only (NULL when read)".to_owned(),
        }
    }
}

/// Where a table's items live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Listed per region (instances).
    Region,
    /// Listed per Connect instance in a region.
    Instance,
}

/// How a key column's value names an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdForm {
    /// The item id itself.
    Id,
    /// The item's ARN, which also names region and instance.
    Arn,
}

/// A search call that returns most columns in pages (SearchUsers), with filters pushed into its
/// criteria.
#[derive(Debug, Clone)]
pub struct SearchDef {
    pub op: &'static str,
    pub page_max: i32,
    /// Get-cost columns the search result carries.
    pub columns: Vec<&'static str>,
    /// One filter as a search criterion (the API's JSON), when the API can apply it. DataFusion
    /// still applies the filter exactly afterwards.
    pub criterion: fn(&datafusion::logical_expr::Expr) -> Option<serde_json::Value>,
}

/// A table, declared once.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: &'static str,
    pub description: &'static str,
    pub scope: Scope,
    pub columns: Vec<ColumnDef>,
    /// Columns whose equality (or IN list) names items, so the get call replaces the listing.
    pub id_columns: Vec<(&'static str, IdForm)>,
    /// The list operation and its largest page size in the model.
    pub list_op: &'static str,
    pub list_page_max: i32,
    /// The get operation, if the table has one.
    pub get_op: Option<&'static str>,
    /// Whole listings are kept for the rest of the statement (small tables: a join or a
    /// subquery reads them again for free). Users are streamed instead, never kept.
    pub listing_cached: bool,
    /// The search call, when the table has one.
    pub search: Option<SearchDef>,
}

impl TableDef {
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns.iter().map(|c| Field::new(c.name, c.data_type.clone(), true)).collect::<Vec<_>>(),
        ))
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The full name users type.
    pub fn qualified_name(&self) -> String {
        format!("aws.connect.{}", self.name)
    }
}

/// `fn def(&self) -> &TableDef` for a table whose declaration is built once by `$build`.
#[macro_export]
macro_rules! declared_once {
    ($build:path) => {
        fn def(&self) -> &$crate::provider::TableDef {
            static DEF: std::sync::OnceLock<$crate::provider::TableDef> = std::sync::OnceLock::new();
            DEF.get_or_init($build)
        }
    };
}
