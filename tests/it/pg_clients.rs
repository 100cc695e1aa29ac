//! The Postgres listener with the clients people already have, driven for real: Python's
//! SQLAlchemy 2 + psycopg 3 + pandas, and pgcli (the interpreter in `CONNECTQL_TEST_PYTHON`,
//! else `python3`; `.ci/run` installs them in a virtual environment), and pgjdbc under the JDK
//! (Debian's `libpostgresql-jdbc-java`, or the jar in `CONNECTQL_TEST_PGJDBC`). A missing client
//! fails the test, never skips it. Expected values come from plain SDK calls.

use std::process::Command;

use serde_json::Value;

use super::postgres::serve;
use super::support::{MAIN_REGION, client, demo, ids};

pub(crate) fn python() -> String {
    std::env::var("CONNECTQL_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs a client script from `tests/it/clients` and reads the JSON it prints.
pub(crate) fn run_script(script: &str, args: &[&str]) -> Value {
    let path = format!("{}/tests/it/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} runs (set CONNECTQL_TEST_PYTHON, see .ci/run): {e}", python()));
    printed_json(script, &out)
}

/// The JSON a client program printed, once it succeeded.
fn printed_json(script: &str, out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{script} printed {stdout}: {e}"))
}

/// The tables of schema `connect`, as every client lists them.
const CONNECT_TABLES: [&str; 14] = [
    "accounts",
    "agent_statuses",
    "hours_of_operations",
    "instances",
    "queues",
    "quick_connects",
    "routing_profile_queues",
    "routing_profiles",
    "security_profile_permissions",
    "security_profiles",
    "user_data",
    "user_hierarchy_groups",
    "user_hierarchy_structure",
    "users",
];

/// `127.0.0.1:PORT/aws`, where a server's Postgres listener is.
fn listener_address(s: &super::serve::Server) -> &str {
    let pg = s.pg.as_deref().expect("a postgres line");
    pg.strip_prefix("postgresql://connectql@").expect("the listener's URL")
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
    let rest = listener_address(&s);
    let url = format!("postgresql+psycopg://connectql:{}@{rest}", s.token);
    let got = run_script("sqlalchemy_pandas.py", &[&url, &i.instance]);

    assert!(got["server_version"][0].as_i64().is_some_and(|v| v >= 12), "{got}");
    assert_eq!(got["default_schema"], "connect");
    assert!(strings(&got["schemas"]).contains(&"connect".to_owned()), "{got}");
    let mut tables = strings(&got["tables"]);
    tables.sort();
    assert_eq!(tables, CONNECT_TABLES);
    let inspected: Vec<String> =
        got["columns"].as_array().expect("columns").iter().map(|c| c[0].as_str().expect("a name").to_owned()).collect();
    assert_eq!(inspected, strings(&got["query_columns"]), "inspect() and a query agree on the columns");
    // A list and a struct: inspect() says JSON, and psycopg reads a query's values as JSON.
    let reflected = |name: &str| got["columns"].as_array().expect("columns").iter().find(|c| c[0] == name).cloned();
    for column in ["security_profile_ids", "identity_info"] {
        assert_eq!(reflected(column).expect("reflected")[1], "JSON", "{column}");
    }
    assert_eq!(got["nested_values"], serde_json::json!(["list", "dict"]));
    // Column comments say what reading the column costs.
    let comment = reflected("email").expect("email")[2].as_str().unwrap_or_default().to_owned();
    assert!(comment.contains("DescribeUser"), "{comment}");
    assert_eq!(got["pk"], serde_json::json!([]));
    assert_eq!(got["indexes"], serde_json::json!([]));
    assert_eq!(got["foreign_keys"], serde_json::json!([]));

    let sdk = client(&emu, MAIN_REGION);
    let usernames = first_usernames_modified_since_2001(&sdk, &i.instance).await;
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

/// A column as the JDBC program prints it: name, type name, `java.sql.Types` number.
fn typed_column(r: &[Value]) -> (String, String, i64) {
    (r[0].as_str().expect("name").to_owned(), r[1].as_str().expect("type").to_owned(), r[2].as_i64().expect("sql type"))
}

/// The first five usernames (in order) of an instance's users modified after 2001-01-01, from
/// ListUsers: what the clients' parameterised query must return.
async fn first_usernames_modified_since_2001(sdk: &aws_sdk_connect::Client, instance: &str) -> Vec<String> {
    let mut usernames = Vec::new();
    let mut pages = sdk.list_users().instance_id(instance).into_paginator().send();
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
    usernames
}

/// pgjdbc, as DBeaver, Metabase and DataGrip use it: every `DatabaseMetaData` call they make
/// answers (keys, indexes, type info, functions, procedures, privileges failed before), the
/// columns it lists carry the types a query returns, the listener is read-only in the
/// privileges it reports, and a prepared statement binds a `Timestamp` and a LIMIT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jdbc_metadata_answers_as_dbeaver_and_metabase_read_it() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = serve(&emu, &[]);
    let rest = listener_address(&s);
    let jar = std::env::var("CONNECTQL_TEST_PGJDBC").unwrap_or_else(|_| "/usr/share/java/postgresql.jar".to_owned());
    assert!(
        std::path::Path::new(&jar).exists(),
        "pgjdbc at {jar} (apt-get install libpostgresql-jdbc-java, see .ci/run)"
    );
    let program = format!("{}/tests/it/clients/JdbcMetadata.java", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("java")
        .args(["-cp", &jar, &program, &format!("jdbc:postgresql://{rest}"), &s.token, &i.instance])
        .output()
        .unwrap_or_else(|e| panic!("java runs (apt-get install default-jdk-headless, see .ci/run): {e}"));
    let got = printed_json("JdbcMetadata.java", &out);
    let rows = |call: &str| -> Vec<Vec<Value>> {
        let v = &got[call];
        assert!(v.get("error").is_none(), "{call}: {}", v["error"]);
        v.as_array()
            .unwrap_or_else(|| panic!("{call}: {v}"))
            .iter()
            .map(|r| r.as_array().expect("a row").clone())
            .collect()
    };
    let first = |call: &str| -> Vec<String> {
        rows(call).iter().map(|r| r[0].as_str().unwrap_or_else(|| panic!("{call}: {r:?}")).to_owned()).collect()
    };

    assert!(got["product"].as_str().is_some_and(|p| p.starts_with("PostgreSQL 16")), "{}", got["product"]);
    assert_eq!(got["user"], "connectql");
    assert!(first("catalogs").contains(&"aws".to_owned()));
    let schemas = first("schemas");
    for schema in ["connect", "information_schema", "pg_catalog"] {
        assert!(schemas.contains(&schema.to_owned()), "{schema} in {schemas:?}");
    }
    let mut tables = first("tables");
    tables.sort();
    assert_eq!(tables, CONNECT_TABLES);
    // The columns listed are the ones a query returns, with the same types.
    let listed: Vec<(String, String, i64)> = rows("columns").iter().map(|r| typed_column(r)).collect();
    // Each column's remark says what reading it costs (DBeaver and Metabase show it).
    let remarks: Vec<(String, String)> =
        rows("columns").iter().map(|r| (r[0].to_string(), r[3].as_str().unwrap_or_default().to_owned())).collect();
    assert!(remarks.iter().all(|(_, r)| !r.is_empty()), "{remarks:?}");
    let remark =
        |c: &str| remarks.iter().find(|(n, _)| n.trim_matches('"') == c).map(|(_, r)| r.clone()).unwrap_or_default();
    assert!(remark("email").contains("DescribeUser") && remark("username").contains("ListUsers"), "{remarks:?}");
    let returned: Vec<(String, String, i64)> = got["query_columns"]
        .as_array()
        .expect("query columns")
        .iter()
        .map(|r| typed_column(r.as_array().expect("a column")))
        .collect();
    let names = |c: &[(String, String, i64)]| c.iter().map(|(n, ..)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&listed), names(&returned));
    // Every column is listed with the type a query returns it as: lists and structs as json.
    assert_eq!(listed, returned);
    for nested in ["security_profile_ids", "identity_info", "tags", "after_contact_work_configs"] {
        assert!(returned.iter().any(|(n, t, _)| n == nested && t == "json"), "{nested} as json: {returned:?}");
    }
    // No table here has keys, indexes or version columns; each call answers, empty.
    for call in ["primary_keys", "imported_keys", "exported_keys", "index_info", "best_row_identifier", "udts"] {
        assert_eq!(rows(call), Vec::<Vec<Value>>::new(), "{call}");
    }
    // pgjdbc answers `ctid` itself, without asking the server's catalog for more.
    assert_eq!(first("version_columns"), ["ctid"]);
    let types = first("type_info");
    for t in ["bool", "int4", "text", "timestamp", "json"] {
        assert!(types.contains(&t.to_owned()), "{t} in {types:?}");
    }
    assert_eq!(first("functions"), ["version"]);
    // Functions are not procedures (pgjdbc lists `prokind = 'p'` only): the call answers.
    rows("procedures");
    rows("function_columns");
    rows("procedure_columns");
    // The listener is read-only: SELECT is the privilege it reports.
    assert_eq!(first("table_privileges"), ["SELECT"]);
    assert!(first("column_privileges").iter().all(|p| p == "SELECT"), "{}", got["column_privileges"]);

    let sdk = client(&emu, MAIN_REGION);
    assert_eq!(first("prepared"), first_usernames_modified_since_2001(&sdk, &i.instance).await);
}

/// node `pg`: a `Date` and numbers as parameters (sent as untyped text: the Date in node's ISO
/// form, `LIMIT $3` as "5", which failed before as text) return the SDK's usernames, and a
/// timestamp column reads back as a `Date`. `pg` is installed by `.ci/run` in
/// target/ci-node (`CONNECTQL_TEST_NODE_PATH` points elsewhere).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_pg_binds_dates_and_numbers() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = serve(&emu, &[]);
    let url = format!("postgresql://connectql:{}@{}", s.token, listener_address(&s));
    let modules = std::env::var("CONNECTQL_TEST_NODE_PATH")
        .unwrap_or_else(|_| format!("{}/target/ci-node/node_modules", env!("CARGO_MANIFEST_DIR")));
    assert!(
        std::path::Path::new(&modules).join("pg").exists(),
        "node's pg in {modules} (npm install --prefix target/ci-node pg, see .ci/run)"
    );
    let program = format!("{}/tests/it/clients/node_pg.js", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("node")
        .arg(&program)
        .args([&url, &i.instance])
        .env("NODE_PATH", &modules)
        .output()
        .unwrap_or_else(|e| panic!("node runs (apt-get install nodejs, see .ci/run): {e}"));
    let got = printed_json("node_pg.js", &out);
    assert!(got["server_version"].as_str().is_some_and(|v| v.starts_with("16")), "{got}");
    let sdk = client(&emu, MAIN_REGION);
    assert_eq!(strings(&got["usernames"]), first_usernames_modified_since_2001(&sdk, &i.instance).await);
    assert_eq!(got["time_is_date"], true);
}
