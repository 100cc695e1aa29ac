//! Test support: an emulator on 127.0.0.1:0 and SDK clients pointed at it with test credentials.

use std::net::SocketAddr;

use aws_sdk_connect::Client;
use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_types::retry::RetryConfig;
use connectql::emulator::{self, EmulatorConfig, EmulatorHandle};

pub const MAIN_REGION: &str = "us-east-1";

pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub async fn start(config: EmulatorConfig) -> EmulatorHandle {
    emulator::start(loopback(), config).await.expect("emulator starts on loopback")
}

pub async fn demo() -> EmulatorHandle {
    start(EmulatorConfig::default()).await
}

/// A client with explicit test credentials and region, the endpoint overridden to the emulator,
/// and SDK retries off so each test sees exactly the calls it makes.
pub fn client(emu: &EmulatorHandle, region: &str) -> Client {
    client_with_retry(emu, region, RetryConfig::disabled())
}

pub fn client_with_retry(emu: &EmulatorHandle, region: &str, retry: RetryConfig) -> Client {
    let config = aws_sdk_connect::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("AKIDCONNECTQLTEST", "test-secret", None, None, "connectql-tests"))
        .endpoint_url(emu.base_url())
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// The id of a demo instance by alias.
pub async fn instance_id(client: &Client, alias: &str) -> String {
    let out = client.list_instances().send().await.expect("ListInstances");
    out.instance_summary_list()
        .iter()
        .find(|i| i.instance_alias() == Some(alias))
        .and_then(|i| i.id())
        .expect("demo instance exists")
        .to_owned()
}

/// The error code of an SDK error (modeled or not).
pub fn code<E, R>(err: &aws_sdk_connect::error::SdkError<E, R>) -> String
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
pub fn message<E, R>(err: &aws_sdk_connect::error::SdkError<E, R>) -> String
where
    E: aws_sdk_connect::error::ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.message()).unwrap_or_default().to_owned()
}
