//! What the README promises, each through the real binary: connection flags and environment,
//! script and output flags, every UPDATE column group, failing rows inside multi-row writes,
//! nested INSERT values, placeholders with defaults, and the emulator's own flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_connect::Client;
use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_types::retry::RetryConfig;
use connectql_emulator::faults::Faults;
use connectql_emulator::{DEMO_INSTANCE_ALIAS, EmulatorConfig};

use super::support::{
    MAIN_REGION, cli, client, demo, err, ids, instance_id, listed_user, out, run, start, user_id_named,
};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

/// `connectql emulator` in a child process, stopped when dropped.
struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator(args: &[&str]) -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connectql"))
        .args(["emulator", "--addr", "127.0.0.1:0"])
        .args(args)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulator runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("its address");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line}")).to_owned();
    Emulator { child, url }
}

/// An SDK client of the emulator, without retries, as `key` in `region`.
fn sdk(url: &str, region: &str, key: &str) -> Client {
    Client::from_conf(
        aws_sdk_connect::Config::builder()
            .http_client(super::support::loopback_http())
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(Credentials::new(key, "test-secret", None, None, "test"))
            .endpoint_url(url)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

fn code<E: aws_sdk_connect::error::ProvideErrorMetadata>(
    r: Result<
        impl Sized,
        aws_sdk_connect::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    >,
) -> String {
    match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.as_service_error().and_then(|s| s.code()).unwrap_or("not a service error").to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_regions_instances_and_endpoints_come_from_flags_and_environment() {
    let emu = demo().await;
    let uk = instance_id(&client(&emu, "eu-west-2"), "acme-uk").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile uk]\nregion = eu-west-2\n").expect("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&credentials, "[uk]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
        .expect("credentials");
    let count = "SELECT count(*) AS n FROM aws.connect.users";
    let with_profile = || {
        let mut c = cli();
        c.env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env_remove("AWS_REGION")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .args(["--endpoint-url", &emu.base_url(), "-o", "csv"]);
        c
    };
    let o = with_profile().args(["--profile", "uk", "-e", count]).output().expect("runs");
    assert_eq!(out(&o), "n\n30\n", "--profile's region: {}", err(&o));
    let o = with_profile().env("AWS_PROFILE", "uk").args(["-e", count]).output().expect("runs");
    assert_eq!(out(&o), "n\n30\n", "AWS_PROFILE: {}", err(&o));
    let o = with_profile().args(["--profile", "uk", "--region", "us-east-1", "-e", count]).output().expect("runs");
    assert_eq!(out(&o), "n\n324\n", "--region wins over the profile: {}", err(&o));

    // One instance named: no ListInstances.
    for (flag, env) in [(true, false), (false, true)] {
        let mut c = cli();
        c.args(["--endpoint-url", &emu.base_url(), "-o", "csv", "-v", "--region", "eu-west-2"]);
        if flag {
            c.args(["--instance-id", &uk]);
        }
        if env {
            c.env("CONNECTQL_INSTANCE_ID", &uk);
        }
        let o = c.args(["-e", count]).output().expect("runs");
        assert_eq!(out(&o), "n\n30\n", "{}", err(&o));
        assert!(err(&o).contains("API calls: 1 [ListUsers=1]"), "{}", err(&o));
    }

    // The AWS CLI's endpoint variable.
    let o =
        cli().env("AWS_ENDPOINT_URL_CONNECT", emu.base_url()).args(["-o", "csv", "-e", count]).output().expect("runs");
    assert_eq!(out(&o), "n\n324\n", "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_returns_what_it_can_and_says_what_failed() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sql = format!(
        "SELECT count(*) AS n FROM aws.connect.users WHERE instance_id IN ('{}', 'no-such-instance')",
        i.instance
    );
    let o = run(&emu, &["-e", &sql]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "", "without --partial the statement fails");
    let o = run(&emu, &["--partial", "-e", &sql]);
    assert_eq!(o.status.code(), Some(1), "a part failed");
    assert_eq!(out(&o), "n\n300\n", "the rows that could be read");
    assert!(
        err(&o).contains(
            "error: aws.connect.users: region us-east-1 instance no-such-instance: ListUsers: ResourceNotFoundException"
        ),
        "{}",
        err(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_bounds_the_calls_in_flight() {
    let emu =
        start(EmulatorConfig { faults: Faults { latency_ms: 50, ..Faults::default() }, ..EmulatorConfig::default() })
            .await;
    for n in ["1", "3"] {
        emu.emulator.reset_calls();
        let o = run(
            &emu,
            &["--concurrency", n, "-e", "SELECT count(email) FROM aws.connect.users WHERE region = 'eu-west-2'"],
        );
        assert!(o.status.success(), "{}", err(&o));
        assert_eq!(emu.emulator.max_in_flight().to_string(), n, "at most {n} calls at once, seen at the server");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_run_in_order_with_defaults_and_thresholds() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("s.sql");
    std::fs::write(&script, "SELECT '{{ who | default('nobody') }}' AS who;\n").expect("script");
    let path = script.to_str().expect("utf8");
    let o = run(&emu, &["-e", "SELECT 1 AS a", "-f", path, "-e", "SELECT 2 AS b", "-f", path, "--var", "who=somebody"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "a\n1\nb\n2\nwho\nsomebody\nwho\nsomebody\n", "-e then -f, each in order");
    let o = run(&emu, &["-f", path]);
    assert_eq!(out(&o), "who\nnobody\n", "the default");

    let delete = "DELETE FROM aws.connect.users WHERE region = 'eu-west-2' AND username LIKE 'a%'";
    let o = run(&emu, &["--confirm-threshold", "2", "--dry-run", "-e", delete]);
    assert_eq!(o.status.code(), Some(0), "a dry run asks nothing: {}", err(&o));
    let o = run(&emu, &["--confirm-threshold", "2", "-e", delete]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("(more than 2)"), "{}", err(&o));
    let o = run(&emu, &["--confirm-threshold", "50", "-e", delete]);
    assert!(o.status.success(), "under the threshold no --yes is needed: {}", err(&o));
    assert_eq!(out(&o), "count\n3\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_update_column_group_sets_what_it_says() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let uid = listed_user(&c, &i.instance, 5).await.id().expect("id").to_owned();
    let describe = || async {
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user")
    };
    let groups = c.list_user_hierarchy_groups().instance_id(&i.instance).send().await.expect("groups");
    let current_group = describe().await.hierarchy_group_id().map(str::to_owned);
    let group = groups
        .user_hierarchy_group_summary_list()
        .iter()
        .find(|g| g.id().map(str::to_owned) != current_group)
        .expect("another group")
        .clone();
    let cases: Vec<(String, &str)> = vec![
        ("first_name = 'Fay', last_name = 'Ng', secondary_email = 'fay@home.example', mobile = '+12065550100'".into(), "UpdateUserIdentityInfo"),
        ("identity_info = named_struct('FirstName', 'Gus', 'LastName', 'Ho', 'Email', 'gus@example.com', 'SecondaryEmail', NULL, 'Mobile', NULL)".into(), "UpdateUserIdentityInfo"),
        ("phone_type = 'DESK_PHONE', desk_phone_number = '+12065550123'".into(), "UpdateUserPhoneConfig"),
        ("phone_config = '{\"PhoneType\": \"SOFT_PHONE\", \"AutoAccept\": true, \"AfterContactWorkTimeLimit\": 90}'".into(), "UpdateUserPhoneConfig"),
        (format!("routing_profile_arn = '{}'", i.routing_arn), "UpdateUserRoutingProfile"),
        (format!("security_profile_arns = ['{}']", i.agent_arn), "UpdateUserSecurityProfiles"),
        (format!("hierarchy_group_arn = '{}'", group.arn().expect("arn")), "UpdateUserHierarchy"),
    ];
    for (set, op) in &cases {
        emu.emulator.reset_calls();
        let o = run(
            &emu,
            &[
                "-e",
                &format!("UPDATE aws.connect.users SET {set} WHERE id = '{uid}' AND instance_id = '{}'", i.instance),
            ],
        );
        assert!(o.status.success(), "{set}: {}", err(&o));
        assert_eq!(out(&o), "count\n1\n", "{set}");
        assert_eq!(emu.emulator.calls_of(op), 1, "{set}");
    }
    let u = describe().await;
    let identity = u.identity_info().expect("identity");
    assert_eq!(
        (identity.first_name(), identity.last_name(), identity.email()),
        (Some("Gus"), Some("Ho"), Some("gus@example.com"))
    );
    let phone = u.phone_config().expect("phone");
    assert_eq!(
        (phone.phone_type().as_str(), phone.auto_accept(), phone.after_contact_work_time_limit()),
        ("SOFT_PHONE", true, 90)
    );
    assert_eq!(u.routing_profile_id(), Some(i.routing.as_str()));
    assert_eq!(u.security_profile_ids(), std::slice::from_ref(&i.agent));
    assert_eq!(u.hierarchy_group_id(), group.id());
    // The values are in place now: the same statements make no call.
    for (set, op) in cases.iter().skip(4) {
        emu.emulator.reset_calls();
        let o = run(
            &emu,
            &[
                "-e",
                &format!("UPDATE aws.connect.users SET {set} WHERE id = '{uid}' AND instance_id = '{}'", i.instance),
            ],
        );
        assert_eq!(out(&o), "count\n0\n", "{set}: {}", err(&o));
        assert_eq!(emu.emulator.calls_of(op), 0, "{set}");
    }
    // UPDATE … FROM is refused, naming the form.
    let o = run(
        &emu,
        &[
            "-e",
            "UPDATE aws.connect.users SET first_name = r.name FROM aws.connect.routing_profiles r WHERE aws.connect.users.routing_profile_id = r.id",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("UPDATE … FROM is not supported: use a subquery"), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_row_inside_a_multi_row_update_or_delete_fails_alone() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let listed = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    // One user with a desk number, one without: a desk phone needs a number.
    let (mut with, mut without) = (None, None);
    for u in listed.user_summary_list() {
        let d = c.describe_user().instance_id(&i.instance).user_id(u.id().expect("id")).send().await.expect("describe");
        let p = d.user().and_then(|u| u.phone_config()).expect("phone");
        let name = u.username().map(str::to_owned);
        match (p.phone_type().as_str(), p.desk_phone_number().is_some()) {
            ("SOFT_PHONE", false) if without.is_none() => without = name,
            ("DESK_PHONE", true) if with.is_none() && !p.auto_accept() => with = name,
            _ => {}
        }
    }
    let (with, without) = (with.expect("a desk phone"), without.expect("a soft phone"));
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "UPDATE aws.connect.users SET phone_type = 'DESK_PHONE', auto_accept = true WHERE instance_id = '{}' AND username IN ('{with}', '{without}')",
                i.instance
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "count\n1\n", "{}", err(&o));
    assert!(
        err(&o).contains(&format!("UpdateUserPhoneConfig {without} ("))
            && err(&o).contains("InvalidParameterException"),
        "{}",
        err(&o)
    );
    assert!(
        err(&o).contains("ok      UpdateUserPhoneConfig") && err(&o).contains(&format!(" {with} (")),
        "{}",
        err(&o)
    );

    // A user deleted by someone else but still listed (eventual consistency) fails alone.
    emu.emulator.set_faults(Faults { visibility_delay_ms: 600_000, ..Faults::default() });
    let gone = listed.user_summary_list()[10].clone();
    let kept = listed.user_summary_list()[11].clone();
    c.delete_user().instance_id(&i.instance).user_id(gone.id().expect("id")).send().await.expect("deleted elsewhere");
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username IN ('{}', '{}')",
                i.instance,
                gone.username().expect("name"),
                kept.username().expect("name")
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "count\n1\n");
    assert!(err(&o).contains("DeleteUser") && err(&o).contains("ResourceNotFoundException"), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_takes_structs_lists_and_maps() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "INSERT INTO aws.connect.users (instance_id, username, password, identity_info, phone_config, security_profile_ids, routing_profile_id, tags) VALUES \
                 ('{inst}', 'typed.values', '{PASSWORD}', named_struct('FirstName', 'Ty', 'LastName', 'Ped', 'Email', 'ty@example.com', 'SecondaryEmail', NULL, 'Mobile', NULL), \
                  named_struct('PhoneType', 'DESK_PHONE', 'AutoAccept', true, 'AfterContactWorkTimeLimit', 15, 'DeskPhoneNumber', '+12065550199', 'PersistentConnection', NULL), \
                  ['{sp}'], '{rp}', map(['team', 'site'], ['blue', 'austin'])), \
                 ('{inst}', 'json.values', '{PASSWORD}', '{{\"FirstName\": \"Jay\", \"LastName\": \"Son\"}}', '{{\"PhoneType\": \"SOFT_PHONE\"}}', '[\"{sp}\"]', '{rp}', '{{\"team\": \"green\"}}')",
                inst = i.instance,
                sp = i.agent,
                rp = i.routing
            ),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n2\n");
    let c = client(&emu, MAIN_REGION);
    for (name, first, team) in [("typed.values", "Ty", "blue"), ("json.values", "Jay", "green")] {
        let id = user_id_named(&c, &i.instance, name).await;
        let u =
            c.describe_user().instance_id(&i.instance).user_id(&id).send().await.expect("describe").user.expect("user");
        assert_eq!(u.identity_info().and_then(|x| x.first_name()), Some(first));
        assert_eq!(u.tags().and_then(|t| t.get("team")).map(String::as_str), Some(team));
        if name == "typed.values" {
            let p = u.phone_config().expect("phone");
            assert_eq!(
                (p.phone_type().as_str(), p.desk_phone_number(), p.after_contact_work_time_limit()),
                ("DESK_PHONE", Some("+12065550199"), 15)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_flags_do_what_they_say() {
    // --seed empty, --users, --deny.
    let empty = emulator(&["--seed", "empty"]);
    let out_empty = sdk(&empty.url, MAIN_REGION, "AKIDTEST").list_instances().send().await.expect("list");
    assert!(out_empty.instance_summary_list().is_empty());
    let big = emulator(&["--users", "50", "--deny", "ListUsers"]);
    let c = sdk(&big.url, MAIN_REGION, "AKIDTEST");
    let main = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    assert_eq!(code(c.list_users().instance_id(&main).send().await), "AccessDeniedException");
    let searched = c.search_users().instance_id(&main).max_results(500).send().await.expect("search");
    assert_eq!(searched.approximate_total_count(), Some(350), "300 demo users and 50 more");

    // An account id from a 12-digit key, and per-account isolation.
    let own = sdk(&big.url, MAIN_REGION, "111122223333");
    assert!(
        own.list_instances().send().await.expect("list").instance_summary_list().is_empty(),
        "another account sees nothing of the demo's"
    );

    // --quotas documented: ListInstances allows a burst of 5 at 2 a second.
    let quota = emulator(&["--quotas", "documented"]);
    let q = sdk(&quota.url, MAIN_REGION, "AKIDTEST");
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(code(q.list_instances().send().await));
    }
    assert!(codes[..5].iter().all(|c| c == "ok"), "{codes:?}");
    assert!(codes.iter().any(|c| c == "ThrottlingException"), "{codes:?}");

    // --error-rate with --fault-seed: the same failures on every start.
    let pattern = |seed: &str| {
        let e = emulator(&["--error-rate", "0.5", "--fault-seed", seed]);
        let url = e.url.clone();
        async move {
            let c = sdk(&url, MAIN_REGION, "AKIDTEST");
            let mut p = String::new();
            for _ in 0..24 {
                p.push(if c.list_instances().send().await.is_ok() { '.' } else { 'x' });
            }
            drop(e);
            p
        }
    };
    let first = pattern("9").await;
    assert_eq!(first, pattern("9").await, "deterministic under a seed");
    assert!(first.contains('x') && first.contains('.'), "{first}");
    assert_ne!(first, pattern("10").await, "another seed, other failures");

    // --visibility-delay-ms and --state.
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let slow = emulator(&["--visibility-delay-ms", "1500", "--state", state.to_str().expect("utf8")]);
    let s = sdk(&slow.url, MAIN_REGION, "AKIDTEST");
    let main = instance_id(&s, DEMO_INSTANCE_ALIAS).await;
    let rp = s.list_routing_profiles().instance_id(&main).send().await.expect("rp");
    let sp = s.list_security_profiles().instance_id(&main).send().await.expect("sp");
    let created = s
        .create_user()
        .instance_id(&main)
        .username("slow.user")
        .password(PASSWORD)
        .identity_info(aws_sdk_connect::types::UserIdentityInfo::builder().first_name("Slow").last_name("User").build())
        .phone_config(
            aws_sdk_connect::types::UserPhoneConfig::builder()
                .phone_type(aws_sdk_connect::types::PhoneType::SoftPhone)
                .build(),
        )
        .security_profile_ids(sp.security_profile_summary_list()[0].id().expect("id"))
        .routing_profile_id(rp.routing_profile_summary_list()[0].id().expect("id"))
        .send()
        .await
        .expect("created");
    let id = created.user_id().expect("id").to_owned();
    assert!(
        std::fs::read_to_string(&state).expect("state file").contains("slow.user"),
        "the state file holds the change"
    );
    assert_eq!(
        code(s.describe_user().instance_id(&main).user_id(&id).send().await),
        "ResourceNotFoundException",
        "not visible yet"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while code(s.describe_user().instance_id(&main).user_id(&id).send().await) != "ok" {
        assert!(Instant::now() < deadline, "never became visible");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.delete_user().instance_id(&main).user_id(&id).send().await.expect("deleted");
    assert_eq!(
        code(s.describe_user().instance_id(&main).user_id(&id).send().await),
        "ok",
        "still visible after the delete"
    );
    while code(s.describe_user().instance_id(&main).user_id(&id).send().await) == "ok" {
        assert!(Instant::now() < deadline, "never disappeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
