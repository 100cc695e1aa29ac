//! connectql: query and manage Amazon Connect users with SQL.
//!
//! The library's door is [`Engine`]: build it from [`EngineSettings`], then run statements with
//! [`Engine::execute`], which yields their rows, and afterwards their API calls, warnings and
//! per-row write reports ([`Summary`]). [`cli`] is the `connectql` program; the local Amazon
//! Connect it runs for `--demo` is the `connectql-emulator` crate.

mod aws;
mod cache;
mod engine;
mod error;
mod mask;
mod provider;
mod sql;
mod surfaces;
mod tables;

pub use aws::client::{AccountSource, AccountSpec, ConnectSettings};
pub use aws::stats::{OpStats, RetryNotice, StatsSnapshot};
pub use cache::CacheInfo;
pub use engine::{
    CacheSettings, ColumnInfo, Dialect, Engine, EngineSettings, FileAccess, ListedPage, Prepared, Request, Session,
    Statement, StatementKind, Summary, TableInfo,
};
pub use error::{ApiFailure, Cause, Error, Refusal, Result, SqlError};
pub use mask::{MaskedStderr, mask};
pub use provider::context::{Confirm, WritePolicy};
pub use provider::events::{Call, Event, Observer, RowReport, RowStatus};
pub use surfaces::cli;

/// Splits script text into statements at `;` (outside quotes, comments and placeholders).
pub fn split_statements(text: &str) -> Vec<String> {
    sql::script::split_statements(text)
}
