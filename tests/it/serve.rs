//! `connectql serve` as users run it: the real binary against the emulator, reached over HTTP
//! with a real client. Access rules, the read-only policy, every REST route (checked against
//! the emulator through the plain SDK), every page and its forms.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use connectql_emulator::EmulatorHandle;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HOST, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};

use super::support::{Ids, MAIN_REGION, cli, client, demo, ids, user_id_named};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

/// A running `connectql serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    pub(crate) token: String,
    /// The `mcp:` line's URL.
    pub(crate) mcp: String,
    /// The `postgres:` line's URL, with `--pg`.
    pub(crate) pg: Option<String>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `connectql serve` on a free port against the test's emulator.
    pub(crate) fn start(emu: &EmulatorHandle, extra: &[&str]) -> Server {
        let mut child = cli()
            .args(["serve", "--endpoint-url", &emu.base_url(), "--http", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve runs");
        let (mut line, mut mcp) = (String::new(), String::new());
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("its first line");
        stdout.read_line(&mut mcp).expect("its second line");
        let pg = extra.contains(&"--pg").then(|| {
            let mut pg = String::new();
            stdout.read_line(&mut pg).expect("its third line");
            pg.trim().strip_prefix("postgres: ").unwrap_or_else(|| panic!("third line: {pg}")).to_owned()
        });
        let url = line.trim().strip_prefix("web: ").unwrap_or_else(|| panic!("first line: {line}")).to_owned();
        let mcp = mcp.trim().strip_prefix("mcp: ").unwrap_or_else(|| panic!("second line: {mcp}")).to_owned();
        let (base, token) = url.split_once("/?token=").expect("a token in the URL");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Server { child, base: base.to_owned(), token: token.to_owned(), mcp, pg, stderr }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn api(s: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut r = http().request(method, s.url(path)).bearer_auth(&s.token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let response = r.send().await.expect("answer");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text)))
}

async fn page(s: &Server, path: &str) -> (StatusCode, String) {
    let r = http().get(s.url(path)).bearer_auth(&s.token).send().await.expect("answer");
    (r.status(), r.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_needs_the_token_and_the_right_host_and_origin() {
    let emu = demo().await;
    let s = Server::start(&emu, &[]);
    let c = http();
    let r = c.get(s.url("/")).send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.get(s.url("/v1/openapi.json")).send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.expect("json")["code"], "Unauthorized");
    let r = c.get(s.url("/v1/openapi.json")).bearer_auth("wrong-token").send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The printed URL sets the cookie and takes the token out of the address.
    let r = c.get(s.url(&format!("/?token={}&q=ava", s.token))).send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/?q=ava");
    let cookie = r.headers()[SET_COOKIE].to_str().expect("text").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let r = c.get(s.url("/")).header(COOKIE, &pair).send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::OK);

    // DNS rebinding: another Host is refused, even with the token.
    let r = c.get(s.url("/")).header(COOKIE, &pair).header(HOST, "evil.example:80").send().await.expect("answer");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A state-changing request from another site is refused.
    let r = c
        .post(s.url("/v1/sql"))
        .bearer_auth(&s.token)
        .header(ORIGIN, "http://evil.example")
        .json(&json!({ "sql": "SELECT 1" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A browser's form without the page's CSRF token is refused.
    let r = c
        .post(s.url("/sql"))
        .header(COOKIE, &pair)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sql=SELECT+1")
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_server_refuses_writes_and_hides_their_controls() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = Server::start(&emu, &[]);
    emu.emulator.reset_calls();
    let (status, body) =
        api(&s, reqwest::Method::POST, &format!("/v1/users/{}", i.instance), Some(json!({ "Username": "nope" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().is_some_and(|m| m.contains("--allow-writes")), "{body}");
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        "/v1/sql",
        Some(json!({ "sql": "DELETE FROM aws.connect.users WHERE username = 'ava.smith'" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "RefusedReadOnly");
    let (status, html) = page(&s, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("New user") && html.contains("read-only"), "no write controls on a read-only server");
    let first = html
        .split("class=\"user\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a user link")
        .replace("&amp;", "&");
    let (_, html) = page(&s, &first).await;
    assert!(!html.contains("<form class=\"edit\"") && !html.contains("Delete this user"), "{html}");
    assert_eq!(
        emu.emulator
            .calls()
            .iter()
            .filter(|(op, _)| !["List", "Describe", "Search", "Get"].iter().any(|read| op.starts_with(read)))
            .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_routes_answer_as_connect_does() {
    let emu = demo().await;
    let i: Ids = ids(&emu).await;
    let s = Server::start(&emu, &["--allow-writes"]);
    let c = client(&emu, MAIN_REGION);
    let base = format!("/v1/users/{}", i.instance);

    // ListUsers, page by page, is the SDK's listing.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(t) => format!("{base}?maxResults=120&nextToken={t}"),
            None => format!("{base}?maxResults=120"),
        };
        let (status, body) = api(&s, reqwest::Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        listed.extend(
            body["UserSummaryList"].as_array().expect("list").iter().map(|u| u["Id"].as_str().expect("id").to_owned()),
        );
        match body["NextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    let sdk = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    let mut expected: Vec<String> = sdk.user_summary_list().iter().filter_map(|u| u.id().map(str::to_owned)).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);

    // DescribeUser is the SDK's DescribeUser.
    let uid = expected[3].clone();
    let (status, body) = api(&s, reqwest::Method::GET, &format!("{base}/{uid}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let u =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    let got = &body["User"];
    assert_eq!(got["Username"], json!(u.username()));
    assert_eq!(got["RoutingProfileId"], json!(u.routing_profile_id()));
    assert_eq!(got["SecurityProfileIds"], json!(u.security_profile_ids()));
    assert_eq!(got["IdentityInfo"]["FirstName"], json!(u.identity_info().and_then(|x| x.first_name())));
    assert_eq!(got["PhoneConfig"]["PhoneType"], json!(u.phone_config().map(|p| p.phone_type().as_str())));
    let (status, body) = api(&s, reqwest::Method::GET, &format!("{base}/no-such-user"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "ResourceNotFoundException");

    // CreateUser with CreateUser's own body; a duplicate is 409; the password is never echoed.
    let create = json!({
        "Username": "rest.user", "Password": PASSWORD,
        "IdentityInfo": { "FirstName": "Rest", "LastName": "User", "Email": "rest@example.com" },
        "PhoneConfig": { "PhoneType": "SOFT_PHONE", "AutoAccept": true },
        "SecurityProfileIds": [i.agent], "RoutingProfileId": i.routing, "Tags": { "team": "api" },
    });
    let (status, body) = api(&s, reqwest::Method::POST, &base, Some(create.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_id = body["UserId"].as_str().expect("UserId").to_owned();
    assert!(body["UserArn"].as_str().is_some_and(|a| a.ends_with(&format!("/agent/{new_id}"))), "{body}");
    let made =
        c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.expect("created").user.expect("user");
    assert_eq!(made.tags().and_then(|t| t.get("team")).map(String::as_str), Some("api"));
    let (status, body) = api(&s, reqwest::Method::POST, &base, Some(create)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "DuplicateResourceException");
    let (status, body) = api(&s, reqwest::Method::POST, &base, Some(json!({ "Username": "weak.pw", "Password": "weak", "SecurityProfileIds": [i.agent], "RoutingProfileId": i.routing, "IdentityInfo": { "FirstName": "W", "LastName": "P" } }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "InvalidParameterException");

    // The update routes and PutUserStatus.
    let (status, _) = api(
        &s,
        reqwest::Method::POST,
        &format!("{base}/{new_id}/identity-info"),
        Some(json!({ "IdentityInfo": { "FirstName": "Renamed", "LastName": "User" } })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api(
        &s,
        reqwest::Method::POST,
        &format!("{base}/{new_id}/routing-profile"),
        Some(json!({ "RoutingProfileId": i.sales })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let statuses = c.list_agent_statuses().instance_id(&i.instance).send().await.expect("statuses");
    let lunch = statuses
        .agent_status_summary_list()
        .iter()
        .find(|x| x.name() == Some("Lunch"))
        .and_then(|x| x.id())
        .expect("Lunch")
        .to_owned();
    let (status, _) =
        api(&s, reqwest::Method::PUT, &format!("{base}/{new_id}/status"), Some(json!({ "AgentStatusId": lunch })))
            .await;
    assert_eq!(status, StatusCode::OK);
    let after =
        c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.expect("describe").user.expect("user");
    let identity = after.identity_info().expect("identity");
    assert_eq!(
        (identity.first_name(), identity.email()),
        (Some("Renamed"), None),
        "IdentityInfo is replaced whole, as the API does"
    );
    assert_eq!(after.routing_profile_id(), Some(i.sales.as_str()));
    let stored = emu.emulator.with_world(|w| {
        w.regions
            .values()
            .flat_map(|r| r.instances.values())
            .find_map(|x| x.users.get(&new_id))
            .and_then(|u| u.agent_status_id.clone())
    });
    assert_eq!(stored, Some(lunch));

    // DeleteUser, then 404.
    let (status, _) = api(&s, reqwest::Method::DELETE, &format!("{base}/{new_id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.is_err(), "deleted");
    let (status, _) = api(&s, reqwest::Method::DELETE, &format!("{base}/{new_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // SQL and the OpenAPI description.
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        "/v1/sql",
        Some(json!({ "sql": "SELECT count(*) AS n FROM aws.connect.users WHERE region = 'eu-west-2'" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["rows"], json!([{ "n": 30 }]));
    assert_eq!(body["calls"], json!({ "ListInstances": 1, "ListUsers": 1 }));
    // A table past the user record, through the same route: one call per security profile.
    let sql = "SELECT count(*) AS n FROM aws.connect.security_profile_permissions WHERE region = 'eu-west-2' AND permission = 'Users.Delete'";
    let (status, body) = api(&s, reqwest::Method::POST, "/v1/sql", Some(json!({ "sql": sql }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uk = super::support::instance_id(&client(&emu, "eu-west-2"), "acme-uk").await;
    let eu = client(&emu, "eu-west-2");
    let mut holders = 0;
    let profiles = eu.list_security_profiles().instance_id(&uk).send().await.expect("ListSecurityProfiles");
    for p in profiles.security_profile_summary_list() {
        let out = eu.list_security_profile_permissions().instance_id(&uk).security_profile_id(p.id().expect("id"));
        let held = out.send().await.expect("ListSecurityProfilePermissions");
        holders += held.permissions().iter().filter(|p| *p == "Users.Delete").count();
    }
    assert_eq!(body["rows"], json!([{ "n": holders }]));
    assert_eq!(body["calls"]["ListSecurityProfilePermissions"], json!(profiles.security_profile_summary_list().len()));
    let (status, spec) = api(&s, reqwest::Method::GET, "/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/v1/users/{instanceid}",
        "/v1/users/{instanceid}/{userid}",
        "/v1/users/{instanceid}/{userid}/identity-info",
        "/v1/users/{instanceid}/{userid}/routing-profile",
        "/v1/users/{instanceid}/{userid}/status",
        "/v1/sql",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is described");
    }
    assert!(!s.stderr().contains("Sup3rSecret"), "no password in the server's output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_and_its_forms_change_users() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let s = Server::start(&emu, &["--allow-writes"]);
    let c = client(&emu, MAIN_REGION);
    let (status, html) = page(&s, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Users in acme-contact-center (300)"), "{html}");
    assert!(html.contains("API calls:"), "the page says what it cost");
    let (_, html) = page(&s, "/?q=ava&sort=username&dir=desc").await;
    let names: Vec<&str> =
        html.split("class=\"user\" href=\"").skip(1).filter_map(|r| r.split('>').nth(1)?.split('<').next()).collect();
    assert!(!names.is_empty() && names.iter().all(|n| n.contains("ava")), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.reverse();
    assert_eq!(names, sorted, "sorted by username, descending");
    let (status, csv) = page(&s, "/users.csv?q=ava").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("id,username,name,") && csv.lines().count() == names.len() + 1, "{csv}");
    let (_, json_text) = page(&s, "/users.json?q=ava").await;
    assert_eq!(serde_json::from_str::<Value>(&json_text).expect("json").as_array().map(Vec::len), Some(names.len()));

    let ava = user_id_named(&c, &i.instance, "ava.smith").await;
    let (status, html) = page(&s, &format!("/users/{}/{ava}", i.instance)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<td id=\"first_name\">Ava</td>") && html.contains("<td id=\"last_name\">Smith</td>"),
        "{html}"
    );
    let (status, html) = page(&s, &format!("/users/{}/no-such-user", i.instance)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("No user no-such-user"));

    // The forms, as a browser sends them: cookie and CSRF token.
    let r = http().get(s.url(&format!("/?token={}", s.token))).send().await.expect("answer");
    let cookie = r.headers()[SET_COOKIE].to_str().expect("text").split(';').next().expect("pair").to_owned();
    let csrf = {
        let html =
            http().get(s.url("/sql")).header(COOKIE, &cookie).send().await.expect("answer").text().await.expect("html");
        html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a CSRF field").to_owned()
    };
    let form = |path: String, body: String| {
        let cookie = cookie.clone();
        let url = s.url(&path);
        async move {
            let r = http()
                .post(url)
                .header(COOKIE, cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("answer");
            (
                r.status(),
                r.headers().get(LOCATION).map(|l| l.to_str().unwrap_or_default().to_owned()),
                r.text().await.expect("body"),
            )
        }
    };
    let (status, _, html) =
        form(format!("/users/{}/{ava}/routing", i.instance), format!("csrf={csrf}&routing_profile_id={}", i.sales))
            .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("UpdateUserRoutingProfile") && html.contains("done"), "the per-call report: {html}");
    let u =
        c.describe_user().instance_id(&i.instance).user_id(&ava).send().await.expect("describe").user.expect("user");
    assert_eq!(u.routing_profile_id(), Some(i.sales.as_str()));
    let (status, _, html) = form(
        format!("/users/{}/{ava}/phone", i.instance),
        format!("csrf={csrf}&phone_type=DESK_PHONE&desk_phone_number=&after_contact_work_time_limit=30"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the API's own error: {html}");
    assert!(html.contains("DeskPhoneNumber is required"), "{html}");

    let (status, location, html) = form(
        format!("/users/{}", i.instance),
        format!("csrf={csrf}&username=web.made&password={PASSWORD}&first_name=Web&last_name=Made&phone_type=SOFT_PHONE&routing_profile_id={}&security_profile_ids={}", i.routing, i.agent),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = location.expect("to the new user's page");
    let new_id = location.split('/').nth(3).and_then(|x| x.split('?').next()).expect("id").to_owned();
    assert!(c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.is_ok(), "{location}");
    let (status, _, html) = form(format!("/users/{}", i.instance), format!("csrf={csrf}&username=web.made&password={PASSWORD}&first_name=Web&last_name=Made&routing_profile_id={}&security_profile_ids={}", i.routing, i.agent)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("DuplicateResourceException") || html.contains("already exists"), "{html}");
    assert!(!html.contains(PASSWORD), "the password is never sent back");

    let (status, html) = page(&s, &format!("/users/{}/{new_id}/delete", i.instance)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Delete web.made?"), "the confirmation names the user");
    let (status, _, _) = form(format!("/users/{}/{new_id}/delete", i.instance), format!("csrf={csrf}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.is_err(), "deleted");

    // SQL, EXPLAIN, reports.
    let (status, _, html) = form(
        "/sql".into(),
        format!("csrf={csrf}&sql=SELECT+count%28*%29+AS+n+FROM+aws.connect.users+WHERE+region+%3D+%27eu-west-2%27"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<td>30</td>") && html.contains("ListUsers=1"), "{html}");
    let (_, _, html) = form(
        "/sql".into(),
        format!("csrf={csrf}&explain=1&sql=SELECT+email+FROM+aws.connect.users+WHERE+region+%3D+%27eu-west-2%27"),
    )
    .await;
    assert!(html.contains("ApiScanExec") && html.contains("API calls: none"), "EXPLAIN makes no call: {html}");
    let (status, html) = page(&s, "/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Users per routing profile") || html.contains("users_per_routing_profile"), "{html}");
    let (status, html) = page(&s, "/reports/users_per_routing_profile").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<td>Basic Routing Profile</td>"), "{html}");
    assert!(!s.stderr().contains("Sup3rSecret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stops_cleanly_and_guards_its_address() {
    let emu = demo().await;
    let s = Server::start(&emu, &[]);
    let kill = std::process::Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let mut s = s;
    let status = tokio::task::block_in_place(|| s.child.wait()).expect("exits");
    assert_eq!(status.code(), Some(0), "SIGTERM stops it cleanly");

    let o = cli().args(["serve", "--demo", "--http", "0.0.0.0:0"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--token-file"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
}

/// The users page against Connect's own: filters by routing profile, security profile and
/// hierarchy group (each sent to SearchUsers as a condition), a pager with first/previous/next/
/// last and a page size, blank values sorted last in both directions; a report's variables in a
/// form; a statement shared as a `/sql?sql=` link (filled in, never run); and an unknown column
/// answered in one line. Expected users come from SearchUsers through the plain SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_page_filters_pages_and_sorts_like_connects() {
    let emu =
        super::support::start(connectql_emulator::EmulatorConfig { record_requests: true, ..Default::default() }).await;
    let i = ids(&emu).await;
    let s = Server::start(&emu, &[]);
    let c = client(&emu, MAIN_REGION);
    // Every user with its profiles and group, from the SDK.
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .search_users()
            .instance_id(&i.instance)
            .set_next_token(token)
            .max_results(100)
            .send()
            .await
            .expect("search");
        for u in r.users() {
            let name = u.username().unwrap_or_default().to_owned();
            all.push((
                name,
                u.routing_profile_id().map(str::to_owned),
                u.security_profile_ids().to_vec(),
                u.hierarchy_group_id().map(str::to_owned),
            ));
        }
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 300);
    let listed = |path: String| {
        let s = &s;
        async move {
            let (status, text) = page(s, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {text}");
            let users: Vec<Value> = serde_json::from_str(&text).expect("json");
            users.iter().map(|u| u["username"].as_str().unwrap_or_default().to_owned()).collect::<Vec<String>>()
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let group = all.iter().find_map(|u| u.3.clone()).expect("a user in a group");
    let filters = [
        ("routing_profile", i.sales.clone(), "RoutingProfileId"),
        ("security_profile", i.agent.clone(), "SecurityProfileId"),
        ("hierarchy_group", group.clone(), "HierarchyGroupCondition"),
    ];
    for (field, id, condition) in &filters {
        let expected: Vec<String> = all
            .iter()
            .filter(|u| match *field {
                "routing_profile" => u.1.as_deref() == Some(id.as_str()),
                "security_profile" => u.2.contains(id),
                _ => u.3.as_deref() == Some(id.as_str()),
            })
            .map(|u| u.0.clone())
            .collect();
        assert!(!expected.is_empty() && expected.len() < 300, "{field}: the demo has users on both sides");
        let got = listed(format!("/users.json?{field}={id}")).await;
        assert_eq!(sorted(got), sorted(expected.clone()), "{field}={id}");
        let (_, body) = emu.emulator.last_request("SearchUsers").expect("the list searched");
        assert!(body["SearchCriteria"].to_string().contains(condition), "{field} is sent to SearchUsers: {body}");
        let (_, html) = page(&s, &format!("/?{field}={id}")).await;
        assert!(html.contains(&format!("({})", expected.len())), "the page counts the filtered users");
        assert!(html.contains(&format!("<option value=\"{id}\" selected>")), "the filter shows as chosen");
    }
    // Two filters at once: both conditions hold.
    let both: Vec<String> = all
        .iter()
        .filter(|u| u.1.as_deref() == Some(i.sales.as_str()) && u.2.contains(&i.agent))
        .map(|u| u.0.clone())
        .collect();
    let got = listed(format!("/users.json?routing_profile={}&security_profile={}", i.sales, i.agent)).await;
    assert_eq!(sorted(got), sorted(both));

    // The pager: 300 users 25 at a time.
    let (_, html) = page(&s, "/?size=25&page=2").await;
    assert_eq!(html.matches("class=\"user\"").count(), 25);
    assert!(html.contains("26–50 of 300") && html.contains("page 2 of 12"), "{html}");
    for link in ["page=1\">« first", "page=1\">‹ previous", "page=3\">next ›", "page=12\">last »"] {
        assert!(html.contains(link), "{link}: {html}");
    }
    let (_, html) = page(&s, "/?size=25&page=12").await;
    assert!(html.contains("276–300 of 300") && !html.contains("next ›"), "the last page");
    let (_, html) = page(&s, "/?size=7").await;
    assert_eq!(html.matches("class=\"user\"").count(), 50, "an unoffered size falls back to 50");

    // Blank values last, ascending and descending.
    let groupless = all.iter().filter(|u| u.3.is_none()).count();
    assert!(groupless > 0);
    for dir in ["asc", "desc"] {
        let (_, text) = page(&s, &format!("/users.json?sort=hierarchy&dir={dir}")).await;
        let users: Vec<Value> = serde_json::from_str(&text).expect("json");
        let blanks: Vec<bool> = users.iter().map(|u| u["hierarchy"] == "").collect();
        assert_eq!(blanks.iter().filter(|b| **b).count(), groupless);
        assert!(blanks[..300 - groupless].iter().all(|b| !b), "{dir}: blanks come last");
    }

    // A report's variables in a form, filled with the values it ran with.
    let (_, html) = page(&s, "/reports/recently_modified?days=7").await;
    assert!(html.contains("<input name=\"days\" value=\"7\""), "{html}");
    let (_, html) = page(&s, "/reports/recently_modified").await;
    assert!(html.contains("<input name=\"days\" value=\"30\""), "the default");

    // A shared statement: filled in, not run; a password in it masked.
    let (_, html) = page(&s, "/sql?sql=SELECT+count%28*%29+FROM+aws.connect.users").await;
    assert!(html.contains(">SELECT count(*) FROM aws.connect.users</textarea>"), "{html}");
    assert!(!html.contains("id=\"result\"") && html.contains("API calls: none"), "a link never runs");
    let insert = format!("INSERT INTO aws.connect.users (username, password) VALUES ('x', '{PASSWORD}')");
    let (_, html) = page(&s, &format!("/sql?sql={}", insert.replace(' ', "+"))).await;
    assert!(!html.contains(PASSWORD) && html.contains("********"), "{html}");

    // An unknown column in one line, with the way to the columns.
    let r = http()
        .post(s.url("/sql"))
        .bearer_auth(&s.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sql=SELECT+usernam+FROM+aws.connect.users")
        .send()
        .await
        .expect("answer");
    let html = r.text().await.expect("body");
    assert!(
        html.contains("No field named usernam. Did you mean &#x27;username&#x27;?")
            || html.contains("No field named usernam. Did you mean"),
        "{html}"
    );
    assert!(html.contains("DESCRIBE aws.connect.users") && !html.contains("Valid fields"), "{html}");
    assert!(
        html.contains("id=\"share\" href=\"/sql?sql=SELECT%20usernam%20FROM%20aws.connect.users\""),
        "a link to the statement: {html}"
    );
}

/// `serve` takes the account flags: its REST routes act in the account holding the instance,
/// and `/v1/sql` and the Postgres listener read every account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_several_accounts_on_every_door() {
    use connectql_emulator::{AUDIT_ROLE, BUSINESS_UNIT_ACCOUNT, BUSINESS_UNIT_EXTERNAL_ID, STAGING_ACCOUNT};
    let emu = demo().await;
    let url = emu.base_url();
    let role = |account: &str| format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}");
    let (staging_role, retail_role) = (role(STAGING_ACCOUNT), role(BUSINESS_UNIT_ACCOUNT));
    let s = Server::start(
        &emu,
        &[
            // Retail first: the route must find staging's instance in the second account.
            "--role-arn",
            &retail_role,
            "--role-arn",
            &staging_role,
            "--external-id",
            BUSINESS_UNIT_EXTERNAL_ID,
            "--pg",
            "127.0.0.1:0",
        ],
    );
    let staging = super::accounts::users_of(&url, STAGING_ACCOUNT, MAIN_REGION).await;
    let retail = super::accounts::users_of(&url, BUSINESS_UNIT_ACCOUNT, "eu-west-2").await;
    let instance = &staging[0].2;

    // The Connect-shaped route finds the staging account's instance.
    let (status, listed) = api(&s, reqwest::Method::GET, &format!("/v1/users/{instance}?maxResults=1000"), None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let mut got: Vec<&str> =
        listed["UserSummaryList"].as_array().expect("a list").iter().filter_map(|u| u["Id"].as_str()).collect();
    let mut want: Vec<&str> = staging.iter().map(|u| u.1.as_str()).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);

    // SQL over REST and over the Postgres wire: every account, each in the regions named.
    let sql = "SELECT account_id, count(*) AS n FROM aws.connect.users WHERE region IN ('us-east-1', 'eu-west-2') GROUP BY 1 ORDER BY 1";
    let expected = json!([
        { "account_id": STAGING_ACCOUNT, "n": staging.len() },
        { "account_id": BUSINESS_UNIT_ACCOUNT, "n": retail.len() },
    ]);
    let (status, answer) = api(&s, reqwest::Method::POST, "/v1/sql", Some(json!({ "sql": sql }))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut rows = answer["rows"].as_array().expect("rows").clone();
    rows.sort_by_key(|r| r["account_id"].as_str().unwrap_or_default().to_owned());
    let mut want_rows = expected.as_array().expect("rows").clone();
    want_rows.sort_by_key(|r| r["account_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(rows, want_rows);
    let pg = super::postgres::connect(&s).await;
    let mut got = super::postgres::simple(&pg, sql).await;
    got.sort();
    let mut want: Vec<Vec<Option<String>>> = vec![
        vec![Some(STAGING_ACCOUNT.to_owned()), Some(staging.len().to_string())],
        vec![Some(BUSINESS_UNIT_ACCOUNT.to_owned()), Some(retail.len().to_string())],
    ];
    want.sort();
    assert_eq!(got, want);
}
