//! Writes to `aws.connect.users`: INSERT → CreateUser, DELETE → DeleteUser, UPDATE → only the
//! UpdateUser* calls the SET list needs (which call sets which column is declared on the
//! column), with identity and phone fields merged into the user's current values (the API
//! replaces them whole, so a field not being set is never blanked). `agent_status`
//! (write-only) sets the agent's status with PutUserStatus; `user_proficiencies` becomes exactly
//! the list given (Associate/Disassociate/UpdateUserProficiencies for the difference).

use std::collections::BTreeMap;

use aws_sdk_connect::types::{
    PhoneType, UserIdentityInfo, UserPhoneConfig, UserProficiency, UserProficiencyDisassociate,
};
use serde_json::{Map, Value};

use super::super::agent_statuses::AgentStatusesTable;
use crate::error::Error;
use crate::provider::api::whole_listing;
use crate::provider::events::{RowReport, RowStatus};
use crate::provider::keys::ConnectArn;
use crate::provider::row_write::{RowWrite, Stop, decoded, id_of, ids, refused, text};
use crate::provider::{ApiTable, Parent, Row, TableDef, WriteContext, row_write};

/// What an UPDATE of a user can set: one step each, named in the table's declaration by the
/// operation that does it (`.set_by(Setter::Identity.operation())`). [`update`] runs every
/// variant's step (the match is exhaustive), and the engine refuses to start when a column
/// names an operation no step runs, so a SET can never silently do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Setter {
    Identity,
    Phone,
    RoutingProfile,
    SecurityProfiles,
    Hierarchy,
    Tags,
    Proficiencies,
    AgentStatus,
}

impl Setter {
    pub(super) const ALL: [Setter; 8] = [
        Setter::Identity,
        Setter::Phone,
        Setter::RoutingProfile,
        Setter::SecurityProfiles,
        Setter::Hierarchy,
        Setter::Tags,
        Setter::Proficiencies,
        Setter::AgentStatus,
    ];

    /// The operation that sets the step's columns (the first of several for tags and
    /// proficiencies), as DESCRIBE shows it.
    pub(super) const fn operation(self) -> &'static str {
        match self {
            Setter::Identity => "UpdateUserIdentityInfo",
            Setter::Phone => "UpdateUserPhoneConfig",
            Setter::RoutingProfile => "UpdateUserRoutingProfile",
            Setter::SecurityProfiles => "UpdateUserSecurityProfiles",
            Setter::Hierarchy => "UpdateUserHierarchy",
            Setter::Tags => "TagResource",
            Setter::Proficiencies => "AssociateUserProficiencies",
            Setter::AgentStatus => "PutUserStatus",
        }
    }

    /// Every operation a step runs for, as the engine checks the declaration against.
    pub(super) fn operations() -> Vec<&'static str> {
        Setter::ALL.iter().map(|s| s.operation()).collect()
    }
}

fn def() -> &'static TableDef {
    super::UsersTable.def()
}

/// An operation's object over `base`, with the SET list's (or INSERT row's) values.
fn merged(base: Option<Value>, over: &Row, setter: Setter) -> Map<String, Value> {
    row_write::merged(def(), base, over, setter.operation())
}

fn identity_info(m: &Map<String, Value>) -> UserIdentityInfo {
    let f = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    UserIdentityInfo::builder()
        .set_first_name(f("FirstName"))
        .set_last_name(f("LastName"))
        .set_email(f("Email"))
        .set_secondary_email(f("SecondaryEmail"))
        .set_mobile(f("Mobile"))
        .build()
}

fn phone_config(m: &Map<String, Value>) -> Result<UserPhoneConfig, Error> {
    let phone_type = m.get("PhoneType").and_then(Value::as_str).unwrap_or("SOFT_PHONE");
    if !matches!(phone_type, "SOFT_PHONE" | "DESK_PHONE") {
        return Err(refused(format!("phone_type '{phone_type}' is not SOFT_PHONE or DESK_PHONE")));
    }
    let acw =
        match m.get("AfterContactWorkTimeLimit") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(|| {
                refused(format!("after_contact_work_time_limit '{v}' is not a whole number of seconds"))
            })?),
        };
    Ok(UserPhoneConfig::builder()
        .phone_type(PhoneType::from(phone_type))
        .set_auto_accept(m.get("AutoAccept").and_then(Value::as_bool))
        .set_after_contact_work_time_limit(acw)
        .set_desk_phone_number(m.get("DeskPhoneNumber").and_then(Value::as_str).map(str::to_owned))
        .set_persistent_connection(m.get("PersistentConnection").and_then(Value::as_bool))
        .build())
}

/// Where an INSERT row goes: its account, instance and region.
async fn insert_parent(cx: &WriteContext, row: &Row) -> Result<Parent, Error> {
    let arn = text(row, "instance_arn").and_then(|a| ConnectArn::parse(&a));
    let defaults = &cx.scan.default_instances;
    let instance_id = text(row, "instance_id")
        .or_else(|| arn.as_ref().map(|a| a.instance_id.clone()))
        .or_else(|| (defaults.len() == 1).then(|| defaults[0].clone()));
    let Some(instance_id) = instance_id else {
        return Err(refused(
            "instance_id (or instance_arn) is required: set it in the row or pass --instance-id".to_owned(),
        ));
    };
    let region = text(row, "region")
        .or_else(|| arn.as_ref().map(|a| a.region.clone()))
        .or_else(|| cx.scan.clients.default_region().map(str::to_owned))
        .ok_or_else(|| Error::Usage("region is required: set it in the row or pass --region".to_owned()))?;
    let account_id = text(row, "account_id").or_else(|| arn.as_ref().map(|a| a.account.clone()));
    let account = match account_id {
        None if cx.scan.clients.several_accounts() => holding_account(cx, &region, &instance_id).await?,
        id => crate::provider::account_of_row(&cx.scan, id.as_deref()).await?,
    };
    Ok(Parent {
        account,
        region,
        instance_id: Some(instance_id),
        instance_arn: text(row, "instance_arn"),
        owner_id: None,
    })
}

/// With several accounts, the one whose region lists the instance (ListInstances of each
/// account, once per statement): a row that names only its instance goes where the instance is.
async fn holding_account(cx: &WriteContext, region: &str, instance_id: &str) -> Result<usize, Error> {
    let instances = super::super::instances::InstancesTable;
    let holding = crate::provider::api::accounts_holding(&cx.scan, &instances, region, instance_id).await?;
    let accounts = cx.scan.clients.accounts();
    let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    match holding.as_slice() {
        [one] => Ok(*one),
        [] => Err(refused(format!(
            "instance {instance_id} is in none of the accounts ({}) in {region}: check instance_id and region, or name the account with account_id",
            names.join(", ")
        ))),
        _ => Err(refused(format!(
            "instance {instance_id} is listed by several accounts in {region}: name the account with account_id"
        ))),
    }
}

/// What can be checked before CreateUser is sent (a dry run reports these too).
fn check_create(routing: Option<&String>, security: &[String]) -> Result<(), Error> {
    if routing.is_none() {
        return Err(refused("routing_profile_id (or routing_profile_arn) is required".to_owned()));
    }
    if security.is_empty() {
        return Err(refused("security_profile_ids (or security_profile_arns) needs at least one profile".to_owned()));
    }
    Ok(())
}

pub(super) async fn create(cx: &WriteContext, row: &Row) -> RowReport {
    let username = text(row, "username").unwrap_or_default();
    let subject = if username.is_empty() { "(no username)".to_owned() } else { username.clone() };
    let parent = insert_parent(cx, row).await;
    let mut report = RowWrite::new(cx, def(), parent.as_ref().ok().cloned(), subject);
    if username.is_empty() {
        return report.refused(refused("username is required".to_owned()));
    }
    let parent = match parent {
        Ok(p) => p,
        Err(e) => return report.refused(e),
    };
    let identity = merged(None, row, Setter::Identity);
    let phone_cfg = match phone_config(&merged(None, row, Setter::Phone)) {
        Ok(p) => p,
        Err(e) => return report.refused(e),
    };
    let security = ids(row, "security_profile_ids", "security_profile_arns").unwrap_or_default();
    let routing = text(row, "routing_profile_id").or_else(|| text(row, "routing_profile_arn")).map(|r| id_of(&r));
    if let Err(e) = check_create(routing.as_ref(), &security) {
        return report.refused(e);
    }
    let group = text(row, "hierarchy_group_id").or_else(|| text(row, "hierarchy_group_arn")).map(|g| id_of(&g));
    let tags: Option<BTreeMap<String, String>> = match decoded(row.get("tags")) {
        Some(Value::Object(m)) => {
            Some(m.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect())
        }
        _ => None,
    };
    let wanted_proficiencies = match proficiencies(row.get("user_proficiencies")) {
        Ok(p) => p,
        Err(e) => return report.refused(e),
    };
    let client = cx.scan.client(&parent);
    let request = client
        .create_user()
        .instance_id(parent.instance())
        .username(&username)
        .set_password(text(row, "password"))
        .identity_info(identity_info(&identity))
        .phone_config(phone_cfg)
        .set_security_profile_ids(Some(security))
        .set_routing_profile_id(routing)
        .set_hierarchy_group_id(group)
        .set_directory_user_id(text(row, "directory_user_id"))
        .set_tags(tags.map(|t| t.into_iter().collect()));
    match report.call(|c| request.customize().interceptor(c).send()).await {
        Ok(Some(out)) => {
            let id = out.user_id().unwrap_or_default().to_owned();
            let arn = out.user_arn().unwrap_or_default().to_owned();
            report.subject = format!("{username} ({id})");
            let mut returned = Map::new();
            for (column, form) in &def().id_columns {
                let v = match form {
                    crate::provider::IdForm::Id => &id,
                    crate::provider::IdForm::Arn => &arn,
                };
                returned.insert((*column).to_owned(), Value::String(v.clone()));
            }
            returned.insert("username".into(), Value::String(username));
            returned.insert("region".into(), Value::String(parent.region.clone()));
            returned.insert("instance_id".into(), Value::String(parent.instance().to_owned()));
            if let Some(a) = crate::provider::keys::instance_arn_of(&arn) {
                returned.insert("instance_arn".into(), Value::String(a));
            }
            // The user exists from here on: a failure to add its proficiencies fails the row
            // with the user's id in the report.
            match apply_proficiencies(
                &mut report,
                &client,
                parent.instance(),
                &id,
                &BTreeMap::new(),
                &wanted_proficiencies,
            )
            .await
            {
                Ok(()) => report.finish(RowStatus::Done, Some(returned)),
                Err(stop) => report.stopped(stop),
            }
        }
        Ok(None) => {
            // A dry run: the calls an INSERT would make include the proficiencies.
            let _ = apply_proficiencies(
                &mut report,
                &client,
                parent.instance(),
                "(new user id)",
                &BTreeMap::new(),
                &wanted_proficiencies,
            )
            .await;
            report.done()
        }
        Err(e) => report.failed(e),
    }
}

pub(super) async fn delete(cx: &WriteContext, parent: &Parent, target: &Row) -> RowReport {
    let id = text(target, "id").unwrap_or_default();
    let subject = format!("{} ({id})", text(target, "username").unwrap_or_default());
    let mut report = RowWrite::new(cx, def(), Some(parent.clone()), subject);
    let request = cx.scan.client(parent).delete_user().instance_id(parent.instance()).user_id(&id);
    match report.call(|c| request.customize().interceptor(c).send()).await {
        Ok(_) => report.done(),
        Err(e) => report.failed(e),
    }
}

/// The id of an agent status given by name or id.
async fn agent_status_id(cx: &WriteContext, parent: &Parent, wanted: &str) -> Result<String, Error> {
    let statuses = whole_listing(&cx.scan, &AgentStatusesTable, parent)
        .await
        .map_err(|e| Error::from(e.located(&def().qualified_name(), &parent.region, parent.instance_id.as_deref())))?;
    statuses
        .iter()
        .find(|s| {
            s.get("id").and_then(Value::as_str) == Some(wanted)
                || s.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        })
        .and_then(|s| s.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            refused(format!("agent_status '{wanted}' is not an agent status of instance {}", parent.instance()))
        })
}

/// One user being updated: its client, ids, current values and the SET list's new values.
struct Target<'a> {
    client: aws_sdk_connect::Client,
    instance: &'a str,
    id: String,
    current: &'a Row,
    changes: &'a Row,
}

/// A struct column's current value as an object (NULL members left out).
fn current_object(t: &Target<'_>, column: &str) -> Map<String, Value> {
    row_write::merged(def(), decoded(t.current.get(column)), &Row::new(), "")
}

async fn set_identity(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let current = current_object(t, "identity_info");
    let next = merged(Some(Value::Object(current.clone())), t.changes, Setter::Identity);
    if next != current {
        let request = t
            .client
            .update_user_identity_info()
            .instance_id(t.instance)
            .user_id(&t.id)
            .identity_info(identity_info(&next));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

async fn set_phone(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let current = current_object(t, "phone_config");
    let mut next = merged(Some(Value::Object(current.clone())), t.changes, Setter::Phone);
    if next.get("PhoneType").and_then(Value::as_str) == Some("SOFT_PHONE") {
        // A soft phone has no desk number; keeping the old one would be refused.
        next.remove("DeskPhoneNumber");
    }
    if next != current {
        let cfg = phone_config(&next)?;
        let request = t.client.update_user_phone_config().instance_id(t.instance).user_id(&t.id).phone_config(cfg);
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

async fn set_routing_profile(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let next = text(t.changes, "routing_profile_id")
        .or_else(|| text(t.changes, "routing_profile_arn"))
        .map(|v| id_of(&v))
        .ok_or_else(|| refused("routing_profile_id cannot be NULL: every user needs a routing profile".to_owned()))?;
    if text(t.current, "routing_profile_id").as_deref() != Some(next.as_str()) {
        let request =
            t.client.update_user_routing_profile().instance_id(t.instance).user_id(&t.id).routing_profile_id(&next);
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

async fn set_security_profiles(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let next = ids(t.changes, "security_profile_ids", "security_profile_arns").unwrap_or_default();
    if next.is_empty() {
        return Err(
            refused("security_profile_ids cannot be empty: every user needs a security profile".to_owned()).into()
        );
    }
    if ids(t.current, "security_profile_ids", "security_profile_arns").unwrap_or_default() != next {
        let request = t
            .client
            .update_user_security_profiles()
            .instance_id(t.instance)
            .user_id(&t.id)
            .set_security_profile_ids(Some(next));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

async fn set_hierarchy_group(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let next =
        text(t.changes, "hierarchy_group_id").or_else(|| text(t.changes, "hierarchy_group_arn")).map(|g| id_of(&g));
    if text(t.current, "hierarchy_group_id") != next {
        let request =
            t.client.update_user_hierarchy().instance_id(t.instance).user_id(&t.id).set_hierarchy_group_id(next);
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

/// A tags value (a map, or its JSON text) as a sorted map; NULL is no tags.
fn tag_map(v: Option<&Value>) -> BTreeMap<String, String> {
    match decoded(v) {
        Some(Value::Object(m)) => m.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect(),
        _ => BTreeMap::new(),
    }
}

/// `SET tags = …` makes the user's tags exactly that map: TagResource for added or changed keys,
/// UntagResource for removed ones, no call when nothing changes.
async fn set_tags(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let next = tag_map(t.changes.get("tags"));
    let current = tag_map(t.current.get("tags"));
    let arn = text(t.current, "arn").unwrap_or_default();
    let added: BTreeMap<String, String> =
        next.iter().filter(|(k, v)| current.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let removed: Vec<String> = current.keys().filter(|k| !next.contains_key(*k)).cloned().collect();
    if !added.is_empty() {
        let request = t.client.tag_resource().resource_arn(&arn).set_tags(Some(added.into_iter().collect()));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    if !removed.is_empty() {
        let request = t.client.untag_resource().resource_arn(&arn).set_tag_keys(Some(removed));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

/// Proficiencies (a list of `{AttributeName, AttributeValue, Level}`, or its JSON text) by
/// (name, value); NULL is none.
///
/// # Errors
/// An entry without a name, value or a level, or one named twice.
fn proficiencies(v: Option<&Value>) -> Result<BTreeMap<(String, String), f64>, Error> {
    let list = match decoded(v) {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(refused(format!("user_proficiencies must be a list, not {other}"))),
    };
    let mut out = BTreeMap::new();
    for p in list {
        let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
        let (Some(name), Some(value), Some(level)) =
            (text("AttributeName"), text("AttributeValue"), p.get("Level").and_then(Value::as_f64))
        else {
            return Err(refused(format!(
                "each user_proficiencies entry needs AttributeName, AttributeValue and Level (1-5): {p}"
            )));
        };
        if out.insert((name.clone(), value.clone()), level).is_some() {
            return Err(refused(format!("user_proficiencies names {name}={value} twice")));
        }
    }
    Ok(out)
}

/// The proficiencies of an Associate or Update call.
fn proficiency_list(entries: &[(&(String, String), &f64)]) -> Result<Vec<UserProficiency>, Error> {
    #[allow(clippy::cast_possible_truncation)]
    entries
        .iter()
        .map(|((n, v), l)| {
            UserProficiency::builder()
                .attribute_name(n)
                .attribute_value(v)
                .level(**l as f32)
                .build()
                .map_err(|e| refused(format!("user_proficiencies entry {n}={v}: {e}")))
        })
        .collect()
}

/// Makes the user's proficiencies exactly `next`: removed ones disassociated, new ones
/// associated, changed levels updated; no call for what is already in place.
async fn apply_proficiencies(
    r: &mut RowWrite<'_>,
    client: &aws_sdk_connect::Client,
    instance: &str,
    id: &str,
    current: &BTreeMap<(String, String), f64>,
    next: &BTreeMap<(String, String), f64>,
) -> Result<(), Stop> {
    let removed: Vec<&(String, String)> = current.keys().filter(|k| !next.contains_key(*k)).collect();
    let added: Vec<(&(String, String), &f64)> = next.iter().filter(|(k, _)| !current.contains_key(*k)).collect();
    #[allow(clippy::float_cmp)]
    let changed: Vec<(&(String, String), &f64)> =
        next.iter().filter(|(k, l)| current.get(*k).is_some_and(|c| c != *l)).collect();
    if !removed.is_empty() {
        let list: Vec<UserProficiencyDisassociate> = removed
            .iter()
            .map(|(n, v)| {
                UserProficiencyDisassociate::builder()
                    .attribute_name(n)
                    .attribute_value(v)
                    .build()
                    .map_err(|e| refused(format!("user_proficiencies entry {n}={v}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let request = client
            .disassociate_user_proficiencies()
            .instance_id(instance)
            .user_id(id)
            .set_user_proficiencies(Some(list));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    if !added.is_empty() {
        let list = proficiency_list(&added)?;
        let request =
            client.associate_user_proficiencies().instance_id(instance).user_id(id).set_user_proficiencies(Some(list));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    if !changed.is_empty() {
        let list = proficiency_list(&changed)?;
        let request =
            client.update_user_proficiencies().instance_id(instance).user_id(id).set_user_proficiencies(Some(list));
        r.call(|c| request.customize().interceptor(c).send()).await?;
    }
    Ok(())
}

/// `SET user_proficiencies = …` makes them exactly that list.
async fn set_proficiencies(r: &mut RowWrite<'_>, t: &Target<'_>) -> Result<(), Stop> {
    let next = proficiencies(t.changes.get("user_proficiencies"))?;
    let current = proficiencies(t.current.get("user_proficiencies"))?;
    apply_proficiencies(r, &t.client, t.instance, &t.id, &current, &next).await
}

async fn set_agent_status(r: &mut RowWrite<'_>, t: &Target<'_>, parent: &Parent) -> Result<(), Stop> {
    let Some(wanted) = text(t.changes, "agent_status") else { return Ok(()) };
    let status = agent_status_id(r.cx, parent, &wanted).await?;
    let request = t.client.put_user_status().instance_id(t.instance).user_id(&t.id).agent_status_id(&status);
    r.call(|c| request.customize().interceptor(c).send()).await?;
    Ok(())
}

/// Applies one target's changes: the step of each [`Setter`] whose columns the SET list names,
/// skipping values already in place.
pub(super) async fn update(cx: &WriteContext, parent: &Parent, current: &Row, changes: &Row) -> RowReport {
    let id = text(current, "id").unwrap_or_default();
    let subject = format!("{} ({id})", text(current, "username").unwrap_or_default());
    let mut report = RowWrite::new(cx, def(), Some(parent.clone()), subject);
    let t = Target { client: cx.scan.client(parent), instance: parent.instance(), id, current, changes };
    let steps = async {
        for setter in Setter::ALL {
            if !row_write::touches(def(), changes, setter.operation()) {
                continue;
            }
            match setter {
                Setter::Identity => set_identity(&mut report, &t).await?,
                Setter::Phone => set_phone(&mut report, &t).await?,
                Setter::RoutingProfile => set_routing_profile(&mut report, &t).await?,
                Setter::SecurityProfiles => set_security_profiles(&mut report, &t).await?,
                Setter::Hierarchy => set_hierarchy_group(&mut report, &t).await?,
                Setter::Tags => set_tags(&mut report, &t).await?,
                Setter::Proficiencies => set_proficiencies(&mut report, &t).await?,
                Setter::AgentStatus => set_agent_status(&mut report, &t, parent).await?,
            }
        }
        Ok::<(), Stop>(())
    }
    .await;
    match steps {
        Ok(()) => report.done(),
        Err(stop) => report.stopped(stop),
    }
}
