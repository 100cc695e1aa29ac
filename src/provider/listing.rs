//! What one statement has already listed: the instances of each region, and whole listings of
//! the small tables (profiles, groups, statuses, instances), so a join or a lookup lists each
//! table once per region and instance. Lives as long as the statement.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::api::{ApiTable, Parent, Row};
use super::context::ScanContext;
use crate::error::ApiFailure;

type Cell<T> = Arc<OnceCell<Arc<T>>>;
/// A table's listing in one container.
type ListingKey = (&'static str, Parent);

/// Listings shared by the scans of one statement.
#[derive(Debug, Default)]
pub(crate) struct StatementListings {
    parents: Mutex<HashMap<String, Cell<Vec<Parent>>>>,
    listings: Mutex<HashMap<ListingKey, Cell<Vec<Row>>>>,
}

fn cell<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Cell<T>>>, key: K) -> Cell<T> {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(map.entry(key).or_default())
}

impl StatementListings {
    /// The instances of a region, listed once per statement; concurrent scans wait for the first.
    pub(crate) async fn instances<F>(&self, region: &str, fetch: F) -> Result<Arc<Vec<Parent>>, ApiFailure>
    where
        F: Future<Output = Result<Vec<Parent>, ApiFailure>>,
    {
        let c = cell(&self.parents, region.to_owned());
        c.get_or_try_init(|| async { fetch.await.map(Arc::new) }).await.cloned()
    }

    async fn listing<F>(&self, table: &'static str, parent: &Parent, fetch: F) -> Result<Arc<Vec<Row>>, ApiFailure>
    where
        F: Future<Output = Result<Vec<Row>, ApiFailure>>,
    {
        let c = cell(&self.listings, (table, parent.clone()));
        c.get_or_try_init(|| async { fetch.await.map(Arc::new) }).await.cloned()
    }
}

/// Every page of a table's listing in a container, fetched once per statement.
///
/// # Errors
/// A failing list call.
pub(crate) async fn whole_listing(
    cx: &ScanContext,
    table: &dyn ApiTable,
    parent: &Parent,
) -> Result<Arc<Vec<Row>>, ApiFailure> {
    let def = table.def();
    let fetch = async {
        let mut rows = Vec::new();
        let mut token = None;
        loop {
            let page = table.list(cx, parent, token, def.list_page_max).await?;
            rows.extend(page.rows);
            match page.next.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => return Ok(rows),
            }
        }
    };
    cx.listings.listing(def.name, parent, fetch).await
}
