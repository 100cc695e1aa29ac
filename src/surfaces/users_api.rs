//! Connect's users API — ListUsers, DescribeUser, CreateUser, DeleteUser, UpdateUserIdentityInfo,
//! UpdateUserRoutingProfile, PutUserStatus — with the service's own JSON bodies and answers,
//! each run as a statement through the engine's door (its planning, pacing, retries, cache,
//! validation, guards and masking). The REST routes and the MCP tools both answer with these, so
//! programs written against the API work unchanged on either.

use std::collections::BTreeMap;
use std::sync::Mutex;

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::engine::Engine;
use crate::error::Error;
use crate::provider::events::RowStatus;
use crate::surfaces::answer::{self, Answer};

/// A call's failure as the API reports it: an HTTP status, an error code, a message (masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn of(e: &Error) -> Failure {
        Failure { status: answer::status(e), code: answer::code(e), message: answer::message(e) }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Failure {
        Failure { status: StatusCode::BAD_REQUEST, code: "InvalidParameterException".into(), message: message.into() }
    }

    fn not_found(message: impl Into<String>) -> Failure {
        Failure { status: StatusCode::NOT_FOUND, code: "ResourceNotFoundException".into(), message: message.into() }
    }

    /// A write asked of a read-only server; `how` says how to allow writes.
    pub(crate) fn read_only(how: &str) -> Failure {
        Failure { status: StatusCode::FORBIDDEN, code: "RefusedReadOnly".into(), message: how.to_owned() }
    }

    /// `{"code", "message"}`, as the REST API and the MCP tools answer a failure.
    pub(crate) fn body(&self) -> Value {
        json!({ "code": self.code, "message": self.message })
    }
}

/// Where a call goes and what its statements cost, by operation (for an audit line).
pub(crate) struct Call<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) region: String,
    calls: Mutex<BTreeMap<String, u64>>,
}

/// Connect's paging parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Paging {
    pub(crate) next_token: Option<String>,
    pub(crate) max_results: Option<usize>,
}

/// One user: `$1` region, `$2` instance, `$3` user id.
const WHERE_USER: &str = "WHERE region = $1 AND instance_id = $2 AND id = $3";

/// DescribeUser's members, as columns: `$1` region, `$2` instance, `$3` user id.
const DESCRIBE_QUERY: &str = "SELECT id, arn, username, identity_info, phone_config, directory_user_id, \
    security_profile_ids, routing_profile_id, hierarchy_group_id, tags, auto_accept_configs, after_contact_work_configs, \
    phone_number_configs, persistent_connection_configs, voice_enhancement_configs, last_modified_region, \
    arrow_cast(last_modified_time, 'Int64') AS modified FROM aws.connect.users \
    WHERE region = $1 AND instance_id = $2 AND id = $3";

/// A page token this server gives: the service's own token, bound to the region and instance
/// it pages (a token used with another instance is refused, not silently misapplied).
#[derive(serde::Serialize, serde::Deserialize)]
struct PageToken {
    region: String,
    instance: String,
    token: String,
}

impl PageToken {
    fn write(token: &str, region: &str, instance: &str) -> String {
        let text = json!({ "region": region, "instance": instance, "token": token }).to_string();
        // URL-safe, so it travels in `?nextToken=` unencoded.
        aws_smithy_types::base64::encode(text).replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned()
    }

    fn read(text: &str, region: &str, instance: &str) -> Result<String, Failure> {
        let mut standard = text.replace('-', "+").replace('_', "/");
        while !standard.len().is_multiple_of(4) {
            standard.push('=');
        }
        let token: PageToken = aws_smithy_types::base64::decode(&standard)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| Failure::bad_request("nextToken is not a token this server gave"))?;
        if token.region != region || token.instance != instance {
            return Err(Failure::bad_request(format!(
                "nextToken belongs to instance {} in {}, not to instance {instance} in {region}",
                token.instance, token.region
            )));
        }
        Ok(token.token)
    }
}

/// Milliseconds since the epoch as Connect's JSON timestamp (epoch seconds).
fn seconds(v: &Value) -> Value {
    v.as_i64().map_or(Value::Null, |ms| json!(ms as f64 / 1000.0))
}

/// Text of a JSON value as a bound parameter: strings as they are, the rest as JSON (which the
/// engine reads into a struct, list or map column).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The one member a body must carry.
fn member<'b>(body: &'b Value, name: &str) -> Result<&'b Value, Failure> {
    body.get(name).filter(|v| !v.is_null()).ok_or_else(|| Failure::bad_request(format!("{name} is required")))
}

/// The User object of DescribeUser from a row of `aws.connect.users`, in Connect's own shape:
/// absent members left out (an empty list too, as the service leaves them out), the
/// after-contact-work limits nested as the API nests them.
fn user_object(r: &Map<String, Value>) -> Value {
    let clean = |v: &Value| match v {
        Value::Object(m) => {
            Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        other => other.clone(),
    };
    let list = |v: &Value| match v {
        Value::Array(items) if !items.is_empty() => Value::Array(items.iter().map(clean).collect()),
        _ => Value::Null,
    };
    // {Channel, AfterContactWorkTimeLimit, AgentFirstCallback…} → Connect's nested members.
    let after_contact_work = match &r["after_contact_work_configs"] {
        Value::Array(items) if !items.is_empty() => Value::Array(
            items
                .iter()
                .map(|c| {
                    let mut out = json!({ "Channel": c["Channel"] });
                    if !c["AfterContactWorkTimeLimit"].is_null() {
                        out["AfterContactWorkConfig"] =
                            json!({ "AfterContactWorkTimeLimit": c["AfterContactWorkTimeLimit"] });
                    }
                    if !c["AgentFirstCallbackAfterContactWorkTimeLimit"].is_null() {
                        out["AgentFirstCallbackAfterContactWorkConfig"] =
                            json!({ "AfterContactWorkTimeLimit": c["AgentFirstCallbackAfterContactWorkTimeLimit"] });
                    }
                    out
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    // The service answers `"Tags": {}` for a user without tags.
    let tags = match &r["tags"] {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    };
    let mut u = json!({
        "Id": r["id"], "Arn": r["arn"], "Username": r["username"],
        "IdentityInfo": clean(&r["identity_info"]), "PhoneConfig": clean(&r["phone_config"]),
        "DirectoryUserId": r["directory_user_id"],
        "SecurityProfileIds": list(&r["security_profile_ids"]),
        "RoutingProfileId": r["routing_profile_id"], "HierarchyGroupId": r["hierarchy_group_id"],
        "Tags": tags,
        "AutoAcceptConfigs": list(&r["auto_accept_configs"]),
        "AfterContactWorkConfigs": after_contact_work,
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

/// A write's answer: the first row's outcome, as the API would answer the call.
fn write_outcome(answer: &Answer) -> Result<Option<Map<String, Value>>, Failure> {
    match answer.summary.writes.first() {
        None => Ok(None),
        Some(r) => match &r.status {
            RowStatus::Failed(e) => Err(Failure::of(e)),
            _ => Ok(Some(r.returned.clone().unwrap_or_default())),
        },
    }
}

impl<'a> Call<'a> {
    /// A call in `region`, or the engine's default region.
    pub(crate) fn new(engine: &'a Engine, region: Option<String>) -> Result<Call<'a>, Failure> {
        let region = region.or_else(|| engine.default_region()).ok_or_else(|| {
            Failure::bad_request("no region: name one, or start connectql with --region (or AWS_REGION)")
        })?;
        if !crate::aws::client::is_region_name(&region) {
            return Err(Failure::bad_request(format!("'{region}' is not an AWS region name (such as us-east-1)")));
        }
        Ok(Call { engine, region, calls: Mutex::default() })
    }

    /// The API calls this call's statements made, by operation.
    pub(crate) fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Runs a statement whose `$1` is the call's region and `$2`, `$3`, … are `params`.
    async fn run(&self, sql: &str, params: &[&str]) -> Result<Answer, Failure> {
        let mut all = vec![self.region.as_str()];
        all.extend_from_slice(params);
        let answer = answer::run(self.engine, sql, &all).await.map_err(|e| Failure::of(&e))?;
        self.count(&answer.summary.stats);
        Ok(answer)
    }

    fn count(&self, stats: &crate::aws::stats::StatsSnapshot) {
        let mut calls = self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (op, n) in stats.calls_by_operation() {
            *calls.entry(op).or_default() += n;
        }
    }

    /// ListUsers: `{"UserSummaryList": [...], "NextToken"?}`, one ListUsers call a page: the
    /// service's own paging, its token wrapped with the region and instance it belongs to.
    pub(crate) async fn list_users(&self, instance: &str, paging: &Paging) -> Result<Value, Failure> {
        let max = paging.max_results.unwrap_or(100);
        if !(1..=1000).contains(&max) {
            return Err(Failure::bad_request("maxResults must be between 1 and 1000"));
        }
        let token = match paging.next_token.as_deref() {
            None => None,
            Some(t) => Some(PageToken::read(t, &self.region, instance)?),
        };
        let page = self
            .engine
            .list_page("users", &self.region, instance, i32::try_from(max).unwrap_or(1000), token)
            .await
            .map_err(|e| Failure::of(&e))?;
        self.count(&page.stats);
        let list: Vec<Value> = page
            .rows
            .iter()
            .map(|r| {
                let mut u = json!({ "Id": r["id"], "Arn": r["arn"], "Username": r["username"] });
                if !r["last_modified_time"].is_null() {
                    u["LastModifiedTime"] = seconds(&r["last_modified_time"]);
                    u["LastModifiedRegion"] = r["last_modified_region"].clone();
                }
                u
            })
            .collect();
        let mut body = json!({ "UserSummaryList": list });
        if let Some(t) = page.next_token {
            body["NextToken"] = json!(PageToken::write(&t, &self.region, instance));
        }
        Ok(body)
    }

    /// DescribeUser: `{"User": {...}}`.
    pub(crate) async fn describe_user(&self, instance: &str, user: &str) -> Result<Value, Failure> {
        let answer = self.run(DESCRIBE_QUERY, &[instance, user]).await?;
        match answer.rows.first() {
            Some(r) => Ok(json!({ "User": user_object(r) })),
            None => Err(Failure::not_found(format!("User not found for UserId: {user}"))),
        }
    }

    /// CreateUser: `{"UserId", "UserArn"}`. Only the members given become columns; every value
    /// is a bound parameter, so no member can change the statement.
    pub(crate) async fn create_user(&self, instance: &str, body: &Value) -> Result<Value, Failure> {
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
        if !body.is_object() {
            return Err(Failure::bad_request("the body must be a JSON object"));
        }
        if let Some(unknown) = body.as_object().and_then(|o| o.keys().find(|k| !members.iter().any(|(m, _)| m == k))) {
            return Err(Failure::bad_request(format!("unknown member {unknown}")));
        }
        let given: Vec<(&str, String)> =
            members.iter().filter_map(|(m, c)| body.get(*m).filter(|v| !v.is_null()).map(|v| (*c, text(v)))).collect();
        // The column list is made of the known members' names; every value is a parameter.
        let columns: Vec<&str> = given.iter().map(|(c, _)| *c).collect();
        let values: Vec<String> = (0..given.len()).map(|n| format!("${}", n + 3)).collect();
        let sql = format!(
            "INSERT INTO aws.connect.users (region, instance_id, {}) VALUES ($1, $2, {})",
            columns.join(", "),
            values.join(", ")
        );
        let mut params: Vec<&str> = vec![instance];
        params.extend(given.iter().map(|(_, v)| v.as_str()));
        let answer = self.run(&sql, &params).await?;
        match write_outcome(&answer)? {
            Some(r) => Ok(json!({ "UserId": r.get("id"), "UserArn": r.get("arn") })),
            None => Err(Failure::bad_request("nothing was created")),
        }
    }

    /// An UPDATE or DELETE of one user, answered as the API does (`{}`, or its error).
    /// `sql` names the user with [`WHERE_USER`]; its `$4` is `value`, when there is one.
    async fn change_user(&self, sql: &str, instance: &str, user: &str, value: Option<&str>) -> Result<Value, Failure> {
        let mut params = vec![instance, user];
        params.extend(value);
        let answer = self.run(sql, &params).await?;
        match write_outcome(&answer)? {
            Some(_) => Ok(json!({})),
            None => Err(Failure::not_found(format!("User not found for UserId: {user}"))),
        }
    }

    /// DeleteUser.
    pub(crate) async fn delete_user(&self, instance: &str, user: &str) -> Result<Value, Failure> {
        self.change_user(&format!("DELETE FROM aws.connect.users {WHERE_USER}"), instance, user, None).await
    }

    /// UpdateUserIdentityInfo (replaces the identity, as the API does).
    pub(crate) async fn update_identity(&self, instance: &str, user: &str, body: &Value) -> Result<Value, Failure> {
        let identity = text(member(body, "IdentityInfo")?);
        let sql = format!("UPDATE aws.connect.users SET identity_info = $4 {WHERE_USER}");
        self.change_user(&sql, instance, user, Some(&identity)).await
    }

    /// UpdateUserRoutingProfile.
    pub(crate) async fn update_routing(&self, instance: &str, user: &str, body: &Value) -> Result<Value, Failure> {
        let profile = text(member(body, "RoutingProfileId")?);
        let sql = format!("UPDATE aws.connect.users SET routing_profile_id = $4 {WHERE_USER}");
        self.change_user(&sql, instance, user, Some(&profile)).await
    }

    /// PutUserStatus.
    pub(crate) async fn put_status(&self, instance: &str, user: &str, body: &Value) -> Result<Value, Failure> {
        let status = text(member(body, "AgentStatusId")?);
        let sql = format!("UPDATE aws.connect.users SET agent_status = $4 {WHERE_USER}");
        self.change_user(&sql, instance, user, Some(&status)).await
    }
}
