//! The oracle, column by column: every column of `aws.connect.users` (and of each other table)
//! must equal what plain aws-sdk-connect calls give for the same item — ListUsers, DescribeUser,
//! ListUserProficiencies; ARNs in the form the API reference documents — under every plan the
//! engine can choose (listing, SearchUsers, lookups by id, the local cache warm), with 1 and 8
//! target partitions, and each plan is pinned by the calls the emulator answered.

use std::collections::BTreeMap;

use aws_sdk_connect::Client;
use connectql_emulator::EmulatorHandle;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::json::writer::{LineDelimited, WriterBuilder};
use serde_json::{Map, Value, json};

use super::support::{client, demo, engine_with, query};

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-2", "ap-southeast-2"];

/// Every column of `aws.connect.users`, the time as epoch milliseconds.
const USER_COLUMNS: &str = "region, account_id, instance_id, instance_arn, id, arn, username, first_name, last_name, email, \
    secondary_email, mobile, routing_profile_id, routing_profile_arn, security_profile_ids, security_profile_arns, \
    hierarchy_group_id, hierarchy_group_arn, phone_type, auto_accept, after_contact_work_time_limit, \
    desk_phone_number, directory_user_id, identity_info, phone_config, tags, user_proficiencies, auto_accept_configs, \
    after_contact_work_configs, phone_number_configs, persistent_connection_configs, voice_enhancement_configs, \
    arrow_cast(last_modified_time, 'Int64') AS last_modified_time, last_modified_region, user_arn, user_id, \
    data__identifier, password, agent_status";

/// The columns SearchUsers carries (so the engine reads them with SearchUsers alone).
const SEARCH_COLUMNS: &str = "region, instance_id, id, arn, username, first_name, last_name, routing_profile_id, \
    security_profile_ids, hierarchy_group_id, phone_type, auto_accept, after_contact_work_time_limit, \
    desk_phone_number, directory_user_id, phone_config, tags, auto_accept_configs, after_contact_work_configs, \
    phone_number_configs, persistent_connection_configs, voice_enhancement_configs";

/// Rows of batches as JSON objects, by arrow's own writer (explicit nulls).
fn json_rows(batches: &[RecordBatch]) -> Vec<Map<String, Value>> {
    let mut w: datafusion::arrow::json::Writer<Vec<u8>, LineDelimited> =
        WriterBuilder::new().with_explicit_nulls(true).build(Vec::new());
    for b in batches {
        w.write(b).expect("json");
    }
    w.finish().expect("json");
    let text = String::from_utf8(w.into_inner()).expect("utf8");
    text.lines()
        .map(|l| match serde_json::from_str::<Value>(l).expect("a JSON row") {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

/// A user's every column, from the SDK alone.
pub(crate) async fn user_rows(emu: &EmulatorHandle) -> BTreeMap<String, Map<String, Value>> {
    let mut out = BTreeMap::new();
    for region in REGIONS {
        let c = client(emu, region);
        for instance in c.list_instances().send().await.expect("ListInstances").instance_summary_list() {
            let (iid, instance_arn) = (instance.id().expect("id"), instance.arn().expect("arn"));
            let mut token = None;
            loop {
                let page = c
                    .list_users()
                    .instance_id(iid)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("ListUsers");
                for summary in page.user_summary_list() {
                    let row = user_row(&c, region, iid, instance_arn, summary).await;
                    out.insert(summary.id().expect("id").to_owned(), row);
                }
                match page.next_token() {
                    Some(t) => token = Some(t.to_owned()),
                    None => break,
                }
            }
        }
    }
    out
}

/// The user's current status name (NULL when not logged in), asked for that agent alone.
async fn agent_status(c: &Client, iid: &str, id: &str) -> Value {
    let filters = aws_sdk_connect::types::UserDataFilters::builder().agents(id).build();
    let out = c.get_current_user_data().instance_id(iid).filters(filters).send().await.expect("GetCurrentUserData");
    s(out.user_data_list().first().and_then(|d| d.status()).and_then(|s| s.status_name()))
}

async fn user_row(
    c: &Client,
    region: &str,
    iid: &str,
    instance_arn: &str,
    summary: &aws_sdk_connect::types::UserSummary,
) -> Map<String, Value> {
    let id = summary.id().expect("id");
    let u = c.describe_user().instance_id(iid).user_id(id).send().await.expect("DescribeUser").user.expect("user");
    let mut proficiencies = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_user_proficiencies()
            .instance_id(iid)
            .user_id(id)
            .set_next_token(token)
            .send()
            .await
            .expect("ListUserProficiencies");
        proficiencies.extend(page.user_proficiency_list().iter().map(|p| {
            json!({ "AttributeName": p.attribute_name(), "AttributeValue": p.attribute_value(), "Level": f64::from(p.level()) })
        }));
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    // ARNs as the API reference documents them for an instance's resources.
    let arn_of = |kind: &str, id: &str| format!("{instance_arn}/{kind}/{id}");
    let identity = u.identity_info();
    let text = |f: fn(&aws_sdk_connect::types::UserIdentityInfo) -> Option<&str>| s(identity.and_then(f));
    let phone = u.phone_config();
    let tags: Map<String, Value> =
        u.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), json!(v))).collect()).unwrap_or_default();
    let security = u.security_profile_ids();
    let arn = u.arn().expect("arn");
    let mut row = Map::new();
    for (column, value) in [
        ("region", json!(region)),
        ("account_id", json!(account_in(instance_arn))),
        ("instance_id", json!(iid)),
        ("instance_arn", json!(instance_arn)),
        ("id", json!(id)),
        ("arn", json!(arn)),
        ("username", s(u.username())),
        ("first_name", text(|i| i.first_name())),
        ("last_name", text(|i| i.last_name())),
        ("email", text(|i| i.email())),
        ("secondary_email", text(|i| i.secondary_email())),
        ("mobile", text(|i| i.mobile())),
        ("routing_profile_id", s(u.routing_profile_id())),
        ("routing_profile_arn", u.routing_profile_id().map_or(Value::Null, |r| json!(arn_of("routing-profile", r)))),
        ("security_profile_ids", json!(security)),
        (
            "security_profile_arns",
            json!(security.iter().map(|p| arn_of("security-profile", p)).collect::<Vec<_>>()),
        ),
        ("hierarchy_group_id", s(u.hierarchy_group_id())),
        ("hierarchy_group_arn", u.hierarchy_group_id().map_or(Value::Null, |g| json!(arn_of("agent-group", g)))),
        ("phone_type", phone.map_or(Value::Null, |p| json!(p.phone_type().as_str()))),
        ("auto_accept", json!(phone.map(|p| p.auto_accept()))),
        ("after_contact_work_time_limit", json!(phone.map(|p| p.after_contact_work_time_limit()))),
        ("desk_phone_number", s(phone.and_then(|p| p.desk_phone_number()))),
        ("directory_user_id", s(u.directory_user_id())),
        (
            "identity_info",
            identity.map_or(Value::Null, |i| {
                json!({ "FirstName": i.first_name(), "LastName": i.last_name(), "Email": i.email(),
                    "SecondaryEmail": i.secondary_email(), "Mobile": i.mobile() })
            }),
        ),
        (
            "phone_config",
            phone.map_or(Value::Null, |p| {
                json!({ "PhoneType": p.phone_type().as_str(), "AutoAccept": p.auto_accept(),
                    "AfterContactWorkTimeLimit": p.after_contact_work_time_limit(),
                    "DeskPhoneNumber": p.desk_phone_number(), "PersistentConnection": p.persistent_connection() })
            }),
        ),
        ("tags", Value::Object(tags)),
        ("user_proficiencies", Value::Array(proficiencies)),
        (
            "auto_accept_configs",
            json!(u.auto_accept_configs().iter().map(|a| json!({ "Channel": a.channel().as_str(),
                "AutoAccept": a.auto_accept(), "AgentFirstCallbackAutoAccept": a.agent_first_callback_auto_accept() })).collect::<Vec<_>>()),
        ),
        (
            "after_contact_work_configs",
            json!(u.after_contact_work_configs().iter().map(|a| json!({ "Channel": a.channel().as_str(),
                "AfterContactWorkTimeLimit": a.after_contact_work_config().map(|w| w.after_contact_work_time_limit()),
                "AgentFirstCallbackAfterContactWorkTimeLimit": a.agent_first_callback_after_contact_work_config().map(|w| w.after_contact_work_time_limit()) })).collect::<Vec<_>>()),
        ),
        (
            "phone_number_configs",
            json!(u.phone_number_configs().iter().map(|p| json!({ "Channel": p.channel().as_str(),
                "PhoneType": p.phone_type().as_str(), "PhoneNumber": p.phone_number() })).collect::<Vec<_>>()),
        ),
        (
            "persistent_connection_configs",
            json!(u.persistent_connection_configs().iter().map(|p| json!({ "Channel": p.channel().as_str(),
                "PersistentConnection": p.persistent_connection() })).collect::<Vec<_>>()),
        ),
        (
            "voice_enhancement_configs",
            json!(u.voice_enhancement_configs().iter().map(|p| json!({ "Channel": p.channel().as_str(),
                "VoiceEnhancementMode": p.voice_enhancement_mode().as_str() })).collect::<Vec<_>>()),
        ),
        ("last_modified_time", json!(summary.last_modified_time().map(super::support::millis))),
        ("last_modified_region", s(summary.last_modified_region())),
        ("user_arn", json!(arn)),
        ("user_id", json!(id)),
        ("data__identifier", json!(arn)),
        ("password", Value::Null),
        ("agent_status", agent_status(c, iid, id).await),
    ] {
        row.insert(column.to_owned(), value);
    }
    row
}

/// The key of a row: the values of the key columns, joined.
fn key_of(row: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter().map(|k| row.get(*k).map(Value::to_string).unwrap_or_default()).collect::<Vec<_>>().join("/")
}

/// Compares rows by id, column by column, failing with the first few differences.
fn assert_rows(got: &[Map<String, Value>], expected: &BTreeMap<String, Map<String, Value>>, what: &str) {
    let keyed: BTreeMap<String, Map<String, Value>> =
        expected.values().map(|r| (key_of(r, &["id"]), r.clone())).collect();
    assert_keyed(got, &keyed, &["id"], what);
}

/// Compares rows by their key columns, column by column (every returned column must be
/// expected), failing with the first few differences.
fn assert_keyed(
    got: &[Map<String, Value>],
    expected: &BTreeMap<String, Map<String, Value>>,
    keys: &[&str],
    what: &str,
) {
    let mut by_key: BTreeMap<String, &Map<String, Value>> = BTreeMap::new();
    for row in got {
        let key = key_of(row, keys);
        assert!(by_key.insert(key.clone(), row).is_none(), "{what}: {key} returned twice");
    }
    let got_keys: Vec<&String> = by_key.keys().collect();
    let expected_keys: Vec<&String> = expected.keys().collect();
    assert_eq!(got_keys, expected_keys, "{what}: the same items");
    let mut differences = Vec::new();
    for (key, row) in &by_key {
        let want = &expected[key];
        assert_eq!(
            row.len(),
            want.len(),
            "{what}: {key}: columns {:?} vs {:?}",
            row.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        );
        for (column, value) in row.iter() {
            if want.get(column) != Some(value) {
                differences.push(format!("{key} {column}: got {value}, expected {:?}", want.get(column)));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{what}: {} differences, e.g.\n{}",
        differences.len(),
        differences[..differences.len().min(8)].join("\n")
    );
}

fn only(expected: &BTreeMap<String, Map<String, Value>>, columns: &str) -> BTreeMap<String, Map<String, Value>> {
    let names: Vec<&str> = columns.split(',').map(str::trim).collect();
    expected
        .iter()
        .map(|(id, row)| {
            (
                id.clone(),
                row.iter().filter(|(k, _)| names.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_column_under_every_plan_is_what_the_sdk_says() {
    let emu = demo().await;
    let expected = user_rows(&emu).await;
    assert_eq!(expected.len(), 366, "every demo user");
    let regions = "region IN ('us-east-1', 'eu-west-2', 'ap-southeast-2')";
    let dir = tempfile::tempdir().expect("cache dir");
    let cache =
        connectql::CacheSettings { dir: Some(dir.path().to_owned()), max_age: std::time::Duration::from_secs(3600) };
    let e = engine_with(&emu, |s| s.cache = Some(cache)).await;
    for partitions in [1, 8] {
        query(&e, &format!("SET datafusion.execution.target_partitions = {partitions}")).await.expect("set");
        let calls = || emu.emulator.calls();

        // The listing plan: ListUsers, then DescribeUser and ListUserProficiencies per user
        // (the first pass; the cache serves the second).
        emu.emulator.reset_calls();
        let listed = json_rows(
            &query(&e, &format!("SELECT {USER_COLUMNS} FROM aws.connect.users WHERE {regions}"))
                .await
                .expect("listing"),
        );
        assert_rows(&listed, &expected, &format!("listing, {partitions} partitions"));
        let c = calls();
        if partitions == 1 {
            assert_eq!((c.get("DescribeUser"), c.get("ListUserProficiencies")), (Some(&366), Some(&366)), "{c:?}");
        } else {
            // The cache is warm: only the listings are read.
            assert_eq!((c.get("DescribeUser"), c.get("ListUserProficiencies")), (None, None), "warm: {c:?}");
        }
        assert!(c.get("ListUsers").is_some_and(|n| *n >= 4) && !c.contains_key("SearchUsers"), "{c:?}");

        // The search plan: SearchUsers alone carries these columns.
        emu.emulator.reset_calls();
        let searched = json_rows(
            &query(&e, &format!("SELECT {SEARCH_COLUMNS} FROM aws.connect.users WHERE {regions}"))
                .await
                .expect("search"),
        );
        assert_rows(&searched, &only(&expected, SEARCH_COLUMNS), &format!("search, {partitions} partitions"));
        let c = calls();
        assert!(
            c.contains_key("SearchUsers") && !c.contains_key("DescribeUser") && !c.contains_key("ListUsers"),
            "{c:?}"
        );

        // Lookups by key: DescribeUser for those users only, no listing.
        let picked: Vec<&String> = expected.keys().step_by(60).collect();
        let ids: Vec<String> = picked.iter().map(|id| format!("'{id}'")).collect();
        let arns: Vec<String> =
            picked.iter().map(|id| format!("'{}'", expected[*id]["arn"].as_str().expect("arn"))).collect();
        for (key, values) in [("id", &ids), ("user_arn", &arns), ("data__identifier", &arns)] {
            emu.emulator.reset_calls();
            // An id alone names no region: the query names them (an ARN does).
            let scope = if key == "id" { format!("{regions} AND ") } else { String::new() };
            let sql =
                format!("SELECT {USER_COLUMNS} FROM aws.connect.users WHERE {scope}{key} IN ({})", values.join(", "));
            let looked = json_rows(&query(&e, &sql).await.expect("lookup"));
            let want: BTreeMap<String, Map<String, Value>> =
                picked.iter().map(|id| ((*id).clone(), expected[*id].clone())).collect();
            assert_rows(&looked, &want, &format!("lookup by {key}, {partitions} partitions"));
            let c = calls();
            assert!(!c.contains_key("ListUsers") && !c.contains_key("SearchUsers"), "{key}: {c:?}");
            if key != "id" {
                // An ARN names the instance: exactly one DescribeUser per user.
                assert_eq!(c.get("DescribeUser"), Some(&(picked.len() as u64)), "{key}: {c:?}");
            }
        }
    }
}

fn ms(t: Option<&aws_smithy_types::DateTime>) -> Value {
    json!(t.map(super::support::millis))
}

fn tags_of(t: Option<&std::collections::HashMap<String, String>>) -> Value {
    Value::Object(t.map(|t| t.iter().map(|(k, v)| (k.clone(), json!(v))).collect()).unwrap_or_default())
}

fn object(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The account an ARN the SDK returned names (`arn:aws:connect:REGION:ACCOUNT:…`).
fn account_in(arn: &str) -> &str {
    arn.split(':').nth(4).expect("an ARN with an account")
}

/// Every column of every other table, keyed as the test compares them, from the SDK alone.
async fn other_tables(emu: &EmulatorHandle) -> BTreeMap<&'static str, BTreeMap<String, Map<String, Value>>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Map<String, Value>>> = BTreeMap::new();
    for region in REGIONS {
        let c = client(emu, region);
        for i in c.list_instances().send().await.expect("ListInstances").instance_summary_list() {
            let (iid, iarn) = (i.id().expect("id"), i.arn().expect("arn"));
            let described = c.describe_instance().instance_id(iid).send().await.expect("DescribeInstance");
            let row = object(vec![
                ("region", json!(region)),
                ("account_id", json!(account_in(iarn))),
                ("id", json!(iid)),
                ("arn", json!(iarn)),
                ("alias", s(i.instance_alias())),
                ("identity_management_type", json!(i.identity_management_type().map(|t| t.as_str()))),
                ("status", json!(i.instance_status().map(|t| t.as_str()))),
                ("created_time", ms(i.created_time())),
                ("service_role", s(i.service_role())),
                ("inbound_calls_enabled", json!(i.inbound_calls_enabled())),
                ("outbound_calls_enabled", json!(i.outbound_calls_enabled())),
                ("instance_access_url", s(i.instance_access_url())),
                ("tags", tags_of(described.instance().and_then(|x| x.tags()))),
            ]);
            out.entry("instances").or_default().insert(key_of(&row, &["id"]), row);
            let scope = |rest: Vec<(&str, Value)>| {
                let mut all = vec![
                    ("region", json!(region)),
                    ("account_id", json!(account_in(iarn))),
                    ("instance_id", json!(iid)),
                    ("instance_arn", json!(iarn)),
                ];
                all.extend(rest);
                object(all)
            };

            let profiles = c.list_routing_profiles().instance_id(iid).send().await.expect("ListRoutingProfiles");
            for p in profiles.routing_profile_summary_list() {
                let id = p.id().expect("id");
                let d = c
                    .describe_routing_profile()
                    .instance_id(iid)
                    .routing_profile_id(id)
                    .send()
                    .await
                    .expect("describe");
                let d = d.routing_profile().expect("profile");
                let row = scope(vec![
                    ("id", json!(id)),
                    ("arn", s(p.arn())),
                    ("name", s(p.name())),
                    ("last_modified_time", ms(p.last_modified_time())),
                    ("last_modified_region", s(p.last_modified_region())),
                    ("description", s(d.description())),
                    ("default_outbound_queue_id", s(d.default_outbound_queue_id())),
                    (
                        "media_concurrencies",
                        json!(
                            d.media_concurrencies()
                                .iter()
                                .map(|m| json!({ "Channel": m.channel().as_str(), "Concurrency": m.concurrency() }))
                                .collect::<Vec<_>>()
                        ),
                    ),
                    ("number_of_associated_queues", json!(d.number_of_associated_queues())),
                    ("number_of_associated_users", json!(d.number_of_associated_users())),
                    ("is_default", json!(d.is_default())),
                    ("agent_availability_timer", json!(d.agent_availability_timer().map(|t| t.as_str()))),
                    ("tags", tags_of(d.tags())),
                ]);
                out.entry("routing_profiles").or_default().insert(key_of(&row, &["instance_id", "id"]), row);
            }

            let profiles = c.list_security_profiles().instance_id(iid).send().await.expect("ListSecurityProfiles");
            for p in profiles.security_profile_summary_list() {
                let id = p.id().expect("id");
                let d = c
                    .describe_security_profile()
                    .instance_id(iid)
                    .security_profile_id(id)
                    .send()
                    .await
                    .expect("describe");
                let d = d.security_profile().expect("profile");
                let row = scope(vec![
                    ("id", json!(id)),
                    ("arn", s(p.arn())),
                    ("name", s(p.name())),
                    ("type", json!(p.r#type().map(|t| t.as_str()))),
                    ("last_modified_time", ms(p.last_modified_time())),
                    ("last_modified_region", s(p.last_modified_region())),
                    ("description", s(d.description())),
                    ("tags", tags_of(d.tags())),
                ]);
                out.entry("security_profiles").or_default().insert(key_of(&row, &["instance_id", "id"]), row);
            }

            let groups = c.list_user_hierarchy_groups().instance_id(iid).send().await.expect("ListUserHierarchyGroups");
            for g in groups.user_hierarchy_group_summary_list() {
                let id = g.id().expect("id");
                let d = c
                    .describe_user_hierarchy_group()
                    .instance_id(iid)
                    .hierarchy_group_id(id)
                    .send()
                    .await
                    .expect("describe");
                let d = d.hierarchy_group().expect("group");
                let path = d.hierarchy_path();
                let level = |l: Option<&aws_sdk_connect::types::HierarchyGroupSummary>| {
                    (s(l.and_then(|x| x.id())), s(l.and_then(|x| x.name())))
                };
                let (one, two, three, four, five) = (
                    level(path.and_then(|p| p.level_one())),
                    level(path.and_then(|p| p.level_two())),
                    level(path.and_then(|p| p.level_three())),
                    level(path.and_then(|p| p.level_four())),
                    level(path.and_then(|p| p.level_five())),
                );
                let row = scope(vec![
                    ("id", json!(id)),
                    ("arn", s(g.arn())),
                    ("name", s(g.name())),
                    ("last_modified_time", ms(g.last_modified_time())),
                    ("last_modified_region", s(g.last_modified_region())),
                    ("level_id", s(d.level_id())),
                    ("level_one_id", one.0),
                    ("level_one_name", one.1),
                    ("level_two_id", two.0),
                    ("level_two_name", two.1),
                    ("level_three_id", three.0),
                    ("level_three_name", three.1),
                    ("level_four_id", four.0),
                    ("level_four_name", four.1),
                    ("level_five_id", five.0),
                    ("level_five_name", five.1),
                    ("tags", tags_of(d.tags())),
                ]);
                out.entry("user_hierarchy_groups").or_default().insert(key_of(&row, &["instance_id", "id"]), row);
            }

            let structure = c.describe_user_hierarchy_structure().instance_id(iid).send().await.expect("structure");
            if let Some(st) = structure.hierarchy_structure() {
                for (n, level) in [st.level_one(), st.level_two(), st.level_three(), st.level_four(), st.level_five()]
                    .into_iter()
                    .enumerate()
                {
                    let Some(level) = level else { continue };
                    let row = scope(vec![
                        ("level", json!(n + 1)),
                        ("id", s(level.id())),
                        ("arn", s(level.arn())),
                        ("name", s(level.name())),
                        ("last_modified_time", ms(level.last_modified_time())),
                        ("last_modified_region", s(level.last_modified_region())),
                    ]);
                    out.entry("user_hierarchy_structure")
                        .or_default()
                        .insert(key_of(&row, &["instance_id", "level"]), row);
                }
            }

            let statuses = c.list_agent_statuses().instance_id(iid).send().await.expect("ListAgentStatuses");
            for a in statuses.agent_status_summary_list() {
                let row = scope(vec![
                    ("id", s(a.id())),
                    ("arn", s(a.arn())),
                    ("name", s(a.name())),
                    ("type", json!(a.r#type().map(|t| t.as_str()))),
                    ("last_modified_time", ms(a.last_modified_time())),
                    ("last_modified_region", s(a.last_modified_region())),
                ]);
                out.entry("agent_statuses").or_default().insert(key_of(&row, &["instance_id", "id"]), row);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_column_of_every_other_table_is_what_the_sdk_says() {
    let emu = demo().await;
    let expected = other_tables(&emu).await;
    let e = engine_with(&emu, |_| {}).await;
    let regions = "region IN ('us-east-1', 'eu-west-2', 'ap-southeast-2')";
    for partitions in [1, 8] {
        query(&e, &format!("SET datafusion.execution.target_partitions = {partitions}")).await.expect("set");
        for (table, keys) in [
            ("instances", &["id"][..]),
            ("routing_profiles", &["instance_id", "id"][..]),
            ("security_profiles", &["instance_id", "id"][..]),
            ("user_hierarchy_groups", &["instance_id", "id"][..]),
            ("user_hierarchy_structure", &["instance_id", "level"][..]),
            ("agent_statuses", &["instance_id", "id"][..]),
        ] {
            let want = &expected[table];
            let columns: Vec<String> = want
                .values()
                .next()
                .expect("a row")
                .keys()
                .map(|c| match c.as_str() {
                    "last_modified_time" | "created_time" => format!("arrow_cast({c}, 'Int64') AS {c}"),
                    other => other.to_owned(),
                })
                .collect();
            let sql = format!("SELECT {} FROM aws.connect.{table} WHERE {regions}", columns.join(", "));
            let got = json_rows(&query(&e, &sql).await.unwrap_or_else(|err| panic!("{sql}: {err}")));
            let keyed: BTreeMap<String, Map<String, Value>> =
                want.values().map(|r| (key_of(r, keys), r.clone())).collect();
            assert_keyed(&got, &keyed, keys, &format!("{table}, {partitions} partitions"));
            // Every column of the table is covered.
            let described = query(&e, &format!("DESCRIBE aws.connect.{table}")).await.expect("describe");
            let names = super::support::strings(&described, "column_name");
            assert_eq!(names.len(), want.values().next().expect("a row").len(), "{table}: {names:?}");
        }
    }
}
