//! INSERT, UPDATE and DELETE through the real binary and the real SDK: every statement form, the
//! per-row report, partial failures, re-runs, dry runs, guards, StackQL's statements, the
//! provisioning script, and passwords kept out of every output.

use connectql_emulator::faults::Faults;

use super::support::{MAIN_REGION, cli, client, demo, err, ids, listed_user, out, run, user_id_named};

const PASSWORD: &str = "Sup3rSecretPassw0rd";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_values_reports_each_row_and_keeps_going() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sql = format!(
        "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, email, security_profile_ids, routing_profile_id) VALUES \
         ('{inst}', 'new.one', '{PASSWORD}', 'New', 'One', 'new.one@example.com', ['{sp}'], '{rp}'), \
         ('{inst}', 'weak.pw', 'weakpassword', 'Weak', 'Password', NULL, ['{sp}'], '{rp}'), \
         ('{inst}', 'new.two', '{PASSWORD}', 'New', 'Two', NULL, ['{sp}'], '{rp}')",
        inst = i.instance,
        sp = i.agent,
        rp = i.routing
    );
    emu.emulator.reset_calls();
    let o = run(&emu, &["-e", &sql]);
    assert_eq!(o.status.code(), Some(1), "a failed row makes the exit code 1: {}", err(&o));
    assert_eq!(out(&o), "count\n2\n", "the two valid rows were created");
    let e = err(&o);
    assert!(e.contains("ok      CreateUser") && e.contains("new.one (") && e.contains("new.two ("), "{e}");
    assert!(
        e.contains("CreateUser weak.pw: InvalidParameterException: 1 validation error detected: Value at 'password'"),
        "{e}"
    );
    assert!(!e.contains("weakpassword") && !e.contains(PASSWORD), "no password in the report: {e}");
    assert_eq!(emu.emulator.calls_of("CreateUser"), 3);

    // Re-running reports the created users as duplicates and creates nothing twice.
    emu.emulator.reset_calls();
    let again = run(&emu, &["-e", &sql]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(out(&again), "count\n0\n");
    let e = err(&again);
    assert!(
        e.contains("CreateUser new.one: DuplicateResourceException")
            && e.contains("CreateUser new.two: DuplicateResourceException"),
        "{e}"
    );
    let listed =
        client(&emu, MAIN_REGION).list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    assert_eq!(
        listed.user_summary_list().iter().filter(|u| u.username().is_some_and(|n| n.starts_with("new."))).count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_select_from_a_csv_file() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("agents.csv");
    std::fs::write(
        &csv,
        "username,first_name,last_name,email,phone_type,desk_phone_number,auto_accept\n\
             csv.alpha,Csv,Alpha,alpha@example.com,SOFT_PHONE,,true\n\
             csv.beta,Csv,Beta,,DESK_PHONE,+12065550111,false\n\
             csv.gamma,Csv,Gamma,,DESK_PHONE,,false\n",
    )
    .expect("csv");
    let script = format!(
        "CREATE EXTERNAL TABLE agents STORED AS CSV LOCATION '{csv}' OPTIONS ('format.has_header' 'true');\n\
         INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, email, phone_type, desk_phone_number, auto_accept, security_profile_ids, routing_profile_id)\n\
         SELECT '{inst}', username, '{PASSWORD}', first_name, last_name, email, phone_type, desk_phone_number, auto_accept, ['{sp}'], '{rp}' FROM agents;\n\
         SELECT username, phone_type, desk_phone_number, auto_accept FROM aws.connect.users WHERE instance_id = '{inst}' AND username LIKE 'csv.%' ORDER BY username;",
        csv = csv.display(),
        inst = i.instance,
        sp = i.agent,
        rp = i.routing
    );
    let o = run(&emu, &["--continue-on-error", "-e", &script]);
    assert_eq!(o.status.code(), Some(1), "the desk phone without a number fails: {}", err(&o));
    assert!(err(&o).contains("csv.gamma: InvalidParameterException"), "{}", err(&o));
    assert_eq!(
        out(&o),
        "count\n2\nusername,phone_type,desk_phone_number,auto_accept\ncsv.alpha,SOFT_PHONE,,true\ncsv.beta,DESK_PHONE,+12065550111,false\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_makes_only_the_calls_the_set_list_needs() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let listed = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    let user = listed.user_summary_list().iter().find(|u| u.username() == Some("ava.smith")).expect("ava.smith");
    let uid = user.id().expect("id").to_owned();
    let before =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    let where_id = format!("WHERE id = '{uid}' AND instance_id = '{}'", i.instance);

    emu.emulator.reset_calls();
    let o = run(&emu, &["-e", &format!("UPDATE aws.connect.users SET email = 'ava.new@example.com' {where_id}")]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n1\n");
    assert_eq!(emu.emulator.calls_of("UpdateUserIdentityInfo"), 1);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 0, "a lookup by id lists nothing");
    assert_eq!(emu.emulator.calls_of("UpdateUserPhoneConfig") + emu.emulator.calls_of("UpdateUserRoutingProfile"), 0);
    let after =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    let (b, a) = (before.identity_info().expect("before"), after.identity_info().expect("after"));
    assert_eq!(a.email(), Some("ava.new@example.com"));
    assert_eq!(
        (a.first_name(), a.last_name(), a.mobile(), a.secondary_email()),
        (b.first_name(), b.last_name(), b.mobile(), b.secondary_email()),
        "fields not set keep their values"
    );

    emu.emulator.reset_calls();
    let sql = format!(
        "UPDATE aws.connect.users SET routing_profile_id = (SELECT id FROM aws.connect.routing_profiles WHERE name = 'Sales' AND instance_id = '{inst}'), \
         security_profile_ids = ['{sp}', '{sup}'], auto_accept = true, after_contact_work_time_limit = 45, agent_status = 'Lunch' {where_id}",
        inst = i.instance,
        sp = i.agent,
        sup = i.supervisor
    );
    let o = run(&emu, &["-e", &sql]);
    assert!(o.status.success(), "{}", err(&o));
    for op in ["UpdateUserRoutingProfile", "UpdateUserSecurityProfiles", "UpdateUserPhoneConfig", "PutUserStatus"] {
        assert_eq!(emu.emulator.calls_of(op), 1, "{op}");
    }
    assert_eq!(emu.emulator.calls_of("UpdateUserIdentityInfo") + emu.emulator.calls_of("UpdateUserHierarchy"), 0);
    let after =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    assert_eq!(after.routing_profile_id(), Some(i.sales.as_str()));
    assert_eq!(after.security_profile_ids(), [i.agent.clone(), i.supervisor.clone()]);
    let phone = after.phone_config().expect("phone");
    assert!(phone.auto_accept() && phone.after_contact_work_time_limit() == 45);
    assert_eq!(phone.phone_type(), before.phone_config().expect("phone").phone_type(), "phone type kept");
    // The agent's status is not part of DescribeUser: read it from the emulator's own state.
    let statuses = c.list_agent_statuses().instance_id(&i.instance).send().await.expect("statuses");
    let lunch = statuses.agent_status_summary_list().iter().find(|s| s.name() == Some("Lunch")).and_then(|s| s.id());
    let stored = emu.emulator.with_world(|w| {
        w.regions
            .values()
            .flat_map(|r| r.instances.values())
            .find_map(|inst| inst.users.get(&uid))
            .and_then(|u| u.agent_status_id.clone())
    });
    assert_eq!(stored.as_deref(), lunch, "the status was set to Lunch");

    // Read-only columns are refused by name; NULL hierarchy removes the group.
    let o = run(&emu, &["-e", &format!("UPDATE aws.connect.users SET username = 'renamed' {where_id}")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("column 'username' of aws.connect.users is read-only"), "{}", err(&o));
    // Someone in a group: NULL takes them out of it.
    let mut grouped = None;
    for u in listed.user_summary_list() {
        let d = c.describe_user().instance_id(&i.instance).user_id(u.id().expect("id")).send().await.expect("describe");
        if d.user().is_some_and(|u| u.hierarchy_group_id().is_some()) {
            grouped = u.id().map(str::to_owned);
            break;
        }
    }
    let uid = grouped.expect("a user in a hierarchy group");
    let where_id = format!("WHERE id = '{uid}' AND instance_id = '{}'", i.instance);
    emu.emulator.reset_calls();
    let o = run(&emu, &["-e", &format!("UPDATE aws.connect.users SET hierarchy_group_id = NULL {where_id}")]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n1\n");
    assert_eq!(emu.emulator.calls_of("UpdateUserHierarchy"), 1);
    let after =
        c.describe_user().instance_id(&i.instance).user_id(&uid).send().await.expect("describe").user.expect("user");
    assert_eq!(after.hierarchy_group_id(), None);
    // The same value again costs no call and changes no row.
    emu.emulator.reset_calls();
    let o = run(&emu, &["-e", &format!("UPDATE aws.connect.users SET hierarchy_group_id = NULL {where_id}")]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n0\n");
    assert_eq!(emu.emulator.calls_of("UpdateUserHierarchy"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_by_id_costs_one_call_and_guards_hold() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let uid = listed_user(&c, &i.instance, 0).await.id().expect("id").to_owned();

    let o = run(&emu, &["-e", "DELETE FROM aws.connect.users"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("without a WHERE clause") && err(&o).contains("--allow-unqualified"), "{}", err(&o));
    let o = run(&emu, &["-e", &format!("DELETE FROM aws.connect.users WHERE instance_id = '{}' LIMIT 1", i.instance)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("DELETE … LIMIT is not supported"), "{}", err(&o));

    // EXPLAIN DELETE plans the calls and makes none (DataFusion builds the plan, our hook only compiles).
    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "EXPLAIN DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username = 'ava.smith'",
                i.instance
            ),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("DmlExec: DELETE aws.connect.users"), "{}", out(&o));
    assert_eq!(emu.emulator.calls().values().sum::<u64>(), 0, "EXPLAIN DELETE makes no call");

    // More rows than the threshold: a script needs --yes.
    let many = format!("DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username LIKE 'a%'", i.instance);
    emu.emulator.reset_calls();
    let o = run(&emu, &["-e", &many]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("would change") && err(&o).contains("--yes"), "{}", err(&o));
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 0);

    // A dry run prints each call it would make, and makes no write call.
    let o = run(&emu, &["--dry-run", "--yes", "-e", &many]);
    assert!(o.status.success(), "{}", err(&o));
    let all = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    let targets: Vec<&str> = all
        .user_summary_list()
        .iter()
        .filter(|u| u.username().is_some_and(|n| n.starts_with('a')))
        .filter_map(|u| u.id())
        .collect();
    assert!(targets.len() > 10, "{}", targets.len());
    let stderr = err(&o);
    let would: Vec<&str> = stderr.lines().filter(|l| l.starts_with("would call DeleteUser ")).collect();
    assert_eq!(would.len(), targets.len(), "{}", err(&o));
    for id in &targets {
        let line = format!("would call DeleteUser DELETE /users/{}/{id}", i.instance);
        assert!(would.contains(&line.as_str()), "{line} in {}", err(&o));
    }
    assert_eq!(out(&o), "count\n0\n", "a dry run changes nothing");
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 0);

    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &["-e", &format!("DELETE FROM aws.connect.users WHERE id = '{uid}' AND instance_id = '{}'", i.instance)],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n1\n");
    assert_eq!(
        (
            emu.emulator.calls_of("DescribeUser"),
            emu.emulator.calls_of("ListUsers"),
            emu.emulator.calls_of("DeleteUser")
        ),
        (1, 0, 1)
    );

    // Subqueries in WHERE are resolved first, so they become lookups too: the subquery lists
    // once, then each named user costs one DescribeUser and one DeleteUser.
    let zoes = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    let zoes =
        zoes.user_summary_list().iter().filter(|u| u.username().is_some_and(|n| n.starts_with("zoe."))).count() as u64;
    assert!(zoes > 1);
    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &[
            "--yes",
            "-e",
            &format!(
                "DELETE FROM aws.connect.users WHERE instance_id = '{inst}' AND id IN (SELECT id FROM aws.connect.users WHERE instance_id = '{inst}' AND username LIKE 'zoe.%')",
                inst = i.instance
            ),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("count\n{zoes}\n"));
    assert_eq!(
        (
            emu.emulator.calls_of("ListUsers"),
            emu.emulator.calls_of("DescribeUser"),
            emu.emulator.calls_of("DeleteUser")
        ),
        (1, zoes, zoes)
    );
    let left = c.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("list");
    assert!(!left.user_summary_list().iter().any(|u| u.username().is_some_and(|n| n.starts_with("zoe."))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stackql_statements_run_unchanged() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let create = dir.path().join("create.iql");
    std::fs::write(
        &create,
        "/*+ create */ INSERT INTO aws.connect.users (InstanceArn, Username, RoutingProfileArn, PhoneConfig, SecurityProfileArns, region, Password, IdentityInfo)\n\
         SELECT '{{ InstanceArn }}', '{{ Username }}', '{{ RoutingProfileArn }}', '{{ PhoneConfig }}', '{{ SecurityProfileArns }}', '{{ region }}', '{{ Password }}', '{\"FirstName\": \"Stack\", \"LastName\": \"Ql\"}'\n\
         RETURNING UserArn, UserId;\n",
    )
    .expect("script");
    let o = run(
        &emu,
        &[
            "-f",
            create.to_str().expect("utf8"),
            "--var",
            &format!("InstanceArn={}", i.instance_arn),
            "--var",
            "Username=stackql.user",
            "--var",
            &format!("RoutingProfileArn={}", i.routing_arn),
            "--var",
            r#"PhoneConfig={"PhoneType": "SOFT_PHONE", "AutoAccept": true, "AfterContactWorkTimeLimit": 30}"#,
            "--var",
            &format!(r#"SecurityProfileArns=["{}"]"#, i.agent_arn),
            "--var",
            "region=us-east-1",
            "--var",
            &format!("Password={PASSWORD}"),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let lines: Vec<String> = out(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "UserArn,UserId");
    let (arn, id) = lines[1].split_once(',').expect("two values");
    assert!(arn.ends_with(&format!("/agent/{id}")) && arn.starts_with(&i.instance_arn), "{arn}");
    let user = client(&emu, MAIN_REGION)
        .describe_user()
        .instance_id(&i.instance)
        .user_id(id)
        .send()
        .await
        .expect("created")
        .user
        .expect("user");
    let phone = user.phone_config().expect("phone");
    assert!(phone.auto_accept() && phone.after_contact_work_time_limit() == 30);
    assert_eq!(user.identity_info().and_then(|x| x.first_name()), Some("Stack"));

    emu.emulator.reset_calls();
    let o = run(
        &emu,
        &["-e", &format!("DELETE FROM aws.connect.users WHERE data__Identifier = '{arn}' AND region = 'us-east-1';")],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n1\n");
    assert_eq!(
        (
            emu.emulator.calls_of("DescribeUser"),
            emu.emulator.calls_of("DeleteUser"),
            emu.emulator.calls_of("ListUsers")
        ),
        (1, 1, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provisioning_script_onboards_and_verifies() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/provision_user.sql");
    let args = |user: &str, routing: &str| -> Vec<String> {
        vec![
            "-f".into(),
            script.into(),
            "--var".into(),
            format!("instance_id={}", i.instance),
            "--var".into(),
            format!("username={user}"),
            "--var".into(),
            format!("password={PASSWORD}"),
            "--var".into(),
            format!("security_profile_id={}", i.agent),
            "--var".into(),
            format!("routing_profile_id={routing}"),
            "--var".into(),
            "first_name=Jane".into(),
            "--var".into(),
            "email=jane.doe@example.com".into(),
        ]
    };
    let a = args("jane.doe", &i.sales);
    let o = run(&emu, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&format!("jane.doe,{},true", i.sales)), "{}", out(&o));
    assert!(!out(&o).contains(PASSWORD) && !err(&o).contains(PASSWORD));

    // A routing profile that does not exist: the create fails and the script stops loudly.
    let a = args("john.doe", "00000000-0000-0000-0000-000000000000");
    let o = run(&emu, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("ResourceNotFoundException"), "{}", err(&o));

    // Connect is eventually consistent: under a 2 s visibility delay the run still reads its own
    // create (the listing misses it; the engine describes it, waiting while it is not found).
    emu.emulator.set_faults(Faults { visibility_delay_ms: 2_000, ..Faults::default() });
    emu.emulator.reset_calls();
    let a = args("soon.user", &i.sales);
    let o = run(&emu, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&format!("soon.user,{},true", i.sales)), "{}", out(&o));
    assert!(emu.emulator.calls_of("DescribeUser") > 1, "it waited for the user: {:?}", emu.emulator.calls());
    assert_eq!(emu.emulator.calls_of("CreateUser"), 1);

    // Created, but not visible within the run at all: after a bounded wait the read-back's
    // assertion fails loudly, and the run says why.
    emu.emulator.set_faults(Faults { visibility_delay_ms: 600_000, ..Faults::default() });
    emu.emulator.reset_calls();
    let a = args("late.user", &i.sales);
    let o = run(&emu, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(emu.emulator.calls_of("CreateUser"), 1);
    assert!(err(&o).contains("provisioning check failed: user late.user was not found after creation"), "{}", err(&o));
    assert!(err(&o).contains("created by this run, is still not visible after 10 s"), "{}", err(&o));
}

/// Connect is eventually consistent for changes too: under a 2 s delay, reads may show a user's
/// old settings after an update. The provisioning script's repair run (UPDATE of the routing
/// profile, then the read-back) still verifies, and a second UPDATE in the same run starts from
/// the first one's values, not the stale ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reads_its_own_updates_under_a_visibility_delay() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    emu.emulator.set_faults(Faults { visibility_delay_ms: 2_000, ..Faults::default() });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/provision_user.sql");
    let provision = |routing: &str| {
        let vars = [
            format!("instance_id={}", i.instance),
            "username=lagging.user".to_owned(),
            format!("password={PASSWORD}"),
            format!("security_profile_id={}", i.agent),
            format!("routing_profile_id={routing}"),
        ];
        let mut args = vec!["-f", script];
        for v in &vars {
            args.extend(["--var", v.as_str()]);
        }
        run(&emu, &args)
    };
    let o = provision(&i.routing);
    assert!(o.status.success(), "{}", err(&o));
    emu.emulator.reset_calls();
    let o = provision(&i.sales);
    assert!(o.status.success(), "the read-back waits for the change: {}", err(&o));
    assert!(out(&o).contains(&format!("lagging.user,{},true", i.sales)), "{}", out(&o));
    assert_eq!(emu.emulator.calls_of("UpdateUserRoutingProfile"), 1);
    assert!(emu.emulator.calls_of("DescribeUser") > 2, "it read again while stale: {:?}", emu.emulator.calls());
    assert!(!err(&o).contains("still shows"), "{}", err(&o));

    // Two changes in one run: the second sees the first (a stale read would find the name
    // already in place and make no call).
    let id = listed_user(&c, &i.instance, 4).await.id().expect("id").to_owned();
    let before = c.describe_user().instance_id(&i.instance).user_id(&id).send().await.expect("describe");
    let name = before.user().and_then(|u| u.identity_info()).and_then(|x| x.first_name()).expect("name").to_owned();
    emu.emulator.reset_calls();
    let username = before.user().and_then(|u| u.username()).expect("username").to_owned();
    // By username: the target scan lists (no DescribeUser), so the update's own read must wait.
    let set = |n: &str| {
        format!(
            "UPDATE aws.connect.users SET first_name = '{n}' WHERE instance_id = '{}' AND username = '{username}'",
            i.instance
        )
    };
    let o = run(&emu, &["-e", &set("Interim"), "-e", &set(&name)]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "count\n1\ncount\n1\n");
    assert_eq!(emu.emulator.calls_of("UpdateUserIdentityInfo"), 2);

    // A search on the changed column finds the user although the service's search does not
    // match it yet.
    let current = before.user().and_then(|u| u.routing_profile_id()).expect("routing profile").to_owned();
    let other = if current == i.sales { &i.routing } else { &i.sales };
    let o = run(
        &emu,
        &[
            "-e",
            &format!("UPDATE aws.connect.users SET routing_profile_id = '{other}' WHERE id = '{id}'"),
            "-e",
            &format!(
                "SELECT username FROM aws.connect.users WHERE instance_id = '{}' AND routing_profile_id = '{other}' \
                 AND username = '{username}'",
                i.instance
            ),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("count\n1\nusername\n{username}\n"), "{}", err(&o));

    // Proficiencies (a call of their own per user) too.
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                r#"UPDATE aws.connect.users SET user_proficiencies = '[{{"AttributeName": "Language", "AttributeValue": "Greek", "Level": 3}}]' WHERE id = '{id}'"#
            ),
            "-e",
            &format!("SELECT user_proficiencies FROM aws.connect.users WHERE id = '{id}'"),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("Greek"), "{}", out(&o));
    assert!(!err(&o).contains("still shows"), "{}", err(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_stay_out_of_output_logs_and_history() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let sql = format!(
        "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) \
         VALUES ('{}', 'secret.keeper', '{PASSWORD}', 'Secret', 'Keeper', ['{}'], '{}');\n.quit\n",
        i.instance, i.agent, i.routing
    );
    let mut child = cli()
        .args(["--endpoint-url", &emu.base_url(), "--history", history.to_str().expect("utf8"), "--dry-run", "-v"])
        .env("CONNECTQL_LOG", "trace")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), sql.as_bytes()).expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(err(&o).contains("would call CreateUser") && err(&o).contains("\"Password\":\"********\""), "{}", err(&o));
    assert!(!out(&o).contains(PASSWORD), "stdout");
    assert!(!err(&o).contains(PASSWORD), "stderr, with trace logging on");
    let saved = std::fs::read_to_string(&history).expect("history");
    assert!(
        saved.contains("INSERT INTO aws.connect.users (instance_id, username, password"),
        "the statement is in the history: {saved}"
    );
    assert!(!saved.contains(PASSWORD), "but not its password: {saved}");
    assert!(!saved.contains("secret.keeper"), "nor any other literal of a statement with a password: {saved}");
}

/// `SET tags = …` makes the tags exactly that map: TagResource for added or changed keys,
/// UntagResource for removed ones, nothing when they are already so. Read back through the SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_sets_tags_exactly() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let id = listed_user(&c, &i.instance, 3).await.id().expect("id").to_owned();
    let tags_of = || async {
        let u = c.describe_user().instance_id(&i.instance).user_id(&id).send().await.expect("describe");
        let mut t: Vec<(String, String)> =
            u.user().and_then(|u| u.tags()).cloned().unwrap_or_default().into_iter().collect();
        t.sort();
        t
    };
    let set = |value: &str| {
        let sql =
            format!("UPDATE aws.connect.users SET tags = {value} WHERE id = '{id}' AND instance_id = '{}'", i.instance);
        let calls = "SELECT operation, calls FROM api_calls() WHERE operation IN ('TagResource', 'UntagResource') AND calls > 0 ORDER BY 1";
        let o = run(&emu, &["-e", &sql, "-e", calls]);
        assert!(o.status.success(), "{}", err(&o));
        out(&o)
    };
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());

    let o = set(r#"'{"team": "blue", "site": "lisbon"}'"#);
    assert!(
        o.ends_with("operation,calls\nTagResource,1\n")
            || o.ends_with("operation,calls\nTagResource,1\nUntagResource,0\n"),
        "{o}"
    );
    let before = tags_of().await;
    assert!(before.contains(&pair("team", "blue")) && before.contains(&pair("site", "lisbon")), "{before:?}");

    let o = set("map(['team'], ['green'])");
    assert!(o.ends_with("operation,calls\nTagResource,1\nUntagResource,1\n"), "changed team, removed the rest: {o}");
    assert_eq!(tags_of().await, [pair("team", "green")]);

    let o = set("map(['team'], ['green'])");
    assert!(o.ends_with("operation,calls\n"), "already so: no call: {o}");
    let o = set("NULL");
    assert!(o.ends_with("operation,calls\nUntagResource,1\n"), "{o}");
    assert_eq!(tags_of().await, []);
}

/// `user_proficiencies` on UPDATE becomes exactly the list given (Associate, Update and
/// Disassociate for the difference, no call when nothing changes), and on INSERT is associated
/// right after CreateUser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proficiencies_are_set_by_their_own_calls() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let id = listed_user(&c, &i.instance, 5).await.id().expect("id").to_owned();
    let held = |user: String| {
        let c = c.clone();
        let instance = i.instance.clone();
        async move {
            let out = c.list_user_proficiencies().instance_id(&instance).user_id(&user).send().await.expect("list");
            let mut p: Vec<(String, String, i64)> = out
                .user_proficiency_list()
                .iter()
                .map(|p| (p.attribute_name().to_owned(), p.attribute_value().to_owned(), p.level() as i64))
                .collect();
            p.sort();
            p
        }
    };
    let calls = "SELECT operation, calls FROM api_calls() WHERE operation LIKE '%Proficiencies' AND operation <> 'ListUserProficiencies' AND calls > 0 ORDER BY 1";
    let set = |value: &str| {
        let sql = format!(
            "UPDATE aws.connect.users SET user_proficiencies = {value} WHERE id = '{id}' AND instance_id = '{}'",
            i.instance
        );
        let o = run(&emu, &["-e", &sql, "-e", calls]);
        assert!(o.status.success(), "{}", err(&o));
        out(&o)
    };
    let p = |n: &str, v: &str, l: i64| (n.to_owned(), v.to_owned(), l);

    let o = set(
        r#"'[{"AttributeName": "Language", "AttributeValue": "Portuguese", "Level": 4}, {"AttributeName": "Skill", "AttributeValue": "Billing", "Level": 2}]'"#,
    );
    assert!(o.ends_with("operation,calls\nAssociateUserProficiencies,1\n"), "{o}");
    assert_eq!(held(id.clone()).await, [p("Language", "Portuguese", 4), p("Skill", "Billing", 2)]);

    let o = set(
        r#"'[{"AttributeName": "Language", "AttributeValue": "Portuguese", "Level": 5}, {"AttributeName": "Skill", "AttributeValue": "Refunds", "Level": 1}]'"#,
    );
    assert!(
        o.ends_with("operation,calls\nAssociateUserProficiencies,1\nDisassociateUserProficiencies,1\nUpdateUserProficiencies,1\n"),
        "one of each: {o}"
    );
    assert_eq!(held(id.clone()).await, [p("Language", "Portuguese", 5), p("Skill", "Refunds", 1)]);

    let o = set(
        r#"'[{"AttributeName": "Skill", "AttributeValue": "Refunds", "Level": 1}, {"AttributeName": "Language", "AttributeValue": "Portuguese", "Level": 5}]'"#,
    );
    assert!(o.ends_with("operation,calls\n"), "already so, in another order: no call: {o}");
    let o = set("NULL");
    assert!(o.ends_with("operation,calls\nDisassociateUserProficiencies,1\n"), "{o}");
    assert_eq!(held(id.clone()).await, []);

    // A malformed entry is refused before any call.
    let sql = format!(
        r#"UPDATE aws.connect.users SET user_proficiencies = '[{{"AttributeName": "Skill"}}]' WHERE id = '{id}' AND instance_id = '{}'"#,
        i.instance
    );
    let o = run(&emu, &["-e", &sql]);
    assert!(!o.status.success() && err(&o).contains("AttributeValue"), "{}", err(&o));

    // INSERT: CreateUser, then AssociateUserProficiencies for the new user.
    let insert = format!(
        r#"INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, routing_profile_id, security_profile_ids, user_proficiencies)
           VALUES ('{}', 'skilled.agent', 'Sup3rSecretPassw0rd', 'Skilled', 'Agent', '{}', ['{}'], '[{{"AttributeName": "Skill", "AttributeValue": "Billing", "Level": 3}}]')"#,
        i.instance, i.routing, i.agent
    );
    let o = run(&emu, &["-e", &insert, "-e", calls]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).ends_with("operation,calls\nAssociateUserProficiencies,1\n"), "{}", out(&o));
    let new_id = user_id_named(&c, &i.instance, "skilled.agent").await;
    assert_eq!(held(new_id).await, [p("Skill", "Billing", 3)]);
}

/// StackQL's minimal documented INSERT (no password, no names) runs verbatim on an instance
/// whose users come from an existing directory, as on such an account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stackql_minimal_insert_on_an_existing_directory_instance() {
    let emu = demo().await;
    let region = "ap-southeast-2";
    let c = client(&emu, region);
    let instance = c.list_instances().send().await.expect("ListInstances");
    let apac = instance
        .instance_summary_list()
        .iter()
        .find(|x| x.instance_alias() == Some("acme-apac"))
        .expect("the directory instance");
    assert_eq!(apac.identity_management_type().map(|t| t.as_str()), Some("EXISTING_DIRECTORY"));
    let (iid, iarn) = (apac.id().expect("id").to_owned(), apac.arn().expect("arn").to_owned());
    let rps = c.list_routing_profiles().instance_id(&iid).send().await.expect("routing profiles");
    let rp = rps.routing_profile_summary_list()[0].arn().expect("arn").to_owned();
    let sps = c.list_security_profiles().instance_id(&iid).send().await.expect("security profiles");
    let sp = sps.security_profile_summary_list()[0].arn().expect("arn").to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let create = dir.path().join("create.iql");
    std::fs::write(
        &create,
        "/*+ create */\nINSERT INTO aws.connect.users (\n InstanceArn,\n Username,\n RoutingProfileArn,\n PhoneConfig,\n SecurityProfileArns,\n region\n)\n\
         SELECT\n'{{ InstanceArn }}',\n'{{ Username }}',\n'{{ RoutingProfileArn }}',\n'{{ PhoneConfig }}',\n'{{ SecurityProfileArns }}',\n'{{ region }}';\n",
    )
    .expect("script");
    let o = run(
        &emu,
        &[
            "-f",
            create.to_str().expect("utf8"),
            "--var",
            &format!("InstanceArn={iarn}"),
            "--var",
            "Username=directory.user",
            "--var",
            &format!("RoutingProfileArn={rp}"),
            "--var",
            r#"PhoneConfig={"PhoneType": "SOFT_PHONE"}"#,
            "--var",
            &format!(r#"SecurityProfileArns=["{sp}"]"#),
            "--var",
            &format!("region={region}"),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let id = user_id_named(&c, &iid, "directory.user").await;
    let user = c.describe_user().instance_id(&iid).user_id(&id).send().await.expect("DescribeUser");
    let user = user.user().expect("user");
    assert!(user.directory_user_id().is_some(), "a directory user id");
    assert_eq!(user.identity_info().and_then(|i| i.first_name()), None, "no names needed");
    // The same INSERT on the CONNECT_MANAGED demo instance is refused by the service, naming why.
    let i = ids(&emu).await;
    let o = run(
        &emu,
        &[
            "-e",
            &format!(
                "INSERT INTO aws.connect.users (InstanceArn, Username, RoutingProfileArn, PhoneConfig, SecurityProfileArns, region) \
                 SELECT '{}', 'no.password', '{}', '{{\"PhoneType\": \"SOFT_PHONE\"}}', '[\"{}\"]', 'us-east-1'",
                i.instance_arn, i.routing_arn, i.agent_arn
            ),
        ],
    );
    assert!(!o.status.success() && err(&o).contains("Password is required"), "{}", err(&o));
}

/// StackQL's UPDATE form runs verbatim: the JSON Patch over CloudFormation's property names
/// becomes the calls its difference needs; a read-only or unknown property is an error naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stackql_patch_document_update_runs_verbatim() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let summary = listed_user(&c, &i.instance, 7).await;
    let (id, arn) = (summary.id().expect("id").to_owned(), summary.arn().expect("arn").to_owned());
    let sales_arn = format!("{}/routing-profile/{}", i.instance_arn, i.sales);
    let patch = format!(
        r#"[{{"op": "replace", "path": "/IdentityInfo", "value": {{"FirstName": "Patched", "LastName": "Person"}}}},
            {{"op": "replace", "path": "/Tags", "value": [{{"Key": "team", "Value": "patched"}}]}},
            {{"op": "replace", "path": "/RoutingProfileArn", "value": "{sales_arn}"}},
            {{"op": "add", "path": "/UserProficiencies", "value": [{{"AttributeName": "Skill", "AttributeValue": "Patching", "Level": 2}}]}}]"#
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let update = "/*+ update */\nUPDATE aws.connect.users\nSET data__PatchDocument = string('{{ patch }}')\nWHERE\ndata__Identifier = '{{ arn }}'\nAND region = 'us-east-1';\n";
    let calls = "SELECT operation, calls FROM api_calls() WHERE calls > 0 AND operation NOT IN ('DescribeUser', 'ListUserProficiencies') ORDER BY 1;\n";
    let script = dir.path().join("update.iql");
    std::fs::write(&script, format!("{update}{calls}")).expect("script");
    let apply = |patch: &str| {
        run(
            &emu,
            &["-f", script.to_str().expect("utf8"), "--var", &format!("patch={patch}"), "--var", &format!("arn={arn}")],
        )
    };
    let o = apply(&patch);
    assert!(o.status.success(), "{}", err(&o));
    let made = out(&o);
    // Whole lines: "TagResource,1" must not pass for "UntagResource,1", nor an Associate for a
    // Disassociate.
    let calls: Vec<&str> = made.lines().skip_while(|l| *l != "operation,calls").skip(1).collect();
    assert_eq!(
        calls,
        ["AssociateUserProficiencies,1", "TagResource,1", "UpdateUserIdentityInfo,1", "UpdateUserRoutingProfile,1"],
        "{made}"
    );
    let user = c.describe_user().instance_id(&i.instance).user_id(&id).send().await.expect("DescribeUser");
    let user = user.user().expect("user");
    let identity = user.identity_info().expect("identity");
    assert_eq!((identity.first_name(), identity.last_name()), (Some("Patched"), Some("Person")));
    assert_eq!(identity.email(), None, "replacing /IdentityInfo whole clears what it leaves out");
    assert_eq!(user.routing_profile_id(), Some(i.sales.as_str()));
    let tags: Vec<(String, String)> = user.tags().cloned().unwrap_or_default().into_iter().collect();
    assert_eq!(tags, [("team".to_owned(), "patched".to_owned())]);
    // The same patch again changes nothing and costs no write.
    let o = apply(&patch);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).ends_with("operation,calls\n"), "{}", out(&o));
    // Read-only and unknown properties are refused, naming them.
    for (path, expected) in [("/Username", "Username is read-only"), ("/Nope", "Nope is not a property")] {
        let patch = format!(r#"[{{"op": "replace", "path": "{path}", "value": "x"}}]"#);
        let o = apply(&patch);
        assert!(!o.status.success() && err(&o).contains(expected), "{path}: {}", err(&o));
    }
}

/// The request a dry-run line shows (`would call OP METHOD PATH BODY`): path and body.
fn would_call(stderr: &str, operation: &str) -> (String, serde_json::Value) {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&format!("would call {operation} ")))
        .unwrap_or_else(|| panic!("no {operation} in {stderr}"));
    let mut parts = line.splitn(3, ' ');
    let _method = parts.next();
    let path = parts.next().unwrap_or_default().to_owned();
    let body = parts.next().map_or(serde_json::Value::Null, |b| serde_json::from_str(b).expect("a JSON body"));
    (path, body)
}

/// A dry run shows each call as the request the write then sends, member for member: the
/// phone type the request carries (SOFT_PHONE when none is given) is in the dry run too, the
/// password masked in one and sent in the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_shows_the_requests_the_write_sends() {
    let emu =
        super::support::start(connectql_emulator::EmulatorConfig { record_requests: true, ..Default::default() }).await;
    let i = ids(&emu).await;
    let decoded = |p: &str| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned();
    let insert = format!(
        "INSERT INTO aws.connect.users (instance_id, username, password, first_name, last_name, email, security_profile_ids, routing_profile_id, tags) \
         VALUES ('{}', 'dry.twin', '{PASSWORD}', 'Dry', 'Twin', 'dry.twin@example.com', ['{}'], '{}', map(['team'], ['billing-team']))",
        i.instance, i.agent, i.routing
    );
    let dry = run(&emu, &["--dry-run", "--yes", "-e", &insert]);
    assert!(dry.status.success(), "{}", err(&dry));
    let (path, body) = would_call(&err(&dry), "CreateUser");
    assert_eq!(body["PhoneConfig"]["PhoneType"], "SOFT_PHONE", "{}", err(&dry));
    assert_eq!(body["Password"], "********");
    assert_eq!(emu.emulator.calls_of("CreateUser"), 0);
    let wet = run(&emu, &["--yes", "-e", &insert]);
    assert!(wet.status.success(), "{}", err(&wet));
    let (sent_path, mut sent) = emu.emulator.last_request("CreateUser").expect("CreateUser was sent");
    assert_eq!(sent["Password"], PASSWORD);
    sent["Password"] = "********".into();
    assert_eq!((path, body), (decoded(&sent_path), sent), "the dry run's CreateUser is the request sent");

    let id = user_id_named(&client(&emu, MAIN_REGION), &i.instance, "dry.twin").await;
    let update = format!(
        "UPDATE aws.connect.users SET phone_type = 'DESK_PHONE', desk_phone_number = '+12065550123', last_name = 'Twinned', routing_profile_id = '{}' WHERE id = '{id}'",
        i.sales
    );
    let dry = run(&emu, &["--dry-run", "--yes", "-e", &update]);
    assert!(dry.status.success(), "{}", err(&dry));
    let wet = run(&emu, &["--yes", "-e", &update]);
    assert!(wet.status.success(), "{}", err(&wet));
    for op in ["UpdateUserIdentityInfo", "UpdateUserPhoneConfig", "UpdateUserRoutingProfile"] {
        let shown = would_call(&err(&dry), op);
        let (sent_path, sent) = emu.emulator.last_request(op).expect("sent");
        assert_eq!(shown, (decoded(&sent_path), sent), "{op}");
    }
}
