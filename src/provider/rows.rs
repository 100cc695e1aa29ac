//! Rows (JSON objects keyed by column name) to Arrow record batches, through arrow-json's
//! decoder, so structs, lists, maps and timestamps all follow the declared schema.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatchOptions;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::json::ReaderBuilder;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result};

use super::api::Row;

/// Builds one batch of `rows` in `schema` (a projection of the table's schema).
///
/// # Errors
/// When a value does not fit its column's type (a table mapping bug, reported with the table).
pub(crate) fn to_batch(schema: &SchemaRef, rows: &[Row]) -> Result<RecordBatch> {
    if schema.fields().is_empty() {
        // `SELECT count(*)`: no columns, only a row count.
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        return Ok(RecordBatch::try_new_with_options(Arc::clone(schema), vec![], &options)?);
    }
    let mut decoder = ReaderBuilder::new(Arc::clone(schema)).with_batch_size(rows.len().max(1)).build_decoder()?;
    decoder.serialize(rows)?;
    decoder.flush()?.map_or_else(|| Ok(RecordBatch::new_empty(Arc::clone(schema))), Ok).map_err(|e: DataFusionError| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit, TimestampMillisecondType};
    use serde_json::json;

    #[test]
    fn nested_types_and_timestamps_follow_the_schema() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("ids", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
            Field::new(
                "phone",
                DataType::Struct(Fields::from(vec![Field::new("auto_accept", DataType::Boolean, true)])),
                true,
            ),
            Field::new("modified", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), true),
            Field::new(
                "tags",
                DataType::Map(
                    Arc::new(Field::new(
                        "entries",
                        DataType::Struct(Fields::from(vec![
                            Field::new("keys", DataType::Utf8, false),
                            Field::new("values", DataType::Utf8, true),
                        ])),
                        false,
                    )),
                    false,
                ),
                true,
            ),
        ]));
        let rows: Vec<Row> = vec![
            json!({"id": "a", "ids": ["x", "y"], "phone": {"auto_accept": true}, "modified": 1_700_000_000_123_i64, "tags": {"k": "v"}}),
            json!({"id": "b"}),
        ]
        .into_iter()
        .map(|v| v.as_object().cloned().expect("object"))
        .collect();
        let batch = to_batch(&schema, &rows).expect("batch");
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.column(1).as_list::<i32>().value(0).len(), 2);
        assert_eq!(batch.column(3).as_primitive::<TimestampMillisecondType>().value(0), 1_700_000_000_123);
        assert!(batch.column(4).is_null(1));
        let empty = to_batch(&Arc::new(Schema::empty()), &rows).expect("count-only batch");
        assert_eq!(empty.num_rows(), 2);
    }
}
