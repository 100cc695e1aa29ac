//! ListInstances, DescribeInstance.

use serde_json::{Value, json};

use super::Req;
use crate::errors::ApiResult;
use crate::pagination::page;
use crate::state::{RegionState, pick};

const SUMMARY: &[&str] = &[
    "Id",
    "Arn",
    "IdentityManagementType",
    "InstanceAlias",
    "CreatedTime",
    "ServiceRole",
    "InstanceStatus",
    "InboundCallsEnabled",
    "OutboundCallsEnabled",
    "InstanceAccessUrl",
];

pub fn list_instances(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let (items, next) = page(&state.instances, &req.input, 10, |_| true)?;
    let list: Vec<Value> = items.into_iter().map(|i| Value::Object(pick(&i.info, SUMMARY))).collect();
    Ok(json!({ "InstanceSummaryList": list, "NextToken": next }))
}

pub fn describe_instance(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    Ok(json!({ "Instance": instance.info }))
}
