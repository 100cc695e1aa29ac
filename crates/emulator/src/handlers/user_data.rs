//! GetCurrentUserData: the real-time state of the agents one filter names (at most one of
//! queues, routing profiles, agents and a hierarchy group, as the API documents; with none, no
//! one: data comes "for only the specified values"), in pages of at most 100.

use serde_json::{Value, json};

use super::Req;
use super::hierarchy::LEVELS;
use crate::errors::{ApiError, ApiResult};
use crate::pagination::page;
use crate::state::{Instance, Obj, RegionState, UserRecord, epoch_seconds, s};

/// An id, or the id at the end of an ARN (the filters take either).
fn id_of(v: &Value) -> &str {
    let text = v.as_str().unwrap_or_default();
    if text.starts_with("arn:") { text.rsplit('/').next().unwrap_or(text) } else { text }
}

/// Which users a filter names.
enum Named<'a> {
    /// No filter names anyone: data is returned only for what a filter names.
    Nobody,
    Agents(Vec<&'a str>),
    RoutingProfiles(Vec<&'a str>),
    /// The routing profiles that serve the queues.
    Queues(Vec<String>),
    Group(&'a str),
}

fn named<'a>(instance: &Instance, filters: &'a Obj) -> ApiResult<Named<'a>> {
    let ids = |member: &str| -> Option<Vec<&'a str>> {
        filters.get(member).and_then(Value::as_array).map(|l| l.iter().map(id_of).collect())
    };
    let given: Vec<&str> = ["Queues", "RoutingProfiles", "Agents", "UserHierarchyGroups"]
        .into_iter()
        .filter(|m| filters.get(*m).is_some_and(|v| !v.is_null()))
        .collect();
    match given.as_slice() {
        [] => Ok(Named::Nobody),
        [_, _, ..] => Err(ApiError::invalid_request(format!(
            "A maximum of one filter can be passed from queues, routing profiles, agents, and user hierarchy groups; got {}.",
            given.join(", ")
        ))),
        ["Agents"] => Ok(Named::Agents(ids("Agents").unwrap_or_default())),
        ["RoutingProfiles"] => Ok(Named::RoutingProfiles(ids("RoutingProfiles").unwrap_or_default())),
        ["Queues"] => {
            let queues = ids("Queues").unwrap_or_default();
            let profiles = instance
                .routing_profile_queues
                .iter()
                .filter(|(_, configs)| configs.values().any(|c| queues.contains(&s(c, "QueueId"))))
                .map(|(rp, _)| rp.clone())
                .collect();
            Ok(Named::Queues(profiles))
        }
        _ => Ok(Named::Group(ids("UserHierarchyGroups").unwrap_or_default().first().copied().unwrap_or_default())),
    }
}

impl Named<'_> {
    fn holds(&self, instance: &Instance, user: &Obj) -> bool {
        match self {
            Named::Nobody => false,
            Named::Agents(ids) => ids.contains(&s(user, "Id")),
            Named::RoutingProfiles(ids) => ids.contains(&s(user, "RoutingProfileId")),
            Named::Queues(profiles) => profiles.iter().any(|p| p == s(user, "RoutingProfileId")),
            Named::Group(group) => {
                let own = s(user, "HierarchyGroupId");
                own == *group
                    || instance
                        .hierarchy_groups
                        .get(own)
                        .and_then(|g| g.get("HierarchyPath"))
                        .and_then(Value::as_object)
                        .is_some_and(|path| {
                            path.values().any(|level| level.get("Id").and_then(Value::as_str) == Some(group))
                        })
            }
        }
    }
}

fn reference(id: &str, arn: Option<&Value>) -> Value {
    json!({ "Id": id, "Arn": arn })
}

/// One agent's `UserData`.
fn user_data(state: &RegionState, instance: &Instance, record: &UserRecord, status: &Obj) -> Value {
    let user = &record.user;
    let rp_id = s(user, "RoutingProfileId");
    let profile = instance.routing_profiles.get(rp_id);
    let rp_arn = profile
        .and_then(|p| p.get("RoutingProfileArn"))
        .cloned()
        .unwrap_or_else(|| state.arn(&format!("instance/{}/routing-profile/{rp_id}", instance.id())).into());
    let mut path = Obj::new();
    if let Some(groups) = instance
        .hierarchy_groups
        .get(s(user, "HierarchyGroupId"))
        .and_then(|g| g.get("HierarchyPath"))
        .and_then(Value::as_object)
    {
        for level in LEVELS {
            if let Some(g) = groups.get(level) {
                path.insert(level.into(), json!({ "Id": g.get("Id"), "Arn": g.get("Arn") }));
            }
        }
    }
    let routable = s(status, "Type") == "ROUTABLE";
    let (mut max, mut active, mut available) = (Obj::new(), Obj::new(), Obj::new());
    for m in profile.and_then(|p| p.get("MediaConcurrencies")).and_then(Value::as_array).into_iter().flatten() {
        let channel = m.get("Channel").and_then(Value::as_str).unwrap_or_default();
        let slots = m.get("Concurrency").and_then(Value::as_i64).unwrap_or_default();
        let busy = record.contacts.iter().filter(|c| c.get("Channel").and_then(Value::as_str) == Some(channel)).count();
        let busy = i64::try_from(busy).unwrap_or(i64::MAX);
        max.insert(channel.into(), slots.into());
        active.insert(channel.into(), busy.into());
        available.insert(channel.into(), (if routable { (slots - busy).max(0) } else { 0 }).into());
    }
    json!({
        "User": reference(s(user, "Id"), user.get("Arn")),
        "RoutingProfile": reference(rp_id, Some(&rp_arn)),
        "HierarchyPath": path,
        "Status": {
            "StatusStartTimestamp": record.status_since_ms.map(epoch_seconds),
            "StatusArn": status.get("Arn"),
            "StatusName": status.get("Name"),
        },
        "AvailableSlotsByChannel": available,
        "MaxSlotsByChannel": max,
        "ActiveSlotsByChannel": active,
        "Contacts": record.contacts,
    })
}

pub fn get_current_user_data(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let filters = req.obj("Filters").cloned().unwrap_or_default();
    let who = named(instance, &filters)?;
    let states: Vec<&str> = filters
        .get("ContactFilter")
        .and_then(|c| c.get("ContactStates"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let status_of = |r: &UserRecord| r.agent_status_id.as_ref().and_then(|a| instance.agent_statuses.get(a));
    let keep = |r: &UserRecord| {
        let r = r.seen_at(req.now_ms);
        r.visible_at(req.now_ms)
            && status_of(r).is_some()
            && who.holds(instance, &r.user)
            && (states.is_empty()
                || r.contacts
                    .iter()
                    .any(|c| states.contains(&c.get("AgentContactState").and_then(Value::as_str).unwrap_or_default())))
    };
    let total = instance.users.values().filter(|r| keep(r)).count();
    let (items, next) = page(&instance.users, &req.input, 100, |r| keep(r))?;
    let list: Vec<Value> = items
        .into_iter()
        .filter_map(|r| {
            let r = r.seen_at(req.now_ms);
            Some(user_data(state, instance, r, status_of(r)?))
        })
        .collect();
    Ok(json!({ "UserDataList": list, "NextToken": next, "ApproximateTotalCount": total }))
}
