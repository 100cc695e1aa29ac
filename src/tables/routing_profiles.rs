//! `aws.connect.routing_profiles`: routing profiles of each instance (ListRoutingProfiles;
//! settings need DescribeRoutingProfile).

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use serde_json::json;

use super::types::{
    instance_scope, list_of, modified, named_item, named_row, s, string_map, struct_of, tags_json, utf8,
};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct RoutingProfilesTable;

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    TableDef {
        name: "routing_profiles",
        description: "Routing profiles of each instance (the queues and channels agents take contacts from)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListRoutingProfiles",
        list_page_max: 1000,
        get_op: Some("DescribeRoutingProfile"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Routing profile id", "Routing profile ARN"),
            modified(),
            vec![
                c("description", utf8(), Get, "Description"),
                c("default_outbound_queue_id", utf8(), Get, "Queue for outbound calls"),
                c(
                    "media_concurrencies",
                    list_of(struct_of(&[("Channel", utf8()), ("Concurrency", DataType::Int32)])),
                    Get,
                    "Contacts an agent can handle at once, per channel",
                ),
                c("number_of_associated_queues", DataType::Int64, Get, "Queues in the profile"),
                c("number_of_associated_users", DataType::Int64, Get, "Users assigned the profile"),
                c("is_default", DataType::Boolean, Get, "The instance's default profile"),
                c("agent_availability_timer", utf8(), Get, "How agent idle time is measured"),
                c("tags", string_map(), Get, "Tags"),
            ],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for RoutingProfilesTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(cx, parent, list_routing_profiles, "ListRoutingProfiles", token, page_size)?;
        let rows = out
            .routing_profile_summary_list()
            .iter()
            .map(|p| named_row(p.id(), p.arn(), p.name(), p.last_modified_time(), p.last_modified_region()))
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx
            .client(parent)
            .describe_routing_profile()
            .instance_id(parent.instance())
            .routing_profile_id(id)
            .send()
            .await;
        let Some(out) = found("DescribeRoutingProfile", out)? else { return Ok(None) };
        Ok(out.routing_profile().map(|p| {
            let mut row = named_row(
                p.routing_profile_id(),
                p.routing_profile_arn(),
                p.name(),
                p.last_modified_time(),
                p.last_modified_region(),
            );
            row.insert("description".into(), s(p.description()));
            row.insert("default_outbound_queue_id".into(), s(p.default_outbound_queue_id()));
            row.insert(
                "media_concurrencies".into(),
                p.media_concurrencies()
                    .iter()
                    .map(|m| json!({ "Channel": m.channel().as_str(), "Concurrency": m.concurrency() }))
                    .collect(),
            );
            row.insert("number_of_associated_queues".into(), p.number_of_associated_queues().into());
            row.insert("number_of_associated_users".into(), p.number_of_associated_users().into());
            row.insert("is_default".into(), p.is_default().into());
            row.insert("agent_availability_timer".into(), s(p.agent_availability_timer().map(|t| t.as_str())));
            row.insert("tags".into(), tags_json(p.tags()));
            row
        }))
    }
}
