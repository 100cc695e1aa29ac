//! The statement pipeline every entry point uses (one-liners, scripts, stdin, the REPL):
//! fill `{{ var }}` placeholders, split into statements, plan, execute, stream the rows to the
//! printer, and report the API calls made.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::DataFusionError;
use futures::StreamExt;
use regex::Regex;

use crate::aws::stats::StatsSnapshot;
use crate::print::{Format, Printer};
use crate::session::Engine;

/// How statements run and print.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub format: Format,
    /// Print the API calls of each statement on stderr.
    pub verbose: bool,
    /// Print the elapsed time of each statement on stderr.
    pub timer: bool,
    /// Values of `{{ name }}` placeholders.
    pub vars: BTreeMap<String, String>,
    /// Run the remaining statements of a script after one fails.
    pub continue_on_error: bool,
    /// Show a progress line on stderr while a statement runs (only when stderr is a terminal).
    pub progress: bool,
}

/// What running some SQL did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Statements that failed, or that completed with partial failures.
    pub failures: usize,
    /// The calls of the last statement.
    pub last_stats: Option<StatsSnapshot>,
}

/// A statement error, in words for the user.
#[derive(Debug)]
pub struct StatementError(pub String);

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StatementError {}

/// DataFusion's error text without its wrapper prefixes ("External error: …").
pub fn error_text(e: &DataFusionError) -> String {
    match e {
        DataFusionError::External(inner) => match inner.downcast_ref::<DataFusionError>() {
            Some(df) => error_text(df),
            None => inner.to_string(),
        },
        DataFusionError::Context(ctx, inner) => format!("{ctx}: {}", error_text(inner)),
        DataFusionError::Shared(inner) => error_text(inner),
        DataFusionError::ArrowError(inner, _) => inner.to_string(),
        DataFusionError::Plan(m) | DataFusionError::Execution(m) | DataFusionError::NotImplemented(m) => m.clone(),
        other => other.strip_backtrace(),
    }
}

fn placeholder() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*default\(\s*'([^']*)'\s*\)\s*)?\}\}")
            .expect("valid regex")
    })
}

/// Fills `{{ name }}` placeholders (`{{ name | default('x') }}` has a fallback); an unset one
/// without a default is an error that names it.
///
/// # Errors
/// When a placeholder has no value.
pub fn fill_placeholders(sql: &str, vars: &BTreeMap<String, String>) -> Result<String, StatementError> {
    let mut missing = Vec::new();
    let filled = placeholder().replace_all(sql, |c: &regex::Captures| match (vars.get(&c[1]), c.get(2)) {
        (Some(v), _) => v.clone(),
        (None, Some(default)) => default.as_str().to_owned(),
        (None, None) => {
            missing.push(c[1].to_owned());
            String::new()
        }
    });
    match missing.first() {
        None => Ok(filled.into_owned()),
        Some(name) => Err(StatementError(format!("unset variable '{{{{ {name} }}}}': pass --var {name}=VALUE"))),
    }
}

/// Splits SQL text into statements at `;`, outside quotes and comments. Comment-only pieces are
/// dropped.
pub fn split_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut meaningful = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                current.push(c);
                meaningful = true;
                while let Some(d) = chars.next() {
                    current.push(d);
                    if d == c {
                        if chars.peek() == Some(&c) {
                            current.push(chars.next().unwrap_or(c));
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        current.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                // Block comments (and `/*+ hint */` comments) are kept for the parser to skip.
                current.push(c);
                let mut prev = '\0';
                for d in chars.by_ref() {
                    current.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            ';' => {
                if meaningful {
                    out.push(current.trim().to_owned());
                }
                current.clear();
                meaningful = false;
            }
            c => {
                if !c.is_whitespace() {
                    meaningful = true;
                }
                current.push(c);
            }
        }
    }
    if meaningful && !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Whether a piece of SQL is only comments and whitespace.
fn only_comments(sql: &str) -> bool {
    let mut rest = sql.trim();
    loop {
        if let Some(r) = rest.strip_prefix("/*") {
            match r.find("*/") {
                Some(e) => rest = r[e + 2..].trim_start(),
                None => return true,
            }
        } else {
            return rest.is_empty();
        }
    }
}

fn describe_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r#"(?is)^\s*(?:describe|desc)\s+([A-Za-z0-9_."]+)\s*$"#).expect("valid regex"))
}

/// `DESCRIBE` of one of our tables: DataFusion's columns plus what each costs and what it is.
pub fn describe_table(engine: &Engine, name: &str) -> Option<RecordBatch> {
    let table = engine.table(name)?;
    let def = table.def();
    let schema = Arc::new(Schema::new(vec![
        Field::new("column_name", DataType::Utf8, false),
        Field::new("data_type", DataType::Utf8, false),
        Field::new("is_nullable", DataType::Boolean, false),
        Field::new("cost", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
    ]));
    let names: Vec<&str> = def.columns.iter().map(|c| c.name).collect();
    let types: Vec<String> = def.columns.iter().map(|c| c.data_type.to_string()).collect();
    let costs: Vec<String> = def.columns.iter().map(|c| c.cost_text(def)).collect();
    let docs: Vec<&str> = def.columns.iter().map(|c| c.doc).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(names)),
        Arc::new(StringArray::from(types)),
        Arc::new(BooleanArray::from(vec![true; def.columns.len()])),
        Arc::new(StringArray::from(costs)),
        Arc::new(StringArray::from(docs)),
    ];
    RecordBatch::try_new(schema, columns).ok()
}

/// The rows of INSERT … RETURNING: one per created item, the columns as typed.
fn returning_batch(
    columns: &[(String, &'static str)],
    returned: &[(String, String)],
) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let schema = Arc::new(Schema::new(
        columns.iter().map(|(name, _)| Field::new(name, DataType::Utf8, false)).collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, which)| {
            let values: Vec<&str> =
                returned.iter().map(|(id, arn)| if *which == "id" { id.as_str() } else { arn.as_str() }).collect();
            Arc::new(StringArray::from(values)) as ArrayRef
        })
        .collect();
    RecordBatch::try_new(schema, arrays)
}

/// A spinner on stderr with the calls made so far (only on a terminal).
fn progress(engine: &Engine, enabled: bool) -> Option<(indicatif::ProgressBar, tokio::task::JoinHandle<()>)> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let stats = engine.connect.stats.clone();
    let ticker = bar.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(120)).await;
            let s = stats.snapshot();
            ticker.set_message(format!("{} API calls ({} retries)", s.total_calls(), s.retries()));
            ticker.tick();
        }
    });
    Some((bar, task))
}

/// Runs one statement and prints its result.
///
/// # Errors
/// When planning or execution fails, with the table, operation and service message.
pub async fn run_statement<W: Write>(
    engine: &Engine,
    sql: &str,
    opts: &RunOptions,
    out: &mut W,
) -> Result<StatsSnapshot, StatementError> {
    engine.begin_statement();
    crate::redact::register_sql_secrets(sql);
    let started = Instant::now();
    if let Some(c) = describe_pattern().captures(sql)
        && let Some(batch) = describe_table(engine, &c[1])
    {
        let schema = batch.schema();
        let mut printer = Printer::new(opts.format, &mut *out);
        printer.batch(batch).map_err(|e| StatementError(e.to_string()))?;
        printer.finish(&schema).map_err(|e| StatementError(e.to_string()))?;
        return Ok(engine.end_statement());
    }
    let spinner = progress(engine, opts.progress);
    let result = async {
        let rewritten = crate::sql_rewrite::rewrite(engine, sql).await?;
        let df = engine.ctx.sql(&rewritten.sql).await.map_err(|e| StatementError(error_text(&e)))?;
        if let Some(columns) = &rewritten.returning {
            // INSERT … RETURNING: run the insert, then show what CreateUser returned.
            df.collect().await.map_err(|e| StatementError(error_text(&e)))?;
            let returned = engine.returned.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let batch = returning_batch(columns, &returned).map_err(|e| StatementError(e.to_string()))?;
            let schema = batch.schema();
            let mut printer = Printer::new(opts.format, &mut *out);
            printer.batch(batch).map_err(|e| StatementError(e.to_string()))?;
            printer.finish(&schema).map_err(|e| StatementError(e.to_string()))?;
            return Ok(());
        }
        let schema = Arc::new(df.schema().as_arrow().clone());
        let mut stream = df.execute_stream().await.map_err(|e| StatementError(error_text(&e)))?;
        if schema.fields().is_empty() {
            // DDL (CREATE TABLE AS, DROP TABLE, SET): nothing to print.
            while let Some(batch) = stream.next().await {
                batch.map_err(|e| StatementError(error_text(&e)))?;
            }
            return Ok(());
        }
        let mut printer = Printer::new(opts.format, &mut *out);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| StatementError(error_text(&e)))?;
            printer.batch(batch).map_err(|e| StatementError(e.to_string()))?;
        }
        printer.finish(&schema).map_err(|e| StatementError(e.to_string()))?;
        Ok::<_, StatementError>(())
    }
    .await;
    if let Some((bar, task)) = spinner {
        task.abort();
        bar.finish_and_clear();
    }
    let stats = engine.end_statement();
    if opts.verbose {
        eprintln!("{stats}");
    }
    if opts.timer {
        eprintln!("Elapsed {:.3} seconds.", started.elapsed().as_secs_f64());
    }
    result?;
    let failures = engine.diagnostics.failures();
    if !failures.is_empty() {
        return Err(StatementError(format!(
            "{} part(s) of the statement failed (see above); the other rows were returned",
            failures.len()
        )));
    }
    Ok(stats)
}

/// Runs every statement of some SQL text, printing results and errors; stops at the first
/// failing statement unless `continue_on_error`.
pub async fn run_sql<W: Write>(engine: &Engine, text: &str, opts: &RunOptions, out: &mut W) -> Outcome {
    let mut outcome = Outcome::default();
    let text = match fill_placeholders(text, &opts.vars) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: {e}");
            outcome.failures += 1;
            return outcome;
        }
    };
    for statement in split_statements(&text) {
        if only_comments(&statement) {
            continue;
        }
        match run_statement(engine, &statement, opts, out).await {
            Ok(stats) => outcome.last_stats = Some(stats),
            Err(e) => {
                let _ = out.flush();
                eprintln!("Error: {}", crate::redact::mask(&e.to_string()));
                outcome.failures += 1;
                outcome.last_stats =
                    Some(engine.last_stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone());
                if !opts.continue_on_error {
                    break;
                }
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_outside_quotes_and_comments() {
        let text =
            "SELECT ';' AS a; -- a comment; with a semicolon\nSELECT \"x;y\" FROM t /* ; */; ;\n-- only a comment";
        assert_eq!(split_statements(text), vec!["SELECT ';' AS a", "SELECT \"x;y\" FROM t /* ; */"]);
        assert_eq!(split_statements("SELECT 'it''s; fine'"), vec!["SELECT 'it''s; fine'"]);
    }

    #[test]
    fn placeholders_are_filled_or_named() {
        let vars: BTreeMap<String, String> = [("region".to_owned(), "us-east-1".to_owned())].into();
        assert_eq!(
            fill_placeholders("WHERE region = '{{ region }}'", &vars).expect("filled"),
            "WHERE region = 'us-east-1'"
        );
        assert_eq!(fill_placeholders("'{{ email | default('') }}'", &vars).expect("default"), "''");
        let err = fill_placeholders("WHERE id = '{{user_id}}'", &vars).expect_err("unset");
        assert!(err.0.contains("{{ user_id }}") && err.0.contains("--var user_id="), "{err}");
    }

    #[test]
    fn hint_comments_alone_are_not_statements() {
        assert!(only_comments("/*+ create */"));
        assert!(!only_comments("/*+ create */ INSERT INTO t VALUES (1)"));
    }
}
