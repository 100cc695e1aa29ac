//! INSERT, UPDATE and DELETE as API calls. The DataFusion hooks only compile the request (target
//! scan, filter and assignment expressions); `DmlExec::execute` finds the target rows with the
//! same scan planner as SELECT, re-applies every filter, asks before large changes, makes the
//! calls row by row with bounded concurrency, reports each row, and returns the count of rows
//! changed. A failing row is reported and the others still go through.

use std::fmt;
use std::sync::{Arc, RwLock};

use datafusion::arrow::array::{BooleanArray, RecordBatch, UInt64Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, ReplaceChildrenOptions,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::api::{ApiTable, Parent, Row, ScanContext};
use super::plan::ScanPlan;
use super::scan_exec::ApiScanExec;

/// Asks the user to confirm a large change; returns whether to go on.
pub type Confirm = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// How writes behave; the REPL can change them between statements.
#[derive(Clone, Default)]
pub struct WriteOptions {
    /// Print the calls a statement would make, change nothing.
    pub dry_run: bool,
    /// Allow UPDATE and DELETE without a WHERE clause.
    pub allow_unqualified: bool,
    /// Go ahead with changes above the threshold without asking.
    pub yes: bool,
    /// Changes of more rows than this need confirmation (or `yes`).
    pub threshold: usize,
    /// How to ask (the REPL's prompt); none means refuse.
    pub confirm: Option<Confirm>,
}

impl fmt::Debug for WriteOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteOptions")
            .field("dry_run", &self.dry_run)
            .field("allow_unqualified", &self.allow_unqualified)
            .field("yes", &self.yes)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// Shared, changeable write options.
pub type SharedWriteOptions = Arc<RwLock<WriteOptions>>;

pub fn read_options(o: &SharedWriteOptions) -> WriteOptions {
    o.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// What happened to one row.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// The user (or item) the row is about, for the report.
    pub subject: String,
    /// Operations called (or that would be called), in order.
    pub operations: Vec<String>,
    /// `None` when every call succeeded.
    pub error: Option<String>,
    /// Values to return (INSERT … RETURNING): id, arn.
    pub returned: Option<(String, String)>,
}

/// The write side of a table.
#[async_trait::async_trait]
pub trait WritableTable: ApiTable {
    /// Creates one item from an INSERT row.
    async fn create(&self, cx: &ScanContext, row: &Row, dry_run: bool) -> RowOutcome;
    /// Deletes one target row.
    async fn delete(&self, cx: &ScanContext, parent: &Parent, target: &Row, dry_run: bool) -> RowOutcome;
    /// Applies SET columns (new values in `changes`) to one target row (current values).
    async fn update(&self, cx: &ScanContext, parent: &Parent, target: &Row, changes: &Row, dry_run: bool)
    -> RowOutcome;
    /// Refuses assignments to columns that cannot be set, naming them.
    fn check_assignments(&self, columns: &[String]) -> Result<(), String>;
}

/// The statement kinds.
pub enum DmlKind {
    Insert(Arc<dyn ExecutionPlan>),
    Delete,
    /// Column names and the expressions of their new values (over the target scan's schema).
    Update(Vec<(String, Arc<dyn PhysicalExpr>)>),
}

impl DmlKind {
    fn name(&self) -> &'static str {
        match self {
            DmlKind::Insert(_) => "INSERT",
            DmlKind::Delete => "DELETE",
            DmlKind::Update(_) => "UPDATE",
        }
    }
}

/// The target rows of an UPDATE or DELETE: the scan, and the filters to re-apply.
pub struct Targets {
    pub plan: ScanPlan,
    pub schema: SchemaRef,
    pub filter: Option<Arc<dyn PhysicalExpr>>,
}

/// Runs a DML statement as API calls and yields one row: `count`, the rows changed.
pub struct DmlExec {
    table: Arc<dyn WritableTable>,
    kind: DmlKind,
    targets: Option<Targets>,
    cx: ScanContext,
    options: SharedWriteOptions,
    /// Created ids and ARNs, for INSERT … RETURNING.
    returned: Arc<std::sync::Mutex<Vec<(String, String)>>>,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for DmlExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DmlExec({} {})", self.kind.name(), self.table.def().qualified_name())
    }
}

fn count_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("count", DataType::UInt64, false)]))
}

impl DmlExec {
    pub fn new(
        table: Arc<dyn WritableTable>,
        kind: DmlKind,
        targets: Option<Targets>,
        cx: ScanContext,
        options: SharedWriteOptions,
        returned: Arc<std::sync::Mutex<Vec<(String, String)>>>,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(count_schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        DmlExec { table, kind, targets, cx, options, returned, properties }
    }
}

impl DisplayAs for DmlExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let def = self.table.def();
        match (&self.kind, &self.targets) {
            (DmlKind::Insert(_), _) => {
                write!(f, "DmlExec: INSERT into {} calls=[CreateUser per row]", def.qualified_name())
            }
            (kind, Some(t)) => {
                let per_row = match kind {
                    DmlKind::Delete => "DeleteUser per target row".to_owned(),
                    DmlKind::Update(a) => {
                        let cols: Vec<&str> = a.iter().map(|(c, _)| c.as_str()).collect();
                        format!("UpdateUser* per target row for [{}]", cols.join(", "))
                    }
                    DmlKind::Insert(_) => String::new(),
                };
                write!(
                    f,
                    "DmlExec: {} {} targets=[{} calls=[{}]] calls=[{per_row}]",
                    kind.name(),
                    def.qualified_name(),
                    t.plan,
                    t.plan.calls(def)
                )
            }
            (kind, None) => write!(f, "DmlExec: {} {}", kind.name(), def.qualified_name()),
        }
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
            (DmlKind::Insert(_), Some(input)) => Ok(Arc::new(DmlExec::new(
                Arc::clone(&self.table),
                DmlKind::Insert(input),
                None,
                self.cx.clone(),
                Arc::clone(&self.options),
                Arc::clone(&self.returned),
            ))),
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

    fn execute(&self, _partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let job = Job {
            table: Arc::clone(&self.table),
            cx: self.cx.clone(),
            options: read_options(&self.options),
            returned: Arc::clone(&self.returned),
        };
        let fut: futures::future::BoxFuture<'static, Result<RecordBatch>> = match &self.kind {
            DmlKind::Insert(input) => {
                let input = input.execute(0, context)?;
                Box::pin(async move { job.insert(input).await })
            }
            DmlKind::Delete | DmlKind::Update(_) => {
                let targets =
                    self.targets.as_ref().ok_or_else(|| DataFusionError::Internal("DML without targets".into()))?;
                let scan = ApiScanExec::new(
                    Arc::clone(&self.table) as Arc<dyn ApiTable>,
                    targets.plan.clone(),
                    self.cx.clone(),
                    Arc::clone(&targets.schema),
                );
                let rows = scan.execute(0, context)?;
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

struct Job {
    table: Arc<dyn WritableTable>,
    cx: ScanContext,
    options: WriteOptions,
    returned: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

/// Rows of a batch as JSON objects keyed by column name (nested values as JSON).
pub fn batch_rows(batch: &RecordBatch) -> Result<Vec<Row>> {
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

fn parent_of(row: &Row) -> Parent {
    let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
    Parent {
        region: text("region").unwrap_or_default(),
        instance_id: text("instance_id"),
        instance_arn: text("instance_arn"),
    }
}

impl Job {
    /// Prints one row's outcome on stderr and records failures.
    fn report(&self, outcome: &RowOutcome) {
        let ops = outcome.operations.join(" + ");
        let ops = if ops.is_empty() { "(unchanged)".to_owned() } else { ops };
        match (&outcome.error, self.options.dry_run) {
            (None, true) => {}
            (None, false) => eprintln!("ok      {:<28} {}", ops, outcome.subject),
            (Some(e), _) => {
                self.cx.diagnostics.failure(format!("{} {}: {e}", ops, outcome.subject));
            }
        }
    }

    /// Asks before changing more rows than the threshold.
    fn approve(&self, verb: &str, n: usize) -> Result<()> {
        if self.options.dry_run || n <= self.options.threshold || self.options.yes {
            return Ok(());
        }
        let question = format!("This {verb} would change {n} rows of {}. Go ahead?", self.table.def().qualified_name());
        match &self.options.confirm {
            Some(ask) if ask(&question) => Ok(()),
            Some(_) => Err(DataFusionError::Execution(format!("{verb} cancelled: nothing was changed"))),
            None => Err(DataFusionError::Execution(format!(
                "{verb} would change {n} rows (more than {}): nothing was changed; pass --yes to allow it",
                self.options.threshold
            ))),
        }
    }

    async fn insert(self, input: SendableRecordBatchStream) -> Result<RecordBatch> {
        let batches: Vec<RecordBatch> = input.try_collect().await?;
        let mut rows = Vec::new();
        for b in &batches {
            rows.extend(batch_rows(b)?);
        }
        self.approve("INSERT", rows.len())?;
        let concurrency = self.cx.concurrency;
        let outcomes: Vec<RowOutcome> = stream::iter(rows)
            .map(|row| {
                let (table, cx, dry) = (Arc::clone(&self.table), self.cx.clone(), self.options.dry_run);
                async move { table.create(&cx, &row, dry).await }
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut ok = 0;
        for o in &outcomes {
            self.report(o);
            if o.error.is_none() {
                ok += 1;
                if let Some(r) = &o.returned {
                    self.returned.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(r.clone());
                }
            }
        }
        count_batch(if self.options.dry_run { 0 } else { ok })
    }

    async fn change(
        self,
        rows: SendableRecordBatchStream,
        filter: Option<Arc<dyn PhysicalExpr>>,
        assignments: Option<Vec<(String, Arc<dyn PhysicalExpr>)>>,
    ) -> Result<RecordBatch> {
        // Targets: every scanned row that passes all the statement's filters, with new values.
        let mut targets: Vec<(Row, Row)> = Vec::new();
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
            for (column, expr) in assignments.iter().flatten() {
                let values = expr.evaluate(&batch)?.into_array(batch.num_rows())?;
                let schema = Arc::new(Schema::new(vec![Field::new(column, values.data_type().clone(), true)]));
                let one = RecordBatch::try_new(schema, vec![values])?;
                for (i, r) in batch_rows(&one)?.into_iter().enumerate() {
                    changes[i].insert(column.clone(), r.get(column).cloned().unwrap_or(Value::Null));
                }
            }
            targets.extend(current.into_iter().zip(changes));
        }
        let verb = if assignments.is_some() { "UPDATE" } else { "DELETE" };
        self.approve(verb, targets.len())?;
        let concurrency = self.cx.concurrency;
        let updating = assignments.is_some();
        let outcomes: Vec<RowOutcome> = stream::iter(targets)
            .map(|(current, changes)| {
                let (table, cx, dry) = (Arc::clone(&self.table), self.cx.clone(), self.options.dry_run);
                async move {
                    let parent = parent_of(&current);
                    if !updating {
                        return table.delete(&cx, &parent, &current, dry).await;
                    }
                    // Updates merge into the current settings: read them (the get call).
                    let id = current.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                    let subject = current.get("username").and_then(Value::as_str).unwrap_or(&id).to_owned();
                    let full = match table.def().get_op {
                        Some(op) => match table.get(&cx, &parent, &id).await {
                            Ok(Some(full)) => full,
                            Ok(None) => {
                                return RowOutcome {
                                    subject,
                                    operations: vec![op.to_owned()],
                                    error: Some("no longer exists".to_owned()),
                                    returned: None,
                                };
                            }
                            Err(e) => {
                                return RowOutcome {
                                    subject,
                                    operations: vec![op.to_owned()],
                                    error: Some(e.to_string()),
                                    returned: None,
                                };
                            }
                        },
                        None => Row::new(),
                    };
                    let mut target = full;
                    target.extend(current);
                    table.update(&cx, &parent, &target, &changes, dry).await
                }
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut ok = 0;
        for o in &outcomes {
            self.report(o);
            ok += u64::from(o.error.is_none() && !o.operations.is_empty());
        }
        count_batch(if self.options.dry_run { 0 } else { ok })
    }
}
