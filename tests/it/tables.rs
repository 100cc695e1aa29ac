//! The tables around users: their rows, their call counts, and joins that list each table once
//! per region and instance.

use super::support::{demo, engine, query, row_count, strings};

#[tokio::test]
async fn each_table_lists_its_rows_with_one_call_per_instance() {
    let emu = demo().await;
    let e = engine(&emu).await;
    let cases: &[(&str, usize, &str)] = &[
        ("SELECT * FROM instances WHERE region = 'eu-west-2'", 1, "ListInstances"),
        ("SELECT id, name FROM routing_profiles WHERE region = 'eu-west-2'", 7, "ListRoutingProfiles"),
        ("SELECT id, name, type FROM security_profiles WHERE region = 'eu-west-2'", 5, "ListSecurityProfiles"),
        ("SELECT id, name FROM user_hierarchy_groups WHERE region = 'eu-west-2'", 11, "ListUserHierarchyGroups"),
        ("SELECT * FROM user_hierarchy_structure WHERE region = 'eu-west-2'", 3, "DescribeUserHierarchyStructure"),
        ("SELECT * FROM agent_statuses WHERE region = 'eu-west-2'", 5, "ListAgentStatuses"),
    ];
    for (sql, rows, op) in cases {
        let batches = query(&e, sql).await.unwrap_or_else(|err| panic!("{sql}: {err}"));
        assert_eq!(row_count(&batches), *rows, "{sql}");
        let stats = e.last_stats();
        assert_eq!(stats.calls(op), 1, "{sql}: {stats}");
    }
    // Instance tags need DescribeInstance; the listing alone does not call it.
    query(&e, "SELECT alias FROM instances WHERE region = 'us-east-1'").await.expect("aliases");
    assert_eq!(e.last_stats().calls("DescribeInstance"), 0);
    let rows = query(&e, "SELECT alias, tags['env'] AS env FROM instances WHERE region = 'us-east-1' ORDER BY alias")
        .await
        .expect("tags");
    assert_eq!(strings(&rows, "alias"), vec![Some("acme-contact-center".into()), Some("acme-sso".into())]);
    assert_eq!(strings(&rows, "env"), vec![Some("demo".into()), Some("demo".into())]);
    assert_eq!(e.last_stats().calls("DescribeInstance"), 2);
}

#[tokio::test]
async fn detail_columns_and_the_flattened_hierarchy_path() {
    let emu = demo().await;
    let e = engine(&emu).await;
    let rows = query(
        &e,
        "SELECT name, level_one_name, level_two_name, level_three_name, level_four_name FROM user_hierarchy_groups \
         WHERE region = 'eu-west-2' AND name = 'Support A'",
    )
    .await
    .expect("path");
    assert_eq!(strings(&rows, "level_one_name"), vec![Some("Americas".into())]);
    assert_eq!(strings(&rows, "level_two_name"), vec![Some("Austin".into())]);
    assert_eq!(strings(&rows, "level_three_name"), vec![Some("Support A".into())]);
    assert_eq!(strings(&rows, "level_four_name"), vec![None]);
    let stats = e.last_stats();
    assert_eq!(stats.calls("DescribeUserHierarchyGroup"), 11, "every listed group is described before the name filter");

    let rows = query(
        &e,
        "SELECT name, number_of_associated_users AS users, cardinality(media_concurrencies) AS channels FROM routing_profiles \
         WHERE region = 'eu-west-2' AND name = 'Basic Routing Profile'",
    )
    .await
    .expect("routing profile detail");
    assert_eq!(strings(&rows, "channels"), vec![Some("3".into())]);
    let by_users = query(
        &e,
        "SELECT count(*) AS n FROM users u JOIN routing_profiles rp ON u.routing_profile_id = rp.id \
         WHERE u.region = 'eu-west-2' AND rp.region = 'eu-west-2' AND rp.name = 'Basic Routing Profile'",
    )
    .await
    .expect("count");
    assert_eq!(strings(&rows, "users"), strings(&by_users, "n"), "NumberOfAssociatedUsers agrees with the users table");
}

#[tokio::test]
async fn a_three_table_join_lists_each_table_once() {
    let emu = demo().await;
    let e = engine(&emu).await;
    emu.emulator.reset_calls();
    let rows = query(
        &e,
        "SELECT u.username, rp.name AS routing_profile, g.name AS team \
         FROM users u \
         JOIN routing_profiles rp ON u.routing_profile_id = rp.id AND u.instance_id = rp.instance_id \
         LEFT JOIN user_hierarchy_groups g ON u.hierarchy_group_id = g.id AND u.instance_id = g.instance_id",
    )
    .await
    .expect("join");
    let calls = emu.emulator.calls();
    // The rows, computed from plain SDK calls: each user whose routing profile exists, with
    // its name and its group's name (NULL when in none, or in one that no longer exists).
    let users = super::oracle_columns::user_rows(&emu).await;
    let sdk = super::support::client(&emu, "us-east-1");
    let mut rp_names = std::collections::BTreeMap::new();
    let mut group_names = std::collections::BTreeMap::new();
    for i in sdk.list_instances().send().await.expect("instances").instance_summary_list() {
        let iid = i.id().expect("id");
        for p in sdk.list_routing_profiles().instance_id(iid).send().await.expect("rp").routing_profile_summary_list() {
            rp_names.insert((iid.to_owned(), p.id().expect("id").to_owned()), p.name().expect("name").to_owned());
        }
        let groups = sdk.list_user_hierarchy_groups().instance_id(iid).send().await.expect("groups");
        for g in groups.user_hierarchy_group_summary_list() {
            group_names.insert((iid.to_owned(), g.id().expect("id").to_owned()), g.name().expect("name").to_owned());
        }
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut expected: Vec<(Option<String>, Option<String>, Option<String>)> = users
        .values()
        .filter(|u| u["region"] == "us-east-1")
        .filter_map(|u| {
            let iid = text(&u["instance_id"]);
            let rp = rp_names.get(&(iid.clone(), text(&u["routing_profile_id"])))?;
            let team = group_names.get(&(iid, text(&u["hierarchy_group_id"]))).cloned();
            Some((Some(text(&u["username"])), Some(rp.clone()), team))
        })
        .collect();
    expected.sort();
    let (names, profiles, teams) =
        (strings(&rows, "username"), strings(&rows, "routing_profile"), strings(&rows, "team"));
    let mut got: Vec<_> = names.into_iter().zip(profiles).zip(teams).map(|((a, b), c)| (a, b, c)).collect();
    got.sort();
    assert_eq!(got.len(), 323, "324 users, one of them with a deleted routing profile");
    assert_eq!(got, expected);
    let of = |op: &str| calls.get(op).copied().unwrap_or(0);
    assert_eq!(of("ListInstances"), 1, "one instance listing shared by the three scans");
    assert_eq!(of("SearchUsers"), 2, "SearchUsers carries every user column the join needs: one page per instance");
    assert_eq!(of("ListUsers") + of("DescribeUser"), 0);
    assert_eq!(of("ListRoutingProfiles"), 2);
    assert_eq!(of("ListUserHierarchyGroups"), 2);
    assert_eq!(of("DescribeUserHierarchyGroup") + of("DescribeRoutingProfile"), 0, "names come with the listings");

    // A small table read twice in one statement is listed once.
    emu.emulator.reset_calls();
    query(
        &e,
        "SELECT a.name FROM routing_profiles a JOIN routing_profiles b ON a.id = b.id AND a.instance_id = b.instance_id",
    )
    .await
    .expect("self-join");
    assert_eq!(emu.emulator.calls_of("ListRoutingProfiles"), 2, "once per instance, not once per scan");
}
