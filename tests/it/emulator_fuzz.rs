//! A model-driven test of the emulator: for every operation it serves, a request built from the
//! vendored model with valid values succeeds, and for every constrained member (length, range,
//! count, enum, pattern, required) a request violating just that constraint is refused with the
//! validation error the operation models and leaves the emulator's state exactly as it was.

use std::collections::BTreeMap;

use connectql_emulator::EmulatorHandle;
use connectql_emulator::model::MODEL_SUBSET;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::support::{MAIN_REGION, client, demo, ids};

/// Characters left as they are in a URI label (RFC 3986 unreserved).
const LABEL: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

struct Fuzz {
    model: Value,
    http: reqwest::Client,
    base: String,
    /// Valid values by member name, from the demo data.
    known: BTreeMap<&'static str, Value>,
    sent: usize,
}

/// A value that satisfies a shape's pattern.
fn pattern_sample(shape: &str) -> Option<Value> {
    Some(match shape {
        "Password" => json!("Str0ngPassw0rd!"),
        "PhoneNumber" | "SensitivePhoneNumber" => json!("+12065550100"),
        "TagKey" => json!("fuzz"),
        "AwsRegion" | "RegionName" => json!(MAIN_REGION),
        _ => return None,
    })
}

impl Fuzz {
    fn shape(&self, name: &str) -> &Map<String, Value> {
        self.model["shapes"][name].as_object().unwrap_or_else(|| panic!("shape {name}"))
    }

    /// A valid value of a shape, or of a member known by name.
    fn valid(&self, member: &str, shape_name: &str, unique: usize) -> Value {
        if member == "Username" {
            return json!(format!("fuzz.user{unique}"));
        }
        if let Some(v) = self.known.get(member) {
            return v.clone();
        }
        let shape = self.shape(shape_name);
        if let Some(v) = pattern_sample(shape_name) {
            return v;
        }
        let min = shape.get("min").and_then(Value::as_i64).unwrap_or(0);
        match shape["type"].as_str().unwrap_or_default() {
            "string" => match shape.get("enum").and_then(Value::as_array) {
                Some(values) => values[0].clone(),
                None => json!("x".repeat(usize::try_from(min.max(1)).unwrap_or(1))),
            },
            "integer" | "long" => json!(min.max(1)),
            "float" | "double" => json!(shape.get("min").and_then(Value::as_f64).unwrap_or(0.0).max(1.0)),
            "boolean" => json!(false),
            "list" => {
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                json!([self.valid("", member, unique)])
            }
            "map" => json!({ "fuzz": "value" }),
            "structure" => {
                let mut out = Map::new();
                for (name, m) in shape.get("members").and_then(Value::as_object).into_iter().flatten() {
                    let required =
                        shape.get("required").and_then(Value::as_array).is_some_and(|r| r.contains(&json!(name)));
                    let inner = self.shape(m["shape"].as_str().unwrap_or_default());
                    let constrained = ["min", "max", "enum"].iter().any(|k| inner.contains_key(*k))
                        || pattern_sample(m["shape"].as_str().unwrap_or_default()).is_some();
                    if required || (constrained && inner["type"] != "structure" && inner["type"] != "list") {
                        out.insert(name.clone(), self.valid(name, m["shape"].as_str().unwrap_or_default(), unique));
                    }
                }
                Value::Object(out)
            }
            other => panic!("no sample for {shape_name} ({other})"),
        }
    }

    /// Values that break one constraint of a shape, with what they break.
    fn invalid(&self, shape_name: &str, location: Option<&str>) -> Vec<(String, Value)> {
        let shape = self.shape(shape_name);
        let min = shape.get("min").and_then(Value::as_i64);
        let max = shape.get("max").and_then(Value::as_i64);
        let mut out = Vec::new();
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                // An empty URI label routes elsewhere: a label's minimum is not testable.
                if let Some(min) = min.filter(|m| *m >= 1 && location != Some("uri")) {
                    out.push((format!("length < {min}"), json!("")));
                }
                if let Some(max) = max {
                    out.push((format!("length > {max}"), json!("x".repeat(count(max) + 1))));
                }
                if shape.contains_key("enum") {
                    out.push(("not in the enum".into(), json!("NOT_A_VALUE")));
                }
                if shape.contains_key("pattern") {
                    out.push(("pattern".into(), json!("!!")));
                }
            }
            "integer" | "long" => {
                if let Some(min) = min {
                    out.push((format!("< {min}"), json!(min - 1)));
                }
                if let Some(max) = max {
                    out.push((format!("> {max}"), json!(max + 1)));
                }
            }
            "float" | "double" => {
                if let Some(min) = shape.get("min").and_then(Value::as_f64) {
                    out.push((format!("< {min}"), json!(min - 1.0)));
                }
                if let Some(max) = shape.get("max").and_then(Value::as_f64) {
                    out.push((format!("> {max}"), json!(max + 1.0)));
                }
            }
            "list" => {
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                let one = self.valid("", member, 0);
                if min.is_some_and(|m| m >= 1) {
                    out.push(("no entries".into(), json!([])));
                }
                if let Some(max) = max {
                    let many: Vec<Value> = (0..=max)
                        .map(|i| match &one {
                            Value::String(s) => json!(format!("{s}{i}")),
                            other => other.clone(),
                        })
                        .collect();
                    out.push((format!("more than {max} entries"), Value::Array(many)));
                }
            }
            "map" => {
                if min.is_some_and(|m| m >= 1) {
                    out.push(("no entries".into(), json!({})));
                }
                if let Some(max) = max {
                    let many: Map<String, Value> = (0..=max).map(|i| (format!("k{i}"), json!("v"))).collect();
                    out.push((format!("more than {max} entries"), Value::Object(many)));
                }
            }
            _ => {}
        }
        out
    }

    /// Sends an operation's input as the REST-JSON protocol lays it out; the status and error type.
    async fn send(&mut self, op: &str, input: &Map<String, Value>) -> (u16, String) {
        self.sent += 1;
        let o = &self.model["operations"][op];
        let shape = self.shape(o["input"]["shape"].as_str().unwrap_or_default()).clone();
        let mut uri = o["http"]["requestUri"].as_str().unwrap_or_default().to_owned();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut body = Map::new();
        for (name, m) in shape.get("members").and_then(Value::as_object).into_iter().flatten() {
            let Some(value) = input.get(name) else { continue };
            let wire = m.get("locationName").and_then(Value::as_str).unwrap_or(name);
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            match m.get("location").and_then(Value::as_str) {
                Some("uri") => {
                    let encoded = utf8_percent_encode(&text(value), LABEL).to_string();
                    uri = uri.replace(&format!("{{{wire}}}"), &encoded).replace(&format!("{{{wire}+}}"), &encoded);
                }
                Some("querystring") => match value {
                    Value::Array(items) => query.extend(items.iter().map(|i| (wire.to_owned(), text(i)))),
                    v => query.push((wire.to_owned(), text(v))),
                },
                _ => {
                    body.insert(name.clone(), value.clone());
                }
            }
        }
        let query: String = query
            .iter()
            .enumerate()
            .map(|(i, (k, v))| format!("{}{k}={}", if i == 0 { "?" } else { "&" }, utf8_percent_encode(v, LABEL)))
            .collect();
        let method =
            reqwest::Method::from_bytes(o["http"]["method"].as_str().unwrap_or("GET").as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{uri}{query}", self.base))
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261130/{MAIN_REGION}/connect/aws4_request, SignedHeaders=host, Signature=0"),
            );
        if method == reqwest::Method::PUT || method == reqwest::Method::POST {
            request = request.json(&Value::Object(body));
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let kind = response.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).unwrap_or_default();
        (status, kind.split(':').next().unwrap_or_default().to_owned())
    }
}

fn world(emu: &EmulatorHandle) -> Value {
    emu.emulator.with_world(|w| serde_json::to_value(&*w).expect("the world serializes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_served_operation_accepts_valid_input_and_refuses_each_violation_unchanged() {
    let emu = demo().await;
    let ids = ids(&emu).await;
    let sdk = client(&emu, MAIN_REGION);
    let listed = sdk.list_users().instance_id(&ids.instance).send().await.expect("ListUsers");
    let users: Vec<(String, String)> = listed
        .user_summary_list()
        .iter()
        .map(|u| (u.id().unwrap_or_default().to_owned(), u.arn().unwrap_or_default().to_owned()))
        .collect();
    let statuses = sdk.list_agent_statuses().instance_id(&ids.instance).send().await.expect("ListAgentStatuses");
    let status = statuses.agent_status_summary_list().first().and_then(|s| s.id()).expect("a status").to_owned();
    let groups = sdk.list_user_hierarchy_groups().instance_id(&ids.instance).send().await.expect("groups");
    let group = groups.user_hierarchy_group_summary_list().first().and_then(|g| g.id()).expect("a group").to_owned();
    let queues = sdk.list_queues().instance_id(&ids.instance).send().await.expect("ListQueues");
    let queue = queues.queue_summary_list().first().and_then(|q| q.id()).expect("a queue").to_owned();
    let hours = sdk.list_hours_of_operations().instance_id(&ids.instance).send().await.expect("hours");
    let hours = hours.hours_of_operation_summary_list().first().and_then(|h| h.id()).expect("hours").to_owned();
    let quick = sdk.list_quick_connects().instance_id(&ids.instance).send().await.expect("ListQuickConnects");
    let quick = quick.quick_connect_summary_list().first().and_then(|q| q.id()).expect("a quick connect").to_owned();
    // The proficiency the valid DisassociateUserProficiencies request removes.
    sdk.associate_user_proficiencies()
        .instance_id(&ids.instance)
        .user_id(&users[2].0)
        .user_proficiencies(
            aws_sdk_connect::types::UserProficiency::builder()
                .attribute_name("x")
                .attribute_value("x")
                .level(1.0)
                .build()
                .expect("proficiency"),
        )
        .send()
        .await
        .expect("AssociateUserProficiencies");
    let model: Value = serde_json::from_str(MODEL_SUBSET).expect("model");
    let known = BTreeMap::from([
        ("InstanceId", json!(ids.instance)),
        ("UserId", json!(users[0].0)),
        ("resourceArn", json!(users[0].1)),
        ("RoutingProfileId", json!(ids.routing)),
        ("SecurityProfileId", json!(ids.agent)),
        ("SecurityProfileIds", json!([ids.agent])),
        ("HierarchyGroupId", json!(group)),
        ("AgentStatusId", json!(status)),
        ("QueueId", json!(queue)),
        ("HoursOfOperationId", json!(hours)),
        ("QuickConnectId", json!(quick)),
        // GetCurrentUserData takes exactly one of its filters.
        ("Filters", json!({ "RoutingProfiles": [ids.routing] })),
        ("IdentityInfo", json!({ "FirstName": "Fuzz", "LastName": "User" })),
        ("PhoneConfig", json!({ "PhoneType": "SOFT_PHONE" })),
        ("tags", json!({ "fuzz": "value" })),
        ("Tags", json!({ "fuzz": "value" })),
        ("tagKeys", json!(["fuzz"])),
    ]);
    let mut fuzz = Fuzz { model, http: reqwest::Client::new(), base: emu.base_url(), known, sent: 0 };
    let operations: Vec<String> = fuzz.model["operations"].as_object().expect("operations").keys().cloned().collect();
    let mut refusals = 0;
    for (n, op) in operations.iter().enumerate() {
        // DeleteUser deletes a user of its own, DisassociateUserProficiencies removes what was
        // associated to another one: the others keep using the first user.
        let user = match op.as_str() {
            "DeleteUser" => &users[1].0,
            "DisassociateUserProficiencies" => &users[2].0,
            _ => &users[0].0,
        };
        fuzz.known.insert("UserId", json!(user));
        let o = fuzz.model["operations"][op.as_str()].clone();
        let shape_name = o["input"]["shape"].as_str().unwrap_or_default().to_owned();
        let shape = fuzz.shape(&shape_name).clone();
        let required: Vec<String> = shape
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let members: Vec<(String, String, Option<String>)> = shape
            .get("members")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, m)| {
                (
                    k.clone(),
                    m["shape"].as_str().unwrap_or_default().to_owned(),
                    m.get("location").and_then(Value::as_str).map(str::to_owned),
                )
            })
            .collect();
        // The valid request: required members and every constrained top-level member.
        let mut valid = Map::new();
        for (name, member_shape, _) in &members {
            let s = fuzz.shape(member_shape);
            let constrained =
                ["min", "max", "enum"].iter().any(|k| s.contains_key(*k)) || pattern_sample(member_shape).is_some();
            if required.contains(name) || fuzz.known.contains_key(name.as_str()) || (constrained && name != "NextToken")
            {
                valid.insert(name.clone(), fuzz.valid(name, member_shape, n));
            }
        }
        let models = |code: &str| o["errors"].as_array().into_iter().flatten().any(|e| e["shape"] == code);
        let expected =
            if models("InvalidParameterException") { "InvalidParameterException" } else { "InvalidRequestException" };
        // Violations: each constraint of each member (nested one level into structures), and each
        // required body or query member left out.
        let mut cases: Vec<(String, Map<String, Value>)> = Vec::new();
        for (name, member_shape, location) in &members {
            for (what, bad) in fuzz.invalid(member_shape, location.as_deref()) {
                let mut input = valid.clone();
                input.insert(name.clone(), bad);
                cases.push((format!("{name}: {what}"), input));
            }
            if required.contains(name) && location.as_deref() != Some("uri") {
                let mut input = valid.clone();
                input.remove(name);
                cases.push((format!("{name}: missing"), input));
            }
            if let (Some(Value::Object(inner)), "structure") =
                (valid.get(name), fuzz.shape(member_shape)["type"].as_str().unwrap_or_default())
            {
                let inner_members = fuzz.shape(member_shape)["members"].as_object().cloned().unwrap_or_default();
                for (field, m) in &inner_members {
                    for (what, bad) in fuzz.invalid(m["shape"].as_str().unwrap_or_default(), None) {
                        let mut changed = inner.clone();
                        changed.insert(field.clone(), bad);
                        let mut input = valid.clone();
                        input.insert(name.clone(), Value::Object(changed));
                        cases.push((format!("{name}.{field}: {what}"), input));
                    }
                }
            }
        }
        for (what, input) in cases {
            let before = world(&emu);
            let (status, kind) = fuzz.send(op, &input).await;
            assert_eq!((status, kind.as_str()), (400, expected), "{op} with {what} ({input:?})");
            assert!(world(&emu) == before, "{op} with {what} changed the emulator's state");
            refusals += 1;
        }
        let (status, kind) = fuzz.send(op, &valid).await;
        assert!((200..300).contains(&status), "{op} with valid input ({valid:?}): {status} {kind}");
    }
    assert_eq!(operations.len(), 37, "every served operation");
    // Pinned, so a change of the model or of this generator that drops cases shows.
    assert_eq!((refusals, fuzz.sent), (115, 152), "violations tried, requests sent");
}
