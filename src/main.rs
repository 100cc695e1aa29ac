use std::process::ExitCode;

use clap::Parser;
use connectql::cli::args::{Args, Command};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CONNECTQL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match args.command {
        Some(Command::Emulator(e)) => match connectql::cli::emulator::run(&e).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("Error: {err}");
                ExitCode::FAILURE
            }
        },
        None => {
            eprintln!("Error: no statement given");
            ExitCode::from(2)
        }
    }
}
