//! INSERT, UPDATE and DELETE as API calls. The DataFusion hooks only compile the request (target
//! scan, filter and assignment expressions); `DmlExec::execute` reads every partition of its
//! input (or finds the target rows with the same scan planner as SELECT and re-applies every
//! filter), asks before large changes, makes the calls row by row with bounded concurrency,
//! reports each row as it finishes, and returns the count of rows changed. A failing row is
//! reported and the others still go through.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use datafusion::arrow::array::{BooleanArray, RecordBatch, UInt64Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result, internal_err};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, Partitioning, PlanProperties, ReplaceChildrenOptions,
    execute_stream,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::api::{ApiTable, Containers, Parent, Row};
use super::context::WriteContext;
use super::events::{Call, Event, RowReport, RowStatus};
use super::own_writes;
use super::plan::ScanPlan;
use super::scan_exec::ApiScanExec;
use super::table_def::{ColumnDef, TableDef, Update};
use crate::error::{Error, Refusal};

/// The statement kinds.
pub(crate) enum DmlKind {
    Insert(Arc<dyn ExecutionPlan>),
    Delete,
    /// Column names and the expressions of their new values (over the target scan's schema).
    Update(Vec<(String, Arc<dyn PhysicalExpr>)>),
}

impl DmlKind {
    fn verb(&self) -> &'static str {
        match self {
            DmlKind::Insert(_) => "INSERT",
            DmlKind::Delete => "DELETE",
            DmlKind::Update(_) => "UPDATE",
        }
    }
}

/// The target rows of an UPDATE or DELETE: the scan, and the filters to re-apply.
pub(crate) struct Targets {
    pub(crate) containers: Containers,
    pub(crate) plan: ScanPlan,
    pub(crate) schema: SchemaRef,
    pub(crate) filter: Option<Arc<dyn PhysicalExpr>>,
}

/// Runs a DML statement as API calls and yields one row: `count`, the rows changed.
pub(crate) struct DmlExec {
    table: Arc<dyn ApiTable>,
    kind: DmlKind,
    targets: Option<Targets>,
    cx: WriteContext,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for DmlExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DmlExec({} {})", self.kind.verb(), self.table.def().qualified_name())
    }
}

fn count_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("count", DataType::UInt64, false)]))
}

impl DmlExec {
    pub(crate) fn new(table: Arc<dyn ApiTable>, kind: DmlKind, targets: Option<Targets>, cx: WriteContext) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(count_schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        DmlExec { table, kind, targets, cx, properties }
    }

    /// The per-row calls, in words.
    fn per_row_calls(&self) -> String {
        let def = self.table.def();
        let writes = def.writes.map_or(("create", "delete"), |w| (w.create, w.delete));
        match &self.kind {
            DmlKind::Insert(_) => format!("{} per row", writes.0),
            DmlKind::Delete => format!("{} per target row", writes.1),
            DmlKind::Update(assignments) => {
                let mut ops: Vec<&str> = assignments
                    .iter()
                    .filter_map(|(c, _)| match def.column(c).map(|c| c.update) {
                        Some(Update::Via(op)) => Some(op),
                        _ => None,
                    })
                    .collect();
                ops.dedup();
                let mut reads: Vec<&str> = def.get_op.into_iter().collect();
                reads.extend(assignments.iter().filter_map(|(c, _)| def.column(c)?.per_row_op()));
                let current = if reads.is_empty() {
                    String::new()
                } else {
                    format!("{} per target row, then ", reads.join(" + "))
                };
                format!("{current}{} per target row where a value changes", ops.join(", "))
            }
        }
    }
}

impl DisplayAs for DmlExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let def = self.table.def();
        write!(f, "DmlExec: {} {}", self.kind.verb(), def.qualified_name())?;
        if let Some(t) = &self.targets {
            write!(f, " targets=[{} calls=[{}]]", t.plan, t.plan.calls(def))?;
        }
        write!(f, " calls=[{}]", self.per_row_calls())?;
        if self.cx.dry_run() {
            write!(f, " dry_run")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for DmlExec {
    fn name(&self) -> &'static str {
        "DmlExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        match &self.kind {
            DmlKind::Insert(input) => vec![input],
            _ => vec![],
        }
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        // Every row of every input partition is a row to write.
        match &self.kind {
            DmlKind::Insert(_) => vec![Distribution::SinglePartition],
            _ => vec![],
        }
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match (&self.kind, children.into_iter().next()) {
            (DmlKind::Insert(_), Some(input)) => {
                Ok(Arc::new(DmlExec::new(Arc::clone(&self.table), DmlKind::Insert(input), None, self.cx.clone())))
            }
            _ => Ok(self),
        }
    }

    #[allow(deprecated)]
    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(datafusion::physical_plan::ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return internal_err!("DmlExec has one partition, asked for partition {partition}");
        }
        let job = Job { table: Arc::clone(&self.table), cx: self.cx.clone(), verb: self.kind.verb() };
        let fut: futures::future::BoxFuture<'static, Result<RecordBatch>> = match &self.kind {
            DmlKind::Insert(input) => {
                // All partitions, merged: a plan with several would otherwise lose rows.
                let input = execute_stream(Arc::clone(input), context)?;
                Box::pin(async move { job.insert(input).await })
            }
            DmlKind::Delete | DmlKind::Update(_) => {
                let targets =
                    self.targets.as_ref().ok_or_else(|| DataFusionError::Internal("DML without targets".into()))?;
                let scan = ApiScanExec::new(
                    Arc::clone(&self.table),
                    targets.containers.clone(),
                    targets.plan.clone(),
                    self.cx.scan.clone(),
                    Arc::clone(&targets.schema),
                );
                let rows = scan.rows();
                let filter = targets.filter.clone();
                let assignments = match &self.kind {
                    DmlKind::Update(a) => Some(a.clone()),
                    _ => None,
                };
                Box::pin(async move { job.change(rows, filter, assignments).await })
            }
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(count_schema(), stream::once(fut))))
    }
}

/// Rows of a batch as JSON objects keyed by column name (nested values as JSON).
pub(crate) fn batch_rows(batch: &RecordBatch) -> Result<Vec<Row>> {
    let mut writer = datafusion::arrow::json::ArrayWriter::new(Vec::new());
    writer.write(batch)?;
    writer.finish()?;
    let bytes = writer.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| DataFusionError::External(Box::new(e)))?;
    Ok(values
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect())
}

fn count_batch(n: u64) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(count_schema(), vec![Arc::new(UInt64Array::from(vec![n]))])?)
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn parent_of(row: &Row, account: usize) -> Parent {
    Parent {
        account,
        region: text(row, "region").unwrap_or_default(),
        instance_id: text(row, "instance_id"),
        instance_arn: text(row, "instance_arn"),
        owner_id: None,
    }
}

/// Who a row is about: its label, and its id when known (`jane.doe (id)`).
fn subject(def: &TableDef, row: &Row) -> String {
    let label = text(row, def.label_column).unwrap_or_else(|| format!("(no {})", def.label_column));
    match text(row, "id") {
        Some(id) => format!("{label} ({id})"),
        None => label,
    }
}

struct Job {
    table: Arc<dyn ApiTable>,
    cx: WriteContext,
    verb: &'static str,
}

impl Job {
    /// Asks before changing more rows than the threshold; `accounts` names the accounts the
    /// rows are in, when there are several.
    fn approve(&self, n: usize, accounts: &[&str]) -> Result<(), Error> {
        let s = &self.cx.settings;
        if s.dry_run() || n <= s.threshold || s.assume_yes {
            return Ok(());
        }
        let mut table = self.table.def().qualified_name();
        if accounts.len() > 1 {
            table = format!("{table} in {} accounts ({})", accounts.len(), accounts.join(", "));
        }
        let question = format!("This {} would change {n} rows of {table}. Go ahead?", self.verb);
        match &s.confirm {
            Some(ask) if ask(&question) => Ok(()),
            Some(_) => Err(Error::refused(Refusal::Declined, format!("{} cancelled: nothing was changed", self.verb))),
            None => Err(Error::refused(
                Refusal::TooManyRows,
                format!(
                    "{} would change {n} rows of {table} (more than {}): nothing was changed; pass --yes to allow it",
                    self.verb, s.threshold
                ),
            )),
        }
    }

    /// Registers the secrets rows carry before any of them can be written anywhere.
    fn register_secrets(&self, rows: &[Row]) {
        for c in self.table.def().columns.iter().filter(|c| c.sensitive) {
            for r in rows {
                if let Some(Value::String(s)) = r.get(c.name) {
                    crate::mask::register(s);
                }
            }
        }
    }

    /// Runs one future per row, `concurrency` at a time, reporting each as it starts and ends;
    /// returns the number of rows changed.
    async fn run<F>(&self, subjects: Vec<String>, rows: Vec<F>) -> u64
    where
        F: Future<Output = RowReport> + Send,
    {
        let events = self.cx.scan.events.clone();
        events.emit(Event::WriteStarted {
            verb: self.verb,
            table: self.table.def().qualified_name(),
            subjects,
            dry_run: self.cx.dry_run(),
        });
        let skip_existing = self.cx.settings.skip_existing;
        let mut changed = 0;
        let mut done = stream::iter(rows.into_iter().enumerate().map(|(index, fut)| {
            let events = events.clone();
            async move {
                events.emit(Event::RowStarted { index });
                (index, fut.await)
            }
        }))
        .buffer_unordered(self.cx.scan.concurrency.max(1));
        while let Some((index, mut report)) = done.next().await {
            if skip_existing
                && let RowStatus::Failed(Error::Api(a)) = &report.status
                && a.is_duplicate()
            {
                report.status = RowStatus::Skipped(format!("already exists ({})", a.code.as_deref().unwrap_or("")));
            }
            changed += u64::from(report.changed());
            events.emit(Event::RowDone { index, report });
        }
        changed
    }

    async fn insert(self, input: SendableRecordBatchStream) -> Result<RecordBatch> {
        let batches: Vec<RecordBatch> = input.try_collect().await?;
        let mut rows = Vec::new();
        for b in &batches {
            rows.extend(batch_rows(b)?);
        }
        self.register_secrets(&rows);
        self.approve(rows.len(), &[])?;
        let def = self.table.def();
        let subjects = rows.iter().map(|r| subject(def, r)).collect();
        let calls = rows
            .into_iter()
            .map(|row| {
                let (table, cx) = (Arc::clone(&self.table), self.cx.clone());
                async move {
                    let report = table.create(&cx, &row).await;
                    if !cx.dry_run() && matches!(report.status, RowStatus::Done) {
                        remember_created(&cx, table.def().name, report.returned.as_ref());
                    }
                    report
                }
            })
            .collect();
        count_batch(self.run(subjects, calls).await)
    }

    /// The target rows: every scanned row that passes all the statement's filters, with the new
    /// values of the SET columns.
    async fn targets(
        rows: SendableRecordBatchStream,
        filter: Option<Arc<dyn PhysicalExpr>>,
        assignments: Option<&[(String, Arc<dyn PhysicalExpr>)]>,
    ) -> Result<Vec<(Row, Row)>> {
        let mut targets = Vec::new();
        let batches: Vec<RecordBatch> = rows.try_collect().await?;
        for batch in batches {
            let batch = match &filter {
                Some(f) => {
                    let mask = f.evaluate(&batch)?.into_array(batch.num_rows())?;
                    let mask = mask
                        .as_any()
                        .downcast_ref::<BooleanArray>()
                        .ok_or_else(|| DataFusionError::Internal("filter is not boolean".into()))?;
                    filter_record_batch(&batch, mask)?
                }
                None => batch,
            };
            let current = batch_rows(&batch)?;
            let mut changes: Vec<Row> = vec![Row::new(); batch.num_rows()];
            for (column, expr) in assignments.into_iter().flatten() {
                let values = expr.evaluate(&batch)?.into_array(batch.num_rows())?;
                let schema = Arc::new(Schema::new(vec![Field::new(column, values.data_type().clone(), true)]));
                let one = RecordBatch::try_new(schema, vec![values])?;
                for (i, r) in batch_rows(&one)?.into_iter().enumerate() {
                    changes[i].insert(column.clone(), r.get(column).cloned().unwrap_or(Value::Null));
                }
            }
            targets.extend(current.into_iter().zip(changes));
        }
        Ok(targets)
    }

    async fn change(
        self,
        rows: SendableRecordBatchStream,
        filter: Option<Arc<dyn PhysicalExpr>>,
        assignments: Option<Vec<(String, Arc<dyn PhysicalExpr>)>>,
    ) -> Result<RecordBatch> {
        let targets = Self::targets(rows, filter, assignments.as_deref()).await?;
        self.register_secrets(&targets.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>());
        // Each row is written in the account it was read from.
        let mut accounts = Vec::with_capacity(targets.len());
        for (current, _) in &targets {
            accounts.push(super::account_of_row(&self.cx.scan, text(current, "account_id").as_deref()).await);
        }
        let clients = &self.cx.scan.clients;
        let mut names: Vec<&str> = accounts.iter().flatten().map(|a| clients.account_name(*a)).collect();
        names.sort_unstable();
        names.dedup();
        self.approve(targets.len(), &names)?;
        let def = self.table.def();
        let subjects = targets.iter().map(|(current, _)| subject(def, current)).collect();
        let updating = assignments.is_some();
        let calls = targets
            .into_iter()
            .zip(accounts)
            .map(|((current, changes), account)| {
                let (table, cx) = (Arc::clone(&self.table), self.cx.clone());
                async move {
                    let account = match account {
                        Ok(a) => a,
                        Err(e) => return RowReport::failed(subject(table.def(), &current), e),
                    };
                    let parent = parent_of(&current, account);
                    // Whatever the outcome, the item's cached detail may no longer be right.
                    let written = (!cx.dry_run()).then(|| current.clone());
                    let report = if updating {
                        update_one(table.as_ref(), &cx, &parent, current, &changes).await
                    } else {
                        table.delete(&cx, &parent, &current).await
                    };
                    if let Some(row) = written {
                        if let Some(cache) = &cx.scan.cache {
                            cache.forget(table.def(), &parent, &row);
                        }
                        if matches!(report.status, RowStatus::Done)
                            && let Some(id) = row.get("id").and_then(Value::as_str)
                        {
                            let def = table.def();
                            if updating {
                                // The engine's next reads wait for what this write made.
                                cx.scan.recent.updated(def.name, &parent, id, own_writes::awaited(def, &changes));
                            } else {
                                cx.scan.recent.forget(def.name, id);
                            }
                        }
                    }
                    report
                }
            })
            .collect();
        count_batch(self.run(subjects, calls).await)
    }
}

/// Updates one target: its current settings are read first (the get call), because the API
/// replaces some of them whole and a value already in place needs no call.
async fn update_one(
    table: &dyn ApiTable,
    cx: &WriteContext,
    parent: &Parent,
    current: Row,
    changes: &Row,
) -> RowReport {
    let def = table.def();
    let mut target = current;
    let failed = |target: &Row, op: &str, status| RowReport {
        subject: subject(def, target),
        calls: vec![Call { operation: op.to_owned(), request: None, params: None }],
        status,
        returned: None,
        dry_run: cx.dry_run(),
    };
    if let Some(op) = def.get_op {
        let id = text(&target, "id").unwrap_or_default();
        // Waits for this engine's own earlier writes: the difference is from what they made.
        match own_writes::get(table, &cx.scan, parent, &id).await {
            Ok(Some(full)) => {
                let listed = std::mem::take(&mut target);
                target = full;
                target.extend(listed);
            }
            Ok(None) => {
                return failed(
                    &target,
                    op,
                    RowStatus::Failed(Error::refused(
                        Refusal::Column,
                        "no longer exists (deleted since it was listed)",
                    )),
                );
            }
            Err(e) => {
                return failed(
                    &target,
                    op,
                    RowStatus::Failed(
                        e.located(&def.qualified_name(), &parent.region, parent.instance_id.as_deref()).into(),
                    ),
                );
            }
        }
    }
    // A column with a call of its own (proficiencies) is read too: its new value is a
    // difference from the current one.
    for column in changes.keys() {
        let Some(op) = def.column(column).and_then(ColumnDef::per_row_op) else { continue };
        if let Err(e) = own_writes::extra(table, &cx.scan, parent, column, &mut target).await {
            let e = e.located(&def.qualified_name(), &parent.region, parent.instance_id.as_deref());
            return failed(&target, op, RowStatus::Failed(e.into()));
        }
    }
    table.update(cx, parent, &target, changes).await
}

/// Remembers a created item (from its ARN: region, instance, id) so the engine's next reads see
/// it even before the service's listings do.
fn remember_created(cx: &WriteContext, table: &'static str, returned: Option<&serde_json::Map<String, Value>>) {
    let Some(arn) = returned.and_then(|r| r.get("arn")).and_then(Value::as_str) else { return };
    let Some(parsed) = super::keys::ConnectArn::parse(arn) else { return };
    let Some(id) = parsed.resource_id.as_deref() else { return };
    cx.scan.recent.created(table, &parsed.region, Some(&parsed.instance_id), id);
}
