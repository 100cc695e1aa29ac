//! connectql: query and manage Amazon Connect users with SQL.

pub mod aws;
pub mod cli;
pub mod diagnostics;
pub mod emulator;
pub mod exec;
pub mod functions;
pub mod print;
pub mod provider;
pub mod redact;
pub mod repl;
pub mod session;
pub mod sql_rewrite;
pub mod tables;
