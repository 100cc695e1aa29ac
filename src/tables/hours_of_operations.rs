//! `aws.connect.hours_of_operations`: hours of operation of each instance
//! (ListHoursOfOperations; time zone and weekly hours need DescribeHoursOfOperation).

use async_trait::async_trait;
use aws_sdk_connect::types::HoursOfOperationTimeSlice;
use serde_json::json;

use super::types::{
    instance_scope, list_of, modified, named_item, named_row, s, string_map, struct_of, tags_json, utf8,
};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct HoursOfOperationsTable;

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    TableDef {
        name: "hours_of_operations",
        description: "Hours of operation of each instance (when queues take contacts)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListHoursOfOperations",
        list_page_max: 1000,
        get_op: Some("DescribeHoursOfOperation"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Hours of operation id", "Hours of operation ARN"),
            modified(),
            vec![
                c("description", utf8(), Get, "Description"),
                c("time_zone", utf8(), Get, "Time zone of the hours (America/New_York)"),
                c(
                    "config",
                    list_of(struct_of(&[("day", utf8()), ("start", utf8()), ("end", utf8())])),
                    Get,
                    "Weekly hours: day (MONDAY…), start and end as HH:MM",
                ),
                c("tags", string_map(), Get, "Tags"),
            ],
        ]
        .concat(),
    }
}

fn clock(t: Option<&HoursOfOperationTimeSlice>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| format!("{:02}:{:02}", t.hours(), t.minutes()).into())
}

#[async_trait]
impl ApiTable for HoursOfOperationsTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out =
            super::types::list_page!(cx, parent, list_hours_of_operations, "ListHoursOfOperations", token, page_size)?;
        let rows = out
            .hours_of_operation_summary_list()
            .iter()
            .map(|h| named_row(h.id(), h.arn(), h.name(), h.last_modified_time(), h.last_modified_region()))
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx
            .client(parent)
            .describe_hours_of_operation()
            .instance_id(parent.instance())
            .hours_of_operation_id(id)
            .send()
            .await;
        let Some(out) = found("DescribeHoursOfOperation", out)? else { return Ok(None) };
        Ok(out.hours_of_operation().map(|h| {
            let mut row = named_row(
                h.hours_of_operation_id(),
                h.hours_of_operation_arn(),
                h.name(),
                h.last_modified_time(),
                h.last_modified_region(),
            );
            row.insert("description".into(), s(h.description()));
            row.insert("time_zone".into(), s(h.time_zone()));
            row.insert(
                "config".into(),
                h.config()
                    .iter()
                    .map(|c| {
                        json!({ "day": c.day().as_str(), "start": clock(c.start_time()), "end": clock(c.end_time()) })
                    })
                    .collect(),
            );
            row.insert("tags".into(), tags_json(h.tags()));
            row
        }))
    }
}
