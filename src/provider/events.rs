//! What a statement tells its surface while it runs: warnings, parts that failed, each written
//! row as it finishes, and calls being retried. The surface decides how to show them (the CLI
//! prints them on stderr, a server returns them); they are also kept for the statement's summary.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::aws::stats::RetryNotice;
use crate::error::Error;

/// One call a written row made, or would make in a dry run.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub operation: String,
    /// The request as sent (or as it would be): method and path (`POST /users/…/identity-info`).
    pub request: Option<String>,
    /// The request's JSON body as sent, secrets masked.
    pub params: Option<Value>,
}

/// How a written row ended.
#[derive(Debug, Clone)]
pub enum RowStatus {
    /// Every call succeeded (or, in a dry run, would be made).
    Done,
    /// Nothing to do: every value was already in place.
    Unchanged,
    /// Skipped on purpose (an existing row under `ON CONFLICT … DO NOTHING`).
    Skipped(String),
    /// A call failed; the calls before it were made.
    Failed(Error),
}

/// What happened to one row of an INSERT, UPDATE or DELETE.
#[derive(Debug, Clone)]
pub struct RowReport {
    /// Who the row is about (`jane.doe (id)`).
    pub subject: String,
    pub calls: Vec<Call>,
    pub status: RowStatus,
    /// The created item's columns (id, ARN, name), for `RETURNING`.
    pub returned: Option<Map<String, Value>>,
    /// The statement was a dry run: no call was made.
    pub dry_run: bool,
}

impl RowReport {
    /// The operations, joined for a report line (`Create + Update`).
    pub fn operations(&self) -> String {
        let ops: Vec<&str> = self.calls.iter().map(|c| c.operation.as_str()).collect();
        if ops.is_empty() { "(unchanged)".to_owned() } else { ops.join(" + ") }
    }

    /// A row that failed before any call.
    pub(crate) fn failed(subject: String, e: Error) -> Self {
        RowReport { subject, calls: Vec::new(), status: RowStatus::Failed(e), returned: None, dry_run: false }
    }

    /// Whether the row counts as changed.
    pub fn changed(&self) -> bool {
        matches!(self.status, RowStatus::Done) && !self.dry_run
    }
}

/// Something a running statement reports.
#[derive(Debug, Clone)]
pub enum Event {
    /// Something the user should know that does not fail the statement.
    Warning(String),
    /// A part of the statement (a region or instance under `--partial`) failed and was skipped.
    PartFailed(Error),
    /// A write is about to start on these rows (their subjects, in order).
    WriteStarted { verb: &'static str, table: String, subjects: Vec<String>, dry_run: bool },
    /// The row at this index of the write has started.
    RowStarted { index: usize },
    /// The row at this index of the write has finished.
    RowDone { index: usize, report: RowReport },
    /// An API call is being tried again.
    Retrying(RetryNotice),
}

/// Told of every event as it happens; called from the statement's tasks, so it must be quick.
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Debug, Default)]
struct Record {
    warnings: Vec<String>,
    failures: Vec<String>,
    reports: Vec<RowReport>,
}

/// Where a statement's events go: to the surface's observer, and into the statement's record.
#[derive(Clone, Default)]
pub(crate) struct EventSink {
    observer: Option<Observer>,
    record: Arc<Mutex<Record>>,
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSink").field("record", &self.record).finish_non_exhaustive()
    }
}

impl EventSink {
    pub(crate) fn new(observer: Option<Observer>) -> Self {
        EventSink { observer, record: Arc::default() }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Record) -> T) -> T {
        f(&mut self.record.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    pub(crate) fn emit(&self, event: Event) {
        match &event {
            Event::Warning(w) => self.with(|r| r.warnings.push(w.clone())),
            Event::PartFailed(e) => self.with(|r| r.failures.push(e.to_string())),
            Event::RowDone { report, .. } => self.with(|r| {
                if let RowStatus::Failed(e) = &report.status {
                    r.failures.push(format!("{} {}: {e}", report.operations(), report.subject));
                }
                r.reports.push(report.clone());
            }),
            _ => {}
        }
        if let Some(o) = &self.observer {
            o(&event);
        }
    }

    pub(crate) fn warn(&self, message: String) {
        self.emit(Event::Warning(crate::mask::mask(&message).into_owned()));
    }

    pub(crate) fn warnings(&self) -> Vec<String> {
        self.with(|r| r.warnings.clone())
    }

    pub(crate) fn failures(&self) -> Vec<String> {
        self.with(|r| r.failures.clone())
    }

    pub(crate) fn reports(&self) -> Vec<RowReport> {
        self.with(|r| r.reports.clone())
    }
}
