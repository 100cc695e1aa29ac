//! The doors users come in by, and what they share. Each runs statements through the engine's
//! door only ([`crate::Engine`]): the command line and shell ([`cli`]); `connectql serve` with
//! its web console, REST routes and MCP over HTTP ([`serve`]); MCP over stdio ([`mcp`]); the
//! Postgres wire ([`postgres`]). Shared by them: a statement's answer as JSON rows and HTTP
//! statuses ([`answer`]), Connect's users API in the service's own JSON ([`users_api`], for the
//! REST routes and the MCP tools) and the report pack ([`reports`]).

pub(crate) mod answer;
pub mod cli;
pub(crate) mod mcp;
pub(crate) mod postgres;
pub(crate) mod reports;
pub(crate) mod serve;
pub(crate) mod users_api;
