//! Connect clients per region, built once from the standard aws-config chain (profile, SSO,
//! environment, `AWS_ENDPOINT_URL_CONNECT`) plus connectql's flags, with adaptive retry so
//! throttling is absorbed, and call accounting on every client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_connect::Client;
use aws_sdk_connect::config::{Credentials, Region};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::stats::CallStats;

/// Where and how to reach Amazon Connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectSettings {
    /// Named profile of the shared config files.
    pub profile: Option<String>,
    /// Default region (otherwise aws-config's chain decides).
    pub region: Option<String>,
    /// Endpoint override (as the AWS CLI's `--endpoint-url`).
    pub endpoint_url: Option<String>,
    /// Explicit credentials (the demo's local test credentials), bypassing the chain.
    pub static_credentials: Option<(String, String)>,
    /// SDK attempts per call (retries = attempts − 1).
    pub max_attempts: u32,
}

/// Clients for every region a statement touches, sharing one configuration and one call counter.
#[derive(Debug)]
pub struct Connect {
    base: aws_config::SdkConfig,
    default_region: Option<String>,
    clients: Mutex<HashMap<String, Client>>,
    pub stats: CallStats,
}

impl Connect {
    /// Loads the AWS configuration once.
    pub async fn load(settings: &ConnectSettings) -> Self {
        let attempts = if settings.max_attempts == 0 { 8 } else { settings.max_attempts };
        let retry = RetryConfig::standard()
            .with_max_attempts(attempts)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(5));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
        if let Some(p) = &settings.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &settings.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &settings.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        if let Some((key, secret)) = &settings.static_credentials {
            loader = loader.credentials_provider(Credentials::new(key, secret, None, None, "connectql"));
        }
        // The SDK's own default HTTPS client (rustls), wrapped so every call is paced.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        let loader = loader.http_client(super::pacing::Pacer::default().wrap(https));
        let base = loader.load().await;
        let default_region = base.region().map(|r| r.as_ref().to_owned());
        Connect { base, default_region, clients: Mutex::new(HashMap::new()), stats: CallStats::default() }
    }

    /// The region used when a query names none.
    ///
    /// # Errors
    /// When neither `--region`, the profile nor the environment set one.
    pub fn default_region(&self) -> Result<String, String> {
        self.default_region.clone().ok_or_else(|| {
            "no AWS region: pass --region, set AWS_REGION, or filter on region (WHERE region = '…')".to_owned()
        })
    }

    /// The client of a region (created on first use).
    pub fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                // Throttling retries cost no retry-quota tokens: pacing, not the quota, keeps
                // them rare, and a long throttled scan must not run out of retries.
                let partition = RetryPartition::custom(format!("connectql-{region}"))
                    .token_bucket(TokenBucket::builder().throttling_retry_cost(0).build())
                    .build();
                let config = aws_sdk_connect::config::Builder::from(&self.base)
                    .region(Region::new(region.to_owned()))
                    .retry_partition(partition)
                    .interceptor(self.stats.interceptor())
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }
}
