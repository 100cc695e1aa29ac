//! `aws.connect.routing_profile_queues`: the queues each routing profile takes contacts from,
//! one row per (routing profile, queue, channel) (ListRoutingProfileQueues, once per profile).

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;

use super::types::{instance_scope, s, utf8};
use crate::aws::errors::from_sdk;
use crate::error::ApiFailure;
use crate::provider::table_def::Owner;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct RoutingProfileQueuesTable;

fn definition() -> TableDef {
    use Cost::List;
    let c = ColumnDef::new;
    TableDef {
        name: "routing_profile_queues",
        description: "Queues each routing profile takes contacts from, per channel, with priority and delay",
        scope: Scope::Instance,
        id_columns: vec![],
        label_column: "queue_name",
        unique_column: None,
        list_op: "ListRoutingProfileQueues",
        list_page_max: 100,
        get_op: None,
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: Some(Owner { column: "routing_profile_id", table: "routing_profiles" }),
        columns: [
            instance_scope(),
            vec![
                c("routing_profile_id", utf8(), Cost::Key, "Routing profile id"),
                c("queue_id", utf8(), List, "Queue id"),
                c("queue_arn", utf8(), List, "Queue ARN"),
                c("queue_name", utf8(), List, "Queue name"),
                c("channel", utf8(), List, "VOICE, CHAT, TASK or EMAIL"),
                c("priority", DataType::Int32, List, "Priority of the queue's contacts (1 first)"),
                c("delay", DataType::Int32, List, "Seconds a contact waits before agents of this profile get it"),
            ],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for RoutingProfileQueuesTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = cx
            .client(parent)
            .list_routing_profile_queues()
            .instance_id(parent.instance())
            .routing_profile_id(parent.owner())
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListRoutingProfileQueues", &e))?;
        let rows = out
            .routing_profile_queue_config_summary_list()
            .iter()
            .map(|q| {
                let mut row = crate::provider::Row::new();
                row.insert("queue_id".into(), q.queue_id().into());
                row.insert("queue_arn".into(), q.queue_arn().into());
                row.insert("queue_name".into(), q.queue_name().into());
                row.insert("channel".into(), s(Some(q.channel().as_str())));
                row.insert("priority".into(), q.priority().into());
                row.insert("delay".into(), q.delay().into());
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }
}
