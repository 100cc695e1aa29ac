//! The command line: clap definitions, the `emulator` subcommand, and the SQL entry points.

pub mod args;
pub mod emulator;
pub mod run;
