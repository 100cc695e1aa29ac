use std::process::ExitCode;

use clap::Parser;
use connectql::cli::args::{Args, Command};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONNECTQL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = Args::parse();
    match args.command.take() {
        Some(Command::Emulator(e)) => match connectql::cli::emulator::run(&e).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("Error: {err}");
                ExitCode::from(connectql::cli::run::EXIT_USAGE)
            }
        },
        None => connectql::cli::run::run(args).await,
    }
}
