//! `ApiScanExec`: runs a [`ScanPlan`]. Pages are fetched while earlier rows are still being
//! hydrated (a bounded number of get calls in flight), every page or ready chunk becomes a
//! record batch at once, and a closed consumer or a satisfied LIMIT stops the paging.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, ReplaceChildrenOptions,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;
use tokio::sync::mpsc::Sender;

use super::api::{ApiTable, Parent, Row, ScanContext};
use super::keys::instance_arn_of;
use super::plan::{Access, Instances, ScanPlan};
use super::rows::to_batch;
use super::table_def::Scope;
use crate::aws::errors::ApiCallError;

/// The physical scan of an API-backed table.
#[derive(Debug)]
pub struct ApiScanExec {
    table: Arc<dyn ApiTable>,
    plan: ScanPlan,
    cx: ScanContext,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl ApiScanExec {
    pub fn new(table: Arc<dyn ApiTable>, plan: ScanPlan, cx: ScanContext, schema: SchemaRef) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        ApiScanExec { table, plan, cx, schema, properties }
    }

    pub fn plan(&self) -> &ScanPlan {
        &self.plan
    }
}

impl DisplayAs for ApiScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ApiScanExec: {} calls=[{}]", self.plan, self.plan.calls(self.table.def()))?;
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

    fn execute(&self, _partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let mut builder = RecordBatchReceiverStream::builder(Arc::clone(&self.schema), 2);
        let scan = Arc::new(Scan {
            table: Arc::clone(&self.table),
            plan: self.plan.clone(),
            cx: self.cx.clone(),
            schema: Arc::clone(&self.schema),
        });
        let tx = builder.tx();
        builder.spawn(async move { scan.run(tx).await });
        Ok(builder.build())
    }
}

/// A scan failure, named by table and container.
#[derive(Debug)]
struct ScanError(String);

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScanError {}

struct Scan {
    table: Arc<dyn ApiTable>,
    plan: ScanPlan,
    cx: ScanContext,
    schema: SchemaRef,
}

/// Where batches go; remembers the LIMIT and whether the consumer went away.
struct Sink {
    tx: Sender<Result<datafusion::arrow::record_batch::RecordBatch>>,
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

fn parent_name(p: &Parent) -> String {
    match &p.instance_id {
        Some(i) => format!("region {} instance {i}", p.region),
        None => format!("region {}", p.region),
    }
}

impl Scan {
    async fn run(self: Arc<Self>, tx: Sender<Result<datafusion::arrow::record_batch::RecordBatch>>) -> Result<()> {
        if self.plan.empty {
            return Ok(());
        }
        let mut sink = Sink { tx, schema: Arc::clone(&self.schema), remaining: self.plan.limit, closed: false };
        for region in &self.plan.regions {
            let parents = match self.parents(region).await {
                Ok(p) => p,
                Err(e) => {
                    self.fail(&format!("region {region}"), &e)?;
                    continue;
                }
            };
            for parent in parents {
                if let Err(e) = Arc::clone(&self).scan_parent(Arc::new(parent.clone()), &mut sink).await {
                    match e {
                        ScanFailure::Api(e) => self.fail(&parent_name(&parent), &e)?,
                        ScanFailure::Engine(e) => return Err(e),
                    }
                }
                if sink.done() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Without `--partial` a failing region or instance fails the statement, naming it; with it,
    /// the failure is reported and the scan goes on.
    fn fail(&self, what: &str, e: &ApiCallError) -> Result<()> {
        let message = format!("{}: {what}: {e}", self.plan.table);
        if self.cx.partial {
            self.cx.diagnostics.failure(message);
            Ok(())
        } else {
            Err(DataFusionError::External(Box::new(ScanError(message))))
        }
    }

    async fn parents(&self, region: &str) -> Result<Vec<Parent>, ApiCallError> {
        let parent = |instance_id: Option<String>, instance_arn: Option<String>| Parent {
            region: region.to_owned(),
            instance_id,
            instance_arn,
        };
        Ok(match (&self.table.def().scope, &self.plan.instances) {
            (Scope::Region, _) | (_, Instances::NotApplicable) => vec![parent(None, None)],
            (Scope::Instance, Instances::Named(ids)) => ids.iter().map(|i| parent(Some(i.clone()), None)).collect(),
            (Scope::Instance, Instances::All) => {
                let fetch = async {
                    let client = self.cx.connect.client(region);
                    let mut pages = client.list_instances().max_results(10).into_paginator().items().send();
                    let mut out = Vec::new();
                    while let Some(item) = pages.next().await {
                        let i = item.map_err(|e| ApiCallError::from_sdk("ListInstances", &e))?;
                        // Instances still being created (or failed) have no users to list.
                        if i.instance_status().is_some_and(|s| s.as_str() != "ACTIVE") {
                            continue;
                        }
                        if let Some(id) = i.id() {
                            out.push(parent(Some(id.to_owned()), i.arn().map(str::to_owned)));
                        }
                    }
                    Ok(out)
                };
                self.cx.cache.instances(region, fetch).await?.as_ref().clone()
            }
        })
    }

    /// Region, instance and write-only columns, known from the scan's scope.
    fn add_keys(&self, parent: &Parent, row: &mut Row) {
        row.insert("region".into(), Value::String(parent.region.clone()));
        if let Some(iid) = &parent.instance_id {
            row.insert("instance_id".into(), Value::String(iid.clone()));
            let arn = parent
                .instance_arn
                .clone()
                .or_else(|| row.get("arn").and_then(Value::as_str).and_then(instance_arn_of));
            if let Some(arn) = arn {
                row.insert("instance_arn".into(), Value::String(arn));
            }
        }
    }

    async fn scan_parent(self: Arc<Self>, parent: Arc<Parent>, sink: &mut Sink) -> Result<(), ScanFailure> {
        match &self.plan.access {
            Access::Get(items) => {
                let ids: Vec<String> = items
                    .iter()
                    .filter(|i| i.region.as_ref().is_none_or(|r| *r == parent.region))
                    .filter(|i| i.instance_id.is_none() || i.instance_id == parent.instance_id)
                    .map(|i| i.id.clone())
                    .collect();
                let rows = stream::iter(ids)
                    .map(|id| {
                        let (scan, parent) = (Arc::clone(&self), Arc::clone(&parent));
                        async move {
                            match scan.table.get(&scan.cx, &parent, &id).await? {
                                Some(row) => scan.with_extras(&parent, row).await.map(Some),
                                None => Ok(None),
                            }
                        }
                    })
                    .buffered(self.plan.concurrency);
                self.drain(&parent, rows, sink).await
            }
            Access::List if self.table.def().listing_cached => {
                let listing = self.whole_listing(&parent).await?;
                let rows: Vec<Row> = listing.as_ref().clone();
                if !self.plan.hydrate && self.plan.extras.is_empty() {
                    self.send_keyed(&parent, rows, sink).await?;
                    return Ok(());
                }
                let rows = stream::iter(rows).take(sink.remaining.unwrap_or(usize::MAX));
                let completed = rows
                    .map(|row| {
                        let (scan, parent) = (Arc::clone(&self), Arc::clone(&parent));
                        async move { scan.complete(&parent, row).await }
                    })
                    .buffered(self.plan.concurrency);
                self.drain(&parent, completed, sink).await
            }
            Access::Search { criteria } => {
                let first = self.table.search(&self.cx, &parent, criteria.as_ref(), None, self.plan.page_size).await;
                let first = match first {
                    Err(e) if e.is_access_denied() => {
                        // A caller without SearchUsers permission still gets its rows.
                        self.cx.diagnostics.warn(format!(
                            "{}: {e}; falling back to {} + {} per row",
                            self.plan.table,
                            self.table.def().list_op,
                            self.table.def().get_op.unwrap_or("get")
                        ));
                        let mut plan = self.plan.clone();
                        plan.access = Access::List;
                        plan.hydrate = true;
                        plan.page_size = plan.limit.map_or(self.table.def().list_page_max, |l| {
                            l.clamp(1, self.table.def().list_page_max as usize) as i32
                        });
                        let fallback = Arc::new(Scan {
                            table: Arc::clone(&self.table),
                            plan,
                            cx: self.cx.clone(),
                            schema: Arc::clone(&self.schema),
                        });
                        return Box::pin(fallback.scan_parent(parent, sink)).await;
                    }
                    other => other?,
                };
                let mut token = first.next.filter(|t| !t.is_empty());
                let mut rows = first.rows;
                loop {
                    self.send_keyed(&parent, rows, sink).await?;
                    let Some(t) = token.take() else { break };
                    if sink.done() {
                        break;
                    }
                    let page =
                        self.table.search(&self.cx, &parent, criteria.as_ref(), Some(t), self.plan.page_size).await?;
                    token = page.next.filter(|t| !t.is_empty());
                    rows = page.rows;
                }
                Ok(())
            }
            Access::List => {
                let pages = {
                    let (scan, parent) = (Arc::clone(&self), Arc::clone(&parent));
                    stream::try_unfold((None::<String>, false), move |(token, finished)| {
                        let (scan, parent) = (Arc::clone(&scan), Arc::clone(&parent));
                        async move {
                            if finished {
                                return Ok(None);
                            }
                            let page = scan.table.list(&scan.cx, &parent, token, scan.plan.page_size).await?;
                            let next = page.next.filter(|t| !t.is_empty());
                            let finished = next.is_none();
                            Ok::<_, ApiCallError>(Some((page.rows, (next, finished))))
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
                    return Ok(());
                }
                let rows = pages.map_ok(|rows| stream::iter(rows.into_iter().map(Ok))).try_flatten();
                let rows = rows.take(sink.remaining.unwrap_or(usize::MAX));
                let completed = rows
                    .map(|row| {
                        let (scan, parent) = (Arc::clone(&self), Arc::clone(&parent));
                        async move { scan.complete(&parent, row?).await }
                    })
                    .buffered(self.plan.concurrency);
                self.drain(&parent, completed, sink).await
            }
        }
    }

    /// Sends rows that need no further call, with their scope's key columns.
    async fn send_keyed(&self, parent: &Parent, mut rows: Vec<Row>, sink: &mut Sink) -> Result<()> {
        for r in &mut rows {
            self.add_keys(parent, r);
        }
        sink.send(rows).await
    }

    /// Every page of a small table's listing, fetched once per statement.
    async fn whole_listing(&self, parent: &Parent) -> Result<Arc<Vec<Row>>, ApiCallError> {
        let def = self.table.def();
        let fetch = async {
            let mut rows = Vec::new();
            let mut token = None;
            loop {
                let page = self.table.list(&self.cx, parent, token, def.list_page_max).await?;
                rows.extend(page.rows);
                match page.next.filter(|t| !t.is_empty()) {
                    Some(t) => token = Some(t),
                    None => return Ok(rows),
                }
            }
        };
        self.cx.cache.listing(def.name, parent, fetch).await
    }

    /// Sends rows as they become ready, in chunks, stopping at the first error.
    async fn drain(
        &self,
        parent: &Parent,
        rows: impl futures::Stream<Item = Result<Option<Row>, ApiCallError>>,
        sink: &mut Sink,
    ) -> Result<(), ScanFailure> {
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
            sink.send(batch).await?;
            if sink.done() {
                break;
            }
        }
        Ok(())
    }

    /// Completes a listed row with the get call (if the plan needs it) and the extras. A row
    /// whose item vanished between the list and the get call is skipped with a warning.
    async fn complete(&self, parent: &Parent, row: Row) -> Result<Option<Row>, ApiCallError> {
        if !self.plan.hydrate {
            return self.with_extras(parent, row).await.map(Some);
        }
        let id = row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        // The get call and the per-row extras only need the id: make them at the same time.
        let (full, extras) =
            futures::join!(self.table.get(&self.cx, parent, &id), self.with_extras(parent, row.clone()));
        match full? {
            Some(full) => {
                let mut row = extras?;
                row.extend(full);
                Ok(Some(row))
            }
            None => {
                let name = row.get("username").or_else(|| row.get("name")).and_then(Value::as_str).unwrap_or("");
                self.cx.diagnostics.warn(format!(
                    "{}: {id} {name} was listed but no longer exists (deleted during the scan); skipped",
                    self.plan.table
                ));
                Ok(None)
            }
        }
    }

    async fn with_extras(&self, parent: &Parent, mut row: Row) -> Result<Row, ApiCallError> {
        for (column, _) in &self.plan.extras {
            self.table.extra(&self.cx, parent, column, &mut row).await?;
        }
        Ok(row)
    }
}

/// An API failure (reportable per container) or an engine failure (always fatal).
enum ScanFailure {
    Api(ApiCallError),
    Engine(DataFusionError),
}

impl From<ApiCallError> for ScanFailure {
    fn from(e: ApiCallError) -> Self {
        ScanFailure::Api(e)
    }
}

impl From<DataFusionError> for ScanFailure {
    fn from(e: DataFusionError) -> Self {
        ScanFailure::Engine(e)
    }
}
