//! The user operations: list, describe, create, delete, the UpdateUser* family, PutUserStatus and
//! ListUserProficiencies, with the documented rules of each identity management type.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Req, empty};
use crate::errors::{ApiError, ApiResult, ErrorKind};
use crate::pagination::page;
use crate::state::{Instance, Obj, RegionState, UserRecord, pick, s};

const SUMMARY: &[&str] = &["Id", "Arn", "Username", "LastModifiedTime", "LastModifiedRegion"];

/// The per-channel members a CreateUser may carry beside (not with) PhoneConfig.
const CHANNEL_MEMBERS: &[&str] = &[
    "AutoAcceptConfigs",
    "AfterContactWorkConfigs",
    "PhoneNumberConfigs",
    "PersistentConnectionConfigs",
    "VoiceEnhancementConfigs",
];

pub fn list_users(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let (items, next) = page(&instance.users, &req.input, 100, |u| u.visible_at(req.now_ms))?;
    let list: Vec<Obj> = items.into_iter().map(|u| pick(&u.seen_at(req.now_ms).user, SUMMARY)).collect();
    Ok(json!({ "UserSummaryList": list, "NextToken": next }))
}

pub fn describe_user(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let user = instance.visible_user(req.str("UserId")?, req.now_ms)?;
    Ok(json!({ "User": user.user }))
}

pub fn create_user(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance_id = req.str("InstanceId")?.to_owned();
    let user_id = uuid::Uuid::new_v4().to_string();
    let arn = state.arn(&format!("instance/{instance_id}/agent/{user_id}"));
    let instance = state.instance_mut(&instance_id)?;
    let username = req.str("Username")?;
    let idm = instance.identity_management().to_owned();

    check_username(username, &idm)?;
    match (idm.as_str(), req.opt_str("Password")) {
        ("CONNECT_MANAGED", None) => {
            return Err(ApiError::invalid_parameter(
                "Password is required for instances with CONNECT_MANAGED identity management.",
            ));
        }
        ("CONNECT_MANAGED", Some(_)) => {}
        (other, Some(_)) => {
            return Err(ApiError::invalid_request(format!(
                "Password is not allowed for instances with {other} identity management."
            )));
        }
        _ => {}
    }
    if idm == "SAML" && req.opt_str("DirectoryUserId").is_some() {
        return Err(ApiError::invalid_request(
            "DirectoryUserId is not allowed for instances with SAML identity management.",
        ));
    }
    let identity = req.obj("IdentityInfo").cloned().unwrap_or_default();
    check_identity(&identity, &idm, None)?;
    check_after_contact_work(req)?;
    let phone = req.obj("PhoneConfig").cloned();
    check_phone_conflicts(phone.as_ref(), req)?;
    if let Some(p) = &phone {
        check_phone(p)?;
    }
    check_references(instance, req)?;
    if instance.usernames.contains_key(&username.to_lowercase()) {
        return Err(ApiError::duplicate(format!(
            "User with Username {username} already exists in instance {instance_id}."
        )));
    }
    if instance.live_user_count() >= instance.user_quota {
        return Err(ApiError::new(
            ErrorKind::LimitExceeded,
            format!(
                "The users per instance quota ({}) has been reached for instance {instance_id}.",
                instance.user_quota
            ),
        ));
    }

    let mut user = Obj::new();
    user.insert("Id".into(), user_id.clone().into());
    user.insert("Arn".into(), arn.clone().into());
    user.insert("Username".into(), username.into());
    user.insert("IdentityInfo".into(), Value::Object(identity));
    let directory_user_id =
        req.opt_str("DirectoryUserId").map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    if idm != "SAML" {
        user.insert("DirectoryUserId".into(), directory_user_id.into());
    }
    for m in ["SecurityProfileIds", "RoutingProfileId", "HierarchyGroupId"] {
        if let Some(v) = req.input.get(m) {
            user.insert(m.into(), v.clone());
        }
    }
    user.insert("Tags".into(), req.input.get("Tags").cloned().unwrap_or_else(|| json!({})));
    for m in CHANNEL_MEMBERS {
        if let Some(v) = req.input.get(*m) {
            user.insert((*m).into(), v.clone());
        }
    }
    match phone {
        Some(p) => set_phone_config(&mut user, p),
        None => derive_phone_config(&mut user),
    }
    let mut record = UserRecord::new(user);
    record.touch(req.now_ms, req.region);
    record.visible_from_ms = req.now_ms + req.visibility_delay_ms;
    instance.insert_user(record);
    Ok(json!({ "UserId": user_id, "UserArn": arn }))
}

pub fn delete_user(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let id = req.str("UserId")?;
    instance.user_mut(id)?;
    if req.visibility_delay_ms == 0 {
        instance.remove_user(id);
    } else {
        // Readers keep seeing the user for a while; the username stays taken until then too.
        instance.user_mut(id)?.deleted_visible_at_ms = Some(req.now_ms + req.visibility_delay_ms);
    }
    Ok(empty())
}

pub fn update_user_identity_info(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let idm = instance.identity_management().to_owned();
    let identity = req.obj("IdentityInfo").cloned().unwrap_or_default();
    let user = instance.user_mut(req.str("UserId")?)?;
    let current = user.user.get("IdentityInfo").and_then(Value::as_object).cloned().unwrap_or_default();
    check_identity(&identity, &idm, Some(&current))?;
    // The API replaces IdentityInfo as a whole: members left out are cleared.
    user.user.insert("IdentityInfo".into(), Value::Object(identity));
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn update_user_routing_profile(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let profile = req.str("RoutingProfileId")?;
    instance.routing_profile(profile)?;
    let user = instance.user_mut(req.str("UserId")?)?;
    user.user.insert("RoutingProfileId".into(), profile.into());
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn update_user_security_profiles(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let ids = req.list("SecurityProfileIds").cloned().unwrap_or_default();
    for id in ids.iter().filter_map(Value::as_str) {
        instance.security_profile(id)?;
    }
    let user = instance.user_mut(req.str("UserId")?)?;
    user.user.insert("SecurityProfileIds".into(), Value::Array(ids));
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn update_user_phone_config(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let phone = req.obj("PhoneConfig").cloned().unwrap_or_default();
    check_phone(&phone)?;
    check_after_contact_work(req)?;
    let user = instance.user_mut(req.str("UserId")?)?;
    set_phone_config(&mut user.user, phone);
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn update_user_hierarchy(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let group = req.opt_str("HierarchyGroupId").map(str::to_owned);
    if let Some(g) = &group {
        instance.hierarchy_group(g)?;
    }
    let user = instance.user_mut(req.str("UserId")?)?;
    match group {
        Some(g) => user.user.insert("HierarchyGroupId".into(), g.into()),
        // Leaving the member out removes the user from their group.
        None => user.user.remove("HierarchyGroupId"),
    };
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn put_user_status(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let status = req.str("AgentStatusId")?.to_owned();
    if !instance.agent_statuses.contains_key(&status) {
        return Err(ApiError::not_found(format!("AgentStatus not found for AgentStatusId: {status}")));
    }
    let user = instance.user_mut(req.str("UserId")?)?;
    user.agent_status_id = Some(status);
    user.status_since_ms = Some(req.now_ms);
    Ok(empty())
}

/// A proficiency's identity: its attribute name and value.
fn proficiency_key(p: &Value) -> (String, String) {
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    (text("AttributeName"), text("AttributeValue"))
}

/// Where a proficiency (name, value) is among those a user has.
fn position_of(held: &[Value], key: &(String, String)) -> Option<usize> {
    held.iter().position(|q| proficiency_key(q) == *key)
}

/// The requested proficiencies, each (name, value) once.
fn requested_proficiencies(req: &Req) -> ApiResult<Vec<Value>> {
    let list = req.list("UserProficiencies").cloned().unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for p in &list {
        let (name, value) = proficiency_key(p);
        if !seen.insert((name.clone(), value.clone())) {
            return Err(ApiError::invalid_request(format!(
                "The proficiency {name}={value} appears more than once in UserProficiencies."
            )));
        }
    }
    Ok(list)
}

/// AssociateUserProficiencies: adds proficiencies; one the user already has is refused (the
/// docs are silent; UpdateUserProficiencies changes levels). All or nothing.
pub fn associate_user_proficiencies(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let wanted = requested_proficiencies(req)?;
    let user = instance.user_mut(req.str("UserId")?)?;
    for p in &wanted {
        let key = proficiency_key(p);
        if position_of(&user.proficiencies, &key).is_some() {
            return Err(ApiError::invalid_request(format!(
                "The user already has the proficiency {}={}: change its level with UpdateUserProficiencies.",
                key.0, key.1
            )));
        }
    }
    user.proficiencies.extend(wanted);
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

/// UpdateUserProficiencies: changes the levels of proficiencies the user has ("Proficiencies
/// must first be associated to the user"). All or nothing.
pub fn update_user_proficiencies(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let wanted = requested_proficiencies(req)?;
    let user = instance.user_mut(req.str("UserId")?)?;
    let mut positions = Vec::with_capacity(wanted.len());
    for p in &wanted {
        let key = proficiency_key(p);
        let Some(i) = position_of(&user.proficiencies, &key) else {
            return Err(ApiError::invalid_request(format!(
                "The user has no proficiency {}={}: associate it first with AssociateUserProficiencies.",
                key.0, key.1
            )));
        };
        positions.push(i);
    }
    for (i, p) in positions.into_iter().zip(wanted) {
        user.proficiencies[i] = p;
    }
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

/// DisassociateUserProficiencies: removes proficiencies the user has; one it does not have is
/// refused (the docs are silent). All or nothing.
pub fn disassociate_user_proficiencies(state: &mut RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance_mut(req.str("InstanceId")?)?;
    let wanted = requested_proficiencies(req)?;
    let user = instance.user_mut(req.str("UserId")?)?;
    let keys: Vec<(String, String)> = wanted.iter().map(proficiency_key).collect();
    if let Some(missing) = keys.iter().find(|k| position_of(&user.proficiencies, k).is_none()) {
        return Err(ApiError::invalid_request(format!("The user has no proficiency {}={}.", missing.0, missing.1)));
    }
    user.proficiencies.retain(|q| !keys.contains(&proficiency_key(q)));
    user.touch(req.now_ms, req.region);
    Ok(empty())
}

pub fn list_user_proficiencies(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let user = instance.visible_user(req.str("UserId")?, req.now_ms)?;
    let indexed: BTreeMap<String, &Value> =
        user.proficiencies.iter().enumerate().map(|(i, p)| (format!("{i:06}"), p)).collect();
    let (items, next) = page(&indexed, &req.input, 100, |_| true)?;
    Ok(json!({
        "UserProficiencyList": items,
        "NextToken": next,
        "LastModifiedTime": user.user.get("LastModifiedTime"),
        "LastModifiedRegion": user.user.get("LastModifiedRegion"),
    }))
}

/// The CreateUser doc's username rules: up to 20 characters unless SAML; SAML allows 64 from
/// `[a-zA-Z0-9_-.\@]`; `@` only in an email form.
fn check_username(username: &str, idm: &str) -> ApiResult<()> {
    let n = username.chars().count();
    if idm == "SAML" {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.@\\".contains(c);
        if n > 64 || !username.chars().all(allowed) {
            return Err(ApiError::invalid_parameter(format!(
                "Username '{username}' is not valid: SAML instances allow up to 64 characters from [a-zA-Z0-9_-.\\@]."
            )));
        }
    } else if n > 20 {
        return Err(ApiError::invalid_parameter(format!(
            "Username '{username}' is not valid: usernames can include up to 20 characters."
        )));
    }
    if let Some((local, domain)) = username.split_once('@') {
        let email_like =
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
        if !email_like {
            return Err(ApiError::invalid_parameter(format!(
                "Username '{username}' is not valid: '@' is allowed only in an email address form."
            )));
        }
    }
    Ok(())
}

/// FirstName and LastName are required for CONNECT_MANAGED and SAML instances; for
/// EXISTING_DIRECTORY instances names and email come from the directory and cannot be updated.
fn check_identity(identity: &Obj, idm: &str, current: Option<&Obj>) -> ApiResult<()> {
    if matches!(idm, "CONNECT_MANAGED" | "SAML") {
        for field in ["FirstName", "LastName"] {
            if s(identity, field).trim().is_empty() {
                return Err(ApiError::invalid_parameter(format!(
                    "IdentityInfo.{field} is required for instances with {idm} identity management."
                )));
            }
        }
    }
    if idm == "EXISTING_DIRECTORY"
        && let Some(current) = current
    {
        for field in ["FirstName", "LastName", "Email"] {
            if identity.get(field) != current.get(field) {
                return Err(ApiError::invalid_request(format!(
                    "IdentityInfo.{field} cannot be updated for instances with EXISTING_DIRECTORY identity management."
                )));
            }
        }
    }
    // The UserIdentityInfo doc: CONNECT_MANAGED last names are 1–256 characters (the model
    // allows 300, the SAML bound).
    if idm == "CONNECT_MANAGED" && s(identity, "LastName").chars().count() > 256 {
        return Err(ApiError::invalid_parameter(
            "IdentityInfo.LastName must be at most 256 characters for instances with CONNECT_MANAGED identity management.",
        ));
    }
    if let Some(email) = identity.get("SecondaryEmail").and_then(Value::as_str)
        && !email_ok(email)
    {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'identityInfo.secondaryEmail' failed to satisfy constraint: Member must satisfy regular expression pattern: (?=^.{0,265}$)[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,63}",
        ));
    }
    Ok(())
}

fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
    email.len() <= 265
        && !local.is_empty()
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        && (2..=63).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// The documented after-contact-work limit: 2,000,000 seconds (24 days); the model has no maximum.
const MAX_AFTER_CONTACT_WORK_SECONDS: u64 = 2_000_000;
/// Chat's after-contact work is capped at 5,400 seconds.
const MAX_CHAT_AFTER_CONTACT_WORK_SECONDS: u64 = 5_400;

/// After-contact-work limits within the documented bounds, in PhoneConfig and per channel.
fn check_after_contact_work(req: &Req) -> ApiResult<()> {
    let too_long = |what: String, value: u64, max: u64| {
        ApiError::invalid_parameter(format!("{what} must be at most {max} seconds; got {value}."))
    };
    if let Some(v) = req.obj("PhoneConfig").and_then(|p| p.get("AfterContactWorkTimeLimit")).and_then(Value::as_u64)
        && v > MAX_AFTER_CONTACT_WORK_SECONDS
    {
        return Err(too_long("PhoneConfig.AfterContactWorkTimeLimit".into(), v, MAX_AFTER_CONTACT_WORK_SECONDS));
    }
    for entry in req.list("AfterContactWorkConfigs").into_iter().flatten() {
        let channel = entry.get("Channel").and_then(Value::as_str).unwrap_or_default();
        let max = if channel == "CHAT" { MAX_CHAT_AFTER_CONTACT_WORK_SECONDS } else { MAX_AFTER_CONTACT_WORK_SECONDS };
        for config in ["AfterContactWorkConfig", "AgentFirstCallbackAfterContactWorkConfig"] {
            if let Some(v) = entry.get(config).and_then(|c| c.get("AfterContactWorkTimeLimit")).and_then(Value::as_u64)
                && v > max
            {
                return Err(too_long(
                    format!("AfterContactWorkConfigs[{channel}].{config}.AfterContactWorkTimeLimit"),
                    v,
                    max,
                ));
            }
        }
    }
    Ok(())
}

/// A desk phone needs a number to ring.
fn check_phone(phone: &Obj) -> ApiResult<()> {
    if s(phone, "PhoneType") == "DESK_PHONE" && s(phone, "DeskPhoneNumber").is_empty() {
        return Err(ApiError::invalid_parameter(
            "PhoneConfig.DeskPhoneNumber is required when PhoneType is DESK_PHONE.",
        ));
    }
    Ok(())
}

/// PhoneConfig fields cannot be set together with their per-channel counterparts.
fn check_phone_conflicts(phone: Option<&Obj>, req: &Req) -> ApiResult<()> {
    let Some(phone) = phone else { return Ok(()) };
    let pairs = [
        ("AutoAccept", "AutoAcceptConfigs"),
        ("AfterContactWorkTimeLimit", "AfterContactWorkConfigs"),
        ("PhoneType", "PhoneNumberConfigs"),
        ("DeskPhoneNumber", "PhoneNumberConfigs"),
        ("PersistentConnection", "PersistentConnectionConfigs"),
    ];
    for (field, list) in pairs {
        if phone.contains_key(field) && req.input.contains_key(list) {
            return Err(ApiError::invalid_request(format!("PhoneConfig.{field} cannot be set together with {list}.")));
        }
    }
    Ok(())
}

fn check_references(instance: &Instance, req: &Req) -> ApiResult<()> {
    instance.routing_profile(req.str("RoutingProfileId")?)?;
    for id in req.list("SecurityProfileIds").into_iter().flatten().filter_map(Value::as_str) {
        instance.security_profile(id)?;
    }
    if let Some(g) = req.opt_str("HierarchyGroupId") {
        instance.hierarchy_group(g)?;
    }
    Ok(())
}

/// Stores PhoneConfig with the service's defaults and mirrors it into the VOICE entries of the
/// per-channel lists, as DescribeUser shows both.
pub fn set_phone_config(user: &mut Obj, mut phone: Obj) {
    phone.entry("PhoneType").or_insert_with(|| "SOFT_PHONE".into());
    phone.entry("AutoAccept").or_insert(false.into());
    phone.entry("AfterContactWorkTimeLimit").or_insert(0.into());
    if s(&phone, "PhoneType") == "SOFT_PHONE" {
        phone.remove("DeskPhoneNumber");
    }
    let voice = |mut entry: Obj| {
        entry.insert("Channel".into(), "VOICE".into());
        entry
    };
    let replace_voice = |user: &mut Obj, member: &str, entry: Obj| {
        let mut list: Vec<Value> = user
            .get(member)
            .and_then(Value::as_array)
            .map(|l| l.iter().filter(|e| e.get("Channel").and_then(Value::as_str) != Some("VOICE")).cloned().collect())
            .unwrap_or_default();
        list.insert(0, Value::Object(entry));
        user.insert(member.into(), Value::Array(list));
    };
    replace_voice(user, "AutoAcceptConfigs", voice(pick(&phone, &["AutoAccept"])));
    let mut acw = Obj::new();
    acw.insert(
        "AfterContactWorkConfig".into(),
        json!({ "AfterContactWorkTimeLimit": phone["AfterContactWorkTimeLimit"] }),
    );
    replace_voice(user, "AfterContactWorkConfigs", voice(acw));
    let mut number = pick(&phone, &["PhoneType"]);
    if let Some(n) = phone.get("DeskPhoneNumber") {
        number.insert("PhoneNumber".into(), n.clone());
    }
    replace_voice(user, "PhoneNumberConfigs", voice(number));
    if let Some(p) = phone.get("PersistentConnection") {
        replace_voice(
            user,
            "PersistentConnectionConfigs",
            voice(json!({ "PersistentConnection": p }).as_object().cloned().unwrap_or_default()),
        );
    }
    user.insert("PhoneConfig".into(), Value::Object(phone));
}

/// Builds PhoneConfig from the VOICE entries of the per-channel lists.
fn derive_phone_config(user: &mut Obj) {
    let voice = |member: &str| -> Option<Obj> {
        user.get(member)?
            .as_array()?
            .iter()
            .find(|e| e.get("Channel").and_then(Value::as_str) == Some("VOICE"))?
            .as_object()
            .cloned()
    };
    let mut phone = Obj::new();
    let numbers = voice("PhoneNumberConfigs");
    phone.insert(
        "PhoneType".into(),
        numbers.as_ref().and_then(|n| n.get("PhoneType").cloned()).unwrap_or_else(|| "SOFT_PHONE".into()),
    );
    if let Some(n) = numbers.as_ref().and_then(|n| n.get("PhoneNumber")) {
        phone.insert("DeskPhoneNumber".into(), n.clone());
    }
    phone.insert(
        "AutoAccept".into(),
        voice("AutoAcceptConfigs").and_then(|a| a.get("AutoAccept").cloned()).unwrap_or(false.into()),
    );
    phone.insert(
        "AfterContactWorkTimeLimit".into(),
        voice("AfterContactWorkConfigs")
            .and_then(|a| a.get("AfterContactWorkConfig").and_then(|c| c.get("AfterContactWorkTimeLimit")).cloned())
            .unwrap_or(0.into()),
    );
    if let Some(p) = voice("PersistentConnectionConfigs").and_then(|a| a.get("PersistentConnection").cloned()) {
        phone.insert("PersistentConnection".into(), p);
    }
    user.insert("PhoneConfig".into(), Value::Object(phone));
}
