//! Uncorrelated subqueries of an UPDATE or DELETE (`SET x = (SELECT …)`, `WHERE id IN
//! (SELECT …)`, `EXISTS (…)`) are run first and replaced by their values, so a key filter fed by
//! a subquery is still a set of lookups, and DataFusion never turns the WHERE clause into a join
//! its DML hooks cannot see (apache/datafusion#24654).

use std::ops::ControlFlow;

use async_trait::async_trait;
use datafusion::common::ScalarValue;
use datafusion::sql::sqlparser::ast::{Expr, Query, Statement, Value};

use super::walk;
use crate::error::{Error, SqlError};

/// Runs a subquery and returns the values of its only column.
#[async_trait]
pub(crate) trait SubqueryRunner: Sync {
    async fn values(&self, query: &Query) -> Result<Vec<ScalarValue>, Error>;
}

/// The SQL literal of a value.
pub(crate) fn literal(value: &ScalarValue) -> Expr {
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
        // Dates and times as ISO text (`2020-01-01T00:00:00`), which a comparison with a
        // timestamp column reads back; their own display is a count of units since 1970.
        ScalarValue::TimestampSecond(..)
        | ScalarValue::TimestampMillisecond(..)
        | ScalarValue::TimestampMicrosecond(..)
        | ScalarValue::TimestampNanosecond(..)
        | ScalarValue::Date32(_)
        | ScalarValue::Date64(_)
        | ScalarValue::Time32Second(_)
        | ScalarValue::Time32Millisecond(_)
        | ScalarValue::Time64Microsecond(_)
        | ScalarValue::Time64Nanosecond(_) => match value.cast_to(&datafusion::arrow::datatypes::DataType::Utf8) {
            Ok(ScalarValue::Utf8(Some(text))) => Value::SingleQuotedString(text),
            _ => Value::SingleQuotedString(value.to_string()),
        },
        other => Value::SingleQuotedString(other.to_string()),
    };
    Expr::Value(v.into())
}

/// Replaces every subquery of an UPDATE or DELETE by its values; other statements are left.
///
/// # Errors
/// A failing subquery, or a scalar subquery returning more than one row.
pub(crate) async fn materialize(statement: &mut Statement, runner: &dyn SubqueryRunner) -> Result<(), Error> {
    if !matches!(statement, Statement::Update(_) | Statement::Delete(_)) {
        return Ok(());
    }
    let mut queries: Vec<Query> = Vec::new();
    let _ = walk::exprs(statement, |e| {
        if let Expr::Subquery(q) | Expr::InSubquery { subquery: q, .. } | Expr::Exists { subquery: q, .. } = e {
            queries.push(q.as_ref().clone());
        }
        ControlFlow::<()>::Continue(())
    });
    let mut values = Vec::with_capacity(queries.len());
    for q in &queries {
        values.push(runner.values(q).await?);
    }
    let mut values = values.into_iter();
    let mut failure = None;
    let _ = walk::exprs_mut(statement, |e| {
        let replacement = match e {
            Expr::Subquery(_) => {
                let v = values.next().unwrap_or_default();
                if v.len() > 1 {
                    failure = Some(Error::sql(
                        SqlError::Invalid,
                        format!("a scalar subquery returned {} rows; it must return at most one", v.len()),
                    ));
                    return ControlFlow::Break(());
                }
                Some(v.first().map_or(Expr::Value(Value::Null.into()), literal))
            }
            Expr::InSubquery { expr, negated, .. } => {
                let v = values.next().unwrap_or_default();
                Some(if v.is_empty() {
                    Expr::Value(Value::Boolean(*negated).into())
                } else {
                    Expr::InList { expr: expr.clone(), list: v.iter().map(literal).collect(), negated: *negated }
                })
            }
            Expr::Exists { negated, .. } => {
                let v = values.next().unwrap_or_default();
                Some(Expr::Value(Value::Boolean(v.is_empty() == *negated).into()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    struct Fixed(Vec<Vec<ScalarValue>>);

    #[async_trait]
    impl SubqueryRunner for Fixed {
        async fn values(&self, query: &Query) -> Result<Vec<ScalarValue>, Error> {
            let n = usize::from(query.to_string().contains("second"));
            Ok(self.0[n].clone())
        }
    }

    #[tokio::test]
    async fn subqueries_become_their_values() {
        let mut s = Parser::parse_sql(
            &GenericDialect {},
            "DELETE FROM t WHERE id IN (SELECT id FROM u) AND x = (SELECT 'second' FROM v) AND NOT EXISTS (SELECT 1)",
        )
        .expect("parses")
        .remove(0);
        let runner = Fixed(vec![vec![ScalarValue::from("a"), ScalarValue::from("b")], vec![ScalarValue::from("y")]]);
        materialize(&mut s, &runner).await.expect("materialized");
        assert_eq!(s.to_string(), "DELETE FROM t WHERE id IN ('a', 'b') AND x = 'y' AND false");
        let mut empty = Parser::parse_sql(&GenericDialect {}, "DELETE FROM t WHERE id IN (SELECT id FROM u)")
            .expect("parses")
            .remove(0);
        materialize(&mut empty, &Fixed(vec![vec![], vec![]])).await.expect("materialized");
        assert_eq!(empty.to_string(), "DELETE FROM t WHERE false", "an empty IN list matches nothing");
    }
}
