//! `aws.connect.queues`: queues of each instance (ListQueues; settings need DescribeQueue).

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;

use super::types::{instance_scope, modified, named_item, named_row, s, string_map, tags_json, utf8};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct QueuesTable;

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    TableDef {
        name: "queues",
        description: "Queues of each instance (where contacts wait for an agent)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListQueues",
        list_page_max: 1000,
        get_op: Some("DescribeQueue"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Queue id", "Queue ARN"),
            vec![c("type", utf8(), Cost::List, "STANDARD, or AGENT (an agent's own queue)")],
            modified(),
            vec![
                c("description", utf8(), Get, "Description"),
                c("status", utf8(), Get, "ENABLED or DISABLED"),
                c("hours_of_operation_id", utf8(), Get, "Hours of operation the queue follows"),
                c("max_contacts", DataType::Int32, Get, "Most contacts the queue holds (NULL: no limit)"),
                c("outbound_caller_id_name", utf8(), Get, "Caller id name of outbound calls"),
                c("outbound_caller_id_number_id", utf8(), Get, "Caller id phone number of outbound calls"),
                c("outbound_flow_id", utf8(), Get, "Flow of outbound calls"),
                c("outbound_email_address_id", utf8(), Get, "Email address of outbound emails"),
                c("tags", string_map(), Get, "Tags"),
            ],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for QueuesTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(cx, parent, list_queues, "ListQueues", token, page_size)?;
        let rows = out
            .queue_summary_list()
            .iter()
            .map(|q| {
                let mut row = named_row(q.id(), q.arn(), q.name(), q.last_modified_time(), q.last_modified_region());
                row.insert("type".into(), s(q.queue_type().map(|t| t.as_str())));
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx.client(parent).describe_queue().instance_id(parent.instance()).queue_id(id).send().await;
        let Some(out) = found("DescribeQueue", out)? else { return Ok(None) };
        Ok(out.queue().map(|q| {
            let mut row =
                named_row(q.queue_id(), q.queue_arn(), q.name(), q.last_modified_time(), q.last_modified_region());
            let caller = q.outbound_caller_config();
            row.insert("description".into(), s(q.description()));
            row.insert("status".into(), s(q.status().map(|t| t.as_str())));
            row.insert("hours_of_operation_id".into(), s(q.hours_of_operation_id()));
            row.insert("max_contacts".into(), q.max_contacts().into());
            row.insert("outbound_caller_id_name".into(), s(caller.and_then(|c| c.outbound_caller_id_name())));
            row.insert("outbound_caller_id_number_id".into(), s(caller.and_then(|c| c.outbound_caller_id_number_id())));
            row.insert("outbound_flow_id".into(), s(caller.and_then(|c| c.outbound_flow_id())));
            row.insert(
                "outbound_email_address_id".into(),
                s(q.outbound_email_config().and_then(|c| c.outbound_email_address_id())),
            );
            row.insert("tags".into(), tags_json(q.tags()));
            row
        }))
    }
}
