//! `ApiTableProvider`: the one DataFusion `TableProvider` for every API-backed table. Key filters
//! are answered by the scan (Exact); every other filter is left to DataFusion, so no query ever
//! returns a wrong row.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::TableType;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

use super::api::{ApiTable, ScanContext};
use super::plan::{self, PlanDefaults};
use super::scan_exec::ApiScanExec;

/// A table served through its API calls.
pub struct ApiTableProvider {
    table: Arc<dyn ApiTable>,
    schema: SchemaRef,
    cx: ScanContext,
}

impl fmt::Debug for ApiTableProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiTableProvider({})", self.table.def().qualified_name())
    }
}

impl ApiTableProvider {
    pub fn new(table: Arc<dyn ApiTable>, cx: ScanContext) -> Self {
        let schema = table.def().schema();
        ApiTableProvider { table, schema, cx }
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
}
