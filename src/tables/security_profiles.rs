//! `aws.connect.security_profiles`: security profiles of each instance (ListSecurityProfiles;
//! description and tags need DescribeSecurityProfile).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::types::{named_row, s, string_map, timestamp, utf8};
use crate::aws::errors::{ApiCallError, found};
use crate::provider::{ApiTable, ColumnDef, Cost, IdForm, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub struct SecurityProfilesTable;

fn definition() -> TableDef {
    use Cost::{Get, Key, List};
    let c = ColumnDef::new;
    TableDef {
        name: "security_profiles",
        description: "Security profiles of each instance (what their users may do)",
        scope: Scope::Instance,
        id_columns: vec![("id", IdForm::Id), ("arn", IdForm::Arn)],
        list_op: "ListSecurityProfiles",
        list_page_max: 1000,
        get_op: Some("DescribeSecurityProfile"),
        listing_cached: true,
        search: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the instance"),
            c("instance_id", utf8(), Key, "Connect instance id"),
            c("instance_arn", utf8(), Key, "Connect instance ARN"),
            c("id", utf8(), List, "Security profile id"),
            c("arn", utf8(), List, "Security profile ARN"),
            c("name", utf8(), List, "Name"),
            c("type", utf8(), List, "AWS_MANAGED or CUSTOMER_MANAGED"),
            c("last_modified_time", timestamp(), List, "When the profile was last changed"),
            c("last_modified_region", utf8(), List, "Region of the last change"),
            c("description", utf8(), Get, "Description"),
            c("tags", string_map(), Get, "Tags"),
        ],
    }
}

#[async_trait]
impl ApiTable for SecurityProfilesTable {
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
            .list_security_profiles()
            .instance_id(parent.instance())
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| ApiCallError::from_sdk("ListSecurityProfiles", &e))?;
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

    async fn get(&self, cx: &ScanContext, parent: &Parent, id: &str) -> Result<Option<Row>, ApiCallError> {
        let out = cx
            .connect
            .client(&parent.region)
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
            row.insert("tags".into(), p.tags().map_or(Value::Null, |t| json!(t)));
            row
        }))
    }
}
