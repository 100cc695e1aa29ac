//! SearchUsers: SearchCriteria (AND/OR trees of string, hierarchy and proficiency conditions)
//! and SearchFilter (tag and user-attribute filters), paged like the list operations.

use serde_json::{Value, json};

use super::Req;
use super::hierarchy::in_subtree;
use crate::errors::{ApiError, ApiResult, ErrorKind};
use crate::pagination::page;
use crate::state::{Instance, Obj, RegionState, UserRecord, pick, s};

const SUMMARY: &[&str] = &[
    "Arn",
    "DirectoryUserId",
    "HierarchyGroupId",
    "Id",
    "RoutingProfileId",
    "SecurityProfileIds",
    "Tags",
    "Username",
    "AutoAcceptConfigs",
    "AfterContactWorkConfigs",
    "PhoneNumberConfigs",
    "PersistentConnectionConfigs",
    "VoiceEnhancementConfigs",
];

pub fn search_users(state: &RegionState, req: &Req) -> ApiResult<Value> {
    let instance = state.instance(req.str("InstanceId")?)?;
    let criteria = req.input.get("SearchCriteria");
    let filter = req.input.get("SearchFilter");
    if let Some(f) = filter
        && f.get("TagFilter").is_some()
        && f.get("UserAttributeFilter").is_some()
    {
        return Err(ApiError::new(
            ErrorKind::AccessDenied,
            "A SearchFilter cannot carry both TagFilter and UserAttributeFilter.",
        ));
    }
    if let Some(c) = criteria {
        check_criteria(c)?;
    }
    let keep = |u: &UserRecord| {
        let seen = u.seen_at(req.now_ms);
        u.visible_at(req.now_ms)
            && criteria.is_none_or(|c| criteria_match(c, seen, instance))
            && filter.is_none_or(|f| filter_match(f, seen, instance))
    };
    let total = instance.users.values().filter(|u| keep(u)).count();
    let (items, next) = page(&instance.users, &req.input, 100, keep)?;
    let users: Vec<Value> = items.into_iter().map(|u| search_summary(u.seen_at(req.now_ms))).collect();
    Ok(json!({ "Users": users, "NextToken": next, "ApproximateTotalCount": total }))
}

/// DescribeUser's fields less Email, SecondaryEmail, Mobile and the modification stamps, with
/// AfterContactWorkTimeLimit in milliseconds as the SearchUsers doc says.
fn search_summary(u: &UserRecord) -> Value {
    let mut out = pick(&u.user, SUMMARY);
    if let Some(identity) = u.user.get("IdentityInfo").and_then(Value::as_object) {
        out.insert("IdentityInfo".into(), Value::Object(pick(identity, &["FirstName", "LastName"])));
    }
    if let Some(phone) = u.user.get("PhoneConfig").and_then(Value::as_object) {
        let mut phone = phone.clone();
        if let Some(secs) = phone.get("AfterContactWorkTimeLimit").and_then(Value::as_i64) {
            phone.insert("AfterContactWorkTimeLimit".into(), (secs * 1000).into());
        }
        out.insert("PhoneConfig".into(), Value::Object(phone));
    }
    Value::Object(out)
}

const STRING_FIELDS: &[&str] =
    &["Username", "FirstName", "LastName", "RoutingProfileId", "SecurityProfileId", "resourceId"];

/// Rejects conditions the service rejects before matching anything.
fn check_criteria(c: &Value) -> ApiResult<()> {
    for key in ["OrConditions", "AndConditions"] {
        for sub in c.get(key).and_then(Value::as_array).into_iter().flatten() {
            check_criteria(sub)?;
        }
    }
    if let Some(sc) = c.get("StringCondition") {
        let field = sc.get("FieldName").and_then(Value::as_str).unwrap_or_default();
        if !STRING_FIELDS.contains(&field) {
            return Err(ApiError::invalid_parameter(format!(
                "StringCondition.FieldName '{field}' is not supported. Supported values: {}.",
                STRING_FIELDS.join(", ")
            )));
        }
        let value = sc.get("Value").and_then(Value::as_str).unwrap_or_default();
        let comparison = sc.get("ComparisonType").and_then(Value::as_str).unwrap_or_default();
        if comparison == "CONTAINS" && !(2..=25).contains(&value.chars().count()) {
            return Err(ApiError::invalid_parameter(format!(
                "A CONTAINS condition on {field} needs a value of 2 to 25 characters, got '{value}'."
            )));
        }
    }
    Ok(())
}

fn criteria_match(c: &Value, u: &UserRecord, instance: &Instance) -> bool {
    let any =
        |key: &str| c.get(key).and_then(Value::as_array).map(|l| l.iter().any(|x| criteria_match(x, u, instance)));
    let all =
        |key: &str| c.get(key).and_then(Value::as_array).map(|l| l.iter().all(|x| criteria_match(x, u, instance)));
    any("OrConditions").unwrap_or(true)
        && all("AndConditions").unwrap_or(true)
        && c.get("StringCondition").is_none_or(|sc| string_match(sc, u))
        && c.get("HierarchyGroupCondition").is_none_or(|h| hierarchy_match(h, u, instance))
        && c.get("ListCondition").is_none_or(|l| proficiency_match(l, u))
}

fn string_match(sc: &Value, u: &UserRecord) -> bool {
    let field = sc.get("FieldName").and_then(Value::as_str).unwrap_or_default();
    let value = sc.get("Value").and_then(Value::as_str).unwrap_or_default();
    let comparison = sc.get("ComparisonType").and_then(Value::as_str).unwrap_or("EXACT");
    let identity = u.user.get("IdentityInfo").and_then(Value::as_object);
    let candidates: Vec<&str> = match field {
        "Username" => vec![u.username()],
        "FirstName" | "LastName" => identity.map(|i| s(i, field)).into_iter().collect(),
        "RoutingProfileId" => vec![s(&u.user, "RoutingProfileId")],
        "SecurityProfileId" => u
            .user
            .get("SecurityProfileIds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect(),
        "resourceId" => vec![u.id()],
        _ => vec![],
    };
    // Name fields match case-insensitively; identifiers exactly.
    let fold = matches!(field, "Username" | "FirstName" | "LastName");
    candidates.into_iter().any(|c| {
        let (c, v) = if fold { (c.to_lowercase(), value.to_lowercase()) } else { (c.to_owned(), value.to_owned()) };
        match comparison {
            "STARTS_WITH" => c.starts_with(&v),
            "CONTAINS" => c.contains(&v),
            _ => c == v,
        }
    })
}

fn hierarchy_match(h: &Value, u: &UserRecord, instance: &Instance) -> bool {
    let wanted = h.get("Value").and_then(Value::as_str).unwrap_or_default();
    let group = s(&u.user, "HierarchyGroupId");
    if group.is_empty() {
        return false;
    }
    match h.get("HierarchyGroupMatchType").and_then(Value::as_str) {
        Some("WITH_CHILD_GROUPS") => instance.hierarchy_groups.get(group).is_some_and(|g| in_subtree(g, wanted)),
        _ => group == wanted,
    }
}

fn proficiency_match(l: &Value, u: &UserRecord) -> bool {
    let conditions = l.get("Conditions").and_then(Value::as_array).cloned().unwrap_or_default();
    u.proficiencies.iter().any(|p| {
        conditions.iter().all(|c| {
            if let Some(sc) = c.get("StringCondition") {
                let field = sc.get("FieldName").and_then(Value::as_str).unwrap_or_default();
                let value = sc.get("Value").and_then(Value::as_str).unwrap_or_default();
                return p.get(field).and_then(Value::as_str) == Some(value);
            }
            if let Some(nc) = c.get("NumberCondition") {
                let level = p.get("Level").and_then(Value::as_f64).unwrap_or(0.0);
                let min = nc.get("MinValue").and_then(Value::as_f64);
                let max = nc.get("MaxValue").and_then(Value::as_f64);
                return match nc.get("ComparisonType").and_then(Value::as_str) {
                    Some("GREATER_OR_EQUAL") => min.is_none_or(|m| level >= m),
                    Some("GREATER") => min.is_none_or(|m| level > m),
                    Some("LESSER_OR_EQUAL") => max.is_none_or(|m| level <= m),
                    Some("LESSER") => max.is_none_or(|m| level < m),
                    Some("EQUAL") => min.is_none_or(|m| level == m),
                    Some("NOT_EQUAL") => min.is_none_or(|m| level != m),
                    Some("RANGE") => min.is_none_or(|m| level >= m) && max.is_none_or(|m| level <= m),
                    _ => true,
                };
            }
            true
        })
    })
}

fn tag_match(t: &Value, tags: Option<&Obj>) -> bool {
    let key = t.get("TagKey").and_then(Value::as_str).unwrap_or_default();
    let value = t.get("TagValue").and_then(Value::as_str);
    tags.and_then(|m| m.get(key)).and_then(Value::as_str).is_some_and(|v| value.is_none_or(|w| w == v))
}

fn filter_match(f: &Value, u: &UserRecord, instance: &Instance) -> bool {
    let tags = u.user.get("Tags").and_then(Value::as_object);
    let all_tags = |l: Option<&Value>| l.and_then(Value::as_array).is_none_or(|l| l.iter().all(|t| tag_match(t, tags)));
    if let Some(tf) = f.get("TagFilter") {
        let or_ok = tf
            .get("OrConditions")
            .and_then(Value::as_array)
            .is_none_or(|groups| groups.iter().any(|g| all_tags(Some(g))));
        let and_ok = all_tags(tf.get("AndConditions"));
        let one_ok = tf.get("TagCondition").is_none_or(|t| tag_match(t, tags));
        if !(or_ok && and_ok && one_ok) {
            return false;
        }
    }
    if let Some(af) = f.get("UserAttributeFilter") {
        let and_cond = |a: &Value| {
            all_tags(a.get("TagConditions"))
                && a.get("HierarchyGroupCondition").is_none_or(|h| hierarchy_match(h, u, instance))
        };
        let or_ok = af.get("OrConditions").and_then(Value::as_array).is_none_or(|l| l.iter().any(and_cond));
        let and_ok = af.get("AndCondition").is_none_or(and_cond);
        let tag_ok = af.get("TagCondition").is_none_or(|t| tag_match(t, tags));
        let hg_ok = af.get("HierarchyGroupCondition").is_none_or(|h| hierarchy_match(h, u, instance));
        if !(or_ok && and_ok && tag_ok && hg_ok) {
            return false;
        }
    }
    true
}
