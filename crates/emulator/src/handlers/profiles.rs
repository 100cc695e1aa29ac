//! Routing profiles, security profiles and agent statuses: list and describe.

use serde_json::{Value, json};

use super::Req;
use crate::errors::ApiResult;
use crate::pagination::page;
use crate::state::{Obj, RegionState, pick, s};

fn summary(obj: &Obj, id: &str, arn: &str, name: &str, extra: &[&str]) -> Value {
    let mut out = Obj::new();
    out.insert("Id".into(), obj.get(id).cloned().unwrap_or(Value::Null));
    out.insert("Arn".into(), obj.get(arn).cloned().unwrap_or(Value::Null));
    out.insert("Name".into(), obj.get(name).cloned().unwrap_or(Value::Null));
    out.extend(pick(obj, &["LastModifiedTime", "LastModifiedRegion"]));
    out.extend(pick(obj, extra));
    Value::Object(out)
}

pub fn list_routing_profiles(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let (items, next) = page(&instance.routing_profiles, &req.input, 100, |_| true)?;
    let list: Vec<Value> =
        items.into_iter().map(|p| summary(p, "RoutingProfileId", "RoutingProfileArn", "Name", &[])).collect();
    Ok(json!({ "RoutingProfileSummaryList": list, "NextToken": next }))
}

pub fn describe_routing_profile(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let id = req.str("RoutingProfileId")?;
    let mut profile = instance.routing_profile(id)?.clone();
    let users = instance.users.values().filter(|u| s(&u.user, "RoutingProfileId") == id).count();
    profile.insert("NumberOfAssociatedUsers".into(), users.into());
    Ok(json!({ "RoutingProfile": profile }))
}

pub fn list_security_profiles(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let (items, next) = page(&instance.security_profiles, &req.input, 100, |_| true)?;
    let list: Vec<Value> =
        items.into_iter().map(|p| summary(p, "Id", "Arn", "SecurityProfileName", &["Type"])).collect();
    Ok(json!({ "SecurityProfileSummaryList": list, "NextToken": next }))
}

pub fn describe_security_profile(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    Ok(json!({ "SecurityProfile": instance.security_profile(req.str("SecurityProfileId")?)? }))
}

pub fn list_agent_statuses(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let types: Vec<&str> = req.list("AgentStatusTypes").into_iter().flatten().filter_map(Value::as_str).collect();
    let (items, next) =
        page(&instance.agent_statuses, &req.input, 100, |a| types.is_empty() || types.contains(&s(a, "Type")))?;
    Ok(json!({ "AgentStatusSummaryList": items, "NextToken": next }))
}

pub fn list_security_profile_permissions(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let profile = instance.security_profile(req.str("SecurityProfileId")?)?;
    let empty = Default::default();
    let held = instance.security_profile_permissions.get(s(profile, "Id")).unwrap_or(&empty);
    let (items, next) = page(held, &req.input, 100, |_| true)?;
    Ok(json!({
        "Permissions": items,
        "NextToken": next,
        "LastModifiedTime": profile.get("LastModifiedTime"),
        "LastModifiedRegion": profile.get("LastModifiedRegion"),
    }))
}
