//! Test support: an emulator on 127.0.0.1:0 and SDK clients pointed at it with test credentials.

use std::net::SocketAddr;
use std::process::Output;

use aws_sdk_connect::Client;
use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_types::retry::RetryConfig;
use connectql_emulator::{self as emulator, DEMO_INSTANCE_ALIAS, EmulatorConfig, EmulatorHandle};

pub(crate) const MAIN_REGION: &str = "us-east-1";

pub(crate) fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub(crate) async fn start(config: EmulatorConfig) -> EmulatorHandle {
    emulator::start(loopback(), config).await.expect("emulator starts on loopback")
}

pub(crate) async fn demo() -> EmulatorHandle {
    start(EmulatorConfig::default()).await
}

/// A client with explicit test credentials and region, the endpoint overridden to the emulator,
/// and SDK retries off so each test sees exactly the calls it makes.
pub(crate) fn client(emu: &EmulatorHandle, region: &str) -> Client {
    client_with_retry(emu, region, RetryConfig::disabled())
}

/// The SDK's HTTP client for plain HTTP on loopback (the build has no default client: the
/// product picks its TLS stack itself).
pub(crate) fn loopback_http() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

pub(crate) fn client_with_retry(emu: &EmulatorHandle, region: &str, retry: RetryConfig) -> Client {
    let config = aws_sdk_connect::Config::builder()
        .http_client(loopback_http())
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("AKIDCONNECTQLTEST", "test-secret", None, None, "connectql-tests"))
        .endpoint_url(emu.base_url())
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// A timestamp as the service sent it, in epoch milliseconds: Connect's seconds have three
/// decimals, read by the SDK through a float, so the nearest millisecond is the one sent.
pub(crate) fn millis(t: &aws_sdk_connect::primitives::DateTime) -> i64 {
    i64::try_from((t.as_nanos() + 500_000).div_euclid(1_000_000)).expect("a time in range")
}

/// The id of a demo instance by alias.
pub(crate) async fn instance_id(client: &Client, alias: &str) -> String {
    let out = client.list_instances().send().await.expect("ListInstances");
    out.instance_summary_list()
        .iter()
        .find(|i| i.instance_alias() == Some(alias))
        .and_then(|i| i.id())
        .expect("demo instance exists")
        .to_owned()
}

/// The `n`-th user ListUsers gives for an instance (the emulator lists in a fixed order).
pub(crate) async fn listed_user(client: &Client, instance: &str, n: usize) -> aws_sdk_connect::types::UserSummary {
    let listed = client.list_users().instance_id(instance).max_results(1000).send().await.expect("ListUsers");
    listed.user_summary_list().get(n).cloned().unwrap_or_else(|| panic!("a user at {n}"))
}

/// The id of the user ListUsers gives with this username.
pub(crate) async fn user_id_named(client: &Client, instance: &str, username: &str) -> String {
    let listed = client.list_users().instance_id(instance).max_results(1000).send().await.expect("ListUsers");
    let user = listed.user_summary_list().iter().find(|u| u.username() == Some(username));
    user.and_then(|u| u.id()).unwrap_or_else(|| panic!("{username} is listed")).to_owned()
}

/// SearchUsers' criterion for one username, exactly.
pub(crate) fn username_is(name: &str) -> aws_sdk_connect::types::UserSearchCriteria {
    use aws_sdk_connect::types::{StringComparisonType, StringCondition, UserSearchCriteria};
    let condition = StringCondition::builder()
        .field_name("Username")
        .value(name)
        .comparison_type(StringComparisonType::Exact)
        .build();
    UserSearchCriteria::builder().string_condition(condition).build()
}

/// The error code of an SDK error (modeled or not).
pub(crate) fn code<E, R>(err: &aws_sdk_connect::error::SdkError<E, R>) -> String
where
    E: aws_sdk_connect::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("not a service error: {err:?}"))
}

/// The error message of an SDK service error.
pub(crate) fn message<E, R>(err: &aws_sdk_connect::error::SdkError<E, R>) -> String
where
    E: aws_sdk_connect::error::ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.message()).unwrap_or_default().to_owned()
}

/// An engine pointed at the emulator with test credentials, as `--endpoint-url` would, with
/// writes allowed as the CLI allows them.
pub(crate) async fn engine(emu: &EmulatorHandle) -> connectql::Engine {
    engine_with(emu, |_| {}).await
}

pub(crate) async fn engine_with(
    emu: &EmulatorHandle,
    tweak: impl FnOnce(&mut connectql::EngineSettings),
) -> connectql::Engine {
    let mut settings = connectql::EngineSettings {
        connect: connectql::ConnectSettings {
            profile: None,
            region: Some(MAIN_REGION.to_owned()),
            endpoint_url: Some(emu.base_url()),
            static_credentials: Some(("AKIDCONNECTQLTEST".to_owned(), "test-secret".to_owned())),
            max_attempts: 8,
            accounts: Vec::new(),
        },
        policy: connectql::WritePolicy::ReadWrite,
        ..Default::default()
    };
    tweak(&mut settings);
    connectql::Engine::new(settings).await.expect("engine")
}

/// Runs a statement through the engine's door and returns its batches, or the error text.
pub(crate) async fn query(
    engine: &connectql::Engine,
    sql: &str,
) -> Result<Vec<datafusion::arrow::array::RecordBatch>, String> {
    summarized(engine, sql).await.map(|(batches, _)| batches)
}

/// Runs a statement through the engine's door: its batches and its summary (warnings, failed
/// parts, calls), or the error text.
pub(crate) async fn summarized(
    engine: &connectql::Engine,
    sql: &str,
) -> Result<(Vec<datafusion::arrow::array::RecordBatch>, connectql::Summary), String> {
    let mut statement = engine.execute(sql, &connectql::Request::default()).await.map_err(|e| e.to_string())?;
    let batches = statement.collect().await.map_err(|e| e.to_string())?;
    Ok((batches, statement.summary()))
}

pub(crate) fn row_count(batches: &[datafusion::arrow::array::RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

/// The values of a string column.
pub(crate) fn strings(batches: &[datafusion::arrow::array::RecordBatch], column: &str) -> Vec<Option<String>> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::DataType;
    batches
        .iter()
        .flat_map(|b| {
            let col = b.column_by_name(column).unwrap_or_else(|| panic!("no column {column}"));
            let col = cast(col, &DataType::Utf8).expect("castable to text");
            let a = col.as_string::<i32>();
            (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned())).collect::<Vec<_>>()
        })
        .collect()
}

/// A new, empty directory for one run's local cache.
pub(crate) fn fresh_cache_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}-{n}", std::process::id()))
}

/// The connectql binary with loopback-only AWS settings, and a local cache of its own (a test
/// that shares one passes `--cache-dir`).
pub(crate) fn cli() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_connectql"));
    c.env("CONNECTQL_CACHE_DIR", fresh_cache_dir())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDCONNECTQLTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", MAIN_REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_CONNECT")
        .env_remove("CONNECTQL_INSTANCE_ID")
        .env("AWS_CONFIG_FILE", "/nonexistent/connectql-test-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/connectql-test-credentials");
    c
}

/// Ids of the main demo instance and some of its profiles.
pub(crate) struct Ids {
    pub(crate) instance: String,
    pub(crate) instance_arn: String,
    pub(crate) routing: String,
    pub(crate) routing_arn: String,
    pub(crate) sales: String,
    pub(crate) agent: String,
    pub(crate) agent_arn: String,
    pub(crate) supervisor: String,
}

pub(crate) async fn ids(emu: &EmulatorHandle) -> Ids {
    let c = client(emu, MAIN_REGION);
    let instance = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let rps = c.list_routing_profiles().instance_id(&instance).send().await.expect("routing profiles");
    let rp = |name: &str| {
        let p = rps.routing_profile_summary_list().iter().find(|p| p.name() == Some(name)).expect("profile");
        (p.id().expect("id").to_owned(), p.arn().expect("arn").to_owned())
    };
    let sps = c.list_security_profiles().instance_id(&instance).send().await.expect("security profiles");
    let sp = |name: &str| {
        let p = sps.security_profile_summary_list().iter().find(|p| p.name() == Some(name)).expect("profile");
        (p.id().expect("id").to_owned(), p.arn().expect("arn").to_owned())
    };
    let (routing, routing_arn) = rp("Basic Routing Profile");
    let (agent, agent_arn) = sp("Agent");
    Ids {
        instance_arn: format!("arn:aws:connect:us-east-1:123456789012:instance/{instance}"),
        instance,
        routing,
        routing_arn,
        sales: rp("Sales").0,
        agent,
        agent_arn,
        supervisor: sp("Supervisor").0,
    }
}

/// The binary pointed at the test's emulator, as `--endpoint-url` does.
pub(crate) fn run(emu: &EmulatorHandle, args: &[&str]) -> Output {
    cli().args(["--endpoint-url", &emu.base_url(), "-o", "csv"]).args(args).output().expect("connectql runs")
}

pub(crate) fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
