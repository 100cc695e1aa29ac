//! `aws.connect.user_hierarchy_groups`: agent hierarchy groups of each instance
//! (ListUserHierarchyGroups; level and path need DescribeUserHierarchyGroup).

use async_trait::async_trait;
use aws_sdk_connect::types::HierarchyGroupSummary;

use super::types::{instance_scope, modified, named_item, named_row, s, string_map, tags_json, utf8};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct UserHierarchyGroupsTable;

const LEVELS: [&str; 5] = ["one", "two", "three", "four", "five"];

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    let mut columns = [
        instance_scope(),
        named_item("Hierarchy group id", "Hierarchy group ARN"),
        modified(),
        vec![c("level_id", utf8(), Get, "Id of the hierarchy level the group is at")],
    ]
    .concat();
    const IDS: [&str; 5] = ["level_one_id", "level_two_id", "level_three_id", "level_four_id", "level_five_id"];
    const NAMES: [&str; 5] =
        ["level_one_name", "level_two_name", "level_three_name", "level_four_name", "level_five_name"];
    for (id, name) in IDS.into_iter().zip(NAMES) {
        columns.push(c(id, utf8(), Get, "Id of the group's ancestor (or itself) at this level"));
        columns.push(c(name, utf8(), Get, "Name of the group's ancestor (or itself) at this level"));
    }
    columns.push(c("tags", string_map(), Get, "Tags"));
    TableDef {
        name: "user_hierarchy_groups",
        description: "Agent hierarchy groups of each instance, with their path flattened",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListUserHierarchyGroups",
        list_page_max: 1000,
        get_op: Some("DescribeUserHierarchyGroup"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns,
    }
}

#[async_trait]
impl ApiTable for UserHierarchyGroupsTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out = super::types::list_page!(
            cx,
            parent,
            list_user_hierarchy_groups,
            "ListUserHierarchyGroups",
            token,
            page_size
        )?;
        let rows = out
            .user_hierarchy_group_summary_list()
            .iter()
            .map(|g| named_row(g.id(), g.arn(), g.name(), g.last_modified_time(), g.last_modified_region()))
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx
            .client(parent)
            .describe_user_hierarchy_group()
            .instance_id(parent.instance())
            .hierarchy_group_id(id)
            .send()
            .await;
        let Some(out) = found("DescribeUserHierarchyGroup", out)? else { return Ok(None) };
        Ok(out.hierarchy_group().map(|g| {
            let mut row = named_row(g.id(), g.arn(), g.name(), g.last_modified_time(), g.last_modified_region());
            row.insert("level_id".into(), s(g.level_id()));
            let path = g.hierarchy_path();
            let levels: [Option<&HierarchyGroupSummary>; 5] = [
                path.and_then(|p| p.level_one()),
                path.and_then(|p| p.level_two()),
                path.and_then(|p| p.level_three()),
                path.and_then(|p| p.level_four()),
                path.and_then(|p| p.level_five()),
            ];
            for (name, level) in LEVELS.iter().zip(levels) {
                row.insert(format!("level_{name}_id"), s(level.and_then(|l| l.id())));
                row.insert(format!("level_{name}_name"), s(level.and_then(|l| l.name())));
            }
            row.insert("tags".into(), tags_json(g.tags()));
            row
        }))
    }
}
