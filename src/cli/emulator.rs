//! `connectql emulator`: runs the local Connect emulator in the foreground until Ctrl-C.

use std::io::Write;

use super::args::{EmulatorArgs, SeedArg};
use crate::emulator::faults::Faults;
use crate::emulator::routes::ROUTES;
use crate::emulator::{self, EmulatorConfig, Seed};

/// Builds the emulator configuration the flags describe.
///
/// # Errors
/// When a flag's value is out of range or names an unknown operation.
pub(crate) fn config(args: &EmulatorArgs) -> Result<EmulatorConfig, String> {
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
    })
}

/// Runs the emulator until Ctrl-C or SIGTERM (every acknowledged write is already in the state
/// file), then stops serving.
///
/// # Errors
/// When the address cannot be bound or the state file cannot be read or written.
pub async fn run(args: &EmulatorArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = config(args)?;
    let handle = emulator::start(args.addr, config).await?;
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
