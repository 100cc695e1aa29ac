//! Writes that do exactly what they say: every row of a multi-partition INSERT … SELECT is
//! written, an UPDATE or DELETE that matches nothing changes nothing, a `--var` value can never
//! become statement text, passwords reach no output on any path, an interrupted bulk write says
//! what it did, transient errors and quotas are handled as they should be, and a silent endpoint
//! fails in seconds. The emulator's state is read back with the plain SDK, not through connectql.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use connectql::{Error, Refusal, Request};
use connectql_emulator::faults::Faults;
use connectql_emulator::{EmulatorConfig, EmulatorHandle, Seed};

use super::support::{MAIN_REGION, cli, client, demo, engine, engine_with, err, ids, out, query, run, start};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

/// Usernames of the main demo instance, read with the SDK.
async fn usernames(emu: &EmulatorHandle, instance: &str) -> Vec<String> {
    let c = client(emu, MAIN_REGION);
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page =
            c.list_users().instance_id(instance).max_results(1000).set_next_token(token).send().await.expect("list");
        out.extend(page.user_summary_list().iter().filter_map(|u| u.username().map(str::to_owned)));
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => return out,
        }
    }
}

fn write_calls(emu: &EmulatorHandle) -> u64 {
    emu.emulator
        .calls()
        .iter()
        .filter(|(op, _)| {
            op.starts_with("Create") || op.starts_with("Delete") || op.starts_with("Update") || op.starts_with("Put")
        })
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_select_writes_every_row_of_every_partition() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("hires.csv");
    let mut text = "n,name,first_name,last_name,profile\n".to_owned();
    for n in 1..=10 {
        let profile = if n % 2 == 0 { "Sales" } else { "Basic Routing Profile" };
        text.push_str(&format!("{n},hire{n:02},Hire,Number{n},{profile}\n"));
    }
    std::fs::write(&csv, &text).expect("csv");
    let twice = dir.path().join("twice.csv");
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n{l}\n")).collect();
    std::fs::write(&twice, format!("n,name,first_name,last_name,profile\n{body}")).expect("csv");
    let e = engine(&emu).await;
    let columns = "instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id";
    for partitions in [1, 2, 8] {
        query(&e, &format!("SET datafusion.execution.target_partitions = {partitions}")).await.expect("set");
        for (table, path) in [("hires", &csv), ("twice", &twice)] {
            query(&e, &format!("DROP TABLE IF EXISTS {table}")).await.expect("drop");
            query(
                &e,
                &format!(
                    "CREATE EXTERNAL TABLE {table} STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
                    path.display()
                ),
            )
            .await
            .expect("csv table");
        }
        let row = |prefix: &str| {
            format!(
                "'{}', '{prefix}{partitions}-' || h.name, '{PASSWORD}', h.first_name, h.last_name, ['{}']",
                i.instance, i.agent
            )
        };
        let shapes = [
            (
                "j",
                format!(
                    "INSERT INTO aws.connect.users ({columns}) SELECT {}, rp.id FROM hires h JOIN aws.connect.routing_profiles rp \
                     ON rp.name = h.profile WHERE rp.instance_id = '{}'",
                    row("j"),
                    i.instance
                ),
            ),
            (
                "u",
                format!(
                    "INSERT INTO aws.connect.users ({columns}) SELECT {r}, '{rp}' FROM hires h WHERE h.n <= 4 \
                     UNION ALL SELECT {r}, '{rp}' FROM hires h WHERE h.n > 4",
                    r = row("u"),
                    rp = i.routing
                ),
            ),
            (
                "d",
                format!(
                    "INSERT INTO aws.connect.users ({columns}) SELECT DISTINCT {}, '{}' FROM twice h",
                    row("d"),
                    i.routing
                ),
            ),
            (
                "x",
                format!(
                    "INSERT INTO aws.connect.users ({columns}) SELECT {}, '{}' FROM hires h WHERE 'x{partitions}-' || h.name \
                     NOT IN (SELECT username FROM aws.connect.users WHERE instance_id = '{}')",
                    row("x"),
                    i.routing,
                    i.instance
                ),
            ),
        ];
        for (prefix, sql) in shapes {
            let count = query(&e, &sql).await.unwrap_or_else(|err| panic!("{prefix}/{partitions}: {err}"));
            let count = super::support::strings(&count, "count");
            assert_eq!(count, vec![Some("10".to_owned())], "{prefix} with {partitions} partitions reports 10 rows");
            let created = usernames(&emu, &i.instance).await;
            let mine = created.iter().filter(|u| u.starts_with(&format!("{prefix}{partitions}-"))).count();
            assert_eq!(mine, 10, "{prefix} with {partitions} partitions created every row");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_or_delete_that_matches_nothing_changes_nothing() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let before = usernames(&emu, &i.instance).await.len();
    let statements = [
        "DELETE FROM aws.connect.users WHERE false",
        "DELETE FROM aws.connect.users WHERE username = NULL",
        "DELETE FROM aws.connect.users WHERE id IN (SELECT id FROM aws.connect.users WHERE username = 'no.such.user')",
        "UPDATE aws.connect.users SET first_name = 'Nobody' WHERE false",
        "UPDATE aws.connect.users SET first_name = 'Nobody' WHERE username = NULL",
        "UPDATE aws.connect.users SET first_name = 'Nobody' WHERE id IN (SELECT id FROM aws.connect.users WHERE username = 'no.such.user')",
    ];
    for flags in [&["--yes"][..], &["--yes", "--allow-unqualified"][..]] {
        for sql in statements {
            emu.emulator.reset_calls();
            let o = run(&emu, &[flags, &["-e", sql]].concat());
            assert!(o.status.success(), "{flags:?} {sql}: {}", err(&o));
            assert_eq!(out(&o), "count\n0\n", "{flags:?} {sql}");
            assert_eq!(write_calls(&emu), 0, "{flags:?} {sql}: no write call");
        }
    }
    assert_eq!(usernames(&emu, &i.instance).await.len(), before, "every user is still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variable_stays_one_value() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let before = usernames(&emu, &i.instance).await.len();
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("lookup.sql");
    std::fs::write(
        &script,
        "SELECT count(*) AS n FROM aws.connect.users WHERE region = 'us-east-1' AND username = '{{ username }}';\n",
    )
    .expect("script");
    let attack = "--var=username=nobody'; DELETE FROM aws.connect.users WHERE username LIKE '%";
    let o = run(&emu, &["--yes", "--allow-unqualified", attack, "-f", script.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "n\n0\n", "one statement, looking for that odd username");
    let o = run(
        &emu,
        &[
            "--yes",
            "--allow-unqualified",
            "--var",
            "n=1; DELETE FROM aws.connect.users",
            "-e",
            "SELECT 1 AS one LIMIT {{ n }}",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("--var n"), "outside quotes a value must be one SQL value: {}", err(&o));
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 0);
    assert_eq!(usernames(&emu, &i.instance).await.len(), before);

    // A backslash ends nothing either: not in E'…' (where it escapes a quote), not in $$…$$.
    let names = usernames(&emu, &i.instance).await;
    let victim = names.first().expect("a user").clone();
    let prefix: String = victim.chars().take(2).collect();
    let matching = names.iter().filter(|n| n.starts_with(&prefix)).count();
    assert!(matching > 1, "the attack would match several users");
    let attack = format!("u=\\' OR starts_with(username, '{prefix}') --");
    for quoted in ["E'{{ u }}'".to_owned(), "'{{ u }}'".to_owned(), "$${{ u }}$$".to_owned()] {
        let delete =
            format!("DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username = {quoted}", i.instance);
        let o = run(&emu, &["--yes", "--dry-run", "--var", &attack, "-e", &delete]);
        assert!(o.status.success(), "{quoted}: {}", err(&o));
        assert!(!err(&o).contains("DeleteUser"), "{quoted}: nothing matches that odd username: {}", err(&o));
        // The positive control: the same statement with a real username plans its one call.
        let o = run(&emu, &["--yes", "--dry-run", "--var", &format!("u={victim}"), "-e", &delete]);
        assert_eq!(err(&o).matches("DeleteUser").count(), 1, "{quoted}: {}", err(&o));
    }
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 0);
}

/// Every stream a run wrote must be free of the secret, in any escaping.
fn assert_no_secret(what: &str, text: &str, secret_core: &str) {
    assert!(!text.contains(secret_core), "{what} shows the password: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_reach_no_output_on_any_path() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let insert = |password: &str| {
        format!(
            "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) \
             VALUES ('{}', 'leak.check', '{password}', 'Leak', 'Check', ['{}'], '{}')",
            i.instance, i.agent, i.routing
        )
    };
    // An endpoint URL without a scheme is refused before any request is built.
    let o = cli().args(["--endpoint-url", "127.0.0.1:4599", "-e", &insert(PASSWORD)]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("'127.0.0.1:4599'") && err(&o).contains("scheme"), "{}", err(&o));
    assert_no_secret("stderr", &err(&o), "Sup3rSecret");

    // A statement that does not parse: its literals never reach the error.
    for sql in [
        format!("INSERT INTO aws.connect.users (username, password) VALUES ('x' '{PASSWORD}')"),
        "INSERT INTO aws.connect.users (username, password) VALUES ('x' '{{ pw }}')".to_owned(),
    ] {
        let o = run(&emu, &["--var", &format!("pw={PASSWORD}"), "-e", &sql]);
        assert_eq!(o.status.code(), Some(1));
        assert!(err(&o).starts_with("Error: "), "{}", err(&o));
        assert_no_secret("a parse error", &err(&o), "Sup3rSecret");
    }
    // … while the rest of the message stays readable: short values and the parser's own words
    // are not masked.
    let o = run(
        &emu,
        &["-e", "INSERT INTO aws.connect.users (instance_id, username, password) VALUES ('x', 'y', 'Secr3t!Pass'"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_no_secret("an unclosed statement's error", &err(&o), "Secr3t!Pass");
    assert!(err(&o).contains("Expected: ), found: EOF"), "the message is readable: {}", err(&o));

    // A password read from a file, with a quote and a backslash, through trace logging.
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("people.csv");
    std::fs::write(&csv, "username,password\nfile.pw,\"Qu\"\"ote\\Pass9wordX\"\n").expect("csv");
    let script = format!(
        "CREATE EXTERNAL TABLE people STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');\n\
         INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) \
         SELECT '{}', username, password, 'File', 'Password', ['{}'], '{}' FROM people;",
        csv.display(),
        i.instance,
        i.agent,
        i.routing
    );
    for dry in [true, false] {
        let mut command = cli();
        command.args(["--endpoint-url", &emu.base_url(), "-v"]).env("CONNECTQL_LOG", "trace");
        if dry {
            command.arg("--dry-run");
        }
        let o = command.args(["-e", &script]).output().expect("runs");
        assert!(o.status.success(), "{}", err(&o));
        assert_no_secret("stdout", &out(&o), "Pass9word");
        assert_no_secret("stderr and trace logs", &err(&o), "Pass9word");
        if dry {
            assert!(err(&o).contains("\"Password\":\"********\""), "{}", err(&o));
        }
    }

    // The shell's history: a statement that does not parse, one with a quote in the password,
    // one that builds it from parts, and an EXPLAIN.
    let history = dir.path().join("history");
    let lines = [
        format!("INSERT INTO aws.connect.users (username, password) VALUES ('x' '{PASSWORD}');"),
        insert("It''sSup3rSecretQ").replace("leak.check", "leak.two") + ";",
        insert("x")
            .replace("'x', 'Leak'", "concat('Sup3rSec', 'retPartsX'), 'Leak'")
            .replace("leak.check", "leak.three")
            + ";",
        format!("EXPLAIN {};", insert(PASSWORD).replace("leak.check", "leak.four")),
    ];
    let mut child = cli()
        .args(["--endpoint-url", &emu.base_url(), "--history", history.to_str().expect("utf8"), "--dry-run"])
        .env("CONNECTQL_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all((lines.join("\n") + "\n.quit\n").as_bytes()).expect("write");
    let o = child.wait_with_output().expect("wait");
    let saved = std::fs::read_to_string(&history).expect("history");
    for (what, text) in [("stdout", out(&o)), ("stderr", err(&o)), ("history", saved.clone())] {
        for core in ["Sup3rSecret", "Sup3rSec", "retPartsX"] {
            assert_no_secret(what, &text, core);
        }
    }
    assert!(out(&o).contains("DmlExec: INSERT aws.connect.users"), "EXPLAIN printed its plan: {}", out(&o));
    assert!(saved.contains("EXPLAIN INSERT INTO aws.connect.users"), "{saved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_bulk_insert_reports_what_it_did() {
    let emu =
        start(EmulatorConfig { faults: Faults { latency_ms: 150, ..Faults::default() }, ..EmulatorConfig::default() })
            .await;
    let i = ids(&emu).await;
    let values: Vec<String> = (1..=40)
        .map(|n| {
            format!("('{}', 'bulk{n:02}', '{PASSWORD}', 'Bulk', 'N{n}', ['{}'], '{}')", i.instance, i.agent, i.routing)
        })
        .collect();
    let sql = format!(
        "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) VALUES {}",
        values.join(", ")
    );
    emu.emulator.reset_calls();
    let child = cli()
        .args(["--endpoint-url", &emu.base_url(), "--concurrency", "2", "--yes", "-e", &sql])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while emu.emulator.calls_of("CreateUser") < 8 {
        assert!(Instant::now() < deadline, "the insert never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let o = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    let e = err(&o);
    let created: Vec<String> =
        usernames(&emu, &i.instance).await.into_iter().filter(|u| u.starts_with("bulk")).collect();
    assert!(!created.is_empty() && created.len() < 40, "{created:?}");
    let reported = e.lines().filter(|l| l.starts_with("ok      CreateUser")).count();
    let in_flight: Vec<&str> = e
        .lines()
        .find_map(|l| l.strip_prefix("in flight, may or may not have been applied: "))
        .map(|l| l.split(", ").collect())
        .unwrap_or_default();
    for user in &created {
        assert!(
            e.contains(&format!(" {user} (")) || in_flight.contains(&user.as_str()),
            "{user} exists: reported as created or as in flight: {e}"
        );
    }
    assert!(reported >= created.len() - in_flight.len(), "{e}");
    assert!(e.contains(&format!("INSERT interrupted: {reported} of 40 rows finished")), "{e}");
    assert!(e.contains("not started: "), "{e}");
    assert_no_secret("stderr", &e, "Sup3rSecret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_through_30_percent_errors_completes() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 700, ..EmulatorConfig::default() }).await;
    let i = ids(&emu).await;
    emu.emulator.set_faults(Faults { error_rate: 0.3, seed: 7, ..Faults::default() });
    // A call fails only if all its attempts draw an error (0.3^12 each): retries, not a
    // budget of them, bound it.
    let e = engine_with(&emu, |s| s.connect.max_attempts = 12).await;
    let (rows, summary) = super::support::summarized(
        &e,
        &format!("SELECT id, email FROM aws.connect.users WHERE instance_id = '{}'", i.instance),
    )
    .await
    .expect("the scan completes");
    assert_eq!(super::support::row_count(&rows), 1000);
    assert!(summary.stats.retries() > 200, "more retries than the SDK's default budget allows: {}", summary.stats);

    // When every attempt fails, the error says which budget ran out.
    emu.emulator.set_faults(Faults { error_rate: 1.0, seed: 7, ..Faults::default() });
    let o = run(&emu, &["--max-attempts", "2", "-e", "SELECT count(*) FROM aws.connect.users"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("InternalServiceException") && err(&o).contains("every attempt --max-attempts allows"),
        "{}",
        err(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_instance_fails_each_row_at_once_with_the_service_message() {
    let emu = start(EmulatorConfig { user_quota: Some(300), ..EmulatorConfig::default() }).await;
    let i = ids(&emu).await;
    let values: Vec<String> = (1..=3)
        .map(|n| {
            format!("('{}', 'over{n}', '{PASSWORD}', 'Over', 'Quota', ['{}'], '{}')", i.instance, i.agent, i.routing)
        })
        .collect();
    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) VALUES {}",
                values.join(", ")
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "count\n0\n");
    assert_eq!(emu.emulator.calls_of("CreateUser"), 3, "no retries of a quota error");
    let e = err(&o);
    assert_eq!(
        e.matches("LimitExceededException: The users per instance quota (300) has been reached").count(),
        3,
        "{e}"
    );
    assert!(!e.contains("throughput"), "{e}");
}

#[test]
fn a_silent_endpoint_fails_in_seconds() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        // Accept and hold every connection, answering nothing.
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let started = Instant::now();
    let o = cli()
        .args(["--endpoint-url", &format!("http://{addr}"), "--max-attempts", "2"])
        .args(["-e", "SELECT id FROM aws.connect.users WHERE instance_id = 'i-1'"])
        .output()
        .expect("runs");
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(took < Duration::from_secs(30), "gave up after {took:?}");
    let e = err(&o);
    assert!(e.contains("ListUsers") && e.contains("no answer"), "{e}");
    assert!(e.contains("note: retrying ListUsers after no answer in time (attempt 2 of 2)"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_checks_what_can_be_checked() {
    let emu = demo().await;
    let i = ids(&emu).await;
    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &[
            "--dry-run",
            "-e",
            &format!(
                "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids) \
                 VALUES ('{}', 'no.profile', '{PASSWORD}', 'No', 'Profile', ['{}'])",
                i.instance, i.agent
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("no.profile: routing_profile_id (or routing_profile_arn) is required"), "{}", err(&o));
    assert_eq!(emu.emulator.calls_of("CreateUser"), 0);
    // A value that is not of its column's type is named with its column.
    let o = run(&emu, &["-e", "UPDATE aws.connect.users SET auto_accept = 'maybe' WHERE username = 'ava.smith'"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("auto_accept: 'maybe' is not true or false"), "{}", err(&o));
    assert_eq!(emu.emulator.calls_of("UpdateUserPhoneConfig"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_conflict_do_nothing_makes_a_rerun_create_only_the_missing_users() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sql = |names: &[&str]| {
        let values: Vec<String> = names
            .iter()
            .map(|n| format!("('{}', '{n}', '{PASSWORD}', 'Re', 'Run', ['{}'], '{}')", i.instance, i.agent, i.routing))
            .collect();
        format!(
            "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) \
             VALUES {} ON CONFLICT (username) DO NOTHING",
            values.join(", ")
        )
    };
    let o = run(&emu, &["-e", &sql(&["rerun.a", "rerun.b"])]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n2\n");
    let o = run(&emu, &["-e", &sql(&["rerun.a", "rerun.b", "rerun.c"])]);
    assert!(o.status.success(), "existing users are skipped, not failures: {}", err(&o));
    assert_eq!(out(&o), "count\n1\n");
    assert_eq!(err(&o).matches("skipped CreateUser").count(), 2, "{}", err(&o));
    let names = usernames(&emu, &i.instance).await;
    assert_eq!(names.iter().filter(|n| n.starts_with("rerun.")).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioning_rerun_repairs_the_routing_profile() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/provision_user.sql");
    let provision = |routing: &str| {
        run(
            &emu,
            &[
                "-f",
                script,
                "--var",
                &format!("instance_id={}", i.instance),
                "--var",
                "username=re.provisioned",
                "--var",
                &format!("password={PASSWORD}"),
                "--var",
                &format!("security_profile_id={}", i.agent),
                "--var",
                &format!("routing_profile_id={routing}"),
            ],
        )
    };
    let first = provision(&i.routing);
    assert!(first.status.success(), "{}", err(&first));
    let again = provision(&i.sales);
    assert!(again.status.success(), "the rerun repairs the profile: {}", err(&again));
    assert!(err(&again).contains("skipped CreateUser"), "{}", err(&again));
    assert!(out(&again).contains(&format!("re.provisioned,{},true", i.sales)), "{}", out(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_write_survives_a_kill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let spawn = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_connectql"))
            .args(["emulator", "--addr", "127.0.0.1:0", "--state", state.to_str().expect("utf8")])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("emulator runs");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
            .expect("a line");
        (child, line.trim().trim_start_matches("listening on ").to_owned())
    };
    let sdk = |url: &str| {
        aws_sdk_connect::Client::from_conf(
            aws_sdk_connect::Config::builder()
                .http_client(super::support::loopback_http())
                .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
                .region(aws_sdk_connect::config::Region::new(MAIN_REGION))
                .credentials_provider(aws_sdk_connect::config::Credentials::new("AKIDTEST", "test", None, None, "test"))
                .endpoint_url(url)
                .build(),
        )
    };
    let (mut first, url) = tokio::task::block_in_place(spawn);
    let c = sdk(&url);
    let instance = super::support::instance_id(&c, connectql_emulator::DEMO_INSTANCE_ALIAS).await;
    let profiles = c.list_routing_profiles().instance_id(&instance).send().await.expect("profiles");
    let security = c.list_security_profiles().instance_id(&instance).send().await.expect("profiles");
    let created = c
        .create_user()
        .instance_id(&instance)
        .username("survivor")
        .password(PASSWORD)
        .identity_info(aws_sdk_connect::types::UserIdentityInfo::builder().first_name("Sur").last_name("Vivor").build())
        .phone_config(
            aws_sdk_connect::types::UserPhoneConfig::builder()
                .phone_type(aws_sdk_connect::types::PhoneType::SoftPhone)
                .build(),
        )
        .security_profile_ids(security.security_profile_summary_list()[0].id().expect("id"))
        .routing_profile_id(profiles.routing_profile_summary_list()[0].id().expect("id"))
        .send()
        .await
        .expect("created");
    first.kill().expect("kill -9");
    first.wait().expect("gone");
    let (mut second, url) = tokio::task::block_in_place(spawn);
    let found = sdk(&url).describe_user().instance_id(&instance).user_id(created.user_id().expect("id")).send().await;
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(
        found.expect("the acknowledged user is in the state file").user.and_then(|u| u.username),
        Some("survivor".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_engine_refuses_every_write_at_planning() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let e = engine_with(&emu, |s| {
        s.policy = connectql::WritePolicy::ReadOnly;
        s.read_only_hint = " (start with --allow-writes)".into();
    })
    .await;
    emu.emulator.reset_calls();
    for sql in [
        format!(
            "INSERT INTO aws.connect.users (instance_id, username, password, routing_profile_id, security_profile_ids) VALUES ('{}', 'ro', '{PASSWORD}', '{}', ['{}'])",
            i.instance, i.routing, i.agent
        ),
        format!(
            "UPDATE aws.connect.users SET first_name = 'X' WHERE instance_id = '{}' AND username = 'ava.smith'",
            i.instance
        ),
        format!("DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username = 'ava.smith'", i.instance),
    ] {
        let refused = match e.execute(&sql, &Request::default()).await {
            Ok(mut s) => s.collect().await.map(|_| ()).expect_err("refused"),
            Err(e) => e,
        };
        assert!(matches!(refused, Error::Refused { reason: Refusal::ReadOnly, .. }), "{sql}: {refused:?}");
        assert!(refused.to_string().contains("--allow-writes"), "{refused}");
    }
    assert_eq!(emu.emulator.calls().values().sum::<u64>(), 0, "refused before any call");
    // EXPLAIN of a write still shows its plan, as a dry run.
    let plan = query(
        &e,
        &format!("EXPLAIN DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username = 'x'", i.instance),
    )
    .await
    .expect("explain");
    assert!(super::support::strings(&plan, "plan").iter().flatten().any(|p| p.contains("DmlExec: DELETE")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_failure_arrives_as_data() {
    let emu = demo().await;
    let e = engine(&emu).await;
    let failure = match e
        .execute("SELECT id FROM aws.connect.users WHERE instance_id = 'no-such-instance'", &Request::default())
        .await
    {
        Ok(mut s) => s.collect().await.map(|_| ()).expect_err("fails"),
        Err(e) => e,
    };
    let api = failure.api().expect("an API failure");
    assert_eq!(api.operation, "ListUsers");
    assert_eq!(api.code.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(api.status, Some(404));
    assert_eq!(api.table.as_deref(), Some("aws.connect.users"));
    assert_eq!((api.region.as_deref(), api.instance.as_deref()), (Some(MAIN_REGION), Some("no-such-instance")));
}
