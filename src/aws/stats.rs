//! Call accounting: an SDK interceptor counts calls, attempts, retries and throttled answers per
//! operation for one statement, and tells the statement when a call is being retried and why,
//! so `-v`, `.stats`, `api_calls()` and tests can say exactly what a statement cost.

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
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpStats {
    /// Operation calls (one per SDK `send`), counted when they end.
    pub calls: u64,
    /// HTTP attempts (calls plus retries).
    pub attempts: u64,
    /// Attempts after the first of a call.
    pub retries: u64,
    /// Attempts answered as throttled.
    pub throttled: u64,
    /// Calls that ended in an error.
    pub failed: u64,
    /// Calls not made: their answer came from the local cache.
    pub cached: u64,
}

/// The calls a statement made, and its time.
#[derive(Debug, Clone, Default)]
pub struct StatsSnapshot {
    pub ops: BTreeMap<String, OpStats>,
    pub elapsed: Duration,
    /// Items whose detail came from the local cache.
    pub cache_hits: u64,
    /// Items the cache could have served but had to fetch (absent, changed or too old).
    pub cache_misses: u64,
}

impl StatsSnapshot {
    pub fn calls(&self, op: &str) -> u64 {
        self.ops.get(op).map_or(0, |s| s.calls)
    }
    pub fn total_calls(&self) -> u64 {
        self.ops.values().map(|s| s.calls).sum()
    }
    /// Calls answered by the local cache instead.
    pub fn total_cached(&self) -> u64 {
        self.ops.values().map(|s| s.cached).sum()
    }
    /// The calls made, by operation (operations with none left out).
    pub fn calls_by_operation(&self) -> BTreeMap<String, u64> {
        self.ops.iter().filter(|(_, s)| s.calls > 0).map(|(op, s)| (op.clone(), s.calls)).collect()
    }
    pub fn retries(&self) -> u64 {
        self.ops.values().map(|s| s.retries).sum()
    }
}

impl fmt::Display for StatsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let made: Vec<String> =
            self.ops.iter().filter(|(_, s)| s.calls > 0).map(|(op, s)| format!("{op}={}", s.calls)).collect();
        if made.is_empty() {
            write!(f, "API calls: none")?;
        } else {
            write!(f, "API calls: {} [{}], retries: {}", self.total_calls(), made.join(", "), self.retries())?;
            let throttled: u64 = self.ops.values().map(|s| s.throttled).sum();
            if throttled > 0 {
                write!(f, " (throttled {throttled})")?;
            }
        }
        if self.cache_hits + self.cache_misses > 0 {
            let saved: Vec<String> =
                self.ops.iter().filter(|(_, s)| s.cached > 0).map(|(op, s)| format!("{op}={}", s.cached)).collect();
            write!(
                f,
                "; cache: {} of {} items [{}]",
                self.cache_hits,
                self.cache_hits + self.cache_misses,
                if saved.is_empty() { "no call saved".to_owned() } else { format!("saved {}", saved.join(", ")) }
            )?;
        }
        if made.is_empty() {
            write!(f, " ({:.3}s)", self.elapsed.as_secs_f64())
        } else {
            write!(f, ", {:.3}s", self.elapsed.as_secs_f64())
        }
    }
}

/// A call being tried again, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    pub operation: String,
    /// What the previous attempt got: an error code, an HTTP status, a timeout.
    pub reason: String,
    /// The attempt about to start (2 for the first retry).
    pub attempt: u32,
    pub max_attempts: u32,
}

/// Told of each retry as it starts.
pub(crate) type RetryListener = Arc<dyn Fn(RetryNotice) + Send + Sync>;

#[derive(Debug)]
struct Inner {
    ops: BTreeMap<String, OpStats>,
    cache_hits: u64,
    cache_misses: u64,
    /// What the last attempt of each operation got, for the next retry's notice.
    last_outcome: BTreeMap<String, String>,
    since: Instant,
}

/// One statement's call counters; clone freely.
#[derive(Clone)]
pub(crate) struct CallStats {
    inner: Arc<Mutex<Inner>>,
    listener: Option<RetryListener>,
    max_attempts: u32,
}

impl fmt::Debug for CallStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallStats").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl CallStats {
    pub(crate) fn new(max_attempts: u32, listener: Option<RetryListener>) -> Self {
        CallStats {
            inner: Arc::new(Mutex::new(Inner {
                ops: BTreeMap::new(),
                cache_hits: 0,
                cache_misses: 0,
                last_outcome: BTreeMap::new(),
                since: Instant::now(),
            })),
            listener,
            max_attempts,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn operation(cfg: &ConfigBag) -> String {
        cfg.load::<Metadata>().map_or("unknown", Metadata::name).to_owned()
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        self.with(|i| StatsSnapshot {
            ops: i.ops.clone(),
            elapsed: i.since.elapsed(),
            cache_hits: i.cache_hits,
            cache_misses: i.cache_misses,
        })
    }

    /// An item the local cache could serve: whole (`hit`) or in part; `saved` are the calls
    /// not made.
    pub(crate) fn cache_item(&self, hit: bool, saved: &[&str]) {
        self.with(|i| {
            if hit {
                i.cache_hits += 1;
            } else {
                i.cache_misses += 1;
            }
            for op in saved {
                i.ops.entry((*op).to_owned()).or_default().cached += 1;
            }
        });
    }

    /// The interceptor to install on every client of the statement.
    pub(crate) fn interceptor(&self) -> StatsInterceptor {
        StatsInterceptor(self.clone())
    }
}

/// Put in a call's config bag when the call was stopped before it was sent (a dry run's): it is
/// not a call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotSent;

impl aws_smithy_types::config_bag::Storable for NotSent {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

/// Feeds [`CallStats`] from the SDK's orchestrator.
#[derive(Debug)]
pub(crate) struct StatsInterceptor(CallStats);

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
        let op = CallStats::operation(cfg);
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let reason = self.0.with(|i| {
            let s = i.ops.entry(op.clone()).or_default();
            s.attempts += 1;
            if attempt > 1 {
                s.retries += 1;
                i.last_outcome.get(&op).cloned()
            } else {
                None
            }
        });
        if attempt > 1
            && let Some(listener) = &self.0.listener
        {
            listener(RetryNotice {
                operation: op,
                reason: reason.unwrap_or_else(|| "a failed attempt".to_owned()),
                attempt,
                max_attempts: self.0.max_attempts,
            });
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = CallStats::operation(cfg);
        let outcome = match context.response() {
            Some(r) if r.status().is_success() => None,
            Some(r) => {
                let code = r.headers().get("x-amzn-errortype").map(|c| c.split(':').next().unwrap_or(c).to_owned());
                Some(code.unwrap_or_else(|| format!("HTTP {}", r.status().as_u16())))
            }
            None => match context.output_or_error() {
                Some(Err(e)) => {
                    let timed_out = e.is_timeout_error() || e.as_connector_error().is_some_and(|c| c.is_timeout());
                    Some(if timed_out { "no answer in time" } else { "a connection failure" }.to_owned())
                }
                _ => None,
            },
        };
        let throttled = outcome.as_deref().is_some_and(super::pacing::is_throttling_code);
        self.0.with(|i| {
            if throttled {
                i.ops.entry(op.clone()).or_default().throttled += 1;
            }
            match outcome {
                Some(o) => i.last_outcome.insert(op, o),
                None => i.last_outcome.remove(&op),
            }
        });
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Counted when the call ends: the operation's metadata is not in the bag before it starts.
        if cfg.load::<NotSent>().is_some() {
            return Ok(());
        }
        let failed = matches!(context.output_or_error(), Some(Err(_)));
        let op = CallStats::operation(cfg);
        self.0.with(|i| {
            let s = i.ops.entry(op).or_default();
            s.calls += 1;
            s.failed += u64::from(failed);
        });
        Ok(())
    }
}
