//! The tables past the user record (queues, routing profile queues, security profile
//! permissions, quick connects, hours of operation, current user data): their rows against
//! plain SDK calls, what a filter on the owning item saves, and joins that cost each listing once.

use std::collections::BTreeSet;

use aws_sdk_connect::types::UserDataFilters;
use connectql_emulator::{DEMO_INSTANCE_ALIAS, EmulatorConfig, Seed};

use super::support::{MAIN_REGION, client, code, demo, engine, instance_id, query, row_count, start, strings};

/// A query's rows as tuples of text (NULL as "").
fn tuples(batches: &[datafusion::arrow::array::RecordBatch], columns: &[&str]) -> BTreeSet<Vec<String>> {
    let values: Vec<Vec<Option<String>>> = columns.iter().map(|c| strings(batches, c)).collect();
    (0..row_count(batches)).map(|i| values.iter().map(|v| v[i].clone().unwrap_or_default()).collect()).collect()
}

#[tokio::test]
async fn every_table_holds_what_the_sdk_lists() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let scoped = |sql: &str| format!("{sql} WHERE instance_id = '{iid}'");

    // Queues: the listing, and DescribeQueue's settings.
    let mut expected = BTreeSet::new();
    for q in c.list_queues().instance_id(&iid).send().await.expect("ListQueues").queue_summary_list() {
        let d = c.describe_queue().instance_id(&iid).queue_id(q.id().expect("id")).send().await.expect("DescribeQueue");
        let d = d.queue().expect("queue");
        expected.insert(vec![
            q.name().unwrap_or_default().to_owned(),
            q.queue_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            d.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            d.hours_of_operation_id().unwrap_or_default().to_owned(),
            d.max_contacts().map(|m| m.to_string()).unwrap_or_default(),
        ]);
    }
    let rows = query(&e, &scoped("SELECT name, type, status, hours_of_operation_id, max_contacts FROM queues"))
        .await
        .expect("q");
    assert_eq!(tuples(&rows, &["name", "type", "status", "hours_of_operation_id", "max_contacts"]), expected);
    assert!(expected.len() >= 5, "the demo has several queues");

    // Routing profile queues: one ListRoutingProfileQueues per routing profile.
    let profiles: Vec<String> = c
        .list_routing_profiles()
        .instance_id(&iid)
        .send()
        .await
        .expect("ListRoutingProfiles")
        .routing_profile_summary_list()
        .iter()
        .filter_map(|p| p.id().map(str::to_owned))
        .collect();
    let mut expected = BTreeSet::new();
    for rp in &profiles {
        let out = c.list_routing_profile_queues().instance_id(&iid).routing_profile_id(rp).send().await.expect("RPQ");
        for q in out.routing_profile_queue_config_summary_list() {
            expected.insert(vec![
                rp.clone(),
                q.queue_name().to_owned(),
                q.channel().as_str().to_owned(),
                q.priority().to_string(),
                q.delay().to_string(),
            ]);
        }
    }
    let columns = ["routing_profile_id", "queue_name", "channel", "priority", "delay"];
    let rows = query(&e, &scoped(&format!("SELECT {} FROM routing_profile_queues", columns.join(", "))))
        .await
        .expect("routing profile queues");
    assert_eq!(tuples(&rows, &columns), expected);
    let stats = e.last_stats();
    assert_eq!(stats.calls("ListRoutingProfiles"), 1, "{stats}");
    assert_eq!(stats.calls("ListRoutingProfileQueues"), profiles.len() as u64, "{stats}");

    // Security profile permissions.
    let mut expected = BTreeSet::new();
    for sp in c.list_security_profiles().instance_id(&iid).send().await.expect("sp").security_profile_summary_list() {
        let id = sp.id().expect("id");
        let out = c.list_security_profile_permissions().instance_id(&iid).security_profile_id(id).send().await;
        for p in out.expect("permissions").permissions() {
            expected.insert(vec![sp.name().unwrap_or_default().to_owned(), p.clone()]);
        }
    }
    let rows = query(
        &e,
        &format!(
            "SELECT sp.name, p.permission FROM security_profile_permissions p JOIN security_profiles sp \
             ON sp.id = p.security_profile_id AND sp.instance_id = p.instance_id WHERE p.instance_id = '{iid}'"
        ),
    )
    .await
    .expect("permissions");
    assert_eq!(tuples(&rows, &["name", "permission"]), expected);
    assert!(expected.contains(&vec!["Supervisor".to_owned(), "Users.Delete".to_owned()]));

    // Quick connects: where each points (DescribeQuickConnect).
    let mut expected = BTreeSet::new();
    for q in c.list_quick_connects().instance_id(&iid).send().await.expect("qc").quick_connect_summary_list() {
        let d = c.describe_quick_connect().instance_id(&iid).quick_connect_id(q.id().expect("id")).send().await;
        let d = d.expect("DescribeQuickConnect");
        let config = d.quick_connect().and_then(|q| q.quick_connect_config()).expect("config");
        expected.insert(vec![
            q.name().unwrap_or_default().to_owned(),
            config.quick_connect_type().as_str().to_owned(),
            config.user_config().map(|u| u.user_id().to_owned()).unwrap_or_default(),
            config.queue_config().map(|u| u.queue_id().to_owned()).unwrap_or_default(),
            config.phone_config().map(|u| u.phone_number().to_owned()).unwrap_or_default(),
        ]);
    }
    let columns = ["name", "type", "user_id", "queue_id", "phone_number"];
    let rows = query(&e, &scoped(&format!("SELECT {} FROM quick_connects", columns.join(", ")))).await.expect("qc");
    assert_eq!(tuples(&rows, &columns), expected);

    // Hours of operation: the time zone and the weekly hours.
    let mut expected = BTreeSet::new();
    for h in c.list_hours_of_operations().instance_id(&iid).send().await.expect("h").hours_of_operation_summary_list() {
        let d = c.describe_hours_of_operation().instance_id(&iid).hours_of_operation_id(h.id().expect("id")).send();
        let d = d.await.expect("DescribeHoursOfOperation");
        let d = d.hours_of_operation().expect("hours");
        let first = d.config().first().and_then(|c| c.start_time()).expect("a start");
        expected.insert(vec![
            d.name().unwrap_or_default().to_owned(),
            d.time_zone().unwrap_or_default().to_owned(),
            d.config().len().to_string(),
            format!("{:02}:{:02}", first.hours(), first.minutes()),
        ]);
    }
    let rows = query(
        &e,
        &scoped(
            "SELECT name, time_zone, cardinality(config) AS days, config[1]['start'] AS opens FROM hours_of_operations",
        ),
    )
    .await
    .expect("hours");
    assert_eq!(tuples(&rows, &["name", "time_zone", "days", "opens"]), expected);

    // Current user data: per routing profile, 100 users a page.
    let mut expected = BTreeSet::new();
    for chunk in profiles.chunks(100) {
        let filters = UserDataFilters::builder().set_routing_profiles(Some(chunk.to_vec())).build();
        let mut token = None;
        loop {
            let out = c
                .get_current_user_data()
                .instance_id(&iid)
                .filters(filters.clone())
                .set_next_token(token)
                .send()
                .await
                .expect("GetCurrentUserData");
            for d in out.user_data_list() {
                expected.insert(vec![
                    d.user().and_then(|u| u.id()).unwrap_or_default().to_owned(),
                    d.status().and_then(|s| s.status_name()).unwrap_or_default().to_owned(),
                    d.contacts().len().to_string(),
                ]);
            }
            match out.next_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
    }
    let rows =
        query(&e, &scoped("SELECT user_id, status_name, contacts_in_progress FROM user_data")).await.expect("ud");
    assert_eq!(tuples(&rows, &["user_id", "status_name", "contacts_in_progress"]), expected);
    let statuses: BTreeSet<String> = expected.iter().map(|r| r[1].clone()).collect();
    assert!(statuses.contains("Available") && statuses.contains("Offline"), "{statuses:?}");
    assert!(expected.iter().any(|r| r[2] != "0"), "some users are on a contact");
}

#[tokio::test]
async fn a_filter_on_the_owner_reads_that_owner_only() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let rows = query(&e, &format!("SELECT id, name FROM routing_profiles WHERE instance_id = '{iid}' ORDER BY name"))
        .await
        .expect("profiles");
    let ids: Vec<String> = strings(&rows, "id").into_iter().flatten().collect();

    emu.emulator.reset_calls();
    let one = &ids[0];
    let rows = query(
        &e,
        &format!(
            "SELECT queue_name FROM routing_profile_queues WHERE routing_profile_id = '{one}' AND instance_id = '{iid}'"
        ),
    )
    .await
    .expect("one profile's queues");
    let expected = c.list_routing_profile_queues().instance_id(&iid).routing_profile_id(one).send().await.expect("sdk");
    assert_eq!(row_count(&rows), expected.routing_profile_queue_config_summary_list().len());
    // (The SDK call above is counted too.)
    assert_eq!(emu.emulator.calls_of("ListRoutingProfileQueues"), 2, "{:?}", emu.emulator.calls());
    assert_eq!(emu.emulator.calls_of("ListRoutingProfiles"), 0, "{:?}", emu.emulator.calls());

    let two = format!("'{}', '{}'", ids[0], ids[1]);
    query(
        &e,
        &format!("SELECT * FROM routing_profile_queues WHERE routing_profile_id IN ({two}) AND instance_id = '{iid}'"),
    )
    .await
    .expect("two profiles' queues");
    assert_eq!(e.last_stats().calls("ListRoutingProfileQueues"), 2);
    let plan = query(
        &e,
        &format!(
            "EXPLAIN SELECT * FROM routing_profile_queues WHERE routing_profile_id IN ({two}) AND instance_id = '{iid}'"
        ),
    )
    .await
    .expect("explain");
    let text = strings(&plan, "plan").into_iter().flatten().collect::<Vec<_>>().join("\n");
    assert!(text.contains("for 2 named row(s) of aws.connect.routing_profiles"), "{text}");

    // One user's current state: GetCurrentUserData for that agent, no routing profile listing.
    let rows =
        query(&e, &format!("SELECT user_id FROM user_data WHERE instance_id = '{iid}' AND status_name = 'Lunch'"))
            .await
            .expect("on lunch");
    let user = strings(&rows, "user_id").into_iter().flatten().next().expect("someone is on lunch");
    let rows =
        query(&e, &format!("SELECT status_name FROM user_data WHERE user_id = '{user}' AND instance_id = '{iid}'"))
            .await
            .expect("one user");
    assert_eq!(strings(&rows, "status_name"), vec![Some("Lunch".to_owned())]);
    let stats = e.last_stats();
    assert_eq!((stats.calls("GetCurrentUserData"), stats.calls("ListRoutingProfiles")), (1, 0), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_through_routing_profile_queues_lists_each_table_once() {
    // 10,000 users in the main instance.
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 9_700, ..EmulatorConfig::default() }).await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let profiles = c.list_routing_profiles().instance_id(&iid).send().await.expect("rp");
    let profiles = profiles.routing_profile_summary_list().len() as u64;
    let instances = c.list_instances().send().await.expect("instances").instance_summary_list().len() as u64;
    let sql = format!(
        "SELECT q.name, count(DISTINCT u.id) AS agents FROM users u \
         JOIN routing_profile_queues rq ON rq.routing_profile_id = u.routing_profile_id AND rq.instance_id = u.instance_id \
         JOIN queues q ON q.id = rq.queue_id AND q.instance_id = rq.instance_id \
         WHERE u.instance_id = '{iid}' GROUP BY q.name"
    );
    let plan = query(&e, &format!("EXPLAIN {sql}")).await.expect("explain");
    let plan = strings(&plan, "plan").into_iter().flatten().collect::<Vec<_>>().join("\n");
    assert!(
        plan.contains("ListRoutingProfiles per instance + ListRoutingProfileQueues(MaxResults=100) paged to the end per row of aws.connect.routing_profiles"),
        "{plan}"
    );
    let users = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("ListUsers");
    assert!(users.next_token().is_some(), "more than 1,000 users");
    emu.emulator.reset_calls();
    let rows = query(&e, &sql).await.expect("join");
    assert!(row_count(&rows) >= 5);
    let calls = emu.emulator.calls();
    assert_eq!(emu.emulator.calls_of("ListRoutingProfileQueues"), profiles, "one per routing profile: {calls:?}");
    assert_eq!(emu.emulator.calls_of("ListRoutingProfiles"), 1, "{calls:?}");
    // The instance filter reaches the users and, through the join, the routing profiles; the
    // queues are listed once per instance of the region.
    assert_eq!(emu.emulator.calls_of("ListQueues"), instances, "{calls:?}");
    assert_eq!(emu.emulator.calls_of("DescribeQueue"), 0, "{calls:?}");
}

#[tokio::test]
async fn current_user_data_takes_one_filter_as_the_api_documents() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let none = c.get_current_user_data().instance_id(&iid).filters(UserDataFilters::builder().build()).send().await;
    assert!(none.expect("no filter names no one").user_data_list().is_empty());
    let both = UserDataFilters::builder().agents("a").routing_profiles("b").build();
    let both = c.get_current_user_data().instance_id(&iid).filters(both).send().await;
    assert_eq!(code(&both.expect_err("two filters")), "InvalidRequestException");
    let missing = c.list_routing_profile_queues().instance_id(&iid).routing_profile_id("no-such-profile").send().await;
    assert_eq!(code(&missing.expect_err("unknown profile")), "ResourceNotFoundException");
    let missing = c.list_security_profile_permissions().instance_id(&iid).security_profile_id("nope").send().await;
    assert_eq!(code(&missing.expect_err("unknown profile")), "ResourceNotFoundException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_cache_serves_describes_of_unchanged_items_and_never_the_live_state() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("dir");
    let cached = |sql: &str| {
        emu.emulator.reset_calls();
        let o = super::support::run(&emu, &["--cache-dir", dir.path().to_str().expect("utf8"), "-e", sql]);
        assert!(o.status.success(), "{sql}: {}", super::support::err(&o));
        super::support::out(&o)
    };
    let details = [
        ("SELECT name, status, hours_of_operation_id FROM aws.connect.queues ORDER BY 1, 2, 3", "DescribeQueue"),
        ("SELECT name, user_id, queue_id FROM aws.connect.quick_connects ORDER BY 1, 2, 3", "DescribeQuickConnect"),
        ("SELECT name, time_zone FROM aws.connect.hours_of_operations ORDER BY 1, 2", "DescribeHoursOfOperation"),
    ];
    for (sql, describe) in details {
        let cold = cached(sql);
        assert!(emu.emulator.calls_of(describe) > 0, "{sql}: the cold scan describes");
        let warm = cached(sql);
        assert_eq!(emu.emulator.calls_of(describe), 0, "{sql}: the warm scan only lists");
        assert_eq!(warm, cold, "{sql}");
    }
    // The users' current status is read on every scan, even with every user's detail cached.
    let sql = "SELECT username, email, agent_status FROM aws.connect.users ORDER BY 1";
    cached(sql);
    cached(sql);
    assert_eq!(emu.emulator.calls_of("DescribeUser"), 0);
    assert!(emu.emulator.calls_of("GetCurrentUserData") > 0);
}

#[tokio::test]
async fn a_status_set_with_update_reads_back() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let e = engine(&emu).await;
    let rows =
        query(&e, &format!("SELECT id FROM users WHERE instance_id = '{iid}' AND agent_status = 'Available' LIMIT 1"))
            .await
            .expect("an available agent");
    let id = strings(&rows, "id").into_iter().flatten().next().expect("someone is available");
    query(&e, &format!("UPDATE users SET agent_status = 'Training' WHERE id = '{id}' AND instance_id = '{iid}'"))
        .await
        .expect("PutUserStatus");
    let filters = UserDataFilters::builder().agents(&id).build();
    let sdk = c.get_current_user_data().instance_id(&iid).filters(filters).send().await.expect("GetCurrentUserData");
    let status = sdk.user_data_list().first().and_then(|d| d.status()).and_then(|s| s.status_name());
    assert_eq!(status, Some("Training"), "the SDK sees the new status");
    let rows = query(&e, &format!("SELECT agent_status FROM users WHERE id = '{id}' AND instance_id = '{iid}'"))
        .await
        .expect("read back");
    assert_eq!(strings(&rows, "agent_status"), vec![Some("Training".to_owned())]);
}
