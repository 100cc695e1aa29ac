//! Finding the password values a statement carries, so they are masked before anything is
//! written: the literals a statement gives to a sensitive column (by the parsed statement), and,
//! for a statement that mentions a password but does not parse, every literal the service could
//! take as a password (so `'x'` and the parser's own words stay readable).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{Expr, SelectItem, SetExpr, Statement, Value};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use super::walk;
use crate::mask::MASK;

fn mentions_password(s: &str) -> bool {
    s.to_lowercase().contains("password")
}

/// Every string literal of a statement's text (by its tokens). When the text cannot be
/// tokenized, every quoted run is taken, so nothing quoted escapes.
pub(crate) fn string_literals(text: &str) -> Vec<String> {
    match Tokenizer::new(&GenericDialect {}, text).tokenize() {
        Ok(tokens) => tokens.into_iter().filter_map(literal_of).collect(),
        Err(_) => text.split('\'').skip(1).step_by(2).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    }
}

fn literal_of(t: Token) -> Option<String> {
    match t {
        Token::SingleQuotedString(s)
        | Token::DoubleQuotedString(s)
        | Token::NationalStringLiteral(s)
        | Token::EscapedStringLiteral(s)
        | Token::UnicodeStringLiteral(s)
        | Token::SingleQuotedByteStringLiteral(s)
        | Token::TripleSingleQuotedString(s) => Some(s),
        Token::DollarQuotedString(d) => Some(d.value),
        _ => None,
    }
}

/// Whether a statement's text mentions a password anywhere (a column, a JSON member, a word).
pub(crate) fn password_bearing(text: &str) -> bool {
    mentions_password(text)
}

/// Whether a value could be a password Connect accepts: 8 to 64 characters, none of them
/// whitespace (the service's length and character bound, looser than its full rule, so a weak
/// password the service would refuse is masked too).
pub(crate) fn could_be_password(value: &str) -> bool {
    (8..=64).contains(&value.chars().count()) && !value.chars().any(char::is_whitespace)
}

/// The values of a text that cannot be read as a statement which may be passwords: when the
/// text mentions a password, each literal that could be one, and the password members of JSON
/// text (a literal, or the text itself). Nothing when it mentions none.
pub(crate) fn possible_passwords(text: &str) -> Vec<String> {
    if !password_bearing(text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    json_passwords(text, &mut out);
    for literal in string_literals(text) {
        json_passwords(&literal, &mut out);
        if could_be_password(&literal) {
            out.push(literal);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The possible passwords of free text from a client (a tool's SQL argument) when it cannot be
/// read as a statement; nothing when it can (the engine finds the values of a statement that
/// parses exactly, and registers them before anything is written).
pub(crate) fn unparsed_passwords(text: &str) -> Vec<String> {
    if !password_bearing(text) {
        return Vec::new();
    }
    // Parsed where any depth fits; when that cannot be told, the text counts as unread.
    let parses = super::limits::with_deep_stack(|| datafusion::sql::parser::DFParser::parse_sql(text).is_ok());
    if parses == Some(true) {
        return Vec::new();
    }
    possible_passwords(text)
}

/// A statement's text as it may be shown back to its author (a page's statement box): the
/// password values the engine found in it masked, or, when it could not be read, every literal
/// that could be one.
pub(crate) fn shown_statement(text: &str) -> String {
    crate::mask::mask_with(text, &unparsed_passwords(text))
}

/// A statement's text shown without the engine reading it (a shared `/sql?sql=` link fills the
/// box but does not run): when it mentions a password, every literal that could be one masked.
pub(crate) fn unread_statement(text: &str) -> String {
    crate::mask::mask_with(text, &possible_passwords(text))
}

/// Registers the password members of JSON text (a tool's body given as a string), so they are
/// masked in every text from now on. These are passwords by name, never guesses.
pub(crate) fn register_json_passwords(text: &str) {
    let mut found = Vec::new();
    json_passwords(text, &mut found);
    for f in found {
        crate::mask::register(&f);
    }
}

/// A statement as the shell's history may keep it: when it mentions a password, every string
/// literal is replaced; when it cannot even be tokenized, it is not kept at all.
pub(crate) fn history_line(text: &str) -> Option<String> {
    if !password_bearing(text) {
        return Some(text.to_owned());
    }
    let tokens = Tokenizer::new(&GenericDialect {}, text).tokenize().ok()?;
    Some(
        tokens
            .into_iter()
            .map(|t| match literal_of(t.clone()) {
                Some(_) => format!("'{MASK}'"),
                None => t.to_string(),
            })
            .collect(),
    )
}

/// The string literals inside an expression.
fn literals_in(e: &Expr, out: &mut Vec<String>) {
    let _ = walk::exprs(e, |x| {
        if let Expr::Value(v) = x
            && let Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) = &v.value
        {
            out.push(s.clone());
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The values JSON text gives to members named like a password (`{"Password": "…"}`).
fn json_passwords(text: &str, out: &mut Vec<String>) {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        serde_json::Value::String(s) if mentions_password(k) => out.push(s.clone()),
                        other => walk(other, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        walk(&v, out);
    }
}

/// The values a parsed statement gives to sensitive columns: every string literal in the
/// expression of such a column (INSERT … VALUES, INSERT … SELECT, UPDATE … SET), and password
/// members of JSON text anywhere.
pub(crate) fn sensitive_values(statement: &Statement, is_sensitive: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    match statement {
        Statement::Insert(insert) => {
            let positions: Vec<usize> = insert
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| is_sensitive(&c.to_string()))
                .map(|(i, _)| i)
                .collect();
            if let Some(source) = &insert.source {
                match source.body.as_ref() {
                    SetExpr::Values(values) => {
                        for row in &values.rows {
                            for p in &positions {
                                if let Some(e) = row.content.get(*p) {
                                    literals_in(e, &mut out);
                                }
                            }
                        }
                    }
                    SetExpr::Select(select) => {
                        for p in &positions {
                            if let Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) =
                                select.projection.get(*p)
                            {
                                literals_in(e, &mut out);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Statement::Update(update) => {
            for a in &update.assignments {
                if is_sensitive(&a.target.to_string()) {
                    literals_in(&a.value, &mut out);
                }
            }
        }
        _ => {}
    }
    let mut all = Vec::new();
    let _ = walk::exprs(statement, |x| {
        if let Expr::Value(v) = x
            && let Value::SingleQuotedString(s) = &v.value
            && mentions_password(s)
        {
            all.push(s.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    for text in all {
        json_passwords(&text, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::parser::Parser;

    fn parse(sql: &str) -> Statement {
        Parser::parse_sql(&GenericDialect {}, sql).expect("parses").remove(0)
    }

    fn password(c: &str) -> bool {
        c.trim_matches('"').eq_ignore_ascii_case("password")
    }

    #[test]
    fn values_of_sensitive_columns_are_found_in_every_statement_form() {
        let s = parse("INSERT INTO t (username, password) VALUES ('a', 'P0sitional!pw'), ('b', concat('Part', 'Two'))");
        assert_eq!(sensitive_values(&s, &password), vec!["P0sitional!pw", "Part", "Two"]);
        let s = parse("INSERT INTO t (username, Password) SELECT name, 'FromSelect1' FROM f");
        assert_eq!(sensitive_values(&s, &password), vec!["FromSelect1"]);
        let s = parse("UPDATE t SET password = 'Upd4ted!' WHERE id = 'x'");
        assert_eq!(sensitive_values(&s, &password), vec!["Upd4ted!"]);
        let s = parse(r#"INSERT INTO t (data) VALUES ('{"Username": "u", "Password": "InJson9!"}')"#);
        assert_eq!(sensitive_values(&s, &password), vec!["InJson9!"]);
        assert!(sensitive_values(&parse("SELECT 'x' AS password"), &password).is_empty());
    }

    #[test]
    fn history_keeps_no_literal_of_a_password_statement() {
        assert_eq!(history_line("SELECT 'a' FROM t").as_deref(), Some("SELECT 'a' FROM t"));
        assert_eq!(
            history_line("UPDATE t SET password = 'S3cret!x' WHERE id = 'a';").as_deref(),
            Some("UPDATE t SET password = '********' WHERE id = '********';")
        );
        assert_eq!(
            history_line("INSERT INTO t (username, password) VALUES ('a', 'it''s')").as_deref(),
            Some("INSERT INTO t (username, password) VALUES ('********', '********')")
        );
        assert_eq!(history_line("INSERT INTO t (password) VALUES ('unterminated"), None);
        assert_eq!(string_literals("x = 'a' AND y = 'it''s'"), vec!["a", "it's"]);
    }
}
