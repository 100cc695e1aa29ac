use std::process::ExitCode;

fn main() -> ExitCode {
    connectql::cli::run()
}
