//! Statement rewrites done before DataFusion plans a statement, for what its planner cannot do
//! for an API-backed table:
//! - INSERT: StackQL's column spellings (`InstanceArn`, `SecurityProfileArns`) map to columns;
//!   JSON text given for a struct, list or map column becomes a typed value; `RETURNING` is
//!   answered from the ids CreateUser returned.
//! - UPDATE and DELETE: uncorrelated subqueries (`SET x = (SELECT …)`, `WHERE id IN (SELECT …)`)
//!   are run first and replaced by their values, so key filters still become lookups and the
//!   DML hooks never see an empty filter list for a real WHERE clause.
//! - `DELETE … LIMIT` and `UPDATE … FROM` are refused (DataFusion would ignore the limit).

use std::ops::ControlFlow;

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{
    Expr as SqlExpr, Ident, ObjectName, ObjectNamePart, SelectItem, SetExpr, Statement, TableObject, Value,
    ValueWithSpan, visit_expressions, visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use serde_json::Value as Json;

use crate::exec::StatementError;
use crate::provider::TableDef;
use crate::session::Engine;

/// A statement ready for DataFusion, and what to print after it.
#[derive(Debug)]
pub struct Rewritten {
    pub sql: String,
    /// For INSERT … RETURNING: (header as typed, "id" or "arn").
    pub returning: Option<Vec<(String, &'static str)>>,
}

fn err(message: impl Into<String>) -> StatementError {
    StatementError(message.into())
}

/// Our table named by an object name (`users`, `connect.users`, `aws.connect.users`).
fn our_table<'e>(engine: &'e Engine, name: &ObjectName) -> Option<&'e TableDef> {
    engine.table(&name.to_string()).map(|t| t.def())
}

fn squash(name: &str) -> String {
    name.to_lowercase().replace('_', "")
}

/// A column by any spelling StackQL users type (`InstanceArn` → `instance_arn`).
pub fn canonical_column<'d>(def: &'d TableDef, name: &str) -> Option<&'d str> {
    let wanted = squash(name.trim_matches('"'));
    def.columns.iter().map(|c| c.name).find(|c| squash(c) == wanted)
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

/// SQL text for a JSON value of an Arrow type.
fn json_sql(value: &Json, t: &DataType, column: &str) -> Result<String, StatementError> {
    Ok(match (t, value) {
        (_, Json::Null) => format!("CAST(NULL AS {})", sql_type(t)),
        (DataType::Struct(fields), Json::Object(m)) => {
            for k in m.keys() {
                if !fields.iter().any(|f| f.name().eq_ignore_ascii_case(k)) {
                    let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
                    return Err(err(format!("{column}: unknown member '{k}' (members: {})", names.join(", "))));
                }
            }
            let parts: Result<Vec<String>, StatementError> = fields
                .iter()
                .map(|f| {
                    let v = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(f.name())).map_or(&Json::Null, |(_, v)| v);
                    Ok(format!("{}, {}", quote(f.name()), json_sql(v, f.data_type(), column)?))
                })
                .collect();
            format!("named_struct({})", parts?.join(", "))
        }
        (DataType::List(item), Json::Array(items)) if !items.is_empty() => {
            let parts: Result<Vec<String>, StatementError> =
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
        (_, other) => return Err(err(format!("{column}: {other} does not fit {t}"))),
    })
}

/// Replaces a string literal holding JSON by a typed SQL value, for nested target columns.
fn typed_literal(expr: &mut SqlExpr, t: &DataType, column: &str) -> Result<(), StatementError> {
    if !matches!(t, DataType::Struct(_) | DataType::List(_) | DataType::Map(_, _)) {
        return Ok(());
    }
    let SqlExpr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) = expr else {
        return Ok(());
    };
    let json: Json = serde_json::from_str(text).map_err(|e| {
        err(format!("{column}: the value is not valid JSON ({e}); give a JSON object or list, or a typed value"))
    })?;
    let sql = json_sql(&json, t, column)?;
    *expr = Parser::new(&GenericDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| err(format!("{column}: {e}")))?;
    Ok(())
}

fn rewrite_insert(
    engine: &Engine,
    insert: &mut datafusion::sql::sqlparser::ast::Insert,
) -> Result<Option<Vec<(String, &'static str)>>, StatementError> {
    let TableObject::TableName(name) = &insert.table else { return Ok(None) };
    let Some(def) = our_table(engine, name) else { return Ok(None) };
    let mut types = Vec::new();
    for col in &mut insert.columns {
        let typed = col.to_string();
        let canonical = canonical_column(def, &typed)
            .ok_or_else(|| err(format!("INSERT into {}: no column '{typed}'", def.qualified_name())))?;
        *col = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(canonical))]);
        types.push((canonical, def.column(canonical).map(|c| c.data_type.clone()).unwrap_or(DataType::Utf8)));
    }
    if let Some(source) = insert.source.as_mut() {
        let rows: Vec<&mut Vec<SqlExpr>> = match source.body.as_mut() {
            SetExpr::Values(values) => values.rows.iter_mut().map(|r| &mut r.content).collect(),
            _ => Vec::new(),
        };
        for row in rows {
            for (expr, (column, t)) in row.iter_mut().zip(&types) {
                typed_literal(expr, t, column)?;
            }
        }
        if let SetExpr::Select(select) = source.body.as_mut()
            && select.from.is_empty()
        {
            for (item, (column, t)) in select.projection.iter_mut().zip(&types) {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        typed_literal(e, t, column)?
                    }
                    _ => {}
                }
            }
        }
    }
    let Some(items) = insert.returning.take() else { return Ok(None) };
    let mut returning = Vec::new();
    for item in items {
        let SelectItem::UnnamedExpr(SqlExpr::Identifier(ident)) = &item else {
            return Err(err(format!(
                "RETURNING {item}: only the new user's id and ARN can be returned (RETURNING UserArn, UserId)"
            )));
        };
        let which = match squash(&ident.value).as_str() {
            "id" | "userid" => "id",
            "arn" | "userarn" | "dataidentifier" => "arn",
            _ => {
                return Err(err(format!(
                    "RETURNING {}: only the new user's id and ARN can be returned (RETURNING UserArn, UserId)",
                    ident.value
                )));
            }
        };
        returning.push((ident.value.clone(), which));
    }
    Ok(Some(returning))
}

/// The SQL literal of a subquery's value.
fn literal(value: &ScalarValue) -> SqlExpr {
    let v = match value {
        v if v.is_null() => Value::Null,
        ScalarValue::Boolean(Some(b)) => Value::Boolean(*b),
        ScalarValue::Int8(_)
        | ScalarValue::Int16(_)
        | ScalarValue::Int32(_)
        | ScalarValue::Int64(_)
        | ScalarValue::UInt8(_)
        | ScalarValue::UInt16(_)
        | ScalarValue::UInt32(_)
        | ScalarValue::UInt64(_)
        | ScalarValue::Float32(_)
        | ScalarValue::Float64(_) => Value::Number(value.to_string(), false),
        other => Value::SingleQuotedString(other.to_string()),
    };
    SqlExpr::Value(v.into())
}

/// Runs an uncorrelated subquery and returns the values of its only column.
async fn run_subquery(engine: &Engine, query: &str) -> Result<Vec<ScalarValue>, StatementError> {
    let df =
        engine.ctx.sql(query).await.map_err(|e| err(format!("subquery ({query}): {}", crate::exec::error_text(&e))))?;
    if df.schema().fields().len() != 1 {
        return Err(err(format!("subquery ({query}) must return one column")));
    }
    let batches =
        df.collect().await.map_err(|e| err(format!("subquery ({query}): {}", crate::exec::error_text(&e))))?;
    let mut out = Vec::new();
    for b in &batches {
        let col = b.column(0);
        for i in 0..col.len() {
            out.push(ScalarValue::try_from_array(col, i).map_err(|e| err(e.to_string()))?);
        }
    }
    Ok(out)
}

/// Replaces every subquery in an UPDATE or DELETE by its values.
async fn materialize(engine: &Engine, statement: &mut Statement) -> Result<(), StatementError> {
    let mut queries = Vec::new();
    let _ = visit_expressions(statement, |e| {
        match e {
            SqlExpr::Subquery(q) | SqlExpr::InSubquery { subquery: q, .. } | SqlExpr::Exists { subquery: q, .. } => {
                queries.push(q.to_string());
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    let mut values = Vec::new();
    for q in &queries {
        values.push(run_subquery(engine, q).await?);
    }
    let mut values = values.into_iter();
    let mut failure = None;
    let _ = visit_expressions_mut(statement, |e| {
        let replacement = match e {
            SqlExpr::Subquery(_) => {
                let v = values.next().unwrap_or_default();
                if v.len() > 1 {
                    failure =
                        Some(err(format!("a scalar subquery returned {} rows; it must return at most one", v.len())));
                    return ControlFlow::Break(());
                }
                Some(v.first().map_or(SqlExpr::Value(Value::Null.into()), literal))
            }
            SqlExpr::InSubquery { expr, negated, .. } => {
                let v = values.next().unwrap_or_default();
                Some(if v.is_empty() {
                    SqlExpr::Value(Value::Boolean(*negated).into())
                } else {
                    SqlExpr::InList { expr: expr.clone(), list: v.iter().map(literal).collect(), negated: *negated }
                })
            }
            SqlExpr::Exists { negated, .. } => {
                let v = values.next().unwrap_or_default();
                Some(SqlExpr::Value(Value::Boolean(v.is_empty() == *negated).into()))
            }
            _ => None,
        };
        if let Some(r) = replacement {
            *e = r;
        }
        ControlFlow::Continue(())
    });
    failure.map_or(Ok(()), Err)
}

/// The string values a statement gives to password columns (INSERT VALUES / SELECT literals,
/// UPDATE SET), so they can be masked everywhere.
pub fn password_literals(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(statements) = DFParser::parse_sql(sql) else { return out };
    let string_of = |e: &SqlExpr| match e {
        SqlExpr::Value(ValueWithSpan { value: Value::SingleQuotedString(s), .. }) => Some(s.clone()),
        _ => None,
    };
    for statement in statements {
        let DfStatement::Statement(statement) = statement else { continue };
        match *statement {
            Statement::Insert(insert) => {
                let positions: Vec<usize> = insert
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.to_string().to_lowercase().contains("password"))
                    .map(|(i, _)| i)
                    .collect();
                let Some(source) = insert.source else { continue };
                match *source.body {
                    SetExpr::Values(values) => {
                        for row in values.rows {
                            out.extend(positions.iter().filter_map(|p| row.content.get(*p).and_then(string_of)));
                        }
                    }
                    SetExpr::Select(select) => {
                        for p in &positions {
                            if let Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) =
                                select.projection.get(*p)
                            {
                                out.extend(string_of(e));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Statement::Update(update) => {
                for a in update.assignments {
                    if a.target.to_string().to_lowercase().contains("password") {
                        out.extend(string_of(&a.value));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Rewrites one statement (see the module doc); other statements pass through unchanged.
///
/// # Errors
/// An unknown column, bad JSON, a refused form, or a failing subquery, in words.
pub async fn rewrite(engine: &Engine, sql: &str) -> Result<Rewritten, StatementError> {
    let unchanged = || Ok(Rewritten { sql: sql.to_owned(), returning: None });
    let Ok(mut statements) = DFParser::parse_sql(sql) else { return unchanged() };
    if statements.len() != 1 {
        return unchanged();
    }
    let Some(DfStatement::Statement(mut statement)) = statements.pop_front() else { return unchanged() };
    let mut returning = None;
    match statement.as_mut() {
        Statement::Insert(insert) => returning = rewrite_insert(engine, insert)?,
        Statement::Delete(delete) => {
            if delete.limit.is_some() {
                return Err(err(
                    "DELETE … LIMIT is not supported: DataFusion would delete every matching row. Narrow the WHERE clause instead",
                ));
            }
            materialize(engine, &mut statement).await?;
        }
        Statement::Update(update) => {
            if update.from.is_some() {
                return Err(err(
                    "UPDATE … FROM is not supported: use a subquery, e.g. SET routing_profile_id = (SELECT id FROM …)",
                ));
            }
            materialize(engine, &mut statement).await?;
        }
        _ => return unchanged(),
    }
    Ok(Rewritten { sql: statement.to_string(), returning })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiTable;
    use crate::tables::users::UsersTable;

    #[test]
    fn stackql_spellings_map_to_columns() {
        let def = UsersTable.def();
        assert_eq!(canonical_column(def, "InstanceArn"), Some("instance_arn"));
        assert_eq!(canonical_column(def, "SecurityProfileArns"), Some("security_profile_arns"));
        assert_eq!(canonical_column(def, "data__Identifier"), Some("data__identifier"));
        assert_eq!(canonical_column(def, "region"), Some("region"));
        assert_eq!(canonical_column(def, "nope"), None);
    }

    #[test]
    fn json_becomes_typed_sql() {
        let def = UsersTable.def();
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
        assert!(bad.0.contains("Colour"));
    }
}
