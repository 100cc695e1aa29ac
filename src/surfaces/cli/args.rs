//! clap definitions of every flag, and nothing else.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args as ClapArgs, Parser, Subcommand};

use super::print::Format;

/// Query and manage Amazon Connect users with SQL.
///
/// With no statement, opens an interactive shell. Credentials and region come from the standard
/// AWS configuration (environment, profiles, SSO); `--demo` uses an embedded local Amazon
/// Connect emulator instead, with no AWS account at all.
#[derive(Debug, Parser)]
#[command(name = "connectql", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// `-` reads statements from standard input.
    #[arg(value_name = "-")]
    pub(crate) stdin: Option<String>,
    /// Run these statements (repeatable; several statements separated by `;` allowed).
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    pub(crate) execute: Vec<String>,
    /// Run a script of statements (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub(crate) file: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub(crate) output: Format,
    #[command(flatten)]
    pub(crate) engine: EngineFlags,
    /// Fill `{{ NAME }}` placeholders (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub(crate) vars: Vec<(String, String)>,
    /// Run the remaining statements of a script after one fails.
    #[arg(long)]
    pub(crate) continue_on_error: bool,
    /// Print the API calls of each statement on stderr.
    #[arg(short, long)]
    pub(crate) verbose: bool,
    /// No progress line on stderr.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Print the API calls INSERT, UPDATE and DELETE would make (passwords masked); change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Refuse INSERT, UPDATE and DELETE (reads only).
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) read_only: bool,
    /// REPL history file (default ~/.connectql_history).
    #[arg(long, env = "CONNECTQL_HISTORY")]
    pub(crate) history: Option<PathBuf>,
}

/// Where the engine reaches Connect and how its statements behave: shared by the CLI and
/// `serve`.
#[derive(Debug, Clone, ClapArgs)]
pub(crate) struct EngineFlags {
    /// Use the embedded Amazon Connect emulator with its demo contact center.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Named AWS profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub(crate) profile: Option<String>,
    /// Region used when a query names none.
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// Read this account: an AWS profile (keys, role_arn + source_profile, SSO,
    /// credential_process). Repeatable; with any account flag, only the accounts named are read.
    /// With --demo, one of the demo's accounts (acme, acme-staging, acme-retail).
    #[arg(long = "account", value_name = "PROFILE")]
    pub(crate) accounts: Vec<String>,
    /// Read the account of this role, assumed with the base credentials (repeatable).
    #[arg(long = "role-arn", value_name = "ARN")]
    pub(crate) role_arns: Vec<String>,
    /// The external id the --role-arn roles require.
    #[arg(long, requires = "role_arns")]
    pub(crate) external_id: Option<String>,
    /// The session name of the --role-arn sessions [default: connectql].
    #[arg(long, requires = "role_arns")]
    pub(crate) role_session_name: Option<String>,
    /// A TOML file listing the accounts to read [default: $XDG_CONFIG_HOME/connectql/accounts.toml
    /// when it exists and no other account flag is given].
    #[arg(long = "accounts", value_name = "FILE")]
    pub(crate) accounts_file: Option<PathBuf>,
    /// Connect instance used when a query names none (repeatable; default: every instance).
    #[arg(long = "instance-id", env = "CONNECTQL_INSTANCE_ID", value_delimiter = ',')]
    pub(crate) instance_id: Vec<String>,
    /// Connect endpoint override, as the AWS CLI's (AWS_ENDPOINT_URL_CONNECT is also honoured).
    #[arg(long)]
    pub(crate) endpoint_url: Option<String>,
    /// Per-row API calls in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,
    /// SDK attempts per API call (throttling and transient errors are retried with backoff).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) max_attempts: u32,
    /// Return the rows that could be read when a region or instance fails (reported on stderr,
    /// exit code 1).
    #[arg(long)]
    pub(crate) partial: bool,
    /// Allow UPDATE and DELETE without a WHERE clause.
    #[arg(long)]
    pub(crate) allow_unqualified: bool,
    /// Allow changes of more rows than --confirm-threshold without asking.
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
    /// Changes of more rows than this ask for confirmation (the shell) or need --yes (scripts,
    /// servers).
    #[arg(long, default_value_t = 10)]
    pub(crate) confirm_threshold: usize,
    /// Do not use the local cache: every detail is fetched.
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Directory of the local cache [default: the platform cache directory, e.g.
    /// ~/.cache/connectql; with --demo, memory].
    #[arg(long, env = "CONNECTQL_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Cached detail older than this is fetched again even when its modification time is
    /// unchanged (e.g. 30m, 24h, 7d; 0 reuses nothing).
    #[arg(long, default_value = "24h", value_name = "AGE", value_parser = parse_age)]
    pub(crate) cache_max_age: Duration,
}

/// `24h`, `30m`, `7d`, `0`.
fn parse_age(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s.trim()).map_err(|e| format!("'{s}': {e} (e.g. 30m, 24h, 7d, or 0)"))
}

/// `connectql serve`: the web console and the REST API.
#[derive(Debug, ClapArgs)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) engine: EngineFlags,
    /// Where the web console and the REST API listen; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) http: std::net::SocketAddr,
    /// Allow writes (INSERT, UPDATE, DELETE, the REST write routes and the console's forms).
    #[arg(long)]
    pub(crate) allow_writes: bool,
    /// Read the access token from this file instead of making a random one (required to listen
    /// on a non-loopback address).
    #[arg(long)]
    pub(crate) token_file: Option<PathBuf>,
    /// Append one JSON line per MCP tool call (at /mcp) to this file (passwords masked).
    #[arg(long, value_name = "FILE")]
    pub(crate) audit_log: Option<PathBuf>,
    /// Let clients read and write files inside this directory only (COPY … TO, CREATE EXTERNAL
    /// TABLE); without it they reach no file of this machine.
    #[arg(long, value_name = "DIR")]
    pub(crate) allow_files: Option<PathBuf>,
    /// Also serve the Postgres wire protocol here (user connectql, the token as password,
    /// database aws); port 0 picks a free one.
    #[arg(long, value_name = "ADDR")]
    pub(crate) pg: Option<std::net::SocketAddr>,
    /// PEM certificate chain for TLS on the Postgres listener (with --pg-tls-key).
    #[arg(long, value_name = "FILE", requires = "pg_tls_key", requires = "pg")]
    pub(crate) pg_tls_cert: Option<PathBuf>,
    /// PEM private key for TLS on the Postgres listener (with --pg-tls-cert).
    #[arg(long, value_name = "FILE", requires = "pg_tls_cert")]
    pub(crate) pg_tls_key: Option<PathBuf>,
}

/// `connectql mcp`: the MCP server over stdio, for desktop assistants.
#[derive(Debug, ClapArgs)]
pub(crate) struct McpArgs {
    #[command(flatten)]
    pub(crate) engine: EngineFlags,
    /// Offer the write tools (the users API's writes, plan_write and execute_write).
    #[arg(long)]
    pub(crate) allow_writes: bool,
    /// Append one JSON line per tool call to this file (passwords masked).
    #[arg(long, value_name = "FILE")]
    pub(crate) audit_log: Option<PathBuf>,
    /// Let clients read and write files inside this directory only (COPY … TO, CREATE EXTERNAL
    /// TABLE); without it they reach no file of this machine.
    #[arg(long, value_name = "DIR")]
    pub(crate) allow_files: Option<PathBuf>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("invalid --var '{s}': expected NAME=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the local Amazon Connect emulator in the foreground.
    Emulator(connectql_emulator::cli::EmulatorArgs),
    /// Serve the web console, the REST API and MCP over HTTP (read-only unless --allow-writes).
    Serve(ServeArgs),
    /// Serve MCP over stdio, for AI assistants (read-only unless --allow-writes).
    Mcp(McpArgs),
}
