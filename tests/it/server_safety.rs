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
