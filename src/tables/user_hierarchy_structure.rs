//! `aws.connect.user_hierarchy_structure`: the levels of each instance's agent hierarchy, one
//! row per defined level (DescribeUserHierarchyStructure, one call per instance).

use async_trait::async_trait;
use aws_sdk_connect::types::HierarchyLevel;
use datafusion::arrow::datatypes::DataType;

use super::types::{named_row, timestamp, utf8};
use crate::aws::errors::from_sdk;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct UserHierarchyStructureTable;

fn definition() -> TableDef {
    use Cost::{Key, List};
    let c = ColumnDef::new;
    TableDef {
        name: "user_hierarchy_structure",
        description: "Levels of each instance's agent hierarchy (one row per defined level)",
        scope: Scope::Instance,
        id_columns: vec![],
        label_column: "name",
        unique_column: None,
        list_op: "DescribeUserHierarchyStructure",
        list_page_max: 5,
        get_op: None,
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the instance"),
            super::types::account(),
            c("instance_id", utf8(), Key, "Connect instance id"),
            c("instance_arn", utf8(), Key, "Connect instance ARN"),
            c("level", DataType::Int32, List, "Level number, 1 (top) to 5"),
            c("id", utf8(), List, "Level id"),
            c("arn", utf8(), List, "Level ARN"),
            c("name", utf8(), List, "Level name"),
            c("last_modified_time", timestamp(), List, "When the level was last changed"),
            c("last_modified_region", utf8(), List, "Region of the last change"),
        ],
    }
}

#[async_trait]
impl ApiTable for UserHierarchyStructureTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        _token: Option<String>,
        _page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = cx
            .client(parent)
            .describe_user_hierarchy_structure()
            .instance_id(parent.instance())
            .send()
            .await
            .map_err(|e| from_sdk("DescribeUserHierarchyStructure", &e))?;
        let s = out.hierarchy_structure();
        let levels: [Option<&HierarchyLevel>; 5] = [
            s.and_then(|s| s.level_one()),
            s.and_then(|s| s.level_two()),
            s.and_then(|s| s.level_three()),
            s.and_then(|s| s.level_four()),
            s.and_then(|s| s.level_five()),
        ];
        let rows = levels
            .iter()
            .zip(1..)
            .filter_map(|(l, n)| {
                l.map(|l| {
                    let mut row =
                        named_row(l.id(), l.arn(), l.name(), l.last_modified_time(), l.last_modified_region());
                    row.insert("level".into(), n.into());
                    row
                })
            })
            .collect();
        Ok(Page { rows, next: None })
    }
}
