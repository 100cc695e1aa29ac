//! `aws.connect.quick_connects`: quick connects of each instance (ListQuickConnects; where each
//! one points needs DescribeQuickConnect).

use async_trait::async_trait;

use super::types::{instance_scope, modified, named_item, named_row, s, string_map, tags_json, utf8};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct QuickConnectsTable;

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    TableDef {
        name: "quick_connects",
        description: "Quick connects of each instance (transfer targets: a user, a queue, a phone number or a flow)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListQuickConnects",
        list_page_max: 1000,
        get_op: Some("DescribeQuickConnect"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Quick connect id", "Quick connect ARN"),
            vec![c("type", utf8(), Cost::List, "USER, QUEUE, PHONE_NUMBER or FLOW")],
            modified(),
            vec![
                c("description", utf8(), Get, "Description"),
                c("user_id", utf8(), Get, "The user a USER quick connect transfers to"),
                c("queue_id", utf8(), Get, "The queue a QUEUE quick connect transfers to"),
                c("phone_number", utf8(), Get, "The number a PHONE_NUMBER quick connect dials"),
                c("contact_flow_id", utf8(), Get, "The flow the transfer runs"),
                c("tags", string_map(), Get, "Tags"),
            ],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for QuickConnectsTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(cx, parent, list_quick_connects, "ListQuickConnects", token, page_size)?;
        let rows = out
            .quick_connect_summary_list()
            .iter()
            .map(|q| {
                let mut row = named_row(q.id(), q.arn(), q.name(), q.last_modified_time(), q.last_modified_region());
                row.insert("type".into(), s(q.quick_connect_type().map(|t| t.as_str())));
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out =
            cx.client(parent).describe_quick_connect().instance_id(parent.instance()).quick_connect_id(id).send().await;
        let Some(out) = found("DescribeQuickConnect", out)? else { return Ok(None) };
        Ok(out.quick_connect().map(|q| {
            let mut row = named_row(
                q.quick_connect_id(),
                q.quick_connect_arn(),
                q.name(),
                q.last_modified_time(),
                q.last_modified_region(),
            );
            let config = q.quick_connect_config();
            let user = config.and_then(|c| c.user_config());
            let queue = config.and_then(|c| c.queue_config());
            let flow = config.and_then(|c| c.flow_config()).map(|f| f.contact_flow_id());
            row.insert("type".into(), s(config.map(|c| c.quick_connect_type().as_str())));
            row.insert("description".into(), s(q.description()));
            row.insert("user_id".into(), s(user.map(|u| u.user_id())));
            row.insert("queue_id".into(), s(queue.map(|u| u.queue_id())));
            row.insert("phone_number".into(), s(config.and_then(|c| c.phone_config()).map(|p| p.phone_number())));
            let flow = user.map(|u| u.contact_flow_id()).or(queue.map(|u| u.contact_flow_id())).or(flow);
            row.insert("contact_flow_id".into(), s(flow));
            row.insert("tags".into(), tags_json(q.tags()));
            row
        }))
    }
}
