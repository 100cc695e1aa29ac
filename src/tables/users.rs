//! `aws.connect.users`: Amazon Connect users (agents). ListUsers gives id, ARN, username and the
//! modification stamp; everything else needs DescribeUser per user; proficiencies need
//! ListUserProficiencies per user. Column names of StackQL's `aws.connect.users` are kept.
//! Writes (INSERT, UPDATE, DELETE) are in [`write`].

mod write;

use write::Setter;

use async_trait::async_trait;
use aws_sdk_connect::types::{
    ControlPlaneTagFilter, HierarchyGroupCondition, HierarchyGroupMatchType, StringComparisonType, StringCondition,
    TagCondition, User, UserSearchCriteria, UserSearchFilter, UserSearchSummary,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use serde_json::{Map, Value, json};

use super::types::{list_of, millis, s, string_map, struct_of, tags_json, timestamp, utf8};
use crate::aws::errors::{found, from_sdk};
use crate::error::ApiFailure;
use crate::provider::events::RowReport;
use crate::provider::keys::instance_arn_of;
use crate::provider::table_def::{SearchDef, WriteDef};
use crate::provider::{
    ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef, WriteContext,
};

/// The users table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UsersTable;

fn channel_list(fields: &[(&str, DataType)]) -> DataType {
    let mut all = vec![("Channel", utf8())];
    all.extend_from_slice(fields);
    list_of(struct_of(&all))
}

/// Why UPDATE cannot set the identifying columns.
const IDENTIFIES: &str = "it identifies the user";
const SCOPE: &str = "a user cannot move between instances";
const STAMPED: &str = "the service stamps it";

fn definition() -> TableDef {
    use Cost::{Get, Key, List, PerRow, WriteOnly};
    let c = ColumnDef::new;
    const IDENTITY: &str = Setter::Identity.operation();
    const PHONE: &str = Setter::Phone.operation();
    TableDef {
        name: "users",
        description: "Amazon Connect users (agents) of each instance",
        scope: Scope::Instance,
        id_columns: vec![
            ("id", IdForm::Id),
            ("user_id", IdForm::Id),
            ("arn", IdForm::Arn),
            ("user_arn", IdForm::Arn),
            ("data__identifier", IdForm::Arn),
        ],
        label_column: "username",
        unique_column: Some("username"),
        list_op: "ListUsers",
        list_page_max: 1000,
        get_op: Some("DescribeUser"),
        change_stamp: Some("last_modified_time"),
        listing_cached: false,
        search: Some(SearchDef { op: "SearchUsers", page_max: 500, criterion: search_criterion }),
        writes: Some(WriteDef { create: "CreateUser", delete: "DeleteUser" }),
        owner: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the instance").fixed(SCOPE),
            super::types::account().fixed(SCOPE),
            c("instance_id", utf8(), Key, "Connect instance id").fixed(SCOPE),
            c("instance_arn", utf8(), Key, "Connect instance ARN").fixed(SCOPE),
            c("id", utf8(), List, "User id").searchable().fixed(IDENTIFIES),
            c("arn", utf8(), List, "User ARN").searchable().fixed(IDENTIFIES),
            c("username", utf8(), List, "Login name")
                .searchable()
                .fixed("Connect cannot rename a user; create a new one"),
            c("first_name", utf8(), Get, "First name").searchable().set_by(IDENTITY),
            c("last_name", utf8(), Get, "Last name").searchable().set_by(IDENTITY),
            c("email", utf8(), Get, "Email address").set_by(IDENTITY),
            c("secondary_email", utf8(), Get, "Secondary email address (notifications)").set_by(IDENTITY),
            c("mobile", utf8(), Get, "Mobile number (E.164)").set_by(IDENTITY),
            c("routing_profile_id", utf8(), Get, "Routing profile id")
                .searchable()
                .set_by(Setter::RoutingProfile.operation()),
            c("routing_profile_arn", utf8(), Get, "Routing profile ARN")
                .searchable()
                .set_by(Setter::RoutingProfile.operation()),
            c("security_profile_ids", list_of(utf8()), Get, "Security profile ids")
                .searchable()
                .set_by(Setter::SecurityProfiles.operation()),
            c("security_profile_arns", list_of(utf8()), Get, "Security profile ARNs")
                .searchable()
                .set_by(Setter::SecurityProfiles.operation()),
            c("hierarchy_group_id", utf8(), Get, "Agent hierarchy group id (NULL when in no group)")
                .searchable()
                .set_by(Setter::Hierarchy.operation()),
            c("hierarchy_group_arn", utf8(), Get, "Agent hierarchy group ARN")
                .searchable()
                .set_by(Setter::Hierarchy.operation()),
            c("phone_type", utf8(), Get, "SOFT_PHONE or DESK_PHONE").searchable().set_by(PHONE),
            c("auto_accept", DataType::Boolean, Get, "Contacts are accepted automatically (voice)")
                .searchable()
                .set_by(PHONE),
            c("after_contact_work_time_limit", DataType::Int32, Get, "After-contact work limit in seconds (0 = none)")
                .searchable()
                .set_by(PHONE),
            c("desk_phone_number", utf8(), Get, "Desk phone number (E.164)").searchable().set_by(PHONE),
            c("directory_user_id", utf8(), Get, "Identifier of the user in the identity directory")
                .searchable()
                .fixed(IDENTIFIES),
            c(
                "identity_info",
                struct_of(&[
                    ("FirstName", utf8()),
                    ("LastName", utf8()),
                    ("Email", utf8()),
                    ("SecondaryEmail", utf8()),
                    ("Mobile", utf8()),
                ]),
                Get,
                "Identity as the API returns it",
            )
            .set_by(IDENTITY),
            c(
                "phone_config",
                struct_of(&[
                    ("PhoneType", utf8()),
                    ("AutoAccept", DataType::Boolean),
                    ("AfterContactWorkTimeLimit", DataType::Int32),
                    ("DeskPhoneNumber", utf8()),
                    ("PersistentConnection", DataType::Boolean),
                ]),
                Get,
                "Phone settings as the API returns them",
            )
            .searchable()
            .set_by(PHONE),
            c("tags", string_map(), Get, "Tags").searchable().set_by(Setter::Tags.operation()),
            c(
                "user_proficiencies",
                list_of(struct_of(&[
                    ("AttributeName", utf8()),
                    ("AttributeValue", utf8()),
                    ("Level", DataType::Float64),
                ])),
                PerRow("ListUserProficiencies"),
                "Routing proficiencies (attribute, value, level 1-5)",
            )
            .set_by(Setter::Proficiencies.operation()),
            c(
                "auto_accept_configs",
                channel_list(&[("AutoAccept", DataType::Boolean), ("AgentFirstCallbackAutoAccept", DataType::Boolean)]),
                Get,
                "Auto-accept per channel",
            )
            .searchable(),
            c(
                "after_contact_work_configs",
                channel_list(&[
                    ("AfterContactWorkTimeLimit", DataType::Int32),
                    ("AgentFirstCallbackAfterContactWorkTimeLimit", DataType::Int32),
                ]),
                Get,
                "After-contact work limit per channel, in seconds",
            )
            .searchable(),
            c(
                "phone_number_configs",
                channel_list(&[("PhoneType", utf8()), ("PhoneNumber", utf8())]),
                Get,
                "Phone type and number per channel",
            )
            .searchable(),
            c(
                "persistent_connection_configs",
                channel_list(&[("PersistentConnection", DataType::Boolean)]),
                Get,
                "Persistent connection per channel",
            )
            .searchable(),
            c(
                "voice_enhancement_configs",
                channel_list(&[("VoiceEnhancementMode", utf8())]),
                Get,
                "Voice enhancement mode per channel",
            )
            .searchable(),
            c("last_modified_time", timestamp(), List, "When the user was last changed").fixed(STAMPED),
            c("last_modified_region", utf8(), List, "Region of the last change").fixed(STAMPED),
            c("user_arn", utf8(), List, "User ARN (StackQL name)").searchable().fixed(IDENTIFIES),
            c("user_id", utf8(), List, "User id (StackQL native provider name)").searchable().fixed(IDENTIFIES),
            c("data__identifier", utf8(), List, "User ARN (StackQL Cloud Control identifier)")
                .searchable()
                .fixed(IDENTIFIES),
            c("password", utf8(), WriteOnly, "Password, for INSERT only: always NULL when read")
                .sensitive()
                .fixed("passwords are set at creation"),
            c(
                "agent_status",
                utf8(),
                Cost::Shared("GetCurrentUserData"),
                "Current agent status (NULL when not logged in); UPDATE … SET agent_status = 'Lunch' sets it (PutUserStatus)",
            )
            .set_by(Setter::AgentStatus.operation()),
        ],
    }
}

fn summary_row(id: Option<&str>, arn: Option<&str>, username: Option<&str>) -> Row {
    let mut row = Map::new();
    row.insert("id".into(), s(id));
    row.insert("user_id".into(), s(id));
    row.insert("arn".into(), s(arn));
    row.insert("user_arn".into(), s(arn));
    row.insert("data__identifier".into(), s(arn));
    row.insert("username".into(), s(username));
    row
}

/// The columns User (DescribeUser) and UserSearchSummary (SearchUsers) share, under the same
/// accessor names.
macro_rules! common_row {
    ($u:expr) => {{
        let u = $u;
        let mut row = summary_row(u.id(), u.arn(), u.username());
        let instance_arn = u.arn().and_then(instance_arn_of);
        let arn_of = |kind: &str, id: &str| instance_arn.as_ref().map(|i| format!("{i}/{kind}/{id}"));
        row.insert("routing_profile_id".into(), s(u.routing_profile_id()));
        row.insert("routing_profile_arn".into(), u.routing_profile_id().and_then(|r| arn_of("routing-profile", r)).into());
        row.insert("security_profile_ids".into(), json!(u.security_profile_ids()));
        let sp_arns: Vec<Option<String>> = u.security_profile_ids().iter().map(|i| arn_of("security-profile", i)).collect();
        row.insert("security_profile_arns".into(), json!(sp_arns));
        row.insert("hierarchy_group_id".into(), s(u.hierarchy_group_id()));
        row.insert("hierarchy_group_arn".into(), u.hierarchy_group_id().and_then(|g| arn_of("agent-group", g)).into());
        row.insert("directory_user_id".into(), s(u.directory_user_id()));
        row.insert("first_name".into(), s(u.identity_info().and_then(|i| i.first_name())));
        row.insert("last_name".into(), s(u.identity_info().and_then(|i| i.last_name())));
        row.insert("tags".into(), tags_json(u.tags()));
        row.insert(
            "auto_accept_configs".into(),
            u.auto_accept_configs()
                .iter()
                .map(|c| json!({ "Channel": c.channel().as_str(), "AutoAccept": c.auto_accept(), "AgentFirstCallbackAutoAccept": c.agent_first_callback_auto_accept() }))
                .collect(),
        );
        row.insert(
            "after_contact_work_configs".into(),
            u.after_contact_work_configs()
                .iter()
                .map(|c| {
                    json!({ "Channel": c.channel().as_str(),
                            "AfterContactWorkTimeLimit": c.after_contact_work_config().map(|a| a.after_contact_work_time_limit()),
                            "AgentFirstCallbackAfterContactWorkTimeLimit": c.agent_first_callback_after_contact_work_config().map(|a| a.after_contact_work_time_limit()) })
                })
                .collect(),
        );
        row.insert(
            "phone_number_configs".into(),
            u.phone_number_configs()
                .iter()
                .map(|c| json!({ "Channel": c.channel().as_str(), "PhoneType": c.phone_type().as_str(), "PhoneNumber": c.phone_number() }))
                .collect(),
        );
        row.insert(
            "persistent_connection_configs".into(),
            u.persistent_connection_configs()
                .iter()
                .map(|c| json!({ "Channel": c.channel().as_str(), "PersistentConnection": c.persistent_connection() }))
                .collect(),
        );
        row.insert(
            "voice_enhancement_configs".into(),
            u.voice_enhancement_configs()
                .iter()
                .map(|c| json!({ "Channel": c.channel().as_str(), "VoiceEnhancementMode": c.voice_enhancement_mode().as_str() }))
                .collect(),
        );
        row
    }};
}

/// Phone columns; `acw_divisor` turns SearchUsers' milliseconds into seconds.
fn phone_columns(row: &mut Row, p: Option<&aws_sdk_connect::types::UserPhoneConfig>, acw_divisor: i32) {
    let Some(p) = p else { return };
    let acw = p.after_contact_work_time_limit() / acw_divisor;
    row.insert("phone_type".into(), p.phone_type().as_str().into());
    row.insert("auto_accept".into(), p.auto_accept().into());
    row.insert("after_contact_work_time_limit".into(), acw.into());
    row.insert("desk_phone_number".into(), s(p.desk_phone_number()));
    row.insert(
        "phone_config".into(),
        json!({ "PhoneType": p.phone_type().as_str(), "AutoAccept": p.auto_accept(),
                "AfterContactWorkTimeLimit": acw,
                "DeskPhoneNumber": p.desk_phone_number(), "PersistentConnection": p.persistent_connection() }),
    );
}

/// The DescribeUser columns of a user.
pub(crate) fn user_row(u: &User) -> Row {
    let mut row = common_row!(u);
    let identity = u.identity_info();
    let field = |f: fn(&aws_sdk_connect::types::UserIdentityInfo) -> Option<&str>| s(identity.and_then(f));
    row.insert("email".into(), field(|i| i.email()));
    row.insert("secondary_email".into(), field(|i| i.secondary_email()));
    row.insert("mobile".into(), field(|i| i.mobile()));
    row.insert(
        "identity_info".into(),
        identity.map_or(Value::Null, |i| {
            json!({ "FirstName": i.first_name(), "LastName": i.last_name(), "Email": i.email(),
                    "SecondaryEmail": i.secondary_email(), "Mobile": i.mobile() })
        }),
    );
    phone_columns(&mut row, u.phone_config(), 1);
    row.insert("last_modified_time".into(), millis(u.last_modified_time()));
    row.insert("last_modified_region".into(), s(u.last_modified_region()));
    row
}

/// The SearchUsers columns of a user (no email, mobile or modification stamp; after-contact
/// work arrives in milliseconds).
fn search_row(u: &UserSearchSummary) -> Row {
    let mut row = common_row!(u);
    phone_columns(&mut row, u.phone_config(), 1000);
    row
}

fn string_condition(field: &str, value: &str, comparison: &str) -> Value {
    json!({ "StringCondition": { "FieldName": field, "Value": value, "ComparisonType": comparison } })
}

/// A filter as SearchUsers criteria: equality on names, routing profile and hierarchy group,
/// LIKE 'x%' (STARTS_WITH) and LIKE '%x%' (CONTAINS, 2 to 25 characters) on names,
/// `array_has(security_profile_ids, 'x')`, and ORs of those; `tags['k'] = 'v'` as a
/// `TagCondition`, which [`split_tag_conditions`] moves into the request's SearchFilter.
pub(crate) fn search_criterion(expr: &Expr) -> Option<Value> {
    let column = |e: &Expr| match e {
        Expr::Column(c) => Some(c.name.to_lowercase()),
        _ => None,
    };
    let literal = |e: &Expr| match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(v)) | ScalarValue::Utf8View(Some(v)) | ScalarValue::LargeUtf8(Some(v)),
            _,
        ) => Some(v.clone()),
        _ => None,
    };
    let name_field = |c: &str| match c {
        "username" => Some("Username"),
        "first_name" => Some("FirstName"),
        "last_name" => Some("LastName"),
        _ => None,
    };
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Or, right }) => {
            let (l, r) = (search_criterion(left)?, search_criterion(right)?);
            // A tag condition goes to SearchFilter, which is ANDed with the criteria: an OR
            // mixing it with criteria cannot be sent.
            if l.get("TagCondition").is_some() || r.get("TagCondition").is_some() {
                return None;
            }
            Some(json!({ "OrConditions": [l, r] }))
        }
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right })
            if let Some((key, value)) = tag_equality(left, right).or_else(|| tag_equality(right, left)) =>
        {
            Some(json!({ "TagCondition": { "TagKey": key, "TagValue": value } }))
        }
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) => {
            let (c, v) = match (column(left), literal(right), column(right), literal(left)) {
                (Some(c), Some(v), _, _) | (_, _, Some(c), Some(v)) => (c, v),
                _ => return None,
            };
            match c.as_str() {
                "routing_profile_id" => Some(string_condition("RoutingProfileId", &v, "EXACT")),
                "hierarchy_group_id" => {
                    Some(json!({ "HierarchyGroupCondition": { "Value": v, "HierarchyGroupMatchType": "EXACT" } }))
                }
                other => name_field(other).map(|f| string_condition(f, &v, "EXACT")),
            }
        }
        // ILIKE is left to DataFusion: the API's case rules are not documented.
        Expr::Like(like) if !like.negated && !like.case_insensitive && like.escape_char.is_none() => {
            let field = name_field(&column(&like.expr)?)?;
            let pattern = literal(&like.pattern)?;
            let inner = pattern.strip_prefix('%').unwrap_or(&pattern);
            let (core, contains) = match (pattern.starts_with('%'), inner.strip_suffix('%')) {
                (true, Some(core)) => (core, true),
                (false, Some(core)) => (core, false),
                _ => return None,
            };
            if core.is_empty() || core.contains(['%', '_']) {
                return None;
            }
            if contains {
                (2..=25).contains(&core.chars().count()).then(|| string_condition(field, core, "CONTAINS"))
            } else {
                Some(string_condition(field, core, "STARTS_WITH"))
            }
        }
        Expr::ScalarFunction(f) if f.name() == "array_has" && f.args.len() == 2 => {
            (column(&f.args[0])?.as_str() == "security_profile_ids").then_some(())?;
            Some(string_condition("SecurityProfileId", &literal(&f.args[1])?, "EXACT"))
        }
        _ => None,
    }
}

/// `tags['key']` compared with `'value'`: (key, value).
fn tag_equality(access: &Expr, value: &Expr) -> Option<(String, String)> {
    let text = |e: &Expr| match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(v)) | ScalarValue::Utf8View(Some(v)) | ScalarValue::LargeUtf8(Some(v)),
            _,
        ) => Some(v.clone()),
        _ => None,
    };
    let Expr::ScalarFunction(f) = access else { return None };
    match f.args.as_slice() {
        [Expr::Column(c), key] if f.name() == "get_field" && c.name.eq_ignore_ascii_case("tags") => {
            Some((text(key)?, text(value)?))
        }
        _ => None,
    }
}

/// The pushed criteria without their tag conditions, and those conditions (for SearchFilter).
fn split_tag_conditions(v: &Value) -> (Option<Value>, Vec<Value>) {
    let parts: Vec<Value> = match v.get("AndConditions").and_then(Value::as_array) {
        Some(parts) if v.as_object().is_some_and(|o| o.len() == 1) => parts.clone(),
        _ => vec![v.clone()],
    };
    let (tags, rest): (Vec<Value>, Vec<Value>) = parts.into_iter().partition(|p| p.get("TagCondition").is_some());
    let tags = tags.into_iter().filter_map(|t| t.get("TagCondition").cloned()).collect();
    (SearchDef::all_of(rest), tags)
}

/// SearchUsers criteria from their JSON form.
fn criteria(v: &Value) -> UserSearchCriteria {
    let list = |k: &str| v.get(k).and_then(Value::as_array).map(|l| l.iter().map(criteria).collect::<Vec<_>>());
    let text = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    UserSearchCriteria::builder()
        .set_or_conditions(list("OrConditions"))
        .set_and_conditions(list("AndConditions"))
        .set_string_condition(v.get("StringCondition").map(|c| {
            StringCondition::builder()
                .set_field_name(text(c, "FieldName"))
                .set_value(text(c, "Value"))
                .set_comparison_type(text(c, "ComparisonType").map(|t| StringComparisonType::from(t.as_str())))
                .build()
        }))
        .set_hierarchy_group_condition(v.get("HierarchyGroupCondition").map(|c| {
            HierarchyGroupCondition::builder()
                .set_value(text(c, "Value"))
                .set_hierarchy_group_match_type(
                    text(c, "HierarchyGroupMatchType").map(|t| HierarchyGroupMatchType::from(t.as_str())),
                )
                .build()
        }))
        .build()
}

#[async_trait]
impl ApiTable for UsersTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(cx, parent, list_users, "ListUsers", token, page_size)?;
        let rows = out
            .user_summary_list()
            .iter()
            .map(|u| {
                let mut row = summary_row(u.id(), u.arn(), u.username());
                row.insert("last_modified_time".into(), millis(u.last_modified_time()));
                row.insert("last_modified_region".into(), s(u.last_modified_region()));
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx.client(parent).describe_user().instance_id(parent.instance()).user_id(id).send().await;
        Ok(found("DescribeUser", out)?.and_then(|o| o.user().map(user_row)))
    }

    async fn search(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        criteria_json: Option<&Value>,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let (pushed, tags) = criteria_json.map(split_tag_conditions).unwrap_or_default();
        let out = cx
            .client(parent)
            .search_users()
            .instance_id(parent.instance())
            .max_results(page_size)
            .set_next_token(token)
            .set_search_criteria(pushed.as_ref().map(criteria))
            .set_search_filter((!tags.is_empty()).then(|| {
                let condition = |t: &Value| {
                    TagCondition::builder()
                        .set_tag_key(t.get("TagKey").and_then(Value::as_str).map(str::to_owned))
                        .set_tag_value(t.get("TagValue").and_then(Value::as_str).map(str::to_owned))
                        .build()
                };
                UserSearchFilter::builder()
                    .tag_filter(
                        ControlPlaneTagFilter::builder()
                            .set_and_conditions(Some(tags.iter().map(condition).collect()))
                            .build(),
                    )
                    .build()
            }))
            .send()
            .await
            .map_err(|e| from_sdk("SearchUsers", &e))?;
        Ok(Page { rows: out.users().iter().map(search_row).collect(), next: out.next_token().map(str::to_owned) })
    }

    async fn extra(&self, cx: &ScanContext, parent: &Parent, column: &str, row: &mut Row) -> Result<(), ApiFailure> {
        let id = row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        if column == "agent_status" {
            let status =
                super::user_data::current_state(cx, parent, &id).await?.and_then(|s| s.get("status_name").cloned());
            row.insert(column.into(), status.unwrap_or(Value::Null));
            return Ok(());
        }
        if column != "user_proficiencies" {
            return Ok(());
        }
        let client = cx.client(parent);
        let mut pages = client
            .list_user_proficiencies()
            .instance_id(parent.instance())
            .user_id(&id)
            .max_results(100)
            .into_paginator()
            .items()
            .send();
        let mut list = Vec::new();
        while let Some(p) = pages.next().await {
            match p {
                Ok(p) => list.push(json!({ "AttributeName": p.attribute_name(), "AttributeValue": p.attribute_value(), "Level": p.level() })),
                // Deleted during the scan: the get call (if any) already warned; no proficiencies.
                Err(e) if from_sdk("ListUserProficiencies", &e).is_not_found() => break,
                Err(e) => return Err(from_sdk("ListUserProficiencies", &e)),
            }
        }
        row.insert(column.into(), Value::Array(list));
        Ok(())
    }

    async fn create(&self, cx: &WriteContext, row: &Row) -> RowReport {
        write::create(cx, row).await
    }

    async fn delete(&self, cx: &WriteContext, parent: &Parent, target: &Row) -> RowReport {
        write::delete(cx, parent, target).await
    }

    async fn update(&self, cx: &WriteContext, parent: &Parent, target: &Row, changes: &Row) -> RowReport {
        write::update(cx, parent, target, changes).await
    }

    fn setters(&self) -> Vec<&'static str> {
        Setter::operations()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::functions_nested::expr_fn::array_has;
    use datafusion::prelude::{col, lit};

    #[test]
    fn filters_become_search_criteria_only_where_the_api_can_apply_them() {
        let c = |e: Expr| search_criterion(&e);
        assert_eq!(c(col("username").eq(lit("a.b"))), Some(string_condition("Username", "a.b", "EXACT")));
        assert_eq!(c(col("first_name").like(lit("An%"))), Some(string_condition("FirstName", "An", "STARTS_WITH")));
        assert_eq!(c(col("last_name").like(lit("%mit%"))), Some(string_condition("LastName", "mit", "CONTAINS")));
        assert_eq!(c(col("last_name").like(lit("%m%"))), None, "CONTAINS needs 2 to 25 characters");
        assert_eq!(c(col("username").like(lit("a_b%"))), None, "single-character wildcards stay with DataFusion");
        assert_eq!(c(col("username").not_like(lit("a%"))), None);
        assert_eq!(
            c(array_has(col("security_profile_ids"), lit("sp"))),
            Some(string_condition("SecurityProfileId", "sp", "EXACT"))
        );
        assert_eq!(
            c(col("hierarchy_group_id").eq(lit("g"))),
            Some(json!({ "HierarchyGroupCondition": { "Value": "g", "HierarchyGroupMatchType": "EXACT" } }))
        );
        let or = c(col("username").eq(lit("a")).or(col("routing_profile_id").eq(lit("r")))).expect("or");
        assert_eq!(or["OrConditions"].as_array().map(Vec::len), Some(2));
        assert_eq!(c(col("username").eq(lit("a")).or(col("email").eq(lit("e")))), None, "an OR is pushed only whole");
        assert_eq!(c(col("email").eq(lit("e"))), None);
    }
}
