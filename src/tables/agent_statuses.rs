//! `aws.connect.agent_statuses`: the agent statuses of each instance (ListAgentStatuses).

use async_trait::async_trait;

use super::types::{named_row, s, timestamp, utf8};
use crate::aws::errors::ApiCallError;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub struct AgentStatusesTable;

fn definition() -> TableDef {
    use Cost::{Key, List};
    let c = ColumnDef::new;
    TableDef {
        name: "agent_statuses",
        description: "Agent statuses of each instance (Available, Offline and custom ones)",
        scope: Scope::Instance,
        id_columns: vec![],
        list_op: "ListAgentStatuses",
        list_page_max: 1000,
        get_op: None,
        listing_cached: true,
        search: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the instance"),
            c("instance_id", utf8(), Key, "Connect instance id"),
            c("instance_arn", utf8(), Key, "Connect instance ARN"),
            c("id", utf8(), List, "Agent status id"),
            c("arn", utf8(), List, "Agent status ARN"),
            c("name", utf8(), List, "Name"),
            c("type", utf8(), List, "ROUTABLE, CUSTOM or OFFLINE"),
            c("last_modified_time", timestamp(), List, "When the status was last changed"),
            c("last_modified_region", utf8(), List, "Region of the last change"),
        ],
    }
}

#[async_trait]
impl ApiTable for AgentStatusesTable {
    crate::declared_once!(definition);

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
            .list_agent_statuses()
            .instance_id(parent.instance())
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| ApiCallError::from_sdk("ListAgentStatuses", &e))?;
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
