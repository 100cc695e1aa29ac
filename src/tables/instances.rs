//! `aws.connect.instances`: the Connect instances of each region (ListInstances; tags need
//! DescribeInstance).

use async_trait::async_trait;
use aws_sdk_connect::types::InstanceSummary;
use datafusion::arrow::datatypes::DataType;
use serde_json::{Map, Value};

use super::types::{millis, s, string_map, tags_json, timestamp, utf8};
use crate::aws::errors::{found, from_sdk};
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct InstancesTable;

fn definition() -> TableDef {
    use Cost::{Get, Key, List};
    let c = ColumnDef::new;
    TableDef {
        name: "instances",
        description: "Amazon Connect instances of each region",
        scope: Scope::Region,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "alias",
        unique_column: None,
        list_op: "ListInstances",
        list_page_max: 10,
        get_op: Some("DescribeInstance"),
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region"),
            c("account_id", utf8(), Key, "AWS account of the instance (from its ARN)"),
            c("id", utf8(), List, "Instance id"),
            c("arn", utf8(), List, "Instance ARN"),
            c("alias", utf8(), List, "Instance alias (the access URL's name)"),
            c("identity_management_type", utf8(), List, "CONNECT_MANAGED, SAML or EXISTING_DIRECTORY"),
            c("status", utf8(), List, "ACTIVE, CREATION_IN_PROGRESS or CREATION_FAILED"),
            c("created_time", timestamp(), List, "When the instance was created"),
            c("service_role", utf8(), List, "Service-linked role ARN"),
            c("inbound_calls_enabled", DataType::Boolean, List, "Inbound calls are enabled"),
            c("outbound_calls_enabled", DataType::Boolean, List, "Outbound calls are enabled"),
            c("instance_access_url", utf8(), List, "URL of the admin website"),
            c("tags", string_map(), Get, "Tags"),
        ],
    }
}

/// The members InstanceSummary and Instance share, under the same accessor names.
macro_rules! instance_row {
    ($i:expr) => {{
        let i = $i;
        let mut row = Map::new();
        row.insert("id".into(), s(i.id()));
        row.insert("arn".into(), s(i.arn()));
        row.insert("alias".into(), s(i.instance_alias()));
        row.insert("identity_management_type".into(), s(i.identity_management_type().map(|t| t.as_str())));
        row.insert("status".into(), s(i.instance_status().map(|t| t.as_str())));
        row.insert("created_time".into(), millis(i.created_time()));
        row.insert("service_role".into(), s(i.service_role()));
        row.insert("inbound_calls_enabled".into(), i.inbound_calls_enabled().into());
        row.insert("outbound_calls_enabled".into(), i.outbound_calls_enabled().into());
        row.insert("instance_access_url".into(), s(i.instance_access_url()));
        row
    }};
}

fn summary_row(i: &InstanceSummary) -> Row {
    instance_row!(i)
}

#[async_trait]
impl ApiTable for InstancesTable {
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
            .list_instances()
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListInstances", &e))?;
        Ok(Page {
            rows: out.instance_summary_list().iter().map(summary_row).collect(),
            next: out.next_token().map(str::to_owned),
        })
    }

    fn holds_items(&self, row: &Row) -> bool {
        // Instances still being created (or failed) have nothing to list.
        row.get("status").and_then(Value::as_str).is_none_or(|s| s == "ACTIVE")
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx.client(parent).describe_instance().instance_id(id).send().await;
        let Some(out) = found("DescribeInstance", out)? else { return Ok(None) };
        Ok(out.instance().map(|i| {
            let mut row = instance_row!(i);
            row.insert("tags".into(), tags_json(i.tags()));
            row
        }))
    }
}
