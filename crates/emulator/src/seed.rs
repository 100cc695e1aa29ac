//! Deterministic data: the demo contact center (same ids and values on every start, so tests and
//! reports can pin their output) and synthetic users for load work.

use serde_json::{Value, json};
use uuid::Uuid;

use super::faults::draw;
use super::handlers::hierarchy::LEVELS;
use super::handlers::users::set_phone_config;
use super::state::{Instance, Obj, RegionState, UserRecord, World, epoch_seconds, s};

/// The account every credential maps to unless its access key id is a 12-digit account id.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// The second demo account: a staging copy of the contact center, whose settings drifted.
pub const STAGING_ACCOUNT: &str = "210987654321";
/// The third demo account: a small business unit's contact center.
pub const BUSINESS_UNIT_ACCOUNT: &str = "345678901234";
/// The role the other demo accounts let the main account assume (STS AssumeRole).
pub const AUDIT_ROLE: &str = "ConnectQLAudit";
/// The external id the business unit's role requires.
pub const BUSINESS_UNIT_EXTERNAL_ID: &str = "acme-audit";
/// The main demo instance (us-east-1, CONNECT_MANAGED, about 300 users).
pub const DEMO_INSTANCE_ALIAS: &str = "acme-contact-center";

/// What an emulator starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// No instances at all.
    Empty,
    /// The demo contact center.
    #[default]
    Demo,
}

/// 2026-01-05T00:00:00Z: seeds the demo data's draws, so its values are the same on every start.
const BASE_MS: u64 = 1_767_571_200_000;
const DAY_MS: u64 = 86_400_000;

fn id(parts: &str) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("connectql-demo/{parts}").as_bytes()).to_string()
}

/// The id the demo data gives an instance alias (stable across starts).
pub fn instance_id(region: &str, alias: &str) -> String {
    id(&format!("{region}/instance/{alias}"))
}

const FIRST: [&str; 40] = [
    "ava", "liam", "noah", "emma", "olivia", "mia", "lucas", "amir", "sofia", "mateo", "chloe", "ethan", "zoe", "omar",
    "lena", "ravi", "yuki", "diego", "nora", "ivan", "sara", "kofi", "ana", "leo", "maya", "tom", "ines", "hugo",
    "lucy", "sam", "aisha", "ben", "clara", "dev", "elif", "finn", "gita", "hana", "jon", "kai",
];
const LAST: [&str; 40] = [
    "smith", "garcia", "chen", "patel", "kim", "nguyen", "lopez", "brown", "khan", "silva", "mueller", "rossi", "ali",
    "cohen", "sato", "jones", "diaz", "young", "wright", "hall", "evans", "adams", "baker", "clark", "lewis", "walker",
    "green", "king", "scott", "moore", "reed", "ward", "cruz", "park", "shah", "ortiz", "fox", "nash", "bell", "ross",
];

struct InstanceSpec<'a> {
    region: &'a str,
    alias: &'a str,
    idm: &'a str,
    users: usize,
    /// Seeds the instance's draws (fixed, so values never change).
    created_ms: u64,
}

impl InstanceSpec<'_> {
    /// When the instance was created, relative to the emulator's start: its fixed age plus the
    /// 120 days its users' changes are spread over.
    fn created_at(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(BASE_MS - self.created_ms + 150 * DAY_MS)
    }
}

/// The demo contact center's instances.
const DEMO_INSTANCES: [InstanceSpec<'static>; 4] = [
    InstanceSpec {
        region: "us-east-1",
        alias: DEMO_INSTANCE_ALIAS,
        idm: "CONNECT_MANAGED",
        users: 300,
        created_ms: BASE_MS - DAY_MS * 400,
    },
    InstanceSpec { region: "us-east-1", alias: "acme-sso", idm: "SAML", users: 24, created_ms: BASE_MS - DAY_MS * 200 },
    InstanceSpec {
        region: "eu-west-2",
        alias: "acme-uk",
        idm: "CONNECT_MANAGED",
        users: 30,
        created_ms: BASE_MS - DAY_MS * 100,
    },
    // Users come from an existing directory: no passwords, names optional (StackQL's minimal
    // INSERT is valid here). A region of its own, so the other demo counts stay.
    InstanceSpec {
        region: "ap-southeast-2",
        alias: "acme-apac",
        idm: "EXISTING_DIRECTORY",
        users: 12,
        created_ms: BASE_MS - DAY_MS * 50,
    },
];

/// The instances of the other demo accounts: (account, spec).
const OTHER_ACCOUNTS: [(&str, InstanceSpec<'static>); 2] = [
    (
        STAGING_ACCOUNT,
        InstanceSpec {
            region: "us-east-1",
            alias: "acme-staging",
            idm: "CONNECT_MANAGED",
            users: 40,
            created_ms: BASE_MS - DAY_MS * 80,
        },
    ),
    (
        BUSINESS_UNIT_ACCOUNT,
        InstanceSpec {
            region: "eu-west-2",
            alias: "acme-retail",
            idm: "CONNECT_MANAGED",
            users: 12,
            created_ms: BASE_MS - DAY_MS * 30,
        },
    ),
];

/// The demo's instances as (region, alias), in the order they are seeded.
pub fn demo_instances() -> impl Iterator<Item = (&'static str, &'static str)> {
    DEMO_INSTANCES.iter().map(|s| (s.region, s.alias))
}

/// Loads `seed` into `world`, then adds `extra_users` synthetic users to the main instance.
/// Times are relative to `now_ms` (the emulator's start): users were changed over the last 120
/// days, in whole days, so a report of "the last N days" finds the same users on any day; about
/// a tenth of them were never changed since the service began stamping changes, and have no
/// modification time until their next change.
pub fn load(world: &mut World, seed: Seed, extra_users: usize, now_ms: u64) {
    if seed == Seed::Demo {
        for spec in &DEMO_INSTANCES {
            let region = world.region_mut(DEFAULT_ACCOUNT, spec.region);
            let instance = demo_instance(region, spec, now_ms);
            region.instances.insert(instance.id().to_owned(), instance);
        }
        for (account, spec) in &OTHER_ACCOUNTS {
            let region = world.region_mut(account, spec.region);
            let mut instance = demo_instance(region, spec, now_ms);
            if *account == STAGING_ACCOUNT {
                drift(&mut instance);
            }
            region.instances.insert(instance.id().to_owned(), instance);
        }
        trust(world);
    }
    if extra_users > 0 {
        let region = world.region_mut(DEFAULT_ACCOUNT, "us-east-1");
        let main_id = instance_id("us-east-1", DEMO_INSTANCE_ALIAS);
        if !region.instances.contains_key(&main_id) {
            let spec = InstanceSpec {
                region: "us-east-1",
                alias: DEMO_INSTANCE_ALIAS,
                idm: "CONNECT_MANAGED",
                users: 0,
                created_ms: BASE_MS,
            };
            let instance = demo_instance(region, &spec, now_ms);
            region.instances.insert(main_id.clone(), instance);
        }
        add_synthetic_users(region, &main_id, extra_users, now_ms);
    }
}

fn named(region: &RegionState, instance_id: &str, kind: &str, name: &str, ms: u64) -> (String, String, Obj) {
    let rid = id(&format!("{}/{instance_id}/{kind}/{name}", region.region));
    let arn = region.arn(&format!("instance/{instance_id}/{kind}/{rid}"));
    let mut common = Obj::new();
    common.insert("LastModifiedTime".into(), epoch_seconds(ms));
    common.insert("LastModifiedRegion".into(), region.region.clone().into());
    (rid, arn, common)
}

fn demo_instance(region: &RegionState, spec: &InstanceSpec, now_ms: u64) -> Instance {
    let iid = instance_id(spec.region, spec.alias);
    let info = json!({
        "Id": iid,
        "Arn": region.arn(&format!("instance/{iid}")),
        "IdentityManagementType": spec.idm,
        "InstanceAlias": spec.alias,
        "CreatedTime": epoch_seconds(spec.created_at(now_ms)),
        "ServiceRole": format!("arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_{}", region.account, &iid[..8]),
        "InstanceStatus": "ACTIVE",
        "InboundCallsEnabled": true,
        "OutboundCallsEnabled": spec.alias != "acme-sso",
        "InstanceAccessUrl": format!("https://{}.my.connect.aws", spec.alias),
        "Tags": { "env": "demo" },
    });
    let mut inst = Instance::new(info.as_object().cloned().unwrap_or_default());
    let ms = spec.created_at(now_ms) + 3_600_000;

    let queue = id(&format!("{iid}/queue/BasicQueue"));
    for (i, (name, channels)) in [
        ("Basic Routing Profile", &["VOICE", "CHAT", "TASK"][..]),
        ("Sales", &["VOICE"][..]),
        ("Support Tier 1", &["VOICE", "CHAT"][..]),
        ("Support Tier 2", &["VOICE", "CHAT", "TASK"][..]),
        ("Billing", &["VOICE", "EMAIL"][..]),
        ("Chat Only", &["CHAT"][..]),
        // Assigned to nobody (for the reports' empty branches).
        ("Outbound Campaigns", &["VOICE"][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let (rid, arn, mut p) = named(region, &iid, "routing-profile", name, ms);
        let media: Vec<Value> = channels
            .iter()
            .map(|c| json!({ "Channel": c, "Concurrency": if *c == "CHAT" { 3 } else { 1 }, "CrossChannelBehavior": { "BehaviorType": "ROUTE_CURRENT_CHANNEL_ONLY" } }))
            .collect();
        p.extend(
            json!({
                "InstanceId": iid, "Name": name, "RoutingProfileArn": arn, "RoutingProfileId": rid,
                "Description": format!("{name} agents"), "MediaConcurrencies": media, "DefaultOutboundQueueId": queue,
                "NumberOfAssociatedQueues": 1 + i as i64 % 3, "IsDefault": i == 0, "Tags": {},
                "AgentAvailabilityTimer": "TIME_SINCE_LAST_ACTIVITY",
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        inst.routing_profiles.insert(rid, p);
    }
    for (name, ty, desc) in [
        ("Admin", "AWS_MANAGED", "Full administrative access"),
        ("CallCenterManager", "AWS_MANAGED", "Manage users, routing and metrics"),
        ("QualityAnalyst", "AWS_MANAGED", "Listen to recordings, view metrics"),
        ("Agent", "AWS_MANAGED", "Handle contacts from the CCP"),
        ("Supervisor", "CUSTOMER_MANAGED", "Monitor agents in real time"),
    ] {
        let (sid, arn, mut p) = named(region, &iid, "security-profile", name, ms);
        p.extend(
            json!({
                "Id": sid, "Arn": arn, "SecurityProfileName": name, "Description": desc, "Type": ty,
                "OrganizationResourceId": iid, "Tags": {},
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        inst.security_profiles.insert(sid, p);
    }
    for level in ["Region", "Site", "Team"] {
        let (lid, arn, mut l) = named(region, &iid, "agent-group-level", level, ms);
        l.insert("Id".into(), lid.into());
        l.insert("Arn".into(), arn.into());
        l.insert("Name".into(), level.into());
        inst.hierarchy_levels.push(l);
    }
    let tree: [(&str, Option<&str>); 11] = [
        ("Americas", None),
        ("EMEA", None),
        ("Seattle", Some("Americas")),
        ("Austin", Some("Americas")),
        ("London", Some("EMEA")),
        ("Sales East", Some("Seattle")),
        ("Sales West", Some("Seattle")),
        ("Support A", Some("Austin")),
        ("Support B", Some("Austin")),
        ("Billing Team", Some("Austin")),
        ("UK Support", Some("London")),
    ];
    for (name, parent) in tree {
        let (gid, arn, mut g) = named(region, &iid, "agent-group", name, ms);
        let mut path = parent
            .and_then(|p| inst.hierarchy_groups.values().find(|g| g.get("Name").and_then(Value::as_str) == Some(p)))
            .and_then(|p| p.get("HierarchyPath").and_then(Value::as_object).cloned())
            .unwrap_or_default();
        let depth = path.len();
        let summary = json!({ "Id": gid, "Arn": arn, "Name": name, "LastModifiedTime": epoch_seconds(ms), "LastModifiedRegion": region.region });
        path.insert(LEVELS[depth].into(), summary);
        let level_id = inst.hierarchy_levels.get(depth).and_then(|l| l.get("Id")).cloned().unwrap_or(Value::Null);
        g.extend(
            json!({ "Id": gid, "Arn": arn, "Name": name, "LevelId": level_id, "HierarchyPath": path, "Tags": {} })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        inst.hierarchy_groups.insert(gid, g);
    }
    for (name, ty) in [
        ("Available", "ROUTABLE"),
        ("Offline", "OFFLINE"),
        ("Lunch", "CUSTOM"),
        ("Training", "CUSTOM"),
        ("Meeting", "CUSTOM"),
    ] {
        let (aid, arn, mut a) = named(region, &iid, "agent-state", name, ms);
        a.extend(json!({ "Id": aid, "Arn": arn, "Name": name, "Type": ty }).as_object().cloned().unwrap_or_default());
        inst.agent_statuses.insert(aid, a);
    }
    routing(region, &mut inst, ms);
    for i in 0..spec.users {
        let record = demo_user(region, &inst, spec, i, now_ms);
        inst.insert_user(record);
    }
    quick_connects(region, &mut inst, ms);
    current_state(&mut inst, spec, now_ms);
    inst.user_quota = inst.user_quota.max(inst.users.len());
    inst
}

/// Staging drifted from production: its Supervisor profile may also edit security profiles and
/// its Agents may view users.
fn drift(inst: &mut Instance) {
    for (sp, p) in &inst.security_profiles {
        let extra = match s(p, "SecurityProfileName") {
            "Supervisor" => "SecurityProfiles.Edit",
            "Agent" => "Users.View",
            _ => continue,
        };
        inst.security_profile_permissions.entry(sp.clone()).or_default().insert(extra.to_owned(), Value::from(extra));
    }
}

/// The other accounts' audit roles trust the main account; the business unit's requires an
/// external id.
/// A synthetic organisation: `accounts` accounts (ids [`org_account`]), each with an instance
/// (`org-N`) of `users` users in each of [`ORG_REGIONS`], and the audit role trusting the main
/// account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Org {
    pub accounts: usize,
    pub users: usize,
}

/// The regions of a synthetic organisation's instances.
pub const ORG_REGIONS: [&str; 2] = ["us-east-1", "eu-west-2"];

/// The id of a synthetic organisation's account `n`.
pub fn org_account(n: usize) -> String {
    format!("{:012}", 400_000_000_000 + n)
}

/// Loads a synthetic organisation.
pub fn load_org(world: &mut World, org: Org, now_ms: u64) {
    for n in 0..org.accounts {
        let account = org_account(n);
        let alias = format!("org-{n}");
        for region_name in ORG_REGIONS {
            let region = world.region_mut(&account, region_name);
            let spec = InstanceSpec {
                region: region_name,
                alias: &alias,
                idm: "CONNECT_MANAGED",
                users: 0,
                created_ms: BASE_MS - DAY_MS * 10,
            };
            let instance = demo_instance(region, &spec, now_ms);
            let iid = instance.id().to_owned();
            region.instances.insert(iid.clone(), instance);
            add_synthetic_users(region, &iid, org.users, now_ms);
        }
        world.iam.roles.insert(
            format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}"),
            crate::sts::Role { trusted: vec![DEFAULT_ACCOUNT.to_owned()], external_id: None },
        );
    }
}

fn trust(world: &mut World) {
    for (account, external_id) in [(STAGING_ACCOUNT, None), (BUSINESS_UNIT_ACCOUNT, Some(BUSINESS_UNIT_EXTERNAL_ID))] {
        world.iam.roles.insert(
            format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}"),
            crate::sts::Role { trusted: vec![DEFAULT_ACCOUNT.to_owned()], external_id: external_id.map(str::to_owned) },
        );
    }
}

/// Every permission the demo's profiles grant (Admin holds them all).
const ALL_PERMISSIONS: [&str; 24] = [
    "AgentStates.Create",
    "AgentStates.Edit",
    "AgentStates.View",
    "BasicAgentAccess",
    "ContactSearch.View",
    "HoursOfOperation.Create",
    "HoursOfOperation.Edit",
    "HoursOfOperation.View",
    "ListenCallRecordings",
    "MetricsReports.Access",
    "OutboundCallAccess",
    "Queues.Create",
    "Queues.Edit",
    "Queues.View",
    "RealTimeMetrics.Access",
    "RoutingPolicies.Create",
    "RoutingPolicies.Edit",
    "RoutingPolicies.View",
    "SecurityProfiles.Edit",
    "SecurityProfiles.View",
    "Users.Create",
    "Users.Delete",
    "Users.Edit",
    "Users.View",
];

/// What each demo security profile grants. Supervisor is the custom profile that grants
/// `Users.Delete` to people who should not have it.
fn permissions_of(profile: &str) -> Vec<&'static str> {
    match profile {
        "Admin" => ALL_PERMISSIONS.to_vec(),
        "CallCenterManager" => vec![
            "AgentStates.View",
            "HoursOfOperation.Edit",
            "HoursOfOperation.View",
            "MetricsReports.Access",
            "Queues.Edit",
            "Queues.View",
            "RealTimeMetrics.Access",
            "RoutingPolicies.Edit",
            "RoutingPolicies.View",
            "Users.Create",
            "Users.Edit",
            "Users.View",
        ],
        "QualityAnalyst" => vec!["ContactSearch.View", "ListenCallRecordings", "MetricsReports.Access"],
        "Agent" => vec!["BasicAgentAccess", "OutboundCallAccess"],
        "Supervisor" => vec!["RealTimeMetrics.Access", "Users.Delete", "Users.View"],
        _ => Vec::new(),
    }
}

/// The demo's queues: (name, channels' routing profiles) come from `QUEUE_CONFIGS`. Escalations
/// is in no routing profile, and Outbound only in a profile nobody has: no agent serves them.
const QUEUES: [(&str, &str); 7] = [
    ("BasicQueue", "Basic Hours"),
    ("Sales", "Business Hours"),
    ("Support", "Basic Hours"),
    ("Billing", "Business Hours"),
    ("Chat Support", "Basic Hours"),
    ("Escalations", "Business Hours"),
    ("Outbound", "Business Hours"),
];

/// (routing profile, queue, channel, priority, delay).
const QUEUE_CONFIGS: [(&str, &str, &str, i64, i64); 21] = [
    ("Basic Routing Profile", "BasicQueue", "VOICE", 1, 0),
    ("Basic Routing Profile", "BasicQueue", "CHAT", 1, 0),
    ("Basic Routing Profile", "BasicQueue", "TASK", 1, 0),
    ("Sales", "Sales", "VOICE", 1, 0),
    ("Sales", "BasicQueue", "VOICE", 2, 30),
    ("Support Tier 1", "Support", "VOICE", 1, 0),
    ("Support Tier 1", "Support", "CHAT", 1, 0),
    ("Support Tier 1", "Chat Support", "CHAT", 2, 15),
    ("Support Tier 2", "Support", "VOICE", 2, 60),
    ("Support Tier 2", "Support", "CHAT", 2, 60),
    ("Support Tier 2", "Support", "TASK", 1, 0),
    ("Support Tier 2", "Chat Support", "CHAT", 1, 0),
    ("Billing", "Billing", "VOICE", 1, 0),
    ("Billing", "Billing", "EMAIL", 1, 0),
    ("Billing", "BasicQueue", "VOICE", 3, 120),
    ("Chat Only", "Chat Support", "CHAT", 1, 0),
    ("Chat Only", "Support", "CHAT", 2, 30),
    ("Chat Only", "BasicQueue", "CHAT", 3, 60),
    ("Outbound Campaigns", "Outbound", "VOICE", 1, 0),
    ("Outbound Campaigns", "BasicQueue", "VOICE", 5, 300),
    ("Basic Routing Profile", "Support", "TASK", 2, 0),
];

/// Hours of operation, queues, the queues of each routing profile and the permissions of each
/// security profile.
fn routing(region: &RegionState, inst: &mut Instance, ms: u64) {
    let iid = inst.id().to_owned();
    let week = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    let slice = |h: u32, m: u32| json!({ "Hours": h, "Minutes": m });
    for (name, zone, days, (from, to)) in [
        ("Basic Hours", "America/New_York", &week[..], (0, 0)),
        ("Business Hours", "America/Los_Angeles", &week[..5], (9, 17)),
        ("UK Hours", "Europe/London", &week[..5], (8, 18)),
    ] {
        let (hid, arn, mut h) = named(region, &iid, "operating-hours", name, ms);
        let config: Vec<Value> =
            days.iter().map(|d| json!({ "Day": d, "StartTime": slice(from, 0), "EndTime": slice(to, 0) })).collect();
        h.extend(
            json!({
                "HoursOfOperationId": hid, "HoursOfOperationArn": arn, "Name": name,
                "Description": format!("{name} ({zone})"), "TimeZone": zone, "Config": config, "Tags": {},
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        inst.hours_of_operations.insert(hid, h);
    }
    for (name, hours) in QUEUES {
        let qid = id(&format!("{iid}/queue/{name}"));
        let arn = region.arn(&format!("instance/{iid}/queue/{qid}"));
        let hours_id = by_name(&inst.hours_of_operations, "Name", hours);
        let mut q = json!({
            "QueueId": qid, "QueueArn": arn, "Name": name, "Description": format!("{name} contacts"),
            "QueueType": "STANDARD", "Status": if name == "Outbound" { "DISABLED" } else { "ENABLED" },
            "HoursOfOperationId": hours_id, "Tags": {},
            "LastModifiedTime": epoch_seconds(ms), "LastModifiedRegion": region.region,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        if name == "Sales" || name == "Outbound" {
            q.insert("MaxContacts".into(), 50.into());
            q.insert("OutboundCallerConfig".into(), json!({ "OutboundCallerIdName": "Acme" }));
        }
        inst.queues.insert(qid, q);
    }
    for (profile, queue, channel, priority, delay) in QUEUE_CONFIGS {
        let rp = by_name(&inst.routing_profiles, "Name", profile);
        let q = &inst.queues[&id(&format!("{iid}/queue/{queue}"))];
        let config = json!({
            "QueueId": q["QueueId"], "QueueArn": q["QueueArn"], "QueueName": queue,
            "Priority": priority, "Delay": delay, "Channel": channel,
        });
        let key = format!("{}/{channel}", s(q, "QueueId"));
        inst.routing_profile_queues.entry(rp).or_default().insert(key, config.as_object().cloned().unwrap_or_default());
    }
    for (rp, p) in &mut inst.routing_profiles {
        let queues: std::collections::BTreeSet<&str> = inst
            .routing_profile_queues
            .get(rp)
            .map(|c| c.values().map(|c| s(c, "QueueId")).collect())
            .unwrap_or_default();
        p.insert("NumberOfAssociatedQueues".into(), queues.len().into());
    }
    for (sp, p) in &inst.security_profiles {
        let held = permissions_of(s(p, "SecurityProfileName"));
        inst.security_profile_permissions
            .insert(sp.clone(), held.into_iter().map(|p| (p.to_owned(), Value::from(p))).collect());
    }
}

/// Quick connects: to users (one of them since deleted), to queues and to a phone number.
fn quick_connects(region: &RegionState, inst: &mut Instance, ms: u64) {
    let iid = inst.id().to_owned();
    let flow = |name: &str| id(&format!("{iid}/contact-flow/{name}"));
    let users: Vec<(String, String)> = inst
        .users
        .values()
        .take(3)
        .map(|u| (u.id().to_owned(), u.username().to_owned()))
        .chain(std::iter::once((id(&format!("{iid}/user/departed")), "departed.agent".to_owned())))
        .collect();
    let mut add = |name: &str, config: Value| {
        let (qid, arn, mut q) = named(region, &iid, "transfer-destination", name, ms);
        q.extend(
            json!({
                "QuickConnectId": qid, "QuickConnectARN": arn, "Name": name,
                "Description": format!("Transfer to {name}"), "QuickConnectConfig": config, "Tags": {},
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        inst.quick_connects.insert(qid, q);
    };
    for (uid, username) in users {
        add(
            &username,
            json!({ "QuickConnectType": "USER", "UserConfig": { "UserId": uid, "ContactFlowId": flow("Default agent transfer") } }),
        );
    }
    for queue in ["Sales", "Billing", "Retired"] {
        add(
            &format!("{queue} transfer"),
            json!({ "QuickConnectType": "QUEUE", "QueueConfig": { "QueueId": id(&format!("{iid}/queue/{queue}")), "ContactFlowId": flow("Default queue transfer") } }),
        );
    }
    add(
        "Escalation hotline",
        json!({ "QuickConnectType": "PHONE_NUMBER", "PhoneConfig": { "PhoneNumber": "+18005550100" } }),
    );
}

/// Who is logged in now: most users have a status (some Available, some of them on a contact,
/// some on a break, some Offline); a few are not logged in at all and have no current state.
fn current_state(inst: &mut Instance, spec: &InstanceSpec, now_ms: u64) {
    let status = |name: &str| by_name(&inst.agent_statuses, "Name", name);
    let names = [(0.40, "Available"), (0.60, "Offline"), (0.70, "Lunch"), (0.78, "Training"), (0.85, "Meeting")];
    let ids: Vec<(f64, String)> = names.iter().map(|(p, n)| (*p, status(n))).collect();
    let queues: Vec<(String, Value, Value)> = inst
        .queues
        .values()
        .map(|q| (s(q, "QueueId").to_owned(), q["QueueId"].clone(), q["QueueArn"].clone()))
        .collect();
    let configs = inst.routing_profile_queues.clone();
    let profiles: std::collections::BTreeSet<String> = inst.routing_profiles.keys().cloned().collect();
    for (n, record) in inst.users.values_mut().enumerate() {
        let n = n as u64;
        let r = |salt: u64| draw(salt.wrapping_mul(7_919) ^ spec.created_ms, n);
        // No routing profile, no contacts: a user whose profile is gone cannot log in.
        if !profiles.contains(s(&record.user, "RoutingProfileId")) {
            continue;
        }
        let Some((_, status_id)) = ids.iter().find(|(p, _)| r(1) < *p) else { continue };
        record.agent_status_id = Some(status_id.clone());
        record.status_since_ms = Some(now_ms - (5 + (r(2) * 235.0) as u64) * 60_000);
        let available = ids.first().is_some_and(|(_, a)| a == status_id);
        let rp = s(&record.user, "RoutingProfileId").to_owned();
        let Some(config) = configs.get(&rp).and_then(|c| c.values().next()).filter(|_| available && r(3) < 0.5) else {
            continue;
        };
        let (_, qid, qarn) = queues.iter().find(|(q, _, _)| q == s(config, "QueueId")).cloned().unwrap_or_default();
        let started = now_ms - (1 + (r(4) * 20.0) as u64) * 60_000;
        record.contacts.push(json!({
            "ContactId": id(&format!("{}/contact/{}", inst_id_of(&record.user), s(&record.user, "Id"))),
            "Channel": s(config, "Channel"),
            "InitiationMethod": "INBOUND",
            "AgentContactState": "CONNECTED",
            "StateStartTimestamp": epoch_seconds(started),
            "ConnectedToAgentTimestamp": epoch_seconds(started),
            "Queue": { "Id": qid, "Arn": qarn },
        }));
    }
}

/// The instance id inside a user's ARN.
fn inst_id_of(user: &Obj) -> &str {
    s(user, "Arn").split('/').nth(1).unwrap_or_default()
}

fn by_name(map: &std::collections::BTreeMap<String, Obj>, key: &str, name: &str) -> String {
    map.iter()
        .find(|(_, o)| o.get(key).and_then(Value::as_str) == Some(name))
        .map(|(id, _)| id.clone())
        .unwrap_or_default()
}

fn demo_user(region: &RegionState, inst: &Instance, spec: &InstanceSpec, i: usize, now_ms: u64) -> UserRecord {
    let iid = inst.id().to_owned();
    let n = i as u64;
    let r = |salt: u64| draw(salt.wrapping_mul(1_000_003) ^ spec.created_ms, n);
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
    let base = format!("{first}.{last}");
    let username = match (spec.idm, i / (FIRST.len() * LAST.len())) {
        ("SAML", _) => format!("{base}@acme.example"),
        (_, 0) => base.clone(),
        (_, k) => format!("{base}{k}"),
    };
    let uid = id(&format!("{iid}/user/{i}"));
    let cap = |s: &str| s[..1].to_uppercase() + &s[1..];
    let mut identity =
        json!({ "FirstName": cap(first), "LastName": cap(last) }).as_object().cloned().unwrap_or_default();
    // Some users have no email; two pairs share one (for the duplicate-email report).
    if r(1) >= 0.06 {
        let email = if i == 41 || i == 42 {
            "shared.desk@acme.example".to_owned()
        } else if i == 77 || i == 78 {
            "team.lead@acme.example".to_owned()
        } else {
            format!("{first}.{last}{i}@acme.example")
        };
        identity.insert("Email".into(), email.into());
    }
    if r(2) < 0.15 {
        identity.insert("SecondaryEmail".into(), format!("{first}.{last}@home.example").into());
    }
    if r(3) < 0.3 {
        identity.insert("Mobile".into(), format!("+1206555{:04}", 1000 + i).into());
    }
    let rp_names = ["Basic Routing Profile", "Sales", "Support Tier 1", "Support Tier 2", "Billing", "Chat Only"];
    let rp = if spec.alias == DEMO_INSTANCE_ALIAS && i == 270 {
        // A profile that was deleted after being assigned (for the dangling-reference report).
        id(&format!("{iid}/routing-profile/Retired"))
    } else {
        by_name(&inst.routing_profiles, "Name", rp_names[(r(4) * 5.99) as usize])
    };
    let sp_name = match i % 60 {
        0 | 31 => "Admin",
        7 | 19 | 44 => "CallCenterManager",
        23 => "QualityAnalyst",
        _ => "Agent",
    };
    let mut sps = vec![by_name(&inst.security_profiles, "SecurityProfileName", sp_name)];
    if i % 25 == 5 {
        sps.push(by_name(&inst.security_profiles, "SecurityProfileName", "Supervisor"));
    }
    if spec.alias == DEMO_INSTANCE_ALIAS && i == 250 {
        // A profile that was deleted after being assigned (for the dangling-reference report).
        sps.push(id(&format!("{iid}/security-profile/Retired")));
    }
    let teams = ["Sales East", "Sales West", "Support A", "Support B", "Billing Team", "UK Support"];
    let group = if spec.alias == DEMO_INSTANCE_ALIAS && (i == 260 || i == 261) {
        // A group that was deleted after users were placed in it.
        Some(id(&format!("{iid}/agent-group/Disbanded")))
    } else if r(5) < 0.1 {
        None
    } else {
        Some(by_name(&inst.hierarchy_groups, "Name", teams[(r(6) * 5.99) as usize]))
    };
    let desk = r(7) < 0.2;
    let mut phone = json!({
        "PhoneType": if desk { "DESK_PHONE" } else { "SOFT_PHONE" },
        "AutoAccept": r(8) < 0.15,
        "AfterContactWorkTimeLimit": if r(9) < 0.05 { 900 } else { [0, 30, 60, 120][(r(10) * 3.99) as usize] },
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    // A few legacy desk-phone users have no number (the API requires one today).
    if desk && i % 50 != 3 {
        phone.insert("DeskPhoneNumber".into(), format!("+1312555{:04}", 2000 + i).into());
    }
    let mut tags = Obj::new();
    if r(11) < 0.2 {
        tags.insert("team".into(), teams[(r(12) * 5.99) as usize].to_lowercase().replace(' ', "-").into());
        tags.insert("cost-center".into(), format!("cc-{}", 100 + (r(13) * 4.0) as u32).into());
    }
    let mut user = json!({
        "Id": uid,
        "Arn": region.arn(&format!("instance/{iid}/agent/{uid}")),
        "Username": username,
        "IdentityInfo": identity,
        "SecurityProfileIds": sps,
        "RoutingProfileId": rp,
        "Tags": tags,
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    if spec.idm != "SAML" {
        user.insert("DirectoryUserId".into(), id(&format!("{iid}/directory/{i}")).into());
    }
    if let Some(g) = group {
        user.insert("HierarchyGroupId".into(), g.into());
    }
    set_phone_config(&mut user, phone);
    let mut record = UserRecord::new(user);
    if r(16) >= 0.1 {
        let days_ago = (r(14) * 120.0) as u64;
        record.user.insert("LastModifiedTime".into(), epoch_seconds(now_ms - days_ago * DAY_MS));
        record.user.insert("LastModifiedRegion".into(), spec.region.into());
    }
    if r(15) < 0.25 {
        let languages = ["English", "Spanish", "French", "German"];
        record.proficiencies = vec![
            json!({ "AttributeName": "Language", "AttributeValue": languages[i % 4], "Level": 1.0 + (i % 5) as f64 }),
        ];
    }
    record
}

fn add_synthetic_users(region: &mut RegionState, instance_id: &str, count: usize, now_ms: u64) {
    let arn_prefix = region.arn(&format!("instance/{instance_id}/agent/"));
    let realm = region.region.clone();
    let Some(inst) = region.instances.get_mut(instance_id) else { return };
    let rps: Vec<String> = inst.routing_profiles.keys().cloned().collect();
    let groups: Vec<String> = inst.hierarchy_groups.keys().cloned().collect();
    let agent = by_name(&inst.security_profiles, "SecurityProfileName", "Agent");
    for i in 0..count {
        let uid = id(&format!("{instance_id}/load/{i}"));
        let mut user = json!({
            "Id": uid,
            "Arn": format!("{arn_prefix}{uid}"),
            "Username": format!("load.{i:07}"),
            "IdentityInfo": { "FirstName": "Load", "LastName": format!("User {i}"), "Email": format!("load.{i}@acme.example") },
            "DirectoryUserId": id(&format!("{instance_id}/load-directory/{i}")),
            "SecurityProfileIds": [agent],
            "RoutingProfileId": rps.get(i % rps.len().max(1)),
            "HierarchyGroupId": groups.get(i % groups.len().max(1)),
            "Tags": {},
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        set_phone_config(
            &mut user,
            json!({ "PhoneType": "SOFT_PHONE", "AutoAccept": i % 7 == 0, "AfterContactWorkTimeLimit": 60 })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        // A tenth never changed since changes were stamped: no modification time.
        if i % 10 != 3 {
            user.insert("LastModifiedTime".into(), epoch_seconds(now_ms - (i as u64 % 120) * DAY_MS));
            user.insert("LastModifiedRegion".into(), realm.clone().into());
        }
        inst.insert_user(UserRecord::new(user));
    }
    inst.user_quota = inst.user_quota.max(inst.users.len() + 500);
}
