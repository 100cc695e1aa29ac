//! Items this engine created or changed, remembered for a while. Connect is eventually
//! consistent: right after a create, the list and search calls may not show the new item yet, and
//! its get call may answer ResourceNotFoundException; right after an update, reads may still show
//! the old values. So a scan adds the recent creates its complete listing missed, and a read of a
//! recent create, or of an item whose values are still not the ones this engine wrote, waits for
//! the service to catch up (with backoff, bounded; see [`super::own_writes`]): a script reads its
//! own writes, and an UPDATE right after an INSERT or another UPDATE starts from the right row.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::item::{Parent, Row};

/// How long a create is remembered (the docs: "in some cases it can take several minutes").
const KEEP: Duration = Duration::from_secs(10 * 60);

/// How long a get waits for a create to become visible before the item is reported missing.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// A value this engine wrote to a column, as reads should show it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Written {
    /// Kept in [`canonical`] form, so each read is brought to it alone.
    value: Value,
    /// The column is a struct the write merged these members into: it holds at least them.
    merged: bool,
}

impl Written {
    /// The column holds exactly this (text, numbers, lists, maps).
    pub(crate) fn whole(v: &Value) -> Self {
        Written { value: canonical(v), merged: false }
    }

    /// The column holds at least these members.
    pub(crate) fn members(v: &Value) -> Self {
        Written { value: canonical(v), merged: true }
    }
}

/// What this engine did to an item.
#[derive(Debug, Clone)]
enum Write {
    Created,
    /// Column → the value written.
    Updated(BTreeMap<String, Written>),
}

/// An item this engine wrote, remembered for [`KEEP`].
#[derive(Debug, Clone)]
struct Remembered {
    table: &'static str,
    region: String,
    instance: Option<String>,
    id: String,
    write: Write,
    at: Instant,
    /// Waited for once without success: later reads do not wait again.
    given_up: bool,
}

impl Remembered {
    fn is(&self, table: &str, id: &str) -> bool {
        self.table == table && self.id == id
    }
}

/// The engine's recent creates and updates.
#[derive(Debug, Default)]
pub(crate) struct RecentWrites {
    items: Mutex<Vec<Remembered>>,
}

impl RecentWrites {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Remembered>) -> T) -> T {
        let mut items = self.items.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        items.retain(|c| c.at.elapsed() < KEEP);
        f(&mut items)
    }

    pub(crate) fn created(&self, table: &'static str, region: &str, instance: Option<&str>, id: &str) {
        self.with(|items| {
            items.push(Remembered {
                table,
                region: region.to_owned(),
                instance: instance.map(str::to_owned),
                id: id.to_owned(),
                write: Write::Created,
                at: Instant::now(),
                given_up: false,
            });
        });
    }

    /// This engine wrote these values to an item (a later write of a column replaces its value).
    pub(crate) fn updated(&self, table: &'static str, parent: &Parent, id: &str, written: BTreeMap<String, Written>) {
        self.with(|items| {
            let earlier = items.iter_mut().find(|r| r.is(table, id) && matches!(r.write, Write::Updated(_)));
            match earlier {
                Some(r) => {
                    if let Write::Updated(w) = &mut r.write {
                        w.extend(written);
                    }
                    r.at = Instant::now();
                    r.given_up = false;
                }
                None => items.push(Remembered {
                    table,
                    region: parent.region.clone(),
                    instance: parent.instance_id.clone(),
                    id: id.to_owned(),
                    write: Write::Updated(written),
                    at: Instant::now(),
                    given_up: false,
                }),
            }
        });
    }

    /// Whether any update of `table` is remembered (reads then check what they show).
    pub(crate) fn any_updates(&self, table: &str) -> bool {
        self.with(|items| items.iter().any(|r| r.table == table && matches!(r.write, Write::Updated(_))))
    }

    /// The columns of a read row that still show something else than this engine wrote (none
    /// when the item was not written, or a read already waited for it in vain).
    pub(crate) fn behind(&self, table: &str, id: &str, row: &Row) -> Vec<String> {
        self.with(|items| {
            items
                .iter()
                .filter(|r| r.is(table, id) && !r.given_up)
                .filter_map(|r| match &r.write {
                    Write::Updated(w) => Some(w),
                    Write::Created => None,
                })
                .flat_map(|w| w.iter().filter(|(c, v)| !shows(v, row.get(*c))).map(|(c, _)| c.clone()))
                .collect()
        })
    }

    /// The item is gone (deleted by this engine): nothing of it is awaited any more.
    pub(crate) fn forget(&self, table: &str, id: &str) {
        self.with(|items| items.retain(|r| !r.is(table, id)));
    }

    /// Recent creates of `table` in `parent` that a complete listing did not return, and recent
    /// updates of a column in `filtered_on` (a search may not match the new values yet; the
    /// scan's filters still apply to what is added).
    pub(crate) fn missing(
        &self,
        table: &str,
        parent: &Parent,
        listed: &BTreeSet<String>,
        filtered_on: &[String],
    ) -> Vec<String> {
        let ids: BTreeSet<String> = self.with(|items| {
            items
                .iter()
                .filter(|r| r.table == table && r.region == parent.region && r.instance == parent.instance_id)
                .filter(|r| match &r.write {
                    Write::Created => true,
                    Write::Updated(w) => filtered_on.iter().any(|c| w.contains_key(c)),
                })
                .map(|r| r.id.clone())
                .collect()
        });
        ids.into_iter().filter(|id| !listed.contains(id)).collect()
    }

    /// Whether any create or update of `table` is remembered (a scan then tracks what it lists).
    pub(crate) fn any(&self, table: &str) -> bool {
        self.with(|items| items.iter().any(|r| r.table == table))
    }

    /// Whether a get of `id` that found nothing should wait and try again.
    pub(crate) fn worth_waiting(&self, table: &str, id: &str) -> bool {
        self.with(|items| items.iter().any(|r| r.is(table, id) && matches!(r.write, Write::Created) && !r.given_up))
    }

    pub(crate) fn give_up(&self, table: &str, id: &str) {
        self.with(|items| {
            for r in items.iter_mut().filter(|r| r.is(table, id)) {
                r.given_up = true;
            }
        });
    }
}

/// Whether a read value shows the one written. A column the row does not carry tells nothing;
/// NULL reads back as absent or empty; lists compare as sets, numbers by value, objects member
/// by member without their NULL members, JSON text as what it holds; a merged struct shows the
/// members written, whatever else it holds.
fn shows(written: &Written, read: Option<&Value>) -> bool {
    let Some(read) = read else { return true };
    match (&written.value, canonical(read)) {
        (Value::Object(w), Value::Object(r)) if written.merged => w.iter().all(|(k, v)| r.get(k) == Some(v)),
        (w, _) if written.merged && w.is_null() => true,
        (w, r) => *w == r,
    }
}

/// A value in a form where what the service may change without meaning anything (order of a
/// set, `3` vs `3.0`, NULL members, JSON as text) no longer differs.
fn canonical(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with(['{', '[']) => {
            serde_json::from_str::<Value>(s).map_or_else(|_| v.clone(), |parsed| canonical(&parsed))
        }
        Value::Number(n) => n.as_f64().map_or_else(|| v.clone(), |f| Value::String(format!("{f}"))),
        Value::Array(items) if items.is_empty() => Value::Null,
        Value::Array(items) => {
            let mut items: Vec<String> = items.iter().map(|i| canonical(i).to_string()).collect();
            items.sort();
            Value::Array(items.into_iter().map(Value::String).collect())
        }
        Value::Object(members) => {
            let members: serde_json::Map<String, Value> =
                members.iter().map(|(k, m)| (k.clone(), canonical(m))).filter(|(_, m)| !m.is_null()).collect();
            if members.is_empty() { Value::Null } else { Value::Object(members) }
        }
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn missing_creates_are_per_container_and_forgotten_on_delete() {
        let r = RecentWrites::default();
        r.created("users", "us-east-1", Some("i-1"), "a");
        r.created("users", "us-east-1", Some("i-2"), "b");
        let parent = Parent::new(0, "us-east-1", Some("i-1"));
        assert_eq!(r.missing("users", &parent, &BTreeSet::new(), &[]), ["a"]);
        assert!(r.missing("users", &parent, &BTreeSet::from(["a".to_owned()]), &[]).is_empty());
        assert!(r.worth_waiting("users", "a") && r.any("users") && !r.any("routing_profiles"));
        r.give_up("users", "a");
        assert!(!r.worth_waiting("users", "a"));
        r.forget("users", "a");
        assert!(r.missing("users", &parent, &BTreeSet::new(), &[]).is_empty());
    }

    fn row(v: Value) -> Row {
        v.as_object().cloned().expect("an object")
    }

    fn whole(v: Value) -> BTreeMap<String, Written> {
        row(v).into_iter().map(|(c, v)| (c, Written::whole(&v))).collect()
    }

    #[test]
    fn a_read_is_behind_while_it_shows_other_values_than_written() {
        let r = RecentWrites::default();
        assert!(!r.any_updates("users"));
        let parent = Parent::new(0, "us-east-1", Some("i-1"));
        r.updated(
            "users",
            &parent,
            "a",
            whole(json!({ "routing_profile_id": "new", "security_profile_ids": ["x", "y"], "tags": { "team": "blue" },
                "hierarchy_group_id": null })),
        );
        assert!(r.any_updates("users") && r.any("users"));
        let on = |c: &str| vec![c.to_owned()];
        assert_eq!(r.missing("users", &parent, &BTreeSet::new(), &on("routing_profile_id")), ["a"], "not matched yet");
        assert!(r.missing("users", &parent, &BTreeSet::new(), &on("username")).is_empty(), "matched as before");
        let old = row(json!({ "routing_profile_id": "old", "security_profile_ids": ["y", "x"], "tags": {} }));
        assert_eq!(r.behind("users", "a", &old), ["routing_profile_id", "tags"]);
        let new = row(json!({ "routing_profile_id": "new", "security_profile_ids": ["y", "x"],
            "tags": "{\"team\": \"blue\"}", "hierarchy_group_id": "" }));
        assert!(r.behind("users", "a", &new).is_empty(), "sets, JSON text and empty values read back");
        assert!(r.behind("users", "b", &old).is_empty(), "another item");
        assert!(r.behind("users", "a", &Row::new()).is_empty(), "a row without the columns tells nothing");
        r.updated("users", &parent, "a", whole(json!({ "routing_profile_id": "newer" })));
        assert_eq!(r.behind("users", "a", &new), ["routing_profile_id"], "the later value counts");
        r.give_up("users", "a");
        assert!(r.behind("users", "a", &old).is_empty(), "waited once in vain: not again");
        let levels =
            whole(json!({ "user_proficiencies": [{ "AttributeName": "lang", "AttributeValue": "en", "Level": 3 }] }));
        r.updated("users", &parent, "c", levels);
        let read =
            row(json!({ "user_proficiencies": [{ "AttributeName": "lang", "AttributeValue": "en", "Level": 3.0 }] }));
        assert!(r.behind("users", "c", &read).is_empty(), "3 is 3.0");
        let none = row(json!({ "user_proficiencies": [] }));
        assert_eq!(r.behind("users", "c", &none), ["user_proficiencies"]);
        r.forget("users", "c");
        assert!(r.behind("users", "c", &none).is_empty(), "deleted: nothing awaited");

        // A struct written into the current one: its members show, the others are the service's.
        let phone = json!({ "PhoneType": "SOFT_PHONE", "AutoAccept": true, "DeskPhoneNumber": null });
        r.updated("users", &parent, "d", BTreeMap::from([("phone_config".to_owned(), Written::members(&phone))]));
        let read = |v: Value| row(json!({ "phone_config": v }));
        let merged = read(json!({ "PhoneType": "SOFT_PHONE", "AutoAccept": true, "AfterContactWorkTimeLimit": 30 }));
        assert!(r.behind("users", "d", &merged).is_empty());
        let stale = read(json!({ "PhoneType": "DESK_PHONE", "AutoAccept": true, "DeskPhoneNumber": "+15550100" }));
        assert_eq!(r.behind("users", "d", &stale), ["phone_config"]);
        // A map is written whole: a key still there is a stale read.
        r.updated("users", &parent, "e", whole(json!({ "tags": { "team": "blue" } })));
        assert_eq!(r.behind("users", "e", &row(json!({ "tags": { "team": "blue", "site": "x" } }))), ["tags"]);
    }
}
