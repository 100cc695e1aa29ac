//! SELECT through the library over real HTTP: the rows, and the exact API calls of each plan
//! shape (counted both by the emulator and by connectql's own interceptor).

use std::time::Duration;

use connectql_emulator::faults::Faults;
use connectql_emulator::{DEMO_INSTANCE_ALIAS, EmulatorConfig, Seed};

use super::support::{
    MAIN_REGION, client, demo, engine, engine_with, instance_id, query, row_count, start, strings, summarized,
};

#[tokio::test]
async fn lookup_by_id_costs_one_describe_and_no_listing() {
    let emu = demo().await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let listed =
        query(&e, &format!("SELECT id, arn FROM users WHERE instance_id = '{iid}' LIMIT 3")).await.expect("ids");
    let ids = strings(&listed, "id");
    let arns = strings(&listed, "arn");

    emu.emulator.reset_calls();
    let one = ids[0].clone().expect("id");
    let rows = query(&e, &format!("SELECT username, email FROM users WHERE id = '{one}' AND instance_id = '{iid}'"))
        .await
        .expect("lookup");
    assert_eq!(row_count(&rows), 1);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 1);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 0);
    assert_eq!(e.last_stats().calls("DescribeUser"), 1, "the client counts the same call");

    // ARNs (and StackQL's spellings of them) name the instance and region too: no ListInstances.
    emu.emulator.reset_calls();
    let arn = arns[1].clone().expect("arn");
    for column in ["arn", "user_arn", "data__Identifier"] {
        let rows =
            query(&e, &format!("SELECT username FROM aws.connect.users WHERE {column} = '{arn}'")).await.expect("arn");
        assert_eq!(row_count(&rows), 1, "{column}");
    }
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 3);
    assert_eq!(emu.emulator.calls_of("ListInstances") + emu.emulator.calls_of("ListUsers"), 0);

    emu.emulator.reset_calls();
    let two: Vec<String> = ids.iter().take(2).flatten().map(|i| format!("'{i}'")).collect();
    let rows = query(
        &e,
        &format!("SELECT user_id FROM users WHERE user_id IN ({}) AND instance_id = '{iid}'", two.join(", ")),
    )
    .await
    .expect("IN list");
    assert_eq!(row_count(&rows), 2);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 2);

    let rows = query(&e, &format!("SELECT id FROM users WHERE id = 'no-such-user' AND instance_id = '{iid}'"))
        .await
        .expect("none");
    assert_eq!(row_count(&rows), 0, "an unknown id is no row, not an error");
}

#[tokio::test]
async fn listing_columns_cost_only_list_pages() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 2200, ..EmulatorConfig::default() }).await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    emu.emulator.reset_calls();
    let rows =
        query(&e, &format!("SELECT id, username, last_modified_time, region FROM users WHERE instance_id = '{iid}'"))
            .await
            .expect("listing");
    assert_eq!(row_count(&rows), 2500);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 3, "ceil(2500/1000) pages");
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 0);

    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT count(*) AS n FROM users WHERE instance_id = '{iid}'")).await.expect("count");
    assert_eq!(strings(&rows, "n"), vec![Some("2500".to_owned())]);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 3);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 0);
}

#[tokio::test]
async fn detail_columns_hydrate_each_listed_user() {
    let emu = demo().await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT username, email, tags FROM users WHERE instance_id = '{iid}'"))
        .await
        .expect("detail");
    assert_eq!(row_count(&rows), 300);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 1);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 300);
    assert_eq!(emu.emulator.calls_of("ListUserProficiencies"), 0, "proficiencies cost calls only when selected");
    let emails = strings(&rows, "email");
    assert!(emails.iter().any(Option::is_none), "some demo users have no email");
    assert!(emails.iter().flatten().all(|m| m.contains('@')));

    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT username, user_proficiencies FROM users WHERE instance_id = '{iid}'"))
        .await
        .expect("extras");
    assert_eq!(row_count(&rows), 300);
    assert_eq!(emu.emulator.calls_of("ListUserProficiencies"), 300);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 0);
}

#[tokio::test]
async fn limit_stops_paging_and_hydration_early() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 3000, ..EmulatorConfig::default() }).await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT id FROM users WHERE instance_id = '{iid}' LIMIT 5")).await.expect("limit");
    assert_eq!(row_count(&rows), 5);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 1);

    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT email FROM users WHERE instance_id = '{iid}' LIMIT 7")).await.expect("limit");
    assert_eq!(row_count(&rows), 7);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 1);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 7);
}

#[tokio::test]
async fn regions_and_instances_fan_out() {
    let emu = demo().await;
    let e = engine(&emu).await;
    emu.emulator.reset_calls();
    let rows =
        query(&e, "SELECT region, instance_id, count(*) AS n FROM users GROUP BY region, instance_id ORDER BY n DESC")
            .await
            .expect("default region, every instance");
    assert_eq!(strings(&rows, "n"), vec![Some("300".into()), Some("24".into())]);
    assert_eq!(emu.emulator.calls_of("ListInstances"), 1);

    let rows = query(&e, "SELECT region, count(*) AS n FROM users WHERE region IN ('us-east-1', 'eu-west-2') GROUP BY region ORDER BY region")
        .await
        .expect("two regions");
    assert_eq!(strings(&rows, "region"), vec![Some("eu-west-2".into()), Some("us-east-1".into())]);
    assert_eq!(strings(&rows, "n"), vec![Some("30".into()), Some("324".into())]);
    let rows =
        query(&e, "SELECT DISTINCT instance_arn FROM users WHERE region = 'eu-west-2'").await.expect("instance arn");
    assert!(
        strings(&rows, "instance_arn")[0]
            .as_deref()
            .is_some_and(|a| a.starts_with("arn:aws:connect:eu-west-2:123456789012:instance/"))
    );
}

#[tokio::test]
async fn filters_the_api_cannot_apply_are_still_applied() {
    let emu = demo().await;
    let e = engine(&emu).await;
    let rows =
        query(&e, "SELECT username, phone_type FROM users WHERE username LIKE 'ava.%' AND phone_type = 'SOFT_PHONE'")
            .await
            .expect("filtered");
    let names = strings(&rows, "username");
    assert!(!names.is_empty());
    assert!(names.iter().flatten().all(|n| n.starts_with("ava.")));
    assert!(strings(&rows, "phone_type").iter().all(|p| p.as_deref() == Some("SOFT_PHONE")));
    // The same rows as the SDK finds them, user by user.
    let c = client(&emu, MAIN_REGION);
    let mut expected = Vec::new();
    for i in c.list_instances().send().await.expect("instances").instance_summary_list() {
        let iid = i.id().expect("id");
        let users = c.list_users().instance_id(iid).max_results(1000).send().await.expect("list");
        for u in users.user_summary_list().iter().filter(|u| u.username().is_some_and(|n| n.starts_with("ava."))) {
            let d = c.describe_user().instance_id(iid).user_id(u.id().expect("id")).send().await.expect("describe");
            if d.user().and_then(|u| u.phone_config()).is_some_and(|p| p.phone_type().as_str() == "SOFT_PHONE") {
                expected.push(u.username().map(str::to_owned));
            }
        }
    }
    let mut names = names;
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_user_deleted_mid_scan_is_skipped_with_a_warning() {
    let emu = start(EmulatorConfig {
        seed: Seed::Demo,
        faults: Faults { latency_ms: 20, ..Faults::default() },
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(&emu, "eu-west-2");
    let iid = instance_id(&c, "acme-uk").await;
    let listed = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("list");
    let last = listed.user_summary_list().last().and_then(|u| u.id()).expect("a user").to_owned();
    emu.emulator.reset_calls();
    let e = engine_with(&emu, |s| s.concurrency = 1).await;
    let deleter = {
        let emulator = std::sync::Arc::clone(&emu.emulator);
        let (c, iid, last) = (c.clone(), iid.clone(), last.clone());
        tokio::spawn(async move {
            // Describe calls start once the listing is complete: the last listed user goes now.
            while emulator.calls_of("DescribeUser") == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            c.delete_user().instance_id(iid).user_id(last).send().await.expect("delete mid-scan");
        })
    };
    let (rows, summary) =
        summarized(&e, &format!("SELECT id, email FROM users WHERE region = 'eu-west-2' AND instance_id = '{iid}'"))
            .await
            .expect("the scan succeeds");
    deleter.await.expect("deleter");
    assert_eq!(row_count(&rows), 29);
    assert!(!strings(&rows, "id").contains(&Some(last.clone())));
    let warnings = &summary.warnings;
    assert!(warnings.iter().any(|w| w.contains(&last) && w.contains("deleted")), "{warnings:?}");
    assert!(summary.failures.is_empty());
}

#[tokio::test]
async fn throttling_is_absorbed_by_retries() {
    let emu = start(EmulatorConfig {
        seed: Seed::Demo,
        faults: Faults { throttle: Some((40.0, 5.0)), ..Faults::default() },
        ..EmulatorConfig::default()
    })
    .await;
    let e = engine(&emu).await;
    let rows = query(&e, "SELECT username, email FROM users WHERE region = 'eu-west-2'").await.expect("throttled scan");
    assert_eq!(row_count(&rows), 30);
    assert!(emu.emulator.throttled() > 0, "the emulator throttled some calls");
    let stats = e.last_stats();
    assert_eq!(stats.calls("DescribeUser"), 30);
    assert!(stats.retries() > 0, "{stats}");
}

#[tokio::test]
async fn failures_name_the_instance_unless_partial() {
    let emu = demo().await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let err =
        query(&e, "SELECT id FROM users WHERE instance_id = 'no-such-instance'").await.expect_err("unknown instance");
    assert!(
        err.contains("ListUsers") && err.contains("ResourceNotFoundException") && err.contains("no-such-instance"),
        "{err}"
    );

    let sql = format!("SELECT id FROM users WHERE instance_id IN ('{iid}', 'no-such-instance')");
    let err = query(&e, &sql).await.expect_err("one instance fails");
    assert!(err.contains("no-such-instance"), "{err}");
    let partial = engine_with(&emu, |s| s.partial = true).await;
    let (rows, summary) = summarized(&partial, &sql).await.expect("partial rows");
    assert_eq!(row_count(&rows), 300);
    let failures = &summary.failures;
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].contains("no-such-instance") && failures[0].contains("ResourceNotFoundException"),
        "{failures:?}"
    );
}

#[tokio::test]
async fn explain_shows_the_planned_calls() {
    let emu = demo().await;
    let e = engine(&emu).await;
    let rows = query(&e, "EXPLAIN SELECT username, email FROM users WHERE region = 'eu-west-2' LIMIT 3")
        .await
        .expect("explain");
    let plan = strings(&rows, "plan").into_iter().flatten().collect::<Vec<_>>().join("\n");
    assert!(
        plan.contains("ApiScanExec: table=aws.connect.users regions=[eu-west-2] instances=[all] limit=3"),
        "{plan}"
    );
    assert!(plan.contains("ListUsers(MaxResults=3)") && plan.contains("DescribeUser per row"), "{plan}");
    assert_eq!(emu.emulator.calls().values().sum::<u64>(), 0, "EXPLAIN makes no call");
}

#[tokio::test]
async fn nested_columns_are_real_arrow_types() {
    let emu = demo().await;
    let e = engine(&emu).await;
    // Every value, NULLs included, against what DescribeUser says.
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let rows = query(
        &e,
        &format!("SELECT id, identity_info['FirstName'] AS first, phone_config['PhoneType'] AS phone, cardinality(security_profile_ids) AS n, \
         tags['team'] AS team, date_part('year', last_modified_time) AS year FROM users WHERE instance_id = '{iid}'"),
    )
    .await
    .expect("nested");
    assert_eq!(row_count(&rows), 300);
    let columns = ["id", "first", "phone", "n", "team", "year"].map(|c| strings(&rows, c));
    let mut teams = 0;
    for r in 0..300 {
        let id = columns[0][r].clone().expect("id");
        let u = c.describe_user().instance_id(&iid).user_id(&id).send().await.expect("describe").user.expect("user");
        let team = u.tags().and_then(|t| t.get("team")).cloned();
        teams += usize::from(team.is_some());
        let year = u
            .last_modified_time()
            .map(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).expect("date")[..4].to_owned());
        let expected = [
            Some(id),
            u.identity_info().and_then(|i| i.first_name()).map(str::to_owned),
            u.phone_config().map(|p| p.phone_type().as_str().to_owned()),
            Some(u.security_profile_ids().len().to_string()),
            team,
            year,
        ];
        let got: Vec<Option<String>> = columns.iter().map(|c| c[r].clone()).collect();
        assert_eq!(got, expected, "row {r}");
    }
    assert!(teams > 0, "some demo users carry a team tag");
    let rows = query(&e, "SELECT password FROM users WHERE region = 'eu-west-2'").await.expect("password");
    assert!(strings(&rows, "password").iter().all(Option::is_none), "passwords are write-only");
}

#[tokio::test]
async fn search_users_replaces_list_and_describe_and_falls_back_when_denied() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 1700, ..EmulatorConfig::default() }).await;
    let iid = instance_id(&client(&emu, MAIN_REGION), DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let sql = format!(
        "SELECT username, first_name, routing_profile_id, phone_type, after_contact_work_time_limit AS acw \
         FROM users WHERE instance_id = '{iid}' ORDER BY username"
    );
    emu.emulator.reset_calls();
    let searched = query(&e, &sql).await.expect("search plan");
    assert_eq!(row_count(&searched), 2000);
    assert_eq!(emu.emulator.calls_of("SearchUsers"), 4, "ceil(2000/500) pages");
    assert_eq!(emu.emulator.calls_of("ListUsers") + emu.emulator.calls_of("DescribeUser"), 0);

    // Filters the API understands narrow the search; DataFusion still checks them exactly.
    emu.emulator.reset_calls();
    let rows = query(&e, &format!("SELECT username FROM users WHERE instance_id = '{iid}' AND first_name = 'Ava' AND phone_type = 'SOFT_PHONE'"))
        .await
        .expect("narrowed");
    assert!(row_count(&rows) > 0 && row_count(&rows) < 20);
    assert_eq!(emu.emulator.calls_of("SearchUsers"), 1);

    // A tag filter goes into SearchUsers' SearchFilter: one page instead of four, and the same
    // rows as the same filter DataFusion applies alone.
    emu.emulator.reset_calls();
    let tagged = query(
        &e,
        &format!(
            "SELECT username FROM users WHERE instance_id = '{iid}' AND tags['team'] = 'support-a' ORDER BY username"
        ),
    )
    .await
    .expect("tag filter");
    assert_eq!(emu.emulator.calls_of("SearchUsers"), 1, "the tag condition narrowed the search");
    let unpushed = query(
        &e,
        &format!(
            "SELECT username FROM users WHERE instance_id = '{iid}' AND concat(tags['team'], '') = 'support-a' ORDER BY username"
        ),
    )
    .await
    .expect("the same filter, not pushed");
    assert!(row_count(&tagged) > 0, "demo users carry team tags");
    assert_eq!(strings(&tagged, "username"), strings(&unpushed, "username"));
    let plan = query(&e, "EXPLAIN SELECT username FROM users WHERE tags['team'] = 'support-a'").await.expect("explain");
    let text = strings(&plan, "plan").into_iter().flatten().collect::<Vec<_>>().join("\n");
    assert!(text.contains(r#"SearchCriteria={"TagCondition":{"TagKey":"team","TagValue":"support-a"}}"#), "{text}");

    // Without the SearchUsers permission, the same rows come from ListUsers + DescribeUser.
    emu.emulator.set_faults(Faults { deny: vec!["SearchUsers".into()], ..Faults::default() });
    emu.emulator.reset_calls();
    let (listed, summary) = summarized(&e, &sql).await.expect("fallback");
    assert_eq!(emu.emulator.calls_of("SearchUsers"), 1);
    assert_eq!(emu.emulator.calls_of("ListUsers"), 2);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 2000);
    for column in ["username", "first_name", "routing_profile_id", "phone_type", "acw"] {
        assert_eq!(strings(&searched, column), strings(&listed, column), "{column}: both plans give the same rows");
    }
    assert!(summary.warnings.iter().any(|w| w.contains("AccessDeniedException") && w.contains("falling back")));
}

/// A join on the instance carries the other side's region: users of the eu-west-2 instances are
/// read in eu-west-2, not in the default region where the join would find nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_on_the_instance_reads_the_other_side_in_its_region() {
    let emu = demo().await;
    let e = engine(&emu).await;
    for sql in [
        "SELECT u.username, i.alias FROM aws.connect.users u JOIN aws.connect.instances i \
         ON u.instance_id = i.id WHERE i.region = 'eu-west-2' ORDER BY 1",
        "SELECT u.username, i.alias FROM aws.connect.users u, aws.connect.instances i \
         WHERE u.instance_arn = i.arn AND i.region = 'eu-west-2' ORDER BY 1",
        "SELECT u.username, i.alias FROM aws.connect.instances i LEFT JOIN aws.connect.users u \
         ON u.instance_id = i.id WHERE i.region = 'eu-west-2' ORDER BY 1",
    ] {
        emu.emulator.reset_calls();
        let rows = query(&e, sql).await.expect(sql);
        assert_eq!(row_count(&rows), 30, "{sql}");
        assert!(strings(&rows, "alias").iter().all(|a| a.as_deref() == Some("acme-uk")), "{sql}");
        assert_eq!(emu.emulator.calls_of("ListUsers"), 1, "one page of the eu-west-2 instance's users: {sql}");
    }
    // A join on another column cannot carry the region: the side read in the default region
    // only is named in a warning, and joining on the instance too finds the rows.
    let (rows, summary) = summarized(
        &e,
        "SELECT count(*) AS n FROM aws.connect.users u JOIN aws.connect.routing_profiles r \
         ON u.routing_profile_id = r.id WHERE u.region = 'eu-west-2'",
    )
    .await
    .expect("join on the profile");
    assert_eq!(strings(&rows, "n"), vec![Some("0".into())]);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("aws.connect.routing_profiles is read in us-east-1 only") && w.contains("eu-west-2")),
        "{:?}",
        summary.warnings
    );
    let (rows, summary) = summarized(
        &e,
        "SELECT count(*) AS n FROM aws.connect.users u JOIN aws.connect.routing_profiles r \
         ON u.routing_profile_id = r.id AND u.instance_id = r.instance_id WHERE u.region = 'eu-west-2'",
    )
    .await
    .expect("join on the profile and the instance");
    assert_eq!(strings(&rows, "n"), vec![Some("30".into())]);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    // The same join without the region filter reads the default region, as before.
    let rows =
        query(&e, "SELECT count(*) AS n FROM aws.connect.users u JOIN aws.connect.instances i ON u.instance_id = i.id")
            .await
            .expect("default region");
    assert_eq!(strings(&rows, "n"), vec![Some("324".into())]);
}

/// Ids a statement already read in one instance are looked up there only: `WHERE id IN
/// (SELECT id …)` costs one DescribeUser per id, not one per id and instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_from_a_subquery_are_looked_up_where_they_were_read() {
    let emu = demo().await;
    let e = engine_with(&emu, |s| s.policy = connectql::WritePolicy::DryRun).await;
    let instances = client(&emu, MAIN_REGION).list_instances().send().await.expect("instances");
    assert_eq!(instances.instance_summary_list().len(), 2, "two instances in the region");
    emu.emulator.reset_calls();
    let (_, summary) = summarized(
        &e,
        "DELETE FROM aws.connect.users WHERE id IN \
         (SELECT id FROM aws.connect.users WHERE username IN ('ava.smith', 'amir.silva'))",
    )
    .await
    .expect("a dry run");
    let targets: Vec<&str> = summary.writes.iter().map(|w| w.subject.as_str()).collect();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 2, "{:?}", emu.emulator.calls());
    assert_eq!(emu.emulator.calls_of("DeleteUser"), 0, "a dry run");
}
