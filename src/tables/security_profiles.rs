//! `aws.connect.security_profiles`: security profiles of each instance (ListSecurityProfiles;
//! description and tags need DescribeSecurityProfile).

use async_trait::async_trait;

use super::types::{instance_scope, modified, named_item, named_row, s, string_map, tags_json, utf8};
use crate::aws::errors::found;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct SecurityProfilesTable;

fn definition() -> TableDef {
    use Cost::Get;
    let c = ColumnDef::new;
    TableDef {
        name: "security_profiles",
        description: "Security profiles of each instance (what their users may do)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        label_column: "name",
        unique_column: None,
        list_op: "ListSecurityProfiles",
        list_page_max: 1000,
        get_op: Some("DescribeSecurityProfile"),
        change_stamp: Some("last_modified_time"),
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: [
            instance_scope(),
            named_item("Security profile id", "Security profile ARN"),
            vec![ColumnDef::new("type", utf8(), Cost::List, "AWS_MANAGED or CUSTOMER_MANAGED")],
            modified(),
            vec![c("description", utf8(), Get, "Description"), c("tags", string_map(), Get, "Tags")],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for SecurityProfilesTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        token: Option<String>,
        page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let out =
            super::types::list_page!(cx, parent, list_security_profiles, "ListSecurityProfiles", token, page_size)?;
        let rows = out
            .security_profile_summary_list()
            .iter()
            .map(|p| {
                let mut row = named_row(p.id(), p.arn(), p.name(), p.last_modified_time(), p.last_modified_region());
                row.insert("type".into(), s(p.r#type().map(|t| t.as_str())));
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiFailure> {
        let out = cx
            .client(parent)
            .describe_security_profile()
            .instance_id(parent.instance())
            .security_profile_id(id)
            .send()
            .await;
        let Some(out) = found("DescribeSecurityProfile", out)? else { return Ok(None) };
        Ok(out.security_profile().map(|p| {
            let mut row =
                named_row(p.id(), p.arn(), p.security_profile_name(), p.last_modified_time(), p.last_modified_region());
            row.insert("type".into(), s(p.r#type().map(|t| t.as_str())));
            row.insert("description".into(), s(p.description()));
            row.insert("tags".into(), tags_json(p.tags()));
            row
        }))
    }
}
