//! What the engine says about its tables: `DESCRIBE`, `.schema`, completion, and the surfaces'
//! table lists all read the tables' declarations through here.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::provider::TableDef;
use crate::provider::table_def::Update;

/// A table, as users see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// `users`.
    pub name: String,
    /// `aws.connect.users`.
    pub qualified_name: String,
    pub description: String,
    pub columns: Vec<ColumnInfo>,
    /// INSERT, UPDATE and DELETE are possible.
    pub writable: bool,
}

/// A column, as users see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// The Arrow type, as DataFusion prints it.
    pub data_type: String,
    /// What selecting it costs, in words.
    pub cost: String,
    pub description: String,
    /// UPDATE can set it.
    pub settable: bool,
    /// How a filter on it reaches the API, when it does (otherwise it is applied after the calls).
    pub pushed_filter: Option<String>,
}

impl TableInfo {
    pub(crate) fn of(def: &TableDef) -> TableInfo {
        let notes = crate::provider::plan::filter_notes(def);
        TableInfo {
            name: def.name.to_owned(),
            qualified_name: def.qualified_name(),
            description: def.description.to_owned(),
            columns: def
                .columns
                .iter()
                .map(|c| ColumnInfo {
                    name: c.name.to_owned(),
                    data_type: c.data_type.to_string(),
                    cost: c.cost_text(def),
                    description: c.doc.to_owned(),
                    settable: matches!(c.update, Update::Via(_)),
                    pushed_filter: notes.iter().find(|(n, _)| *n == c.name).map(|(_, how)| how.clone()),
                })
                .collect(),
            writable: def.writes.is_some(),
        }
    }
}

/// `DESCRIBE` of a table: DataFusion's columns plus what each costs and what it is.
pub(crate) fn batch(def: &TableDef) -> RecordBatch {
    let info = TableInfo::of(def);
    let schema = Arc::new(Schema::new(vec![
        Field::new("column_name", DataType::Utf8, false),
        Field::new("data_type", DataType::Utf8, false),
        Field::new("is_nullable", DataType::Boolean, false),
        Field::new("cost", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
    ]));
    let text = |f: fn(&ColumnInfo) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(info.columns.iter().map(f).collect::<Vec<_>>()))
    };
    let columns: Vec<ArrayRef> = vec![
        text(|c| &c.name),
        text(|c| &c.data_type),
        Arc::new(BooleanArray::from(vec![true; info.columns.len()])),
        text(|c| &c.cost),
        text(|c| &c.description),
    ];
    // The arrays match the schema by construction.
    RecordBatch::try_new(schema, columns).unwrap_or_else(|_| RecordBatch::new_empty(Arc::new(Schema::empty())))
}
