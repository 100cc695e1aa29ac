//! The one integration test binary: every test starts the emulator on an ephemeral loopback port
//! and drives it through the real `aws-sdk-connect` client or the real `connectql` binary.

mod accounts;
mod architecture;
mod browser;
mod cache;
mod claims;
mod cli;
mod dml;
mod docs;
mod emulator_cli;
mod emulator_fuzz;
mod emulator_model;
mod emulator_sdk;
mod mcp;
mod oracle;
mod oracle_columns;
mod pg_clients;
mod postgres;
mod report_oracle;
mod reports;
mod routing_tables;
mod select;
mod serve;
mod server_safety;
mod slt;
mod snapshots;
mod support;
mod tables;
mod write_safety;
