//! Reads that show this engine's own writes. Connect is eventually consistent (see
//! [`super::recent`]): a get call right after this engine created an item may not find it, and
//! one right after it changed an item may show the old values. Such a read is made again, with
//! backoff, until the service shows what was written or [`recent::WAIT`] has passed; then the
//! read is taken as it is, with a warning naming the item.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::api::{ApiTable, Parent, Row};
use super::context::ScanContext;
use super::recent;
use crate::error::ApiFailure;

/// The get call of an item, waiting while it does not show this engine's own writes yet.
///
/// # Errors
/// The get call's failure.
pub(crate) async fn get(
    table: &dyn ApiTable,
    cx: &ScanContext,
    parent: &Parent,
    id: &str,
) -> Result<Option<Row>, ApiFailure> {
    let name = table.def().name;
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let read = table.get(cx, parent, id).await?;
        let behind = match &read {
            None if cx.recent.worth_waiting(name, id) => Vec::new(),
            Some(row) => {
                let behind = cx.recent.behind(name, id, row);
                if behind.is_empty() {
                    return Ok(read);
                }
                behind
            }
            None => return Ok(None),
        };
        if started.elapsed() >= recent::WAIT {
            cx.recent.give_up(name, id);
            let (table, secs) = (table.def().qualified_name(), recent::WAIT.as_secs());
            cx.events.warn(if read.is_none() {
                format!(
                    "{table}: {id}, created by this run, is still not visible after {secs} s (Connect is eventually consistent); left out"
                )
            } else {
                format!(
                    "{table}: {id} still shows the {} it had before this run changed it, after {secs} s (Connect is eventually consistent, or it was changed since); shown as read",
                    behind.join(", ")
                )
            });
            return Ok(read);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// A row a list or search call gave, brought up to this engine's own writes: while it shows
/// other values than this engine wrote, the (waiting) get call's values replace them.
///
/// # Errors
/// The get call's failure.
pub(crate) async fn caught_up(
    table: &dyn ApiTable,
    cx: &ScanContext,
    parent: &Parent,
    mut row: Row,
) -> Result<Row, ApiFailure> {
    let name = table.def().name;
    if table.def().get_op.is_none() || !cx.recent.any_updates(name) {
        return Ok(row);
    }
    let Some(id) = row.get("id").and_then(Value::as_str).map(str::to_owned) else { return Ok(row) };
    if cx.recent.behind(name, &id, &row).is_empty() {
        return Ok(row);
    }
    if let Some(full) = get(table, cx, parent, &id).await? {
        row.extend(full);
    }
    Ok(row)
}
