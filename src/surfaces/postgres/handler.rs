//! The query handlers of a Postgres connection. Every data statement goes through the engine's
//! door ([`Engine::execute`] with [`Dialect::Postgres`]), so the rewrites, guards, password
//! masking and the server's write policy hold as for every other surface; session statements
//! are answered from the connection's own settings ([`super::session`]).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion_postgres::arrow_pg::datatypes::df::deserialize_parameters_with_server_types;
use datafusion_postgres::arrow_pg::datatypes::into_pg_type;
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{
    CopyResponse, DataRowEncoder, FieldInfo, QueryResponse, Response, Tag,
};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore, Type};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::pgwire::messages::copy::CopyData;
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::messages::response::TransactionStatus;
use datafusion_postgres::pgwire::messages::startup::ParameterStatus;
use futures::{Sink, SinkExt, StreamExt};

use super::cancel::Cancels;
use super::copy::{self, CopyOut};
use super::encode;
use super::session::{self, Command};
use crate::engine::{Dialect, Prepared, Request, Session, Statement, StatementKind, Summary};
use crate::error::Error;

/// Client metadata: rows written since `BEGIN` (a `ROLLBACK` cannot undo them).
const WRITES_IN_TRANSACTION: &str = "connectql.writes_in_transaction";

/// A statement as a client prepared it.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    sql: String,
    /// A session statement, answered by the connection.
    session: Option<Command>,
    /// What the engine said it takes and returns.
    prepared: Option<Prepared>,
}

/// Plans a client's statements (Parse) through the engine, without running them.
pub(crate) struct Parser {
    session: Session,
}

/// The Postgres type a client binds a parameter as.
fn param_type(t: &Option<DataType>) -> Type {
    t.as_ref().and_then(|t| into_pg_type(t).ok()).unwrap_or(Type::TEXT)
}

/// An error for the client (boxed: it is large).
type Failure = Box<ErrorInfo>;

fn user_error(e: Failure) -> PgWireError {
    PgWireError::UserError(e)
}

fn request(params: Vec<ScalarValue>) -> Request {
    Request { dialect: Dialect::Postgres, params, ..Request::default() }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Parsed;

    async fn parse_sql<C>(&self, _client: &C, sql: &str, _types: &[Option<Type>]) -> PgWireResult<Option<Parsed>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        if let Some(command) = session::recognize(sql) {
            return Ok(Some(Parsed { sql: sql.to_owned(), session: Some(command), prepared: None }));
        }
        let prepared = self
            .session
            .prepare(sql, &request(Vec::new()))
            .await
            .map_err(|e| user_error(Box::new(encode::error_info(&e))))?;
        Ok(Some(Parsed { sql: sql.to_owned(), session: None, prepared: Some(prepared) }))
    }

    fn get_parameter_types(&self, stmt: &Parsed) -> PgWireResult<Vec<Type>> {
        Ok(stmt.prepared.as_ref().map(|p| p.params.iter().map(param_type).collect()).unwrap_or_default())
    }

    fn get_result_schema(&self, stmt: &Parsed, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        let format = format.unwrap_or(&Format::UnifiedText);
        match (&stmt.session, &stmt.prepared) {
            (Some(Command::Show(name)), _) => Ok(vec![show_field(name, format)]),
            (None, Some(p)) => encode::fields(&p.schema, format),
            _ => Ok(Vec::new()),
        }
    }
}

fn show_field(name: &str, format: &Format) -> FieldInfo {
    FieldInfo::new(name.replace(' ', "_"), None, None, Type::TEXT, format.format_for(0))
}

/// The handlers every connection of a server shares.
pub(crate) struct Service {
    /// The connection's session: its settings and session tables.
    session: Session,
    cancels: Arc<Cancels>,
    read_only: bool,
    parser: Arc<Parser>,
}

impl Service {
    pub(crate) fn new(session: Session, cancels: Arc<Cancels>, read_only: bool) -> Self {
        let parser = Arc::new(Parser { session: session.clone() });
        Service { session, cancels, read_only, parser }
    }

    /// Runs one data statement to its end and answers it: rows, or the command tag; warnings
    /// and failed rows as notices first.
    async fn run<C>(
        &self,
        client: &mut C,
        sql: &str,
        params: Vec<ScalarValue>,
        format: &Format,
    ) -> Result<Response, Failure>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
    {
        let (pid, secret) = client.pid_and_secret_key();
        let running = self.cancels.start(pid, secret.to_bytes().to_vec());
        let timeout = statement_timeout(client);
        let request = request(params);
        let work = async {
            let mut statement = self.session.execute(sql, &request).await?;
            let head = first_batches(&mut statement).await;
            Ok::<_, Error>((statement, head))
        };
        let limited = async {
            match timeout {
                Some(t) => match tokio::time::timeout(t, work).await {
                    Ok(r) => r.map_err(|e| Box::new(encode::error_info(&e))),
                    Err(_) => Err(Box::new(ErrorInfo::new(
                        "ERROR".to_owned(),
                        "57014".to_owned(),
                        format!("canceling statement due to statement timeout ({} ms)", t.as_millis()),
                    ))),
                },
                None => work.await.map_err(|e| Box::new(encode::error_info(&e))),
            }
        };
        // Dropping the statement stops its calls: a cancel request ends it here.
        let (statement, head) = tokio::select! {
            r = limited => r?,
            () = running.token.cancelled() => return Err(Box::new(encode::error_info(&Error::Cancelled))),
        };
        let summary = statement.summary();
        for w in &summary.warnings {
            notice(client, "WARNING", w).await;
        }
        let (batches, ended) = head.map_err(|e| encode::error_info(&e))?;
        if !ended {
            // A large result streams: the rest is read as the client takes it.
            for f in &summary.failures {
                notice(client, "WARNING", f).await;
            }
            return streamed(statement, batches, summary.warnings.len(), running, timeout, format);
        }
        drop(running);
        if statement.kind() == StatementKind::Write {
            self.written(client, &summary).await?;
        } else {
            for f in &summary.failures {
                notice(client, "WARNING", f).await;
            }
        }
        answer(&statement, &summary, &batches, format)
    }

    /// `COPY … TO STDOUT`: the query's rows as the client's copy data, batch by batch (a large
    /// export is never held whole).
    async fn copy_out(&self, copy: CopyOut) -> Result<Response, Failure> {
        let statement = self
            .session
            .execute(&copy.query, &request(Vec::new()))
            .await
            .map_err(|e| Box::new(encode::error_info(&e)))?;
        if statement.kind() != StatementKind::Query {
            return Err(Box::new(ErrorInfo::new(
                "ERROR".to_owned(),
                "0A000".to_owned(),
                "COPY … TO STDOUT takes a query or a table".to_owned(),
            )));
        }
        let columns = statement.schema().fields().len();
        // One copy message a row, so the client's `COPY n` counts rows.
        let rows = futures::stream::unfold((statement, copy, true), |(mut statement, copy, first)| async move {
            let messages: Vec<PgWireResult<CopyData>> = match statement.next_batch().await? {
                Ok(batch) => (0..batch.num_rows())
                    .map(|i| {
                        copy.encode(&batch.slice(i, 1), first && i == 0)
                            .map(|bytes| CopyData::new(bytes.into()))
                            .map_err(|e| PgWireError::ApiError(e.into()))
                    })
                    .collect(),
                Err(e) => vec![Err(PgWireError::UserError(Box::new(encode::error_info(&e))))],
            };
            let first = first && messages.is_empty();
            Some((futures::stream::iter(messages), (statement, copy, first)))
        })
        .flatten();
        Ok(Response::CopyOut(CopyResponse::new(0, columns, rows)))
    }

    /// After a write: counts it against an open `BEGIN`, and fails the statement when a row
    /// failed (the others were written; each failure is a notice).
    async fn written<C>(&self, client: &mut C, summary: &Summary) -> Result<(), Failure>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
    {
        let done = summary.changed();
        if client.transaction_status() == TransactionStatus::Transaction {
            let before: usize = client.metadata().get(WRITES_IN_TRANSACTION).and_then(|n| n.parse().ok()).unwrap_or(0);
            client.metadata_mut().insert(WRITES_IN_TRANSACTION.to_owned(), (before + done).to_string());
        }
        if summary.failures.is_empty() {
            return Ok(());
        }
        for f in &summary.failures {
            notice(client, "WARNING", f).await;
        }
        let mut e = ErrorInfo::new(
            "ERROR".to_owned(),
            "XX000".to_owned(),
            crate::mask::mask(&format!(
                "{} of {} rows failed ({done} written): {}",
                summary.failures.len(),
                summary.writes.len().max(summary.failures.len()),
                summary.failures.join("; ")
            ))
            .into_owned(),
        );
        e.hint = Some("the rows that were written stay written: Amazon Connect has no transactions".to_owned());
        Err(Box::new(e))
    }

    /// Answers a session statement.
    async fn session<C>(&self, client: &mut C, command: Command, format: &Format) -> Result<Response, Failure>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
    {
        match command {
            Command::Begin => {
                client.metadata_mut().insert(WRITES_IN_TRANSACTION.to_owned(), "0".to_owned());
                if !self.read_only {
                    notice(
                        client,
                        "NOTICE",
                        "connectql has no transactions: each INSERT, UPDATE and DELETE takes effect when it runs",
                    )
                    .await;
                }
                Ok(Response::TransactionStart(Tag::new("BEGIN")))
            }
            Command::Commit => Ok(Response::TransactionEnd(Tag::new("COMMIT"))),
            Command::Rollback => {
                let written = client.metadata_mut().remove(WRITES_IN_TRANSACTION).and_then(|n| n.parse::<usize>().ok());
                if let Some(n) = written.filter(|n| *n > 0) {
                    let message = format!(
                        "ROLLBACK cannot undo the {n} row(s) written since BEGIN: Amazon Connect has no \
                         transactions, each write took effect when it ran"
                    );
                    notice(client, "WARNING", &message).await;
                }
                Ok(Response::TransactionEnd(Tag::new("ROLLBACK")))
            }
            Command::Set(assignment) => {
                if let Some((name, value)) = assignment {
                    client.metadata_mut().insert(name.clone(), value.clone());
                    if let Some(reported) = reported_name(&name) {
                        let status = ParameterStatus::new(reported.to_owned(), value);
                        let _ = client.send(PgWireBackendMessage::ParameterStatus(status)).await;
                    }
                }
                Ok(Response::Execution(Tag::new("SET")))
            }
            Command::Reset => Ok(Response::Execution(Tag::new("RESET"))),
            Command::Show(name) => {
                let key = if name == "time zone" { "timezone".to_owned() } else { name.clone() };
                let value = client
                    .metadata()
                    .get(&key)
                    .cloned()
                    .or_else(|| session::default_value(&key, self.read_only))
                    .ok_or_else(|| {
                        Box::new(ErrorInfo::new(
                            "ERROR".to_owned(),
                            "42704".to_owned(),
                            format!("unrecognized configuration parameter \"{name}\""),
                        ))
                    })?;
                show_response(&name, &value, format)
            }
            Command::Done(tag) => Ok(Response::Execution(Tag::new(tag))),
        }
    }
}

/// The name a client is told of in a ParameterStatus after `SET`.
fn reported_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "application_name" => "application_name",
        "datestyle" => "DateStyle",
        "intervalstyle" => "IntervalStyle",
        "timezone" => "TimeZone",
        "client_encoding" => "client_encoding",
        _ => return None,
    })
}

/// The session's `statement_timeout` (`5000`, `5000ms`, `5s`, `1min`); none when 0 or unset.
fn statement_timeout<C: ClientInfo>(client: &C) -> Option<Duration> {
    let v = client.metadata().get("statement_timeout")?.trim().to_lowercase();
    let (number, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 = number.parse().ok()?;
    let ms = match unit.trim() {
        "" | "ms" => n,
        "s" => n * 1000,
        "min" => n * 60_000,
        "h" => n * 3_600_000,
        _ => return None,
    };
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// Sends a notice; a client that is gone learns nothing more anyway.
async fn notice<C>(client: &mut C, severity: &str, message: &str)
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
{
    let info = ErrorInfo::new(severity.to_owned(), "01000".to_owned(), crate::mask::mask(message).into_owned());
    let _ = client.send(PgWireBackendMessage::NoticeResponse(info.into())).await;
}

fn show_response(name: &str, value: &str, format: &Format) -> Result<Response, Failure> {
    let fields = Arc::new(vec![show_field(name, format)]);
    let mut encoder = DataRowEncoder::new(Arc::clone(&fields));
    encoder.encode_field(&Some(value)).map_err(ErrorInfo::from)?;
    let row = encoder.take_row();
    Ok(Response::Query(QueryResponse::new(fields, futures::stream::iter([Ok(row)]))))
}

/// A finished statement's answer.
/// Rows read before answering: a result this large streams the rest to the client instead of
/// being held whole (the warnings the statement gives after this are logged on the server).
const HELD_ROWS: usize = 10_000;

/// The first batches of a statement: all of them (`true`) when a write, a command or a result
/// of at most [`HELD_ROWS`] rows; else the first ones (`false`) and the rest is streamed.
async fn first_batches(statement: &mut Statement) -> Result<(Vec<RecordBatch>, bool), Error> {
    if matches!(statement.kind(), StatementKind::Write | StatementKind::Command) {
        return statement.collect().await.map(|b| (b, true));
    }
    let (mut batches, mut rows) = (Vec::new(), 0);
    while rows < HELD_ROWS {
        match statement.next_batch().await {
            Some(b) => {
                let b = b?;
                rows += b.num_rows();
                batches.push(b);
            }
            None => return Ok((batches, true)),
        }
    }
    Ok((batches, false))
}

/// A query whose first batches were read: those rows, then the rest as the client reads them.
/// A cancel request or `statement_timeout` still ends it; a failure of a part of the read
/// (`--partial`) fails the query at the end, loudly.
fn streamed(
    statement: Statement,
    head: Vec<RecordBatch>,
    warned: usize,
    running: super::cancel::Running,
    timeout: Option<Duration>,
    format: &Format,
) -> Result<Response, Failure> {
    let fields = Arc::new(encode::fields(&statement.schema(), format).map_err(|e| Box::new(ErrorInfo::from(e)))?);
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let first: Vec<PgWireResult<DataRow>> = head.iter().flat_map(|b| encode::encoded(&fields, b)).collect();
    let rest_fields = Arc::clone(&fields);
    let rest = futures::stream::unfold(Some((statement, running)), move |state| {
        let fields = Arc::clone(&rest_fields);
        async move {
            let (mut statement, running) = state?;
            let stop = |e: Error| Some((vec![Err(PgWireError::UserError(Box::new(encode::error_info(&e))))], None));
            let next = async {
                tokio::select! {
                    b = statement.next_batch() => b,
                    () = running.token.cancelled() => Some(Err(Error::Cancelled)),
                }
            };
            let batch = match deadline {
                Some(d) => tokio::time::timeout_at(d, next).await.unwrap_or(Some(Err(Error::Cancelled))),
                None => next.await,
            };
            match batch {
                Some(Ok(b)) => Some((encode::encoded(&fields, &b), Some((statement, running)))),
                Some(Err(e)) => stop(e),
                None => {
                    let summary = statement.summary();
                    for w in summary.warnings.iter().skip(warned) {
                        tracing::warn!("{}", crate::mask::mask(w));
                    }
                    match summary.failures.first() {
                        Some(_) => {
                            stop(Error::Internal(format!("part of the read failed: {}", summary.failures.join("; "))))
                        }
                        None => None,
                    }
                }
            }
        }
    })
    .flat_map(futures::stream::iter);
    let mut response = QueryResponse::new(fields, futures::stream::iter(first).chain(rest));
    response.set_command_tag("SELECT");
    Ok(Response::Query(response))
}

fn answer(
    statement: &Statement,
    summary: &Summary,
    batches: &[RecordBatch],
    format: &Format,
) -> Result<Response, Failure> {
    let command = statement.command();
    match statement.kind() {
        StatementKind::Write if !statement.has_returning() => {
            let tag = Tag::new(command).with_rows(summary.changed());
            Ok(Response::Execution(if command == "INSERT" { tag.with_oid(0) } else { tag }))
        }
        StatementKind::Command => Ok(Response::Execution(Tag::new(command))),
        kind => {
            let mut response = encode::query_response(&statement.schema(), batches, format)?;
            response.set_command_tag(match (kind, command) {
                (StatementKind::Write, "INSERT") => "INSERT 0",
                (StatementKind::Write, c) => c,
                _ => "SELECT",
            });
            Ok(Response::Query(response))
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Service {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut responses = Vec::new();
        // Each statement runs to its end before the next starts, as in Postgres.
        for sql in crate::sql::script::split_statements(query) {
            let result = match (session::recognize(&sql), copy::recognize(&sql)) {
                (Some(command), _) => self.session(client, command, &Format::UnifiedText).await,
                (None, Some(copy)) => self.copy_out(copy).await,
                (None, None) => self.run(client, &sql, Vec::new(), &Format::UnifiedText).await,
            };
            match result {
                Ok(r) => responses.push(r),
                Err(e) => {
                    responses.push(Response::Error(e));
                    break;
                }
            }
        }
        if responses.is_empty() {
            responses.push(Response::EmptyQuery);
        }
        Ok(responses)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Service {
    type Statement = Parsed;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        Arc::clone(&self.parser)
    }

    async fn do_query<C>(&self, client: &mut C, portal: &Portal<Parsed>, _max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Parsed>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let parsed = &portal.statement.statement;
        let format = &portal.result_column_format;
        if let Some(command) = &parsed.session {
            return self.session(client, command.clone(), format).await.map_err(user_error);
        }
        let inferred: Vec<Option<DataType>> = parsed.prepared.as_ref().map(|p| p.params.clone()).unwrap_or_default();
        let server: Vec<Type> = inferred.iter().map(param_type).collect();
        let values = deserialize_parameters_with_server_types(
            portal,
            &inferred.iter().map(Option::as_ref).collect::<Vec<_>>(),
            &server.iter().map(Some).collect::<Vec<_>>(),
        )?;
        let params = match values {
            ParamValues::List(values) => values.into_iter().map(|v| v.value).collect(),
            ParamValues::Map(_) => Vec::new(),
        };
        self.run(client, &parsed.sql, params, format).await.map_err(user_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_bind_as_their_planned_type_or_text() {
        assert_eq!(param_type(&None), Type::TEXT);
        assert_eq!(param_type(&Some(DataType::Int64)), Type::INT8);
    }
}
