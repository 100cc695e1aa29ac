//! The `connectql` binary as users run it: `--demo`, `-e`, `-f`, stdin, output formats, exit
//! codes, DESCRIBE, COPY, and the REPL driven through piped stdin and a pseudo-terminal.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use super::support::cli;

fn run(args: &[&str]) -> Output {
    cli().args(args).output().expect("connectql runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const Q: &str = "SELECT username, auto_accept, after_contact_work_time_limit AS acw FROM aws.connect.users \
                 WHERE region = 'eu-west-2' ORDER BY username LIMIT 3";

/// The first three eu-west-2 users of the demo data, by username, read with the plain SDK:
/// (username, auto_accept, after-contact work).
async fn expected_rows() -> Vec<(String, bool, i32)> {
    let emu = super::support::demo().await;
    let c = super::support::client(&emu, "eu-west-2");
    let iid = super::support::instance_id(&c, "acme-uk").await;
    let listed = c.list_users().instance_id(&iid).send().await.expect("list");
    let mut users: Vec<(String, String)> = listed
        .user_summary_list()
        .iter()
        .map(|u| (u.username().expect("name").to_owned(), u.id().expect("id").to_owned()))
        .collect();
    users.sort();
    let mut out = Vec::new();
    for (name, id) in users.into_iter().take(3) {
        let u = c.describe_user().instance_id(&iid).user_id(id).send().await.expect("describe").user.expect("user");
        let p = u.phone_config().expect("phone");
        out.push((name, p.auto_accept(), p.after_contact_work_time_limit()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_format_shows_the_same_rows() {
    let rows = expected_rows().await;
    let table = run(&["--demo", "--account", "acme", "-e", Q]);
    assert!(table.status.success(), "{}", stderr(&table));
    let t = stdout(&table);
    assert_eq!(t.lines().count(), 7, "{t}");
    for (name, auto, acw) in &rows {
        let line = t.lines().find(|l| l.contains(&format!("| {name} "))).unwrap_or_else(|| panic!("{name}: {t}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(cells, [name.as_str(), &auto.to_string(), &acw.to_string()], "{t}");
    }

    let expected_csv: Vec<String> = rows.iter().map(|(n, a, w)| format!("{n},{a},{w}")).collect();
    let csv = stdout(&run(&["--demo", "--account", "acme", "-o", "csv", "-e", Q]));
    assert_eq!(csv, format!("username,auto_accept,acw\n{}\n", expected_csv.join("\n")));
    let tsv = stdout(&run(&["--demo", "--account", "acme", "-o", "tsv", "-e", Q]));
    assert_eq!(tsv, csv.replace(',', "\t"));

    let expected_json: Vec<serde_json::Value> =
        rows.iter().map(|(n, a, w)| serde_json::json!({ "username": n, "auto_accept": a, "acw": w })).collect();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--demo", "--account", "acme", "-o", "json", "-e", Q])))
            .expect("one array");
    assert_eq!(json, serde_json::Value::Array(expected_json.clone()));
    let ndjson = stdout(&run(&["--demo", "--account", "acme", "-o", "ndjson", "-e", Q]));
    let objects: Vec<serde_json::Value> =
        ndjson.lines().map(|l| serde_json::from_str(l).expect("one object a line")).collect();
    assert_eq!(objects, expected_json);

    let md = stdout(&run(&["--demo", "--account", "acme", "-o", "markdown", "-e", Q]));
    let body: Vec<String> = rows.iter().map(|(n, a, w)| format!("| {n} | {a} | {w} |")).collect();
    assert_eq!(md, format!("| username | auto_accept | acw |\n|---|---|---|\n{}\n", body.join("\n")));
}

#[test]
fn scripts_stdin_vars_and_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("report.sql");
    std::fs::write(
        &script,
        "-- users of a region\nSELECT count(*) AS n FROM aws.connect.users WHERE region = '{{ region }}';\n/* second */ SELECT 'done' AS status;\n",
    )
    .expect("write script");
    let path = script.to_str().expect("utf8 path");
    let ok = run(&["--demo", "--account", "acme", "-o", "csv", "-f", path, "--var", "region=eu-west-2"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(stdout(&ok), "n\n30\nstatus\ndone\n");

    let unset = run(&["--demo", "--account", "acme", "-f", path]);
    assert_eq!(unset.status.code(), Some(1));
    assert!(stderr(&unset).contains("{{ region }}") && stderr(&unset).contains("--var region="), "{}", stderr(&unset));

    let mut child = cli()
        .args(["--demo", "--account", "acme", "-o", "csv", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"SELECT 1 AS one; SELECT 2 AS two;").expect("write");
    let piped = child.wait_with_output().expect("wait");
    assert!(piped.status.success());
    assert_eq!(stdout(&piped), "one\n1\ntwo\n2\n");

    let bad_sql = run(&["--demo", "--account", "acme", "-e", "SELEC nonsense"]);
    assert_eq!(bad_sql.status.code(), Some(1));
    assert!(stderr(&bad_sql).starts_with("Error: "), "{}", stderr(&bad_sql));
    assert!(!stderr(&bad_sql).contains("panicked"));

    let stops = run(&[
        "--demo",
        "--account",
        "acme",
        "-o",
        "csv",
        "-e",
        "SELECT nope FROM aws.connect.users; SELECT 1 AS after",
    ]);
    assert_eq!(stops.status.code(), Some(1));
    assert!(stderr(&stops).contains("nope"), "the error names the column: {}", stderr(&stops));
    assert_eq!(stdout(&stops), "", "a script stops at the first error");
    let goes_on = run(&[
        "--demo",
        "--account",
        "acme",
        "-o",
        "csv",
        "--continue-on-error",
        "-e",
        "SELECT nope FROM aws.connect.users; SELECT 1 AS after",
    ]);
    assert_eq!(goes_on.status.code(), Some(1));
    assert_eq!(stdout(&goes_on), "after\n1\n");

    let usage = run(&["--demo", "--account", "acme", "--output", "xml", "-e", "SELECT 1"]);
    assert_eq!(usage.status.code(), Some(2));
    let missing = run(&["--demo", "--account", "acme", "-f", "/nonexistent/script.sql"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/script.sql"));
}

#[test]
fn unknown_instance_names_operation_and_id() {
    let out = run(&[
        "--demo",
        "--account",
        "acme",
        "-e",
        "SELECT id FROM aws.connect.users WHERE instance_id = '00000000-dead-beef-0000-000000000000'",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("aws.connect.users") && err.contains("ListUsers") && err.contains("ResourceNotFoundException"),
        "{err}"
    );
    assert!(err.contains("00000000-dead-beef-0000-000000000000"), "{err}");
}

#[test]
fn describe_shows_costs_and_verbose_counts_calls() {
    let out = run(&["--demo", "--account", "acme", "-o", "csv", "-e", "DESCRIBE aws.connect.users"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("column_name,data_type,is_nullable,cost,description\n"));
    assert!(text.contains("username,Utf8,true,free with ListUsers,Login name"), "{text}");
    assert!(text.contains("email,Utf8,true,1 DescribeUser per row,Email address"), "{text}");
    assert!(text.contains("user_proficiencies,") && text.contains("1 ListUserProficiencies per row"));

    let v = run(&[
        "--demo",
        "--account",
        "acme",
        "-v",
        "-o",
        "csv",
        "-e",
        "SELECT email FROM aws.connect.users WHERE region = 'eu-west-2'",
    ]);
    assert!(v.status.success());
    let err = stderr(&v);
    assert!(err.contains("API calls: 32 [DescribeUser=30, ListInstances=1, ListUsers=1], retries: 0"), "{err}");
}

#[test]
fn copy_writes_files_that_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let select = "SELECT username, email FROM aws.connect.users WHERE region = 'eu-west-2'";
    let expected =
        stdout(&run(&["--demo", "--account", "acme", "-o", "csv", "-e", &format!("{select} ORDER BY username")]));
    assert_eq!(expected.lines().count(), 31, "{expected}");
    for (ext, format) in [("csv", "CSV"), ("json", "JSON"), ("parquet", "PARQUET")] {
        let file = dir.path().join(format!("users.{ext}"));
        let out = run(&[
            "--demo",
            "--account",
            "acme",
            "-o",
            "csv",
            "-e",
            &format!("COPY ({select}) TO '{}'", file.display()),
        ]);
        assert!(out.status.success(), "{ext}: {}", stderr(&out));
        assert_eq!(stdout(&out), "count\n30\n", "{ext}");
        let options = if ext == "csv" { " OPTIONS ('format.has_header' 'true')" } else { "" };
        let back = run(&[
            "-o",
            "csv",
            "-e",
            &format!(
                "CREATE EXTERNAL TABLE copied STORED AS {format} LOCATION '{}'{options}; SELECT username, email FROM copied ORDER BY username",
                file.display()
            ),
        ]);
        assert!(back.status.success(), "{ext}: {}", stderr(&back));
        assert_eq!(stdout(&back), expected, "{ext} reads back the same rows");
    }
}

#[test]
fn repl_over_piped_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let mut child = cli()
        .args(["--demo", "--account", "acme", "--history", history.to_str().expect("utf8")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let input = ".tables\n.schema users\n.mode csv\nSELECT count(*) AS n\n  FROM aws.connect.users\n  WHERE region = 'eu-west-2';\n.stats\n.bogus\n.quit\n";
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = stdout(&out);
    assert!(text.contains("aws.connect.users") && text.contains("Amazon Connect users"), "{text}");
    assert!(text.contains("last_modified_time") && text.contains("free with ListUsers"), ".schema: {text}");
    assert!(text.contains("n\n30\n"), "multi-line statement in csv mode: {text}");
    let stats = text.lines().find(|l| l.starts_with("API calls: ")).unwrap_or_else(|| panic!(".stats: {text}"));
    assert!(stats.starts_with("API calls: 2 [ListInstances=1, ListUsers=1], retries: 0, "), ".stats: {stats}");
    assert!(stderr(&out).contains("unknown command '.bogus'"));
    let saved = std::fs::read_to_string(&history).expect("history file");
    assert!(saved.contains("WHERE region = 'eu-west-2';"), "{saved}");
}

/// `.cache` says where the cache is, how big, and how much of the last statement it served;
/// `.cache clear` empties it, so the next statement describes every user again.
#[test]
fn repl_cache_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let mut child = cli()
        .args(["--demo", "--account", "acme", "--cache-dir", cache.to_str().expect("utf8")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let q = "SELECT count(email) AS n FROM aws.connect.users WHERE region = 'eu-west-2';";
    let input = format!(".cache\n{q}\n{q}\n.cache\n.cache clear\n.cache\n{q}\n.cache\n.quit\n");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let place = format!("cache: {}", cache.join("cache.sqlite").display());
    let reports: Vec<&str> = text.lines().filter(|l| l.starts_with(&place) || l.contains(" entries, ")).collect();
    assert_eq!(reports.len(), 8, "four .cache reports: {text}");
    assert!(
        reports[1].starts_with("0 entries, ")
            && reports[1].ends_with("no item of the last statement could come from it"),
        "{text}"
    );
    assert!(
        reports[3].starts_with("30 entries, ")
            && reports[3].ends_with("last statement: 30 of 30 items from the cache (100.0%)"),
        "{text}"
    );
    assert!(text.contains(&format!("cache cleared: {}", cache.join("cache.sqlite").display())), "{text}");
    assert!(reports[5].starts_with("0 entries, "), "cleared: {text}");
    assert!(
        reports[7].starts_with("30 entries, ")
            && reports[7].ends_with("last statement: 0 of 30 items from the cache (0.0%)"),
        "{text}"
    );
}

/// The shell in a terminal: Tab completes a column name, and `.schema` answers.
#[test]
fn repl_in_a_terminal_completes_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let (screen, code) = in_terminal(
        &["--demo", "--account", "acme", "--history", history.to_str().expect("utf8")],
        &[],
        &[
            Step::expect_only("", "connectql> "),
            Step::expect(
                "SELECT usernam\t FROM aws.connect.users WHERE region = 'eu-west-2' ORDER BY 1 LIMIT 1;\r",
                "| username",
            ),
            Step::expect(".schema users\r", "1 DescribeUser per row"),
            Step::expect_only(".quit\r", ""),
        ],
    );
    assert!(screen.contains("SELECT username FROM aws.connect.users"), "Tab completed the column: {screen}");
    assert_eq!(code, Some(0), "{screen}");
}

/// In the shell, a change of more rows than the threshold asks first, with nothing drawn over
/// the question while it waits; answering no changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repl_asks_before_a_large_change() {
    let emu = super::support::start(connectql_emulator::EmulatorConfig {
        faults: connectql_emulator::faults::Faults { latency_ms: 60, ..Default::default() },
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let url = emu.base_url();
    let (screen, code) = tokio::task::spawn_blocking(move || {
        let args = ["--endpoint-url", &url, "--history", history.to_str().expect("utf8"), "-o", "csv"];
        in_terminal(
            &args,
            &test_credentials("eu-west-2"),
            &[
                Step::expect_only("", "connectql> "),
                Step::expect_only(
                    "DELETE FROM aws.connect.users WHERE username LIKE '%.%';\r",
                    "would change 30 rows of aws.connect.users. Go ahead? [y/N] ",
                )
                .then_quiet(0.6),
                Step::expect("n\r", "DELETE cancelled: nothing was changed"),
                Step::expect("SELECT count(*) AS left_over FROM aws.connect.users;\r", "left_over\r\n30"),
                Step::expect(".help\r", "Ctrl-C cancels a running statement."),
                Step::expect(".dryrun on\r", "dry run on"),
                Step::expect("DELETE FROM aws.connect.users WHERE username LIKE 'a%';\r", "count\r\n0"),
                Step::expect(".dryrun off\r", "dry run off"),
                Step::expect_only(".timer on\r", "connectql> "),
                Step::expect_only(
                    "DELETE FROM aws.connect.users WHERE username LIKE '%.%';\r",
                    "would change 30 rows of aws.connect.users. Go ahead? [y/N] ",
                ),
                Step::expect("y\r", "Elapsed "),
                Step::expect_only(".quit\r", ""),
            ],
        )
    })
    .await
    .expect("driver");
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 30, "only the confirmed DELETE made calls: {screen}");
    assert!(screen.contains("count\r\n30"), "{screen}");
    assert_eq!(code, Some(0), "the last statement succeeded: {screen}");
}

/// Ctrl-C cancels the running statement (its spinner goes away) and the shell stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_the_statement_not_the_shell() {
    let emu = super::support::start(connectql_emulator::EmulatorConfig {
        faults: connectql_emulator::faults::Faults { latency_ms: 200, ..Default::default() },
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let url = emu.base_url();
    let (screen, _) = tokio::task::spawn_blocking(move || {
        let args =
            ["--endpoint-url", &url, "--concurrency", "1", "--history", history.to_str().expect("utf8"), "-o", "csv"];
        in_terminal(
            &args,
            &test_credentials("eu-west-2"),
            &[
                Step::expect_only("", "connectql> "),
                // The spinner shows the statement is running.
                Step::expect_only("SELECT count(email) FROM aws.connect.users;\r", "API calls"),
                Step::expect("\u{3}", "statement cancelled"),
                Step::expect("SELECT 'still here' AS shell;\r", "shell\r\nstill here"),
                Step::expect_only(".quit\r", ""),
            ],
        )
    })
    .await
    .expect("driver");
    assert!(
        !screen.contains("count(aws.connect.users.email)\r\n"),
        "the cancelled statement printed nothing: {screen}"
    );
}

/// `-q`: no spinner, even on a terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_shows_no_progress() {
    let emu = super::support::start(connectql_emulator::EmulatorConfig {
        faults: connectql_emulator::faults::Faults { latency_ms: 100, ..Default::default() },
        ..Default::default()
    })
    .await;
    let url = emu.base_url();
    for (quiet, spinner) in [(false, true), (true, false)] {
        let url = url.clone();
        let (screen, _) = tokio::task::spawn_blocking(move || {
            let mut args = vec!["--endpoint-url", url.as_str(), "--concurrency", "2", "-o", "csv"];
            if quiet {
                args.push("-q");
            }
            args.extend(["-e", "SELECT count(email) AS n FROM aws.connect.users"]);
            in_terminal(&args, &test_credentials("eu-west-2"), &[Step::expect_only("", "n\r\n29")])
        })
        .await
        .expect("driver");
        assert_eq!(screen.contains("API calls"), spinner, "quiet {quiet}: {screen}");
    }
}

fn test_credentials(region: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", region),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
    ]
}

/// One step at the keyboard: type `send`, then wait until `expect` shows (30 s at most) and, in
/// the shell, until its prompt is back (so nothing is typed ahead into a running statement);
/// then optionally check that nothing more is drawn for `quiet` seconds.
#[derive(serde::Serialize)]
struct Step {
    send: String,
    expect: String,
    prompt: bool,
    quiet: f64,
}

impl Step {
    /// A shell input: its expected output, then the prompt again.
    fn expect(send: &str, expect: &str) -> Step {
        Step { send: send.to_owned(), expect: expect.to_owned(), prompt: true, quiet: 0.0 }
    }

    /// An input whose expected output is all there is to wait for (a question, the end).
    fn expect_only(send: &str, expect: &str) -> Step {
        Step { prompt: false, ..Step::expect(send, expect) }
    }

    fn then_quiet(mut self, seconds: f64) -> Step {
        self.quiet = seconds;
        self
    }
}

/// Drives `connectql` in a pseudo-terminal (Python's `pty`), as a person at a keyboard, with a
/// clean environment: each step types, then waits for the text it expects (never a fixed
/// time); a step that does not see its text fails with the screen. Returns the screen and the
/// exit code.
fn in_terminal(args: &[&str], env: &[(&str, &str)], steps: &[Step]) -> (String, Option<i32>) {
    let driver = r#"
import json, os, pty, sys, time, select
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.environ.clear()
    os.environ.update(spec["env"])
    os.execv(spec["argv"][0], spec["argv"])
out = b""
def read(until_text, seconds):
    global out
    start = len(out)
    end = time.time() + seconds
    while time.time() < end:
        if until_text is not None and until_text.encode() in out[start:]:
            return True
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return until_text is not None and until_text.encode() in out[start:]
failed = None
for step in spec["steps"]:
    if step["send"]:
        os.write(fd, step["send"].encode())
    if step["expect"] and not read(step["expect"], 30.0):
        failed = "never saw " + json.dumps(step["expect"])
        break
    if step["prompt"]:
        at = out.rfind(step["expect"].encode()) + len(step["expect"])
        if b"connectql> " not in out[at:] and not read("connectql> ", 30.0):
            failed = "no prompt after " + json.dumps(step["expect"])
            break
    if step["quiet"] > 0:
        before = len(out)
        read(None, step["quiet"])
        if len(out) != before:
            failed = "drew " + json.dumps(out[before:].decode("utf-8", "replace")) + " after " + json.dumps(step["expect"])
            break
code = None
if failed is None:
    end = time.time() + 30
    while time.time() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        read(None, 0.05)
else:
    os.kill(pid, 9)
print(json.dumps({"screen": out.decode("utf-8", "replace"), "failed": failed, "code": code}))
"#;
    let mut argv = vec![env!("CARGO_BIN_EXE_connectql").to_owned()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let home = tempfile::tempdir().expect("home");
    let mut vars: serde_json::Map<String, serde_json::Value> =
        env.iter().map(|(k, v)| ((*k).to_owned(), (*v).into())).collect();
    vars.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    vars.insert("TERM".into(), "xterm".into());
    vars.insert("HOME".into(), home.path().display().to_string().into());
    let spec = serde_json::json!({ "argv": argv, "env": vars, "steps": steps });
    let out = Command::new("python3")
        .args(["-c", driver, &spec.to_string()])
        .output()
        .expect("python3 drives a pseudo-terminal");
    let result: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("driver: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let screen = result["screen"].as_str().unwrap_or_default().to_owned();
    if let Some(failed) = result["failed"].as_str() {
        panic!("in the terminal: {failed}\n--- screen ---\n{screen}");
    }
    (screen, result["code"].as_i64().and_then(|c| i32::try_from(c).ok()))
}

/// JSON keeps every selected column in order, NULL as null; CSV writes nested values as JSON.
#[test]
fn outputs_a_program_can_read_back() {
    let q = "SELECT username, email, password, phone_config, security_profile_ids FROM aws.connect.users \
             WHERE region = 'eu-west-2' AND email IS NULL";
    let json = run(&["--demo", "--account", "acme", "-o", "json", "-e", q]);
    assert!(json.status.success(), "{}", stderr(&json));
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(&stdout(&json)).expect("json");
    assert_eq!(rows.len(), 1);
    let keys: Vec<&str> = rows[0].keys().map(String::as_str).collect();
    assert_eq!(keys, ["username", "email", "password", "phone_config", "security_profile_ids"]);
    assert!(rows[0]["email"].is_null() && rows[0]["password"].is_null());
    let ndjson = run(&["--demo", "--account", "acme", "-o", "ndjson", "-e", q]);
    let line: serde_json::Value = serde_json::from_str(stdout(&ndjson).trim()).expect("ndjson");
    assert_eq!(line, serde_json::Value::Object(rows[0].clone()));

    let csv = run(&["--demo", "--account", "acme", "-o", "csv", "-e", q]);
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("username,email,password,phone_config,security_profile_ids"));
    let row = lines.next().expect("a row");
    // The nested values are quoted JSON text: read them back.
    let fields: Vec<String> = {
        let mut out = Vec::new();
        let (mut cur, mut quoted, mut chars) = (String::new(), false, row.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(std::mem::take(&mut cur)),
                (c, _) => cur.push(c),
            }
        }
        out.push(cur);
        out
    };
    let phone: serde_json::Value = serde_json::from_str(&fields[3]).expect("phone_config is JSON text");
    assert_eq!(phone, rows[0]["phone_config"]);
    let profiles: serde_json::Value = serde_json::from_str(&fields[4]).expect("a list is JSON text");
    assert_eq!(profiles, rows[0]["security_profile_ids"]);
    assert_eq!((fields[1].as_str(), fields[2].as_str()), ("", ""), "NULL is an empty field");
}

/// Without credentials (and without --demo) the error says what is missing and how to fix it.
#[test]
fn missing_credentials_are_named_with_the_fix() {
    let o = cli()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["-e", "SELECT id FROM aws.connect.users"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "one line, not the SDK's internals: {e}");
    assert!(
        e.contains("ListInstances: no AWS credentials found") && e.contains("aws configure") && e.contains("--demo"),
        "{e}"
    );
}

/// The binary packs its relative relocations (build.rs) where the C library it runs against
/// applies them (glibc 2.36 and later), and keeps the classic table elsewhere.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_packs_its_relative_relocations_where_glibc_applies_them() {
    let glibc = Command::new("getconf").arg("GNU_LIBC_VERSION").output().expect("getconf runs");
    let glibc = String::from_utf8_lossy(&glibc.stdout).into_owned();
    let version: Vec<u32> =
        glibc.trim().trim_start_matches("glibc ").split('.').take(2).map(|n| n.parse().expect("a number")).collect();
    let readelf =
        Command::new("readelf").args(["--dynamic", env!("CARGO_BIN_EXE_connectql")]).output().expect("readelf runs");
    assert!(readelf.status.success(), "{}", stderr(&readelf));
    let dynamic = stdout(&readelf);
    let packed = dynamic.contains("(RELR)");
    assert_eq!(packed, version >= vec![2, 36], "glibc {glibc}, dynamic section:\n{dynamic}");
}
