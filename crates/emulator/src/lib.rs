//! A local Amazon Connect: an HTTP server speaking Connect's REST-JSON protocol that any AWS
//! client (the Rust SDK, the AWS CLI, boto3) can use through an endpoint override. It validates
//! requests against the official service model, keeps data per account and region (read from the
//! SigV4 credential scope), and can inject latency, throttling, errors and eventual consistency.

pub mod cli;
pub mod errors;
pub mod faults;
pub mod handlers;
pub mod model;
pub mod pagination;
pub mod routes;
pub mod seed;
pub mod state;
pub mod sts;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};

use errors::{ApiError, ErrorKind};
use faults::{Faults, Limiter};
use handlers::{Handler, Req};
pub use seed::{
    AUDIT_ROLE, BUSINESS_UNIT_ACCOUNT, BUSINESS_UNIT_EXTERNAL_ID, DEFAULT_ACCOUNT, DEMO_INSTANCE_ALIAS,
    STAGING_ACCOUNT, Seed,
};
use state::World;

/// How to start an emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorConfig {
    pub seed: Seed,
    /// Synthetic users added to the main demo instance.
    pub extra_users: usize,
    /// A synthetic organisation (load work): accounts, each with an instance of this many users
    /// in us-east-1 and in eu-west-2, reached through the audit role.
    pub org: Option<seed::Org>,
    /// Keep the data in this file (loaded at start when it exists, written atomically on change).
    pub state_file: Option<PathBuf>,
    pub faults: Faults,
    /// Users-per-instance quota for instances that do not hold more already (default 500).
    pub user_quota: Option<usize>,
    /// Pins the clock at this time (epoch ms); the demo data's times are relative to it. The
    /// wall clock when unset.
    pub now_ms: Option<u64>,
    /// Keep the last request of each operation for [`Emulator::last_request`] (tests only: a
    /// CreateUser body carries a password, which a demo has no reason to hold).
    pub record_requests: bool,
}

/// The shared state of a running emulator.
pub struct Emulator {
    world: RwLock<World>,
    faults: RwLock<Faults>,
    limiter: Limiter,
    calls: BTreeMap<&'static str, AtomicU64>,
    throttled: AtomicU64,
    requests: AtomicU64,
    /// Requests being answered now, and the most at once since the last reset.
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    /// A pinned clock (epoch ms) for tests; the wall clock when unset.
    clock: std::sync::Mutex<Option<u64>>,
    /// Held while the state file is written.
    saving: std::sync::Mutex<()>,
    state_file: Option<PathBuf>,
    /// The last request of each operation: its path and body, as a client sent them (when
    /// recording was asked for).
    record_requests: bool,
    last_requests: std::sync::Mutex<BTreeMap<&'static str, (String, Bytes)>>,
}

/// Counts of calls per operation (every answered request, errors included).
pub type CallCounts = BTreeMap<String, u64>;

impl Emulator {
    fn new(config: &EmulatorConfig) -> io::Result<Self> {
        let mut world = match &config.state_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| io::Error::new(e.kind(), format!("state file {}: {e}", path.display())))?;
                serde_json::from_str::<World>(&text).map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("state file {}: {e}", path.display()))
                })?
            }
            _ => {
                let mut w = World::default();
                let now = config.now_ms.unwrap_or_else(now_ms);
                seed::load(&mut w, config.seed, config.extra_users, now);
                if let Some(org) = config.org {
                    seed::load_org(&mut w, org, now);
                }
                w
            }
        };
        world.reindex();
        if let Some(q) = config.user_quota {
            for r in world.regions.values_mut() {
                for i in r.instances.values_mut() {
                    i.user_quota = q.max(i.users.len());
                }
            }
        }
        Ok(Emulator {
            world: RwLock::new(world),
            faults: RwLock::new(config.faults.clone()),
            limiter: Limiter::default(),
            calls: routes::ROUTES
                .iter()
                .map(|r| r.operation)
                .chain(sts::OPERATIONS)
                .map(|op| (op, AtomicU64::new(0)))
                .collect(),
            throttled: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            clock: std::sync::Mutex::new(config.now_ms),
            saving: std::sync::Mutex::new(()),
            state_file: config.state_file.clone(),
            record_requests: config.record_requests,
            last_requests: std::sync::Mutex::default(),
        })
    }

    /// Calls per operation so far.
    pub fn calls(&self) -> CallCounts {
        self.calls.iter().map(|(k, v)| ((*k).to_owned(), v.load(Ordering::Relaxed))).filter(|(_, v)| *v > 0).collect()
    }

    /// Calls of one operation so far.
    pub fn calls_of(&self, operation: &str) -> u64 {
        self.calls.get(operation).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// The path (and query) and the JSON body (`Null` when empty) of the last request of an
    /// operation, as the client sent them; `None` unless [`EmulatorConfig::record_requests`].
    pub fn last_request(&self, operation: &str) -> Option<(String, Value)> {
        let last = self.last_requests.lock().ok()?;
        let (uri, body) = last.get(operation)?;
        Some((uri.clone(), if body.is_empty() { Value::Null } else { serde_json::from_slice(body).ok()? }))
    }

    /// Requests answered with ThrottlingException.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    pub fn reset_calls(&self) {
        self.calls.values().for_each(|c| c.store(0, Ordering::Relaxed));
        self.throttled.store(0, Ordering::Relaxed);
        self.max_in_flight.store(0, Ordering::Relaxed);
    }

    /// The emulator's time, in epoch milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner).unwrap_or_else(now_ms)
    }

    /// Stops the clock at `ms` (epoch milliseconds): time moves only with [`Self::advance_clock`].
    pub fn pin_clock(&self, ms: u64) {
        *self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ms);
    }

    /// Moves a pinned clock forward (pins it at the current time first if it was not pinned).
    pub fn advance_clock(&self, ms: u64) {
        let mut c = self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *c = Some(c.unwrap_or_else(now_ms) + ms);
    }

    /// The most requests answered at once since the last reset (a client's concurrency, as
    /// seen from the server).
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight.load(Ordering::Relaxed)
    }

    /// Changes the fault settings of the running emulator.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(std::sync::PoisonError::into_inner) = faults;
    }

    /// Runs `f` on the data (for tests that set up or inspect state directly).
    pub fn with_world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let out = f(&mut self.world.write().unwrap_or_else(std::sync::PoisonError::into_inner));
        if let Err(e) = self.save() {
            tracing::error!(error = %e, "cannot write the emulator state file");
        }
        out
    }

    /// Writes the state file (atomically), so every acknowledged write survives any exit.
    ///
    /// # Errors
    /// The file cannot be written, named in the error.
    fn save(&self) -> io::Result<()> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let _one_at_a_time = self.saving.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let named = |e: io::Error| io::Error::new(e.kind(), format!("state file {}: {e}", path.display()));
        let text = {
            let w = self.world.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            serde_json::to_string(&*w).map_err(|e| named(io::Error::other(e)))?
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(named)?;
        std::fs::rename(&tmp, path).map_err(named)
    }

    /// An STS request (query protocol): the XML answer, or STS's error document.
    fn sts(&self, headers: &HeaderMap, body: &Bytes) -> Response {
        let request_id = uuid::Uuid::new_v4().to_string();
        let params: BTreeMap<String, String> = form_pairs(&String::from_utf8_lossy(body)).into_iter().collect();
        if let Some(op) = params.get("Action").and_then(|a| self.calls.get(a.as_str())) {
            op.fetch_add(1, Ordering::Relaxed);
        }
        let (akid, _) = signed_by(headers).unwrap_or_default();
        let token = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok());
        let caller = sts::Caller { account: &account_of(&akid), session_token: token };
        // Credentials expire by the wall clock, not a pinned one: clients judge expiry by their
        // own clock, and credentials expired on arrival would be fetched again for every call.
        let now = now_ms();
        let answer = self.with_world(|w| w.iam.answer(&caller, &params, now, &request_id));
        let (status, text) = match answer {
            Ok(xml) => (200, xml),
            Err(e) => (e.status, e.xml(&request_id)),
        };
        let mut response = Response::new(Body::from(text));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert("content-type", HeaderValue::from_static("text/xml"));
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-amzn-RequestId", id);
        }
        response
    }

    async fn handle(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let _counted = InFlight::enter(self);
        let (account, region) = credential_scope(headers)?;
        let path = uri.path();
        let (route, labels) = routes::find(method.as_str(), path).ok_or_else(|| {
            ApiError::new(ErrorKind::UnknownOperation, format!("No operation matches {method} {path}"))
        })?;
        self.calls[route.operation].fetch_add(1, Ordering::Relaxed);
        if self.record_requests
            && let Ok(mut last) = self.last_requests.lock()
        {
            last.insert(route.operation, (uri.to_string(), body.clone()));
        }
        // A validation failure is answered with the validation error the operation models
        // (ListInstances and DescribeInstance model InvalidRequestException only).
        self.run(route, labels, uri, body, &account, &region, n)
            .await
            .map_err(|e| model::model().as_modeled(route.operation, e))
    }

    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        route: &routes::Route,
        labels: Vec<(&'static str, String)>,
        uri: &Uri,
        body: &Bytes,
        account: &str,
        region: &str,
        n: u64,
    ) -> Result<Value, ApiError> {
        let (account, region) = (account.to_owned(), region.to_owned());
        let faults = self.faults.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if faults.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
        }
        if faults.deny.iter().any(|d| d == route.operation) {
            return Err(ApiError::new(
                ErrorKind::AccessDenied,
                format!(
                    "User: arn:aws:iam::{account}:user/emulator is not authorized to perform: connect:{} on resource",
                    route.operation
                ),
            ));
        }
        if let Some((rate, burst)) = faults.bucket_for(route.operation)
            && !self.limiter.admit(&World::key(&account, &region), route.operation, rate, burst)
        {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::new(ErrorKind::Throttling, "Rate exceeded"));
        }
        if faults.error_rate > 0.0 && faults::draw(faults.seed, n) < faults.error_rate {
            return Err(ApiError::new(
                ErrorKind::InternalService,
                "Request processing failed because of an injected internal error.",
            ));
        }
        let input = build_input(route.operation, labels, uri.query(), body)?;
        let errors = model::model().validate_input(route.operation, &input);
        if !errors.is_empty() {
            return Err(ApiError::validation(&errors));
        }
        let req = Req {
            region: &region,
            account: &account,
            now_ms: self.now_ms(),
            visibility_delay_ms: faults.visibility_delay_ms,
            input,
        };
        let out = match route.handler {
            Handler::Read(f) => {
                let w = self.world.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                match w.regions.get(&World::key(&account, &region)) {
                    Some(r) => f(r, &req),
                    None => f(
                        &state::RegionState { account: account.clone(), region: region.clone(), ..Default::default() },
                        &req,
                    ),
                }
            }
            Handler::Write(f) => {
                let result = handlers::write_visible_later(
                    self.world.write().unwrap_or_else(std::sync::PoisonError::into_inner).region_mut(&account, &region),
                    &req,
                    f,
                );
                // Saved before the answer: an acknowledged write survives a kill right after.
                if result.is_ok()
                    && let Err(e) = self.save()
                {
                    return Err(ApiError::new(ErrorKind::InternalService, e.to_string()));
                }
                result
            }
        }?;
        Ok(drop_nulls(out))
    }
}

/// Counts a request as in flight while it lives.
struct InFlight<'a>(&'a Emulator);

impl<'a> InFlight<'a> {
    fn enter(e: &'a Emulator) -> Self {
        let now = e.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        e.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(e)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The SigV4 credential scope of a request: `AKID/DATE/REGION/SERVICE/aws4_request`, as
/// (access key id, the rest split). Signatures are not verified.
fn signed_by(headers: &HeaderMap) -> Option<(String, Vec<String>)> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok())?;
    let scope = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .and_then(|rest| rest.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or_default())?;
    let mut parts = scope.split('/').map(str::to_owned);
    let akid = parts.next()?;
    Some((akid, parts.collect()))
}

/// A 12-digit access key id names its account (the emulator's STS hands out such keys); any
/// other maps to the default account.
fn account_of(akid: &str) -> String {
    if akid.len() == 12 && akid.bytes().all(|b| b.is_ascii_digit()) {
        akid.to_owned()
    } else {
        DEFAULT_ACCOUNT.to_owned()
    }
}

/// Whether a request is signed for STS (the query protocol) rather than Connect.
fn for_sts(headers: &HeaderMap) -> bool {
    signed_by(headers).is_some_and(|(_, rest)| rest.get(2).is_some_and(|s| s == "sts"))
}

/// Reads account and region from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/…`.
fn credential_scope(headers: &HeaderMap) -> Result<(String, String), ApiError> {
    if headers.get("authorization").is_none_or(HeaderValue::is_empty) {
        return Err(ApiError::new(ErrorKind::MissingAuthenticationToken, "Missing Authentication Token"));
    }
    let (akid, rest) = signed_by(headers).unwrap_or_default();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match rest.as_slice() {
        [_date, region, "connect", "aws4_request"] if !region.is_empty() => {
            Ok((account_of(&akid), (*region).to_owned()))
        }
        _ => Err(ApiError::new(
            ErrorKind::MissingAuthenticationToken,
            "Authorization header requires a SigV4 'Credential' with the scope ACCESS_KEY/DATE/REGION/connect/aws4_request.",
        )),
    }
}

/// Assembles every input member by its model name: URI labels, query string (typed as the model
/// says) and the JSON body.
fn build_input(
    operation: &str,
    labels: Vec<(&str, String)>,
    query: Option<&str>,
    body: &Bytes,
) -> Result<Map<String, Value>, ApiError> {
    let model = model::model();
    let shape = model.input_shape(operation);
    let members = shape.and_then(|s| s.get("members")).and_then(Value::as_object);
    let mut input = Map::new();
    if !body.is_empty() {
        let parsed: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::invalid_request(format!("The request body is not valid JSON: {e}")))?;
        match parsed {
            Value::Object(m) => input.extend(m),
            _ => return Err(ApiError::invalid_request("The request body must be a JSON object.")),
        }
    }
    let by_location = |location: &str, wire: &str| -> Option<(&String, &Value)> {
        members?.iter().find(|(_, m)| {
            m.get("location").and_then(Value::as_str) == Some(location)
                && m.get("locationName").and_then(Value::as_str) == Some(wire)
        })
    };
    for (wire, value) in labels {
        let name = by_location("uri", wire).map_or(wire.to_owned(), |(n, _)| n.clone());
        input.insert(name, Value::String(value));
    }
    let pairs = query.map(form_pairs).unwrap_or_default();
    for (wire, value) in pairs {
        let Some((name, member)) = by_location("querystring", &wire) else { continue };
        let shape_type = member
            .get("shape")
            .and_then(Value::as_str)
            .and_then(|s| model.shape(s))
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("string");
        let parsed = match shape_type {
            "integer" | "long" => value.parse::<i64>().map(Value::from).map_err(|_| {
                ApiError::invalid_parameter(format!("1 validation error detected: Value '{value}' at '{wire}' failed to satisfy constraint: Member must be a number"))
            })?,
            _ => Value::String(value),
        };
        if shape_type == "list" {
            let entry = input.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = entry {
                a.push(parsed);
            }
        } else {
            input.insert(name.clone(), parsed);
        }
    }
    Ok(input)
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Absent optional members are left out of responses.
fn drop_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

fn respond(status: u16, body: &Value, error: Option<&str>) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-RequestId", id);
    }
    if let Some(code) = error.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("x-amzn-ErrorType", code);
    }
    response
}

async fn dispatch(
    State(emulator): State<Arc<Emulator>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::POST && uri.path() == "/" && for_sts(&headers) {
        return emulator.sts(&headers, &body);
    }
    match emulator.handle(&method, &uri, &headers, &body).await {
        Ok(v) => respond(200, &v, None),
        Err(e) => {
            tracing::debug!(%method, %uri, error = %e, "emulator error answer");
            respond(e.kind.status(), &e.body(), Some(e.kind.code()))
        }
    }
}

/// A running emulator: its address, its state, and a way to stop it (dropping the handle stops
/// it too).
pub struct EmulatorHandle {
    pub addr: SocketAddr,
    pub emulator: Arc<Emulator>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl EmulatorHandle {
    /// `http://ADDR`, the endpoint URL clients use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, waits for the server to end and writes the state file.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.emulator.save()
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts an emulator on `addr` (port 0 picks a free one) inside the current tokio runtime.
///
/// # Errors
/// When the address cannot be bound or the state file cannot be read.
pub async fn start(addr: SocketAddr, config: EmulatorConfig) -> io::Result<EmulatorHandle> {
    let emulator = Arc::new(Emulator::new(&config)?);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(dispatch).with_state(Arc::clone(&emulator));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "emulator server failed");
        }
    });
    emulator.save()?;
    Ok(EmulatorHandle { addr, emulator, shutdown: Some(tx), task: Some(task) })
}
