//! Call accounting: an SDK interceptor counts calls, attempts and throttled answers per
//! operation, so `--verbose`, `.stats`, EXPLAIN ANALYZE and tests can say exactly what a
//! statement cost.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpStats {
    /// Operation calls (one per SDK `send`), counted when they end.
    pub calls: u64,
    /// HTTP attempts (calls plus retries).
    pub attempts: u64,
    /// Attempts answered 429 (throttled).
    pub throttled: u64,
    /// Calls that ended in an error.
    pub failed: u64,
}

/// The calls made since the last reset, and time spent.
#[derive(Debug, Clone, Default)]
pub struct StatsSnapshot {
    pub ops: BTreeMap<String, OpStats>,
    pub elapsed: Duration,
}

impl StatsSnapshot {
    pub fn calls(&self, op: &str) -> u64 {
        self.ops.get(op).map_or(0, |s| s.calls)
    }
    pub fn total_calls(&self) -> u64 {
        self.ops.values().map(|s| s.calls).sum()
    }
    pub fn retries(&self) -> u64 {
        self.ops.values().map(|s| s.attempts.saturating_sub(s.calls)).sum()
    }
}

impl fmt::Display for StatsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ops.is_empty() {
            return write!(f, "API calls: none ({:.3}s)", self.elapsed.as_secs_f64());
        }
        let parts: Vec<String> = self.ops.iter().map(|(op, s)| format!("{op}={}", s.calls)).collect();
        write!(f, "API calls: {} [{}], retries: {}", self.total_calls(), parts.join(", "), self.retries())?;
        let throttled: u64 = self.ops.values().map(|s| s.throttled).sum();
        if throttled > 0 {
            write!(f, " (throttled {throttled})")?;
        }
        write!(f, ", {:.3}s", self.elapsed.as_secs_f64())
    }
}

#[derive(Debug)]
struct Inner {
    ops: BTreeMap<String, OpStats>,
    since: Instant,
}

/// Shared call counters; clone freely.
#[derive(Debug, Clone)]
pub struct CallStats(Arc<Mutex<Inner>>);

impl Default for CallStats {
    fn default() -> Self {
        CallStats(Arc::new(Mutex::new(Inner { ops: BTreeMap::new(), since: Instant::now() })))
    }
}

impl CallStats {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn bump(&self, cfg: &ConfigBag, f: impl FnOnce(&mut OpStats)) {
        let name = cfg.load::<Metadata>().map_or("unknown", Metadata::name).to_owned();
        self.with(|i| f(i.ops.entry(name).or_default()));
    }

    /// Clears the counters (at the start of each statement).
    pub fn reset(&self) {
        self.with(|i| {
            i.ops.clear();
            i.since = Instant::now();
        });
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        self.with(|i| StatsSnapshot { ops: i.ops.clone(), elapsed: i.since.elapsed() })
    }

    /// The interceptor to install on every client.
    pub fn interceptor(&self) -> StatsInterceptor {
        StatsInterceptor(self.clone())
    }
}

/// Feeds [`CallStats`] from the SDK's orchestrator.
#[derive(Debug)]
pub struct StatsInterceptor(CallStats);

impl Intercept for StatsInterceptor {
    fn name(&self) -> &'static str {
        "connectql::CallStats"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.bump(cfg, |s| s.attempts += 1);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(|r| r.status().as_u16() == 429) {
            self.0.bump(cfg, |s| s.throttled += 1);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Counted when the call ends: the operation's metadata is not in the bag before it starts.
        let failed = matches!(context.output_or_error(), Some(Err(_)));
        self.0.bump(cfg, |s| {
            s.calls += 1;
            s.failed += u64::from(failed);
        });
        Ok(())
    }
}
