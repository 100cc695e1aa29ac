//! Reading this engine's own writes in a scan: Connect's reads are eventually consistent, so a
//! listed row that does not show a change this engine made is read again, and after a complete
//! listing the items it created (or changed in a column a search filtered on) that the listing
//! does not show yet are fetched by their get call.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Scan, Scanned, Sink};
use crate::error::ApiFailure;
use crate::provider::api::{Parent, Row};
use crate::provider::own_writes;
use crate::provider::plan::ItemRef;

impl Scan {
    /// Listed rows, each read again while it does not show this engine's own change yet
    /// ([`own_writes::caught_up`]).
    pub(super) async fn caught_up(&self, parent: &Parent, mut rows: Vec<Row>) -> Result<Vec<Row>, ApiFailure> {
        if self.cx.recent.any_updates(self.table.def().name) {
            for r in &mut rows {
                *r = own_writes::caught_up(self.table.as_ref(), &self.cx, parent, std::mem::take(r)).await?;
            }
        }
        Ok(rows)
    }

    /// After a complete listing: the items this engine created there that the listing does not
    /// show yet, and those it changed in a column the search filtered on (the search may not
    /// match their new values yet), fetched by their get call.
    pub(super) async fn add_recent(
        self: &Arc<Self>,
        parent: Arc<Parent>,
        listed: &BTreeSet<String>,
        filtered_on: &[String],
        sink: &mut Sink,
    ) -> Scanned {
        let def = self.table.def();
        if sink.done() || def.get_op.is_none() {
            return Ok(());
        }
        let missing = self.cx.recent.missing(def.name, &parent, listed, filtered_on);
        if missing.is_empty() {
            return Ok(());
        }
        let items: Vec<ItemRef> =
            missing.into_iter().map(|id| ItemRef { region: None, instance_id: None, id }).collect();
        Arc::clone(self).get_named(parent, &items, sink).await
    }
}
