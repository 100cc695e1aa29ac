//! Items this engine created, remembered for a while. Connect is eventually consistent: right
//! after a create, the list and search calls may not show the new item yet, and its get call may
//! answer ResourceNotFoundException. So a scan adds the recent creates its complete listing
//! missed, and a get of a recent create waits for it (with backoff, bounded): a script reads its
//! own writes, and an UPDATE right after an INSERT finds the row it just created.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::item::Parent;

/// How long a create is remembered (the docs: "in some cases it can take several minutes").
const KEEP: Duration = Duration::from_secs(10 * 60);

/// How long a get waits for a create to become visible before the item is reported missing.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
struct Created {
    table: &'static str,
    region: String,
    instance: Option<String>,
    id: String,
    at: Instant,
    /// Waited for once without success: later reads do not wait again.
    given_up: bool,
}

/// The engine's recent creates.
#[derive(Debug, Default)]
pub(crate) struct RecentCreates {
    items: Mutex<Vec<Created>>,
}

impl RecentCreates {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Created>) -> T) -> T {
        let mut items = self.items.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        items.retain(|c| c.at.elapsed() < KEEP);
        f(&mut items)
    }

    pub(crate) fn created(&self, table: &'static str, region: &str, instance: Option<&str>, id: &str) {
        self.with(|items| {
            items.push(Created {
                table,
                region: region.to_owned(),
                instance: instance.map(str::to_owned),
                id: id.to_owned(),
                at: Instant::now(),
                given_up: false,
            });
        });
    }

    pub(crate) fn forget(&self, table: &str, id: &str) {
        self.with(|items| items.retain(|c| !(c.table == table && c.id == id)));
    }

    /// Recent creates of `table` in `parent` that a complete listing did not return.
    pub(crate) fn missing(&self, table: &str, parent: &Parent, listed: &BTreeSet<String>) -> Vec<String> {
        self.with(|items| {
            items
                .iter()
                .filter(|c| c.table == table && c.region == parent.region && c.instance == parent.instance_id)
                .filter(|c| !listed.contains(&c.id))
                .map(|c| c.id.clone())
                .collect()
        })
    }

    /// Whether any create of `table` is remembered (a scan then tracks what it lists).
    pub(crate) fn any(&self, table: &str) -> bool {
        self.with(|items| items.iter().any(|c| c.table == table))
    }

    /// Whether a get of `id` that found nothing should wait and try again.
    pub(crate) fn worth_waiting(&self, table: &str, id: &str) -> bool {
        self.with(|items| items.iter().any(|c| c.table == table && c.id == id && !c.given_up))
    }

    pub(crate) fn give_up(&self, table: &str, id: &str) {
        self.with(|items| {
            for c in items.iter_mut().filter(|c| c.table == table && c.id == id) {
                c.given_up = true;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_creates_are_per_container_and_forgotten_on_delete() {
        let r = RecentCreates::default();
        r.created("users", "us-east-1", Some("i-1"), "a");
        r.created("users", "us-east-1", Some("i-2"), "b");
        let parent = Parent { region: "us-east-1".into(), instance_id: Some("i-1".into()), instance_arn: None };
        assert_eq!(r.missing("users", &parent, &BTreeSet::new()), ["a"]);
        assert!(r.missing("users", &parent, &BTreeSet::from(["a".to_owned()])).is_empty());
        assert!(r.worth_waiting("users", "a") && r.any("users") && !r.any("routing_profiles"));
        r.give_up("users", "a");
        assert!(!r.worth_waiting("users", "a"));
        r.forget("users", "a");
        assert!(r.missing("users", &parent, &BTreeSet::new()).is_empty());
    }
}
