//! A statement run for a page or a route, through the engine's door: its rows as JSON objects
//! (columns in SELECT order, NULL as null), its summary, and the error as an HTTP status.

use std::collections::BTreeMap;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::json::writer::{LineDelimited, WriterBuilder};
use datafusion::common::ScalarValue;
use http::StatusCode;
use serde_json::{Map, Value};

use crate::engine::{Engine, Request, Session, Statement, Summary};
use crate::error::{Cause, Error, Refusal, SqlError};
use crate::provider::events::{RowReport, RowStatus};

/// What a statement returned.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Map<String, Value>>,
    pub(crate) summary: Summary,
    /// Rows were left out: there were more than the reader's cap.
    pub(crate) truncated: bool,
}

/// Rows of batches as JSON objects.
pub(crate) fn json_rows(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>, Error> {
    let mut w: datafusion::arrow::json::Writer<Vec<u8>, LineDelimited> =
        WriterBuilder::new().with_explicit_nulls(true).build(Vec::new());
    for b in batches {
        w.write(b).map_err(|e| Error::Internal(e.to_string()))?;
    }
    w.finish().map_err(|e| Error::Internal(e.to_string()))?;
    let text = String::from_utf8(w.into_inner()).map_err(|e| Error::Internal(e.to_string()))?;
    text.lines()
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(Error::Internal("a row is not an object".into())),
            Err(e) => Err(Error::Internal(e.to_string())),
        })
        .collect()
}

/// Runs one statement through the engine's door, its `$1`, `$2`, … bound to `params` (text; a
/// value is never part of the statement's text).
///
/// # Errors
/// The statement's failure.
pub(crate) async fn run(engine: &Engine, sql: &str, params: &[&str]) -> Result<Answer, Error> {
    let request = Request { params: params.iter().map(|p| ScalarValue::from(*p)).collect(), ..Request::default() };
    answer(engine.execute(sql, &request).await?).await
}

/// Runs one statement of a script in its session, with `{{ name }}` values.
///
/// # Errors
/// The statement's failure.
pub(crate) async fn run_in(session: &Session, sql: &str, vars: &[(&str, &str)]) -> Result<Answer, Error> {
    answer(session.execute(sql, &request(vars)).await?).await
}

fn request(vars: &[(&str, &str)]) -> Request {
    Request {
        vars: vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        ..Request::default()
    }
}

async fn answer(mut statement: Statement) -> Result<Answer, Error> {
    let columns = statement.schema().fields().iter().map(|f| f.name().clone()).collect();
    let batches = statement.collect().await?;
    Ok(Answer { columns, rows: json_rows(&batches)?, summary: statement.summary(), truncated: false })
}

/// A statement's first `max_rows` rows: reading stops there, so the calls for the rest are
/// never made and no more than that is held in memory; `truncated` says rows were left out.
///
/// # Errors
/// The statement's failure, with its summary (the calls it made before failing).
pub(crate) async fn first_rows(mut statement: Statement, max_rows: usize) -> Result<Answer, (Error, Summary)> {
    let columns: Vec<String> = statement.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut batches = Vec::new();
    let mut seen = 0;
    while seen <= max_rows {
        match statement.next_batch().await {
            Some(Ok(b)) => {
                // Only what fits is kept (one row more tells that there was more).
                let keep = b.num_rows().min(max_rows + 1 - seen);
                seen += keep;
                batches.push(b.slice(0, keep));
            }
            Some(Err(e)) => return Err((e, statement.summary())),
            None => break,
        }
    }
    let summary = statement.summary();
    let mut rows = json_rows(&batches).map_err(|e| (e, summary.clone()))?;
    let truncated = rows.len() > max_rows;
    rows.truncate(max_rows);
    Ok(Answer { columns, rows, summary, truncated })
}

/// The HTTP status that fits an error.
pub(crate) fn status(e: &Error) -> StatusCode {
    match e {
        Error::Api(a) => match (a.cause, a.status) {
            (Cause::Service, Some(s)) => StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY),
            (Cause::Credentials, _) => StatusCode::SERVICE_UNAVAILABLE,
            (Cause::Timeout, _) => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        },
        Error::Refused { reason: Refusal::ReadOnly | Refusal::Files, .. } => StatusCode::FORBIDDEN,
        Error::Refused { reason: Refusal::TooManyRows | Refusal::Declined, .. } => StatusCode::CONFLICT,
        Error::Refused { .. } | Error::Usage(_) => StatusCode::BAD_REQUEST,
        Error::Sql { kind: SqlError::UnknownTable, .. } => StatusCode::NOT_FOUND,
        Error::Sql { .. } => StatusCode::BAD_REQUEST,
        Error::Partial { .. } => StatusCode::MULTI_STATUS,
        Error::Cancelled => StatusCode::REQUEST_TIMEOUT,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error code an API client sees: the AWS error code, or what connectql refused.
pub(crate) fn code(e: &Error) -> String {
    match e {
        Error::Api(a) => a.code.clone().unwrap_or_else(|| format!("{:?}", a.cause)),
        Error::Refused { reason, .. } => format!("Refused{reason:?}"),
        Error::Sql { kind, .. } => format!("Sql{kind:?}"),
        Error::Usage(_) => "InvalidRequest".to_owned(),
        Error::Partial { .. } => "PartialFailure".to_owned(),
        Error::Cancelled => "Cancelled".to_owned(),
        Error::Internal(_) => "InternalError".to_owned(),
    }
}

/// The message an API client sees (secrets masked): the service's own message for an API failure.
pub(crate) fn message(e: &Error) -> String {
    let text = match e {
        Error::Api(a) => match a.retries_note() {
            Some(note) => format!("{} {note}", a.message),
            None => a.message.clone(),
        },
        other => other.to_string(),
    };
    crate::mask::mask(&text).into_owned()
}

/// Every DescribeUser column of a user, as a query (one DescribeUser, no listing): `$1` region,
/// `$2` instance, `$3` user id.
pub(crate) const USER_QUERY: &str = "SELECT * EXCLUDE (agent_status), arrow_cast(last_modified_time, 'Int64') AS modified \
    FROM aws.connect.users WHERE region = $1 AND instance_id = $2 AND id = $3";

/// One user's current state: one GetCurrentUserData for that agent (the users table's
/// `agent_status` would read the whole instance's).
pub(crate) const USER_STATE_QUERY: &str = "SELECT status_name, status_start_time, contacts_in_progress \
    FROM aws.connect.user_data WHERE region = $1 AND instance_id = $2 AND user_id = $3";

/// The queues a routing profile takes, by priority: one ListRoutingProfileQueues.
pub(crate) const PROFILE_QUEUES_QUERY: &str = "SELECT queue_name, channel, priority, delay \
    FROM aws.connect.routing_profile_queues WHERE region = $1 AND instance_id = $2 AND routing_profile_id = $3 \
    ORDER BY priority, queue_name, channel";

/// What a security profile grants: one ListSecurityProfilePermissions.
pub(crate) const PROFILE_PERMISSIONS_QUERY: &str = "SELECT permission FROM aws.connect.security_profile_permissions \
    WHERE region = $1 AND instance_id = $2 AND security_profile_id = $3 ORDER BY permission";

/// A report row's outcome in words.
pub(crate) fn status_text(r: &RowReport) -> String {
    match (&r.status, r.dry_run) {
        (RowStatus::Failed(e), _) => format!("failed: {}", message(e)),
        (RowStatus::Skipped(why), _) => format!("skipped: {why}"),
        (_, true) => "dry run: no call made".to_owned(),
        (RowStatus::Unchanged, _) => "unchanged: every value was already in place".to_owned(),
        (RowStatus::Done, _) => "done".to_owned(),
    }
}
