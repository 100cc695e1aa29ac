//! TagResource, UntagResource, ListTagsForResource on instance, user, routing profile, security
//! profile and hierarchy group ARNs.

use serde_json::{Value, json};

use super::{Req, empty};
use crate::errors::{ApiError, ApiResult};
use crate::state::{Obj, RegionState};

fn not_found(arn: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found for ARN: {arn}"))
}

/// The parts of a taggable ARN of this account and region: instance id, then kind and id.
pub(super) fn arn_parts<'a>(state: &RegionState, arn: &'a str) -> ApiResult<Vec<&'a str>> {
    let prefix = format!("arn:aws:connect:{}:{}:instance/", state.region, state.account);
    let rest = arn.strip_prefix(&prefix).ok_or_else(|| not_found(arn))?;
    Ok(rest.split('/').collect())
}

/// The tag map of the resource an ARN names, created empty when absent.
fn tags_of<'a>(state: &'a mut RegionState, arn: &str, now_ms: u64) -> ApiResult<&'a mut Obj> {
    let not_found = || not_found(arn);
    let parts = arn_parts(state, arn)?;
    let instance = state.instances.get_mut(parts[0]).ok_or_else(not_found)?;
    let owner: &mut Obj = match parts.as_slice() {
        [_] => &mut instance.info,
        [_, "agent", id] => {
            let u = instance.users.get_mut(*id).filter(|u| u.visible_at(now_ms)).ok_or_else(not_found)?;
            &mut u.user
        }
        [_, "routing-profile", id] => instance.routing_profiles.get_mut(*id).ok_or_else(not_found)?,
        [_, "security-profile", id] => instance.security_profiles.get_mut(*id).ok_or_else(not_found)?,
        [_, "agent-group", id] => instance.hierarchy_groups.get_mut(*id).ok_or_else(not_found)?,
        [_, "queue", id] => instance.queues.get_mut(*id).ok_or_else(not_found)?,
        [_, "transfer-destination", id] => instance.quick_connects.get_mut(*id).ok_or_else(not_found)?,
        [_, "operating-hours", id] => instance.hours_of_operations.get_mut(*id).ok_or_else(not_found)?,
        _ => return Err(not_found()),
    };
    let tags = owner.entry("Tags").or_insert_with(|| json!({}));
    if !tags.is_object() {
        *tags = json!({});
    }
    tags.as_object_mut().ok_or_else(not_found)
}

/// A user's tags changed: like every change to a user, it moves LastModifiedTime.
fn touch_user(state: &mut RegionState, arn: &str, req: &Req) -> ApiResult<()> {
    let region = state.region.clone();
    if let [instance, "agent", id] = arn_parts(state, arn)?.as_slice()
        && let Some(u) = state.instances.get_mut(*instance).and_then(|i| i.users.get_mut(*id))
    {
        u.touch(req.now_ms, &region);
    }
    Ok(())
}

pub fn tag_resource(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let new_tags = req.obj("tags").cloned().unwrap_or_default();
    let arn = req.str("resourceArn")?;
    let tags = tags_of(state, arn, req.now_ms)?;
    let mut merged = tags.clone();
    merged.extend(new_tags);
    if merged.len() > 50 {
        return Err(ApiError::invalid_parameter("A resource can have at most 50 tags."));
    }
    *tags = merged;
    touch_user(state, arn, req)?;
    Ok(empty())
}

pub fn untag_resource(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let keys: Vec<String> =
        req.list("tagKeys").into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    let arn = req.str("resourceArn")?;
    let tags = tags_of(state, arn, req.now_ms)?;
    for k in keys {
        tags.remove(&k);
    }
    touch_user(state, arn, req)?;
    Ok(empty())
}

/// Reads never create an empty tag map.
pub fn list_tags_for_resource(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let arn = req.str("resourceArn")?;
    let not_found = || not_found(arn);
    let parts = arn_parts(state, arn)?;
    let instance = state.instances.get(parts[0]).ok_or_else(not_found)?;
    let owner: &Obj = match parts.as_slice() {
        [_] => &instance.info,
        [_, "agent", id] => &instance.visible_user(id, req.now_ms).map_err(|_| not_found())?.user,
        [_, "routing-profile", id] => instance.routing_profiles.get(*id).ok_or_else(not_found)?,
        [_, "security-profile", id] => instance.security_profiles.get(*id).ok_or_else(not_found)?,
        [_, "agent-group", id] => instance.hierarchy_groups.get(*id).ok_or_else(not_found)?,
        _ => return Err(not_found()),
    };
    Ok(json!({ "tags": owner.get("Tags").cloned().unwrap_or_else(|| json!({})) }))
}
