//! The web console in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`). It opens the printed URL, follows a user link, checks the
//! user's page, and with writes allowed changes a routing profile and creates and deletes a user
//! through the forms, checking each change with the plain SDK. It saves a screenshot of each
//! page in `target/screenshots/` (the README's pictures). Without a browser it fails: it never
//! skips.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::serve::Server;
use super::support::{MAIN_REGION, client, demo, ids, user_id_named};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

/// chromedriver on a free port, stopped when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a port it picks itself (no free-port guess another process could take
/// first), read from its "started successfully on port N" line.
fn driver() -> Driver {
    let mut child = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("chromedriver cannot start ({e}): install Debian's chromium and chromium-driver (.ci/run does)")
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("started successfully on port ").nth(1).and_then(|p| p.trim_end_matches('.').parse().ok())
        })
        .expect("chromedriver says its port");
    // Keep reading its output, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Driver(child, port)
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())],
        }
    });
    let capabilities = capabilities.as_object().cloned().expect("object");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no browser session: {e}"),
        }
    }
}

async fn shot(b: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// The text of the element `css` once it satisfies `ok`: a click that submits a form returns
/// before the next page is in, and a loaded machine makes that window long. Gives up after a
/// minute and returns what it last saw (or the reason it saw nothing), for the assertion to show.
async fn text_when(b: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = match b.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_else(|e| format!("<{css}: {e}>")),
            Err(e) => format!("<{css}: {e}>"),
        };
        if ok(&seen) || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_is(b: &Client, css: &str, expected: &str) {
    assert_eq!(text_when(b, css, |t| t == expected).await, expected);
}

async fn text_has(b: &Client, css: &str, part: &str) {
    let seen = text_when(b, css, |t| t.contains(part)).await;
    assert!(seen.contains(part), "{css} says {seen:?}, without {part:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let s = Server::start(&emu, &["--allow-writes"]);
    let d = driver();
    let profile = tempfile::tempdir().expect("profile");
    let b = browser(d.1, profile.path()).await;

    // The printed URL opens the users of the first instance.
    b.goto(&format!("{}/?token={}", s.base, s.token)).await.expect("open the console");
    text_is(&b, "h1", "Users in acme-contact-center (300)").await;
    assert!(!b.current_url().await.expect("url").as_str().contains("token="), "the token left the address bar");
    shot(&b, "users").await;

    // A click on a user shows their page.
    let link = b.find(Locator::Css("a.user")).await.expect("a user link");
    let username = link.text().await.expect("name");
    link.click().await.expect("follow the link");
    text_is(&b, "h1", &username).await;
    let uid = user_id_named(&c, &i.instance, &username).await;
    let u =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    text_is(&b, "#arn", u.arn().expect("arn")).await;
    text_is(&b, "#first_name", u.identity_info().and_then(|x| x.first_name()).unwrap_or_default()).await;
    text_is(&b, "#last_name", u.identity_info().and_then(|x| x.last_name()).unwrap_or_default()).await;
    // What the user does now, the queues they serve and the permissions they hold, as the SDK says.
    let filters = aws_sdk_connect::types::UserDataFilters::builder().agents(&uid).build();
    let now = c.get_current_user_data().instance_id(&i.instance).filters(filters).send().await.expect("user data");
    match now.user_data_list().first().and_then(|d| d.status()).and_then(|s| s.status_name()) {
        Some(status) => text_has(&b, "#status", &format!("{status} since")).await,
        None => text_is(&b, "#status", "not logged in").await,
    }
    let rp = u.routing_profile_id().expect("a routing profile");
    let queues = c.list_routing_profile_queues().instance_id(&i.instance).routing_profile_id(rp).send().await;
    for q in queues.expect("the profile's queues").routing_profile_queue_config_summary_list() {
        text_has(&b, "#queues", &format!("{} ({}, priority {}", q.queue_name(), q.channel().as_str(), q.priority()))
            .await;
    }
    for sp in u.security_profile_ids() {
        let held = c.list_security_profile_permissions().instance_id(&i.instance).security_profile_id(sp).send().await;
        for p in held.expect("permissions").permissions() {
            text_has(&b, "#permissions", p).await;
        }
    }
    shot(&b, "user").await;

    // Its routing profile, changed through the form.
    let target = if u.routing_profile_id() == Some(i.sales.as_str()) { i.routing.clone() } else { i.sales.clone() };
    b.find(Locator::Css(&format!("#routing_profile_id option[value='{target}']")))
        .await
        .expect("option")
        .click()
        .await
        .expect("select");
    b.find(Locator::Css("#save_routing")).await.expect("button").click().await.expect("save");
    text_has(&b, "#report", "UpdateUserRoutingProfile").await;
    let after =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    assert_eq!(after.routing_profile_id(), Some(target.as_str()));

    // A user created through the form, then deleted after the named confirmation.
    b.goto(&format!("{}/new", s.base)).await.expect("new user page");
    for (name, value) in
        [("username", "browser.made"), ("password", PASSWORD), ("first_name", "Brow"), ("last_name", "Ser")]
    {
        b.find(Locator::Css(&format!("input[name='{name}']")))
            .await
            .expect("field")
            .send_keys(value)
            .await
            .expect("type");
    }
    shot(&b, "new").await;
    b.find(Locator::Css("#create")).await.expect("button").click().await.expect("create");
    text_is(&b, "h1", "browser.made").await;
    assert!(!b.source().await.expect("html").contains(PASSWORD), "the password is never sent back");
    let new_id = user_id_named(&c, &i.instance, "browser.made").await;
    b.find(Locator::Css("#delete")).await.expect("delete link").click().await.expect("ask");
    text_is(&b, "h1", "Delete browser.made?").await;
    b.find(Locator::Css("#confirm_delete")).await.expect("confirm").click().await.expect("delete");
    text_has(&b, "#report", "DeleteUser").await;
    assert!(c.describe_user().instance_id(&i.instance).user_id(&new_id).send().await.is_err(), "deleted");

    // The SQL page and a report, for the README's pictures.
    b.goto(&format!("{}/sql", s.base)).await.expect("sql page");
    b.find(Locator::Css("textarea[name='sql']"))
        .await
        .expect("box")
        .send_keys("SELECT username, email, phone_type FROM aws.connect.users WHERE region = 'eu-west-2' ORDER BY username LIMIT 8")
        .await
        .expect("type");
    b.find(Locator::Css("button[name='run']")).await.expect("run").click().await.expect("run");
    text_has(&b, "#result", "amir.silva").await;
    shot(&b, "sql").await;
    b.goto(&format!("{}/reports/users_per_routing_profile", s.base)).await.expect("report");
    text_has(&b, "body", "Basic Routing Profile").await;
    shot(&b, "report").await;
    b.close().await.expect("close the browser");
}
