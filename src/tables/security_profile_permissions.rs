//! `aws.connect.security_profile_permissions`: what each security profile grants, one row per
//! (security profile, permission) (ListSecurityProfilePermissions, once per profile).

use async_trait::async_trait;

use super::types::{instance_scope, utf8};
use crate::aws::errors::from_sdk;
use crate::error::ApiFailure;
use crate::provider::table_def::Owner;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct SecurityProfilePermissionsTable;

fn definition() -> TableDef {
    let c = ColumnDef::new;
    TableDef {
        name: "security_profile_permissions",
        description: "Permissions each security profile grants (Users.Create, Users.Delete, RoutingPolicies.Edit, …)",
        scope: Scope::Instance,
        id_columns: vec![],
        label_column: "permission",
        unique_column: None,
        list_op: "ListSecurityProfilePermissions",
        list_page_max: 1000,
        get_op: None,
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: Some(Owner { column: "security_profile_id", table: "security_profiles" }),
        columns: [
            instance_scope(),
            vec![
                c("security_profile_id", utf8(), Cost::Key, "Security profile id"),
                c("permission", utf8(), Cost::List, "Permission, as the API names it (Users.Delete)"),
            ],
        ]
        .concat(),
    }
}

#[async_trait]
impl ApiTable for SecurityProfilePermissionsTable {
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
            .list_security_profile_permissions()
            .instance_id(parent.instance())
            .security_profile_id(parent.owner())
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListSecurityProfilePermissions", &e))?;
        let rows = out
            .permissions()
            .iter()
            .map(|p| {
                let mut row = Row::new();
                row.insert("permission".into(), p.as_str().into());
                row
            })
            .collect();
        Ok(Page { rows, next: out.next_token().map(str::to_owned) })
    }
}
