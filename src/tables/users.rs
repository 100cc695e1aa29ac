//! `aws.connect.users`: Amazon Connect users (agents). ListUsers gives id, ARN, username and the
//! modification stamp; everything else needs DescribeUser per user; proficiencies need
//! ListUserProficiencies per user. Column names of StackQL's `aws.connect.users` are kept.

use std::sync::OnceLock;

use async_trait::async_trait;
use aws_sdk_connect::types::User;
use datafusion::arrow::datatypes::DataType;
use serde_json::{Map, Value, json};

use super::types::{list_of, millis, s, string_map, struct_of, timestamp, utf8};
use crate::aws::errors::ApiCallError;
use crate::provider::keys::instance_arn_of;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

/// The users table.
#[derive(Debug, Clone, Copy)]
pub struct UsersTable;

fn channel_list(fields: &[(&str, DataType)]) -> DataType {
    let mut all = vec![("Channel", utf8())];
    all.extend_from_slice(fields);
    list_of(struct_of(&all))
}

fn definition() -> TableDef {
    use Cost::{Get, Key, List, PerRow, WriteOnly};
    let c = ColumnDef::new;
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
        list_op: "ListUsers",
        list_page_max: 1000,
        get_op: Some("DescribeUser"),
        listing_cached: false,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the instance"),
            c("instance_id", utf8(), Key, "Connect instance id"),
            c("instance_arn", utf8(), Key, "Connect instance ARN"),
            c("id", utf8(), List, "User id"),
            c("arn", utf8(), List, "User ARN"),
            c("username", utf8(), List, "Login name"),
            c("first_name", utf8(), Get, "First name"),
            c("last_name", utf8(), Get, "Last name"),
            c("email", utf8(), Get, "Email address"),
            c("secondary_email", utf8(), Get, "Secondary email address (notifications)"),
            c("mobile", utf8(), Get, "Mobile number (E.164)"),
            c("routing_profile_id", utf8(), Get, "Routing profile id"),
            c("routing_profile_arn", utf8(), Get, "Routing profile ARN"),
            c("security_profile_ids", list_of(utf8()), Get, "Security profile ids"),
            c("security_profile_arns", list_of(utf8()), Get, "Security profile ARNs"),
            c("hierarchy_group_id", utf8(), Get, "Agent hierarchy group id (NULL when in no group)"),
            c("hierarchy_group_arn", utf8(), Get, "Agent hierarchy group ARN"),
            c("phone_type", utf8(), Get, "SOFT_PHONE or DESK_PHONE"),
            c("auto_accept", DataType::Boolean, Get, "Contacts are accepted automatically (voice)"),
            c("after_contact_work_time_limit", DataType::Int32, Get, "After-contact work limit in seconds (0 = none)"),
            c("desk_phone_number", utf8(), Get, "Desk phone number (E.164)"),
            c("directory_user_id", utf8(), Get, "Identifier of the user in the identity directory"),
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
            ),
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
            ),
            c("tags", string_map(), Get, "Tags"),
            c(
                "user_proficiencies",
                list_of(struct_of(&[
                    ("AttributeName", utf8()),
                    ("AttributeValue", utf8()),
                    ("Level", DataType::Float64),
                ])),
                PerRow("ListUserProficiencies"),
                "Routing proficiencies (attribute, value, level 1-5)",
            ),
            c(
                "auto_accept_configs",
                channel_list(&[("AutoAccept", DataType::Boolean), ("AgentFirstCallbackAutoAccept", DataType::Boolean)]),
                Get,
                "Auto-accept per channel",
            ),
            c(
                "after_contact_work_configs",
                channel_list(&[
                    ("AfterContactWorkTimeLimit", DataType::Int32),
                    ("AgentFirstCallbackAfterContactWorkTimeLimit", DataType::Int32),
                ]),
                Get,
                "After-contact work limit per channel, in seconds",
            ),
            c(
                "phone_number_configs",
                channel_list(&[("PhoneType", utf8()), ("PhoneNumber", utf8())]),
                Get,
                "Phone type and number per channel",
            ),
            c(
                "persistent_connection_configs",
                channel_list(&[("PersistentConnection", DataType::Boolean)]),
                Get,
                "Persistent connection per channel",
            ),
            c(
                "voice_enhancement_configs",
                channel_list(&[("VoiceEnhancementMode", utf8())]),
                Get,
                "Voice enhancement mode per channel",
            ),
            c("last_modified_time", timestamp(), List, "When the user was last changed"),
            c("last_modified_region", utf8(), List, "Region of the last change"),
            c("user_arn", utf8(), List, "User ARN (StackQL name)"),
            c("user_id", utf8(), List, "User id (StackQL native provider name)"),
            c("data__identifier", utf8(), List, "User ARN (StackQL Cloud Control identifier)"),
            c("password", utf8(), WriteOnly, "Password, for INSERT only: always NULL when read"),
            c(
                "agent_status",
                utf8(),
                WriteOnly,
                "UPDATE … SET agent_status = 'Lunch' sets the agent's status (PutUserStatus); NULL when read",
            ),
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

/// The DescribeUser columns of a user.
pub fn user_row(u: &User) -> Row {
    let mut row = summary_row(u.id(), u.arn(), u.username());
    let instance_arn = u.arn().and_then(instance_arn_of);
    let arn_of = |kind: &str, id: &str| instance_arn.as_ref().map(|i| format!("{i}/{kind}/{id}"));
    let identity = u.identity_info();
    let field = |f: fn(&aws_sdk_connect::types::UserIdentityInfo) -> Option<&str>| s(identity.and_then(f));
    row.insert("first_name".into(), field(|i| i.first_name()));
    row.insert("last_name".into(), field(|i| i.last_name()));
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
    row.insert("routing_profile_id".into(), s(u.routing_profile_id()));
    row.insert("routing_profile_arn".into(), u.routing_profile_id().and_then(|r| arn_of("routing-profile", r)).into());
    row.insert("security_profile_ids".into(), json!(u.security_profile_ids()));
    let sp_arns: Vec<Option<String>> = u.security_profile_ids().iter().map(|i| arn_of("security-profile", i)).collect();
    row.insert("security_profile_arns".into(), json!(sp_arns));
    row.insert("hierarchy_group_id".into(), s(u.hierarchy_group_id()));
    row.insert("hierarchy_group_arn".into(), u.hierarchy_group_id().and_then(|g| arn_of("agent-group", g)).into());
    row.insert("directory_user_id".into(), s(u.directory_user_id()));
    if let Some(p) = u.phone_config() {
        row.insert("phone_type".into(), p.phone_type().as_str().into());
        row.insert("auto_accept".into(), p.auto_accept().into());
        row.insert("after_contact_work_time_limit".into(), p.after_contact_work_time_limit().into());
        row.insert("desk_phone_number".into(), s(p.desk_phone_number()));
        row.insert(
            "phone_config".into(),
            json!({ "PhoneType": p.phone_type().as_str(), "AutoAccept": p.auto_accept(),
                    "AfterContactWorkTimeLimit": p.after_contact_work_time_limit(),
                    "DeskPhoneNumber": p.desk_phone_number(), "PersistentConnection": p.persistent_connection() }),
        );
    }
    row.insert("tags".into(), u.tags().map_or(Value::Null, |t| json!(t)));
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
    row.insert("last_modified_time".into(), millis(u.last_modified_time()));
    row.insert("last_modified_region".into(), s(u.last_modified_region()));
    row
}

#[async_trait]
impl ApiTable for UsersTable {
    fn def(&self) -> &TableDef {
        static DEF: OnceLock<TableDef> = OnceLock::new();
        DEF.get_or_init(definition)
    }

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiCallError> {
        let out = cx
            .connect
            .client(&parent.region)
            .list_users()
            .instance_id(parent.instance())
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| ApiCallError::from_sdk("ListUsers", &e))?;
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

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiCallError> {
        let out =
            cx.connect.client(&parent.region).describe_user().instance_id(parent.instance()).user_id(id).send().await;
        match out {
            Ok(o) => Ok(o.user().map(user_row)),
            Err(e) => {
                let e = ApiCallError::from_sdk("DescribeUser", &e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn extra(&self, cx: &ScanContext, parent: &Parent, column: &str, row: &mut Row) -> Result<(), ApiCallError> {
        if column != "user_proficiencies" {
            return Ok(());
        }
        let id = row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let client = cx.connect.client(&parent.region);
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
                Err(e) if ApiCallError::from_sdk("ListUserProficiencies", &e).is_not_found() => break,
                Err(e) => return Err(ApiCallError::from_sdk("ListUserProficiencies", &e)),
            }
        }
        row.insert(column.into(), Value::Array(list));
        Ok(())
    }
}
