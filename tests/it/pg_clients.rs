//! The Postgres listener with the clients people already have, driven for real: Python's
//! SQLAlchemy 2 + psycopg 3 + pandas, and pgcli (the interpreter in `CONNECTQL_TEST_PYTHON`,
//! else `python3`; `.ci/run` installs them in a virtual environment). A missing client fails the
//! test, never skips it. Expected values come from plain SDK calls.

use std::process::Command;

use serde_json::Value;

use super::postgres::serve;
use super::support::{MAIN_REGION, client, demo, ids};

fn python() -> String {
    std::env::var("CONNECTQL_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs a client script from `tests/it/clients` and reads the JSON it prints.
fn run_script(script: &str, args: &[&str]) -> Value {
    let path = format!("{}/tests/it/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} runs (set CONNECTQL_TEST_PYTHON, see .ci/run): {e}", python()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{script} printed {stdout}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("a list").iter().map(|s| s.as_str().expect("text").to_owned()).collect()
}

/// pandas and SQLAlchemy: connect, `inspect()` (schemas, tables, columns as queries return
/// them, no keys or indexes), `read_sql` with a `datetime` and a `LIMIT` parameter,
/// `read_sql_table`. Each step failed before (the version string, `to_regtype`, `LIKE …
/// ESCAPE '/'`, `pg_get_serial_sequence`, `unnest(indkey)`, a timestamp parameter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlalchemy_and_pandas_work_on_the_first_try() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = serve(&emu, &[]);
    let pg = s.pg.as_deref().expect("a postgres line");
    let rest = pg.strip_prefix("postgresql://connectql@").expect("the listener's URL");
    let url = format!("postgresql+psycopg://connectql:{}@{rest}", s.token);
    let got = run_script("sqlalchemy_pandas.py", &[&url, &i.instance]);

    assert!(got["server_version"][0].as_i64().is_some_and(|v| v >= 12), "{got}");
    assert_eq!(got["default_schema"], "connect");
    assert!(strings(&got["schemas"]).contains(&"connect".to_owned()), "{got}");
    let mut tables = strings(&got["tables"]);
    tables.sort();
    assert_eq!(
        tables,
        [
            "agent_statuses",
            "instances",
            "routing_profiles",
            "security_profiles",
            "user_hierarchy_groups",
            "user_hierarchy_structure",
            "users"
        ]
    );
    let inspected: Vec<String> =
        got["columns"].as_array().expect("columns").iter().map(|c| c[0].as_str().expect("a name").to_owned()).collect();
    assert_eq!(inspected, strings(&got["query_columns"]), "inspect() and a query agree on the columns");
    assert_eq!(got["pk"], serde_json::json!([]));
    assert_eq!(got["indexes"], serde_json::json!([]));
    assert_eq!(got["foreign_keys"], serde_json::json!([]));

    let sdk = client(&emu, MAIN_REGION);
    let mut usernames = Vec::new();
    let mut pages = sdk.list_users().instance_id(&i.instance).into_paginator().send();
    while let Some(page) = pages.next().await {
        // `last_modified_time > 2001-01-01`: a user without one is not returned.
        let since = aws_sdk_connect::primitives::DateTime::from_secs(978_307_200);
        usernames.extend(
            page.expect("ListUsers")
                .user_summary_list()
                .iter()
                .filter(|u| u.last_modified_time().is_some_and(|t| *t > since))
                .filter_map(|u| u.username())
                .map(str::to_owned),
        );
    }
    usernames.sort();
    usernames.truncate(5);
    assert_eq!(strings(&got["read_sql"]), usernames);
    assert!(got["read_sql_time_type"].as_str().is_some_and(|t| t.starts_with("datetime64")), "{got}");

    let mut profiles = Vec::new();
    for instance in sdk.list_instances().send().await.expect("instances").instance_summary_list() {
        let rps = sdk.list_routing_profiles().instance_id(instance.id().expect("id")).send().await.expect("profiles");
        profiles.extend(rps.routing_profile_summary_list().iter().filter_map(|p| p.name()).map(str::to_owned));
    }
    profiles.sort();
    assert_eq!(strings(&got["read_sql_table"]), profiles);
}

/// pgcli: its completion refresh runs every catalog query without an error (one failure leaves
/// the shell with no completion: `relkind = ANY(%s)` with the kinds as an untyped `{r,p,f}`,
/// `proargtypes::regtype[]`, `prorettype::regtype::text` failed before), then it completes
/// connectql's tables after `connect.` and a table's columns in a SELECT list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgcli_completes_tables_and_columns() {
    let emu = demo().await;
    let s = serve(&emu, &[]);
    let pg = s.pg.as_deref().expect("a postgres line");
    let url = pg.replacen("connectql@", &format!("connectql:{}@", s.token), 1);
    let got = run_script("pgcli_completion.py", &[&url]);
    assert_eq!(strings(&got["search_path"]), ["pg_catalog", "connect"]);
    let tables = strings(&got["tables"]);
    for t in ["users", "routing_profiles", "security_profiles", "instances", "agent_statuses"] {
        assert!(tables.contains(&t.to_owned()), "{t} after `connect.`: {tables:?}");
    }
    let columns = strings(&got["columns"]);
    for c in ["username", "first_name", "routing_profile_id", "security_profile_ids", "last_modified_time"] {
        assert!(columns.contains(&c.to_owned()), "{c} in a SELECT list: {columns:?}");
    }
    assert!(got["functions"].as_u64().is_some_and(|n| n > 0), "{got}");
}
