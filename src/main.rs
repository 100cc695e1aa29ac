use std::process::ExitCode;

use clap::Parser;
use connectql::cli::args::{Args, Command};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONNECTQL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"))
                // The SQL tokenizer logs every literal, before a password in it can be known.
                .add_directive("sqlparser=warn".parse().expect("valid directive")),
        )
        .with_writer(|| connectql::redact::MaskedStderr)
        .init();
    let mut args = Args::parse();
    for (name, value) in &args.vars {
        if name.to_lowercase().contains("password") {
            connectql::redact::register_secret(value);
        }
    }
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
