//! clap definitions of every flag, and nothing else.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use crate::print::Format;

/// Query and manage Amazon Connect users with SQL.
///
/// With no statement, opens an interactive shell. Credentials and region come from the standard
/// AWS configuration (environment, profiles, SSO); `--demo` uses an embedded local Amazon
/// Connect emulator instead, with no AWS account at all.
#[derive(Debug, Parser)]
#[command(name = "connectql", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `-` reads statements from standard input.
    #[arg(value_name = "-")]
    pub stdin: Option<String>,
    /// Run these statements (repeatable; several statements separated by `;` allowed).
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    pub execute: Vec<String>,
    /// Run a script of statements (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Format,
    /// Use the embedded Amazon Connect emulator with its demo contact center.
    #[arg(long)]
    pub demo: bool,
    /// Named AWS profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region used when a query names none.
    #[arg(long)]
    pub region: Option<String>,
    /// Connect instance used when a query names none (repeatable; default: every instance).
    #[arg(long = "instance-id", env = "CONNECTQL_INSTANCE_ID", value_delimiter = ',')]
    pub instance_id: Vec<String>,
    /// Connect endpoint override, as the AWS CLI's (AWS_ENDPOINT_URL_CONNECT is also honoured).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Fill `{{ NAME }}` placeholders (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Per-row API calls in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// SDK attempts per API call (throttling and transient errors are retried with backoff).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Return the rows that could be read when a region or instance fails (reported on stderr,
    /// exit code 1).
    #[arg(long)]
    pub partial: bool,
    /// Run the remaining statements of a script after one fails.
    #[arg(long)]
    pub continue_on_error: bool,
    /// Print the API calls of each statement on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// No progress line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the API calls INSERT, UPDATE and DELETE would make (passwords masked); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow UPDATE and DELETE without a WHERE clause.
    #[arg(long)]
    pub allow_unqualified: bool,
    /// Allow changes of more rows than --confirm-threshold without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Changes of more rows than this ask for confirmation (the shell) or need --yes (scripts).
    #[arg(long, default_value_t = 10)]
    pub confirm_threshold: usize,
    /// REPL history file (default ~/.connectql_history).
    #[arg(long, env = "CONNECTQL_HISTORY")]
    pub history: Option<PathBuf>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("invalid --var '{s}': expected NAME=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local Amazon Connect emulator in the foreground.
    Emulator(EmulatorArgs),
}

/// What the emulator starts with.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeedArg {
    /// The demo contact center (deterministic ids).
    Demo,
    /// No instances.
    Empty,
}

#[derive(Debug, ClapArgs)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4599")]
    pub addr: std::net::SocketAddr,
    /// Data to start with.
    #[arg(long, value_enum, default_value = "demo")]
    pub seed: SeedArg,
    /// Synthetic users added to the main demo instance (raises its users quota).
    #[arg(long, default_value_t = 0)]
    pub users: usize,
    /// Keep the data in this file (written atomically; loaded at start when it exists).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Latency added to every call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Token-bucket rate per operation (requests per second); excess calls get ThrottlingException.
    #[arg(long)]
    pub throttle_rps: Option<f64>,
    /// Token-bucket size for --throttle-rps.
    #[arg(long, default_value_t = 5.0)]
    pub throttle_burst: f64,
    /// Connect's published per-operation rates: `documented` or `documented:SCALE`.
    #[arg(long)]
    pub quotas: Option<String>,
    /// Users-per-instance quota (default 500; LimitExceededException on CreateUser beyond it).
    #[arg(long)]
    pub user_quota: Option<usize>,
    /// Delay before a created or deleted user shows in reads, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub visibility_delay_ms: u64,
    /// Share of calls (0..1) answered with InternalServiceException.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Answer this operation with AccessDeniedException (repeatable).
    #[arg(long = "deny", value_name = "OPERATION")]
    pub deny: Vec<String>,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
}
