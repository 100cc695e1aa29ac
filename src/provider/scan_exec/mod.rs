//! `ApiScanExec`: runs a [`ScanPlan`] as list → describe → emit. Pages are fetched while earlier
//! rows are still being described (a bounded number of get calls in flight), every page or ready
//! chunk becomes a record batch at once, and a closed consumer or a satisfied LIMIT stops the
//! paging. One output partition: the calls of a scan are paced and bounded as one.
//!
//! Two concerns ride along, each in its own module: the local detail cache ([`cached`]: what it
//! serves for an unchanged item, what it keeps and forgets) and reading this engine's own writes
//! ([`recent`]: rows behind a write are read again, items it created that a listing does not show
//! yet are added).

mod cached;
mod recent;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result, internal_err};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, ReplaceChildrenOptions,
};
use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde_json::Value;
use tokio::sync::mpsc::Sender;

use super::api::{ApiTable, Containers, Page, Parent, Row, whole_listing};
use super::context::ScanContext;

use super::events::Event;
use super::keys::{ConnectArn, instance_arn_of};
use super::own_writes;
use super::plan::{Access, Instances, ItemRef, Owners, ScanPlan};
use super::rows::to_batch;
use super::table_def::Scope;
use crate::error::{ApiFailure, Error};

/// The physical scan of an API-backed table.
#[derive(Debug)]
pub(crate) struct ApiScanExec {
    table: Arc<dyn ApiTable>,
    containers: Containers,
    plan: ScanPlan,
    cx: ScanContext,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl ApiScanExec {
    /// The calls this scan makes.
    pub(crate) fn scan_plan(&self) -> &ScanPlan {
        &self.plan
    }

    pub(crate) fn new(
        table: Arc<dyn ApiTable>,
        containers: Containers,
        plan: ScanPlan,
        cx: ScanContext,
        schema: SchemaRef,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        ApiScanExec { table, containers, plan, cx, schema, properties }
    }

    /// The rows of the scan as one stream (what a DML plan reads its targets from).
    pub(crate) fn rows(&self) -> SendableRecordBatchStream {
        let mut builder = RecordBatchReceiverStream::builder(Arc::clone(&self.schema), 2);
        let scan = Arc::new(Scan {
            table: Arc::clone(&self.table),
            containers: self.containers.clone(),
            plan: self.plan.clone(),
            cx: self.cx.clone(),
            schema: Arc::clone(&self.schema),
        });
        let tx = builder.tx();
        builder.spawn(async move { scan.run(tx).await });
        builder.build()
    }
}

impl DisplayAs for ApiScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let def = self.table.def();
        write!(f, "ApiScanExec: {} calls=[{}]", self.plan, self.plan.calls(def))?;
        let cached_extra = self.plan.extras.iter().any(|(c, _)| !self.plan.live.contains(c));
        let per_row = self.plan.hydrate || cached_extra;
        if self.cx.cache.is_some() && def.cacheable() && per_row && self.plan.access == Access::List {
            let stamp = def.change_stamp.unwrap_or_default();
            write!(f, " cache=[per-row calls skipped for items whose {stamp} is unchanged in the local cache]")?;
        }
        if let Some(columns) = &self.plan.columns {
            write!(f, " projection=[{}]", columns.join(", "))?;
        }
        Ok(())
    }
}

impl ExecutionPlan for ApiScanExec {
    fn name(&self) -> &'static str {
        "ApiScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    #[allow(deprecated)]
    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return internal_err!("ApiScanExec has one partition, asked for partition {partition}");
        }
        Ok(self.rows())
    }
}

/// An ARN of the row's item or of one it names (`arn`, else any `…_arn` column): each holds
/// the instance, and so the account.
fn item_arn(row: &Row) -> Option<&str> {
    fn arn(v: &Value) -> Option<&str> {
        v.as_str().filter(|s| s.starts_with("arn:"))
    }
    row.get("arn").and_then(arn).or_else(|| row.iter().filter(|(k, _)| k.ends_with("_arn")).find_map(|(_, v)| arn(v)))
}

/// The ids a listing returned, for the cache to forget the others once it is complete.
#[derive(Debug, Default)]
struct Listed {
    ids: BTreeSet<String>,
    /// A listed row, which names the account.
    first: Option<Row>,
    complete: bool,
}

impl Listed {
    fn add(&mut self, rows: &[Row]) {
        if self.first.is_none() {
            self.first = rows.first().cloned();
        }
        self.ids.extend(rows.iter().filter_map(|r| r.get("id").and_then(Value::as_str)).map(str::to_owned));
    }
}

/// What the calls of [`Scan::describe`] returned for an item.
struct Described {
    /// The get call's row, when it was made.
    full: Option<Row>,
    /// The extra columns' values.
    extras: Row,
}

#[derive(Clone)]
struct Scan {
    table: Arc<dyn ApiTable>,
    /// The tables listing the instances an instance-scoped scan covers when the query names
    /// none, and the owning items of an owned table.
    containers: Containers,
    plan: ScanPlan,
    cx: ScanContext,
    schema: SchemaRef,
}

/// Where batches go; remembers the LIMIT and whether the consumer went away.
struct Sink {
    tx: Sender<Result<RecordBatch>>,
    schema: SchemaRef,
    remaining: Option<usize>,
    closed: bool,
}

impl Sink {
    fn done(&self) -> bool {
        self.closed || self.remaining == Some(0)
    }

    async fn send(&mut self, mut rows: Vec<Row>) -> Result<()> {
        if let Some(r) = self.remaining {
            rows.truncate(r);
            self.remaining = Some(r - rows.len());
        }
        if rows.is_empty() || self.closed {
            return Ok(());
        }
        let batch = to_batch(&self.schema, &rows)?;
        if self.tx.send(Ok(batch)).await.is_err() {
            self.closed = true;
        }
        Ok(())
    }
}

/// An API failure (reportable per container) or an engine failure (always fatal).
enum ScanFailure {
    Api(ApiFailure),
    Engine(DataFusionError),
}

impl From<ApiFailure> for ScanFailure {
    fn from(e: ApiFailure) -> Self {
        ScanFailure::Api(e)
    }
}

impl From<DataFusionError> for ScanFailure {
    fn from(e: DataFusionError) -> Self {
        ScanFailure::Engine(e)
    }
}

type Scanned = Result<(), ScanFailure>;

impl Scan {
    /// Reads every account and region of the plan side by side (their quotas are their own),
    /// each one's containers in turn.
    async fn run(self: Arc<Self>, tx: Sender<Result<RecordBatch>>) -> Result<()> {
        if self.plan.empty {
            return Ok(());
        }
        let targets: Vec<(usize, String)> =
            self.plan.accounts.iter().flat_map(|a| a.regions.iter().map(|r| (a.index, r.clone()))).collect();
        let width = targets.len().max(1);
        // The per-row calls in flight are the scan's: its accounts and regions share them (at
        // least two each, which keeps up with Connect's per-account quotas). A waiting call
        // holds memory, so 40 of them side by side must not each take the whole budget.
        let this = match width {
            1 => self,
            n => {
                let mut shared = Scan::clone(&self);
                shared.plan.concurrency = self.plan.concurrency.div_ceil(n).max(2);
                Arc::new(shared)
            }
        };
        stream::iter(targets)
            .map(|(account, region)| {
                let scan = Arc::clone(&this);
                // Each has its own LIMIT budget; the plan's limit above cuts the total.
                let mut sink = Sink {
                    tx: tx.clone(),
                    schema: Arc::clone(&this.schema),
                    remaining: this.plan.limit,
                    closed: false,
                };
                async move { scan.run_region(account, &region, &mut sink).await }
            })
            .buffer_unordered(width)
            .try_collect::<Vec<()>>()
            .await
            .map(|_| ())
    }

    /// One account's region: its containers in turn.
    async fn run_region(self: Arc<Self>, account: usize, region: &str, sink: &mut Sink) -> Result<()> {
        let parents = match self.parents(account, region).await {
            Ok(p) => p,
            Err(e) => return self.fail(account, region, None, e),
        };
        for parent in parents {
            let scanned = Arc::clone(&self).scan_parent(Arc::new(parent.clone()), sink).await;
            self.report_cache_problem();
            if let Err(e) = scanned {
                match e {
                    // An owner that does not exist has no rows, as an unknown id is no row;
                    // one listed a moment ago was deleted during the scan.
                    ScanFailure::Api(e) if parent.owner_id.is_some() && e.is_not_found() => {
                        if self.plan.owners == Some(Owners::All) {
                            self.cx.events.warn(format!(
                                "{}: {} was listed but no longer exists (deleted during the scan); skipped",
                                self.plan.table,
                                parent.owner()
                            ));
                        }
                    }
                    ScanFailure::Api(e) => self.fail(account, region, parent.instance_id.as_deref(), e)?,
                    ScanFailure::Engine(e) => return Err(e),
                }
            }
            if sink.done() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Without `--partial` a failing account, region or instance fails the statement, naming
    /// it; with it, the failure is reported and the scan goes on.
    fn fail(&self, account: usize, region: &str, instance: Option<&str>, e: ApiFailure) -> Result<()> {
        let clients = &self.cx.clients;
        let name = clients.several_accounts().then(|| clients.account_name(account));
        let e = Error::from(e.located(&self.plan.table, region, instance).in_account(name));
        if self.cx.partial {
            self.cx.events.emit(Event::PartFailed(e));
            Ok(())
        } else {
            Err(e.into())
        }
    }

    /// The containers a scan reads in a region: instances, then for an owned table the owning
    /// items of each (those a filter names, or the owning table's listing).
    async fn parents(&self, account: usize, region: &str) -> Result<Vec<Parent>, ApiFailure> {
        let instances = self.instances(account, region).await?;
        let (Some(owner), Some(owners)) = (self.containers.owner.as_ref(), &self.plan.owners) else {
            return Ok(instances);
        };
        let mut parents = Vec::new();
        for mut instance in instances {
            let ids: Vec<String> = match owners {
                // Rows of named owners carry no ARN: the region's (shared) instance listing
                // names the instance's, and so its account.
                Owners::Named(ids) if instance.instance_arn.is_none() => {
                    let region_only = Parent { instance_id: None, instance_arn: None, ..instance.clone() };
                    let listed = whole_listing(&self.cx, self.containers.instances.as_ref(), &region_only).await?;
                    instance.instance_arn = listed
                        .iter()
                        .find(|r| r.get("id").and_then(Value::as_str) == instance.instance_id.as_deref())
                        .and_then(|r| r.get("arn").and_then(Value::as_str).map(str::to_owned));
                    ids.clone()
                }
                Owners::Named(ids) => ids.clone(),
                Owners::All => {
                    let listed = whole_listing(&self.cx, owner.as_ref(), &instance).await?;
                    // The owners' ARNs name the instance (and its account) when no listing did.
                    let arn =
                        listed.iter().find_map(|r| r.get("arn").and_then(Value::as_str).and_then(instance_arn_of));
                    instance.instance_arn = instance.instance_arn.take().or(arn);
                    listed.iter().filter_map(|row| row.get("id").and_then(Value::as_str).map(str::to_owned)).collect()
                }
            };
            parents.extend(ids.into_iter().map(|id| Parent { owner_id: Some(id), ..instance.clone() }));
        }
        Ok(parents)
    }

    async fn instances(&self, account: usize, region: &str) -> Result<Vec<Parent>, ApiFailure> {
        let parent = |instance_id: Option<&str>, instance_arn: Option<String>| Parent {
            instance_arn,
            ..Parent::new(account, region, instance_id)
        };
        Ok(match (&self.table.def().scope, &self.plan.instances) {
            (Scope::Region, _) | (_, Instances::NotApplicable) => vec![parent(None, None)],
            (Scope::Instance, Instances::Named(ids)) => ids.iter().map(|i| parent(Some(i), None)).collect(),
            (Scope::Instance, Instances::All) => {
                let region_only = parent(None, None);
                let containers = self.containers.instances.as_ref();
                whole_listing(&self.cx, containers, &region_only)
                    .await?
                    .iter()
                    .filter(|row| containers.holds_items(row))
                    .filter_map(|row| {
                        let text = |c: &str| row.get(c).and_then(Value::as_str);
                        Some(parent(Some(text("id")?), text("arn").map(str::to_owned)))
                    })
                    .collect()
            }
        })
    }

    /// Region, instance, owner and write-only columns, known from the scan's scope.
    fn add_keys(&self, parent: &Parent, row: &mut Row) {
        row.insert("region".into(), Value::String(parent.region.clone()));
        if let (Some(owner), Some(id)) = (self.table.def().owner, &parent.owner_id) {
            row.insert(owner.column.into(), Value::String(id.clone()));
        }
        if let Some(iid) = &parent.instance_id {
            row.insert("instance_id".into(), Value::String(iid.clone()));
            let arn = parent.instance_arn.clone().or_else(|| item_arn(row).and_then(instance_arn_of));
            if let Some(arn) = arn {
                row.insert("instance_arn".into(), Value::String(arn));
            }
        }
        // The account is in the instance's ARN (or, for an instance, its own).
        let arn = row.get("instance_arn").or_else(|| row.get("arn")).and_then(Value::as_str);
        if let Some(account) = arn.and_then(ConnectArn::parse).map(|a| a.account) {
            self.cx.clients.learn_account_id(parent.account, &account);
            row.insert("account_id".into(), Value::String(account));
        }
    }

    async fn scan_parent(self: Arc<Self>, parent: Arc<Parent>, sink: &mut Sink) -> Scanned {
        match self.plan.access.clone() {
            Access::Get(items) => self.get_named(parent, &items, sink).await,
            Access::List if self.table.def().listing_cached => self.list_cached(parent, sink).await,
            Access::Search { criteria, columns } => {
                self.search(parent, criteria.as_ref(), columns.as_slice(), sink).await
            }
            Access::List => self.list(parent, sink).await,
        }
    }

    /// Named items: the get call each, no listing.
    async fn get_named(self: Arc<Self>, parent: Arc<Parent>, items: &[ItemRef], sink: &mut Sink) -> Scanned {
        let table = self.table.def().name;
        let ids: Vec<String> = items
            .iter()
            .filter(|i| i.region.as_ref().is_none_or(|r| *r == parent.region))
            .filter(|i| i.instance_id.is_none() || i.instance_id == parent.instance_id)
            .filter(|i| self.cx.listings.may_hold(table, &parent, &i.id))
            .map(|i| i.id.clone())
            .collect();
        let rows = stream::iter(ids)
            .map(|id| {
                let (scan, parent) = (Arc::clone(&self), Arc::clone(&parent));
                async move {
                    match own_writes::get(scan.table.as_ref(), &scan.cx, &parent, &id).await? {
                        Some(row) => {
                            let row = scan.with_extras(&parent, row).await?;
                            scan.keep_named(&parent, &id, &row);
                            Ok(Some(row))
                        }
                        None => Ok(None),
                    }
                }
            })
            .buffered(self.plan.concurrency);
        self.drain(&parent, rows, sink).await
    }

    /// A small table: its whole listing, shared by the statement's scans.
    async fn list_cached(self: Arc<Self>, parent: Arc<Parent>, sink: &mut Sink) -> Scanned {
        let listing = whole_listing(&self.cx, self.table.as_ref(), &parent).await?;
        let rows: Vec<Row> = listing.as_ref().clone();
        if self.cache().is_some() {
            let mut listed = Listed { complete: true, ..Listed::default() };
            listed.add(&rows);
            self.listing_complete(&parent, &listed);
        }
        if !self.plan.hydrate && self.plan.extras.is_empty() {
            self.send_keyed(&parent, rows, sink).await?;
            return Ok(());
        }
        let rows = stream::iter(rows).take(sink.remaining.unwrap_or(usize::MAX)).map(Ok);
        self.complete_all(parent, rows, sink).await
    }

    /// The search call, page by page; falls back to list + get when it is denied.
    async fn search(
        self: Arc<Self>,
        parent: Arc<Parent>,
        criteria: Option<&Value>,
        filtered_on: &[String],
        sink: &mut Sink,
    ) -> Scanned {
        let def = self.table.def();
        let first = self.table.search(&self.cx, &parent, criteria, None, self.plan.page_size).await;
        let first = match first {
            Err(e) if e.is_access_denied() => {
                // A caller without the search permission still gets its rows.
                self.cx.events.warn(format!(
                    "{}: {}; falling back to {} + {} per row",
                    self.plan.table,
                    e.call_text(),
                    def.list_op,
                    def.get_op.unwrap_or("get")
                ));
                let mut plan = self.plan.clone();
                plan.access = Access::List;
                plan.hydrate = true;
                plan.page_size =
                    plan.limit.map_or(def.list_page_max, |l| l.clamp(1, def.list_page_max as usize) as i32);
                let fallback = Arc::new(Scan {
                    table: Arc::clone(&self.table),
                    containers: self.containers.clone(),
                    plan,
                    cx: self.cx.clone(),
                    schema: Arc::clone(&self.schema),
                });
                return fallback.list(parent, sink).await;
            }
            other => other?,
        };
        let mut page = first;
        let mut listed = self.cx.recent.any(def.name).then(Listed::default);
        loop {
            let next = page.next.filter(|t| !t.is_empty());
            if let Some(l) = &mut listed {
                l.add(&page.rows);
            }
            let rows = self.with_live(&parent, page.rows).await?;
            self.send_keyed(&parent, rows, sink).await?;
            let Some(token) = next else {
                return match listed {
                    Some(l) => self.add_recent(parent, &l.ids, filtered_on, sink).await,
                    None => Ok(()),
                };
            };
            if sink.done() {
                return Ok(());
            }
            page = self.table.search(&self.cx, &parent, criteria, Some(token), self.plan.page_size).await?;
        }
    }

    /// The list call, page by page, each row completed with the get call and extras if needed.
    async fn list(self: Arc<Self>, parent: Arc<Parent>, sink: &mut Sink) -> Scanned {
        let listed = Arc::new(Mutex::new(Listed::default()));
        let track = self.cache().is_some() || self.cx.recent.any(self.table.def().name);
        let pages = {
            let (scan, parent, listed) = (Arc::clone(&self), Arc::clone(&parent), Arc::clone(&listed));
            stream::try_unfold((None::<String>, false), move |(token, finished)| {
                let (scan, parent, listed) = (Arc::clone(&scan), Arc::clone(&parent), Arc::clone(&listed));
                async move {
                    if finished {
                        return Ok(None);
                    }
                    let page: Page = scan.table.list(&scan.cx, &parent, token, scan.plan.page_size).await?;
                    let next = page.next.filter(|t| !t.is_empty());
                    let finished = next.is_none();
                    if track {
                        let mut l = listed.lock().unwrap_or_else(PoisonError::into_inner);
                        l.add(&page.rows);
                        l.complete = finished;
                    }
                    Ok::<_, ApiFailure>(Some((page.rows, (next, finished))))
                }
            })
        };
        futures::pin_mut!(pages);
        if !self.plan.hydrate && self.plan.extras.is_empty() {
            while let Some(rows) = pages.try_next().await? {
                self.send_keyed(&parent, rows, sink).await?;
                if sink.done() {
                    break;
                }
            }
        } else {
            let rows = pages.map_ok(|rows| stream::iter(rows.into_iter().map(Ok))).try_flatten();
            let rows = rows.take(sink.remaining.unwrap_or(usize::MAX));
            self.complete_all(Arc::clone(&parent), rows, sink).await?;
        }
        let listed = std::mem::take(&mut *listed.lock().unwrap_or_else(PoisonError::into_inner));
        if listed.complete {
            self.listing_complete(&parent, &listed);
            self.add_recent(parent, &listed.ids, &[], sink).await?;
        }
        Ok(())
    }

    /// Completes listed rows with bounded concurrency and sends them as they are ready.
    async fn complete_all(
        self: &Arc<Self>,
        parent: Arc<Parent>,
        rows: impl Stream<Item = Result<Row, ApiFailure>>,
        sink: &mut Sink,
    ) -> Scanned {
        let completed = rows
            .map(|row| {
                let (scan, parent) = (Arc::clone(self), Arc::clone(&parent));
                async move { scan.complete(&parent, row?).await }
            })
            .buffered(self.plan.concurrency);
        self.drain(&parent, completed, sink).await
    }

    /// Sends rows that need no further call, with their scope's key columns; a row that does
    /// not show this engine's own change yet is read again ([`own_writes::caught_up`]).
    async fn send_keyed(&self, parent: &Parent, rows: Vec<Row>, sink: &mut Sink) -> Scanned {
        let mut rows = self.caught_up(parent, rows).await?;
        for r in &mut rows {
            self.add_keys(parent, r);
        }
        self.cx.listings.saw(self.table.def().name, parent, &rows);
        Ok(sink.send(rows).await?)
    }

    /// Sends rows as they become ready, in chunks, stopping at the first error.
    async fn drain(
        &self,
        parent: &Parent,
        rows: impl Stream<Item = Result<Option<Row>, ApiFailure>>,
        sink: &mut Sink,
    ) -> Scanned {
        let chunks = rows.ready_chunks(256);
        futures::pin_mut!(chunks);
        while let Some(chunk) = chunks.next().await {
            let mut batch = Vec::with_capacity(chunk.len());
            for row in chunk {
                if let Some(mut row) = row? {
                    self.add_keys(parent, &mut row);
                    batch.push(row);
                }
            }
            self.cx.listings.saw(self.table.def().name, parent, &batch);
            sink.send(batch).await?;
            if sink.done() {
                break;
            }
        }
        Ok(())
    }

    /// Completes a listed row: the detail the cache still holds for an unchanged item, then the
    /// get call and the extras for what it lacks. A row whose item vanished between the list
    /// and the get call is skipped with a warning.
    async fn complete(&self, parent: &Parent, mut row: Row) -> Result<Option<Row>, ApiFailure> {
        let id = row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let reused = self.reused(parent, &row, &id);
        if !reused.need_get && reused.need_extras.is_empty() {
            row.extend(reused.detail);
            return Ok(Some(row));
        }
        let Some(described) = self.describe(parent, &row, &id, reused.need_get, &reused.need_extras).await? else {
            reused.forget(&id);
            let name = row.get(self.table.def().label_column).and_then(Value::as_str).unwrap_or("");
            self.cx.events.warn(format!(
                "{}: {id} {name} was listed but no longer exists (deleted during the scan); skipped",
                self.plan.table
            ));
            return Ok(None);
        };
        row.extend(reused.keep(&id, described));
        Ok(Some(row))
    }

    /// The get call (when `get`) and the calls of the extra columns for one item, at the same
    /// time: they only need its id. `None` when the item no longer exists.
    async fn describe(
        &self,
        parent: &Parent,
        row: &Row,
        id: &str,
        get: bool,
        extras: &[&'static str],
    ) -> Result<Option<Described>, ApiFailure> {
        let full = async {
            match get {
                true => own_writes::get(self.table.as_ref(), &self.cx, parent, id).await.map(Some),
                false => Ok(None),
            }
        };
        let (full, extras) = futures::join!(full, self.extras(parent, row, extras));
        let full = match full? {
            Some(None) => return Ok(None),
            Some(Some(full)) => Some(full),
            None => None,
        };
        Ok(Some(Described { full, extras: extras? }))
    }

    /// The values of per-row extra columns of a row.
    async fn extras(&self, parent: &Parent, row: &Row, columns: &[&'static str]) -> Result<Row, ApiFailure> {
        let mut filled = row.clone();
        let mut values = Row::new();
        for column in columns {
            own_writes::extra(self.table.as_ref(), &self.cx, parent, column, &mut filled).await?;
            if let Some(v) = filled.get(*column) {
                values.insert((*column).to_owned(), v.clone());
            }
        }
        Ok(values)
    }

    /// Fills the live columns (read once per statement for the whole container, so cheap per
    /// row) of rows the search call returned: it carries everything else.
    async fn with_live(&self, parent: &Parent, mut rows: Vec<Row>) -> Result<Vec<Row>, ApiFailure> {
        if !self.plan.live.is_empty() {
            for row in &mut rows {
                let values = self.extras(parent, row, &self.plan.live).await?;
                row.extend(values);
            }
        }
        Ok(rows)
    }

    async fn with_extras(&self, parent: &Parent, mut row: Row) -> Result<Row, ApiFailure> {
        let columns: Vec<&'static str> = self.plan.extras.iter().map(|(c, _)| *c).collect();
        row.extend(self.extras(parent, &row, &columns).await?);
        Ok(row)
    }
}
