//! clap definitions of every flag, and nothing else.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// Query and manage Amazon Connect users with SQL.
#[derive(Debug, Parser)]
#[command(name = "connectql", version, about, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
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
