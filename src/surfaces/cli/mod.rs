//! The command line: clap definitions ([`args`]), the statement runner and its exit codes
//! ([`run`], [`runner`]), the shell ([`repl`]), output formats ([`print`]), what shows on stderr while a
//! statement runs ([`report`]); the `emulator` subcommand is the emulator crate's own. It reaches
//! the engine only through its door.

mod accounts;
mod args;
mod print;
mod repl;
mod report;
mod run;
mod runner;

use std::process::ExitCode;

use clap::Parser;

/// Logs on stderr, masked, at the level `CONNECTQL_LOG` asks (errors only by default).
fn init_logging() {
    let wanted = std::env::var("CONNECTQL_LOG").unwrap_or_else(|_| "error".to_owned());
    let mut filter = tracing_subscriber::EnvFilter::try_new(&wanted)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"))
        // The SQL tokenizer logs every literal, before a password in it can be known.
        .add_directive("sqlparser=warn".parse().expect("valid directive"));
    if wanted.contains("trace") {
        // At trace level the SDK and HTTP stack log whole requests, bodies included.
        for target in ["aws_smithy_runtime", "aws_smithy_http_client", "hyper", "hyper_util", "h2"] {
            if let Ok(d) = format!("{target}=debug").parse() {
                filter = filter.add_directive(d);
            }
        }
    }
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| crate::mask::MaskedStderr).init();
}

/// The `connectql` program on its own runtime. A plain function, so that the binary crate
/// compiles nothing of the program: polling an async entry from `main.rs` would make the binary
/// crate compile the whole call tree's state machines a second time (about 100 s of a release
/// build on 2 cores).
pub fn run() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(main()),
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The `connectql` program.
pub(crate) async fn main() -> ExitCode {
    init_logging();
    let mut args = args::Args::parse();
    for (name, value) in &args.vars {
        if crate::sql::secrets::password_bearing(name) {
            crate::mask::register(value);
        }
    }
    match args.command.take() {
        Some(args::Command::Emulator(e)) => match connectql_emulator::cli::run(&e).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("Error: {err}");
                ExitCode::from(run::EXIT_USAGE)
            }
        },
        Some(args::Command::Serve(s)) => run::serve(s).await,
        Some(args::Command::Mcp(m)) => run::mcp(m).await,
        None => run::run(args).await,
    }
}
