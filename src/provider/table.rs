//! `ApiTableProvider`: the one DataFusion `TableProvider` for every API-backed table. Key filters
//! are answered by the scan (Exact); every other filter is left to DataFusion, so no query ever
//! returns a wrong row.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, DataFusionError, Result, not_impl_err, plan_err};
use datafusion::datasource::TableType;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

use super::api::{ApiTable, ScanContext};
use super::dml::{DmlExec, DmlKind, Targets, WritableTable, read_options};
use super::plan::{self, PlanDefaults};
use super::scan_exec::ApiScanExec;

/// A table served through its API calls.
pub struct ApiTableProvider {
    table: Arc<dyn ApiTable>,
    writer: Option<Arc<dyn WritableTable>>,
    schema: SchemaRef,
    cx: ScanContext,
}

impl fmt::Debug for ApiTableProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiTableProvider({})", self.table.def().qualified_name())
    }
}

impl ApiTableProvider {
    pub fn new(table: Arc<dyn ApiTable>, writer: Option<Arc<dyn WritableTable>>, cx: ScanContext) -> Self {
        let schema = table.def().schema();
        ApiTableProvider { table, writer, schema, cx }
    }

    fn writer(&self, verb: &str) -> Result<Arc<dyn WritableTable>> {
        self.writer
            .clone()
            .ok_or_else(|| DataFusionError::Plan(format!("{verb}: {} is read-only", self.table.def().qualified_name())))
    }

    /// The rows an UPDATE or DELETE acts on: the same planner as SELECT over the columns the
    /// statement needs, and every filter compiled to be re-applied to the scanned rows.
    fn targets(&self, state: &dyn Session, verb: &str, filters: &[Expr], columns: &[String]) -> Result<Targets> {
        let def = self.table.def();
        if filters.is_empty() && !read_options(&self.cx.writes).allow_unqualified {
            return plan_err!(
                "{verb} without a WHERE clause (or with one that does not restrict rows) is refused: it would change every user of the instance(s). Add a WHERE clause, or pass --allow-unqualified"
            );
        }
        let mut wanted: Vec<String> = ["id", "arn", "username", "region", "instance_id", "instance_arn"]
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        for f in filters {
            for c in f.column_refs() {
                wanted.push(c.name.clone());
            }
        }
        wanted.extend(columns.iter().cloned());
        let indices: Vec<usize> = def
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| wanted.iter().any(|w| w == c.name))
            .map(|(i, _)| i)
            .collect();
        let schema = Arc::new(self.schema.project(&indices)?);
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let plan = plan::plan(def, filters, Some(&names), None, &self.defaults())
            .map_err(|e| DataFusionError::Plan(format!("{}: {e}", def.qualified_name())))?;
        let df_schema = DFSchema::try_from(Arc::clone(&schema))?;
        let filter = match conjunction(filters.iter().cloned()) {
            Some(f) => Some(state.create_physical_expr(f, &df_schema)?),
            None => None,
        };
        Ok(Targets { plan, schema, filter })
    }

    pub fn table(&self) -> &Arc<dyn ApiTable> {
        &self.table
    }

    fn defaults(&self) -> PlanDefaults {
        PlanDefaults {
            region: self.cx.connect.default_region().ok(),
            instances: self.cx.default_instances.clone(),
            concurrency: self.cx.concurrency,
        }
    }
}

#[async_trait]
impl TableProvider for ApiTableProvider {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters.iter().map(|f| plan::pushdown(self.table.def(), f)).collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => Arc::clone(&self.schema),
        };
        let columns: Option<Vec<String>> =
            projection.map(|_| schema.fields().iter().map(|f| f.name().clone()).collect());
        let plan = plan::plan(self.table.def(), filters, columns.as_deref(), limit, &self.defaults())
            .map_err(|e| DataFusionError::Plan(format!("{}: {e}", self.table.def().qualified_name())))?;
        Ok(Arc::new(ApiScanExec::new(Arc::clone(&self.table), plan, self.cx.clone(), schema)))
    }

    async fn insert_into(
        &self,
        _state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let writer = self.writer("INSERT")?;
        if insert_op != InsertOp::Append {
            return not_impl_err!(
                "{} supports only INSERT INTO (append), got {insert_op}",
                self.table.def().qualified_name()
            );
        }
        Ok(Arc::new(DmlExec::new(
            writer,
            DmlKind::Insert(input),
            None,
            self.cx.clone(),
            Arc::clone(&self.cx.writes),
            Arc::clone(&self.cx.returned),
        )))
    }

    async fn delete_from(&self, state: &dyn Session, filters: Vec<Expr>) -> Result<Arc<dyn ExecutionPlan>> {
        let writer = self.writer("DELETE")?;
        let targets = self.targets(state, "DELETE", &filters, &[])?;
        Ok(Arc::new(DmlExec::new(
            writer,
            DmlKind::Delete,
            Some(targets),
            self.cx.clone(),
            Arc::clone(&self.cx.writes),
            Arc::clone(&self.cx.returned),
        )))
    }

    async fn update(
        &self,
        state: &dyn Session,
        assignments: Vec<(String, Expr)>,
        filters: Vec<Expr>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let writer = self.writer("UPDATE")?;
        let columns: Vec<String> = assignments.iter().map(|(c, _)| c.clone()).collect();
        writer.check_assignments(&columns).map_err(DataFusionError::Plan)?;
        // The target scan reads what the filters and the new values need; each target's current
        // settings are read with the get call only once it is known to be a target.
        let mut needed = Vec::new();
        for (_, e) in &assignments {
            needed.extend(e.column_refs().into_iter().map(|c| c.name.clone()));
        }
        let targets = self.targets(state, "UPDATE", &filters, &needed)?;
        let df_schema = DFSchema::try_from(Arc::clone(&targets.schema))?;
        let compiled = assignments
            .into_iter()
            .map(|(c, e)| Ok((c, state.create_physical_expr(e, &df_schema)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(DmlExec::new(
            writer,
            DmlKind::Update(compiled),
            Some(targets),
            self.cx.clone(),
            Arc::clone(&self.cx.writes),
            Arc::clone(&self.cx.returned),
        )))
    }
}
