//! The engine: a DataFusion session with catalog `aws`, schema `connect` and every API-backed
//! table, sharing one set of Connect clients, call counters and diagnostics.

use std::sync::{Arc, RwLock};

use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider, SchemaProvider};
use datafusion::common::Result;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::aws::client::{Connect, ConnectSettings};
use crate::aws::stats::StatsSnapshot;
use crate::diagnostics::Diagnostics;
use crate::functions::{ApiCalls, LastStats};
use crate::provider::cache::StatementCache;
use crate::provider::dml::{SharedWriteOptions, WriteOptions};
use crate::provider::{ApiTable, ApiTableProvider, ScanContext};
use crate::tables;

/// Settings that shape every statement of a session.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub connect: ConnectSettings,
    /// Get calls in flight at once per scan.
    pub concurrency: usize,
    /// Keep going when one region or instance of a fan-out fails.
    pub partial: bool,
    /// Instances used when a query names none.
    pub instances: Vec<String>,
    /// How INSERT, UPDATE and DELETE behave.
    pub writes: WriteOptions,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            connect: ConnectSettings::default(),
            concurrency: 16,
            partial: false,
            instances: Vec::new(),
            writes: WriteOptions { threshold: 10, ..WriteOptions::default() },
        }
    }
}

/// A ready-to-query session.
pub struct Engine {
    pub ctx: SessionContext,
    pub connect: Arc<Connect>,
    pub diagnostics: Diagnostics,
    pub tables: Vec<Arc<dyn ApiTable>>,
    pub settings: EngineSettings,
    /// The API calls of the last finished statement (`.stats`, `api_calls()`).
    pub last_stats: LastStats,
    cache: Arc<StatementCache>,
    /// Write behaviour, changeable between statements (`.dryrun on`).
    pub writes: SharedWriteOptions,
    /// Ids and ARNs the last INSERT created.
    pub returned: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl Engine {
    /// Loads the AWS configuration and registers the tables.
    ///
    /// # Errors
    /// When a table cannot be registered (a programming error).
    pub async fn new(settings: EngineSettings) -> Result<Engine> {
        let connect = Arc::new(Connect::load(&settings.connect).await);
        let diagnostics = Diagnostics::default();
        let cache = Arc::new(StatementCache::default());
        let config =
            SessionConfig::new().with_information_schema(true).with_default_catalog_and_schema("aws", "connect");
        let ctx = SessionContext::new_with_config(config);
        let cx = ScanContext {
            connect: Arc::clone(&connect),
            concurrency: settings.concurrency.max(1),
            partial: settings.partial,
            default_instances: settings.instances.clone(),
            diagnostics: diagnostics.clone(),
            cache: Arc::clone(&cache),
            writes: Arc::new(RwLock::new(settings.writes.clone())),
            returned: Arc::default(),
        };
        let schema = Arc::new(MemorySchemaProvider::new());
        let tables = tables::all();
        for t in &tables {
            let provider = ApiTableProvider::new(Arc::clone(t), tables::writer(t.def().name), cx.clone());
            schema.register_table(t.def().name.to_owned(), Arc::new(provider))?;
        }
        let catalog = Arc::new(MemoryCatalogProvider::new());
        catalog.register_schema("connect", schema)?;
        ctx.register_catalog("aws", catalog);
        let last_stats = LastStats::default();
        ctx.register_udtf("api_calls", Arc::new(ApiCalls(Arc::clone(&last_stats))));
        ctx.register_udf(crate::functions::assert_udf());
        Ok(Engine {
            ctx,
            connect,
            diagnostics,
            tables,
            settings,
            last_stats,
            cache,
            writes: Arc::clone(&cx.writes),
            returned: Arc::clone(&cx.returned),
        })
    }

    /// Starts a statement: clears the call counters and diagnostics.
    pub fn begin_statement(&self) {
        self.connect.stats.reset();
        self.diagnostics.reset();
        self.cache.clear();
        self.returned.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// Ends a statement: its calls become `.stats` / `api_calls()`.
    pub fn end_statement(&self) -> StatsSnapshot {
        let stats = self.connect.stats.snapshot();
        *self.last_stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = stats.clone();
        stats
    }

    /// The declared table named `name` (`users`, `connect.users` or `aws.connect.users`).
    pub fn table(&self, name: &str) -> Option<&Arc<dyn ApiTable>> {
        let name = name.trim_matches('"').to_lowercase();
        let short = name.strip_prefix("aws.").unwrap_or(&name);
        let short = short.strip_prefix("connect.").unwrap_or(short);
        self.tables.iter().find(|t| t.def().name == short)
    }
}
