//! The REST API (`/v1`): the routes of the users API with Connect's own JSON bodies and
//! responses, so programs written against it work unchanged, each answered through the
//! engine's door (its planning, pacing, retries, validation, guards and masking); plus
//! `POST /v1/sql` and `GET /v1/openapi.json`. Errors are `{"code", "message"}` with the AWS
//! error code and a matching HTTP status.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::App;
use super::answer::{self, Answer};
use crate::error::Error;

/// `?region=` (default: the engine's region) and Connect's paging parameters.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Params {
    region: Option<String>,
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
    #[serde(rename = "maxResults")]
    max_results: Option<usize>,
}

fn failure(e: &Error) -> Response {
    (answer::status(e), Json(json!({ "code": answer::code(e), "message": answer::message(e) }))).into_response()
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "code": "ResourceNotFoundException", "message": what }))).into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "code": "InvalidParameterException", "message": message }))).into_response()
}

/// The region of a request.
fn region(app: &App, p: &Params) -> Result<String, Response> {
    p.region
        .clone()
        .or_else(|| app.engine.default_region())
        .ok_or_else(|| bad_request("no region: pass ?region=, or start the server with --region"))
}

/// A write route's answer: the first row's outcome, as the API would answer the call.
fn write_outcome(answer: &Answer) -> Result<Option<Map<String, Value>>, Response> {
    match answer.summary.writes.first() {
        None => Ok(None),
        Some(r) => match &r.status {
            crate::provider::events::RowStatus::Failed(e) => Err(failure(e)),
            _ => Ok(Some(r.returned.clone().unwrap_or_default())),
        },
    }
}

/// Milliseconds since the epoch as Connect's JSON timestamp (epoch seconds).
fn seconds(v: &Value) -> Value {
    v.as_i64().map_or(Value::Null, |ms| json!(ms as f64 / 1000.0))
}

/// `GET /v1/users/{instanceid}`: ListUsers.
pub(crate) async fn list_users(
    State(app): State<Arc<App>>,
    Path(instance): Path<String>,
    Query(p): Query<Params>,
) -> Response {
    let region = match region(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let max = p.max_results.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return bad_request("maxResults must be between 1 and 1000");
    }
    let offset = match p.next_token.as_deref().map(|t| t.strip_prefix("after-").and_then(|n| n.parse::<usize>().ok())) {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return bad_request("nextToken is not a token this server gave"),
    };
    let sql = "SELECT id, arn, username, arrow_cast(last_modified_time, 'Int64') AS modified, last_modified_region \
               FROM aws.connect.users WHERE region = '{{ region }}' AND instance_id = '{{ instance }}'";
    let answer = match answer::run(&app.engine, sql, &[("region", &region), ("instance", &instance)]).await {
        Ok(a) => a,
        Err(e) => return failure(&e),
    };
    let list: Vec<Value> = answer
        .rows
        .iter()
        .skip(offset)
        .take(max)
        .map(|r| {
            let mut u = json!({ "Id": r["id"], "Arn": r["arn"], "Username": r["username"] });
            if !r["modified"].is_null() {
                u["LastModifiedTime"] = seconds(&r["modified"]);
                u["LastModifiedRegion"] = r["last_modified_region"].clone();
            }
            u
        })
        .collect();
    let mut body = json!({ "UserSummaryList": list });
    if offset + max < answer.rows.len() {
        body["NextToken"] = json!(format!("after-{}", offset + max));
    }
    Json(body).into_response()
}

/// The User object of DescribeUser from a row of `aws.connect.users`.
fn user_object(r: &Map<String, Value>) -> Value {
    let clean = |v: &Value| match v {
        Value::Object(m) => {
            Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        other => other.clone(),
    };
    let list = |v: &Value| match v {
        Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
        _ => json!([]),
    };
    let mut u = json!({
        "Id": r["id"], "Arn": r["arn"], "Username": r["username"],
        "IdentityInfo": clean(&r["identity_info"]), "PhoneConfig": clean(&r["phone_config"]),
        "DirectoryUserId": r["directory_user_id"],
        "SecurityProfileIds": r["security_profile_ids"].as_array().cloned().unwrap_or_default(),
        "RoutingProfileId": r["routing_profile_id"], "HierarchyGroupId": r["hierarchy_group_id"],
        "Tags": if r["tags"].is_null() { json!({}) } else { r["tags"].clone() },
        "AutoAcceptConfigs": list(&r["auto_accept_configs"]),
        "AfterContactWorkConfigs": list(&r["after_contact_work_configs"]),
        "PhoneNumberConfigs": list(&r["phone_number_configs"]),
        "PersistentConnectionConfigs": list(&r["persistent_connection_configs"]),
        "VoiceEnhancementConfigs": list(&r["voice_enhancement_configs"]),
    });
    if !r["modified"].is_null() {
        u["LastModifiedTime"] = seconds(&r["modified"]);
        u["LastModifiedRegion"] = r["last_modified_region"].clone();
    }
    if let Value::Object(m) = &mut u {
        m.retain(|_, v| !v.is_null());
    }
    u
}

/// `GET /v1/users/{instanceid}/{userid}`: DescribeUser.
pub(crate) async fn describe_user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Response {
    let region = match region(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let sql = answer::USER_QUERY.replace("SELECT *,", "SELECT id, arn, username, identity_info, phone_config, directory_user_id, security_profile_ids, routing_profile_id, hierarchy_group_id, tags, auto_accept_configs, after_contact_work_configs, phone_number_configs, persistent_connection_configs, voice_enhancement_configs, last_modified_region,");
    match answer::run(&app.engine, &sql, &[("region", &region), ("instance", &instance), ("user", &user)]).await {
        Ok(a) => match a.rows.first() {
            Some(r) => Json(json!({ "User": user_object(r) })).into_response(),
            None => not_found(&format!("User not found for UserId: {user}")),
        },
        Err(e) => failure(&e),
    }
}

/// Refuses a write route when the server is read-only.
fn writes_allowed(app: &App) -> Result<(), Response> {
    if app.allow_writes {
        Ok(())
    } else {
        Err((
            StatusCode::FORBIDDEN,
            Json(json!({ "code": "RefusedReadOnly", "message": "this server is read-only: start connectql serve with --allow-writes to allow changes" })),
        )
            .into_response())
    }
}

/// Text of a JSON value for a `{{ placeholder }}` inside quotes: strings as they are, the rest
/// as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `POST /v1/users/{instanceid}`: CreateUser.
pub(crate) async fn create_user(
    State(app): State<Arc<App>>,
    Path(instance): Path<String>,
    Query(p): Query<Params>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = writes_allowed(&app) {
        return r;
    }
    let region = match region(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    // Only the members given become columns; every value is a quoted placeholder.
    let members = [
        ("Username", "username"),
        ("Password", "password"),
        ("IdentityInfo", "identity_info"),
        ("PhoneConfig", "phone_config"),
        ("DirectoryUserId", "directory_user_id"),
        ("SecurityProfileIds", "security_profile_ids"),
        ("RoutingProfileId", "routing_profile_id"),
        ("HierarchyGroupId", "hierarchy_group_id"),
        ("Tags", "tags"),
    ];
    let given: Vec<(&str, String)> =
        members.iter().filter_map(|(m, c)| body.get(*m).filter(|v| !v.is_null()).map(|v| (*c, text(v)))).collect();
    if let Some(unknown) = body.as_object().and_then(|o| o.keys().find(|k| !members.iter().any(|(m, _)| m == k))) {
        return bad_request(&format!("unknown member {unknown}"));
    }
    let columns: Vec<&str> = given.iter().map(|(c, _)| *c).collect();
    let values: Vec<String> = given.iter().map(|(c, _)| format!("'{{{{ {c} }}}}'")).collect();
    let sql = format!(
        "INSERT INTO aws.connect.users (region, instance_id, {}) VALUES ('{{{{ region }}}}', '{{{{ instance }}}}', {})",
        columns.join(", "),
        values.join(", ")
    );
    let mut vars: Vec<(&str, &str)> = vec![("region", &region), ("instance", &instance)];
    vars.extend(given.iter().map(|(c, v)| (*c, v.as_str())));
    let answer = match answer::run(&app.engine, &sql, &vars).await {
        Ok(a) => a,
        Err(e) => return failure(&e),
    };
    app.changed();
    match write_outcome(&answer) {
        Ok(Some(r)) => Json(json!({ "UserId": r.get("id"), "UserArn": r.get("arn") })).into_response(),
        Ok(None) => bad_request("nothing was created"),
        Err(r) => r,
    }
}

/// Runs an UPDATE or DELETE of one user and answers as the API does (`{}`, or its error).
async fn change_user(app: &App, sql: &str, instance: &str, user: &str, p: &Params, extra: &[(&str, &str)]) -> Response {
    if let Err(r) = writes_allowed(app) {
        return r;
    }
    let region = match region(app, p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut vars = vec![("region", region.as_str()), ("instance", instance), ("user", user)];
    vars.extend_from_slice(extra);
    let answer = match answer::run(&app.engine, sql, &vars).await {
        Ok(a) => a,
        Err(e) => return failure(&e),
    };
    app.changed();
    match write_outcome(&answer) {
        Ok(Some(_)) => Json(json!({})).into_response(),
        Ok(None) => not_found(&format!("User not found for UserId: {user}")),
        Err(r) => r,
    }
}

const WHERE_USER: &str = "WHERE region = '{{ region }}' AND instance_id = '{{ instance }}' AND id = '{{ user }}'";

/// `DELETE /v1/users/{instanceid}/{userid}`: DeleteUser.
pub(crate) async fn delete_user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Response {
    change_user(&app, &format!("DELETE FROM aws.connect.users {WHERE_USER}"), &instance, &user, &p, &[]).await
}

/// The one member a body must carry.
fn member<'b>(body: &'b Value, name: &str) -> Result<&'b Value, Response> {
    body.get(name).filter(|v| !v.is_null()).ok_or_else(|| bad_request(&format!("{name} is required")))
}

/// `POST /v1/users/{instanceid}/{userid}/identity-info`: UpdateUserIdentityInfo (replaces it).
pub(crate) async fn update_identity(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(p): Query<Params>,
    Json(body): Json<Value>,
) -> Response {
    let identity = match member(&body, "IdentityInfo") {
        Ok(v) => text(v),
        Err(r) => return r,
    };
    let sql = format!("UPDATE aws.connect.users SET identity_info = '{{{{ identity }}}}' {WHERE_USER}");
    change_user(&app, &sql, &instance, &user, &p, &[("identity", &identity)]).await
}

/// `POST /v1/users/{instanceid}/{userid}/routing-profile`: UpdateUserRoutingProfile.
pub(crate) async fn update_routing(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(p): Query<Params>,
    Json(body): Json<Value>,
) -> Response {
    let profile = match member(&body, "RoutingProfileId") {
        Ok(v) => text(v),
        Err(r) => return r,
    };
    let sql = format!("UPDATE aws.connect.users SET routing_profile_id = '{{{{ profile }}}}' {WHERE_USER}");
    change_user(&app, &sql, &instance, &user, &p, &[("profile", &profile)]).await
}

/// `PUT /v1/users/{instanceid}/{userid}/status`: PutUserStatus.
pub(crate) async fn put_status(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(p): Query<Params>,
    Json(body): Json<Value>,
) -> Response {
    let status = match member(&body, "AgentStatusId") {
        Ok(v) => text(v),
        Err(r) => return r,
    };
    let sql = format!("UPDATE aws.connect.users SET agent_status = '{{{{ status }}}}' {WHERE_USER}");
    change_user(&app, &sql, &instance, &user, &p, &[("status", &status)]).await
}

/// The body of `POST /v1/sql`.
#[derive(Debug, Deserialize)]
pub(crate) struct SqlBody {
    sql: String,
}

/// `POST /v1/sql`: a statement's rows as JSON, with its calls and warnings.
pub(crate) async fn sql(State(app): State<Arc<App>>, Json(body): Json<SqlBody>) -> Response {
    match answer::run(&app.engine, &body.sql, &[]).await {
        Ok(a) => {
            if !a.summary.writes.is_empty() {
                app.changed();
            }
            let calls: Map<String, Value> = a
                .summary
                .stats
                .ops
                .iter()
                .filter(|(_, s)| s.calls > 0)
                .map(|(op, s)| (op.clone(), json!(s.calls)))
                .collect();
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
                    "columns": a.columns, "rows": a.rows, "calls": calls, "cached": cached,
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
