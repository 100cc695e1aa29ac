//! Client-side pacing: a token bucket per region and operation that finds Connect's request
//! quota instead of hammering it. Unlimited until the service first throttles an operation; at
//! each throttle (at most four times a second) its rate becomes 95% of the successes of the last
//! second, which is the service's refill rate once the initial burst is spent; between throttles
//! it grows by 5% a second, to find a raised quota. Calls
//! wait for a token before they are sent, so throttling is absorbed by pacing, not by failed
//! retries. It wraps the SDK's HTTP client, so every call of every table is paced alike.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

#[derive(Debug)]
struct Bucket {
    /// Requests per second; `None` until the first throttle.
    rate: Option<f64>,
    tokens: f64,
    last: Instant,
    /// Completion times of the last second's successful calls.
    recent: VecDeque<Instant>,
    last_cut: Option<Instant>,
    first_success: Option<Instant>,
}

impl Bucket {
    fn new() -> Self {
        Bucket {
            rate: None,
            tokens: 0.0,
            last: Instant::now(),
            recent: VecDeque::new(),
            last_cut: None,
            first_success: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate).min(rate.max(1.0));
        }
        self.last = now;
    }
}

/// The pacing state of every operation in every region.
#[derive(Debug, Default, Clone)]
pub struct Pacer(Arc<Mutex<HashMap<String, Bucket>>>);

impl Pacer {
    fn with<T>(&self, key: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(key.to_owned()).or_insert_with(Bucket::new))
    }

    /// Waits until the operation may be sent.
    pub async fn acquire(&self, key: &str) {
        loop {
            let wait = self.with(key, |b| {
                let rate = b.rate?;
                b.refill(Instant::now());
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    None
                } else {
                    Some(Duration::from_secs_f64((1.0 - b.tokens) / rate))
                }
            });
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Records a successful call: the rate grows back by 5% a second.
    pub fn success(&self, key: &str) {
        self.with(key, |b| {
            let now = Instant::now();
            b.first_success.get_or_insert(now);
            b.recent.push_back(now);
            while b.recent.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
                b.recent.pop_front();
            }
            if let Some(rate) = b.rate.as_mut() {
                // One success in `rate` a second: +0.05 each makes +5% a second.
                *rate += 0.05;
            }
        });
    }

    /// Records a throttled call: the rate drops below what the service allowed.
    pub fn throttled(&self, key: &str) {
        self.with(key, |b| {
            let now = Instant::now();
            if b.last_cut.is_some_and(|t| now.duration_since(t) < Duration::from_millis(250)) {
                return;
            }
            b.last_cut = Some(now);
            while b.recent.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
                b.recent.pop_front();
            }
            // What the service allowed over the last second (or since the first call, if sooner:
            // that early estimate includes the burst and is corrected at the next throttle).
            let window = b.first_success.map_or(1.0, |f| now.duration_since(f).as_secs_f64().clamp(0.05, 1.0));
            let next = (0.95 * b.recent.len() as f64 / window).max(0.5);
            tracing::debug!(key, rate = next, "pacing after a throttle");
            b.rate = Some(next);
            b.tokens = 0.0;
            b.last = now;
        });
    }

    /// Wraps an SDK HTTP client so its calls are paced.
    pub fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient { inner, pacer: self.clone() })
    }
}

/// The bucket of a request: its region (from the signing scope's host or header) and operation.
fn key(request: &HttpRequest) -> String {
    let region = request
        .headers()
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or("?");
    let path = request.uri().split('?').next().unwrap_or("");
    let path = path.find("://").map_or(path, |i| &path[i + 3..]);
    let path = path.find('/').map_or("/", |i| &path[i..]);
    let op = crate::emulator::routes::find(request.method(), path).map_or("other", |(r, _)| r.operation);
    format!("{region}/{op}")
}

#[derive(Debug)]
struct PacedClient {
    inner: SharedHttpClient,
    pacer: Pacer,
}

impl HttpClient for PacedClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacer: self.pacer.clone(),
        })
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Pacer,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, pacer) = (self.inner.clone(), self.pacer.clone());
        HttpConnectorFuture::new(async move {
            let key = key(&request);
            pacer.acquire(&key).await;
            let response = inner.call(request).await?;
            if response.status().as_u16() == 429 {
                pacer.throttled(&key);
            } else if response.status().is_success() {
                pacer.success(&key);
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_throttle_sets_a_rate_that_then_paces() {
        let p = Pacer::default();
        for _ in 0..20 {
            p.success("r/DescribeUser");
        }
        p.acquire("r/DescribeUser").await;
        p.throttled("r/DescribeUser");
        let rate = p.with("r/DescribeUser", |b| b.rate).expect("a rate after a throttle");
        assert!(rate >= 17.0, "at least 90% of the 20 calls just achieved: {rate}");
        let started = Instant::now();
        for _ in 0..4 {
            p.acquire("r/DescribeUser").await;
        }
        let expected = Duration::from_secs_f64(3.5 / rate);
        assert!(started.elapsed() >= expected, "4 paced calls wait: {:?} < {expected:?}", started.elapsed());
        p.acquire("r/ListUsers").await;
    }
}
