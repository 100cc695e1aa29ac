//! Script text: splitting into statements at `;` (outside quotes, comments and `{{ … }}`
//! placeholders), and filling a statement's `{{ name }}` placeholders from `--var` values.
//!
//! Placeholders are filled per statement, after splitting, and a value can never become
//! statement text: a placeholder inside a quoted literal or identifier (`'…'`, `E'…'`, `$$…$$`,
//! `"…"`) is bound into the parsed literal's value ([`super::params::bind_quoted`]), never
//! spliced into the text; outside quotes a value must be one SQL value (a number, an
//! identifier, a quoted string) or it is refused.

use std::collections::BTreeMap;

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::error::Error;

/// Where a piece of text sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Code,
    /// Inside `'…'` (or `E'…'`, `$$…$$`).
    Literal,
    /// Inside `"…"`.
    Identifier,
    Comment,
}

/// A piece of a statement's text.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str, Context),
    /// `{{ name }}` or `{{ name | default('x') }}`, and where it sits.
    Placeholder {
        raw: &'a str,
        name: &'a str,
        default: Option<String>,
        context: Context,
    },
    /// A `;` in code.
    End,
}

/// Reads `{{ name }}` / `{{ name | default('x') }}` at the start of `s`: (length, name, default).
fn placeholder(s: &str) -> Option<(usize, &str, Option<String>)> {
    let end = s.find("}}")? + 2;
    let inner = s.get(2..end - 2)?.trim();
    let (name, rest) = match inner.find('|') {
        Some(bar) => (inner[..bar].trim(), Some(inner[bar + 1..].trim())),
        None => (inner, None),
    };
    let valid = |n: &str| {
        let mut c = n.chars();
        c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
    };
    if !valid(name) {
        return None;
    }
    let default = match rest {
        None => None,
        Some(r) => {
            let arg = r.strip_prefix("default")?.trim().strip_prefix('(')?.strip_suffix(')')?.trim();
            let quoted = arg.strip_prefix('\'')?.strip_suffix('\'')?;
            Some(quoted.replace("''", "'"))
        }
    };
    Some((end, name, default))
}

/// The length of a dollar-quote delimiter (`$$`, `$tag$`) at the start of `s`.
fn dollar_tag(s: &str) -> Option<usize> {
    let body = s.strip_prefix('$')?;
    let end = body.find('$')?;
    let tag = &body[..end];
    let valid = tag.chars().next().is_none_or(|c| c.is_ascii_alphabetic() || c == '_')
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some(end + 2)
}

/// Cuts text into pieces, tracking quotes and comments; placeholders are atomic wherever they are.
fn pieces<'a>(text: &'a str) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut i, mut start) = (0, 0);
    let mut context = Context::Code;
    // Inside `E'…'`, where a backslash escapes the next character (a quote too).
    let mut backslash_escapes = false;
    // Inside `$tag$…$tag$`: its closing delimiter.
    let mut dollar_end: Option<&'a str> = None;
    let flush = |out: &mut Vec<Piece<'a>>, from: usize, to: usize, context: Context| {
        if to > from {
            out.push(Piece::Text(&text[from..to], context));
        }
    };
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("{{")
            && context != Context::Comment
            && let Some((len, name, default)) = placeholder(rest)
        {
            flush(&mut out, start, i, context);
            out.push(Piece::Placeholder { raw: &text[i..i + len], name, default, context });
            i += len;
            start = i;
            continue;
        }
        if let Some(end) = dollar_end {
            if rest.starts_with(end) {
                i += end.len();
                flush(&mut out, start, i, context);
                start = i;
                context = Context::Code;
                dollar_end = None;
            } else {
                i += rest.chars().next().map_or(1, char::len_utf8);
            }
            continue;
        }
        match (context, bytes[i]) {
            (Context::Code, b'\'') => {
                flush(&mut out, start, i, context);
                start = i;
                context = Context::Literal;
                // `E'` (not the end of a longer word) opens a string with backslash escapes.
                backslash_escapes = i >= 1
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && (i < 2 || !(bytes[i - 2].is_ascii_alphanumeric() || bytes[i - 2] == b'_'));
                i += 1;
            }
            (Context::Code, b'$') if dollar_tag(rest).is_some() => {
                let tag = dollar_tag(rest).unwrap_or_default();
                flush(&mut out, start, i, context);
                start = i;
                context = Context::Literal;
                dollar_end = Some(&text[i..i + tag]);
                i += tag;
            }
            (Context::Literal, b'\\') if backslash_escapes => {
                i += 1;
                i += text.get(i..).and_then(|r| r.chars().next()).map_or(0, char::len_utf8);
            }
            (Context::Code, b'"') => {
                flush(&mut out, start, i, context);
                start = i;
                context = Context::Identifier;
                i += 1;
            }
            (Context::Code, b'-') if rest.starts_with("--") => {
                flush(&mut out, start, i, context);
                let end = rest.find('\n').map_or(text.len(), |n| i + n);
                out.push(Piece::Text(&text[i..end], Context::Comment));
                i = end;
                start = i;
            }
            (Context::Code, b'/') if rest.starts_with("/*") => {
                flush(&mut out, start, i, context);
                let end = rest[2..].find("*/").map_or(text.len(), |n| i + 2 + n + 2);
                out.push(Piece::Text(&text[i..end], Context::Comment));
                i = end;
                start = i;
            }
            (Context::Code, b';') => {
                flush(&mut out, start, i, context);
                out.push(Piece::End);
                i += 1;
                start = i;
            }
            (Context::Literal, b'\'') | (Context::Identifier, b'"') => {
                let quote = bytes[i];
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    i += 1;
                    flush(&mut out, start, i, context);
                    start = i;
                    context = Context::Code;
                }
            }
            _ => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    flush(&mut out, start, text.len(), context);
    out
}

/// Splits script text into statements at `;`. Pieces holding only comments and whitespace are
/// dropped; comments inside a statement are kept (they may be `/*+ hints */`).
pub(crate) fn split_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut meaningful = false;
    let mut end = |current: &mut String, meaningful: &mut bool| {
        if *meaningful {
            out.push(current.trim().to_owned());
        }
        current.clear();
        *meaningful = false;
    };
    for piece in pieces(text) {
        match piece {
            Piece::End => end(&mut current, &mut meaningful),
            Piece::Text(t, context) => {
                meaningful |= context != Context::Comment && !t.trim().is_empty();
                current.push_str(t);
            }
            Piece::Placeholder { raw, .. } => {
                meaningful = true;
                current.push_str(raw);
            }
        }
    }
    end(&mut current, &mut meaningful);
    out
}

/// The text with each comment (`--`, `/* */`, outside quotes) replaced by a space.
pub(crate) fn without_comments(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(_, Context::Comment) => " ",
            Piece::Text(t, _) => t,
            Piece::Placeholder { raw, .. } => raw,
            Piece::End => ";",
        })
        .collect()
}

/// Whether a value is one SQL value: a number, an identifier (possibly dotted), or one quoted
/// string. Anything else could change the statement's shape.
fn single_value(value: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, value).tokenize() else { return false };
    let tokens: Vec<Token> =
        tokens.into_iter().filter(|t| !matches!(t, Token::Whitespace(Whitespace::Space))).collect();
    match tokens.as_slice() {
        [Token::Number(_, _)] | [Token::Minus, Token::Number(_, _)] | [Token::SingleQuotedString(_)] => true,
        words => {
            !words.is_empty()
                && words.iter().enumerate().all(|(i, t)| match t {
                    Token::Word(_) => i % 2 == 0,
                    Token::Period => i % 2 == 1,
                    _ => false,
                })
                && words.len() % 2 == 1
        }
    }
}

/// A statement whose placeholders are filled, or marked for binding.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Filled {
    /// The text: each placeholder outside quotes replaced by its value, each one inside quotes
    /// by a marker `{{#n}}`, the n-th of `quoted`.
    pub(crate) text: String,
    /// The (name, value) of each quoted placeholder, in order: bound into the parsed statement.
    pub(crate) quoted: Vec<(String, String)>,
}

/// The marker of the n-th quoted placeholder in filled text.
pub(crate) fn marker(n: usize) -> String {
    format!("{{{{#{n}}}}}")
}

/// Fills one statement's placeholders (see the module doc).
///
/// # Errors
/// An unset placeholder without a default, or a value that is not one SQL value where the
/// placeholder is not quoted.
pub(crate) fn fill_placeholders(statement: &str, vars: &BTreeMap<String, String>) -> Result<Filled, Error> {
    let mut out = String::with_capacity(statement.len());
    let mut quoted = Vec::new();
    for piece in pieces(statement) {
        match piece {
            Piece::End => out.push(';'),
            Piece::Text(t, _) => out.push_str(t),
            Piece::Placeholder { raw, context: Context::Comment, .. } => out.push_str(raw),
            Piece::Placeholder { name, default, context, .. } => {
                let value = match (vars.get(name), default) {
                    (Some(v), _) => v.clone(),
                    (None, Some(d)) => d,
                    (None, None) => {
                        return Err(Error::Usage(format!(
                            "unset variable '{{{{ {name} }}}}': pass --var {name}=VALUE"
                        )));
                    }
                };
                match context {
                    Context::Literal | Context::Identifier => {
                        out.push_str(&marker(quoted.len()));
                        quoted.push((name.to_owned(), value));
                    }
                    _ if single_value(&value) => out.push_str(&value),
                    _ => {
                        return Err(Error::Usage(format!(
                            "--var {name}: outside quotes a value must be one number, identifier or quoted string; put '{{{{ {name} }}}}' in quotes to pass text"
                        )));
                    }
                }
            }
        }
    }
    Ok(Filled { text: out, quoted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn statements_split_outside_quotes_comments_and_placeholders() {
        let text =
            "SELECT ';' AS a; -- a comment; with a semicolon\nSELECT \"x;y\" FROM t /* ; */; ;\n-- only a comment";
        assert_eq!(
            split_statements(text),
            vec!["SELECT ';' AS a", "-- a comment; with a semicolon\nSELECT \"x;y\" FROM t /* ; */"]
        );
        assert_eq!(split_statements("SELECT 'it''s; fine'"), vec!["SELECT 'it''s; fine'"]);
        assert_eq!(
            split_statements("SELECT '{{ a | default(';') }}'; SELECT 2"),
            vec!["SELECT '{{ a | default(';') }}'", "SELECT 2"]
        );
        assert_eq!(split_statements("/*+ create */"), Vec::<String>::new());
    }

    #[test]
    fn comments_go_and_quoted_text_stays() {
        assert_eq!(without_comments("/* jdbc */ COMMIT -- now\n;"), "  COMMIT  \n;");
        assert_eq!(without_comments("SELECT '-- no', \"/* no */\""), "SELECT '-- no', \"/* no */\"");
    }

    fn text(statement: &str, v: &BTreeMap<String, String>) -> String {
        fill_placeholders(statement, v).expect("filled").text
    }

    #[test]
    fn placeholders_are_filled_or_named() {
        let v = vars(&[("region", "us-east-1"), ("days", "30")]);
        let filled = fill_placeholders("WHERE region = '{{ region }}'", &v).expect("filled");
        assert_eq!(filled.text, "WHERE region = '{{#0}}'");
        assert_eq!(filled.quoted, vec![("region".to_owned(), "us-east-1".to_owned())]);
        let filled = fill_placeholders("'{{ email | default('') }}'", &v).expect("default");
        assert_eq!((filled.text.as_str(), filled.quoted[0].1.as_str()), ("'{{#0}}'", ""));
        assert_eq!(text("INTERVAL '{{days}} days' LIMIT {{ days }}", &v), "INTERVAL '{{#0}} days' LIMIT 30");
        let err = fill_placeholders("WHERE id = '{{user_id}}'", &v).expect_err("unset");
        assert!(err.to_string().contains("{{ user_id }}") && err.to_string().contains("--var user_id="), "{err}");
        assert_eq!(text("-- {{ nothing }}\nSELECT 1", &v), "-- {{ nothing }}\nSELECT 1");
    }

    #[test]
    fn a_value_can_never_become_statement_text() {
        let attack = "nobody'; DELETE FROM aws.connect.users WHERE username LIKE '%";
        let v = vars(&[("username", attack), ("n", "1; DROP TABLE t"), ("t", "aws.connect.users")]);
        let filled = fill_placeholders("SELECT * FROM users WHERE username = '{{ username }}'", &v).expect("filled");
        assert_eq!(filled.text, "SELECT * FROM users WHERE username = '{{#0}}'");
        assert_eq!(filled.quoted[0].1, attack);
        let err = fill_placeholders("SELECT 1 LIMIT {{ n }}", &v).expect_err("not one value");
        assert!(err.to_string().contains("--var n"), "{err}");
        assert_eq!(text("SELECT * FROM {{ t }}", &v), "SELECT * FROM aws.connect.users");
        assert_eq!(text("SELECT \"{{ username }}\"", &v), "SELECT \"{{#0}}\"");
    }

    #[test]
    fn escaped_and_dollar_quoted_literals_are_quotes_too() {
        let v = vars(&[("u", "\\' OR true --")]);
        // In E'…' a backslash escapes the quote after it: the literal goes on.
        assert_eq!(text("WHERE a = E'x\\'{{ u }}' AND b = 1", &v), "WHERE a = E'x\\'{{#0}}' AND b = 1");
        assert_eq!(text("WHERE a = $$ {{ u }} $$", &v), "WHERE a = $$ {{#0}} $$");
        assert_eq!(text("WHERE a = $q$ it's {{ u }} $q$", &v), "WHERE a = $q$ it's {{#0}} $q$");
        assert_eq!(split_statements("SELECT $$a;b$$; SELECT 2"), vec!["SELECT $$a;b$$", "SELECT 2"]);
        // In a plain '…' a backslash is just a character.
        assert_eq!(text("SELECT 'a\\' , '{{ u }}'", &v), "SELECT 'a\\' , '{{#0}}'");
    }
}
