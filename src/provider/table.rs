//! `ApiTableProvider`: the one DataFusion `TableProvider` for every API-backed table. Key filters
//! are answered by the scan (Exact); every other filter is left to DataFusion, so no query ever
//! returns a wrong row. The DML hooks enforce the write policy and refuse UPDATE and DELETE that
//! restrict no row, whoever calls them; they only compile the request, the calls run in
//! [`DmlExec`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, Result, not_impl_err};
use datafusion::datasource::TableType;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

use super::api::{ApiTable, Containers};
use super::context::{ScanContext, StatementScope, WriteContext, WritePolicy};
use super::dml::{DmlExec, DmlKind, Targets};
use super::keys::pinned_values;
use super::plan::{self, AccountView, PlanDefaults};
use super::scan_exec::ApiScanExec;
use super::table_def::Update;
use crate::error::{Error, Refusal};

/// Builds the scope of a plan made on a context the engine did not prepare: read-only, with its
/// calls counted apart.
pub(crate) type FallbackScope = Arc<dyn Fn() -> StatementScope + Send + Sync>;

/// A table served through its API calls.
pub(crate) struct ApiTableProvider {
    table: Arc<dyn ApiTable>,
    /// What the scan lists first: instances, and the owning items of an owned table.
    containers: Containers,
    schema: SchemaRef,
    fallback: FallbackScope,
}

impl fmt::Debug for ApiTableProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiTableProvider({})", self.table.def().qualified_name())
    }
}

impl ApiTableProvider {
    pub(crate) fn new(table: Arc<dyn ApiTable>, containers: Containers, fallback: FallbackScope) -> Self {
        let schema = table.def().schema();
        ApiTableProvider { table, containers, schema, fallback }
    }

    /// The columns whose values name an instance: the container table's keys, or an
    /// instance-scoped table's `instance_id` and `instance_arn`.
    pub(crate) fn instance_columns(&self) -> Vec<&'static str> {
        let def = self.table.def();
        if def.name == self.containers.instances.def().name {
            def.id_columns.iter().map(|(c, _)| *c).collect()
        } else if def.scope == super::Scope::Instance {
            def.scope_columns().iter().copied().filter(|c| *c != "region").collect()
        } else {
            Vec::new()
        }
    }

    /// The statement's scope, from the session config (or a read-only one).
    fn scope(&self, state: &dyn Session) -> StatementScope {
        match state.config().get_extension::<StatementScope>() {
            Some(s) => s.as_ref().clone(),
            None => {
                let mut s = (self.fallback)();
                s.writes.policy = WritePolicy::ReadOnly;
                s
            }
        }
    }

    /// The write context of a statement allowed to write this table.
    fn writable(&self, state: &dyn Session, verb: &str) -> Result<WriteContext> {
        let def = self.table.def();
        let cx = self.scope(state).write_context();
        if def.writes.is_none() {
            return Err(
                Error::refused(Refusal::ReadOnly, format!("{verb}: {} is read-only", def.qualified_name())).into()
            );
        }
        if cx.settings.policy == WritePolicy::ReadOnly {
            let hint = if cx.settings.read_only_hint.is_empty() { "" } else { &*cx.settings.read_only_hint };
            return Err(Error::refused(
                Refusal::ReadOnly,
                format!("{verb} on {}: this session is read-only{hint}", def.qualified_name()),
            )
            .into());
        }
        Ok(cx)
    }

    /// The planner's defaults; `accounts` from [`accounts_for`].
    fn defaults(&self, cx: &ScanContext, accounts: Vec<AccountView>) -> PlanDefaults {
        PlanDefaults {
            region: cx.clients.default_region().map(str::to_owned),
            accounts,
            containers_op: self.containers.instances.def().list_op,
            owners_op: self.containers.owner.as_ref().map(|o| o.def().list_op),
            instances: cx.default_instances.clone(),
            concurrency: cx.concurrency,
        }
    }

    /// The rows an UPDATE or DELETE acts on: the same planner as SELECT over the columns the
    /// statement needs, and every filter compiled to be re-applied to the scanned rows.
    async fn targets(
        &self,
        state: &dyn Session,
        cx: &WriteContext,
        verb: &str,
        filters: &[Expr],
        columns: &[String],
    ) -> Result<Targets> {
        let def = self.table.def();
        if filters.is_empty() && !cx.settings.allow_unqualified {
            return Err(Error::refused(
                Refusal::Unqualified,
                format!(
                    "{verb} without a WHERE clause (or with one that does not restrict rows) is refused: it would change every row of {}. Add a WHERE clause, or pass --allow-unqualified",
                    def.qualified_name()
                ),
            )
            .into());
        }
        let mut wanted: Vec<&str> = def.scope_columns().to_vec();
        wanted.extend(def.id_columns.iter().map(|(c, _)| *c));
        wanted.push(def.label_column);
        // Which account a target row is written in.
        wanted.push("account_id");
        let referenced: Vec<String> = filters.iter().flat_map(|f| f.column_refs()).map(|c| c.name.clone()).collect();
        wanted.extend(referenced.iter().map(String::as_str));
        wanted.extend(columns.iter().map(String::as_str));
        let indices: Vec<usize> =
            def.columns.iter().enumerate().filter(|(_, c)| wanted.contains(&c.name)).map(|(i, _)| i).collect();
        let schema = Arc::new(self.schema.project(&indices)?);
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let accounts = accounts_for(&cx.scan, filters).await;
        let plan = plan::plan(def, filters, Some(&names), None, &self.defaults(&cx.scan, accounts))?;
        let df_schema = DFSchema::try_from(Arc::clone(&schema))?;
        let filter = match conjunction(filters.iter().cloned()) {
            Some(f) => Some(state.create_physical_expr(f, &df_schema)?),
            None => None,
        };
        Ok(Targets { containers: self.containers.clone(), plan, schema, filter })
    }

    /// Refuses assignments to columns that cannot be set, naming them.
    fn check_assignments(&self, assignments: &[(String, Expr)]) -> Result<(), Error> {
        let def = self.table.def();
        for (column, _) in assignments {
            let why = match def.column(column).map(|c| c.update) {
                Some(Update::Via(_)) => continue,
                Some(Update::Fixed(why)) => why,
                None => "there is no such column",
            };
            return Err(Error::refused(
                Refusal::Column,
                format!(
                    "column '{column}' of {} is read-only: {why}. Settable columns: {}",
                    def.qualified_name(),
                    def.settable().join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// The configured accounts; when a filter names accounts by id, the ids not known yet are asked
/// of STS first (GetCallerIdentity, counted), so the accounts it excludes are not read at all.
/// An account whose id cannot be learnt stays in: its rows are filtered instead.
async fn accounts_for(cx: &ScanContext, filters: &[Expr]) -> Vec<AccountView> {
    let names_accounts =
        filters.iter().any(|f| pinned_values(f).is_some_and(|(c, _)| c == "account_id" || c == "instance_arn"));
    if cx.clients.several_accounts() && names_accounts {
        let unknown: Vec<usize> = cx.clients.accounts().iter().filter(|a| a.id.is_none()).map(|a| a.index).collect();
        futures::future::join_all(unknown.into_iter().map(|i| cx.clients.account_id(i))).await;
    }
    cx.clients.accounts()
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
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let cx = self.scope(state).scan;
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => Arc::clone(&self.schema),
        };
        let columns: Option<Vec<String>> =
            projection.map(|_| schema.fields().iter().map(|f| f.name().clone()).collect());
        let accounts = accounts_for(&cx, filters).await;
        let plan = plan::plan(self.table.def(), filters, columns.as_deref(), limit, &self.defaults(&cx, accounts))?;
        Ok(Arc::new(ApiScanExec::new(Arc::clone(&self.table), self.containers.clone(), plan, cx, schema)))
    }

    async fn insert_into(
        &self,
        state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let cx = self.writable(state, "INSERT")?;
        if insert_op != InsertOp::Append {
            return not_impl_err!(
                "{} supports only INSERT INTO (append), got {insert_op}",
                self.table.def().qualified_name()
            );
        }
        Ok(Arc::new(DmlExec::new(Arc::clone(&self.table), DmlKind::Insert(input), None, cx)))
    }

    async fn delete_from(&self, state: &dyn Session, filters: Vec<Expr>) -> Result<Arc<dyn ExecutionPlan>> {
        let cx = self.writable(state, "DELETE")?;
        let targets = self.targets(state, &cx, "DELETE", &filters, &[]).await?;
        Ok(Arc::new(DmlExec::new(Arc::clone(&self.table), DmlKind::Delete, Some(targets), cx)))
    }

    async fn update(
        &self,
        state: &dyn Session,
        assignments: Vec<(String, Expr)>,
        filters: Vec<Expr>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let cx = self.writable(state, "UPDATE")?;
        self.check_assignments(&assignments)?;
        // The target scan reads what the filters and the new values need; each target's current
        // settings are read with the get call only once it is known to be a target.
        let needed: Vec<String> =
            assignments.iter().flat_map(|(_, e)| e.column_refs()).map(|c| c.name.clone()).collect();
        let targets = self.targets(state, &cx, "UPDATE", &filters, &needed).await?;
        let df_schema = DFSchema::try_from(Arc::clone(&targets.schema))?;
        let compiled = assignments
            .into_iter()
            .map(|(c, e)| Ok((c, state.create_physical_expr(e, &df_schema)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(DmlExec::new(Arc::clone(&self.table), DmlKind::Update(compiled), Some(targets), cx)))
    }
}
