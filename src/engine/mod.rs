//! The engine and its one door. [`Engine::execute`] is how every surface (the CLI, the shell,
//! scripts, the benchmark, tests) runs a statement: it fills placeholders, finds the password
//! values the statement carries, applies connectql's SQL (StackQL names, JSON literals,
//! `RETURNING`, `ON CONFLICT`), runs subqueries of writes first, and plans and runs the
//! statement on its own scope (its clients, call counters, events and write policy). The
//! DataFusion context stays inside; the write guards live in the tables and the plan rules, so
//! they hold whoever plans.

mod describe;
mod files;
mod functions;
mod postgres;

pub(crate) use postgres::{PG_USER, SEARCH_PATH, SERVER_VERSION, as_json as postgres_as_json};
mod runtime;
mod session;
mod statement;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{DescribeAlias, ObjectName, Query, Statement as SqlStatement};

pub use self::describe::{ColumnInfo, TableInfo};
pub use self::files::FileAccess;
pub(crate) use self::postgres::DATABASE as POSTGRES_DATABASE;
pub use self::session::Session;
use self::session::SessionParts;
pub use self::statement::{Statement, StatementKind, Summary};
use crate::aws::client::{Connect, ConnectSettings};
use crate::aws::stats::{CallStats, StatsSnapshot};
use crate::cache::{CacheInfo, DetailCache};
use crate::error::{Error, SqlError};
use crate::provider::context::{Confirm, ScanContext, StatementScope, WritePolicy, WriteSettings};
use crate::provider::detail_cache::CacheUse;
use crate::provider::events::{Event, EventSink, Observer};
use crate::provider::guard::{DmlShape, EmptyTargets};
use crate::provider::joins::RegionFollowsInstance;
use crate::provider::recent::RecentWrites;
use crate::provider::table::FallbackScope;
use crate::provider::{ApiTable, ApiTableProvider, TableDef};
use crate::sql::dialect::{self, Extras};
use crate::sql::subquery::{self, SubqueryRunner};
use crate::sql::{script, secrets};

/// Settings that shape every statement of an engine.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub connect: ConnectSettings,
    /// Per-row calls in flight at once per scan or write.
    pub concurrency: usize,
    /// Keep going when one region or instance of a fan-out fails (reported, exit code 1).
    pub partial: bool,
    /// Instances used when a query names none (empty: every instance).
    pub instances: Vec<String>,
    /// Whether INSERT, UPDATE and DELETE may change anything.
    pub policy: WritePolicy,
    /// Appended to the refusal of a write by a read-only policy: how to allow writes.
    pub read_only_hint: String,
    /// Allow UPDATE and DELETE without a WHERE clause that restricts rows.
    pub allow_unqualified: bool,
    /// Changes of more rows than this need confirmation (or `assume_yes`).
    pub confirm_threshold: usize,
    /// Go ahead with changes above the threshold without asking.
    pub assume_yes: bool,
    /// The local detail cache; none disables it.
    pub cache: Option<CacheSettings>,
    /// Add `pg_catalog` and Postgres' functions, for Postgres clients ([`Dialect::Postgres`]).
    pub postgres_catalog: bool,
    /// Which local files statements may read and write (`COPY`, `CREATE EXTERNAL TABLE`).
    pub files: FileAccess,
    /// Every [`Engine::execute`] runs in a session of its own (a server's requests): nothing a
    /// statement creates or sets is seen by another. [`Engine::session`] gives statements that
    /// share one (a script, a connection).
    pub isolated: bool,
}

/// Where the local detail cache lives and how long its entries may be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// The directory of the cache file (created 0700; the file 0600); none keeps the cache in
    /// memory, for this engine only (the demo, whose data lives no longer either).
    pub dir: Option<std::path::PathBuf>,
    /// Entries older than this are fetched again, changed or not; zero reuses nothing.
    pub max_age: Duration,
}

impl CacheSettings {
    /// The platform cache directory (`$XDG_CACHE_HOME/connectql`, `~/.cache/connectql`), 24 h.
    pub fn default_location() -> Option<CacheSettings> {
        crate::cache::default_dir().map(|dir| CacheSettings { dir: Some(dir), max_age: Duration::from_secs(24 * 3600) })
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            connect: ConnectSettings::default(),
            concurrency: 16,
            partial: false,
            instances: Vec::new(),
            policy: WritePolicy::ReadOnly,
            read_only_hint: String::new(),
            allow_unqualified: false,
            confirm_threshold: 10,
            assume_yes: false,
            cache: None,
            postgres_catalog: false,
            files: FileAccess::Any,
            isolated: false,
        }
    }
}

/// What one call of [`Engine::execute`] brings besides the SQL.
#[derive(Clone, Default)]
pub struct Request {
    /// Values of `{{ name }}` placeholders.
    pub vars: BTreeMap<String, String>,
    /// This statement's write policy, instead of the engine's (the shell's `.dryrun on`).
    pub policy: Option<WritePolicy>,
    /// How to ask before a large change (a terminal); without it, such changes need `assume_yes`.
    pub confirm: Option<Confirm>,
    /// Told of every event (warnings, rows written, retries) as it happens.
    pub observer: Option<Observer>,
    /// Refuse, before anything runs, whatever is not a read: writes, DDL, `SET`, `COPY` (an
    /// agent's query tool, which must not write local files or change settings either).
    pub reads_only: bool,
    /// Refuse, before anything runs, whatever is not an INSERT, UPDATE or DELETE (planned changes).
    pub writes_only: bool,
    /// Whose SQL the text is.
    pub dialect: Dialect,
    /// Values of `$1`, `$2`, …, in order (a Postgres client's bound parameters).
    pub params: Vec<ScalarValue>,
}

/// Whose SQL a statement is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dialect {
    /// connectql's: DataFusion's SQL with StackQL's names, JSON literals, `RETURNING`, …
    #[default]
    Connectql,
    /// A Postgres client's (psql, BI tools, drivers): rewritten into connectql's first, and
    /// `pg_catalog` answers their catalog queries (see [`EngineSettings::postgres_catalog`]).
    Postgres,
}

/// One page of a listing ([`Engine::list_page`]).
#[derive(Debug, Clone, Default)]
pub struct ListedPage {
    /// The rows, as column name → JSON value (times as epoch milliseconds).
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// The service's token for the next page; none after the last.
    pub next_token: Option<String>,
    /// The calls the page cost.
    pub stats: StatsSnapshot,
}

/// What a statement will take and return, known before it runs (a client's prepared statement).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub kind: StatementKind,
    /// The type of each `$n` where the plan tells it, in order.
    pub params: Vec<Option<DataType>>,
    /// The columns of its rows (none for a write without `RETURNING`, or a command).
    pub schema: SchemaRef,
}

/// A ready-to-query engine; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// The catalogs every session reads (and none can change), the functions and plan rules.
    base: SessionContext,
    /// The session [`Engine::execute`] runs in when statements are not isolated.
    default: SessionParts,
    connect: Arc<Connect>,
    tables: Vec<Arc<dyn ApiTable>>,
    settings: EngineSettings,
    cache: Option<Arc<DetailCache>>,
    /// What this engine created lately: its later statements read their own creates.
    recent: Arc<RecentWrites>,
}

/// The plan only reads: no write, DDL, `SET` or `COPY`, also under EXPLAIN ANALYZE.
fn only_reads(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Dml(_) | LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) | LogicalPlan::Copy(_) => false,
        LogicalPlan::Explain(e) => only_reads(&e.plan),
        LogicalPlan::Analyze(a) => only_reads(&a.input),
        _ => true,
    }
}

/// The context every session is made over: catalog `aws`, schema `connect`, the tables,
/// connectql's functions and the write-guard plan rules.
fn base_context(
    tables: &[Arc<dyn ApiTable>],
    fallback: &FallbackScope,
    postgres_catalog: bool,
) -> Result<SessionContext, Error> {
    let config = SessionConfig::new().with_information_schema(true).with_default_catalog_and_schema("aws", "connect");
    let ctx = SessionContext::new_with_config(config);
    // Appended to DataFusion's own rules: the shape check sees the analyzed plan, the empty
    // target check the fully optimized one.
    ctx.add_analyzer_rule(Arc::new(DmlShape));
    ctx.add_analyzer_rule(Arc::new(RegionFollowsInstance));
    ctx.add_optimizer_rule(Arc::new(EmptyTargets));
    let schema = Arc::new(MemorySchemaProvider::new());
    for t in tables {
        let provider =
            ApiTableProvider::new(Arc::clone(t), crate::tables::containers_of(t.def()), Arc::clone(fallback));
        schema.register_table(t.def().name.to_owned(), Arc::new(provider)).map_err(|e| Error::from_datafusion(&e))?;
    }
    let catalog = Arc::new(MemoryCatalogProvider::new());
    catalog.register_schema("connect", schema).map_err(|e| Error::from_datafusion(&e))?;
    ctx.register_catalog("aws", catalog);
    ctx.register_udf(functions::assert_udf());
    if postgres_catalog {
        postgres::register_catalog(&ctx, tables.iter().map(|t| TableInfo::of(t.def())).collect())?;
    }
    Ok(ctx)
}

/// An error about text that could not be read as a statement, with every literal of it that
/// could be a password masked (the statement's own values are not known yet).
fn unread(text: &str, e: Error) -> Error {
    let candidates = secrets::possible_passwords(text);
    if candidates.is_empty() {
        return e;
    }
    match e {
        Error::Sql { kind, message } => Error::sql(kind, crate::mask::mask_with(&message, &candidates)),
        Error::Usage(message) => Error::Usage(crate::mask::mask_with(&message, &candidates)),
        other => other,
    }
}

/// The parsed statement of one piece of SQL text.
fn parse_one(text: &str) -> Result<DfStatement, Error> {
    let mut statements = DFParser::parse_sql(text)
        .map_err(|e| unread(text, Error::sql(SqlError::Syntax, Error::from_datafusion(&e).to_string())))?;
    match (statements.pop_front(), statements.len()) {
        (Some(s), 0) => {
            crate::sql::limits::check_depth(&s)?;
            Ok(s)
        }
        (None, _) => Err(Error::sql(SqlError::Syntax, "no statement")),
        (Some(_), n) => Err(Error::sql(
            SqlError::Syntax,
            format!("{} statements in one: run them one at a time (a script splits at ';')", n + 1),
        )),
    }
}

impl Engine {
    /// Loads the AWS configuration and registers the tables.
    ///
    /// # Errors
    /// A setting that cannot be used (an endpoint URL without a scheme, …).
    pub async fn new(settings: EngineSettings) -> Result<Engine, Error> {
        let connect = Arc::new(Connect::load(&settings.connect).await?);
        let tables = crate::tables::all();
        for t in &tables {
            crate::provider::api::check_setters(t.as_ref()).map_err(Error::Internal)?;
        }
        let cache = settings.cache.as_ref().map(|c| {
            Arc::new(match &c.dir {
                Some(dir) => DetailCache::open(dir),
                None => DetailCache::in_memory(),
            })
        });
        let fallback: FallbackScope = {
            let (connect, settings, cache) = (Arc::clone(&connect), settings.clone(), cache.clone());
            Arc::new(move || {
                scope(&connect, &settings, cache.as_ref(), EventSink::default(), None, WritePolicy::ReadOnly, false)
            })
        };
        let base = base_context(&tables, &fallback, settings.postgres_catalog)?;
        let default = SessionParts::over(&base);
        Ok(Engine {
            inner: Arc::new(Inner { base, default, connect, tables, settings, cache, recent: Arc::default() }),
        })
    }

    /// A new session: statements that share settings and session tables (a script, a
    /// connection), over the engine's tables, which no statement can change.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// The session a statement of [`Engine::execute`] runs in.
    fn session_for_statement(&self) -> SessionParts {
        if self.inner.settings.isolated { SessionParts::over(&self.inner.base) } else { self.inner.default.clone() }
    }

    /// Every table: name, description and columns with what each costs.
    pub fn tables(&self) -> Vec<TableInfo> {
        self.inner.tables.iter().map(|t| TableInfo::of(t.def())).collect()
    }

    /// The table named `name` (`users`, `connect.users` or `aws.connect.users`).
    pub fn table(&self, name: &str) -> Option<TableInfo> {
        self.table_def(name).map(TableInfo::of)
    }

    fn table_def(&self, name: &str) -> Option<&TableDef> {
        let name = name.replace('"', "").to_lowercase();
        let short = name.strip_prefix("aws.").unwrap_or(&name);
        let short = short.strip_prefix("connect.").unwrap_or(short);
        self.inner.tables.iter().map(|t| t.def()).find(|d| d.name == short)
    }

    /// The calls of the last finished statement of the engine's own session.
    pub fn last_stats(&self) -> StatsSnapshot {
        self.inner.default.last_stats()
    }

    /// The region used when a statement names none.
    pub fn default_region(&self) -> Option<String> {
        self.inner.connect.default_region().map(str::to_owned)
    }

    /// The local detail cache: where it is, its size and entries; none when disabled.
    pub fn cache_info(&self) -> Option<CacheInfo> {
        self.inner.cache.as_ref().map(|c| c.info())
    }

    /// Empties the local detail cache (a file that could not be used is replaced).
    ///
    /// # Errors
    /// The cache is disabled, or its file cannot be emptied or replaced.
    pub fn clear_cache(&self) -> Result<CacheInfo, Error> {
        let cache =
            self.inner.cache.as_ref().ok_or_else(|| Error::Usage("the cache is disabled (--no-cache)".into()))?;
        cache.clear().map_err(|e| Error::Internal(format!("cannot clear the cache: {e}")))?;
        Ok(cache.info())
    }

    /// One page of a table's listing in one instance, paged as the API pages it: at most
    /// `page_size` rows (the listing's columns) and the service's own token for the next page,
    /// so a walk costs one list call a page and sees each item once, whatever changes between
    /// pages. Through the engine's clients: pacing, retries and call accounting as for a
    /// statement.
    ///
    /// # Errors
    /// An unknown table or region, or the list call's failure (located).
    pub async fn list_page(
        &self,
        table: &str,
        region: &str,
        instance: &str,
        page_size: i32,
        token: Option<String>,
    ) -> Result<ListedPage, Error> {
        let api = self
            .inner
            .tables
            .iter()
            .find(|t| t.def().name == table)
            .ok_or_else(|| Error::sql(SqlError::UnknownTable, format!("no table {table}")))?;
        if !crate::aws::client::is_region_name(region) {
            return Err(Error::Usage(format!("'{region}' is not an AWS region name (such as us-east-1)")));
        }
        let scope = self.quiet_scope(WritePolicy::ReadOnly, false);
        // With several accounts, the one that holds the instance (else the first: its error).
        let mut account = 0;
        if scope.scan.clients.several_accounts() {
            let instances = crate::tables::containers_of(api.def()).instances;
            let holding = crate::provider::api::accounts_holding(&scope.scan, instances.as_ref(), region, instance)
                .await
                .map_err(Error::from)?;
            account = holding.first().copied().unwrap_or(0);
        }
        let parent = crate::provider::Parent::new(account, region, Some(instance));
        let page = api
            .list(&scope.scan, &parent, token, page_size)
            .await
            .map_err(|e| Error::from(e.located(&api.def().qualified_name(), region, Some(instance))))?;
        Ok(ListedPage {
            rows: page.rows,
            next_token: page.next.filter(|t| !t.is_empty()),
            stats: scope.scan.clients.stats().snapshot(),
        })
    }

    /// A scope that makes calls but uses no cache, tells no one of events and asks no one.
    fn quiet_scope(&self, policy: WritePolicy, skip_existing: bool) -> StatementScope {
        scope(&self.inner.connect, &self.inner.settings, None, EventSink::default(), None, policy, skip_existing)
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// Whether a column (of any table) holds secrets.
    fn sensitive(&self, column: &str) -> bool {
        let column = column.trim_matches('"');
        self.inner.tables.iter().any(|t| {
            let def = t.def();
            def.canonical_column(column).is_some_and(|c| def.is_sensitive(c))
        })
    }

    /// Runs one statement: the engine's single door (see the module doc). The rows stream from
    /// the returned [`Statement`]; its summary says what it cost and what failed.
    ///
    /// # Errors
    /// An unset placeholder, a statement that does not parse or plan, a refusal by the write
    /// policy or a guard, or a failure before the first row.
    pub async fn execute(&self, text: &str, request: &Request) -> Result<Statement, Error> {
        self.run(&self.session_for_statement(), text, request).await
    }

    /// Runs one statement in a session (see [`Engine::execute`]), planned and polled on the
    /// engine's own runtime ([`runtime`]).
    async fn run(&self, session: &SessionParts, text: &str, request: &Request) -> Result<Statement, Error> {
        let (engine, session, text, request) = (self.clone(), session.clone(), text.to_owned(), request.clone());
        runtime::run(async move { engine.start(&session, &text, &request).await }).await
    }

    async fn start(&self, session: &SessionParts, text: &str, request: &Request) -> Result<Statement, Error> {
        let mut parsed = self.parse(text, request)?;
        let statement_secrets = self.register_secrets(&parsed);
        let events = EventSink::new(request.observer.clone());
        let explain_only = matches!(&parsed, DfStatement::Explain(e) if !e.options.analyze);
        let mut policy = request.policy.unwrap_or(self.inner.settings.policy);
        if explain_only && policy == WritePolicy::ReadOnly {
            // EXPLAIN never runs a write: show its plan as a dry run would.
            policy = WritePolicy::DryRun;
        }
        if let Some(table) = self.describe_target(&parsed) {
            return Ok(Statement::describe(session.clone(), table));
        }
        let extras = self.rewrite(&mut parsed)?;
        let mut scope = scope(
            &self.inner.connect,
            &self.inner.settings,
            self.inner.cache.as_ref(),
            events,
            request.confirm.clone(),
            policy,
            extras.skip_existing,
        );
        scope.writes.read_only_hint = Arc::from(self.inner.settings.read_only_hint.as_str());
        scope.scan.recent = Arc::clone(&self.inner.recent);
        let ctx = statement_context(&session.ctx, &scope);
        if let DfStatement::Statement(s) = &mut parsed {
            subquery::materialize(s, &Subqueries { ctx: &ctx }).await?;
        }
        let plan = ctx.state().statement_to_plan(parsed).await.map_err(|e| Error::from_datafusion(&e))?;
        files::check(&plan, &self.inner.settings.files)?;
        session::check_ddl(&plan, &self.inner.base)?;
        let kind = StatementKind::of(&plan);
        if request.writes_only && kind != StatementKind::Write {
            return Err(Error::refused(
                crate::error::Refusal::Unsupported,
                "only INSERT, UPDATE and DELETE run here: read with a query",
            ));
        }
        if request.reads_only && !only_reads(&plan) {
            return Err(Error::refused(
                crate::error::Refusal::ReadOnly,
                "only SELECT, EXPLAIN and DESCRIBE run here: no INSERT, UPDATE, DELETE, COPY, CREATE or SET",
            ));
        }
        // SET and RESET change the session's settings, not this statement's copy of them.
        let runner = match &plan {
            LogicalPlan::Statement(
                datafusion::logical_expr::Statement::SetVariable(_)
                | datafusion::logical_expr::Statement::ResetVariable(_),
            ) => &session.ctx,
            _ => &ctx,
        };
        let command = statement::command(&plan);
        let df = runner.execute_logical_plan(plan).await.map_err(|e| Error::from_datafusion(&e))?;
        let task = Arc::new(df.task_ctx());
        let physical = df.create_physical_plan().await.map_err(|e| Error::from_datafusion(&e))?;
        for w in crate::provider::joins::region_warnings(&physical) {
            scope.scan.events.warn(w);
        }
        let stream =
            datafusion::physical_plan::execute_stream(physical, task).map_err(|e| Error::from_datafusion(&e))?;
        let stream = runtime::polled_here(stream);
        Ok(Statement::new(session.clone(), kind, command, stream, scope, statement_secrets, extras.returning))
    }

    /// What a statement takes (`$n`) and returns, without running it or making a call.
    ///
    /// # Errors
    /// The statement does not parse or plan.
    pub async fn prepare(&self, text: &str, request: &Request) -> Result<Prepared, Error> {
        self.plan_only(&self.session_for_statement(), text, request).await
    }

    /// What a statement takes and returns in a session (see [`Engine::prepare`]), planned on the
    /// engine's own runtime.
    async fn plan_only(&self, session: &SessionParts, text: &str, request: &Request) -> Result<Prepared, Error> {
        let (engine, session, text, request) = (self.clone(), session.clone(), text.to_owned(), request.clone());
        runtime::run(async move { engine.plan_types(&session, &text, &request).await }).await
    }

    async fn plan_types(&self, session: &SessionParts, text: &str, request: &Request) -> Result<Prepared, Error> {
        let mut parsed = self.parse(text, request)?;
        if let Some(table) = self.describe_target(&parsed) {
            let batch = describe::batch(table);
            return Ok(Prepared { kind: StatementKind::Describe, params: Vec::new(), schema: batch.schema() });
        }
        let extras = self.rewrite(&mut parsed)?;
        let scope = self.quiet_scope(WritePolicy::DryRun, extras.skip_existing);
        let ctx = statement_context(&session.ctx, &scope);
        let plan = ctx.state().statement_to_plan(parsed).await.map_err(|e| Error::from_datafusion(&e))?;
        let kind = StatementKind::of(&plan);
        let types = plan.get_parameter_types().map_err(|e| Error::from_datafusion(&e))?;
        let mut numbered: Vec<(usize, Option<DataType>)> = types
            .into_iter()
            .filter_map(|(name, t)| name.strip_prefix('$').and_then(|n| n.parse().ok()).map(|n| (n, t)))
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        let mut params = vec![None; numbered.last().map_or(0, |(n, _)| *n)];
        for (n, t) in numbered {
            params[n - 1] = t;
        }
        let schema = match (&extras.returning, kind) {
            (Some(columns), _) => statement::returning_schema(columns),
            (None, StatementKind::Write | StatementKind::Command) => Arc::new(Schema::empty()),
            (None, _) => Arc::clone(plan.schema().inner()),
        };
        Ok(Prepared { kind, params, schema })
    }

    /// The statement of a request's text: placeholders filled, a Postgres client's SQL made
    /// connectql's, bound parameters in place.
    fn parse(&self, text: &str, request: &Request) -> Result<DfStatement, Error> {
        let filled = script::fill_placeholders(text, &request.vars)?;
        let text = match request.dialect {
            Dialect::Connectql => filled.text,
            Dialect::Postgres => {
                let writable = !request.reads_only
                    && request.policy.unwrap_or(self.inner.settings.policy) == WritePolicy::ReadWrite;
                postgres::translate(&filled.text, writable).map_err(|e| unread(&filled.text, e))?
            }
        };
        let mut parsed = parse_one(&text)?;
        crate::sql::params::bind_quoted(&mut parsed, &filled.quoted)?;
        if !request.params.is_empty() {
            let target = match &mut parsed {
                DfStatement::Explain(e) => e.statement.as_mut(),
                other => other,
            };
            if let DfStatement::Statement(s) = target {
                crate::sql::params::bind(s, &request.params)?;
            }
        }
        Ok(parsed)
    }

    /// Finds and registers the password values a statement carries; returns them, so this
    /// statement's output can be masked whatever their length.
    fn register_secrets(&self, parsed: &DfStatement) -> Vec<String> {
        let inner = match parsed {
            DfStatement::Explain(e) => e.statement.as_ref(),
            other => other,
        };
        let DfStatement::Statement(s) = inner else { return Vec::new() };
        let values = secrets::sensitive_values(s, &|c| self.sensitive(c));
        for v in &values {
            crate::mask::register(v);
        }
        values
    }

    /// `DESCRIBE` of one of connectql's tables.
    fn describe_target(&self, parsed: &DfStatement) -> Option<&TableDef> {
        let DfStatement::Statement(s) = parsed else { return None };
        let SqlStatement::ExplainTable {
            describe_alias: DescribeAlias::Describe | DescribeAlias::Desc,
            table_name,
            ..
        } = s.as_ref()
        else {
            return None;
        };
        self.table_def(&table_name.to_string())
    }

    /// Applies connectql's SQL to the statement (inside EXPLAIN too).
    fn rewrite(&self, parsed: &mut DfStatement) -> Result<Extras, Error> {
        let target = match parsed {
            DfStatement::Explain(e) => e.statement.as_mut(),
            other => other,
        };
        let DfStatement::Statement(s) = target else { return Ok(Extras::default()) };
        dialect::rewrite(s, &|name: &ObjectName| self.table_def(&name.to_string()))
    }
}

/// A context for one statement: its session's, with the statement's scope in its config.
fn statement_context(session: &SessionContext, scope: &StatementScope) -> SessionContext {
    let mut state = session.state();
    state.config_mut().set_extension(Arc::new(scope.clone()));
    SessionContext::new_with_state(state)
}

/// A statement's scope from the engine's settings.
fn scope(
    connect: &Arc<Connect>,
    settings: &EngineSettings,
    cache: Option<&Arc<DetailCache>>,
    events: EventSink,
    confirm: Option<Confirm>,
    policy: WritePolicy,
    skip_existing: bool,
) -> StatementScope {
    let retries = events.clone();
    let stats = CallStats::new(connect.max_attempts(), Some(Arc::new(move |n| retries.emit(Event::Retrying(n)))));
    StatementScope {
        scan: ScanContext {
            clients: connect.clients(stats),
            concurrency: settings.concurrency.max(1),
            partial: settings.partial,
            default_instances: settings.instances.clone(),
            events,
            cache: cache
                .zip(settings.cache.as_ref())
                .map(|(store, c)| CacheUse::new(Arc::clone(store), connect.endpoint_url(), c.max_age)),
            listings: Arc::default(),
            recent: Arc::default(),
        },
        writes: WriteSettings {
            policy,
            read_only_hint: Arc::from(""),
            allow_unqualified: settings.allow_unqualified,
            threshold: settings.confirm_threshold,
            assume_yes: settings.assume_yes,
            confirm,
            skip_existing,
        },
    }
}

/// Runs a write's subqueries on the statement's own context, so their calls are the statement's.
struct Subqueries<'a> {
    ctx: &'a SessionContext,
}

#[async_trait]
impl SubqueryRunner for Subqueries<'_> {
    async fn values(&self, query: &Query) -> Result<Vec<ScalarValue>, Error> {
        let context = |e: &datafusion::common::DataFusionError| {
            let inner = Error::from_datafusion(e);
            match inner {
                Error::Sql { kind, message } => Error::sql(kind, format!("subquery ({query}): {message}")),
                other => other,
            }
        };
        let statement = DfStatement::Statement(Box::new(SqlStatement::Query(Box::new(query.clone()))));
        let plan = self.ctx.state().statement_to_plan(statement).await.map_err(|e| context(&e))?;
        if plan.schema().fields().len() != 1 {
            return Err(Error::sql(SqlError::Invalid, format!("subquery ({query}) must return one column")));
        }
        let batches = self
            .ctx
            .execute_logical_plan(plan)
            .await
            .map_err(|e| context(&e))?
            .collect()
            .await
            .map_err(|e| context(&e))?;
        let mut out = Vec::new();
        for b in &batches {
            let col = b.column(0);
            for i in 0..col.len() {
                out.push(ScalarValue::try_from_array(col, i).map_err(|e| context(&e))?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connectql_emulator::{self as emulator, EmulatorConfig};

    async fn refusal(ctx: &SessionContext, sql: &str) -> Error {
        let result = match ctx.sql(sql).await {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        Error::from_datafusion(&result.expect_err(sql))
    }

    /// The guards live in the tables and the plan rules: a caller that reaches the context
    /// around the door cannot write without them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_raw_context_is_refused_and_makes_no_call() {
        let emu = emulator::start(([127, 0, 0, 1], 0).into(), EmulatorConfig::default()).await.expect("emulator");
        let settings = EngineSettings {
            connect: ConnectSettings {
                region: Some("us-east-1".into()),
                endpoint_url: Some(emu.base_url()),
                static_credentials: Some(("AKIDTEST".into(), "test".into())),
                ..ConnectSettings::default()
            },
            policy: WritePolicy::ReadWrite,
            ..EngineSettings::default()
        };
        let engine = Engine::new(settings.clone()).await.expect("engine");
        let raw = engine.inner.base.clone();
        let e = refusal(&raw, "DELETE FROM aws.connect.users").await;
        assert!(matches!(e, Error::Refused { reason: crate::error::Refusal::ReadOnly, .. }), "{e:?}");

        // Even on a context whose statement may write, the table refuses what restricts nothing.
        let writable =
            scope(&engine.inner.connect, &settings, None, EventSink::default(), None, WritePolicy::ReadWrite, false);
        let ctx = statement_context(&engine.inner.default.ctx, &writable);
        for (sql, reason) in [
            ("DELETE FROM aws.connect.users", crate::error::Refusal::Unqualified),
            ("UPDATE aws.connect.users SET first_name = 'x'", crate::error::Refusal::Unqualified),
            ("DELETE FROM aws.connect.users WHERE region = 'us-east-1' LIMIT 1", crate::error::Refusal::Unsupported),
            (
                "DELETE FROM aws.connect.users WHERE id IN (SELECT id FROM aws.connect.users WHERE username = 'x')",
                crate::error::Refusal::Unsupported,
            ),
        ] {
            let e = refusal(&ctx, sql).await;
            assert!(matches!(&e, Error::Refused { reason: r, .. } if *r == reason), "{sql}: {e:?}");
        }
        assert_eq!(emu.emulator.calls().values().sum::<u64>(), 0, "no call was made");
    }
}
