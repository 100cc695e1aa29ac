//! The REST API (`/v1`): the routes of the users API with Connect's own JSON bodies and
//! responses, so programs written against it work unchanged, each answered through the
//! engine's door (its planning, pacing, retries, validation, guards and masking); plus
//! `POST /v1/sql` and `GET /v1/openapi.json`. Errors are `{"code", "message"}` with the AWS
//! error code and a matching HTTP status.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::App;
use crate::engine::Request;
use crate::error::Error;
use crate::surfaces::answer;
use crate::surfaces::users_api::{self, Failure, Paging};

/// `?region=` (default: the engine's region) and Connect's paging parameters.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Params {
    region: Option<String>,
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
    #[serde(rename = "maxResults")]
    max_results: Option<usize>,
}

/// `?region=`, `?maxResults=`, … read as the API reads them: a malformed value is a
/// `{code, message}` answer like every other error, not a plain-text one.
pub(crate) struct ApiQuery(Params);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Query::<Params>::from_request_parts(parts, state).await {
            Ok(Query(p)) => Ok(ApiQuery(p)),
            Err(e) => {
                Err(reply(Err(Failure::bad_request(format!("the query string cannot be read: {}", e.body_text())))))
            }
        }
    }
}

/// A JSON body, with or without `Content-Type: application/json` (as Connect's own endpoints and
/// most tools take it); a body that is not JSON of the right shape is a `{code, message}` answer.
pub(crate) struct ApiJson<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| reply(Err(Failure::bad_request(format!("the body cannot be read: {}", e.body_text())))))?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| reply(Err(Failure::bad_request(format!("the body is not the JSON this call takes: {e}")))))
    }
}

fn failure(e: &Error) -> Response {
    reply(Err(Failure::of(e)))
}

/// The answer of a users-API call as a response.
fn reply(outcome: Result<Value, Failure>) -> Response {
    match outcome {
        Ok(body) => Json(body).into_response(),
        Err(f) => (f.status, Json(f.body())).into_response(),
    }
}

/// Refuses a write route when the server is read-only.
fn writes_allowed(app: &App) -> Result<(), Failure> {
    if app.allow_writes {
        Ok(())
    } else {
        Err(Failure::read_only("this server is read-only: start connectql serve with --allow-writes to allow changes"))
    }
}

/// Runs one write of the users API, and forgets the console's lists after it.
async fn write<'a, F>(app: &'a App, p: &Params, f: impl FnOnce(users_api::Call<'a>) -> F) -> Response
where
    F: Future<Output = Result<Value, Failure>> + 'a,
{
    let outcome = match writes_allowed(app).and_then(|()| users_api::Call::new(&app.engine, p.region.clone())) {
        Ok(call) => f(call).await,
        Err(f) => Err(f),
    };
    app.changed();
    reply(outcome)
}

/// `GET /v1/users/{instanceid}`: ListUsers.
pub(crate) async fn list_users(
    State(app): State<Arc<App>>,
    Path(instance): Path<String>,
    ApiQuery(p): ApiQuery,
) -> Response {
    let paging = Paging { next_token: p.next_token.clone(), max_results: p.max_results };
    reply(match users_api::Call::new(&app.engine, p.region) {
        Ok(call) => call.list_users(&instance, &paging).await,
        Err(f) => Err(f),
    })
}

/// `GET /v1/users/{instanceid}/{userid}`: DescribeUser.
pub(crate) async fn describe_user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    ApiQuery(p): ApiQuery,
) -> Response {
    reply(match users_api::Call::new(&app.engine, p.region) {
        Ok(call) => call.describe_user(&instance, &user).await,
        Err(f) => Err(f),
    })
}

/// `POST /v1/users/{instanceid}`: CreateUser.
pub(crate) async fn create_user(
    State(app): State<Arc<App>>,
    Path(instance): Path<String>,
    ApiQuery(p): ApiQuery,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    write(&app, &p, |call| async move { call.create_user(&instance, &body).await }).await
}

/// `DELETE /v1/users/{instanceid}/{userid}`: DeleteUser.
pub(crate) async fn delete_user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    ApiQuery(p): ApiQuery,
) -> Response {
    write(&app, &p, |call| async move { call.delete_user(&instance, &user).await }).await
}

/// `POST /v1/users/{instanceid}/{userid}/identity-info`: UpdateUserIdentityInfo (replaces it).
pub(crate) async fn update_identity(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    ApiQuery(p): ApiQuery,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    write(&app, &p, |call| async move { call.update_identity(&instance, &user, &body).await }).await
}

/// `POST /v1/users/{instanceid}/{userid}/routing-profile`: UpdateUserRoutingProfile.
pub(crate) async fn update_routing(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    ApiQuery(p): ApiQuery,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    write(&app, &p, |call| async move { call.update_routing(&instance, &user, &body).await }).await
}

/// `PUT /v1/users/{instanceid}/{userid}/status`: PutUserStatus.
pub(crate) async fn put_status(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    ApiQuery(p): ApiQuery,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    write(&app, &p, |call| async move { call.put_status(&instance, &user, &body).await }).await
}

/// Rows `POST /v1/sql` answers unless asked for fewer or more.
const DEFAULT_MAX_ROWS: usize = 10_000;
/// The most rows one answer holds (the answer is built in memory).
const MAX_ROWS: usize = 100_000;

/// The body of `POST /v1/sql`.
#[derive(Debug, Deserialize)]
pub(crate) struct SqlBody {
    sql: String,
    /// At most this many rows (default 10,000, at most 100,000); `truncated` says more were left.
    max_rows: Option<usize>,
}

/// `POST /v1/sql`: a statement's rows as JSON (at most `max_rows`), with its calls and warnings.
pub(crate) async fn sql(State(app): State<Arc<App>>, ApiJson(body): ApiJson<SqlBody>) -> Response {
    let max_rows = body.max_rows.unwrap_or(DEFAULT_MAX_ROWS);
    if !(1..=MAX_ROWS).contains(&max_rows) {
        return reply(Err(Failure::bad_request(format!("max_rows must be between 1 and {MAX_ROWS}"))));
    }
    let outcome = match app.engine.execute(&body.sql, &Request::default()).await {
        Ok(statement) => answer::first_rows(statement, max_rows).await.map_err(|(e, _)| e),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(a) => {
            if !a.summary.writes.is_empty() {
                app.changed();
            }
            let calls = a.summary.stats.calls_by_operation();
            let cached: Map<String, Value> = a
                .summary
                .stats
                .ops
                .iter()
                .filter(|(_, s)| s.cached > 0)
                .map(|(op, s)| (op.clone(), json!(s.cached)))
                .collect();
            let writes: Vec<Value> = a
                .summary
                .writes
                .iter()
                .map(
                    |r| json!({ "subject": r.subject, "operations": r.operations(), "status": answer::status_text(r) }),
                )
                .collect();
            let status = if a.summary.failures.is_empty() { StatusCode::OK } else { StatusCode::MULTI_STATUS };
            (
                status,
                Json(json!({
                    "columns": a.columns, "rows": a.rows, "truncated": a.truncated, "calls": calls, "cached": cached,
                    "warnings": a.summary.warnings, "failures": a.summary.failures, "writes": writes,
                })),
            )
                .into_response()
        }
        Err(e) => failure(&e),
    }
}

/// `GET /v1/openapi.json`.
pub(crate) async fn openapi() -> Response {
    Json(super::openapi::spec()).into_response()
}
