//! The scan's use of the local detail cache: what it serves for a listed row whose item did not
//! change, what a described item leaves in it, and what it forgets after a complete listing.

use std::collections::BTreeSet;

use super::{Described, Listed, Scan};
use crate::cache::Container;
use crate::provider::api::{Parent, Row};
use crate::provider::detail_cache::{CacheUse, GET_PART, Reuse};

/// What the cache serves for a listed row, and what is left to call for.
pub(super) struct Reused<'a> {
    /// The cache and the item's place in it, when the table may be served from it.
    at: Option<(&'a CacheUse, Container)>,
    stamp: Option<i64>,
    pub(super) detail: Row,
    parts: BTreeSet<String>,
    pub(super) need_get: bool,
    pub(super) need_extras: Vec<&'static str>,
    /// Live columns: read every time, never kept.
    live: &'a [&'static str],
}

impl Reused<'_> {
    /// The item is gone: the cache forgets it.
    pub(super) fn forget(&self, id: &str) {
        if let Some((c, at)) = &self.at {
            c.store().forget(at, id);
        }
    }

    /// The cached detail completed with what was just described, kept for the next statement.
    pub(super) fn keep(self, id: &str, described: Described) -> Row {
        let (mut detail, mut parts) = (self.detail, self.parts);
        let mut fetched = described.full.is_some();
        if let Some(full) = described.full {
            detail.extend(full);
            parts.insert(GET_PART.to_owned());
        }
        let mut live = Row::new();
        for (column, value) in described.extras {
            if self.live.contains(&column.as_str()) {
                live.insert(column, value);
                continue;
            }
            parts.insert(column.clone());
            detail.insert(column, value);
            fetched = true;
        }
        // Only what was just fetched renews an entry: live columns alone leave it as it was.
        if let Some((c, at)) = self.at.as_ref().filter(|_| fetched) {
            c.keep(at, id, self.stamp, parts, detail.clone());
        }
        detail.extend(live);
        detail
    }
}

impl Scan {
    /// What the cache holds for a listed row's item that is still valid, what the plan still
    /// needs called, and the calls saved (for the statement's accounting).
    pub(super) fn reused(&self, parent: &Parent, row: &Row, id: &str) -> Reused<'_> {
        let def = self.table.def();
        let stamp = CacheUse::stamp(def, row);
        let at = self.cache().map(|c| (c, c.container(def, parent, row)));
        let reuse = at.as_ref().map_or_else(Reuse::default, |(c, at)| c.reusable(at, id, stamp));
        let need_get = self.plan.hydrate && !reuse.parts.contains(GET_PART);
        let live = self.plan.live.as_slice();
        let need_extras: Vec<&'static str> = self
            .plan
            .extras
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| live.contains(c) || !reuse.parts.contains(*c))
            .collect();
        // A scan that needs only live columns asks the cache for nothing.
        let asks = self.plan.hydrate || self.plan.extras.iter().any(|(c, _)| !live.contains(c));
        if at.is_some() && asks {
            let mut saved: Vec<&str> = self
                .plan
                .extras
                .iter()
                .filter(|(c, _)| reuse.parts.contains(*c) && !live.contains(c))
                .map(|(_, op)| *op)
                .collect();
            if self.plan.hydrate && !need_get {
                saved.extend(def.get_op);
            }
            let served = !need_get && need_extras.iter().all(|c| live.contains(c));
            self.cx.clients.stats().cache_item(served, &saved);
        }
        let mut detail = reuse.detail;
        detail.retain(|c, _| !live.contains(&c.as_str()));
        Reused { at, stamp, detail, parts: reuse.parts, need_get, need_extras, live }
    }

    /// The cache, when this scan's table may be served from it.
    pub(super) fn cache(&self) -> Option<&CacheUse> {
        self.cx.cache.as_ref().filter(|_| self.table.def().cacheable())
    }

    /// A problem the cache met is a warning (once); the scan goes on without the cache.
    pub(super) fn report_cache_problem(&self) {
        if let Some(problem) = self.cache().and_then(CacheUse::problem) {
            self.cx.events.warn(format!("the local cache is not used: {problem}; statements run without it"));
        }
    }

    /// Keeps what a get call (and the extras) returned for a named item.
    pub(super) fn keep_named(&self, parent: &Parent, id: &str, row: &Row) {
        let Some(c) = self.cache() else { return };
        let def = self.table.def();
        let live = |c: &str| self.plan.live.contains(&c);
        let mut parts: BTreeSet<String> =
            self.plan.extras.iter().map(|(c, _)| *c).filter(|c| !live(c)).map(str::to_owned).collect();
        parts.insert(GET_PART.to_owned());
        let mut kept = row.clone();
        kept.retain(|c, _| !live(c));
        c.keep(&c.container(def, parent, row), id, CacheUse::stamp(def, row), parts, kept);
    }

    /// After a complete listing of a container: the cache forgets the items it no longer has.
    pub(super) fn listing_complete(&self, parent: &Parent, listed: &Listed) {
        let (Some(c), Some(first)) = (self.cache(), &listed.first) else { return };
        c.listed(&c.container(self.table.def(), parent, first), &listed.ids);
    }
}
