//! What one statement has already listed: whole listings of the small tables (instances,
//! profiles, groups, statuses), so a join, a lookup or the instances of a region are listed once
//! per region and instance; and where each item it read lives, so a later lookup of the same
//! item by id (`WHERE id IN (SELECT id …)`) asks only the instance that holds it. Lives as long
//! as the statement.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::item::{Parent, Row};
use crate::error::ApiFailure;

type Cell<T> = Arc<OnceCell<Arc<T>>>;
/// A table's listing in one container.
type ListingKey = (&'static str, Parent);

/// Items whose container a statement remembers.
const SEEN_MAX: usize = 10_000;

/// Listings shared by the scans of one statement.
#[derive(Debug, Default)]
pub(crate) struct StatementListings {
    listings: Mutex<HashMap<ListingKey, Cell<Vec<Row>>>>,
    /// The container of each item read so far, by table and id.
    seen: Mutex<HashMap<(&'static str, String), Parent>>,
}

fn cell<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Cell<T>>>, key: K) -> Cell<T> {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(map.entry(key).or_default())
}

impl StatementListings {
    /// A whole listing of a table in a container, fetched once per statement.
    pub(crate) async fn listing<F>(
        &self,
        table: &'static str,
        parent: &Parent,
        fetch: F,
    ) -> Result<Arc<Vec<Row>>, ApiFailure>
    where
        F: Future<Output = Result<Vec<Row>, ApiFailure>>,
    {
        let c = cell(&self.listings, (table, parent.clone()));
        c.get_or_try_init(|| async { fetch.await.map(Arc::new) }).await.cloned()
    }

    /// Remembers the container of the items of `rows` (by their `id`), up to [`SEEN_MAX`]
    /// items: past that a lookup only costs its calls, and a large scan's memory stays flat.
    pub(crate) fn saw(&self, table: &'static str, parent: &Parent, rows: &[Row]) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let room = SEEN_MAX.saturating_sub(seen.len());
        for id in rows.iter().filter_map(|r| r.get("id").and_then(serde_json::Value::as_str)).take(room) {
            seen.insert((table, id.to_owned()), parent.clone());
        }
    }

    /// Whether an item may be in `parent`: yes unless this statement read it in another one
    /// (ids are unique across instances, so an item read in one is in no other).
    pub(crate) fn may_hold(&self, table: &'static str, parent: &Parent, id: &str) -> bool {
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.get(&(table, id.to_owned())).is_none_or(|p| p == parent)
    }
}
