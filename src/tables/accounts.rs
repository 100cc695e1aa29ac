//! `aws.connect.accounts`: whose credentials a statement uses (STS GetCallerIdentity), per
//! region read: the account the other tables' rows belong to, and whether the credentials work.
//! A failure is a row saying so (`credentials_ok = false` with the error), not a failed statement:
//! this is where to look when the other tables fail.

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use serde_json::Value;

use super::types::{s, utf8};
use crate::aws::errors::from_sdk;
use crate::error::ApiFailure;
use crate::provider::{ApiTable, ColumnDef, Cost, Page, Parent, Row, ScanContext, Scope, TableDef};

#[derive(Debug, Clone, Copy)]
pub(crate) struct AccountsTable;

fn definition() -> TableDef {
    use Cost::{Key, List};
    let c = ColumnDef::new;
    TableDef {
        name: "accounts",
        description: "The configured AWS accounts: the identity of each one's credentials and whether they work (STS GetCallerIdentity)",
        scope: Scope::Region,
        id_columns: vec![],
        label_column: "account_id",
        unique_column: None,
        list_op: "GetCallerIdentity",
        list_page_max: 1,
        get_op: None,
        change_stamp: None,
        listing_cached: true,
        search: None,
        writes: None,
        owner: None,
        columns: vec![
            c("region", utf8(), Key, "AWS region of the STS call"),
            c(
                "account_name",
                utf8(),
                List,
                "The account's name in connectql's configuration (--account, --role-arn, the accounts file)",
            ),
            c("account_id", utf8(), List, "AWS account of the credentials"),
            c("arn", utf8(), List, "Who the credentials are: a user, or an assumed role and session"),
            c("user_id", utf8(), List, "The caller's unique id"),
            c("profile", utf8(), List, "The AWS profile in use (NULL: the default credential chain)"),
            c("credentials_ok", DataType::Boolean, List, "The credentials work (STS answered)"),
            c("error", utf8(), List, "Why they do not: the call and the service's own message"),
        ],
    }
}

#[async_trait]
impl ApiTable for AccountsTable {
    crate::provider::table_def::declared_once!(definition);

    async fn list(
        &self,
        cx: &ScanContext,
        parent: &Parent,
        _token: Option<String>,
        _page_size: i32,
    ) -> Result<Page, ApiFailure> {
        let mut row = Row::new();
        row.insert("account_name".into(), s(Some(cx.clients.account_name(parent.account))));
        row.insert("profile".into(), s(cx.clients.profile(parent.account)));
        match cx.clients.sts(parent.account, &parent.region).get_caller_identity().send().await {
            Ok(me) => {
                if let Some(id) = me.account() {
                    cx.clients.learn_account_id(parent.account, id);
                }
                row.insert("account_id".into(), s(me.account()));
                row.insert("arn".into(), s(me.arn()));
                row.insert("user_id".into(), s(me.user_id()));
                row.insert("credentials_ok".into(), Value::Bool(true));
            }
            Err(e) => {
                row.insert("credentials_ok".into(), Value::Bool(false));
                row.insert("error".into(), from_sdk("GetCallerIdentity", &e).call_text().into());
            }
        }
        Ok(Page { rows: vec![row], next: None })
    }
}
