//! A running statement: its rows as a stream, and when it is done, its summary (the calls it
//! made, its warnings, the parts that failed and each written row).

use std::collections::VecDeque;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use futures::StreamExt;
use serde_json::Value;

use super::session::SessionParts;
use crate::aws::stats::StatsSnapshot;
use crate::error::Error;
use crate::provider::TableDef;
use crate::provider::context::StatementScope;
use crate::provider::events::{RowReport, RowStatus};

/// What kind of statement ran, for surfaces deciding how to show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// Rows to show.
    Query,
    /// INSERT, UPDATE or DELETE: one `count` row (or the `RETURNING` rows).
    Write,
    /// EXPLAIN: the plan, and the calls it would make.
    Explain,
    /// DESCRIBE: columns with their cost.
    Describe,
    /// CREATE, DROP, SET: nothing to show.
    Command,
}

impl StatementKind {
    pub(crate) fn of(plan: &LogicalPlan) -> StatementKind {
        match plan {
            LogicalPlan::Dml(_) => StatementKind::Write,
            LogicalPlan::Explain(_) | LogicalPlan::Analyze(_) => StatementKind::Explain,
            LogicalPlan::DescribeTable(_) => StatementKind::Describe,
            LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(_) | DdlStatement::CreateExternalTable(_)) => {
                StatementKind::Command
            }
            LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) => StatementKind::Command,
            _ => StatementKind::Query,
        }
    }
}

/// The Postgres command tag of a plan (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `EXPLAIN`, …).
pub(crate) fn command(plan: &LogicalPlan) -> &'static str {
    use datafusion::logical_expr::{Statement as Stmt, WriteOp};
    match plan {
        LogicalPlan::Dml(d) => match d.op {
            WriteOp::Insert(_) => "INSERT",
            WriteOp::Update => "UPDATE",
            WriteOp::Delete => "DELETE",
            _ => "SELECT",
        },
        LogicalPlan::Explain(_) | LogicalPlan::Analyze(_) => "EXPLAIN",
        LogicalPlan::DescribeTable(_) => "DESCRIBE",
        LogicalPlan::Copy(_) => "COPY",
        LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(_) | DdlStatement::CreateExternalTable(_)) => "CREATE TABLE",
        LogicalPlan::Ddl(DdlStatement::CreateView(_)) => "CREATE VIEW",
        LogicalPlan::Ddl(DdlStatement::DropTable(_)) => "DROP TABLE",
        LogicalPlan::Ddl(DdlStatement::DropView(_)) => "DROP VIEW",
        LogicalPlan::Ddl(_) => "DDL",
        LogicalPlan::Statement(Stmt::SetVariable(_)) => "SET",
        LogicalPlan::Statement(Stmt::ResetVariable(_)) => "RESET",
        LogicalPlan::Statement(_) => "STATEMENT",
        _ => "SELECT",
    }
}

/// The rows `RETURNING` gives: each named column of the created rows, as text.
pub(crate) fn returning_schema(columns: &[(String, String)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns.iter().map(|(header, _)| Field::new(header, DataType::Utf8, true)).collect::<Vec<_>>(),
    ))
}

/// What a finished statement did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The API calls it made.
    pub stats: StatsSnapshot,
    pub warnings: Vec<String>,
    /// Parts that failed (rows of a write, regions under `--partial`), as reported.
    pub failures: Vec<String>,
    /// Each written row, in the order they finished.
    pub writes: Vec<RowReport>,
}

impl Summary {
    /// The statement's outcome: an error when a part of it failed.
    pub fn outcome(&self) -> Result<(), Error> {
        if self.failures.is_empty() { Ok(()) } else { Err(Error::Partial { failed: self.failures.len() }) }
    }

    /// How many rows the write changed (a write's `count`).
    pub fn changed(&self) -> usize {
        self.writes.iter().filter(|r| r.changed()).count()
    }
}

/// A statement the engine has started; rows come from [`Statement::next_batch`].
pub struct Statement {
    /// The session whose last statement this becomes when it ends.
    session: SessionParts,
    kind: StatementKind,
    command: &'static str,
    schema: SchemaRef,
    stream: Option<SendableRecordBatchStream>,
    ready: VecDeque<RecordBatch>,
    scope: Option<StatementScope>,
    /// Values this statement's output must never show (its password literals).
    secrets: Vec<String>,
    /// `RETURNING`: (header, column of the created row).
    returning: Option<Vec<(String, String)>>,
    recorded: bool,
}

impl Statement {
    pub(crate) fn new(
        session: SessionParts,
        kind: StatementKind,
        command: &'static str,
        stream: SendableRecordBatchStream,
        scope: StatementScope,
        secrets: Vec<String>,
        returning: Option<Vec<(String, String)>>,
    ) -> Self {
        let schema = returning.as_deref().map_or_else(|| stream.schema(), returning_schema);
        Statement {
            session,
            kind,
            command,
            schema,
            stream: Some(stream),
            ready: VecDeque::new(),
            scope: Some(scope),
            secrets,
            returning,
            recorded: false,
        }
    }

    pub(crate) fn describe(session: SessionParts, def: &TableDef) -> Self {
        let batch = super::describe::batch(def);
        Statement {
            session,
            kind: StatementKind::Describe,
            command: "DESCRIBE",
            schema: batch.schema(),
            stream: None,
            ready: VecDeque::from([batch]),
            scope: None,
            secrets: Vec::new(),
            returning: None,
            recorded: false,
        }
    }

    pub fn kind(&self) -> StatementKind {
        self.kind
    }

    /// Its Postgres command tag: `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `EXPLAIN`, `DESCRIBE`, …
    pub fn command(&self) -> &'static str {
        self.command
    }

    /// Whether a write returns the rows it created (`RETURNING`) rather than a count.
    pub fn has_returning(&self) -> bool {
        self.returning.is_some()
    }

    /// The schema of the rows.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The next batch of rows; `None` at the end.
    pub async fn next_batch(&mut self) -> Option<Result<RecordBatch, Error>> {
        if let Some(b) = self.ready.pop_front() {
            return Some(Ok(b));
        }
        let stream = self.stream.as_mut()?;
        if self.returning.is_some() {
            // The write runs to its end; then its created rows are the result.
            while let Some(b) = stream.next().await {
                if let Err(e) = b {
                    return Some(self.fail(Error::from_datafusion(&e)));
                }
            }
            self.stream = None;
            let batch = self.returning_batch();
            self.end();
            return Some(batch);
        }
        match stream.next().await {
            Some(Ok(b)) => Some(Ok(self.masked(b))),
            Some(Err(e)) => Some(self.fail(Error::from_datafusion(&e))),
            None => {
                self.stream = None;
                self.end();
                None
            }
        }
    }

    /// All remaining rows.
    ///
    /// # Errors
    /// The statement's failure.
    pub async fn collect(&mut self) -> Result<Vec<RecordBatch>, Error> {
        let mut out = Vec::new();
        while let Some(b) = self.next_batch().await {
            out.push(b?);
        }
        Ok(out)
    }

    fn fail(&mut self, e: Error) -> Result<RecordBatch, Error> {
        self.stream = None;
        self.end();
        Err(e)
    }

    fn end(&mut self) {
        if !self.recorded {
            self.recorded = true;
            self.session.record(&self.stats());
        }
    }

    /// The calls made so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.scope.as_ref().map(|s| s.scan.clients.stats().snapshot()).unwrap_or_default()
    }

    /// A way to read the calls made so far from another task (a progress display).
    pub(crate) fn stats_handle(&self) -> impl Fn() -> StatsSnapshot + Send + Sync + 'static {
        let stats = self.scope.as_ref().map(|s| s.scan.clients.stats().clone());
        move || stats.as_ref().map(crate::aws::stats::CallStats::snapshot).unwrap_or_default()
    }

    /// What the statement did so far (all of it, once the rows are read).
    pub fn summary(&self) -> Summary {
        match &self.scope {
            Some(s) => Summary {
                stats: self.stats(),
                warnings: s.scan.events.warnings(),
                failures: s.scan.events.failures(),
                writes: s.scan.events.reports(),
            },
            None => Summary::default(),
        }
    }

    /// Masks the statement's secrets in every text value (an EXPLAIN shows literals).
    fn masked(&self, batch: RecordBatch) -> RecordBatch {
        if self.secrets.is_empty() {
            return batch;
        }
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Utf8 => {
                    let masked: StringArray = c
                        .as_string::<i32>()
                        .iter()
                        .map(|v| v.map(|v| crate::mask::mask_with(v, &self.secrets)))
                        .collect();
                    Arc::new(masked) as ArrayRef
                }
                _ => Arc::clone(c),
            })
            .collect();
        RecordBatch::try_new(batch.schema(), columns).unwrap_or(batch)
    }

    /// The `RETURNING` rows: the created rows' columns.
    fn returning_batch(&self) -> Result<RecordBatch, Error> {
        let columns = self.returning.as_deref().unwrap_or_default();
        let created: Vec<serde_json::Map<String, Value>> = self
            .summary()
            .writes
            .into_iter()
            .filter(|r| matches!(r.status, RowStatus::Done))
            .filter_map(|r| r.returned)
            .collect();
        let arrays: Vec<ArrayRef> = columns
            .iter()
            .map(|(_, column)| {
                let values: StringArray =
                    created.iter().map(|row| row.get(column).and_then(Value::as_str).map(str::to_owned)).collect();
                Arc::new(values) as ArrayRef
            })
            .collect();
        RecordBatch::try_new(self.schema(), arrays).map_err(|e| Error::Internal(e.to_string()))
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // A cancelled statement's calls still count as the last ones.
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_counts_the_rows_it_changed() {
        let row = |status: RowStatus, dry_run: bool| RowReport {
            subject: String::new(),
            calls: Vec::new(),
            status,
            returned: None,
            dry_run,
        };
        let summary = Summary {
            writes: vec![
                row(RowStatus::Done, false),
                row(RowStatus::Done, false),
                row(RowStatus::Unchanged, false),
                row(RowStatus::Failed(Error::Cancelled), false),
                row(RowStatus::Done, true),
            ],
            ..Summary::default()
        };
        assert_eq!(summary.changed(), 2);
    }
}
