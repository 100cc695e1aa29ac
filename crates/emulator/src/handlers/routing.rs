//! Queues, the queues of each routing profile, quick connects and hours of operation: list and
//! describe.

use serde_json::{Value, json};

use super::Req;
use crate::errors::ApiResult;
use crate::pagination::page;
use crate::state::{Obj, RegionState, pick, s};

/// The summary a list call shows of an object stored in its Describe shape.
fn summary(obj: &Obj, id: &str, arn: &str) -> Value {
    let mut out = Obj::new();
    out.insert("Id".into(), obj.get(id).cloned().unwrap_or(Value::Null));
    out.insert("Arn".into(), obj.get(arn).cloned().unwrap_or(Value::Null));
    out.insert("Name".into(), obj.get("Name").cloned().unwrap_or(Value::Null));
    out.extend(pick(obj, &["LastModifiedTime", "LastModifiedRegion"]));
    Value::Object(out)
}

/// The string values of a list member given as a query string (`queueTypes=STANDARD`).
fn wanted<'a>(req: &'a Req, member: &str) -> Vec<&'a str> {
    req.list(member).into_iter().flatten().filter_map(Value::as_str).collect()
}

pub fn list_queues(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let types = wanted(req, "QueueTypes");
    let (items, next) =
        page(&instance.queues, &req.input, 100, |q| types.is_empty() || types.contains(&s(q, "QueueType")))?;
    let list: Vec<Value> = items
        .into_iter()
        .map(|q| {
            let mut v = summary(q, "QueueId", "QueueArn");
            if let Some(o) = v.as_object_mut() {
                o.insert("QueueType".into(), q.get("QueueType").cloned().unwrap_or(Value::Null));
            }
            v
        })
        .collect();
    Ok(json!({ "QueueSummaryList": list, "NextToken": next }))
}

pub fn describe_queue(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let mut queue = instance.queue(req.str("QueueId")?)?.clone();
    // The type is a listing fact: DescribeQueue's `Queue` has no such member.
    queue.remove("QueueType");
    Ok(json!({ "Queue": queue }))
}

pub fn list_routing_profile_queues(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let profile = instance.routing_profile(req.str("RoutingProfileId")?)?;
    let empty = Default::default();
    let configs = instance.routing_profile_queues.get(s(profile, "RoutingProfileId")).unwrap_or(&empty);
    let (items, next) = page(configs, &req.input, 100, |_| true)?;
    Ok(json!({
        "RoutingProfileQueueConfigSummaryList": items,
        "NextToken": next,
        "LastModifiedTime": profile.get("LastModifiedTime"),
        "LastModifiedRegion": profile.get("LastModifiedRegion"),
    }))
}

pub fn list_quick_connects(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let types = wanted(req, "QuickConnectTypes");
    fn of_type(q: &Obj) -> &str {
        q.get("QuickConnectConfig").and_then(|c| c.get("QuickConnectType")).and_then(Value::as_str).unwrap_or_default()
    }
    let (items, next) =
        page(&instance.quick_connects, &req.input, 100, |q| types.is_empty() || types.contains(&of_type(q)))?;
    let list: Vec<Value> = items
        .into_iter()
        .map(|q| {
            let mut v = summary(q, "QuickConnectId", "QuickConnectARN");
            if let Some(o) = v.as_object_mut() {
                o.insert("QuickConnectType".into(), of_type(q).into());
            }
            v
        })
        .collect();
    Ok(json!({ "QuickConnectSummaryList": list, "NextToken": next }))
}

pub fn describe_quick_connect(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    Ok(json!({ "QuickConnect": instance.quick_connect(req.str("QuickConnectId")?)? }))
}

pub fn list_hours_of_operations(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let (items, next) = page(&instance.hours_of_operations, &req.input, 100, |_| true)?;
    let list: Vec<Value> = items.into_iter().map(|h| summary(h, "HoursOfOperationId", "HoursOfOperationArn")).collect();
    Ok(json!({ "HoursOfOperationSummaryList": list, "NextToken": next }))
}

pub fn describe_hours_of_operation(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    Ok(json!({ "HoursOfOperation": instance.hours_of_operation(req.str("HoursOfOperationId")?)? }))
}
