//! Client-side pacing: a token bucket per region and operation that finds Connect's request
//! quota instead of hammering it. Unlimited until the service first throttles an operation; at
//! each throttle (at most four times a second) its rate becomes 95% of the successes of the last
//! second, which is the service's refill rate once the initial burst is spent; between throttles
//! it grows by 5% a second, to find a raised quota. Calls wait for a token before they are sent,
//! so throttling is absorbed by pacing, not by failed retries. It wraps the SDK's HTTP client, so
//! every call of every table is paced alike; each request is keyed by the region of its client
//! and the SDK's own operation name (set by [`PaceTag`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Whether an error code is the service saying "too many requests" (not a resource quota such
/// as LimitExceededException, which is also HTTP 429 but no reason to slow down).
pub(crate) fn is_throttling_code(code: &str) -> bool {
    matches!(code, "ThrottlingException" | "TooManyRequestsException" | "Throttling" | "RequestLimitExceeded")
}

/// Whether an answer is a throttle.
fn throttled(response: &HttpResponse) -> bool {
    if response.status().as_u16() != 429 {
        return false;
    }
    match response.headers().get("x-amzn-errortype") {
        Some(code) => is_throttling_code(code.split(':').next().unwrap_or(code)),
        None => true,
    }
}

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
    fn new(now: Instant) -> Self {
        Bucket { rate: None, tokens: 0.0, last: now, recent: VecDeque::new(), last_cut: None, first_success: None }
    }

    fn forget_older_than_a_second(&mut self, now: Instant) {
        while self.recent.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
            self.recent.pop_front();
        }
    }

    /// Takes a token, or says how long to wait for one.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        let rate = self.rate?;
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate).min(rate.max(1.0));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    /// A successful call: the rate grows back by 5% a second.
    fn success(&mut self, now: Instant) {
        self.first_success.get_or_insert(now);
        self.recent.push_back(now);
        self.forget_older_than_a_second(now);
        if let Some(rate) = self.rate.as_mut() {
            // One success in `rate` a second: +0.05 each makes +5% a second.
            *rate += 0.05;
        }
    }

    /// A throttled call: the rate drops to 95% of what the service allowed over the last second.
    fn throttled(&mut self, now: Instant) {
        if self.last_cut.is_some_and(|t| now.duration_since(t) < Duration::from_millis(250)) {
            return;
        }
        self.last_cut = Some(now);
        self.forget_older_than_a_second(now);
        // Over the last second, or since the first call if sooner (that early estimate includes
        // the burst and is corrected at the next throttle).
        let window = self.first_success.map_or(1.0, |f| now.duration_since(f).as_secs_f64().clamp(0.05, 1.0));
        self.rate = Some((0.95 * self.recent.len() as f64 / window).max(0.5));
        self.tokens = 0.0;
        self.last = now;
    }
}

/// Requests on the wire at once, for the whole engine. Far above what Connect's quotas let
/// through (20 accounts × 2 regions × 20 calls a second at 100 ms each is 80), it bounds the
/// first burst — before the first throttle sets a rate, every scan of every account and region
/// sends its `--concurrency` at once — and the connections (and memory) it would open.
const MAX_IN_FLIGHT: usize = 256;

/// The pacing state of every operation in every region, and the engine's bound on requests in
/// flight.
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer { buckets: Arc::default(), in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)) }
    }
}

impl Pacer {
    fn with<T>(&self, key: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut map = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(key.to_owned()).or_insert_with(|| Bucket::new(Instant::now())))
    }

    /// Waits until the operation may be sent.
    async fn acquire(&self, key: &str) {
        while let Some(wait) = self.with(key, |b| b.take(Instant::now())) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Wraps an SDK HTTP client so its calls are paced.
    pub(crate) fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient { inner, pacer: self.clone() })
    }
}

/// The bucket a request is paced in: `REGION/Operation`.
#[derive(Debug, Clone)]
struct PaceKey(String);

/// Marks each request of a client with its region and the SDK's operation name.
#[derive(Debug)]
pub(crate) struct PaceTag {
    pub(crate) region: String,
}

impl Intercept for PaceTag {
    fn name(&self) -> &'static str {
        "connectql::PaceTag"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map_or("other", Metadata::name);
        context.request_mut().add_extension(PaceKey(format!("{}/{op}", self.region)));
        Ok(())
    }
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
            let key = request.extension::<PaceKey>().map_or_else(|| "other".to_owned(), |k| k.0.clone());
            pacer.acquire(&key).await;
            // Never closed, so a permit always comes.
            let _permit = pacer.in_flight.acquire().await.ok();
            let response = inner.call(request).await?;
            if throttled(&response) {
                pacer.with(&key, |b| b.throttled(Instant::now()));
            } else if response.status().is_success() {
                pacer.with(&key, |b| b.success(Instant::now()));
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_sets_95_percent_of_the_last_seconds_successes() {
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        // 40 successes over two seconds: 20 in the last one.
        for i in 0..40 {
            b.success(t0 + Duration::from_millis(50 * i + 25));
        }
        assert_eq!(b.take(t0), None, "unlimited before the first throttle");
        let at = t0 + Duration::from_secs(2);
        b.throttled(at);
        let rate = b.rate.expect("a rate after a throttle");
        assert!((rate - 19.0).abs() < 1e-9, "95% of 20 a second: {rate}");
        // Paced: the first token comes after 1/19 s, none before.
        assert!(b.take(at).is_some_and(|w| (w.as_secs_f64() - 1.0 / 19.0).abs() < 1e-6));
        b.throttled(at + Duration::from_millis(100));
        assert_eq!(b.rate, Some(rate), "at most one cut per 250 ms");
    }

    #[test]
    fn the_rate_grows_five_percent_a_second_between_throttles() {
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        for i in 0..10 {
            b.success(t0 + Duration::from_millis(100 * i + 50));
        }
        b.throttled(t0 + Duration::from_millis(1050));
        let rate = b.rate.expect("rate");
        assert!((rate - 9.5).abs() < 1e-9, "{rate}");
        // One second at that rate: 9.5 successes, +5%.
        for i in 0..19 {
            b.success(t0 + Duration::from_millis(1050 + 105 * i));
        }
        let grown = b.rate.expect("rate");
        assert!((grown / rate - 1.1).abs() < 0.001, "two seconds' worth of successes grow it 10%: {grown}");
        assert_eq!(b.take(t0 + Duration::from_secs(60)), None, "a full bucket sends at once");
    }

    /// Answers after a while, counting the calls it is answering at once.
    #[derive(Debug, Clone, Default)]
    struct Slow {
        now: Arc<std::sync::atomic::AtomicUsize>,
        most: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl HttpConnector for Slow {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            use std::sync::atomic::Ordering::SeqCst;
            let s = self.clone();
            HttpConnectorFuture::new(async move {
                let n = s.now.fetch_add(1, SeqCst) + 1;
                s.most.fetch_max(n, SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                s.now.fetch_sub(1, SeqCst);
                Ok(HttpResponse::new(
                    aws_smithy_runtime_api::http::StatusCode::try_from(200).expect("status"),
                    aws_smithy_types::body::SdkBody::empty(),
                ))
            })
        }
    }

    #[tokio::test]
    async fn the_engine_bounds_the_requests_on_the_wire() {
        let slow = Slow::default();
        let paced = PacedConnector { inner: SharedHttpConnector::new(slow.clone()), pacer: Pacer::default() };
        let calls = (0..MAX_IN_FLIGHT + 100).map(|_| {
            let request = HttpRequest::new(aws_smithy_types::body::SdkBody::empty());
            paced.call(request)
        });
        let answers = futures::future::join_all(calls).await;
        assert!(answers.iter().all(Result::is_ok));
        assert_eq!(slow.most.load(std::sync::atomic::Ordering::SeqCst), MAX_IN_FLIGHT);
    }

    #[test]
    fn a_resource_quota_is_not_a_throttle() {
        let answer = |code: &str| {
            let mut r = HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(429).expect("status"),
                aws_smithy_types::body::SdkBody::empty(),
            );
            r.headers_mut().insert("x-amzn-errortype", code.to_owned());
            r
        };
        assert!(throttled(&answer("ThrottlingException")));
        assert!(throttled(&answer("ThrottlingException:http://internal.amazon.com/coral/")));
        assert!(!throttled(&answer("LimitExceededException")));
    }
}
