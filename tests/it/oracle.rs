//! A differential oracle: for projections, filters on every kind of column, LIMIT, joins and each
//! table, the rows the engine returns must equal the rows computed here with plain
//! aws-sdk-connect calls (ListUsers + DescribeUser + ListUserProficiencies, no connectql code),
//! over the demo data and over a few thousand synthetic users, with 1 and 8 target partitions.

use std::collections::BTreeMap;

use aws_sdk_connect::Client;
use connectql_emulator::{EmulatorConfig, EmulatorHandle, Seed};
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use futures::StreamExt;

use super::support::{client, engine, engine_with, query, start};

/// A user as the SDK sees it.
#[derive(Debug, Clone)]
struct User {
    region: String,
    instance_id: String,
    id: String,
    arn: String,
    username: String,
    first: Option<String>,
    last: Option<String>,
    email: Option<String>,
    mobile: Option<String>,
    routing: Option<String>,
    security: Vec<String>,
    group: Option<String>,
    phone_type: String,
    auto_accept: bool,
    acw: i32,
    desk: Option<String>,
    team: Option<String>,
    modified_ms: Option<i64>,
    proficiencies: usize,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "NULL".to_owned())
}

/// Every user of every instance of the regions, read with the SDK alone.
async fn users_by_sdk(emu: &EmulatorHandle, regions: &[&str], proficiencies: bool) -> Vec<User> {
    let mut out = Vec::new();
    for region in regions {
        let c = client(emu, region);
        let instances = c.list_instances().send().await.expect("instances");
        for i in instances.instance_summary_list() {
            let iid = i.id().expect("id").to_owned();
            let mut summaries = Vec::new();
            let mut token = None;
            loop {
                let page = c
                    .list_users()
                    .instance_id(&iid)
                    .max_results(1000)
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("list users");
                summaries.extend(page.user_summary_list().iter().filter_map(|u| u.id().map(str::to_owned)));
                match page.next_token() {
                    Some(t) => token = Some(t.to_owned()),
                    None => break,
                }
            }
            let described: Vec<User> = futures::stream::iter(summaries)
                .map(|uid| describe(c.clone(), region.to_string(), iid.clone(), uid, proficiencies))
                .buffer_unordered(16)
                .collect()
                .await;
            out.extend(described);
        }
    }
    out
}

async fn describe(c: Client, region: String, iid: String, uid: String, proficiencies: bool) -> User {
    let u = c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("describe").user.expect("user");
    let profs = match proficiencies {
        true => c
            .list_user_proficiencies()
            .instance_id(&iid)
            .user_id(&uid)
            .send()
            .await
            .expect("proficiencies")
            .user_proficiency_list()
            .len(),
        false => 0,
    };
    let identity = u.identity_info();
    let phone = u.phone_config().expect("phone");
    User {
        region,
        instance_id: iid,
        id: uid,
        arn: u.arn().expect("arn").to_owned(),
        username: u.username().expect("username").to_owned(),
        first: identity.and_then(|i| i.first_name()).map(str::to_owned),
        last: identity.and_then(|i| i.last_name()).map(str::to_owned),
        email: identity.and_then(|i| i.email()).map(str::to_owned),
        mobile: identity.and_then(|i| i.mobile()).map(str::to_owned),
        routing: u.routing_profile_id().map(str::to_owned),
        security: u.security_profile_ids().to_vec(),
        group: u.hierarchy_group_id().map(str::to_owned),
        phone_type: phone.phone_type().as_str().to_owned(),
        auto_accept: phone.auto_accept(),
        acw: phone.after_contact_work_time_limit(),
        desk: phone.desk_phone_number().map(str::to_owned),
        team: u.tags().and_then(|t| t.get("team")).cloned(),
        modified_ms: u.last_modified_time().map(super::support::millis),
        proficiencies: profs,
    }
}

/// The rows of batches as text (NULL as "NULL"), sorted.
fn texts(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for b in batches {
        let columns: Vec<_> = b.columns().iter().map(|c| cast(c, &DataType::Utf8).expect("castable to text")).collect();
        for r in 0..b.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|c| {
                        let a = c.as_any().downcast_ref::<datafusion::arrow::array::StringArray>().expect("text");
                        if a.is_null(r) { "NULL".to_owned() } else { a.value(r).to_owned() }
                    })
                    .collect(),
            );
        }
    }
    rows.sort();
    rows
}

type Expect = Box<dyn Fn(&User) -> Option<Vec<String>>>;
type Keep = Box<dyn Fn(&User) -> bool>;

/// Fails with the rows that differ (a few of each side), not the whole result.
fn assert_same(got: &[Vec<String>], expected: &[Vec<String>], what: &str) {
    if got == expected {
        return;
    }
    let missing: Vec<_> = expected.iter().filter(|r| !got.contains(r)).take(5).collect();
    let extra: Vec<_> = got.iter().filter(|r| !expected.contains(r)).take(5).collect();
    panic!(
        "{what}: {} rows, expected {}\nexpected but missing: {missing:?}\nreturned but not expected: {extra:?}",
        got.len(),
        expected.len()
    );
}

/// (SQL, the row each SDK user gives or `None` when the filter excludes it).
fn cases(users: &[User], every: bool) -> Vec<(String, Expect)> {
    let ava = users.iter().find(|u| u.username.starts_with("ava.")).expect("an ava").clone();
    let grouped = users.iter().find(|u| u.group.is_some()).expect("a grouped user").clone();
    let some_profile = ava.security.first().cloned().expect("a security profile");
    let cutoff = {
        let mut times: Vec<i64> = users.iter().filter_map(|u| u.modified_ms).collect();
        times.sort_unstable();
        times[times.len() / 2]
    };
    let regions = "region IN ('us-east-1', 'eu-west-2')";
    let detail = "username, first_name, last_name, email, mobile, routing_profile_id, hierarchy_group_id, phone_type, \
                  auto_accept, after_contact_work_time_limit, desk_phone_number";
    let detail_row = |u: &User| {
        vec![
            u.username.clone(),
            opt(&u.first),
            opt(&u.last),
            opt(&u.email),
            opt(&u.mobile),
            opt(&u.routing),
            opt(&u.group),
            u.phone_type.clone(),
            u.auto_accept.to_string(),
            u.acw.to_string(),
            opt(&u.desk),
        ]
    };
    let keys = |u: &User| vec![u.region.clone(), u.instance_id.clone(), u.id.clone(), u.username.clone()];
    let mut out: Vec<(String, Expect)> = vec![
        (
            format!("SELECT region, instance_id, id, username FROM aws.connect.users WHERE {regions}"),
            Box::new(move |u| Some(keys(u))),
        ),
        (format!("SELECT {detail} FROM aws.connect.users WHERE {regions}"), Box::new(move |u| Some(detail_row(u)))),
        (
            format!(
                "SELECT username, array_to_string(security_profile_ids, ','), tags['team'], cardinality(user_proficiencies) FROM aws.connect.users WHERE {regions}"
            ),
            Box::new(|u| {
                Some(vec![u.username.clone(), u.security.join(","), opt(&u.team), u.proficiencies.to_string()])
            }),
        ),
        (
            format!("SELECT username, arrow_cast(last_modified_time, 'Int64') FROM aws.connect.users WHERE {regions}"),
            Box::new(|u| Some(vec![u.username.clone(), u.modified_ms.map_or("NULL".to_owned(), |m| m.to_string())])),
        ),
    ];
    // Filters: keys (lookups), names (search criteria), and columns only DataFusion can check.
    let filters: Vec<(String, Keep)> = vec![
        (
            format!("id = '{}'", ava.id),
            Box::new({
                let id = ava.id.clone();
                move |u: &User| u.id == id
            }),
        ),
        (
            format!("user_arn = '{}'", ava.arn),
            Box::new({
                let id = ava.id.clone();
                move |u: &User| u.id == id
            }),
        ),
        (
            format!("username = '{}'", ava.username),
            Box::new({
                let n = ava.username.clone();
                move |u: &User| u.username == n
            }),
        ),
        ("first_name = 'Ava'".into(), Box::new(|u: &User| u.first.as_deref() == Some("Ava"))),
        ("username LIKE 'a%'".into(), Box::new(|u: &User| u.username.starts_with('a'))),
        ("last_name LIKE '%ar%'".into(), Box::new(|u: &User| u.last.as_deref().is_some_and(|l| l.contains("ar")))),
        ("email IS NULL".into(), Box::new(|u: &User| u.email.is_none())),
        ("phone_type = 'DESK_PHONE'".into(), Box::new(|u: &User| u.phone_type == "DESK_PHONE")),
        ("auto_accept".into(), Box::new(|u: &User| u.auto_accept)),
        ("after_contact_work_time_limit > 60".into(), Box::new(|u: &User| u.acw > 60)),
        (
            format!("hierarchy_group_id = '{}'", grouped.group.clone().unwrap_or_default()),
            Box::new({
                let g = grouped.group.clone();
                move |u: &User| u.group == g
            }),
        ),
        ("hierarchy_group_id IS NULL".into(), Box::new(|u: &User| u.group.is_none())),
        (
            format!("array_has(security_profile_ids, '{some_profile}')"),
            Box::new({
                let p = some_profile.clone();
                move |u: &User| u.security.contains(&p)
            }),
        ),
        ("tags['team'] = 'sales-east'".into(), Box::new(|u: &User| u.team.as_deref() == Some("sales-east"))),
        (
            format!("last_modified_time > arrow_cast({cutoff}, 'Timestamp(Millisecond, Some(\"UTC\"))')"),
            Box::new(move |u: &User| u.modified_ms.is_some_and(|m| m > cutoff)),
        ),
    ];
    // Over thousands of users, the listing, a search and a describe-only filter stand for all.
    let filters: Vec<_> = filters
        .into_iter()
        .filter(|(f, _)| {
            every || f.starts_with("first_name") || f.starts_with("email IS NULL") || f.starts_with("id =")
        })
        .collect();
    if !every {
        out.truncate(1);
    }
    for (filter, keep) in filters {
        let select = if filter.starts_with("id =") || filter.starts_with("user_arn") { "" } else { regions };
        let sql = if select.is_empty() {
            format!("SELECT username, first_name FROM aws.connect.users WHERE {filter}")
        } else {
            format!("SELECT username, first_name FROM aws.connect.users WHERE {select} AND {filter}")
        };
        out.push((sql, Box::new(move |u| keep(u).then(|| vec![u.username.clone(), opt(&u.first)]))));
    }
    out
}

/// Every case with 1 and 8 partitions, without the local cache and with it (its second pass
/// served from what the first one kept).
async fn compare(emu: &EmulatorHandle, users: &[User], every: bool) {
    let dir = tempfile::tempdir().expect("cache dir");
    let cache =
        connectql::CacheSettings { dir: Some(dir.path().to_owned()), max_age: std::time::Duration::from_secs(3600) };
    for cache in [None, Some(cache)] {
        compare_with(emu, users, every, cache).await;
    }
}

async fn compare_with(emu: &EmulatorHandle, users: &[User], every: bool, cache: Option<connectql::CacheSettings>) {
    let cached = cache.is_some();
    let e = engine_with(emu, |s| s.cache = cache).await;
    for partitions in [1, 8] {
        query(&e, &format!("SET datafusion.execution.target_partitions = {partitions}")).await.expect("set");
        for (sql, expect) in cases(users, every) {
            let mut expected: Vec<Vec<String>> = users.iter().filter_map(&expect).collect();
            expected.sort();
            let got = texts(&query(&e, &sql).await.unwrap_or_else(|err| panic!("{sql}: {err}")));
            assert!(!expected.is_empty(), "the case selects something: {sql}");
            assert_same(&got, &expected, &format!("{sql} with {partitions} partitions, cache {cached}"));
        }
        // LIMIT: the first rows by name, whichever pages they come from.
        let iid = &users.iter().find(|u| u.region == "us-east-1").expect("user").instance_id;
        let mut names: Vec<String> =
            users.iter().filter(|u| &u.instance_id == iid).map(|u| u.username.clone()).collect();
        names.sort();
        let got = query(
            &e,
            &format!("SELECT username FROM aws.connect.users WHERE instance_id = '{iid}' ORDER BY username LIMIT 7"),
        )
        .await
        .expect("limit");
        let first: Vec<Vec<String>> = names.iter().take(7).map(|n| vec![n.clone()]).collect();
        assert_same(&texts(&got), &first, "LIMIT 7");
        // A join with routing profiles, by name.
        let c = client(emu, "us-east-1");
        let profiles = c.list_routing_profiles().instance_id(iid).send().await.expect("profiles");
        let by_id: BTreeMap<String, String> = profiles
            .routing_profile_summary_list()
            .iter()
            .map(|p| (p.id().expect("id").to_owned(), p.name().expect("name").to_owned()))
            .collect();
        let mut expected: Vec<Vec<String>> = users
            .iter()
            .filter(|u| &u.instance_id == iid)
            .filter_map(|u| Some(vec![u.username.clone(), by_id.get(u.routing.as_ref()?)?.clone()]))
            .collect();
        expected.sort();
        let got = query(
            &e,
            &format!(
                "SELECT u.username, rp.name FROM aws.connect.users u JOIN aws.connect.routing_profiles rp \
                 ON u.routing_profile_id = rp.id AND u.instance_id = rp.instance_id WHERE u.instance_id = '{iid}'"
            ),
        )
        .await
        .expect("join");
        assert_same(&texts(&got), &expected, &format!("join with {partitions} partitions"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_returns_what_the_sdk_sees_on_the_demo_data() {
    let emu = start(EmulatorConfig::default()).await;
    let users = users_by_sdk(&emu, &["us-east-1", "eu-west-2"], true).await;
    assert_eq!(users.len(), 354);
    compare(&emu, &users, true).await;
    // Each of the other tables: its ids and names, as the SDK lists them.
    let e = engine(&emu).await;
    for region in ["us-east-1", "eu-west-2"] {
        let c = client(&emu, region);
        for i in c.list_instances().send().await.expect("instances").instance_summary_list() {
            let iid = i.id().expect("id");
            let lists: Vec<(&str, Vec<Vec<String>>)> = vec![
                (
                    "routing_profiles",
                    c.list_routing_profiles()
                        .instance_id(iid)
                        .send()
                        .await
                        .expect("rp")
                        .routing_profile_summary_list()
                        .iter()
                        .map(|p| vec![p.id().unwrap_or_default().to_owned(), p.name().unwrap_or_default().to_owned()])
                        .collect(),
                ),
                (
                    "security_profiles",
                    c.list_security_profiles()
                        .instance_id(iid)
                        .send()
                        .await
                        .expect("sp")
                        .security_profile_summary_list()
                        .iter()
                        .map(|p| vec![p.id().unwrap_or_default().to_owned(), p.name().unwrap_or_default().to_owned()])
                        .collect(),
                ),
                (
                    "user_hierarchy_groups",
                    c.list_user_hierarchy_groups()
                        .instance_id(iid)
                        .send()
                        .await
                        .expect("groups")
                        .user_hierarchy_group_summary_list()
                        .iter()
                        .map(|p| vec![p.id().unwrap_or_default().to_owned(), p.name().unwrap_or_default().to_owned()])
                        .collect(),
                ),
                (
                    "agent_statuses",
                    c.list_agent_statuses()
                        .instance_id(iid)
                        .send()
                        .await
                        .expect("statuses")
                        .agent_status_summary_list()
                        .iter()
                        .map(|p| vec![p.id().unwrap_or_default().to_owned(), p.name().unwrap_or_default().to_owned()])
                        .collect(),
                ),
            ];
            for (table, mut expected) in lists {
                expected.sort();
                let got = query(
                    &e,
                    &format!(
                        "SELECT id, name FROM aws.connect.{table} WHERE instance_id = '{iid}' AND region = '{region}'"
                    ),
                )
                .await
                .expect("table");
                assert_same(&texts(&got), &expected, &format!("{table} of {iid}"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_returns_what_the_sdk_sees_over_thousands_of_users() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, extra_users: 2200, ..EmulatorConfig::default() }).await;
    let users = users_by_sdk(&emu, &["us-east-1", "eu-west-2"], false).await;
    assert_eq!(users.len(), 2554);
    compare(&emu, &users, false).await;
}
