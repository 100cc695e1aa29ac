use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    connectql::cli::main().await
}
