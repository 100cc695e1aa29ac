//! `connectql emulator`: runs the local Connect emulator in the foreground until Ctrl-C.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};

use crate::faults::Faults;
use crate::routes::ROUTES;
use crate::{EmulatorConfig, Seed};

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
    /// Delay before a created, changed or deleted user shows as such in reads, in milliseconds.
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
    /// A synthetic organisation of this many accounts (ids 400000000000, …), each with an
    /// instance of --org-users users in us-east-1 and eu-west-2, reached through the role
    /// ConnectQLAudit (load work).
    #[arg(long, default_value_t = 0)]
    pub org_accounts: usize,
    /// Users of each instance of the synthetic organisation.
    #[arg(long, default_value_t = 1000)]
    pub org_users: usize,
    /// Pin the clock at this time (RFC 3339, e.g. 2026-09-01T00:00:00Z); the demo data's
    /// modification times are relative to it. Default: the wall clock.
    #[arg(long, value_parser = parse_time)]
    pub now: Option<u64>,
}

/// An RFC 3339 time as epoch milliseconds.
///
/// # Errors
/// When `s` is not an RFC 3339 time.
pub fn parse_time(s: &str) -> Result<u64, String> {
    aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|t| t.to_millis().ok())
        .and_then(|ms| u64::try_from(ms).ok())
        .ok_or_else(|| format!("invalid time '{s}': expected RFC 3339, e.g. 2026-09-01T00:00:00Z"))
}

/// Builds the emulator configuration the flags describe.
///
/// # Errors
/// When a flag's value is out of range or names an unknown operation.
pub fn config(args: &EmulatorArgs) -> Result<EmulatorConfig, String> {
    let documented_quotas = args.quotas.as_deref().map(Faults::parse_quotas).transpose()?;
    if !(0.0..=1.0).contains(&args.error_rate) {
        return Err(format!("--error-rate {} is not between 0 and 1", args.error_rate));
    }
    for op in &args.deny {
        if !ROUTES.iter().any(|r| r.operation == op) {
            return Err(format!("--deny {op}: not an operation the emulator serves"));
        }
    }
    let throttle = match args.throttle_rps {
        Some(r) if r > 0.0 && args.throttle_burst >= 1.0 => Some((r, args.throttle_burst)),
        Some(r) => return Err(format!("--throttle-rps {r} needs a positive rate and a burst of at least 1")),
        None => None,
    };
    Ok(EmulatorConfig {
        seed: match args.seed {
            SeedArg::Demo => Seed::Demo,
            SeedArg::Empty => Seed::Empty,
        },
        extra_users: args.users,
        org: (args.org_accounts > 0).then_some(crate::seed::Org { accounts: args.org_accounts, users: args.org_users }),
        state_file: args.state.clone(),
        user_quota: args.user_quota,
        now_ms: args.now,
        faults: Faults {
            latency_ms: args.latency_ms,
            throttle,
            documented_quotas,
            visibility_delay_ms: args.visibility_delay_ms,
            error_rate: args.error_rate,
            deny: args.deny.clone(),
            seed: args.fault_seed,
        },
        record_requests: false,
    })
}

/// Runs the emulator until Ctrl-C or SIGTERM (every acknowledged write is already in the state
/// file), then stops serving.
///
/// # Errors
/// When the address cannot be bound or the state file cannot be read or written.
pub async fn run(args: &EmulatorArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = config(args)?;
    let handle = crate::start(args.addr, config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", handle.base_url())?;
    out.flush()?;
    drop(out);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    handle.shutdown().await?;
    Ok(())
}
