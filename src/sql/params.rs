//! Values a client bound to `$1`, `$2`, … (a Postgres client's prepared statement) become
//! literals of the statement before anything else sees it, so the rewrites, the password
//! masking and the write guards treat them as if they had been typed.

use std::ops::ControlFlow;

use datafusion::common::ScalarValue;
use datafusion::sql::sqlparser::ast::{Expr, Statement, Value, visit_expressions_mut};

use super::subquery::literal;
use crate::error::{Error, SqlError};

/// Replaces each `$n` of the statement by the n-th value.
///
/// # Errors
/// A placeholder without a value (`$3` with two values), or one that is not `$n`.
pub(crate) fn bind(statement: &mut Statement, values: &[ScalarValue]) -> Result<(), Error> {
    let mut failure = None;
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::Value(v) = e
            && let Value::Placeholder(name) = &v.value
        {
            let index = name.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()).filter(|n| *n >= 1);
            match index.and_then(|n| values.get(n - 1)) {
                Some(value) => *e = literal(value),
                None => {
                    failure = Some(Error::sql(
                        SqlError::Invalid,
                        format!("no value for parameter {name} ({} given)", values.len()),
                    ));
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    failure.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use datafusion::sql::parser::{DFParser, Statement as DfStatement};

    use super::*;

    fn bound(sql: &str, values: &[ScalarValue]) -> Result<String, Error> {
        let Some(DfStatement::Statement(mut s)) = DFParser::parse_sql(sql).expect("parses").pop_front() else {
            panic!("not a statement: {sql}")
        };
        bind(&mut s, values)?;
        Ok(s.to_string())
    }

    #[test]
    fn placeholders_become_literals_in_order() {
        let sql = bound(
            "UPDATE users SET first_name = $2 WHERE username = $1 AND n > $3 AND b = $4 AND x = $5",
            &[
                ScalarValue::from("o'neil"),
                ScalarValue::from("Ann"),
                ScalarValue::Int64(Some(-3)),
                ScalarValue::Boolean(Some(true)),
                ScalarValue::Utf8(None),
            ],
        )
        .expect("binds");
        assert_eq!(
            sql,
            "UPDATE users SET first_name = 'Ann' WHERE username = 'o''neil' AND n > -3 AND b = true AND x = NULL"
        );
    }

    #[test]
    fn a_missing_value_is_an_error_naming_the_parameter() {
        let e = bound("SELECT * FROM users WHERE id = $2", &[ScalarValue::from("a")]).expect_err("no $2");
        assert!(e.to_string().contains("$2"), "{e}");
    }
}
