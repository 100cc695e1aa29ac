//! The one error type of connectql, as data: what failed (an API call, a refusal, the SQL, the
//! settings), with its context (table, region, instance, operation, AWS error code). Deep layers
//! return it; it travels inside DataFusion's errors as `External` and each surface recovers it
//! (`Error::from_datafusion`) to pick its exit code, HTTP status or protocol error.

use std::fmt;

use datafusion::common::{Column, DataFusionError, SchemaError};

/// What went wrong.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// An API call failed.
    #[error("{0}")]
    Api(Box<ApiFailure>),
    /// connectql refused the statement (write policy, a write guard, a read-only column, …).
    #[error("{message}")]
    Refused { reason: Refusal, message: String },
    /// The statement is wrong: syntax, an unknown table or column, a type.
    #[error("{message}")]
    Sql { kind: SqlError, message: String },
    /// A setting or argument is wrong or missing (region, credentials, endpoint, a variable).
    #[error("{0}")]
    Usage(String),
    /// Parts of a statement failed (rows of a bulk write, a region with `--partial`); the rest
    /// went through. Each part was reported as it failed.
    #[error("{failed} part(s) of the statement failed (see above); the rest went through")]
    Partial { failed: usize },
    /// The statement was cancelled before it finished.
    #[error("statement cancelled")]
    Cancelled,
    /// A failure inside connectql or DataFusion that no input explains.
    #[error("{0}")]
    Internal(String),
}

/// Why a statement was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The engine is read-only (or the table has no writes).
    ReadOnly,
    /// UPDATE or DELETE without a WHERE clause that restricts rows.
    Unqualified,
    /// A statement form connectql does not run (`DELETE … LIMIT`, `UPDATE … FROM`, …).
    Unsupported,
    /// A column that cannot be set, or a value that cannot be sent.
    Column,
    /// More rows than the confirmation threshold, and no confirmation.
    TooManyRows,
    /// The person at the terminal said no.
    Declined,
    /// Local files the engine's clients may not use (a server's, outside `--allow-files`).
    Files,
}

/// What kind of SQL error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlError {
    Syntax,
    UnknownTable,
    /// Planning or execution refused the statement (unknown column, types, …).
    Invalid,
}

/// Why an API call failed, beyond the service's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The service answered with an error (`code` and `status` set).
    Service,
    /// No answer in time.
    Timeout,
    /// The endpoint could not be reached.
    Connection,
    /// No usable AWS credentials.
    Credentials,
    /// The request could not be built or its answer not read.
    Client,
}

/// A failed API call, with where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The operation, e.g. `ListUsers`.
    pub operation: String,
    pub cause: Cause,
    /// The service's error code (`ResourceNotFoundException`), when it answered.
    pub code: Option<String>,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    /// The service's own message, or what connectql knows of the failure.
    pub message: String,
    /// The table being read or written (`aws.connect.users`).
    pub table: Option<String>,
    pub region: Option<String>,
    pub instance: Option<String>,
    /// The configured account's name, when several are configured.
    pub account: Option<String>,
}

impl ApiFailure {
    pub(crate) fn new(operation: impl Into<String>, cause: Cause, message: impl Into<String>) -> Self {
        ApiFailure {
            operation: operation.into(),
            cause,
            code: None,
            status: None,
            message: message.into(),
            table: None,
            region: None,
            instance: None,
            account: None,
        }
    }

    /// The same failure, located in a table, region and instance.
    #[must_use]
    pub(crate) fn located(mut self, table: &str, region: &str, instance: Option<&str>) -> Self {
        self.table.get_or_insert_with(|| table.to_owned());
        self.region.get_or_insert_with(|| region.to_owned());
        if self.instance.is_none() {
            self.instance = instance.filter(|i| !i.is_empty()).map(str::to_owned);
        }
        self
    }

    /// The same failure, in a named account (when several are configured).
    #[must_use]
    pub(crate) fn in_account(mut self, name: Option<&str>) -> Self {
        if self.account.is_none() {
            self.account = name.map(str::to_owned);
        }
        self
    }

    pub(crate) fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }

    pub(crate) fn is_access_denied(&self) -> bool {
        self.code.as_deref() == Some("AccessDeniedException")
    }

    pub(crate) fn is_duplicate(&self) -> bool {
        self.code.as_deref() == Some("DuplicateResourceException")
    }

    /// The operation, code and message alone (`CreateUser: DuplicateResourceException: …`).
    pub fn call_text(&self) -> String {
        let text = match &self.code {
            Some(code) => format!("{}: {code}: {}", self.operation, self.message),
            None => format!("{}: {}", self.operation, self.message),
        };
        match self.retries_note() {
            Some(note) => format!("{text} {note}"),
            None => text,
        }
    }

    /// Whether the SDK retries this kind of failure (throttling, a 5xx answer, no answer, a
    /// dropped connection): if it still failed, every attempt `--max-attempts` allows was made.
    pub fn transient(&self) -> bool {
        match self.cause {
            Cause::Timeout | Cause::Connection => true,
            Cause::Service => {
                let code = self.code.as_deref().unwrap_or_default();
                code != "LimitExceededException"
                    && (self.status.is_some_and(|s| s >= 500 || s == 429) || code.contains("Throttl"))
            }
            _ => false,
        }
    }

    /// Why retrying stopped, for a transient failure: the per-call attempts ran out.
    pub fn retries_note(&self) -> Option<&'static str> {
        self.transient().then_some("(failed on every attempt --max-attempts allows; raise it to retry longer)")
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = &self.table {
            write!(f, "{t}: ")?;
        }
        if let Some(a) = &self.account {
            write!(f, "account {a} ")?;
        }
        match (&self.region, &self.instance) {
            (Some(r), Some(i)) => write!(f, "region {r} instance {i}: ")?,
            (Some(r), None) => write!(f, "region {r}: ")?,
            _ => {}
        }
        f.write_str(&self.call_text())
    }
}

impl From<ApiFailure> for Error {
    fn from(e: ApiFailure) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    pub(crate) fn refused(reason: Refusal, message: impl Into<String>) -> Self {
        Error::Refused { reason, message: message.into() }
    }

    pub(crate) fn sql(kind: SqlError, message: impl Into<String>) -> Self {
        Error::Sql { kind, message: message.into() }
    }

    /// The typed error inside a DataFusion error, or DataFusion's own error classified.
    pub fn from_datafusion(e: &DataFusionError) -> Error {
        if let Some(found) = find(e) {
            return found;
        }
        match innermost(e) {
            DataFusionError::SQL(p, _) => Error::sql(SqlError::Syntax, p.to_string()),
            DataFusionError::Plan(m) if m.starts_with("table ") && m.ends_with("not found") => {
                Error::sql(SqlError::UnknownTable, m.clone())
            }
            DataFusionError::SchemaError(s, _) if let SchemaError::FieldNotFound { valid_fields, .. } = s.as_ref() => {
                Error::sql(SqlError::Invalid, unknown_column(s, valid_fields))
            }
            DataFusionError::Internal(_) | DataFusionError::ResourcesExhausted(_) | DataFusionError::IoError(_) => {
                Error::Internal(text(e))
            }
            _ => Error::sql(SqlError::Invalid, text(e)),
        }
    }

    /// The API failure, when this is one.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            Error::Api(a) => Some(a),
            _ => None,
        }
    }
}

/// DataFusion's unknown-column message (with its "did you mean") without the list of every
/// valid field it appends — 38 qualified names for users — pointing at DESCRIBE instead.
fn unknown_column(e: &SchemaError, valid: &[Column]) -> String {
    let full = e.to_string();
    let head = full.split("\nValid fields are").next().unwrap_or(&full).trim_end();
    let mut tables: Vec<String> = valid.iter().filter_map(|c| c.relation.as_ref().map(ToString::to_string)).collect();
    tables.sort();
    tables.dedup();
    // The suggestion by its column name, as the user writes it.
    let head = tables.iter().fold(head.to_owned(), |h, t| h.replace(&format!("'{t}."), "'"));
    match tables.as_slice() {
        [] => head,
        tables => format!(
            "{head} (the columns: {})",
            tables.iter().map(|t| format!("DESCRIBE {t}")).collect::<Vec<_>>().join("; ")
        ),
    }
}

/// The first connectql error inside a DataFusion error's chain.
fn find(e: &DataFusionError) -> Option<Error> {
    match e {
        DataFusionError::External(inner) => match inner.downcast_ref::<Error>() {
            Some(found) => Some(found.clone()),
            None => inner.downcast_ref::<DataFusionError>().and_then(find),
        },
        DataFusionError::Context(_, inner) => find(inner),
        DataFusionError::Shared(inner) => find(inner),
        DataFusionError::ArrowError(inner, _) => match inner.as_ref() {
            datafusion::arrow::error::ArrowError::ExternalError(x) => {
                x.downcast_ref::<Error>().cloned().or_else(|| x.downcast_ref::<DataFusionError>().and_then(find))
            }
            _ => None,
        },
        DataFusionError::Collection(errors) => errors.iter().find_map(find),
        _ => None,
    }
}

fn innermost(e: &DataFusionError) -> &DataFusionError {
    match e {
        DataFusionError::Context(_, inner) => innermost(inner),
        DataFusionError::Shared(inner) => innermost(inner),
        DataFusionError::Diagnostic(_, inner) => innermost(inner),
        other => other,
    }
}

/// DataFusion's error text without its wrapper prefixes ("External error: …").
fn text(e: &DataFusionError) -> String {
    match e {
        DataFusionError::External(inner) => match inner.downcast_ref::<DataFusionError>() {
            Some(df) => text(df),
            None => inner.to_string(),
        },
        DataFusionError::Context(ctx, inner) => format!("{ctx}: {}", text(inner)),
        DataFusionError::Shared(inner) => text(inner),
        DataFusionError::ArrowError(inner, _) => inner.to_string(),
        DataFusionError::Plan(m) | DataFusionError::Execution(m) | DataFusionError::NotImplemented(m) => m.clone(),
        DataFusionError::SQL(p, _) => p.to_string(),
        other => other.strip_backtrace(),
    }
}

impl From<Error> for DataFusionError {
    fn from(e: Error) -> Self {
        DataFusionError::External(Box::new(e))
    }
}

/// connectql's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_error_survives_datafusion_wrapping() {
        let api = ApiFailure {
            code: Some("ThrottlingException".into()),
            status: Some(429),
            ..ApiFailure::new("ListUsers", Cause::Service, "Rate exceeded")
        }
        .located("aws.connect.users", "us-east-1", Some("i-1"));
        let wrapped = DataFusionError::from(Error::from(api.clone())).context("DELETE operation on table 'users'");
        let shared = DataFusionError::Shared(std::sync::Arc::new(wrapped));
        let back = Error::from_datafusion(&shared);
        assert_eq!(back.api(), Some(&api));
        assert_eq!(
            back.to_string(),
            "aws.connect.users: region us-east-1 instance i-1: ListUsers: ThrottlingException: Rate exceeded \
             (failed on every attempt --max-attempts allows; raise it to retry longer)"
        );
        let quota = ApiFailure {
            code: Some("LimitExceededException".into()),
            status: Some(429),
            ..ApiFailure::new("CreateUser", Cause::Service, "quota")
        };
        assert_eq!(quota.to_string(), "CreateUser: LimitExceededException: quota", "a quota error is not retried");
    }

    #[test]
    fn datafusion_errors_are_classified() {
        let e = Error::from_datafusion(&DataFusionError::Plan("table 'aws.connect.nope' not found".into()));
        assert!(matches!(e, Error::Sql { kind: SqlError::UnknownTable, .. }), "{e:?}");
        let e = Error::from_datafusion(&DataFusionError::Execution("boom".into()));
        assert!(matches!(e, Error::Sql { kind: SqlError::Invalid, .. }), "{e:?}");
    }
}
