//! rustyline helper: a statement is complete at `;` (dot-commands at end of line), and Tab
//! completes SQL keywords, table names, column names and dot-commands.

use std::borrow::Cow;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "ILIKE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "INNER",
    "ON",
    "AS",
    "DISTINCT",
    "COUNT",
    "DESCRIBE",
    "EXPLAIN",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "COPY",
    "TO",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "ASC",
    "DESC",
    "WITH",
    "UNNEST",
    "ARRAY_LENGTH",
    "CARDINALITY",
];

const COMMANDS: &[&str] = &[".tables", ".schema", ".mode", ".timer", ".dryrun", ".stats", ".help", ".quit"];

/// Completion words and the statement validator.
pub(crate) struct ReplHelper {
    words: Vec<String>,
}

impl ReplHelper {
    /// `tables`: (short name, column names).
    pub(crate) fn new(tables: &[(String, Vec<String>)]) -> Self {
        let mut words: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
        for (name, columns) in tables {
            words.push(name.clone());
            words.push(format!("aws.connect.{name}"));
            words.extend(columns.iter().cloned());
        }
        words.extend(COMMANDS.iter().map(|c| (*c).to_owned()));
        words.sort();
        words.dedup();
        ReplHelper { words }
    }

    /// Candidates for the word that ends at `pos`.
    pub(crate) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let start = line[..pos].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let word = &line[start..pos];
        if word.is_empty() {
            return (start, Vec::new());
        }
        let lower = word.to_lowercase();
        let upper_case = word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
        let matches = self
            .words
            .iter()
            .filter(|w| w.to_lowercase().starts_with(&lower))
            .map(|w| {
                let keyword = KEYWORDS.contains(&w.as_str());
                if keyword && !upper_case { w.to_lowercase() } else { w.clone() }
            })
            .collect();
        (start, matches)
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;
    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(line, pos);
        Ok((start, words.into_iter().map(|w| Pair { display: w.clone(), replacement: w }).collect()))
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty() || input.starts_with('.') || input.ends_with(';') {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_keywords_tables_and_columns() {
        let h = ReplHelper::new(&[("users".to_owned(), vec!["username".to_owned(), "routing_profile_id".to_owned()])]);
        assert_eq!(h.candidates("sel", 3), (0, vec!["select".to_owned()]));
        assert_eq!(h.candidates("SEL", 3), (0, vec!["SELECT".to_owned()]));
        let (start, words) = h.candidates("SELECT routing", 14);
        assert_eq!((start, words), (7, vec!["routing_profile_id".to_owned()]));
        let (_, words) = h.candidates("SELECT * FROM aws.connect.us", 28);
        assert_eq!(words, vec!["aws.connect.users".to_owned()]);
        let (_, words) = h.candidates(".sch", 4);
        assert_eq!(words, vec![".schema".to_owned()]);
    }
}
