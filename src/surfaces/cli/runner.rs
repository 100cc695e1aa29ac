//! Running statements for the CLI and the shell: each goes through the engine's door, its rows
//! are printed in the chosen format, what happens meanwhile goes to the [`Reporter`], and its
//! outcome becomes an error or not.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use super::print::{Format, Printer};
use super::report::Reporter;
use crate::engine::{Engine, Request, StatementKind};
use crate::error::Error;
use crate::provider::context::{Confirm, WritePolicy};
use crate::sql::script::split_statements;

/// How statements run and print.
#[derive(Clone)]
pub(crate) struct RunOptions {
    pub(crate) format: Format,
    /// Print the API calls of each statement on stderr.
    pub(crate) verbose: bool,
    /// Print the elapsed time of each statement on stderr.
    pub(crate) timer: bool,
    /// Values of `{{ name }}` placeholders.
    pub(crate) vars: BTreeMap<String, String>,
    /// Run the remaining statements of a script after one fails.
    pub(crate) continue_on_error: bool,
    /// Show a spinner on stderr while a statement runs (only when stderr is a terminal).
    pub(crate) progress: bool,
    /// The shell's `.dryrun on`.
    pub(crate) policy: Option<WritePolicy>,
    /// How to ask before a large change (the shell).
    pub(crate) confirm: Option<Confirm>,
}

/// Runs one statement through the engine's door and prints its result.
///
/// # Errors
/// The statement's failure (the engine's typed error), or a part of it that failed.
pub(crate) async fn run_statement<W: Write>(
    engine: &Engine,
    reporter: &Arc<Reporter>,
    sql: &str,
    opts: &RunOptions,
    out: &mut W,
) -> Result<(), Error> {
    reporter.begin();
    let started = Instant::now();
    let request = Request {
        vars: opts.vars.clone(),
        policy: opts.policy,
        confirm: opts.confirm.clone(),
        observer: Some(reporter.observer()),
        ..Request::default()
    };
    let mut statement = engine.execute(sql, &request).await?;
    let spinning = reporter.spin(&statement, opts.progress);
    let schema = statement.schema();
    let printed = async {
        if statement.kind() == StatementKind::Command && schema.fields().is_empty() {
            while let Some(b) = statement.next_batch().await {
                b?;
            }
            return Ok(());
        }
        let mut printer = Printer::new(opts.format, &mut *out);
        while let Some(b) = statement.next_batch().await {
            printer.batch(b?).map_err(|e| Error::Internal(e.to_string()))?;
        }
        printer.finish(&schema).map_err(|e| Error::Internal(e.to_string()))?;
        Ok::<_, Error>(())
    }
    .await;
    drop(spinning);
    let summary = statement.summary();
    if opts.verbose {
        reporter.print(&summary.stats.to_string());
    }
    if opts.timer {
        reporter.print(&format!("Elapsed {:.3} seconds.", started.elapsed().as_secs_f64()));
    }
    printed?;
    summary.outcome()
}

/// What running some SQL text did.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Statements that failed, or that completed with failed parts.
    pub(crate) failures: usize,
}

/// Runs every statement of some SQL text, printing results and errors; stops at the first
/// failing statement unless `continue_on_error`.
pub(crate) async fn run_sql<W: Write>(
    engine: &Engine,
    reporter: &Arc<Reporter>,
    text: &str,
    opts: &RunOptions,
    out: &mut W,
) -> Outcome {
    let mut outcome = Outcome::default();
    for statement in split_statements(text) {
        if let Err(e) = run_statement(engine, reporter, &statement, opts, out).await {
            let _ = out.flush();
            reporter.print(&format!("Error: {e}"));
            outcome.failures += 1;
            if !opts.continue_on_error {
                break;
            }
        }
    }
    outcome
}
