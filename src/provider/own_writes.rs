//! Reads that show this engine's own writes. Connect is eventually consistent (see
//! [`super::recent`]): a get call right after this engine created an item may not find it, and
//! a get or per-row call right after it changed an item may show the old values. Such a read is
//! made again, with backoff, until the service shows what was written or [`recent::WAIT`] has
//! passed; then the read is taken as it is, with a warning naming the item.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::DataType;
use serde_json::Value;

use super::api::{ApiTable, Parent, Row};
use super::context::ScanContext;
use super::recent::{self, Written};
use super::table_def::{Cost, TableDef};
use crate::error::ApiFailure;

/// What an UPDATE's SET list makes this engine's later reads wait for: the columns a get or
/// per-row call returns; a struct by the members written (the write merged them).
pub(crate) fn awaited(def: &TableDef, changes: &Row) -> BTreeMap<String, Written> {
    changes
        .iter()
        .filter_map(|(c, v)| {
            let column = def.column(c).filter(|c| matches!(c.cost, Cost::Get | Cost::PerRow(_)))?;
            let written = match column.data_type {
                DataType::Struct(_) => Written::members(v),
                _ => Written::whole(v),
            };
            Some((c.clone(), written))
        })
        .collect()
}

/// Reads made again with backoff, for up to [`recent::WAIT`].
struct Retries {
    started: Instant,
    pause: Duration,
}

impl Retries {
    fn new() -> Self {
        Retries { started: Instant::now(), pause: Duration::from_millis(100) }
    }

    /// Waits before the next read; false when the time is up.
    async fn wait(&mut self) -> bool {
        if self.started.elapsed() >= recent::WAIT {
            return false;
        }
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(Duration::from_secs(1));
        true
    }
}

/// After waiting in vain: the read is taken as it is, and the user is told.
fn gave_up(table: &dyn ApiTable, cx: &ScanContext, id: &str, behind: &[String]) {
    cx.recent.give_up(table.def().name, id);
    let (table, secs) = (table.def().qualified_name(), recent::WAIT.as_secs());
    cx.events.warn(if behind.is_empty() {
        format!(
            "{table}: {id}, created by this run, is still not visible after {secs} s (Connect is eventually consistent); left out"
        )
    } else {
        format!(
            "{table}: {id} still shows the {} it had before this run changed it, after {secs} s (Connect is eventually consistent, or it was changed since); shown as read",
            behind.join(", ")
        )
    });
}

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
    let mut retries = Retries::new();
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
        if !retries.wait().await {
            gave_up(table, cx, id, &behind);
            return Ok(read);
        }
    }
}

/// A per-row column's call ([`ApiTable::extra`]) into `row`, waiting while the column does not
/// show this engine's own write yet.
///
/// # Errors
/// The call's failure.
pub(crate) async fn extra(
    table: &dyn ApiTable,
    cx: &ScanContext,
    parent: &Parent,
    column: &str,
    row: &mut Row,
) -> Result<(), ApiFailure> {
    let name = table.def().name;
    let id = row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut retries = Retries::new();
    loop {
        table.extra(cx, parent, column, row).await?;
        let behind: Vec<String> = cx.recent.behind(name, &id, row).into_iter().filter(|c| c == column).collect();
        if behind.is_empty() {
            return Ok(());
        }
        if !retries.wait().await {
            gave_up(table, cx, &id, &behind);
            return Ok(());
        }
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
