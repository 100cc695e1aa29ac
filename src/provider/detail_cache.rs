//! How scans use the local detail cache. An item's detail (its get call's answer and per-row
//! extras) is reused when the listing shows the same modification time as when it was fetched
//! (both absent counts as the same: the real service omits it from some listings for users never modified) and
//! the entry is younger than the maximum age, which bounds changes that may not move the time.
//! Entries live per account — and per endpoint when it is not AWS's, so an emulator's data never
//! mixes with an account's.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::item::{Parent, Row};
use super::table_def::TableDef;
use crate::cache::{Container, DetailCache, Entry, now_ms};

/// The part of an entry holding the get call's columns (the others are named by their column).
pub(crate) const GET_PART: &str = "get";

/// A statement's use of the cache.
#[derive(Debug, Clone)]
pub(crate) struct CacheUse {
    store: Arc<DetailCache>,
    /// The endpoint override, when Connect is not reached at AWS's own endpoint.
    endpoint: Option<Arc<str>>,
    /// Entries older than this are fetched again; zero reuses nothing.
    max_age: Duration,
}

/// What a cached entry can give a row that needs `needed` parts.
#[derive(Debug, Default)]
pub(crate) struct Reuse {
    /// The cached columns of the parts that are still valid.
    pub(crate) detail: Map<String, Value>,
    pub(crate) parts: BTreeSet<String>,
}

impl CacheUse {
    pub(crate) fn new(store: Arc<DetailCache>, endpoint: Option<&str>, max_age: Duration) -> Self {
        CacheUse { store, endpoint: endpoint.map(Arc::from), max_age }
    }

    pub(crate) fn store(&self) -> &DetailCache {
        &self.store
    }

    /// Where an item of `def` lives, for its cache key. The account comes from the item's ARN
    /// (or its instance's).
    pub(crate) fn container(&self, def: &TableDef, parent: &Parent, row: &Row) -> Container {
        let arn = row.get("arn").and_then(Value::as_str).or(parent.instance_arn.as_deref()).unwrap_or_default();
        let account = arn.split(':').nth(4).unwrap_or_default();
        let account = match &self.endpoint {
            Some(e) => format!("{account}@{e}"),
            None => account.to_owned(),
        };
        Container {
            account,
            region: parent.region.clone(),
            instance: parent.instance().to_owned(),
            table: def.name.to_owned(),
        }
    }

    /// The modification time a row shows (ms), if any.
    pub(crate) fn stamp(def: &TableDef, row: &Row) -> Option<i64> {
        def.change_stamp.and_then(|c| row.get(c)).and_then(Value::as_i64)
    }

    /// What the cache holds for an item listed with `stamp` that is still valid.
    pub(crate) fn reusable(&self, at: &Container, id: &str, stamp: Option<i64>) -> Reuse {
        if self.max_age.is_zero() {
            return Reuse::default();
        }
        match self.store.lookup(at, &[id]).remove(id) {
            Some(e) if e.modified == stamp && e.age(now_ms()) < self.max_age => {
                Reuse { detail: e.detail, parts: e.parts }
            }
            _ => Reuse::default(),
        }
    }

    /// Keeps an item's detail, fetched for a listing that showed `stamp`.
    pub(crate) fn keep(
        &self,
        at: &Container,
        id: &str,
        stamp: Option<i64>,
        parts: BTreeSet<String>,
        detail: Map<String, Value>,
    ) {
        self.store.store(at, id, &Entry { modified: stamp, fetched_ms: now_ms(), parts, detail });
    }

    /// Forgets a written or vanished item.
    pub(crate) fn forget(&self, def: &TableDef, parent: &Parent, row: &Row) {
        if let Some(id) = row.get("id").and_then(Value::as_str) {
            self.store.forget(&self.container(def, parent, row), id);
        }
    }

    /// After a complete listing of a container: forgets the items it no longer returns.
    pub(crate) fn listed(&self, at: &Container, ids: &BTreeSet<String>) {
        self.store.retain(at, ids);
    }

    /// A problem the cache met, once, for a warning.
    pub(crate) fn problem(&self) -> Option<String> {
        self.store.take_problem()
    }
}
