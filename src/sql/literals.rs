//! JSON text given for a struct, list or map column (as StackQL passes objects and lists)
//! becomes a typed SQL value of the column's Arrow type, before DataFusion plans the statement.

use datafusion::arrow::datatypes::DataType;
use datafusion::sql::sqlparser::ast::{Expr, Value, ValueWithSpan};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use serde_json::Value as Json;

use crate::error::{Error, Refusal};

fn refused(message: String) -> Error {
    Error::refused(Refusal::Column, message)
}

fn sql_type(t: &DataType) -> &'static str {
    match t {
        DataType::Boolean => "BOOLEAN",
        DataType::Int32 => "INT",
        DataType::Int64 => "BIGINT",
        DataType::Float64 => "DOUBLE",
        _ => "VARCHAR",
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// SQL text for a JSON value of an Arrow type (every string quoted, so no value escapes).
fn json_sql(value: &Json, t: &DataType, column: &str) -> Result<String, Error> {
    Ok(match (t, value) {
        (_, Json::Null) => format!("CAST(NULL AS {})", sql_type(t)),
        (DataType::Struct(fields), Json::Object(m)) => {
            for k in m.keys() {
                if !fields.iter().any(|f| f.name().eq_ignore_ascii_case(k)) {
                    let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
                    return Err(refused(format!("{column}: unknown member '{k}' (members: {})", names.join(", "))));
                }
            }
            let parts: Result<Vec<String>, Error> = fields
                .iter()
                .map(|f| {
                    let v = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(f.name())).map_or(&Json::Null, |(_, v)| v);
                    Ok(format!("{}, {}", quote(f.name()), json_sql(v, f.data_type(), column)?))
                })
                .collect();
            format!("named_struct({})", parts?.join(", "))
        }
        (DataType::List(item), Json::Array(items)) if !items.is_empty() => {
            let parts: Result<Vec<String>, Error> =
                items.iter().map(|v| json_sql(v, item.data_type(), column)).collect();
            format!("make_array({})", parts?.join(", "))
        }
        (DataType::List(_), Json::Array(_)) => "NULL".to_owned(),
        (DataType::Map(_, _), Json::Object(m)) if !m.is_empty() => {
            let keys: Vec<String> = m.keys().map(|k| quote(k)).collect();
            let values: Vec<String> =
                m.values().map(|v| v.as_str().map_or_else(|| quote(&v.to_string()), quote)).collect();
            format!("map(make_array({}), make_array({}))", keys.join(", "), values.join(", "))
        }
        (DataType::Map(_, _), Json::Object(_)) => "NULL".to_owned(),
        (_, Json::String(s)) => format!("CAST({} AS {})", quote(s), sql_type(t)),
        (_, Json::Bool(b)) => format!("CAST({b} AS {})", sql_type(t)),
        (_, Json::Number(n)) => format!("CAST({n} AS {})", sql_type(t)),
        (_, other) => return Err(refused(format!("{column}: {other} does not fit {t}"))),
    })
}

/// Replaces a string literal holding JSON by a typed SQL value, for a nested target column.
///
/// # Errors
/// Text that is not JSON, or JSON that does not fit the column.
pub(crate) fn typed_literal(expr: &mut Expr, t: &DataType, column: &str) -> Result<(), Error> {
    if !matches!(t, DataType::Struct(_) | DataType::List(_) | DataType::Map(_, _)) {
        return check_scalar(expr, t, column);
    }
    let Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) = expr else {
        return Ok(());
    };
    let json: Json = serde_json::from_str(text).map_err(|e| {
        refused(format!("{column}: the value is not valid JSON ({e}); give a JSON object or list, or a typed value"))
    })?;
    let sql = json_sql(&json, t, column)?;
    *expr = Parser::new(&GenericDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| Error::Internal(format!("{column}: typed literal does not parse: {e}")))?;
    Ok(())
}

/// Refuses text given for a typed scalar column (a boolean, a number, a time) that is not a
/// value of its type, naming the column and the value: DataFusion would fail later, in an
/// optimizer rule, with a cast error that names neither.
fn check_scalar(expr: &Expr, t: &DataType, column: &str) -> Result<(), Error> {
    let Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) = expr else { return Ok(()) };
    if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        return Ok(());
    }
    let array = datafusion::arrow::array::StringArray::from(vec![text.as_str()]);
    let options = datafusion::arrow::compute::CastOptions { safe: false, ..Default::default() };
    match datafusion::arrow::compute::cast_with_options(&array, t, &options) {
        Ok(_) => Ok(()),
        Err(_) => {
            let expected = match t {
                DataType::Boolean => "true or false".to_owned(),
                DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "a whole number".to_owned(),
                DataType::Float32 | DataType::Float64 => "a number".to_owned(),
                DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
                    "a time such as 2026-09-01T00:00:00Z".to_owned()
                }
                other => format!("a value of type {other}"),
            };
            Err(refused(format!("{column}: '{text}' is not {expected}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::users_def;

    #[test]
    fn json_becomes_typed_sql() {
        let def = users_def();
        let phone = def.column("phone_config").expect("column").data_type.clone();
        let sql = json_sql(&serde_json::json!({"PhoneType": "SOFT_PHONE", "AutoAccept": true}), &phone, "phone_config")
            .expect("sql");
        assert!(
            sql.starts_with(
                "named_struct('PhoneType', CAST('SOFT_PHONE' AS VARCHAR), 'AutoAccept', CAST(true AS BOOLEAN)"
            ),
            "{sql}"
        );
        assert!(sql.contains("'AfterContactWorkTimeLimit', CAST(NULL AS INT)"), "{sql}");
        let list = def.column("security_profile_arns").expect("column").data_type.clone();
        assert_eq!(json_sql(&serde_json::json!(["a"]), &list, "x").expect("sql"), "make_array(CAST('a' AS VARCHAR))");
        let bad = json_sql(&serde_json::json!({"Colour": "red"}), &phone, "phone_config").expect_err("unknown member");
        assert!(bad.to_string().contains("Colour"));
    }

    #[test]
    fn text_for_a_typed_column_must_be_of_its_type() {
        let text = |s: &str| Expr::value(Value::SingleQuotedString(s.to_owned()));
        let e = check_scalar(&text("maybe"), &DataType::Boolean, "auto_accept").expect_err("not a boolean");
        assert!(e.to_string().contains("auto_accept: 'maybe' is not true or false"), "{e}");
        assert!(check_scalar(&text("true"), &DataType::Boolean, "auto_accept").is_ok());
        assert!(check_scalar(&text("30"), &DataType::Int32, "after_contact_work_time_limit").is_ok());
        assert!(check_scalar(&text("thirty"), &DataType::Int32, "after_contact_work_time_limit").is_err());
        assert!(check_scalar(&text("anything"), &DataType::Utf8, "email").is_ok());
    }
}
