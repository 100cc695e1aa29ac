//! The report pack's numbers, computed here from plain SDK calls against the same seeded
//! emulator (no connectql code): every result set of every report in `queries/` must hold
//! exactly these rows. The golden files pin the layout; this pins the numbers.

use std::collections::{BTreeMap, BTreeSet};

use connectql_emulator::{EmulatorConfig, EmulatorHandle};
use serde_json::{Map, Value, json};

use super::oracle_columns::user_rows;
use super::support::{client, err, start};

/// The demo's pinned clock (2026-09-01T00:00:00Z) and the day reports count back from.
const NOW_MS: u64 = 1_788_220_800_000;
const AS_OF: &str = "2026-09-01";
const DAYS: i64 = 30;
const REGION: &str = "us-east-1";

/// The result sets of a report, each as a sorted list of rows.
fn report(emu: &EmulatorHandle, name: &str) -> Vec<Vec<Value>> {
    let path = format!("{}/queries/{name}.sql", env!("CARGO_MANIFEST_DIR"));
    let days = format!("days={DAYS}");
    let asof = format!("asof={AS_OF}");
    let o = super::support::cli()
        .args(["--endpoint-url", &emu.base_url(), "-o", "json", "-f", &path, "--var", &days, "--var", &asof])
        .output()
        .expect("connectql runs");
    assert!(o.status.success(), "{name}: {}", err(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| sorted(serde_json::from_str::<Vec<Value>>(l).expect("a JSON array")))
        .collect()
}

fn sorted(mut rows: Vec<Value>) -> Vec<Value> {
    rows.sort_by_key(Value::to_string);
    rows
}

fn text(row: &Map<String, Value>, column: &str) -> String {
    row.get(column).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Names by id of an instance's routing profiles, security profiles, and hierarchy groups'
/// (level one, level two) names.
struct Names {
    routing: BTreeMap<(String, String), String>,
    security: BTreeMap<(String, String), String>,
    groups: BTreeMap<(String, String), (Value, Value)>,
}

async fn names(emu: &EmulatorHandle) -> Names {
    let c = client(emu, REGION);
    let mut n = Names { routing: BTreeMap::new(), security: BTreeMap::new(), groups: BTreeMap::new() };
    for i in c.list_instances().send().await.expect("instances").instance_summary_list() {
        let iid = i.id().expect("id").to_owned();
        for p in c.list_routing_profiles().instance_id(&iid).send().await.expect("rp").routing_profile_summary_list() {
            n.routing.insert((iid.clone(), p.id().expect("id").to_owned()), p.name().expect("name").to_owned());
        }
        for p in c.list_security_profiles().instance_id(&iid).send().await.expect("sp").security_profile_summary_list()
        {
            n.security.insert((iid.clone(), p.id().expect("id").to_owned()), p.name().expect("name").to_owned());
        }
        for g in c
            .list_user_hierarchy_groups()
            .instance_id(&iid)
            .send()
            .await
            .expect("g")
            .user_hierarchy_group_summary_list()
        {
            let id = g.id().expect("id");
            let d =
                c.describe_user_hierarchy_group().instance_id(&iid).hierarchy_group_id(id).send().await.expect("group");
            let path = d.hierarchy_group().and_then(|g| g.hierarchy_path());
            let one = path.and_then(|p| p.level_one()).and_then(|l| l.name()).map_or(Value::Null, |x| json!(x));
            let two = path.and_then(|p| p.level_two()).and_then(|l| l.name()).map_or(Value::Null, |x| json!(x));
            n.groups.insert((iid.clone(), id.to_owned()), (one, two));
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_holds_the_numbers_the_sdk_gives() {
    let emu = start(EmulatorConfig { now_ms: Some(NOW_MS), ..EmulatorConfig::default() }).await;
    let users: Vec<Map<String, Value>> =
        user_rows(&emu).await.into_values().filter(|u| u["region"] == REGION).collect();
    assert!(users.len() > 300, "the region's demo users");
    let n = names(&emu).await;
    let instance = |u: &Map<String, Value>| text(u, "instance_id");
    let row = |pairs: Vec<(&str, Value)>| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    // A user as the reports list one: username, names and instance.
    let person = |u: &Map<String, Value>| {
        row(vec![
            ("username", u["username"].clone()),
            ("first_name", u["first_name"].clone()),
            ("last_name", u["last_name"].clone()),
            ("instance_id", json!(instance(u))),
        ])
    };

    // users_per_routing_profile: every profile with its users (0 too), and users whose profile is gone.
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((iid, _), name) in &n.routing {
        counts.entry((name.clone(), iid.clone())).or_default();
    }
    for u in &users {
        let name = n
            .routing
            .get(&(instance(u), text(u, "routing_profile_id")))
            .cloned()
            .unwrap_or_else(|| "(missing profile)".to_owned());
        *counts.entry((name, instance(u))).or_default() += 1;
    }
    assert!(counts.values().any(|c| *c == 0), "the demo has a routing profile nobody uses");
    assert!(counts.keys().any(|(name, _)| name == "(missing profile)"), "and users of a deleted one");
    let expected: Vec<Value> = counts
        .into_iter()
        .map(|((name, iid), c)| {
            row(vec![("routing_profile", json!(name)), ("users", json!(c)), ("instance_id", json!(iid))])
        })
        .collect();
    assert_eq!(report(&emu, "users_per_routing_profile"), vec![sorted(expected)], "users_per_routing_profile");

    // email_hygiene: no email; addresses shared within an instance.
    let missing: Vec<Value> =
        users.iter().filter(|u| u["email"].as_str().is_none_or(|e| e.trim().is_empty())).map(&person).collect();
    let mut shared: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for u in users.iter().filter(|u| u["email"].as_str().is_some_and(|e| !e.trim().is_empty())) {
        shared.entry((text(u, "email").to_lowercase(), instance(u))).or_default().push(text(u, "username"));
    }
    let shared: Vec<Value> = shared
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|((email, iid), mut names)| {
            names.sort();
            row(vec![
                ("email", json!(email)),
                ("users", json!(names.len())),
                ("usernames", json!(names.join(", "))),
                ("instance_id", json!(iid)),
            ])
        })
        .collect();
    assert!(!missing.is_empty() && !shared.is_empty(), "the demo has both");
    assert_eq!(report(&emu, "email_hygiene"), vec![sorted(missing), sorted(shared)], "email_hygiene");

    // dangling_references: ids that name nothing in the user's instance.
    let mut dangling = Vec::new();
    for u in &users {
        let mut add = |what: &str, id: &str| {
            dangling.push(row(vec![
                ("username", u["username"].clone()),
                ("reference", json!(what)),
                ("missing_id", json!(id)),
                ("instance_id", json!(instance(u))),
            ]));
        };
        if let Some(rp) =
            u["routing_profile_id"].as_str().filter(|rp| !n.routing.contains_key(&(instance(u), (*rp).to_owned())))
        {
            add("routing profile", rp);
        }
        for sp in u["security_profile_ids"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !n.security.contains_key(&(instance(u), sp.to_owned())) {
                add("security profile", sp);
            }
        }
        if let Some(g) =
            u["hierarchy_group_id"].as_str().filter(|g| !n.groups.contains_key(&(instance(u), (*g).to_owned())))
        {
            add("hierarchy group", g);
        }
    }
    assert!(!dangling.is_empty(), "the demo has dangling references");
    assert_eq!(report(&emu, "dangling_references"), vec![sorted(dangling)], "dangling_references");

    // phone_settings: auto-accept on; desk phones without a number; after-contact work > 300 s or none.
    let auto: Vec<Value> = users
        .iter()
        .filter(|u| u["auto_accept"] == json!(true))
        .map(|u| {
            row(vec![
                ("username", u["username"].clone()),
                ("phone_type", u["phone_type"].clone()),
                ("instance_id", json!(instance(u))),
            ])
        })
        .collect();
    let desk: Vec<Value> = users
        .iter()
        .filter(|u| u["phone_type"] == "DESK_PHONE" && u["desk_phone_number"].as_str().is_none_or(str::is_empty))
        .map(&person)
        .collect();
    let acw: Vec<Value> = users
        .iter()
        .filter(|u| u["after_contact_work_time_limit"].as_i64().is_some_and(|w| w > 300 || w == 0))
        .map(|u| {
            row(vec![
                ("username", u["username"].clone()),
                ("acw_seconds", u["after_contact_work_time_limit"].clone()),
                ("instance_id", json!(instance(u))),
            ])
        })
        .collect();
    assert!(!auto.is_empty() && !desk.is_empty() && !acw.is_empty(), "every branch has rows");
    assert_eq!(report(&emu, "phone_settings"), vec![sorted(auto), sorted(desk), sorted(acw)], "phone_settings");

    // security_profiles_and_admins: users per profile (admin-level flagged); every admin.
    let mut per: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut admins = Vec::new();
    for ((iid, id), name) in &n.security {
        let holders: Vec<&Map<String, Value>> = users
            .iter()
            .filter(|u| {
                instance(u) == *iid && u["security_profile_ids"].as_array().is_some_and(|p| p.contains(&json!(id)))
            })
            .collect();
        *per.entry((name.clone(), iid.clone())).or_default() += holders.len() as u64;
        if name.to_lowercase().contains("admin") {
            admins.extend(holders.iter().map(|u| {
                row(vec![
                    ("username", u["username"].clone()),
                    ("first_name", u["first_name"].clone()),
                    ("last_name", u["last_name"].clone()),
                    ("admin_profile", json!(name)),
                    ("instance_id", json!(iid)),
                ])
            }));
        }
    }
    let per: Vec<Value> = per
        .into_iter()
        .map(|((name, iid), c)| {
            row(vec![
                ("security_profile", json!(name)),
                ("admin_level", json!(name.to_lowercase().contains("admin"))),
                ("users", json!(c)),
                ("instance_id", json!(iid)),
            ])
        })
        .collect();
    assert_eq!(
        report(&emu, "security_profiles_and_admins"),
        vec![sorted(per), sorted(admins)],
        "security_profiles_and_admins"
    );

    // hierarchy_coverage: agents in no group; agents per level-one / level-two group.
    let ungrouped: Vec<Value> = users.iter().filter(|u| u["hierarchy_group_id"].is_null()).map(&person).collect();
    let mut levels: BTreeMap<(String, String, String), (Value, Value, u64)> = BTreeMap::new();
    for u in &users {
        let Some(g) = u["hierarchy_group_id"].as_str() else { continue };
        let Some((one, two)) = n.groups.get(&(instance(u), g.to_owned())) else { continue };
        let e = levels.entry((one.to_string(), two.to_string(), instance(u))).or_insert((one.clone(), two.clone(), 0));
        e.2 += 1;
    }
    let levels: Vec<Value> = levels
        .into_iter()
        .map(|((_, _, iid), (one, two, c))| {
            row(vec![("level_one", one), ("level_two", two), ("agents", json!(c)), ("instance_id", json!(iid))])
        })
        .collect();
    assert_eq!(report(&emu, "hierarchy_coverage"), vec![sorted(ungrouped), sorted(levels)], "hierarchy_coverage");

    // recently_modified: changed on or after the day 30 days before 2026-09-01.
    let since_ms = (NOW_MS as i64 / 86_400_000 - DAYS) * 86_400_000;
    let recent: BTreeSet<(String, i64, String, String)> = users
        .iter()
        .filter_map(|u| {
            let t = u["last_modified_time"].as_i64()?;
            (t >= since_ms).then(|| (text(u, "username"), t, text(u, "last_modified_region"), instance(u)))
        })
        .collect();
    let got: BTreeSet<(String, i64, String, String)> = report(&emu, "recently_modified")
        .remove(0)
        .iter()
        .map(|r| {
            let time = r["last_modified_time"].as_str().expect("a time");
            let ms = chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339").timestamp_millis();
            (
                r["username"].as_str().unwrap_or_default().to_owned(),
                ms,
                r["last_modified_region"].as_str().unwrap_or_default().to_owned(),
                r["instance_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(!recent.is_empty());
    assert_eq!(got, recent, "recently_modified");
}

/// A routing profile's queue config: queue id, queue name, channel, priority, delay.
type QueueConfig = (String, String, String, i32, i32);
/// A quick connect: instance, name, type, user id, queue id.
type QuickConnect = (String, String, String, Option<String>, Option<String>);

/// What the routing reports read, from plain SDK calls: per instance, each queue (name, type,
/// status), each routing profile's queue configs, each security profile's permissions, each
/// quick connect's target, and each agent's current state.
struct Routing {
    queues: BTreeMap<(String, String), (String, String, String)>,
    /// (instance, routing profile) → its queue configs
    configs: BTreeMap<(String, String), Vec<QueueConfig>>,
    permissions: BTreeMap<(String, String), Vec<String>>,
    quick_connects: Vec<QuickConnect>,
    /// (instance, user id, routing profile id, status, status start ms, contacts)
    current: Vec<(String, String, String, String, i64, usize)>,
}

async fn routing(emu: &EmulatorHandle) -> Routing {
    let c = client(emu, REGION);
    let mut r = Routing {
        queues: BTreeMap::new(),
        configs: BTreeMap::new(),
        permissions: BTreeMap::new(),
        quick_connects: Vec::new(),
        current: Vec::new(),
    };
    for i in c.list_instances().send().await.expect("instances").instance_summary_list() {
        let iid = i.id().expect("id").to_owned();
        for q in c.list_queues().instance_id(&iid).send().await.expect("queues").queue_summary_list() {
            let id = q.id().expect("id");
            let d = c.describe_queue().instance_id(&iid).queue_id(id).send().await.expect("queue");
            let status = d.queue().and_then(|q| q.status()).map(|s| s.as_str().to_owned()).unwrap_or_default();
            let kind = q.queue_type().map(|t| t.as_str().to_owned()).unwrap_or_default();
            r.queues.insert((iid.clone(), id.to_owned()), (q.name().expect("name").to_owned(), kind, status));
        }
        let profiles = c.list_routing_profiles().instance_id(&iid).send().await.expect("rp");
        for p in profiles.routing_profile_summary_list() {
            let rp = p.id().expect("id");
            let out = c.list_routing_profile_queues().instance_id(&iid).routing_profile_id(rp).send().await;
            let configs = out
                .expect("rp queues")
                .routing_profile_queue_config_summary_list()
                .iter()
                .map(|q| {
                    let channel = q.channel().as_str().to_owned();
                    (q.queue_id().to_owned(), q.queue_name().to_owned(), channel, q.priority(), q.delay())
                })
                .collect();
            r.configs.insert((iid.clone(), rp.to_owned()), configs);
            let filters = aws_sdk_connect::types::UserDataFilters::builder().routing_profiles(rp).build();
            let mut token = None;
            loop {
                let out = c
                    .get_current_user_data()
                    .instance_id(&iid)
                    .filters(filters.clone())
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("user data");
                for d in out.user_data_list() {
                    let status = d.status().expect("status");
                    r.current.push((
                        iid.clone(),
                        d.user().and_then(|u| u.id()).expect("user").to_owned(),
                        rp.to_owned(),
                        status.status_name().expect("name").to_owned(),
                        super::support::millis(status.status_start_timestamp().expect("since")),
                        d.contacts().len(),
                    ));
                }
                match out.next_token() {
                    Some(t) => token = Some(t.to_owned()),
                    None => break,
                }
            }
        }
        for p in c.list_security_profiles().instance_id(&iid).send().await.expect("sp").security_profile_summary_list()
        {
            let sp = p.id().expect("id");
            let out = c.list_security_profile_permissions().instance_id(&iid).security_profile_id(sp).send().await;
            r.permissions.insert((iid.clone(), sp.to_owned()), out.expect("permissions").permissions().to_vec());
        }
        for q in c.list_quick_connects().instance_id(&iid).send().await.expect("qc").quick_connect_summary_list() {
            let d = c.describe_quick_connect().instance_id(&iid).quick_connect_id(q.id().expect("id")).send().await;
            let d = d.expect("quick connect");
            let config = d.quick_connect().and_then(|q| q.quick_connect_config()).expect("config");
            r.quick_connects.push((
                iid.clone(),
                q.name().expect("name").to_owned(),
                config.quick_connect_type().as_str().to_owned(),
                config.user_config().map(|u| u.user_id().to_owned()),
                config.queue_config().map(|u| u.queue_id().to_owned()),
            ));
        }
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routing_reports_hold_the_numbers_the_sdk_gives() {
    let emu = start(EmulatorConfig { now_ms: Some(NOW_MS), ..EmulatorConfig::default() }).await;
    let users: Vec<Map<String, Value>> =
        user_rows(&emu).await.into_values().filter(|u| u["region"] == REGION).collect();
    let n = names(&emu).await;
    let r = routing(&emu).await;
    let instance = |u: &Map<String, Value>| text(u, "instance_id");
    let row = |pairs: Vec<(&str, Value)>| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());

    // permission_holders (Users.Delete): each holder, through each profile that grants it.
    let mut holders = Vec::new();
    for ((iid, sp), held) in &r.permissions {
        if !held.iter().any(|p| p == "Users.Delete") {
            continue;
        }
        for u in users.iter().filter(|u| instance(u) == *iid) {
            if u["security_profile_ids"].as_array().is_some_and(|p| p.contains(&json!(sp))) {
                holders.push(row(vec![
                    ("username", u["username"].clone()),
                    ("first_name", u["first_name"].clone()),
                    ("last_name", u["last_name"].clone()),
                    ("security_profile", json!(n.security[&(iid.clone(), sp.clone())])),
                    ("permission", json!("Users.Delete")),
                    ("instance_id", json!(iid)),
                ]));
            }
        }
    }
    let via: BTreeSet<&str> = holders.iter().filter_map(|h| h["security_profile"].as_str()).collect();
    assert!(via.contains("Admin") && via.contains("Supervisor"), "{via:?}");
    assert_eq!(report(&emu, "permission_holders"), vec![sorted(holders)], "permission_holders");

    // queue_coverage: agents per queue and channel; standard queues nobody can take.
    let agents_of = |iid: &str, rp: &str| -> BTreeSet<String> {
        users
            .iter()
            .filter(|u| instance(u) == iid && text(u, "routing_profile_id") == rp)
            .map(|u| text(u, "id"))
            .collect()
    };
    let mut per: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    for ((iid, rp), configs) in &r.configs {
        for (qid, _, channel, _, _) in configs {
            let Some((name, _, _)) = r.queues.get(&(iid.clone(), qid.clone())) else { continue };
            per.entry((name.clone(), channel.clone(), iid.clone())).or_default().extend(agents_of(iid, rp));
        }
    }
    let coverage: Vec<Value> = per
        .iter()
        .map(|((q, ch, iid), a)| {
            row(vec![
                ("queue", json!(q)),
                ("channel", json!(ch)),
                ("agents", json!(a.len())),
                ("instance_id", json!(iid)),
            ])
        })
        .collect();
    let unserved: Vec<Value> = r
        .queues
        .iter()
        .filter(|(_, (_, kind, _))| kind == "STANDARD")
        .filter(|((iid, _), (name, _, _))| {
            per.iter().filter(|((q, _, i), _)| q == name && i == iid).all(|(_, agents)| agents.is_empty())
        })
        .map(|((iid, _), (name, _, status))| {
            row(vec![("queue", json!(name)), ("status", json!(status)), ("instance_id", json!(iid))])
        })
        .collect();
    assert!(unserved.len() >= 2, "the demo leaves queues unserved: {unserved:?}");
    assert_eq!(report(&emu, "queue_coverage"), vec![sorted(coverage), sorted(unserved)], "queue_coverage");

    // agent_queues: each agent's queues by priority.
    let mut per_agent = Vec::new();
    for u in &users {
        let key = (instance(u), text(u, "routing_profile_id"));
        let (Some(profile), Some(configs)) = (n.routing.get(&key), r.configs.get(&key)) else { continue };
        let mut configs = configs.clone();
        configs.sort_by(|a, b| (a.3, &a.1, &a.2).cmp(&(b.3, &b.1, &b.2)));
        let queues: Vec<String> = configs
            .iter()
            .map(|(_, q, ch, p, d)| {
                let delay = if *d > 0 { format!(" +{d}s") } else { String::new() };
                format!("{q} {ch} p{p}{delay}")
            })
            .collect();
        if queues.is_empty() {
            continue;
        }
        per_agent.push(row(vec![
            ("username", u["username"].clone()),
            ("routing_profile", json!(profile)),
            ("queues", json!(queues.join(", "))),
            ("instance_id", json!(instance(u))),
        ]));
    }
    assert!(per_agent.len() > 300);
    assert_eq!(report(&emu, "agent_queues"), vec![sorted(per_agent)], "agent_queues");

    // online_now: per routing profile and status; each user with a current state.
    let minutes = |since: i64| (NOW_MS as i64 - since) / 60_000;
    let mut groups: BTreeMap<(String, String, String), (u64, u64, i64)> = BTreeMap::new();
    for (iid, _, rp, status, since, contacts) in &r.current {
        let Some(profile) = n.routing.get(&(iid.clone(), rp.clone())) else { continue };
        let g = groups.entry((profile.clone(), status.clone(), iid.clone())).or_insert((0, 0, i64::MIN));
        g.0 += 1;
        g.1 += *contacts as u64;
        g.2 = g.2.max(minutes(*since));
    }
    let summary: Vec<Value> = groups
        .into_iter()
        .map(|((profile, status, iid), (count, contacts, longest))| {
            row(vec![
                ("routing_profile", json!(profile)),
                ("status", json!(status)),
                ("users", json!(count)),
                ("contacts", json!(contacts)),
                ("longest_minutes", json!(longest)),
                ("instance_id", json!(iid)),
            ])
        })
        .collect();
    let by_id: BTreeMap<(String, String), &Map<String, Value>> =
        users.iter().map(|u| ((instance(u), text(u, "id")), u)).collect();
    let online: Vec<Value> = r
        .current
        .iter()
        .filter_map(|(iid, uid, _, status, since, contacts)| {
            let u = by_id.get(&(iid.clone(), uid.clone()))?;
            Some(row(vec![
                ("username", u["username"].clone()),
                ("status", json!(status)),
                ("minutes", json!(minutes(*since))),
                ("contacts", json!(contacts)),
                ("instance_id", json!(iid)),
            ]))
        })
        .collect();
    assert!(online.len() > 200);
    assert_eq!(report(&emu, "online_now"), vec![sorted(summary), sorted(online)], "online_now");

    // dangling_quick_connects: USER targets that are no user, QUEUE targets that are no queue.
    let dangling: Vec<Value> = r
        .quick_connects
        .iter()
        .filter_map(|(iid, name, kind, user, queue)| {
            let missing = match (kind.as_str(), user, queue) {
                ("USER", Some(u), _) if !by_id.contains_key(&(iid.clone(), u.clone())) => u,
                ("QUEUE", _, Some(q)) if !r.queues.contains_key(&(iid.clone(), q.clone())) => q,
                _ => return None,
            };
            Some(row(vec![
                ("quick_connect", json!(name)),
                ("type", json!(kind)),
                ("missing_id", json!(missing)),
                ("instance_id", json!(iid)),
            ]))
        })
        .collect();
    assert!(dangling.len() >= 2);
    assert_eq!(report(&emu, "dangling_quick_connects"), vec![sorted(dangling)], "dangling_quick_connects");
}
