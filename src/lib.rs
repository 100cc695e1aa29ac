//! connectql: query and manage Amazon Connect users with SQL.

pub mod cli;
pub mod emulator;
