//! A server answers other people: what its clients must not be able to do to it, to each other
//! or to the passwords they send, tried the way an attacker would, on every surface (the console,
//! REST, MCP and the Postgres wire), read-only and with `--allow-writes`.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, COOKIE, SET_COOKIE};

use super::serve::Server;
use super::support::{demo, ids};

const PASSWORD: &str = "VerySecretPw9!";

/// A browser's session on the console: its cookie and the pages' CSRF token.
struct Console<'a> {
    server: &'a Server,
    cookie: String,
    csrf: String,
}

impl<'a> Console<'a> {
    async fn open(server: &'a Server) -> Console<'a> {
        let c = http();
        let r = c.get(server.url(&format!("/?token={}", server.token))).send().await.expect("answer");
        let cookie = r.headers()[SET_COOKIE].to_str().expect("text").split(';').next().expect("pair").to_owned();
        let html = c.get(server.url("/sql")).header(COOKIE, &cookie).send().await.expect("answer");
        let html = html.text().await.expect("html");
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a CSRF field");
        Console { server, cookie, csrf: csrf.to_owned() }
    }

    /// Posts a form (its fields URL-encoded); the status, the Cache-Control header and the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let encode = |v: &str| percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string();
        let body: Vec<String> = all.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let r = http()
            .post(self.server.url(path))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .expect("answer");
        let cache = r.headers().get(CACHE_CONTROL).map(|v| v.to_str().unwrap_or_default().to_owned());
        (r.status(), cache.unwrap_or_default(), r.text().await.expect("body"))
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The SQL page shows the statement back with its password masked, whether the write was
/// refused, failed or went through, and no browser keeps the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_page_never_sends_a_password_back() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let insert = |username: &str, routing: &str| {
        format!(
            "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, \
             security_profile_ids, routing_profile_id) VALUES ('{}', '{username}', '{PASSWORD}', 'Sql', 'Page', ['{}'], '{routing}')",
            i.instance, i.agent
        )
    };
    let read_only = Server::start(&emu, &[]);
    let console = Console::open(&read_only).await;
    let (status, cache, html) = console.post("/sql", &[("sql", &insert("sql.refused", &i.routing))]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("read-only"), "refused: {html}");
    assert!(!html.contains(PASSWORD), "a refused write's page holds the password: {html}");
    assert!(html.contains("sql.refused"), "the rest of the statement is shown back");
    assert_eq!(cache, "no-store");
    // A statement that does not parse is shown back with its possible passwords masked.
    let unclosed = insert("sql.unclosed", &i.routing).trim_end_matches(')').to_owned();
    let (_, _, html) = console.post("/sql", &[("sql", &unclosed)]).await;
    assert!(html.contains("class=\"error\""), "{html}");
    assert!(!html.contains(PASSWORD), "an unparsed statement's page holds the password: {html}");

    let writable = Server::start(&emu, &["--allow-writes"]);
    let console = Console::open(&writable).await;
    let (_, _, html) = console.post("/sql", &[("sql", &insert("sql.failed", "no-such-profile"))]).await;
    assert!(html.contains("ResourceNotFoundException"), "failed: {html}");
    assert!(!html.contains(PASSWORD), "a failed write's page holds the password: {html}");
    let (_, cache, html) = console.post("/sql", &[("sql", &insert("sql.done", &i.routing))]).await;
    assert!(html.contains("<td>1</td>"), "done: {html}");
    assert!(!html.contains(PASSWORD), "a successful write's page holds the password: {html}");
    assert_eq!(cache, "no-store");
    let c = super::support::client(&emu, "us-east-1");
    assert!(!super::support::user_id_named(&c, &i.instance, "sql.done").await.is_empty(), "it was created");
}

/// A password in a tool argument the server refuses or cannot read, and in a statement a
/// Postgres client sends that does not parse, reaches no answer and no audit line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_in_refused_and_unreadable_requests_stay_masked() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("dir");
    let audit = dir.path().join("audit.jsonl");
    let s = Server::start(&emu, &["--pg", "127.0.0.1:0", "--audit-log", audit.to_str().expect("utf8")]);
    let c = super::mcp::http(&s).await;
    let body = serde_json::json!({ "Username": "json.text", "Password": PASSWORD }).to_string();
    let (refused, error) = super::mcp::call(
        &c,
        "amazon-connect-create-user",
        serde_json::json!({ "InstanceId": i.instance, "body": body }),
    )
    .await;
    assert!(error && refused["code"] == "RefusedReadOnly", "{refused}");
    let unparsed = format!("INSERT INTO aws.connect.users (username, password) VALUES ('x', '{PASSWORD}'");
    let (refused, error) = super::mcp::call(&c, "plan_write", serde_json::json!({ "sql": unparsed })).await;
    assert!(error, "{refused}");
    assert!(!refused.to_string().contains(PASSWORD), "{refused}");
    c.cancel().await.expect("close");
    let text = std::fs::read_to_string(&audit).expect("audit log");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains(PASSWORD), "the audit log holds the password: {text}");
    assert!(text.contains("json.text"), "the rest of the arguments are kept: {text}");

    // Adjacent literals do not parse in Postgres: the error names the problem, not the password.
    let pg = super::postgres::connect(&s).await;
    let sql = format!(
        "INSERT INTO connect.users (instance_id, username, password) VALUES ('{}', 'u' '{PASSWORD}')",
        i.instance
    );
    let e = pg.simple_query(&sql).await.expect_err("does not parse");
    assert_eq!(super::postgres::sqlstate(&e), tokio_postgres::error::SqlState::SYNTAX_ERROR, "{e:?}");
    let message = e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_default();
    assert!(!message.is_empty() && !message.contains(PASSWORD), "{message}");
    let e = pg.prepare(&sql).await.expect_err("does not parse either");
    assert!(!format!("{e:?}").contains(PASSWORD), "{e:?}");
}

async fn rest_sql(s: &Server, sql: &str) -> (StatusCode, serde_json::Value) {
    let r = http().post(s.url("/v1/sql")).bearer_auth(&s.token).json(&serde_json::json!({ "sql": sql }));
    let r = r.send().await.expect("answer");
    let status = r.status();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// The statements a client could use against the server's disk and the other clients.
struct Attacks {
    copy: String,
    external: String,
}

fn attacks(target: &std::path::Path) -> Attacks {
    Attacks {
        copy: format!("COPY (SELECT username FROM aws.connect.users LIMIT 3) TO '{}' STORED AS CSV", target.display()),
        external: "CREATE EXTERNAL TABLE pw STORED AS CSV LOCATION '/etc/passwd' \
                   OPTIONS ('format.delimiter' '|', 'format.has_header' 'false')"
            .to_owned(),
    }
}

/// On every surface of a server, read-only or not: no file is written or read, the built-in
/// tables cannot be dropped or faked, and what one client creates or sets is its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_keeps_its_files_and_its_catalog_from_its_clients() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("dir");
    for flags in [&[][..], &["--allow-writes"][..]] {
        let mut args = vec!["--pg", "127.0.0.1:0"];
        args.extend_from_slice(flags);
        let s = Server::start(&emu, &args);
        let target = dir.path().join(format!("out{}.csv", flags.len()));
        let a = attacks(&target);
        let (_, count) = rest_sql(&s, "SELECT count(*) AS n FROM aws.connect.users").await;
        let users = count["rows"][0]["n"].clone();
        assert!(users.as_u64().is_some_and(|n| n > 0), "{count}");

        // REST
        for sql in [
            &a.copy,
            &a.external,
            "DROP TABLE aws.connect.users",
            "CREATE VIEW aws.connect.users AS SELECT 'fake' AS username",
        ] {
            let (status, body) = rest_sql(&s, sql).await;
            assert!(!status.is_success(), "{flags:?} {sql}: {status} {body}");
        }
        let (status, body) = rest_sql(&s, &a.copy).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("--allow-files")), "{body}");
        let (status, _) = rest_sql(&s, "SELECT * FROM '/etc/passwd'").await;
        assert!(!status.is_success(), "a path is no table");
        // Session state is the request's own.
        let (status, body) = rest_sql(&s, "CREATE TABLE mine AS SELECT 1 AS x").await;
        assert!(status.is_success(), "a session table: {body}");
        let (status, body) = rest_sql(&s, "SELECT * FROM mine").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another request does not see it: {body}");
        rest_sql(&s, "SET datafusion.execution.batch_size = 7").await;
        let (_, body) = rest_sql(&s, "SHOW datafusion.execution.batch_size").await;
        assert_eq!(body["rows"][0]["value"], "8192", "a SET is the request's own: {body}");

        // The console's SQL page
        let console = Console::open(&s).await;
        for sql in [&a.copy, &a.external, "DROP TABLE aws.connect.users"] {
            let (_, _, html) = console.post("/sql", &[("sql", sql)]).await;
            assert!(html.contains("class=\"error\""), "{flags:?} {sql}: {html}");
        }

        // MCP: its query tool runs reads only.
        let c = super::mcp::http(&s).await;
        for sql in [&a.copy, &a.external, "DROP TABLE aws.connect.users"] {
            let (answer, error) = super::mcp::call(&c, "query", serde_json::json!({ "sql": sql })).await;
            assert!(error, "{flags:?} {sql}: {answer}");
        }
        let (answer, _) =
            super::mcp::call(&c, "query", serde_json::json!({ "sql": "SELECT count(*) AS n FROM aws.connect.users" }))
                .await;
        assert_eq!(answer["rows"][0]["n"], users, "{answer}");
        c.cancel().await.expect("close");

        // Postgres: a connection's session tables and settings are its own.
        let pg = super::postgres::connect(&s).await;
        let other = super::postgres::connect(&s).await;
        for sql in [
            &a.copy,
            &a.external,
            "DROP TABLE aws.connect.users",
            "CREATE VIEW aws.connect.users AS SELECT 'fake' AS username",
        ] {
            assert!(pg.simple_query(sql).await.is_err(), "{flags:?} {sql}");
        }
        pg.simple_query("CREATE TABLE mine AS SELECT 1 AS x").await.expect("a session table");
        assert_eq!(super::postgres::simple(&pg, "SELECT x FROM mine").await, vec![vec![Some("1".to_owned())]]);
        assert!(other.simple_query("SELECT x FROM mine").await.is_err(), "another connection does not see it");
        let n = super::postgres::simple(&other, "SELECT count(*) FROM aws.connect.users").await;
        assert_eq!(n[0][0].as_deref(), users.as_u64().map(|n| n.to_string()).as_deref(), "the real table for everyone");

        let (_, after) = rest_sql(&s, "SELECT count(*) AS n FROM aws.connect.users").await;
        assert_eq!(after["rows"][0]["n"], users, "{flags:?}: still the real table: {after}");
        assert!(!target.exists(), "{flags:?}: no file was written");
    }
}

/// `--allow-files DIR` lets clients use that directory, and nothing outside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_files_confines_clients_to_one_directory() {
    let emu = demo().await;
    let root = tempfile::tempdir().expect("dir");
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::os::unix::fs::symlink("/etc", shared.join("etc")).expect("symlink");
    let s = Server::start(&emu, &["--pg", "127.0.0.1:0", "--allow-files", shared.to_str().expect("utf8")]);
    let inside = shared.join("users.csv");
    let (status, body) = rest_sql(&s, &attacks(&inside).copy).await;
    assert!(status.is_success(), "{body}");
    let written = std::fs::read_to_string(&inside).expect("written inside");
    assert_eq!(written.lines().count(), 4, "a header and three users: {written}");
    for outside in [root.path().join("out.csv"), shared.join("../out.csv"), shared.join("etc/x.csv")] {
        let (status, body) = rest_sql(&s, &attacks(&outside).copy).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", outside.display());
        assert!(!outside.exists());
    }
    let (status, body) = rest_sql(&s, &attacks(&inside).external).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "/etc/passwd is outside: {body}");
    let external = format!(
        "CREATE EXTERNAL TABLE mine STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
        inside.display()
    );
    let (status, body) = rest_sql(&s, &external).await;
    assert!(status.is_success(), "a file inside: {body}");
}

/// The CLI is its user's own machine: files are its user's to use, but the built-in tables
/// are still not droppable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_keeps_its_built_in_tables() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("users.csv");
    let o = super::support::run(&emu, &["-e", &attacks(&target).copy]);
    assert!(o.status.success(), "{}", super::support::err(&o));
    assert!(target.exists());
    let o = super::support::run(
        &emu,
        &[
            "--continue-on-error",
            "-e",
            "DROP TABLE aws.connect.users",
            "-e",
            "SELECT count(*) AS n FROM aws.connect.users WHERE region = 'eu-west-2'",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(super::support::err(&o).contains("cannot be dropped"), "{}", super::support::err(&o));
    assert_eq!(super::support::out(&o), "n\n30\n", "the table is still there");
}

/// A statement of 20,000 chained terms (80 KB) gets an error on every surface, and the server
/// keeps serving; the CLI exits 1 with the same error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deep_statement_cannot_kill_a_server_or_the_cli() {
    let emu = demo().await;
    let sum = format!("SELECT {} AS x", vec!["1"; 20_000].join(" + "));
    let ors: Vec<String> = (0..20_000).map(|n| format!("username = 'u{n}'")).collect();
    let or_chain = format!("SELECT count(*) FROM aws.connect.users WHERE {}", ors.join(" OR "));
    let s = Server::start(&emu, &["--pg", "127.0.0.1:0"]);
    for sql in [&sum, &or_chain] {
        let (status, body) = rest_sql(&s, sql).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("nest more than 1000")), "{body}");
    }
    let c = super::mcp::http(&s).await;
    let (answer, error) = super::mcp::call(&c, "query", serde_json::json!({ "sql": sum })).await;
    assert!(error && answer["message"].as_str().is_some_and(|m| m.contains("nest")), "{answer}");
    c.cancel().await.expect("close");
    let pg = super::postgres::connect(&s).await;
    assert!(pg.simple_query(&sum).await.is_err());
    assert!(pg.prepare(&or_chain).await.is_err());
    // Still serving, on every surface.
    let (status, body) = rest_sql(&s, "SELECT 1 + 1 AS two").await;
    assert_eq!((status, body["rows"][0]["two"].as_i64()), (StatusCode::OK, Some(2)), "{body}");
    assert_eq!(super::postgres::simple(&pg, "SELECT 2 + 2").await[0][0].as_deref(), Some("4"));
    // A chain just under the limit runs.
    let (status, body) = rest_sql(&s, &format!("SELECT {} AS x", vec!["1"; 999].join(" + "))).await;
    assert_eq!((status, body["rows"][0]["x"].as_i64()), (StatusCode::OK, Some(999)), "{body}");

    let dir = tempfile::tempdir().expect("dir");
    for sql in [format!("SELECT {} AS x", vec!["1"; 10_000].join(" + ")), or_chain] {
        let file = dir.path().join("deep.sql");
        std::fs::write(&file, &sql).expect("script");
        let o = super::support::run(&emu, &["-f", file.to_str().expect("utf8")]);
        assert_eq!(o.status.code(), Some(1), "{}", super::support::err(&o));
        assert!(super::support::err(&o).contains("nest more than 1000"), "{}", super::support::err(&o));
    }
}

/// `/v1/sql` holds at most `max_rows` rows (10,000 unless asked), says when it left rows out,
/// and stops reading there: the rest costs no call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_sql_answers_at_most_max_rows() {
    let emu = demo().await;
    let s = Server::start(&emu, &[]);
    let (status, body) = rest_sql(&s, "SELECT value FROM generate_series(1, 1000000)").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["rows"].as_array().map(Vec::len), Some(10_000));
    assert_eq!((body["truncated"].as_bool(), body["rows"][9_999]["value"].as_i64()), (Some(true), Some(10_000)));
    let ask = |sql: &str, max_rows: usize| {
        http()
            .post(s.url("/v1/sql"))
            .bearer_auth(&s.token)
            .json(&serde_json::json!({ "sql": sql, "max_rows": max_rows }))
            .send()
    };
    let body: serde_json::Value =
        ask("SELECT value FROM generate_series(1, 5)", 5).await.expect("answer").json().await.expect("json");
    assert_eq!((body["rows"].as_array().map(Vec::len), body["truncated"].as_bool()), (Some(5), Some(false)), "{body}");
    emu.emulator.reset_calls();
    let body: serde_json::Value = ask("SELECT username, email FROM aws.connect.users WHERE region = 'us-east-1'", 3)
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert_eq!((body["rows"].as_array().map(Vec::len), body["truncated"].as_bool()), (Some(3), Some(true)), "{body}");
    assert!(emu.emulator.calls_of("DescribeUser") < 100, "reading stopped: {:?}", emu.emulator.calls());
    let r = ask("SELECT 1", 100_001).await.expect("answer");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// A program sends the token in a header: the API ignores one in its address (where it would
/// be logged); and a region that is not one is a bad request, not a gateway error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_takes_its_token_in_a_header_and_refuses_odd_regions() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = Server::start(&emu, &[]);
    for path in [format!("/v1/users/{}", i.instance), "/v1/openapi.json".to_owned(), "/mcp".to_owned()] {
        let r = http().get(s.url(&format!("{path}?token={}", s.token))).send().await.expect("answer");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.headers().get(SET_COOKIE).is_none(), "{path}: no cookie for a program");
    }
    // The console's first visit still works that way.
    let r = http().get(s.url(&format!("/?token={}", s.token))).send().await.expect("answer");
    assert!(r.status().is_redirection() && r.headers().get(SET_COOKIE).is_some());
    for path in [
        format!("/v1/users/{}?region=../../x", i.instance),
        format!("/v1/users/{}/u?region=us-east-1%2F..", i.instance),
    ] {
        let r = http().get(s.url(&path)).bearer_auth(&s.token).send().await.expect("answer");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: serde_json::Value = r.json().await.expect("json");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("not an AWS region name")), "{body}");
    }
    let (status, body) = rest_sql(&s, "SELECT count(*) FROM aws.connect.users WHERE region = 'us-east-1/x'").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// A Postgres result larger than the server holds streams: every row arrives, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_postgres_result_streams_every_row() {
    let emu = demo().await;
    let s = Server::start(&emu, &["--pg", "127.0.0.1:0"]);
    let pg = super::postgres::connect(&s).await;
    let rows = super::postgres::simple(&pg, "SELECT value FROM generate_series(1, 25000) ORDER BY value").await;
    let values: Vec<i64> =
        rows.iter().map(|r| r[0].as_deref().and_then(|v| v.parse().ok()).expect("a number")).collect();
    assert_eq!(values, (1..=25_000).collect::<Vec<i64>>());
    let typed = pg.query("SELECT value FROM generate_series(1, 30000)", &[]).await.expect("extended protocol");
    assert_eq!(typed.len(), 30_000);
    assert_eq!(typed.iter().map(|r| r.get::<_, i64>(0)).sum::<i64>(), 30_000 * 30_001 / 2);
}

/// ListUsers over REST pages as Connect does: a walk costs one ListUsers a page, returns every
/// user present throughout exactly once while others are created and deleted, and a token is
/// refused on another instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_list_users_pages_like_connect() {
    use connectql_emulator::{EmulatorConfig, Seed};
    let emu =
        super::support::start(EmulatorConfig { seed: Seed::Demo, extra_users: 3000, ..EmulatorConfig::default() })
            .await;
    let i = ids(&emu).await;
    let sdk = super::support::client(&emu, "us-east-1");
    let before: std::collections::BTreeSet<String> = {
        let mut all = std::collections::BTreeSet::new();
        let mut token = None;
        loop {
            let page = sdk
                .list_users()
                .instance_id(&i.instance)
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .expect("list");
            all.extend(page.user_summary_list().iter().filter_map(|u| u.id().map(str::to_owned)));
            match page.next_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break all,
            }
        }
    };
    let n = before.len();
    assert_eq!(n, 3300);
    let s = Server::start(&emu, &[]);
    let page = |token: Option<String>, instance: String| {
        let mut url = s.url(&format!("/v1/users/{instance}?maxResults=100"));
        if let Some(t) = token {
            url.push_str(&format!("&nextToken={t}"));
        }
        let r = http().get(url).bearer_auth(&s.token).send();
        async move {
            let r = r.await.expect("answer");
            (r.status(), r.json::<serde_json::Value>().await.expect("json"))
        }
    };
    // A plain walk: one call a page.
    emu.emulator.reset_calls();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let (status, body) = page(token.clone(), i.instance.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(
            body["UserSummaryList"].as_array().expect("list").iter().map(|u| u["Id"].as_str().expect("id").to_owned()),
        );
        match body["NextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(emu.emulator.calls_of("ListUsers"), n.div_ceil(100) as u64, "{:?}", emu.emulator.calls());
    assert_eq!(seen.len(), n, "each user once");
    assert_eq!(seen.iter().cloned().collect::<std::collections::BTreeSet<_>>(), before);

    // A walk while another client creates and deletes users between the pages.
    let doomed: Vec<String> = before.iter().step_by(97).cloned().collect();
    let mut seen = Vec::new();
    let mut token = None;
    let mut turn = 0;
    loop {
        let (status, body) = page(token.clone(), i.instance.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(
            body["UserSummaryList"].as_array().expect("list").iter().map(|u| u["Id"].as_str().expect("id").to_owned()),
        );
        if let Some(victim) = doomed.get(turn) {
            sdk.delete_user().instance_id(&i.instance).user_id(victim).send().await.expect("delete");
        }
        sdk.create_user()
            .instance_id(&i.instance)
            .username(format!("walk.new{turn}"))
            .password("Walk3rPassw0rd")
            .identity_info(aws_sdk_connect::types::UserIdentityInfo::builder().first_name("W").last_name("N").build())
            .phone_config(
                aws_sdk_connect::types::UserPhoneConfig::builder()
                    .phone_type(aws_sdk_connect::types::PhoneType::SoftPhone)
                    .build(),
            )
            .security_profile_ids(&i.agent)
            .routing_profile_id(&i.routing)
            .send()
            .await
            .expect("create");
        turn += 1;
        match body["NextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no user twice");
    let throughout: Vec<&String> = before.iter().filter(|id| !doomed.contains(id)).collect();
    let missing: Vec<&&String> = throughout.iter().filter(|id| !unique.contains(**id)).collect();
    assert!(missing.is_empty(), "{} users present throughout were not returned", missing.len());

    // A token belongs to its instance; garbage is refused.
    let (_, first) = page(None, i.instance.clone()).await;
    let token = first["NextToken"].as_str().expect("a token").to_owned();
    let other = super::support::instance_id(&sdk, "acme-sso").await;
    let (status, body) = page(Some(token), other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("belongs to instance")), "{body}");
    let (status, _) = page(Some("after-100".to_owned()), i.instance.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// A value a client sends is a value: quotes in it change no statement, on the REST routes and
/// in the console's search box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_from_clients_are_bound_never_spliced() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sdk = super::support::client(&emu, "us-east-1");
    let ava = super::support::user_id_named(&sdk, &i.instance, "ava.smith").await;
    let s = Server::start(&emu, &["--allow-writes"]);
    emu.emulator.reset_calls();
    let attack = format!("{}' WHERE username LIKE '%", i.sales);
    let r = http()
        .post(s.url(&format!("/v1/users/{}/{ava}/routing-profile", i.instance)))
        .bearer_auth(&s.token)
        .json(&serde_json::json!({ "RoutingProfileId": attack }))
        .send()
        .await
        .expect("answer");
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(emu.emulator.calls_of("UpdateUserRoutingProfile") <= 1, "one user at most: {:?}", emu.emulator.calls());
    let user = sdk.describe_user().instance_id(&i.instance).user_id(&ava).send().await.expect("describe");
    assert_ne!(user.user().and_then(|u| u.routing_profile_id()), Some(i.sales.as_str()));
    // The console's search box: a quote is text.
    let console = Console::open(&s).await;
    let r = http()
        .get(s.url(&format!(
            "/?instance={}&q={}",
            i.instance,
            percent_encoding::utf8_percent_encode("o'x%' OR '1'='1", percent_encoding::NON_ALPHANUMERIC)
        )))
        .header(COOKIE, &console.cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("(0)"),
        "nobody matches that text: {}",
        html.lines().find(|l| l.contains("Users in")).unwrap_or_default()
    );
}

/// Records the body of every answer an SDK client reads: the emulator's own JSON.
#[derive(Debug, Default, Clone)]
struct RawBodies(std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for RawBodies {
    fn name(&self) -> &'static str {
        "RawBodies"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            self.0.lock().expect("lock").push(bytes.to_vec());
        }
        Ok(())
    }
}

/// REST's DescribeUser body is, member by member, what the service itself answers (read here
/// from the wire by the SDK); its errors are `{code, message}` JSON whatever went wrong; `/v1/sql`
/// takes a JSON body without a Content-Type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_answers_in_connects_own_shapes() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let raw = RawBodies::default();
    let config = aws_sdk_connect::Config::builder()
        .http_client(super::support::loopback_http())
        .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
        .region(aws_sdk_connect::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_connect::config::Credentials::new("AKIDTEST", "test", None, None, "test"))
        .endpoint_url(emu.base_url())
        .interceptor(raw.clone())
        .build();
    let sdk = aws_sdk_connect::Client::from_conf(config);
    let s = Server::start(&emu, &[]);
    let listed = sdk.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    for user in listed.user_summary_list().iter().step_by(15) {
        let id = user.id().expect("id");
        raw.0.lock().expect("lock").clear();
        sdk.describe_user().instance_id(&i.instance).user_id(id).send().await.expect("describe");
        let service: serde_json::Value =
            serde_json::from_slice(raw.0.lock().expect("lock").last().expect("a body")).expect("json");
        let r = http()
            .get(s.url(&format!("/v1/users/{}/{id}", i.instance)))
            .bearer_auth(&s.token)
            .send()
            .await
            .expect("answer");
        let ours: serde_json::Value = r.json().await.expect("json");
        assert_eq!(ours, service, "DescribeUser of {id}");
    }
    // Errors are JSON, whatever went wrong.
    let base = format!("/v1/users/{}", i.instance);
    for (method, path, body) in [
        (reqwest::Method::GET, format!("{base}?maxResults=abc"), None),
        (reqwest::Method::POST, "/v1/sql".to_owned(), Some("{not json")),
        (reqwest::Method::POST, "/v1/sql".to_owned(), Some("{\"query\": 1}")),
    ] {
        let mut r = http().request(method, s.url(&path)).bearer_auth(&s.token);
        if let Some(b) = body {
            r = r.body(b);
        }
        let r = r.send().await.expect("answer");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let e: serde_json::Value = r.json().await.expect("a JSON error");
        assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
    }
    // The README's own curl: a JSON body, no Content-Type.
    let r = http()
        .post(s.url("/v1/sql"))
        .bearer_auth(&s.token)
        .body(r#"{"sql":"SELECT count(*) AS n FROM aws.connect.users"}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.expect("json");
    let mut region_users = 0;
    for instance in sdk.list_instances().send().await.expect("instances").instance_summary_list() {
        let mut pages = sdk.list_users().instance_id(instance.id().expect("id")).into_paginator().send();
        while let Some(page) = pages.next().await {
            region_users += page.expect("page").user_summary_list().len();
        }
    }
    assert_eq!(body["rows"][0]["n"], region_users, "the region's users, as the SDK lists them: {body}");
}
