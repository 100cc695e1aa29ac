//! Sessions: the state the statements of one client share — its settings (`SET`), its own tables
//! and views (`CREATE TABLE t AS …`), the calls of its last statement — over a catalog whose
//! built-in schemas and tables no statement can drop, replace or add to. Each session sees the
//! engine's tables through an overlay: what it creates lives in the overlay and dies with the
//! session, so a server's clients cannot change what another client reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::catalog::{
    CatalogProvider, CatalogProviderList, MemoryCatalogProvider, MemoryCatalogProviderList, MemorySchemaProvider,
    SchemaProvider, TableProvider,
};
use datafusion::common::{DataFusionError, TableReference};
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use datafusion::prelude::SessionContext;

use super::{Engine, Prepared, Request, Statement, functions};
use crate::aws::stats::StatsSnapshot;
use crate::error::{Error, Refusal};

/// The parts of a session: its own context and the calls of its last statement.
#[derive(Clone)]
pub(crate) struct SessionParts {
    pub(crate) ctx: SessionContext,
    pub(crate) last: Arc<Mutex<StatsSnapshot>>,
}

impl SessionParts {
    /// A new session over the catalogs of `base` (which it can read and never change).
    pub(crate) fn over(base: &SessionContext) -> SessionParts {
        let state = base.state();
        let list = MemoryCatalogProviderList::new();
        for name in state.catalog_list().catalog_names() {
            if let Some(catalog) = state.catalog_list().catalog(&name) {
                list.register_catalog(name, Arc::new(SessionCatalog::over(catalog)));
            }
        }
        let state = SessionStateBuilder::new_from_existing(state).with_catalog_list(Arc::new(list)).build();
        let ctx = SessionContext::new_with_state(state);
        let last = Arc::new(Mutex::new(StatsSnapshot::default()));
        ctx.register_udtf("api_calls", Arc::new(functions::ApiCalls(Arc::clone(&last))));
        SessionParts { ctx, last }
    }

    /// Records a finished statement's calls as the session's last ones.
    pub(crate) fn record(&self, stats: &StatsSnapshot) {
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = stats.clone();
    }

    pub(crate) fn last_stats(&self) -> StatsSnapshot {
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// Statements that share settings and session tables: a script, a shell, a Postgres
/// connection. [`Engine::execute`] runs in the engine's own session, or in a new one per
/// statement when the engine isolates statements (a server's).
#[derive(Clone)]
pub struct Session {
    engine: Engine,
    parts: SessionParts,
}

impl Session {
    pub(crate) fn new(engine: Engine) -> Session {
        let parts = SessionParts::over(&engine.inner.base);
        Session { engine, parts }
    }

    /// Runs one statement in this session (see [`Engine::execute`]).
    ///
    /// # Errors
    /// As [`Engine::execute`].
    pub async fn execute(&self, text: &str, request: &Request) -> Result<Statement, Error> {
        self.engine.run(&self.parts, text, request).await
    }

    /// What a statement takes and returns, in this session (see [`Engine::prepare`]).
    ///
    /// # Errors
    /// As [`Engine::prepare`].
    pub async fn prepare(&self, text: &str, request: &Request) -> Result<Prepared, Error> {
        self.engine.plan_only(&self.parts, text, request).await
    }

    /// The calls of this session's last finished statement.
    pub fn last_stats(&self) -> StatsSnapshot {
        self.parts.last_stats()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Refuses DDL that names one of the engine's own tables or schemas (`DROP TABLE
/// aws.connect.users`, `CREATE VIEW aws.connect.users …`, even with `IF EXISTS`/`OR REPLACE`),
/// before DataFusion would answer it with a misleading "doesn't exist" or a silent no-op.
///
/// # Errors
/// The refusal, naming the table or schema.
pub(crate) fn check_ddl(plan: &LogicalPlan, base: &SessionContext) -> Result<(), Error> {
    let state = base.state();
    let defaults = &state.config().options().catalog;
    let table = |name: &TableReference| {
        let resolved = name.clone().resolve(&defaults.default_catalog, &defaults.default_schema);
        let schema = state.catalog_list().catalog(&resolved.catalog).and_then(|c| c.schema(&resolved.schema));
        schema.is_some_and(|s| s.table_exist(&resolved.table)).then(|| resolved.to_string())
    };
    let schema = |name: &str| {
        let (catalog, schema) = name.split_once('.').unwrap_or((&defaults.default_catalog, name));
        state.catalog_list().catalog(catalog).and_then(|c| c.schema(schema)).map(|_| format!("{catalog}.{schema}"))
    };
    let named = match plan {
        LogicalPlan::Ddl(ddl) => match ddl {
            DdlStatement::DropTable(d) => table(&d.name),
            DdlStatement::DropView(d) => table(&d.name),
            DdlStatement::CreateView(c) => table(&c.name),
            DdlStatement::CreateMemoryTable(c) => table(&c.name),
            DdlStatement::CreateExternalTable(c) => table(&c.name),
            DdlStatement::DropCatalogSchema(d) => schema(&d.name.to_string()),
            DdlStatement::CreateCatalogSchema(c) => schema(&c.schema_name),
            DdlStatement::CreateCatalog(c) => {
                state.catalog_list().catalog(&c.catalog_name).map(|_| c.catalog_name.clone())
            }
            _ => None,
        },
        _ => None,
    };
    match named {
        Some(name) => Err(Error::refused(
            Refusal::Unsupported,
            format!(
                "{name} is connectql's own: it cannot be dropped, replaced or created again (name a table of your own)"
            ),
        )),
        None => Ok(()),
    }
}

fn built_in(what: &str, name: &str) -> DataFusionError {
    DataFusionError::Plan(format!("{what} {name} is connectql's own: it cannot be dropped, replaced or changed"))
}

/// A catalog of a session: the engine's schemas (each seen through a [`SessionSchema`]) and
/// the schemas the session created.
#[derive(Debug)]
struct SessionCatalog {
    base: Arc<dyn CatalogProvider>,
    /// The overlays of the base schemas, made once so a session's own tables persist.
    overlays: Mutex<HashMap<String, Arc<dyn SchemaProvider>>>,
    own: MemoryCatalogProvider,
}

impl SessionCatalog {
    fn over(base: Arc<dyn CatalogProvider>) -> SessionCatalog {
        SessionCatalog { base, overlays: Mutex::default(), own: MemoryCatalogProvider::new() }
    }
}

impl CatalogProvider for SessionCatalog {
    fn schema_names(&self) -> Vec<String> {
        let mut names = self.base.schema_names();
        names.extend(self.own.schema_names());
        names
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let Some(base) = self.base.schema(name) else { return self.own.schema(name) };
        let mut overlays = self.overlays.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let overlay = overlays.entry(name.to_owned()).or_insert_with(|| Arc::new(SessionSchema::over(base)));
        Some(Arc::clone(overlay))
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> datafusion::common::Result<Option<Arc<dyn SchemaProvider>>> {
        if self.base.schema(name).is_some() {
            return Err(built_in("schema", name));
        }
        self.own.register_schema(name, schema)
    }

    fn deregister_schema(
        &self,
        name: &str,
        cascade: bool,
    ) -> datafusion::common::Result<Option<Arc<dyn SchemaProvider>>> {
        if self.base.schema(name).is_some() {
            return Err(built_in("schema", name));
        }
        self.own.deregister_schema(name, cascade)
    }
}

/// A schema of a session: the engine's tables, read-only, and the session's own tables.
#[derive(Debug)]
struct SessionSchema {
    base: Arc<dyn SchemaProvider>,
    own: MemorySchemaProvider,
}

impl SessionSchema {
    fn over(base: Arc<dyn SchemaProvider>) -> SessionSchema {
        SessionSchema { base, own: MemorySchemaProvider::new() }
    }
}

#[async_trait]
impl SchemaProvider for SessionSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names = self.base.table_names();
        names.extend(self.own.table_names());
        names
    }

    async fn table(&self, name: &str) -> datafusion::common::Result<Option<Arc<dyn TableProvider>>> {
        match self.base.table(name).await? {
            Some(t) => Ok(Some(t)),
            None => self.own.table(name).await,
        }
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> datafusion::common::Result<Option<Arc<dyn TableProvider>>> {
        if self.base.table_exist(&name) {
            return Err(built_in("table", &name));
        }
        self.own.register_table(name, table)
    }

    fn deregister_table(&self, name: &str) -> datafusion::common::Result<Option<Arc<dyn TableProvider>>> {
        if self.base.table_exist(name) {
            return Err(built_in("table", name));
        }
        self.own.deregister_table(name)
    }

    fn table_exist(&self, name: &str) -> bool {
        self.base.table_exist(name) || self.own.table_exist(name)
    }
}
