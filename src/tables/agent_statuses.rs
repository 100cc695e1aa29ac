//! `aws.connect.agent_statuses`: the agent statuses of each instance (ListAgentStatuses).

use async_trait::async_trait;

use super::types::{instance_scope, modified, named_item, named_row, s, utf8};
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct AgentStatusesTable;

fn definition() -> TableDef {
    TableDef {
        name: "agent_statuses",
        description: "Agent statuses of each instance (Available, Offline and custom ones)",
        scope: Scope::Instance,
        id_columns: vec![],
        label_column: "name",
        unique_column: None,
        list_op: "ListAgentStatuses",
        list_page_max: 1000,
        get_op: None,
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Agent status id", "Agent status ARN"),
            vec![ColumnDef::new("type", utf8(), Cost::List, "ROUTABLE, CUSTOM or OFFLINE")],
            modified(),
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for AgentStatusesTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(cx, parent, list_agent_statuses, "ListAgentStatuses", token, page_size)?;
        let rows = out
            .agent_status_summary_list()
            .iter()
            .map(|a| {
                let mut row = named_row(a.id(), a.arn(), a.name(), a.last_modified_time(), a.last_modified_region());
                row.insert("type".into(), s(a.r#type().map(|t| t.as_str())));
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }
}
