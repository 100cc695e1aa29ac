//! The command line: clap definitions and the `emulator` subcommand.

pub mod args;
pub mod emulator;
