//! `connectql [-e SQL | -f FILE | -] [--demo]`: builds the engine (on the embedded emulator with
//! `--demo`), runs statements through its door or opens the shell, prints results, and turns
//! the outcome into an exit code.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use super::args::Args;
use super::print::{Format, Printer};
use super::report::Reporter;
use crate::aws::client::ConnectSettings;
use crate::emulator::{self, EmulatorConfig, EmulatorHandle};
use crate::engine::{Engine, EngineSettings, Request, StatementKind};
use crate::error::Error;
use crate::provider::context::{Confirm, WritePolicy};
use crate::sql::script::split_statements;

/// Exit code of a statement failure.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code of bad usage.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;

/// The region the demo data lives in.
const DEMO_REGION: &str = "us-east-1";

/// Starts the embedded emulator with the demo data on a free loopback port.
async fn start_demo() -> std::io::Result<EmulatorHandle> {
    emulator::start(SocketAddr::from(([127, 0, 0, 1], 0)), EmulatorConfig::default()).await
}

/// Engine settings from the flags (and the demo endpoint, when there is one).
fn settings(args: &Args, demo: Option<&EmulatorHandle>) -> EngineSettings {
    let mut connect = ConnectSettings {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        static_credentials: None,
        max_attempts: args.max_attempts,
    };
    if let Some(d) = demo {
        connect.endpoint_url = Some(d.base_url());
        connect.static_credentials = Some(("AKIDCONNECTQLDEMO".to_owned(), "connectql-demo-secret".to_owned()));
        connect.region = Some(args.region.clone().unwrap_or_else(|| DEMO_REGION.to_owned()));
        connect.profile = None;
    }
    let policy = match (args.read_only, args.dry_run) {
        (true, _) => WritePolicy::ReadOnly,
        (_, true) => WritePolicy::DryRun,
        _ => WritePolicy::ReadWrite,
    };
    EngineSettings {
        connect,
        concurrency: usize::from(args.concurrency),
        partial: args.partial,
        instances: args.instance_id.iter().filter(|i| !i.is_empty()).cloned().collect(),
        policy,
        read_only_hint: " (started with --read-only)".to_owned(),
        allow_unqualified: args.allow_unqualified,
        confirm_threshold: args.confirm_threshold,
        assume_yes: args.yes,
    }
}

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

fn options(args: &Args) -> RunOptions {
    RunOptions {
        format: args.output,
        verbose: args.verbose,
        timer: false,
        vars: args.vars.iter().cloned().collect(),
        continue_on_error: args.continue_on_error,
        progress: !args.quiet,
        policy: None,
        confirm: None,
    }
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

/// The exit code of a setup error.
fn setup_failed(e: &Error) -> ExitCode {
    eprintln!("Error: {}", crate::mask::mask(&e.to_string()));
    ExitCode::from(if matches!(e, Error::Usage(_)) { EXIT_USAGE } else { EXIT_FAILED })
}

/// Runs what the arguments ask for.
pub(crate) async fn run(args: Args) -> ExitCode {
    if let Some(s) = &args.stdin
        && s != "-"
    {
        eprintln!("Error: unexpected argument '{s}': pass statements with -e, a script with -f, or '-' for stdin");
        return ExitCode::from(EXIT_USAGE);
    }
    let mut scripts = Vec::new();
    for path in &args.file {
        match std::fs::read_to_string(path) {
            Ok(text) => scripts.push(text),
            Err(e) => {
                eprintln!("Error: cannot read script '{}': {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if args.stdin.is_some() {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("Error: cannot read standard input: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        scripts.push(text);
    }
    let demo = if args.demo {
        match start_demo().await {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("Error: cannot start the embedded emulator: {e}");
                return ExitCode::from(EXIT_FAILED);
            }
        }
    } else {
        None
    };
    let engine = match Engine::new(settings(&args, demo.as_ref())).await {
        Ok(e) => e,
        Err(e) => return setup_failed(&e),
    };
    let opts = options(&args);
    let reporter = Arc::new(Reporter::default());
    let batch: Vec<&String> = args.execute.iter().chain(scripts.iter()).collect();
    if batch.is_empty() {
        return super::repl::run(&engine, &reporter, opts, args.history.clone(), demo.as_ref()).await;
    }
    let run_all = async {
        let mut failures = 0;
        let mut stdout = std::io::stdout().lock();
        for text in batch {
            let outcome = run_sql(&engine, &reporter, text, &opts, &mut stdout).await;
            failures += outcome.failures;
            if outcome.failures > 0 && !opts.continue_on_error {
                break;
            }
        }
        failures
    };
    tokio::select! {
        failures = run_all => if failures > 0 { ExitCode::from(EXIT_FAILED) } else { ExitCode::SUCCESS },
        _ = tokio::signal::ctrl_c() => {
            reporter.interrupted();
            ExitCode::from(EXIT_INTERRUPTED)
        }
    }
}
