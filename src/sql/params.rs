//! Values a client bound to `$1`, `$2`, … (a Postgres client's prepared statement), and the
//! values of `{{ name }}` placeholders written inside quotes, become literals of the parsed
//! statement before anything else sees it, so the rewrites, the password masking and the write
//! guards treat them as if they had been typed — and no value is ever read as SQL text.

use std::ops::ControlFlow;
use std::sync::OnceLock;

use datafusion::common::ScalarValue;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Statement, Value, ValueWithSpan, VisitorMut,
};
use regex::Regex;

use super::subquery::literal;
use super::walk;
use crate::error::{Error, SqlError};

/// `{{#n}}`, the marker [`super::script::fill_placeholders`] leaves for a quoted placeholder.
fn markers() -> &'static Regex {
    static MARKER: OnceLock<Regex> = OnceLock::new();
    MARKER.get_or_init(|| Regex::new(r"\{\{#(\d+)\}\}").expect("a valid pattern"))
}

/// Puts the quoted placeholders' values in place of their markers in a literal's or an
/// identifier's own text, counting each marker replaced.
struct QuotedValues<'a> {
    values: &'a [(String, String)],
    filled: Vec<usize>,
}

impl QuotedValues<'_> {
    fn fill(&mut self, text: &mut String) {
        if !text.contains("{{#") {
            return;
        }
        let mut filled = Vec::new();
        let replaced = markers().replace_all(text, |c: &regex::Captures<'_>| {
            let n: usize = c[1].parse().unwrap_or(usize::MAX);
            match self.values.get(n) {
                Some((_, value)) => {
                    filled.push(n);
                    value.clone()
                }
                None => c[0].to_owned(),
            }
        });
        *text = replaced.into_owned();
        self.filled.extend(filled);
    }

    fn fill_value(&mut self, value: &mut Value) {
        match value {
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::UnicodeStringLiteral(s)
            | Value::NationalStringLiteral(s)
            | Value::TripleSingleQuotedString(s)
            | Value::TripleDoubleQuotedString(s)
            | Value::SingleQuotedByteStringLiteral(s)
            | Value::DoubleQuotedByteStringLiteral(s)
            | Value::SingleQuotedRawStringLiteral(s)
            | Value::DoubleQuotedRawStringLiteral(s) => self.fill(s),
            Value::DollarQuotedString(d) => self.fill(&mut d.value),
            _ => {}
        }
    }

    fn fill_idents<'i>(&mut self, idents: impl Iterator<Item = &'i mut Ident>) {
        for ident in idents.filter(|i| i.quote_style.is_some()) {
            self.fill(&mut ident.value);
        }
    }
}

impl VisitorMut for QuotedValues<'_> {
    type Break = ();

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        self.fill_value(&mut value.value);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(i) => self.fill_idents(std::iter::once(i)),
            Expr::CompoundIdentifier(parts) => self.fill_idents(parts.iter_mut()),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.fill_idents(relation.0.iter_mut().filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(i),
            ObjectNamePart::Function(_) => None,
        }));
        ControlFlow::Continue(())
    }
}

/// Binds the values of a statement's quoted placeholders (see [`super::script::Filled`]) into
/// the literals and quoted names that hold their markers.
///
/// # Errors
/// A marker in a place no value can go (every quoted placeholder must be filled once).
pub(crate) fn bind_quoted(statement: &mut DfStatement, values: &[(String, String)]) -> Result<(), Error> {
    if values.is_empty() {
        return Ok(());
    }
    let mut binder = QuotedValues { values, filled: Vec::new() };
    match statement {
        DfStatement::Statement(s) => {
            let _ = walk::walk_mut(s.as_mut(), &mut binder);
        }
        DfStatement::Explain(e) => return bind_quoted(&mut e.statement, values),
        DfStatement::CopyTo(copy) => {
            binder.fill(&mut copy.target);
            if let datafusion::sql::parser::CopyToSource::Query(q) = &mut copy.source {
                let _ = walk::walk_mut(q.as_mut(), &mut binder);
            }
            for (_, v) in &mut copy.options {
                binder.fill_value(v);
            }
        }
        DfStatement::CreateExternalTable(t) => {
            for location in &mut t.locations {
                binder.fill(location);
            }
            for (_, v) in &mut t.options {
                binder.fill_value(v);
            }
        }
        _ => {}
    }
    binder.filled.sort_unstable();
    let unfilled = (0..values.len()).find(|n| binder.filled.binary_search(n).is_err());
    match unfilled {
        None => Ok(()),
        Some(n) => Err(Error::Usage(format!(
            "the placeholder '{{{{ {} }}}}' is inside quotes connectql cannot fill here (a literal or a quoted name is needed)",
            values[n].0
        ))),
    }
}

/// Replaces each `$n` of the statement by the n-th value.
///
/// # Errors
/// A placeholder without a value (`$3` with two values), or one that is not `$n`.
pub(crate) fn bind(statement: &mut Statement, values: &[ScalarValue]) -> Result<(), Error> {
    let mut failure = None;
    let _ = walk::exprs_mut(statement, |e| {
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
    if let Some(e) = failure {
        return Err(e);
    }
    let _ = walk::walk_mut(statement, &mut NumericBounds);
    Ok(())
}

/// `LIMIT $1` and `OFFSET $2` bound to text (a client that sends every parameter as text, as
/// node's `pg` does) read as the number the text spells.
struct NumericBounds;

impl VisitorMut for NumericBounds {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut datafusion::sql::sqlparser::ast::Query) -> ControlFlow<()> {
        use datafusion::sql::sqlparser::ast::LimitClause;
        if let Some(LimitClause::LimitOffset { limit, offset, .. }) = &mut query.limit_clause {
            for bound in limit.iter_mut().chain(offset.iter_mut().map(|o| &mut o.value)) {
                if let Expr::Value(v) = bound
                    && let Value::SingleQuotedString(text) = &v.value
                    && let Ok(n) = text.trim().parse::<u64>()
                {
                    v.value = Value::Number(n.to_string(), false);
                }
            }
        }
        ControlFlow::Continue(())
    }
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

    fn bound_quoted(sql: &str, vars: &[(&str, &str)]) -> Result<DfStatement, Error> {
        let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let filled = crate::sql::script::fill_placeholders(sql, &vars)?;
        let mut parsed = DFParser::parse_sql(&filled.text).expect("parses").pop_front().expect("one");
        bind_quoted(&mut parsed, &filled.quoted)?;
        Ok(parsed)
    }

    /// The string value of every literal of a statement, in order.
    fn literals(statement: &DfStatement) -> Vec<String> {
        let DfStatement::Statement(s) = statement else { panic!("{statement}") };
        let mut out = Vec::new();
        let _ = walk::exprs(s.as_ref(), |e| {
            if let Expr::Value(v) = e {
                match &v.value {
                    Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => out.push(s.clone()),
                    Value::DollarQuotedString(d) => out.push(d.value.clone()),
                    _ => {}
                }
            }
            ControlFlow::<()>::Continue(())
        });
        out
    }

    #[test]
    fn a_quoted_placeholder_stays_inside_its_literal_whatever_the_quotes() {
        let attack = "\\' OR starts_with(username, 'ua.') --";
        for sql in [
            "DELETE FROM users WHERE username = E'{{ u }}'",
            "DELETE FROM users WHERE username = '{{ u }}'",
            "DELETE FROM users WHERE username = $${{ u }}$$",
        ] {
            let statement = bound_quoted(sql, &[("u", attack)]).expect("binds");
            assert_eq!(literals(&statement), vec![attack], "{sql}: one literal, the whole value");
            let DfStatement::Statement(s) = &statement else { panic!() };
            let Statement::Delete(d) = s.as_ref() else { panic!() };
            assert!(matches!(d.selection, Some(Expr::BinaryOp { .. })), "one comparison: {sql}");
        }
        // A value cannot add a column either.
        let statement = bound_quoted("SELECT $${{ u }}$$ AS a", &[("u", "x$$, 'y")]).expect("binds");
        assert_eq!(literals(&statement), vec!["x$$, 'y"]);
    }

    #[test]
    fn several_placeholders_in_one_literal_names_and_files() {
        let s = bound_quoted(
            "SELECT 'user {{ a }} lacks {{ b }}' AS m, \"{{ c }}\" FROM t",
            &[("a", "x'y"), ("b", "z"), ("c", "col")],
        )
        .expect("binds");
        assert_eq!(s.to_string(), "SELECT 'user x''y lacks z' AS m, \"col\" FROM t");
        let s = bound_quoted("COPY (SELECT 1) TO '{{ f }}' STORED AS CSV", &[("f", "out.csv")]).expect("copy");
        assert!(s.to_string().contains("TO out.csv"), "{s}");
        let e = bound_quoted("SELECT 1 AS \"{{ c }}\"", &[("c", "x")]).expect_err("an alias is not filled");
        assert!(e.to_string().contains("{{ c }}"), "{e}");
    }
}
