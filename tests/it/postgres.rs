//! `connectql serve --pg` as Postgres clients use it: the real binary against the emulator,
//! reached by `tokio-postgres` (simple and extended protocols, authentication, types, writes,
//! cancellation) and by the real `psql` (`\dt`, `\d`, a query). Effects are read back through
//! the plain SDK.

use std::process::Command;
use std::time::{Duration, Instant};

use connectql_emulator::EmulatorHandle;
use connectql_emulator::faults::Faults;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use super::serve::Server;
use super::support::{MAIN_REGION, client, demo, ids, listed_user, start, username_is};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

pub(crate) fn serve(emu: &EmulatorHandle, extra: &[&str]) -> Server {
    let mut args = vec!["--pg", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    Server::start(emu, &args)
}

/// `postgresql://connectql@127.0.0.1:PORT/aws` with the token as password.
fn url(s: &Server, password: &str) -> String {
    let pg = s.pg.as_deref().expect("a postgres line");
    let rest = pg.strip_prefix("postgresql://connectql@").unwrap_or_else(|| panic!("postgres line: {pg}"));
    format!("postgresql://connectql:{password}@{rest}")
}

pub(crate) async fn connect(s: &Server) -> Client {
    connect_as(&url(s, &s.token)).await.expect("connects with the token")
}

async fn connect_as(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The rows of a simple query, as text.
pub(crate) async fn simple(c: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    c.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect()),
            _ => None,
        })
        .collect()
}

/// A demo user of the main instance: its id.
async fn a_user(emu: &EmulatorHandle, instance: &str) -> String {
    listed_user(&client(emu, MAIN_REGION), instance, 0).await.id().expect("an id").to_owned()
}

pub(crate) fn sqlstate(e: &tokio_postgres::Error) -> SqlState {
    e.code().cloned().unwrap_or_else(|| panic!("not a server error: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_log_in_with_the_token_only() {
    let emu = demo().await;
    let s = serve(&emu, &[]);
    let pg = s.pg.clone().expect("postgres line");
    assert!(pg.starts_with("postgresql://connectql@127.0.0.1:") && pg.ends_with("/aws"), "{pg}");
    // Wrong password, wrong user, no password, wrong database: refused.
    let wrong = connect_as(&url(&s, "not-the-token")).await.expect_err("wrong password");
    assert_eq!(sqlstate(&wrong), SqlState::INVALID_PASSWORD, "{wrong:?}");
    let other_user = url(&s, &s.token).replace("connectql:", "postgres:");
    assert!(connect_as(&other_user).await.is_err(), "another user is refused");
    let no_password = pg.clone();
    assert!(connect_as(&no_password).await.is_err(), "no password is refused");
    let other_db = url(&s, &s.token).replace("/aws", "/nosuchdb");
    let e = connect_as(&other_db).await.expect_err("another database");
    assert_eq!(sqlstate(&e), SqlState::INVALID_CATALOG_NAME, "{e:?}");
    // The token works, in both protocols, and both names of the table.
    let c = connect(&s).await;
    let users = client(&emu, MAIN_REGION);
    let instance = ids(&emu).await.instance;
    let listed = users.list_users().instance_id(&instance).max_results(1000).send().await.expect("ListUsers");
    let expected = listed.user_summary_list().len().to_string();
    let rows = simple(&c, &format!("SELECT count(*) FROM connect.users WHERE instance_id = '{instance}'")).await;
    assert_eq!(rows, vec![vec![Some(expected.clone())]]);
    let row = c
        .query_one("SELECT count(*) FROM aws.connect.users WHERE instance_id = $1", &[&instance])
        .await
        .expect("extended protocol with a parameter");
    assert_eq!(row.get::<_, i64>(0).to_string(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_column_has_a_type_clients_can_use() {
    let emu = demo().await;
    let s = serve(&emu, &[]);
    let c = connect(&s).await;
    let ids = ids(&emu).await;
    let statement = c.prepare("SELECT * FROM aws.connect.users WHERE id = $1").await.expect("prepares");
    assert_eq!(statement.params(), &[Type::TEXT]);
    let types: Vec<(String, Type)> =
        statement.columns().iter().map(|c| (c.name().to_owned(), c.type_().clone())).collect();
    let of = |name: &str| types.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone()).expect(name);
    assert_eq!(of("username"), Type::TEXT);
    assert_eq!(of("tags"), Type::JSON);
    assert_eq!(of("last_modified_time"), Type::TIMESTAMPTZ);
    assert!(types.iter().all(|(_, t)| *t != Type::UNKNOWN), "{types:?}");
    let user_id = a_user(&emu, &ids.instance).await;
    let row = c.query_one(&statement, &[&user_id]).await.expect("the user");
    // Every column decodes as the type it was announced as, to the value plain SDK calls give
    // (a NULL passes only where the SDK has none).
    let expected = super::oracle_columns::user_rows(&emu).await.remove(&user_id).expect("the user, by the SDK");
    for (i, (name, t)) in types.iter().enumerate() {
        let got: serde_json::Value = match *t {
            Type::TEXT => serde_json::json!(row.try_get::<_, Option<String>>(i).expect(name)),
            Type::JSON => row.try_get::<_, Option<serde_json::Value>>(i).expect(name).unwrap_or_default(),
            Type::TIMESTAMPTZ => serde_json::json!(
                row.try_get::<_, Option<chrono::DateTime<chrono::Utc>>>(i).expect(name).map(|t| t.timestamp_millis())
            ),
            Type::BOOL => serde_json::json!(row.try_get::<_, Option<bool>>(i).expect(name)),
            Type::INT4 => serde_json::json!(row.try_get::<_, Option<i32>>(i).expect(name)),
            Type::INT8 => serde_json::json!(row.try_get::<_, Option<i64>>(i).expect(name)),
            ref other => panic!("{name}: unexpected type {other}"),
        };
        assert_eq!(Some(&got), expected.get(name), "{name} ({t})");
    }
    let described = client(&emu, MAIN_REGION)
        .describe_user()
        .instance_id(&ids.instance)
        .user_id(&user_id)
        .send()
        .await
        .expect("DescribeUser");
    let user = described.user().expect("user");
    assert_eq!(row.get::<_, Option<String>>("username").as_deref(), user.username());
    let tags: Option<serde_json::Value> = row.get("tags");
    let expected: serde_json::Map<String, serde_json::Value> = user
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect())
        .unwrap_or_default();
    assert_eq!(tags.unwrap_or(serde_json::Value::Object(Default::default())), serde_json::Value::Object(expected));
    // A join across tables, in the simple protocol.
    let joined = simple(
        &c,
        &format!(
            "SELECT u.username, r.name FROM aws.connect.users u JOIN aws.connect.routing_profiles r \
             ON u.routing_profile_id = r.id AND u.instance_id = r.instance_id WHERE u.id = '{user_id}'"
        ),
    )
    .await;
    assert_eq!(joined.len(), 1, "{joined:?}");
    assert_eq!(joined[0][0].as_deref(), user.username());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_their_sqlstate() {
    let emu = start(connectql_emulator::EmulatorConfig {
        faults: Faults { deny: vec!["ListUsers".to_owned()], ..Faults::default() },
        ..connectql_emulator::EmulatorConfig::default()
    })
    .await;
    let s = serve(&emu, &[]);
    let c = connect(&s).await;
    let e = c.simple_query("SELEC 1").await.expect_err("syntax");
    assert_eq!(sqlstate(&e), SqlState::SYNTAX_ERROR);
    let e = c.query("SELECT * FROM connect.nope", &[]).await.expect_err("unknown table");
    assert_eq!(sqlstate(&e), SqlState::UNDEFINED_TABLE);
    let e = c.simple_query("SELECT username FROM connect.users").await.expect_err("denied by AWS");
    assert_eq!(sqlstate(&e), SqlState::INTERNAL_ERROR);
    let message = e.as_db_error().expect("db error").message().to_owned();
    assert!(message.contains("ListUsers") && message.contains("AccessDeniedException"), "{message}");
    // The connection is still usable after errors.
    assert_eq!(simple(&c, "SELECT 1 + 1").await, vec![vec![Some("2".to_owned())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_follow_the_servers_policy() {
    let emu = demo().await;
    let ids = ids(&emu).await;
    let user_id = a_user(&emu, &ids.instance).await;
    let sdk = client(&emu, MAIN_REGION);
    {
        let s = serve(&emu, &[]);
        let c = connect(&s).await;
        let writes = |calls: &connectql_emulator::CallCounts| {
            calls
                .iter()
                .filter(|(op, _)| !op.starts_with("List") && !op.starts_with("Describe") && !op.starts_with("Search"))
                .map(|(_, n)| n)
                .sum::<u64>()
        };
        let before = writes(&emu.emulator.calls());
        for sql in [
            format!("UPDATE aws.connect.users SET first_name = 'X' WHERE id = '{user_id}'"),
            format!("DELETE FROM aws.connect.users WHERE id = '{user_id}'"),
        ] {
            let e = c.simple_query(&sql).await.expect_err("read-only");
            assert_eq!(sqlstate(&e), SqlState::INSUFFICIENT_PRIVILEGE, "{sql}: {e:?}");
            assert!(e.as_db_error().expect("db").message().contains("--allow-writes"), "{e:?}");
        }
        assert_eq!(writes(&emu.emulator.calls()), before, "nothing was written");
    }
    let s = serve(&emu, &["--allow-writes"]);
    let c = connect(&s).await;
    // An UPDATE with bound parameters, through the extended protocol.
    let n = c
        .execute("UPDATE aws.connect.users SET first_name = $1 WHERE id = $2", &[&"Pgwire", &user_id])
        .await
        .expect("update");
    assert_eq!(n, 1);
    let user = sdk.describe_user().instance_id(&ids.instance).user_id(&user_id).send().await.expect("DescribeUser");
    assert_eq!(user.user().and_then(|u| u.identity_info()).and_then(|i| i.first_name()), Some("Pgwire"));
    // An INSERT with a password: created, and the password is nowhere in what the server says.
    let insert = format!(
        "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, routing_profile_id, \
         security_profile_ids, phone_type) VALUES ('{}', 'pg.user', '{PASSWORD}', 'Pg', 'User', '{}', ['{}'], 'SOFT_PHONE')",
        ids.instance, ids.routing, ids.supervisor
    );
    let done = c.simple_query(&insert).await.expect("insert");
    let inserted = done.iter().find_map(|m| match m {
        SimpleQueryMessage::CommandComplete(n) => Some(*n),
        _ => None,
    });
    assert_eq!(inserted, Some(1));
    let found = sdk
        .search_users()
        .instance_id(&ids.instance)
        .search_criteria(username_is("pg.user"))
        .send()
        .await
        .expect("SearchUsers");
    assert_eq!(found.users().len(), 1, "created");
    // The guards hold: an unqualified DELETE and a change above the threshold are refused.
    let e = c.simple_query("DELETE FROM aws.connect.users").await.expect_err("unqualified");
    assert_eq!(sqlstate(&e), SqlState::INSUFFICIENT_PRIVILEGE);
    let e = c
        .simple_query(&format!(
            "UPDATE aws.connect.users SET first_name = 'Many' WHERE instance_id = '{}'",
            ids.instance
        ))
        .await
        .expect_err("above the threshold without --yes");
    assert_eq!(sqlstate(&e), SqlState::INSUFFICIENT_PRIVILEGE, "{e:?}");
    // ROLLBACK cannot undo: the client is told.
    let messages = c
        .simple_query(&format!(
            "BEGIN; UPDATE aws.connect.users SET first_name = 'Again' WHERE id = '{user_id}'; ROLLBACK"
        ))
        .await
        .expect("a transaction block");
    assert!(messages.iter().any(|m| matches!(m, SimpleQueryMessage::CommandComplete(1))), "{messages:?}");
    assert!(!s.stderr().contains(PASSWORD), "the password is not logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_request_stops_the_calls() {
    let emu = start(connectql_emulator::EmulatorConfig {
        faults: Faults { latency_ms: 200, ..Faults::default() },
        ..connectql_emulator::EmulatorConfig::default()
    })
    .await;
    let s = serve(&emu, &["--concurrency", "2"]);
    let c = connect(&s).await;
    let token = c.cancel_token();
    let described = || emu.emulator.calls_of("DescribeUser");
    // Every column: a DescribeUser per user, 200 ms each, two at a time.
    let query = tokio::spawn(async move { c.simple_query("SELECT * FROM aws.connect.users").await.map(|_| ()) });
    let deadline = Instant::now() + Duration::from_secs(30);
    while described() == 0 {
        assert!(Instant::now() < deadline, "the query never started describing users");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    token.cancel_query(NoTls).await.expect("cancel request");
    let e = query.await.expect("task").expect_err("cancelled");
    assert_eq!(sqlstate(&e), SqlState::QUERY_CANCELED, "{e:?}");
    let at_cancel = described();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // At most the calls in flight when it was cancelled finish; none start after.
    assert!(described() <= at_cancel + 2, "calls went on: {at_cancel} then {}", described());
    let users = emu.emulator.calls_of("ListUsers");
    assert!(described() < 300, "the scan did not run to its end ({} DescribeUser, {users} ListUsers)", described());
}

/// The real psql: `\dt`, `\d`, `\d+`, `\du`, `\df`, `\dT`, `\dn`, `\l` and a query, in each
/// database `\l` lists. Fails (never skips) without psql on the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_lists_describes_and_queries() {
    let emu = demo().await;
    let s = serve(&emu, &[]);
    let url = url(&s, &s.token);
    let psql = |args: &[&str]| {
        let out = Command::new("psql")
            .arg(&url)
            .args(["-X", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .env_remove("PGPASSWORD")
            .output()
            .expect("psql is installed (Debian: postgresql-client)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "psql {args:?}: {text}{}", String::from_utf8_lossy(&out.stderr));
        text
    };
    let tables = psql(&["-c", r"\dt connect.*"]);
    for t in ["users", "routing_profiles", "security_profiles"] {
        assert!(tables.lines().any(|l| l.contains(" connect ") && l.contains(&format!(" {t} "))), "{t}:\n{tables}");
    }
    let columns = psql(&["-c", r"\d connect.users"]);
    for c in ["username", "first_name", "tags", "last_modified_time"] {
        assert!(columns.lines().any(|l| l.trim_start().starts_with(c)), "{c}:\n{columns}");
    }
    let ids = ids(&emu).await;
    let listed = client(&emu, MAIN_REGION)
        .list_users()
        .instance_id(&ids.instance)
        .max_results(1000)
        .send()
        .await
        .expect("ListUsers");
    let query = format!("SELECT count(*) FROM connect.users WHERE instance_id = '{}'", ids.instance);
    let count = psql(&["-t", "-A", "-c", &query]);
    assert_eq!(count.trim(), listed.user_summary_list().len().to_string());

    // The other meta-commands: roles, the long description, functions, types, databases.
    let roles = psql(&["-c", r"\du"]);
    assert!(roles.lines().any(|l| l.trim_start().starts_with("connectql ")), "{roles}");
    let long = psql(&["-c", r"\d+ connect.users"]);
    assert!(long.contains("Storage") && long.lines().any(|l| l.trim_start().starts_with("username ")), "{long}");
    // Each column says what reading it costs: email needs a DescribeUser per user, a list column
    // reads as json, as a query returns it.
    let line = |text: &str, column: &str| {
        text.lines().find(|l| l.trim_start().starts_with(&format!("{column} "))).map(str::to_owned)
    };
    let email = line(&long, "email").expect("email listed");
    assert!(email.contains("DescribeUser"), "{email}");
    assert!(line(&long, "security_profile_ids").is_some_and(|l| l.contains("| json ")), "{long}");
    let tables = psql(&["-c", r"\dt+ connect.*"]);
    assert!(line(&tables, "connect | users").is_some_and(|l| l.contains("0 bytes") && l.contains("users")), "{tables}");
    for command in [r"\df", r"\dT", r"\dn"] {
        psql(&["-c", command]);
    }
    let databases = psql(&["-t", "-A", "-c", r"\l"]);
    let names: Vec<&str> = databases.lines().filter_map(|l| l.split('|').next()).collect();
    assert!(names.contains(&"aws") && names.contains(&"postgres"), "{databases}");
    // Every database \l lists can be connected to, and holds the tables.
    let out = Command::new("psql")
        .arg(url.replace("/aws", "/postgres"))
        .args(["-X", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", &query])
        .env_remove("PGPASSWORD")
        .output()
        .expect("psql");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), listed.user_summary_list().len().to_string());
}

/// With a certificate and key, clients can ask for TLS: the real psql with `sslmode=require`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_connects_over_tls() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let s = serve(&emu, &["--pg-tls-cert", cert.to_str().expect("utf8"), "--pg-tls-key", key.to_str().expect("utf8")]);
    let printed = s.pg.clone().expect("postgres line");
    assert!(printed.ends_with("/aws?sslmode=require"), "{printed}");
    let out = Command::new("psql")
        .arg(url(&s, &s.token))
        .args(["-X", "-c", r"\conninfo", "-c", "SELECT 1 AS one"])
        .output()
        .expect("psql is installed (Debian: postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("SSL connection"), "{text}");
}

/// psql's `\copy (…) TO 'file' CSV HEADER` (a `COPY … TO STDOUT` on the wire): the file holds
/// the header and every user of the instance, as the SDK lists them; psql says `COPY n`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_copies_a_query_to_a_local_file() {
    let emu = demo().await;
    let s = serve(&emu, &[]);
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("users.csv");
    let out = Command::new("psql")
        .arg(url(&s, &s.token))
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!(
            "\\copy (SELECT username FROM connect.users WHERE instance_id = '{}' ORDER BY username) TO '{}' CSV HEADER",
            i.instance,
            file.display()
        ))
        .env_remove("PGPASSWORD")
        .output()
        .expect("psql is installed (Debian: postgresql-client)");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    let mut expected = Vec::new();
    let mut pages = client(&emu, MAIN_REGION).list_users().instance_id(&i.instance).into_paginator().send();
    while let Some(page) = pages.next().await {
        expected.extend(
            page.expect("ListUsers").user_summary_list().iter().filter_map(|u| u.username()).map(str::to_owned),
        );
    }
    expected.sort();
    assert_eq!(said.trim(), format!("COPY {}", expected.len()));
    let written = std::fs::read_to_string(&file).expect("the file psql wrote");
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("username"));
    assert_eq!(lines.map(str::to_owned).collect::<Vec<_>>(), expected);
}
