//! `aws.connect.user_data`: who is logged in now and in which status, one row per user with a
//! current state (GetCurrentUserData, 100 users per call). The API answers only for the agents,
//! routing profiles, queues or hierarchy group a filter names, so a scan asks per routing
//! profile (every agent has one); `user_id = …` asks for those agents only.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_connect::types::{Channel, UserData, UserDataFilters};
use datafusion::arrow::datatypes::DataType;
use serde_json::{Value, json};

use super::routing_profiles::RoutingProfilesTable;
use super::types::{instance_scope, list_of, millis, s, struct_of, timestamp, utf8};
use crate::aws::errors::from_sdk;
use crate::error::{ApiFailure, Cause};
use crate::provider::api::whole_listing;
use crate::provider::table_def::Owner;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct UserDataTable;

const CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];

fn slots() -> DataType {
    struct_of(&CHANNELS.map(|c| (c, DataType::Int32)))
}

fn definition() -> TableDef {
    use Cost::List;
    let c = ColumnDef::new;
    TableDef {
        name: "user_data",
        description: "Who is logged in now: each user's current status, since when, slots and contacts per channel",
        scope: Scope::Instance,
        id_columns: vec![("user_id", IdForm::Id)],
        label_column: "user_id",
        unique_column: None,
        list_op: "GetCurrentUserData",
        list_page_max: 100,
        get_op: Some("GetCurrentUserData"),
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: Some(Owner { column: "routing_profile_id", table: "routing_profiles" }),
        columns: [
            instance_scope(),
            vec![
                c("user_id", utf8(), List, "User id"),
                c("user_arn", utf8(), List, "User ARN"),
                c("routing_profile_id", utf8(), Cost::Key, "The user's routing profile"),
                c("routing_profile_arn", utf8(), List, "The routing profile's ARN"),
                c("hierarchy_group_id", utf8(), List, "The user's hierarchy group (its lowest level)"),
                c("status_name", utf8(), List, "Current agent status (Available, Offline, Lunch, …)"),
                c("status_arn", utf8(), List, "The agent status's ARN"),
                c("status_start_time", timestamp(), List, "When the user entered the status"),
                c("next_status", utf8(), List, "Status the user goes to after the current contacts"),
                c("available_slots", slots(), List, "Contacts the user can still take, per channel"),
                c("active_slots", slots(), List, "Contacts the user handles now, per channel"),
                c("max_slots", slots(), List, "Most contacts at once, per channel (from the routing profile)"),
                c("contacts_in_progress", DataType::Int32, List, "Number of contacts the user handles now"),
                c(
                    "contacts",
                    list_of(struct_of(&[
                        ("contact_id", utf8()),
                        ("channel", utf8()),
                        ("initiation_method", utf8()),
                        ("state", utf8()),
                        ("state_start_time", timestamp()),
                        ("connected_to_agent_time", timestamp()),
                        ("queue_id", utf8()),
                    ])),
                    List,
                    "The contacts the user handles now",
                ),
            ],
        ]
        .concat(),
    }
}

fn per_channel(counts: Option<&HashMap<Channel, i32>>) -> Value {
    counts.map_or(Value::Null, |m| {
        Value::Object(m.iter().map(|(c, n)| (c.as_str().to_owned(), Value::from(*n))).collect())
    })
}

fn row_of(d: &UserData) -> Row {
    let mut row = Row::new();
    let path = d.hierarchy_path();
    let lowest = path.and_then(|p| {
        [p.level_five(), p.level_four(), p.level_three(), p.level_two(), p.level_one()].into_iter().flatten().next()
    });
    let status = d.status();
    row.insert("user_id".into(), s(d.user().and_then(|u| u.id())));
    row.insert("user_arn".into(), s(d.user().and_then(|u| u.arn())));
    row.insert("routing_profile_id".into(), s(d.routing_profile().and_then(|r| r.id())));
    row.insert("routing_profile_arn".into(), s(d.routing_profile().and_then(|r| r.arn())));
    row.insert("hierarchy_group_id".into(), s(lowest.and_then(|g| g.id())));
    row.insert("status_name".into(), s(status.and_then(|x| x.status_name())));
    row.insert("status_arn".into(), s(status.and_then(|x| x.status_arn())));
    row.insert("status_start_time".into(), millis(status.and_then(|x| x.status_start_timestamp())));
    row.insert("next_status".into(), s(d.next_status()));
    row.insert("available_slots".into(), per_channel(d.available_slots_by_channel()));
    row.insert("active_slots".into(), per_channel(d.active_slots_by_channel()));
    row.insert("max_slots".into(), per_channel(d.max_slots_by_channel()));
    row.insert("contacts_in_progress".into(), d.contacts().len().into());
    let contacts: Vec<Value> = d
        .contacts()
        .iter()
        .map(|c| {
            json!({
                "contact_id": c.contact_id(),
                "channel": c.channel().map(Channel::as_str),
                "initiation_method": c.initiation_method().map(|m| m.as_str()),
                "state": c.agent_contact_state().map(|m| m.as_str()),
                "state_start_time": millis(c.state_start_timestamp()),
                "connected_to_agent_time": millis(c.connected_to_agent_timestamp()),
                "queue_id": c.queue().and_then(|q| q.id()),
            })
        })
        .collect();
    row.insert("contacts".into(), contacts.into());
    row
}

fn user_of(row: &Row) -> &str {
    row.get("user_id").and_then(Value::as_str).unwrap_or_default()
}

/// Every logged-in user's current state in an instance, by user id, read once per statement
/// (ListRoutingProfiles, then GetCurrentUserData per profile, 100 users a call) and shared by
/// every row that asks: `aws.connect.users.agent_status` reads it.
async fn instance_states(cx: &ScanContext, parent: &Parent) -> Result<std::sync::Arc<Vec<Row>>, ApiFailure> {
    let fetch = async {
        let profiles = whole_listing(cx, &RoutingProfilesTable, parent).await?;
        let mut rows = Vec::new();
        for id in profiles.iter().filter_map(|p| p.get("id").and_then(Value::as_str)) {
            let owner = Parent { owner_id: Some(id.to_owned()), ..parent.clone() };
            match whole_listing(cx, &UserDataTable, &owner).await {
                Ok(states) => rows.extend(states.iter().cloned()),
                // Deleted since it was listed: its agents have another profile by now.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        rows.sort_by(|a, b| user_of(a).cmp(user_of(b)));
        Ok(rows)
    };
    cx.listings.listing("user_data by user", parent, fetch).await
}

/// One user's current state (`None`: not logged in).
///
/// # Errors
/// A failing ListRoutingProfiles or GetCurrentUserData.
pub(crate) async fn current_state(cx: &ScanContext, parent: &Parent, user_id: &str) -> Result<Option<Row>, ApiFailure> {
    let states = instance_states(cx, parent).await?;
    Ok(states.binary_search_by(|r| user_of(r).cmp(user_id)).ok().map(|i| states[i].clone()))
}

impl UserDataTable {
    async fn page(
        cx: &ScanContext,
        parent: &Parent,
        filters: UserDataFilters,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = cx
            .client(parent)
            .get_current_user_data()
            .instance_id(parent.instance())
            .filters(filters)
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("GetCurrentUserData", &e))?;
        Ok(Page { rows: out.user_data_list().iter().map(row_of).collect(), next: out.next_token().map(str::to_owned) })
    }
}

#[async_trait]
impl ApiTable for UserDataTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let Some(profile) = parent.owner_id.clone() else {
            return Err(ApiFailure::new("GetCurrentUserData", Cause::Client, "user_data is read per routing profile"));
        };
        let filters = UserDataFilters::builder().routing_profiles(profile).build();
        Self::page(cx, parent, filters, token, page_size).await
    }

    /// One agent's current state; `None` when the agent has none (not logged in) or no such user.
    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let filters = UserDataFilters::builder().agents(id).build();
        let page = Self::page(cx, parent, filters, None, 1).await?;
        Ok(page.rows.into_iter().next())
    }
}
