//! The emulator's data: one `RegionState` per account and region, instances inside it, and the
//! entities of each instance stored in the JSON shape of their Describe operation (as moto keeps
//! `to_dict()`), so handlers answer by picking members rather than converting structs.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::errors::{ApiError, ApiResult};

/// A JSON object in the wire shape of the model.
pub type Obj = Map<String, Value>;

/// Everything the emulator holds, keyed by `ACCOUNT:REGION` (the endpoint is regional).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct World {
    pub regions: BTreeMap<String, RegionState>,
    /// Roles across accounts and the STS sessions handed out.
    #[serde(default)]
    pub iam: crate::sts::Iam,
}

impl World {
    pub fn key(account: &str, region: &str) -> String {
        format!("{account}:{region}")
    }

    pub fn region_mut(&mut self, account: &str, region: &str) -> &mut RegionState {
        self.regions.entry(Self::key(account, region)).or_insert_with(|| RegionState {
            account: account.to_owned(),
            region: region.to_owned(),
            instances: BTreeMap::new(),
        })
    }

    /// Rebuilds indexes that are not persisted (after loading a state file).
    pub fn reindex(&mut self) {
        for r in self.regions.values_mut() {
            for i in r.instances.values_mut() {
                i.reindex();
            }
        }
    }
}

/// One account's resources in one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    pub instances: BTreeMap<String, Instance>,
}

impl RegionState {
    pub fn arn(&self, resource: &str) -> String {
        format!("arn:aws:connect:{}:{}:{resource}", self.region, self.account)
    }

    pub fn instance(&self, id: &str) -> ApiResult<&Instance> {
        self.instances.get(id).ok_or_else(|| instance_not_found(id))
    }

    pub fn instance_mut(&mut self, id: &str) -> ApiResult<&mut Instance> {
        self.instances.get_mut(id).ok_or_else(|| instance_not_found(id))
    }
}

fn instance_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Instance not found for InstanceId: {id}"))
}

/// A Connect instance and everything in it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Instance {
    /// The `Instance` object of DescribeInstance.
    pub info: Obj,
    /// The users-per-instance quota (default 500; raised for load data).
    pub user_quota: usize,
    pub users: BTreeMap<String, UserRecord>,
    /// Lower-cased username → user id, for the duplicate check.
    #[serde(skip)]
    pub usernames: HashMap<String, String>,
    pub routing_profiles: BTreeMap<String, Obj>,
    pub security_profiles: BTreeMap<String, Obj>,
    /// `HierarchyLevel` objects, level one first.
    pub hierarchy_levels: Vec<Obj>,
    pub hierarchy_groups: BTreeMap<String, Obj>,
    pub agent_statuses: BTreeMap<String, Obj>,
    /// `Queue` objects of DescribeQueue (with `QueueType`, which only ListQueues shows).
    #[serde(default)]
    pub queues: BTreeMap<String, Obj>,
    /// Each routing profile's queue configs (`RoutingProfileQueueConfigSummary`), keyed by
    /// `QUEUEID/CHANNEL` so pages follow one fixed order.
    #[serde(default)]
    pub routing_profile_queues: BTreeMap<String, BTreeMap<String, Obj>>,
    /// Each security profile's permissions, keyed by the permission (a fixed page order).
    #[serde(default)]
    pub security_profile_permissions: BTreeMap<String, BTreeMap<String, Value>>,
    /// `QuickConnect` objects of DescribeQuickConnect.
    #[serde(default)]
    pub quick_connects: BTreeMap<String, Obj>,
    /// `HoursOfOperation` objects of DescribeHoursOfOperation.
    #[serde(default)]
    pub hours_of_operations: BTreeMap<String, Obj>,
}

impl Instance {
    pub fn new(info: Obj) -> Self {
        Instance {
            info,
            user_quota: 500,
            users: BTreeMap::new(),
            usernames: HashMap::new(),
            routing_profiles: BTreeMap::new(),
            security_profiles: BTreeMap::new(),
            hierarchy_levels: Vec::new(),
            hierarchy_groups: BTreeMap::new(),
            agent_statuses: BTreeMap::new(),
            queues: BTreeMap::new(),
            routing_profile_queues: BTreeMap::new(),
            security_profile_permissions: BTreeMap::new(),
            quick_connects: BTreeMap::new(),
            hours_of_operations: BTreeMap::new(),
        }
    }

    pub fn id(&self) -> &str {
        self.info.get("Id").and_then(Value::as_str).unwrap_or_default()
    }

    pub fn identity_management(&self) -> &str {
        self.info.get("IdentityManagementType").and_then(Value::as_str).unwrap_or("CONNECT_MANAGED")
    }

    pub fn reindex(&mut self) {
        self.usernames = self.users.iter().map(|(id, u)| (u.username().to_lowercase(), id.clone())).collect();
    }

    pub fn insert_user(&mut self, record: UserRecord) {
        let id = record.id().to_owned();
        self.usernames.insert(record.username().to_lowercase(), id.clone());
        self.users.insert(id, record);
    }

    pub fn remove_user(&mut self, id: &str) {
        if let Some(r) = self.users.remove(id) {
            self.usernames.remove(&r.username().to_lowercase());
        }
    }

    /// The user as a reader sees it at `now_ms` (eventual consistency applied).
    pub fn visible_user(&self, id: &str, now_ms: u64) -> ApiResult<&UserRecord> {
        self.users
            .get(id)
            .filter(|u| u.visible_at(now_ms))
            .map(|u| u.seen_at(now_ms))
            .ok_or_else(|| ApiError::not_found(format!("User not found for UserId: {id}")))
    }

    /// The user a writer acts on (writes see their own effects at once).
    pub fn user_mut(&mut self, id: &str) -> ApiResult<&mut UserRecord> {
        self.users
            .get_mut(id)
            .filter(|u| u.deleted_visible_at_ms.is_none())
            .ok_or_else(|| ApiError::not_found(format!("User not found for UserId: {id}")))
    }

    pub fn routing_profile(&self, id: &str) -> ApiResult<&Obj> {
        self.routing_profiles
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("RoutingProfile not found for RoutingProfileId: {id}")))
    }

    pub fn security_profile(&self, id: &str) -> ApiResult<&Obj> {
        self.security_profiles
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("SecurityProfile not found for SecurityProfileId: {id}")))
    }

    pub fn queue(&self, id: &str) -> ApiResult<&Obj> {
        self.queues.get(id).ok_or_else(|| ApiError::not_found(format!("Queue not found for QueueId: {id}")))
    }

    pub fn quick_connect(&self, id: &str) -> ApiResult<&Obj> {
        self.quick_connects
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("QuickConnect not found for QuickConnectId: {id}")))
    }

    pub fn hours_of_operation(&self, id: &str) -> ApiResult<&Obj> {
        self.hours_of_operations
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("HoursOfOperation not found for HoursOfOperationId: {id}")))
    }

    pub fn hierarchy_group(&self, id: &str) -> ApiResult<&Obj> {
        self.hierarchy_groups
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("HierarchyGroup not found for HierarchyGroupId: {id}")))
    }

    /// Live users (not deleted), whether or not visible yet.
    pub fn live_user_count(&self) -> usize {
        self.users.values().filter(|u| u.deleted_visible_at_ms.is_none()).count()
    }
}

/// A user and the state that DescribeUser does not show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    /// The `User` object of DescribeUser.
    pub user: Obj,
    /// `UserProficiency` objects.
    #[serde(default)]
    pub proficiencies: Vec<Value>,
    /// The agent status set by PutUserStatus.
    #[serde(default)]
    pub agent_status_id: Option<String>,
    /// Since when the user is in that status (set with it).
    #[serde(default)]
    pub status_since_ms: Option<u64>,
    /// The contacts the agent is handling now (`AgentContactReference` objects).
    #[serde(default)]
    pub contacts: Vec<Value>,
    /// Readers see the user from this time on (eventual consistency after CreateUser).
    #[serde(default)]
    pub visible_from_ms: u64,
    /// Set by DeleteUser: readers still see the user until then.
    #[serde(default)]
    pub deleted_visible_at_ms: Option<u64>,
    /// What readers still see after a change, for a while (eventual consistency of updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Box<Stale>>,
}

/// The user as it was before a change, shown to readers until `until_ms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stale {
    pub until_ms: u64,
    pub seen: UserRecord,
}

impl UserRecord {
    pub fn new(user: Obj) -> Self {
        UserRecord {
            user,
            proficiencies: Vec::new(),
            agent_status_id: None,
            status_since_ms: None,
            contacts: Vec::new(),
            visible_from_ms: 0,
            deleted_visible_at_ms: None,
            stale: None,
        }
    }
    pub fn id(&self) -> &str {
        self.user.get("Id").and_then(Value::as_str).unwrap_or_default()
    }
    pub fn username(&self) -> &str {
        self.user.get("Username").and_then(Value::as_str).unwrap_or_default()
    }
    pub fn visible_at(&self, now_ms: u64) -> bool {
        now_ms >= self.visible_from_ms && self.deleted_visible_at_ms.is_none_or(|d| now_ms < d)
    }
    /// The user's settings as a reader sees them at `now_ms`: the old ones while a change has
    /// not reached readers yet.
    pub fn seen_at(&self, now_ms: u64) -> &UserRecord {
        match &self.stale {
            Some(s) if now_ms < s.until_ms => &s.seen,
            _ => self,
        }
    }
    /// Whether readers would tell this record from `other` (settings, proficiencies, status).
    fn differs_from(&self, other: &UserRecord) -> bool {
        self.user != other.user
            || self.proficiencies != other.proficiencies
            || self.agent_status_id != other.agent_status_id
    }
    /// After a change: readers see `before` until `until_ms` (a later change within that time
    /// keeps the oldest settings shown and extends the time, as replication catches up).
    pub fn lag_behind(&mut self, before: UserRecord, until_ms: u64) {
        if self.differs_from(&before) {
            self.stale = Some(Box::new(Stale { until_ms, seen: before }));
        }
    }
    /// Stamps LastModifiedTime/LastModifiedRegion, as every update does.
    pub fn touch(&mut self, now_ms: u64, region: &str) {
        self.user.insert("LastModifiedTime".into(), epoch_seconds(now_ms));
        self.user.insert("LastModifiedRegion".into(), Value::String(region.to_owned()));
    }
}

/// A timestamp as restJson1 sends it: epoch seconds, fractional.
pub fn epoch_seconds(ms: u64) -> Value {
    if ms.is_multiple_of(1000) { Value::from(ms / 1000) } else { Value::from(ms as f64 / 1000.0) }
}

/// Copies the named members of `from` that are present.
pub fn pick(from: &Obj, members: &[&str]) -> Obj {
    members.iter().filter_map(|m| from.get(*m).map(|v| ((*m).to_owned(), v.clone()))).collect()
}

/// The string member `name`, or "".
pub fn s<'a>(obj: &'a Obj, name: &str) -> &'a str {
    obj.get(name).and_then(Value::as_str).unwrap_or_default()
}
