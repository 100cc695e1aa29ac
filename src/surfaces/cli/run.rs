//! `connectql [-e SQL | -f FILE | -] [--demo]`: builds the engine (on the embedded emulator with
//! `--demo`), runs the statements or opens the shell, and turns the outcome into an exit code.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::args::{Args, EngineFlags, McpArgs, ServeArgs};
use super::report::Reporter;
use super::runner::{RunOptions, run_sql};
use crate::aws::client::ConnectSettings;
use crate::engine::{CacheSettings, Engine, EngineSettings, FileAccess};
use crate::error::Error;
use crate::provider::context::WritePolicy;
use connectql_emulator::{EmulatorConfig, EmulatorHandle};

/// Exit code of a statement failure.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code of bad usage.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;

/// The region the demo data lives in.
const DEMO_REGION: &str = "us-east-1";

/// Starts the embedded emulator with the demo data on a free loopback port. Its clock can be
/// pinned with `CONNECTQL_DEMO_NOW` (RFC 3339), so reports over the demo data are reproducible.
async fn start_demo() -> std::io::Result<EmulatorHandle> {
    let now_ms =
        match std::env::var("CONNECTQL_DEMO_NOW") {
            Ok(t) => Some(connectql_emulator::cli::parse_time(&t).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("CONNECTQL_DEMO_NOW: {e}"))
            })?),
            Err(_) => None,
        };
    connectql_emulator::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        EmulatorConfig { now_ms, ..EmulatorConfig::default() },
    )
    .await
}

/// What a surface's engine runs: the CLI's on its user's own machine, a server's for others.
pub(crate) struct Surface<'a> {
    pub(crate) policy: WritePolicy,
    /// How to allow writes, appended to a refusal by the read-only policy.
    pub(crate) hint: &'a str,
    pub(crate) postgres_catalog: bool,
    pub(crate) files: FileAccess,
    /// Each statement in a session of its own (a server's clients).
    pub(crate) isolated: bool,
}

impl Surface<'_> {
    /// A server's: read-only unless `allow_writes`, isolated statements, files only inside
    /// `allow_files` (which must be a directory).
    fn server<'a>(
        allow_writes: bool,
        hint: &'a str,
        postgres_catalog: bool,
        allow_files: Option<&std::path::Path>,
    ) -> Result<Surface<'a>, ExitCode> {
        let files = match allow_files {
            None => FileAccess::None,
            Some(dir) => match dir.canonicalize() {
                Ok(d) if d.is_dir() => FileAccess::Within(d),
                Ok(_) => return Err(usage(&format!("--allow-files {}: not a directory", dir.display()))),
                Err(e) => return Err(usage(&format!("--allow-files {}: {e}", dir.display()))),
            },
        };
        let policy = if allow_writes { WritePolicy::ReadWrite } else { WritePolicy::ReadOnly };
        Ok(Surface { policy, hint, postgres_catalog, files, isolated: true })
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Engine settings from the flags (and the demo endpoint, when there is one).
///
/// # Errors
/// The usage error of account flags that cannot be used.
fn settings(
    flags: &EngineFlags,
    demo: Option<&EmulatorHandle>,
    surface: &Surface<'_>,
) -> Result<EngineSettings, ExitCode> {
    let mut connect = ConnectSettings {
        profile: flags.profile.clone(),
        region: flags.region.clone(),
        endpoint_url: flags.endpoint_url.clone(),
        static_credentials: None,
        max_attempts: flags.max_attempts,
        accounts: Vec::new(),
    };
    if let Some(d) = demo {
        connect.endpoint_url = Some(d.base_url());
        connect.static_credentials = Some(("AKIDCONNECTQLDEMO".to_owned(), "connectql-demo-secret".to_owned()));
        connect.region = Some(flags.region.clone().unwrap_or_else(|| DEMO_REGION.to_owned()));
        connect.profile = None;
        connect.accounts = super::accounts::demo_accounts(&flags.accounts).map_err(|e| usage(&e))?;
    } else {
        connect.accounts = super::accounts::accounts(flags).map_err(|e| usage(&e))?;
    }
    Ok(EngineSettings {
        connect,
        concurrency: usize::from(flags.concurrency),
        partial: flags.partial,
        instances: flags.instance_id.iter().filter(|i| !i.is_empty()).cloned().collect(),
        policy: surface.policy,
        read_only_hint: surface.hint.to_owned(),
        allow_unqualified: flags.allow_unqualified,
        confirm_threshold: flags.confirm_threshold,
        assume_yes: flags.yes,
        cache: cache_settings(flags, demo.is_some()),
        postgres_catalog: surface.postgres_catalog,
        files: surface.files.clone(),
        isolated: surface.isolated,
    })
}

/// The local cache the flags ask for: none with --no-cache; in memory for the demo (its data is
/// new each run) unless a directory is named; else the named or the platform directory.
fn cache_settings(flags: &EngineFlags, demo: bool) -> Option<CacheSettings> {
    if flags.no_cache {
        return None;
    }
    let dir = match (&flags.cache_dir, demo) {
        (Some(d), _) => Some(d.clone()),
        (None, true) => None,
        (None, false) => Some(crate::cache::default_dir()?),
    };
    Some(CacheSettings { dir, max_age: flags.cache_max_age })
}

/// The engine the flags describe (on the embedded emulator with `--demo`, which lives as long
/// as the returned handle), or the exit code of why there is none.
pub(crate) async fn start_engine(
    flags: &EngineFlags,
    surface: &Surface<'_>,
) -> Result<(Engine, Option<EmulatorHandle>), ExitCode> {
    let demo = if flags.demo {
        match start_demo().await {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("Error: cannot start the embedded emulator: {e}");
                return Err(ExitCode::from(EXIT_FAILED));
            }
        }
    } else {
        None
    };
    match Engine::new(settings(flags, demo.as_ref(), surface)?).await {
        Ok(e) => Ok((e, demo)),
        Err(e) => Err(setup_failed(&e)),
    }
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
    let policy = match (args.read_only, args.dry_run) {
        (true, _) => WritePolicy::ReadOnly,
        (_, true) => WritePolicy::DryRun,
        _ => WritePolicy::ReadWrite,
    };
    let surface = Surface {
        policy,
        hint: " (started with --read-only)",
        postgres_catalog: false,
        files: FileAccess::Any,
        isolated: false,
    };
    let (engine, demo) = match start_engine(&args.engine, &surface).await {
        Ok(e) => e,
        Err(code) => return code,
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

/// `connectql serve`: the engine (read-only unless `--allow-writes`) behind the web console and
/// the REST API.
pub(crate) async fn serve(args: ServeArgs) -> ExitCode {
    let token = match &args.token_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) if t.trim().len() >= 16 => Some(t.trim().to_owned()),
            Ok(_) => {
                eprintln!("Error: --token-file {}: the token must have at least 16 characters", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
            Err(e) => {
                eprintln!("Error: --token-file {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => None,
    };
    let hint = " (start connectql serve with --allow-writes)";
    let surface = match Surface::server(args.allow_writes, hint, args.pg.is_some(), args.allow_files.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (engine, _demo) = match start_engine(&args.engine, &surface).await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let options = crate::surfaces::serve::ServeOptions {
        addr: args.http,
        allow_writes: args.allow_writes,
        token,
        audit_log: args.audit_log.clone(),
        postgres: args.pg.map(|addr| crate::surfaces::postgres::PgOptions {
            addr,
            tls: args.pg_tls_cert.clone().zip(args.pg_tls_key.clone()),
        }),
    };
    match crate::surfaces::serve::run(engine, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(if e.kind() == std::io::ErrorKind::InvalidInput { EXIT_USAGE } else { EXIT_FAILED })
        }
    }
}

/// `connectql mcp`: the engine (read-only unless `--allow-writes`) behind MCP tools on stdio.
/// Standard output carries the protocol only; everything else goes to stderr.
pub(crate) async fn mcp(args: McpArgs) -> ExitCode {
    let how = " (start connectql mcp with --allow-writes)";
    let surface = match Surface::server(args.allow_writes, how, false, args.allow_files.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (engine, _demo) = match start_engine(&args.engine, &surface).await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let options = crate::surfaces::mcp::McpOptions {
        allow_writes: args.allow_writes,
        audit_log: args.audit_log.clone(),
        how_to_allow_writes: "start connectql mcp with --allow-writes".to_owned(),
    };
    let server = match crate::surfaces::mcp::McpServer::new(engine, options, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: --audit-log: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match crate::surfaces::mcp::serve_stdio(server).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}
