//! How a table is declared, each fact once: its columns (Arrow type, what selecting each costs,
//! whether the search call returns it, how an UPDATE sets it or why it cannot, whether its values
//! are secrets), where it lives (per region or per instance), its key columns and its calls.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// What selecting (or filtering on) a column costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cost {
    /// Known from the query's scope (region, instance): no call.
    Key,
    /// Comes with the list call: free.
    List,
    /// Needs the get call, once per row.
    Get,
    /// Needs an extra call per row (the operation named).
    PerRow(&'static str),
    /// Read for a whole container once per statement by the operation named (paged), and
    /// shared by its rows: live state, never kept in the local cache.
    Shared(&'static str),
    /// Write-only: always NULL when read.
    WriteOnly,
}

/// How UPDATE treats a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Update {
    /// Set through this operation.
    Via(&'static str),
    /// Cannot be set, for this reason.
    Fixed(&'static str),
}

/// One column.
#[derive(Debug, Clone)]
pub(crate) struct ColumnDef {
    pub(crate) name: &'static str,
    pub(crate) data_type: DataType,
    pub(crate) cost: Cost,
    pub(crate) doc: &'static str,
    /// The search call returns it (so a search can replace list + get).
    pub(crate) in_search: bool,
    pub(crate) update: Update,
    /// Its values are secrets: registered for masking wherever they flow.
    pub(crate) sensitive: bool,
}

impl ColumnDef {
    pub(crate) fn new(name: &'static str, data_type: DataType, cost: Cost, doc: &'static str) -> Self {
        ColumnDef {
            name,
            data_type,
            cost,
            doc,
            in_search: false,
            update: Update::Fixed("this column is not settable through the API"),
            sensitive: false,
        }
    }

    /// The search call returns this column.
    #[must_use]
    pub(crate) fn searchable(mut self) -> Self {
        self.in_search = true;
        self
    }

    /// UPDATE sets this column through `operation`.
    #[must_use]
    pub(crate) fn set_by(mut self, operation: &'static str) -> Self {
        self.update = Update::Via(operation);
        self
    }

    /// UPDATE cannot set this column, because `why`.
    #[must_use]
    pub(crate) fn fixed(mut self, why: &'static str) -> Self {
        self.update = Update::Fixed(why);
        self
    }

    /// The column's values are secrets.
    #[must_use]
    pub(crate) fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The call that reads this column for each row, when it has one of its own.
    pub(crate) fn per_row_op(&self) -> Option<&'static str> {
        match self.cost {
            Cost::PerRow(op) => Some(op),
            _ => None,
        }
    }

    /// The call that fills this column after the listing (per row, or shared by the rows).
    pub(crate) fn extra_op(&self) -> Option<&'static str> {
        match self.cost {
            Cost::PerRow(op) | Cost::Shared(op) => Some(op),
            _ => None,
        }
    }

    /// Live state: read anew by every statement, never served from the local cache.
    pub(crate) fn is_live(&self) -> bool {
        matches!(self.cost, Cost::Shared(_))
    }

    /// What selecting the column costs, in words (for DESCRIBE, `.schema` and the README).
    pub(crate) fn cost_text(&self, def: &TableDef) -> String {
        match self.cost {
            Cost::Key => "free (query scope)".to_owned(),
            Cost::List => format!("free with {}", def.list_op),
            Cost::Get => format!("1 {} per row", def.get_op.unwrap_or("get call")),
            Cost::PerRow(op) => format!("1 {op} per row"),
            Cost::Shared(op) => format!("{op} for the instance, once per statement (1 call per 100 rows)"),
            Cost::WriteOnly => "write-only (NULL when read)".to_owned(),
        }
    }
}

/// Where a table's items live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Listed per region (instances).
    Region,
    /// Listed per Connect instance in a region.
    Instance,
}

/// How a key column's value names an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdForm {
    /// The item id itself.
    Id,
    /// The item's ARN, which also names region and instance.
    Arn,
}

/// A search call that returns most columns in pages, with filters pushed into its
/// criteria. Which columns it returns is declared on the columns (`searchable`).
#[derive(Debug, Clone)]
pub(crate) struct SearchDef {
    pub(crate) op: &'static str,
    pub(crate) page_max: i32,
    /// One filter as a search criterion (the API's JSON), when the API can apply it. DataFusion
    /// still applies the filter exactly afterwards.
    pub(crate) criterion: fn(&datafusion::logical_expr::Expr) -> Option<serde_json::Value>,
}

impl SearchDef {
    /// Criteria that must all hold: one as it is, several under `AndConditions`.
    pub(crate) fn all_of(mut parts: Vec<serde_json::Value>) -> Option<serde_json::Value> {
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(serde_json::json!({ "AndConditions": parts })),
        }
    }
}

/// The table whose items own this table's rows: a routing profile's queues, a security
/// profile's permissions. A scan lists the owners (or takes the ids a filter on `column` names)
/// and calls this table's list once per owner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner {
    /// The column holding the owner's id (a key column: `=`/`IN` names the owners to read).
    pub(crate) column: &'static str,
    /// The owning table's name.
    pub(crate) table: &'static str,
}

/// The write operations of a writable table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteDef {
    /// INSERT, per row.
    pub(crate) create: &'static str,
    /// DELETE, per target row.
    pub(crate) delete: &'static str,
}

/// A table, declared once.
#[derive(Debug, Clone)]
pub(crate) struct TableDef {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) scope: Scope,
    pub(crate) columns: Vec<ColumnDef>,
    /// Columns whose equality (or IN list) names items, so the get call replaces the listing.
    pub(crate) id_columns: Vec<(&'static str, IdForm)>,
    /// The column that names an item for people (reports, warnings).
    pub(crate) label_column: &'static str,
    /// The column the service keeps unique (a duplicate is refused), if any.
    pub(crate) unique_column: Option<&'static str>,
    /// The list operation and its largest page size in the model.
    pub(crate) list_op: &'static str,
    pub(crate) list_page_max: i32,
    /// The get operation, if the table has one.
    pub(crate) get_op: Option<&'static str>,
    /// The listed column that moves whenever an item changes (its modification time): with a
    /// get call, it lets a scan reuse cached detail of unchanged items.
    pub(crate) change_stamp: Option<&'static str>,
    /// Whole listings are kept for the rest of the statement (small tables: a join or a
    /// subquery reads them again for free). Large tables are streamed instead, never kept.
    pub(crate) listing_cached: bool,
    /// The search call, when the table has one.
    pub(crate) search: Option<SearchDef>,
    /// The write operations, when the table can be written.
    pub(crate) writes: Option<WriteDef>,
    /// The table whose items own the rows, when listing is per owning item.
    pub(crate) owner: Option<Owner>,
}

impl TableDef {
    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns.iter().map(|c| Field::new(c.name, c.data_type.clone(), true)).collect::<Vec<_>>(),
        ))
    }

    pub(crate) fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The full name users type.
    pub(crate) fn qualified_name(&self) -> String {
        format!("aws.connect.{}", self.name)
    }

    /// Columns an UPDATE can set.
    pub(crate) fn settable(&self) -> Vec<&'static str> {
        self.columns.iter().filter(|c| matches!(c.update, Update::Via(_))).map(|c| c.name).collect()
    }

    /// A column by any spelling StackQL users type (`InstanceArn` → `instance_arn`).
    pub(crate) fn canonical_column(&self, name: &str) -> Option<&'static str> {
        let wanted = spelling(name);
        self.columns.iter().map(|c| c.name).find(|c| spelling(c) == wanted)
    }

    /// Columns declared as set by an operation that is not among `steps` (the operations the
    /// table's update runs): a SET of one would do nothing.
    pub(crate) fn unhandled_setters(&self, steps: &[&str]) -> Vec<(&'static str, &'static str)> {
        self.columns
            .iter()
            .filter_map(|c| match c.update {
                Update::Via(op) if !steps.contains(&op) => Some((c.name, op)),
                _ => None,
            })
            .collect()
    }

    /// Columns set through one operation.
    pub(crate) fn set_by<'a>(&'a self, operation: &'a str) -> impl Iterator<Item = &'a ColumnDef> + 'a {
        self.columns.iter().filter(move |c| matches!(c.update, Update::Via(op) if op == operation))
    }

    /// The scope columns (region, and instance id and ARN for instance-scoped tables).
    pub(crate) fn scope_columns(&self) -> &'static [&'static str] {
        match self.scope {
            Scope::Region => &["region"],
            Scope::Instance => &["region", "instance_id", "instance_arn"],
        }
    }

    /// The columns of a created item known from the create call (`INSERT … RETURNING`).
    pub(crate) fn returned_columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.id_columns.iter().map(|(c, _)| *c).collect();
        out.push(self.label_column);
        out.extend(self.scope_columns());
        out
    }

    /// Whether a scan may serve this table's detail from the local cache.
    pub(crate) fn cacheable(&self) -> bool {
        self.change_stamp.is_some() && self.get_op.is_some()
    }

    /// Whether a column's values are secrets.
    pub(crate) fn is_sensitive(&self, column: &str) -> bool {
        self.column(column).is_some_and(|c| c.sensitive)
    }
}

/// `fn def(&self) -> &TableDef` for a table whose declaration is built once by `$build`.
macro_rules! declared_once {
    ($build:path) => {
        fn def(&self) -> &$crate::provider::TableDef {
            static DEF: std::sync::OnceLock<$crate::provider::TableDef> = std::sync::OnceLock::new();
            DEF.get_or_init($build)
        }
    };
}
pub(crate) use declared_once;

/// A name as StackQL users may spell it, reduced to what matters: `"InstanceArn"`,
/// `instance_arn` and `INSTANCEARN` are all `instancearn`.
pub(crate) fn spelling(name: &str) -> String {
    name.trim_matches('"').to_lowercase().replace('_', "")
}

/// `first_name` → `FirstName`: the API member a flat column stands for inside its object.
pub(crate) fn api_member(column: &str) -> String {
    column
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}
