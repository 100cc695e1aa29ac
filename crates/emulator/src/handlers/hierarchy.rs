//! User hierarchy groups and the hierarchy structure.

use serde_json::{Value, json};

use super::Req;
use crate::errors::ApiResult;
use crate::pagination::page;
use crate::state::{Obj, RegionState, pick};

/// The level names of `HierarchyStructure` / `HierarchyPath`, level one first.
pub const LEVELS: [&str; 5] = ["LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive"];

pub fn group_summary(group: &Obj) -> Obj {
    pick(group, &["Id", "Arn", "Name", "LastModifiedTime", "LastModifiedRegion"])
}

pub fn list_user_hierarchy_groups(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let (items, next) = page(&instance.hierarchy_groups, &req.input, 100, |_| true)?;
    let list: Vec<Obj> = items.into_iter().map(group_summary).collect();
    Ok(json!({ "UserHierarchyGroupSummaryList": list, "NextToken": next }))
}

pub fn describe_user_hierarchy_group(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    Ok(json!({ "HierarchyGroup": instance.hierarchy_group(req.str("HierarchyGroupId")?)? }))
}

pub fn describe_user_hierarchy_structure(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let structure: Obj = LEVELS
        .iter()
        .zip(&instance.hierarchy_levels)
        .map(|(name, level)| ((*name).to_owned(), Value::Object(level.clone())))
        .collect();
    Ok(json!({ "HierarchyStructure": structure }))
}

/// Whether `group_id`'s path passes through `ancestor` (the group itself included).
pub fn in_subtree(group: &Obj, ancestor: &str) -> bool {
    let path = group.get("HierarchyPath").and_then(Value::as_object);
    group.get("Id").and_then(Value::as_str) == Some(ancestor)
        || path.is_some_and(|p| p.values().any(|l| l.get("Id").and_then(Value::as_str) == Some(ancestor)))
}
