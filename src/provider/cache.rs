//! What one statement has already listed: the instances of each region, and the listings of the
//! small tables (profiles, groups, statuses, instances), so a join lists each table once per
//! region and instance. Cleared when the next statement starts.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::api::{Parent, Row};
use crate::aws::errors::ApiCallError;

type Cell<T> = Arc<OnceCell<Arc<T>>>;
/// A table's listing in one container.
type ListingKey = (String, Parent);

/// Listings shared by the scans of one statement.
#[derive(Debug, Default)]
pub struct StatementCache {
    parents: Mutex<HashMap<String, Cell<Vec<Parent>>>>,
    listings: Mutex<HashMap<ListingKey, Cell<Vec<Row>>>>,
}

fn cell<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Cell<T>>>, key: K) -> Cell<T> {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(map.entry(key).or_default())
}

impl StatementCache {
    /// Forgets everything (a new statement starts).
    pub fn clear(&self) {
        self.parents.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        self.listings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// The instances of a region, listed once per statement; concurrent scans wait for the first.
    pub async fn instances<F>(&self, region: &str, fetch: F) -> Result<Arc<Vec<Parent>>, ApiCallError>
    where
        F: Future<Output = Result<Vec<Parent>, ApiCallError>>,
    {
        let c = cell(&self.parents, region.to_owned());
        c.get_or_try_init(|| async { fetch.await.map(Arc::new) }).await.cloned()
    }

    /// A whole listing of a table in a container, fetched once per statement.
    pub async fn listing<F>(&self, table: &str, parent: &Parent, fetch: F) -> Result<Arc<Vec<Row>>, ApiCallError>
    where
        F: Future<Output = Result<Vec<Row>, ApiCallError>>,
    {
        let c = cell(&self.listings, (table.to_owned(), parent.clone()));
        c.get_or_try_init(|| async { fetch.await.map(Arc::new) }).await.cloned()
    }
}
