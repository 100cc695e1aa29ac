//! Rows and errors as a Postgres client reads them: nested values (structs, lists, maps) as
//! `json` text, everything else by arrow-pg's mapping (timestamps as `timestamptz`, booleans and
//! integers as themselves); errors with the SQLSTATE that fits.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion_postgres::arrow_pg::datatypes::{encode_recordbatch, field_into_pg_type};
use datafusion_postgres::pgwire::api::Type;
use datafusion_postgres::pgwire::api::portal::Format;
use datafusion_postgres::pgwire::api::results::{FieldInfo, QueryResponse};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireResult};
use datafusion_postgres::pgwire::messages::data::DataRow;

use crate::error::{Error, Refusal, SqlError};

/// Whether a column reaches the client as `json` text (the catalog lists it so too).
fn nested(t: &DataType) -> bool {
    crate::engine::postgres_as_json(t)
}

/// The columns a client is told of.
///
/// # Errors
/// A column type with no Postgres counterpart.
pub(crate) fn fields(schema: &Schema, format: &Format) -> PgWireResult<Vec<FieldInfo>> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let pg_type = if nested(f.data_type()) { Type::JSON } else { field_into_pg_type(f)? };
            Ok(FieldInfo::new(f.name().clone(), None, None, pg_type, format.format_for(i)))
        })
        .collect()
}

/// A batch with its nested columns as JSON text.
fn flattened(batch: &RecordBatch) -> Result<RecordBatch, Error> {
    if !batch.schema().fields().iter().any(|f| nested(f.data_type())) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if !nested(f.data_type()) {
            fields.push(Arc::clone(f));
            columns.push(Arc::clone(c));
            continue;
        }
        let single = Arc::new(Schema::new(vec![Arc::clone(f)]));
        let one = RecordBatch::try_new(single, vec![Arc::clone(c)]).map_err(|e| Error::Internal(e.to_string()))?;
        let texts: StringArray = crate::surfaces::answer::json_rows(&[one])?
            .into_iter()
            .map(|mut row| match row.remove(f.name()) {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => Some(v.to_string()),
            })
            .collect();
        fields.push(Arc::new(Field::new(f.name(), DataType::Utf8, true)));
        columns.push(Arc::new(texts));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::Internal(e.to_string()))
}

/// The rows of a statement's batches, encoded for its fields.
///
/// # Errors
/// A value that cannot be encoded.
pub(crate) fn query_response(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: &Format,
) -> Result<QueryResponse, Box<ErrorInfo>> {
    let fields = Arc::new(fields(schema, format).map_err(|e| Box::new(ErrorInfo::from(e)))?);
    let mut rows: Vec<PgWireResult<DataRow>> = Vec::new();
    for b in batches {
        rows.extend(encoded(&fields, b));
    }
    Ok(QueryResponse::new(fields, futures::stream::iter(rows)))
}

/// A batch's rows encoded for the fields (an encoding failure as the one item).
pub(crate) fn encoded(fields: &Arc<Vec<FieldInfo>>, batch: &RecordBatch) -> Vec<PgWireResult<DataRow>> {
    match flattened(batch) {
        Ok(b) => encode_recordbatch(Arc::clone(fields), b).collect(),
        Err(e) => vec![Err(datafusion_postgres::pgwire::error::PgWireError::UserError(Box::new(error_info(&e))))],
    }
}

/// The SQLSTATE of an error.
fn sqlstate(e: &Error) -> &'static str {
    match e {
        Error::Sql { kind: SqlError::Syntax, .. } => "42601",
        Error::Sql { kind: SqlError::UnknownTable, .. } => "42P01",
        Error::Sql { message, .. } if message.contains("No field named") => "42703",
        Error::Sql { .. } => "42000",
        Error::Refused { reason: Refusal::Unsupported, .. } => "0A000",
        Error::Refused { reason: Refusal::Column, .. } => "22023",
        Error::Refused { .. } => "42501",
        Error::Usage(_) => "22023",
        Error::Cancelled => "57014",
        Error::Api(_) | Error::Partial { .. } | Error::Internal(_) => "XX000",
    }
}

/// The error a client sees: SQLSTATE, and the message with passwords masked.
pub(crate) fn error_info(e: &Error) -> ErrorInfo {
    let message = match e {
        Error::Cancelled => "canceling statement due to user request".to_owned(),
        other => crate::mask::mask(&other.to_string()).into_owned(),
    };
    ErrorInfo::new("ERROR".to_owned(), sqlstate(e).to_owned(), message)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, Int64Array, MapBuilder, StringBuilder};

    use super::*;

    #[test]
    fn maps_become_json_text_and_integers_stay() {
        let mut tags = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        tags.keys().append_value("team");
        tags.values().append_value("a\"b");
        tags.append(true).expect("entry");
        tags.append(false).expect("null");
        let tags = tags.finish();
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("tags", tags.data_type().clone(), true),
        ]));
        let batch =
            RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(Int64Array::from(vec![1, 2])), Arc::new(tags)])
                .expect("batch");
        let f = fields(&schema, &Format::UnifiedText).expect("fields");
        assert_eq!((f[0].datatype(), f[1].datatype()), (&Type::INT8, &Type::JSON));
        let flat = flattened(&batch).expect("flattened");
        let texts = flat.column(1).as_any().downcast_ref::<StringArray>().expect("text");
        assert_eq!(texts.value(0), r#"{"team":"a\"b"}"#);
        assert!(texts.is_null(1));
    }

    #[test]
    fn errors_carry_the_sqlstate_that_fits() {
        assert_eq!(error_info(&Error::sql(SqlError::UnknownTable, "no such table")).code, "42P01");
        assert_eq!(error_info(&Error::sql(SqlError::Syntax, "bad")).code, "42601");
        assert_eq!(error_info(&Error::refused(Refusal::ReadOnly, "read-only")).code, "42501");
        assert_eq!(error_info(&Error::Cancelled).code, "57014");
    }
}
