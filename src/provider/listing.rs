//! What one statement has already listed: whole listings of the small tables (instances,
//! profiles, groups, statuses), so a join, a lookup or the instances of a region are listed once
//! per region and instance. Lives as long as the statement.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::item::{Parent, Row};
use crate::error::ApiFailure;

type Cell<T> = Arc<OnceCell<Arc<T>>>;
/// A table's listing in one container.
type ListingKey = (&'static str, Parent);

/// Listings shared by the scans of one statement.
#[derive(Debug, Default)]
pub(crate) struct StatementListings {
    listings: Mutex<HashMap<ListingKey, Cell<Vec<Row>>>>,
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
}
