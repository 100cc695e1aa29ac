//! Writes to `aws.connect.users`: INSERT → CreateUser, DELETE → DeleteUser, UPDATE → only the
//! UpdateUser* calls the SET list needs, with identity and phone fields merged into the user's
//! current values (the API replaces them whole, so a field not being set is never blanked).
//! `agent_status` (write-only) sets the agent's status with PutUserStatus.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_connect::types::{PhoneType, UserIdentityInfo, UserPhoneConfig};
use serde_json::{Map, Value, json};

use super::users::UsersTable;
use crate::aws::errors::ApiCallError;
use crate::provider::dml::{RowOutcome, WritableTable};
use crate::provider::keys::ConnectArn;
use crate::provider::{ApiTable, Parent, Row, ScanContext};

const IDENTITY: [(&str, &str); 5] = [
    ("first_name", "FirstName"),
    ("last_name", "LastName"),
    ("email", "Email"),
    ("secondary_email", "SecondaryEmail"),
    ("mobile", "Mobile"),
];
const PHONE: [(&str, &str); 4] = [
    ("phone_type", "PhoneType"),
    ("auto_accept", "AutoAccept"),
    ("after_contact_work_time_limit", "AfterContactWorkTimeLimit"),
    ("desk_phone_number", "DeskPhoneNumber"),
];

/// Columns UPDATE may set.
const SETTABLE: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "secondary_email",
    "mobile",
    "identity_info",
    "phone_type",
    "auto_accept",
    "after_contact_work_time_limit",
    "desk_phone_number",
    "phone_config",
    "routing_profile_id",
    "routing_profile_arn",
    "security_profile_ids",
    "security_profile_arns",
    "hierarchy_group_id",
    "hierarchy_group_arn",
    "agent_status",
];

/// A value that may arrive as a JSON string (StackQL passes objects and lists as JSON text).
fn decoded(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

fn text(row: &Row, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id at the end of an ARN (or the value itself when it is an id).
fn id_of(value: &str) -> String {
    value.rsplit('/').next().unwrap_or(value).to_owned()
}

fn ids(row: &Row, ids_column: &str, arns_column: &str) -> Option<Vec<String>> {
    let list = decoded(row.get(ids_column)).or_else(|| decoded(row.get(arns_column)))?;
    match list {
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).map(id_of).collect()),
        Value::String(s) => Some(s.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(id_of).collect()),
        _ => None,
    }
}

/// An object column (struct or JSON text) overlaid with its flat columns that are present.
fn merged(base: Option<Value>, over: &Row, object_column: &str, fields: &[(&str, &str)]) -> Map<String, Value> {
    let mut out = match base {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if let Some(Value::Object(m)) = decoded(over.get(object_column)) {
        out = m;
    }
    for (column, member) in fields {
        if let Some(v) = over.get(*column) {
            out.insert((*member).to_owned(), v.clone());
        }
    }
    out.retain(|_, v| !v.is_null());
    out
}

fn identity_info(m: &Map<String, Value>) -> UserIdentityInfo {
    let f = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    UserIdentityInfo::builder()
        .set_first_name(f("FirstName"))
        .set_last_name(f("LastName"))
        .set_email(f("Email"))
        .set_secondary_email(f("SecondaryEmail"))
        .set_mobile(f("Mobile"))
        .build()
}

fn phone_config(m: &Map<String, Value>) -> Result<UserPhoneConfig, String> {
    let phone_type = m.get("PhoneType").and_then(Value::as_str).unwrap_or("SOFT_PHONE");
    if !matches!(phone_type, "SOFT_PHONE" | "DESK_PHONE") {
        return Err(format!("phone_type '{phone_type}' is not SOFT_PHONE or DESK_PHONE"));
    }
    let acw = match m.get("AfterContactWorkTimeLimit") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| format!("after_contact_work_time_limit '{v}' is not a whole number of seconds"))?,
        ),
    };
    Ok(UserPhoneConfig::builder()
        .phone_type(PhoneType::from(phone_type))
        .set_auto_accept(m.get("AutoAccept").and_then(Value::as_bool))
        .set_after_contact_work_time_limit(acw)
        .set_desk_phone_number(m.get("DeskPhoneNumber").and_then(Value::as_str).map(str::to_owned))
        .set_persistent_connection(m.get("PersistentConnection").and_then(Value::as_bool))
        .build())
}

/// The request parameters as printed by `--dry-run`: passwords masked.
fn shown(operation: &str, params: &Value) -> String {
    let mut params = params.clone();
    if let Some(p) = params.get_mut("Password")
        && !p.is_null()
    {
        *p = Value::String("********".into());
    }
    format!("{operation} {params}")
}

fn failure(subject: String, operations: Vec<String>, error: String) -> RowOutcome {
    RowOutcome { subject, operations, error: Some(error), returned: None }
}

fn api_error(e: &ApiCallError) -> String {
    match &e.code {
        Some(code) => format!("{code}: {}", e.message),
        None => e.message.clone(),
    }
}

/// Where an INSERT row goes: its instance and region.
fn insert_parent(cx: &ScanContext, row: &Row) -> Result<Parent, String> {
    let arn = text(row, "instance_arn").and_then(|a| ConnectArn::parse(&a));
    let instance_id = text(row, "instance_id")
        .or_else(|| arn.as_ref().map(|a| a.instance_id.clone()))
        .or_else(|| (cx.default_instances.len() == 1).then(|| cx.default_instances[0].clone()));
    let Some(instance_id) = instance_id else {
        return Err("instance_id (or instance_arn) is required: set it in the row or pass --instance-id".to_owned());
    };
    let region = text(row, "region")
        .or_else(|| arn.map(|a| a.region))
        .or_else(|| cx.connect.default_region().ok())
        .ok_or_else(|| "region is required: set it in the row or pass --region".to_owned())?;
    Ok(Parent { region, instance_id: Some(instance_id), instance_arn: text(row, "instance_arn") })
}

impl UsersTable {
    async fn agent_status_id(&self, cx: &ScanContext, parent: &Parent, wanted: &str) -> Result<String, String> {
        use super::agent_statuses::AgentStatusesTable;
        let fetch = async {
            let mut rows = Vec::new();
            let mut token = None;
            loop {
                let page = AgentStatusesTable.list(cx, parent, token, 1000).await?;
                rows.extend(page.rows);
                match page.next {
                    Some(t) => token = Some(t),
                    None => return Ok(rows),
                }
            }
        };
        let statuses = cx.cache.listing("agent_statuses", parent, fetch).await.map_err(|e| api_error(&e))?;
        statuses
            .iter()
            .find(|s| {
                s.get("id").and_then(Value::as_str) == Some(wanted)
                    || s.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(wanted))
            })
            .and_then(|s| s.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| format!("agent_status '{wanted}' is not an agent status of instance {}", parent.instance()))
    }
}

#[async_trait]
impl WritableTable for UsersTable {
    async fn create(&self, cx: &ScanContext, row: &Row, dry_run: bool) -> RowOutcome {
        let username = text(row, "username").unwrap_or_default();
        let subject = if username.is_empty() { "(no username)".to_owned() } else { username.clone() };
        let ops = vec!["CreateUser".to_owned()];
        if username.is_empty() {
            return failure(subject, ops, "username is required".to_owned());
        }
        let parent = match insert_parent(cx, row) {
            Ok(p) => p,
            Err(e) => return failure(subject, ops, e),
        };
        let identity = merged(None, row, "identity_info", &IDENTITY);
        let phone = merged(None, row, "phone_config", &PHONE);
        let phone_cfg = match phone_config(&phone) {
            Ok(p) => p,
            Err(e) => return failure(subject, ops, e),
        };
        let security = ids(row, "security_profile_ids", "security_profile_arns").unwrap_or_default();
        let routing = text(row, "routing_profile_id").or_else(|| text(row, "routing_profile_arn")).map(|r| id_of(&r));
        let group = text(row, "hierarchy_group_id").or_else(|| text(row, "hierarchy_group_arn")).map(|g| id_of(&g));
        let tags: Option<BTreeMap<String, String>> = match decoded(row.get("tags")) {
            Some(Value::Object(m)) => {
                Some(m.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect())
            }
            _ => None,
        };
        let password = text(row, "password");
        if dry_run {
            let params = json!({
                "InstanceId": parent.instance(), "Username": username, "Password": password,
                "IdentityInfo": identity, "PhoneConfig": phone, "SecurityProfileIds": security,
                "RoutingProfileId": routing, "HierarchyGroupId": group, "Tags": tags,
                "DirectoryUserId": text(row, "directory_user_id"),
            });
            eprintln!("would call {} (region {})", shown("CreateUser", &params), parent.region);
            return RowOutcome { subject, operations: ops, error: None, returned: None };
        }
        let Some(routing) = routing else {
            return failure(subject, ops, "routing_profile_id (or routing_profile_arn) is required".to_owned());
        };
        let result = cx
            .connect
            .client(&parent.region)
            .create_user()
            .instance_id(parent.instance())
            .username(&username)
            .set_password(password)
            .identity_info(identity_info(&identity))
            .phone_config(phone_cfg)
            .set_security_profile_ids(Some(security))
            .routing_profile_id(routing)
            .set_hierarchy_group_id(group)
            .set_directory_user_id(text(row, "directory_user_id"))
            .set_tags(tags.map(|t| t.into_iter().collect()))
            .send()
            .await;
        match result {
            Ok(out) => {
                let id = out.user_id().unwrap_or_default().to_owned();
                let arn = out.user_arn().unwrap_or_default().to_owned();
                RowOutcome {
                    subject: format!("{username} ({id})"),
                    operations: ops,
                    error: None,
                    returned: Some((id, arn)),
                }
            }
            Err(e) => failure(subject, ops, api_error(&ApiCallError::from_sdk("CreateUser", &e))),
        }
    }

    async fn delete(&self, cx: &ScanContext, parent: &Parent, target: &Row, dry_run: bool) -> RowOutcome {
        let id = text(target, "id").unwrap_or_default();
        let subject = format!("{} ({id})", text(target, "username").unwrap_or_default());
        let ops = vec!["DeleteUser".to_owned()];
        if dry_run {
            eprintln!("would call {}", shown("DeleteUser", &json!({ "InstanceId": parent.instance(), "UserId": id })));
            return RowOutcome { subject, operations: ops, error: None, returned: None };
        }
        match cx.connect.client(&parent.region).delete_user().instance_id(parent.instance()).user_id(&id).send().await {
            Ok(_) => RowOutcome { subject, operations: ops, error: None, returned: None },
            Err(e) => failure(subject, ops, api_error(&ApiCallError::from_sdk("DeleteUser", &e))),
        }
    }

    async fn update(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        target: &Row,
        changes: &Row,
        dry_run: bool,
    ) -> RowOutcome {
        let id = text(target, "id").unwrap_or_default();
        let subject = format!("{} ({id})", text(target, "username").unwrap_or_default());
        let client = cx.connect.client(&parent.region);
        let instance = parent.instance();
        let mut done = Vec::new();
        let changed = |cols: &[&str]| cols.iter().any(|c| changes.contains_key(*c));

        macro_rules! call {
            ($op:literal, $params:expr, $send:expr) => {{
                done.push($op.to_owned());
                if dry_run {
                    eprintln!("would call {}", shown($op, &$params));
                } else if let Err(e) = $send.await {
                    let error = api_error(&ApiCallError::from_sdk($op, &e));
                    return failure(subject, done, error);
                }
            }};
        }

        let identity_columns = ["first_name", "last_name", "email", "secondary_email", "mobile", "identity_info"];
        if changed(&identity_columns) {
            let current = merged(decoded(target.get("identity_info")), &Row::new(), "", &[]);
            let next = merged(Some(Value::Object(current.clone())), changes, "identity_info", &IDENTITY);
            if next != current {
                let params = json!({ "InstanceId": instance, "UserId": id, "IdentityInfo": next });
                call!(
                    "UpdateUserIdentityInfo",
                    params,
                    client
                        .update_user_identity_info()
                        .instance_id(instance)
                        .user_id(&id)
                        .identity_info(identity_info(&next))
                        .send()
                );
            }
        }
        let phone_columns =
            ["phone_type", "auto_accept", "after_contact_work_time_limit", "desk_phone_number", "phone_config"];
        if changed(&phone_columns) {
            let current = merged(decoded(target.get("phone_config")), &Row::new(), "", &[]);
            let mut next = merged(Some(Value::Object(current.clone())), changes, "phone_config", &PHONE);
            if next.get("PhoneType").and_then(Value::as_str) == Some("SOFT_PHONE") {
                // A soft phone has no desk number; keeping the old one would be refused.
                next.remove("DeskPhoneNumber");
            }
            if next != current {
                let cfg = match phone_config(&next) {
                    Ok(c) => c,
                    Err(e) => return failure(subject, done, e),
                };
                let params = json!({ "InstanceId": instance, "UserId": id, "PhoneConfig": next });
                call!(
                    "UpdateUserPhoneConfig",
                    params,
                    client.update_user_phone_config().instance_id(instance).user_id(&id).phone_config(cfg).send()
                );
            }
        }
        if changed(&["routing_profile_id", "routing_profile_arn"]) {
            let Some(next) =
                text(changes, "routing_profile_id").or_else(|| text(changes, "routing_profile_arn")).map(|r| id_of(&r))
            else {
                return failure(
                    subject,
                    done,
                    "routing_profile_id cannot be NULL: every user needs a routing profile".to_owned(),
                );
            };
            if text(target, "routing_profile_id").as_deref() != Some(next.as_str()) {
                let params = json!({ "InstanceId": instance, "UserId": id, "RoutingProfileId": next });
                call!(
                    "UpdateUserRoutingProfile",
                    params,
                    client
                        .update_user_routing_profile()
                        .instance_id(instance)
                        .user_id(&id)
                        .routing_profile_id(&next)
                        .send()
                );
            }
        }
        if changed(&["security_profile_ids", "security_profile_arns"]) {
            let next = ids(changes, "security_profile_ids", "security_profile_arns").unwrap_or_default();
            if next.is_empty() {
                return failure(
                    subject,
                    done,
                    "security_profile_ids cannot be empty: every user needs a security profile".to_owned(),
                );
            }
            if ids(target, "security_profile_ids", "security_profile_arns").unwrap_or_default() != next {
                let params = json!({ "InstanceId": instance, "UserId": id, "SecurityProfileIds": next });
                call!(
                    "UpdateUserSecurityProfiles",
                    params,
                    client
                        .update_user_security_profiles()
                        .instance_id(instance)
                        .user_id(&id)
                        .set_security_profile_ids(Some(next.clone()))
                        .send()
                );
            }
        }
        if changed(&["hierarchy_group_id", "hierarchy_group_arn"]) {
            let next =
                text(changes, "hierarchy_group_id").or_else(|| text(changes, "hierarchy_group_arn")).map(|g| id_of(&g));
            if text(target, "hierarchy_group_id") != next {
                let params = json!({ "InstanceId": instance, "UserId": id, "HierarchyGroupId": next });
                call!(
                    "UpdateUserHierarchy",
                    params,
                    client
                        .update_user_hierarchy()
                        .instance_id(instance)
                        .user_id(&id)
                        .set_hierarchy_group_id(next.clone())
                        .send()
                );
            }
        }
        if let Some(wanted) = text(changes, "agent_status") {
            let status = match self.agent_status_id(cx, parent, &wanted).await {
                Ok(s) => s,
                Err(e) => return failure(subject, done, e),
            };
            let params = json!({ "InstanceId": instance, "UserId": id, "AgentStatusId": status });
            call!(
                "PutUserStatus",
                params,
                client.put_user_status().instance_id(instance).user_id(&id).agent_status_id(&status).send()
            );
        }
        RowOutcome { subject, operations: done, error: None, returned: None }
    }

    fn check_assignments(&self, columns: &[String]) -> Result<(), String> {
        for c in columns {
            if !SETTABLE.contains(&c.as_str()) {
                let why = match c.as_str() {
                    "username" => "Connect cannot rename a user; create a new one",
                    "password" => "passwords are set at creation",
                    "id" | "arn" | "user_id" | "user_arn" | "data__identifier" | "directory_user_id" => {
                        "it identifies the user"
                    }
                    "region" | "instance_id" | "instance_arn" => "a user cannot move between instances",
                    "last_modified_time" | "last_modified_region" => "the service stamps it",
                    _ => "this column is not settable through the API",
                };
                return Err(format!(
                    "column '{c}' of aws.connect.users is read-only: {why}. Settable columns: {}",
                    SETTABLE.join(", ")
                ));
            }
        }
        Ok(())
    }
}
