//! Statement text before DataFusion plans it: scripts split into statements and placeholders
//! filled ([`script`]), the password values a statement carries ([`secrets`]), connectql's SQL
//! beyond DataFusion's ([`dialect`], [`literals`]), subqueries run first ([`subquery`]) and the
//! values a client bound to `$1`, `$2`, … ([`params`]).

pub(crate) mod dialect;
pub(crate) mod limits;
pub(crate) mod literals;
pub(crate) mod params;
pub(crate) mod patch;
pub(crate) mod script;
pub(crate) mod secrets;
pub(crate) mod subquery;
pub(crate) mod walk;
