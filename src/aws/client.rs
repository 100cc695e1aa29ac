//! Connect clients: one configuration per engine, loaded once from the standard aws-config chain
//! (profile, SSO, environment, `AWS_ENDPOINT_URL_CONNECT`) plus connectql's flags, with one pacer
//! for all of its calls; and per statement, one client per region carrying that statement's call
//! counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_connect::Client;
use aws_sdk_connect::config::{Credentials, Region};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::pacing::{PaceTag, Pacer};
use super::retry::NoRetryOnQuota;
use super::stats::CallStats;
use crate::error::Error;

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
    /// SDK attempts per call (retries = attempts − 1); 0 means the default, 8.
    pub max_attempts: u32,
}

/// No answer within this long fails the attempt (and the SDK retries it): Connect answers in
/// well under a second, so a silent endpoint is found in seconds, not minutes.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The engine's view of Connect: configuration and pacing shared by every statement.
#[derive(Debug)]
pub(crate) struct Connect {
    base: aws_config::SdkConfig,
    default_region: Option<String>,
    max_attempts: u32,
    /// The profile named by `--profile` (or `AWS_PROFILE`), if any.
    profile: Option<String>,
}

/// An endpoint URL must name a scheme and a host, or the SDK fails every call.
fn check_endpoint(url: &str) -> Result<(), Error> {
    let parsed: Result<http::Uri, _> = url.parse();
    match parsed {
        Ok(u) if matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some() => Ok(()),
        _ => Err(Error::Usage(format!(
            "--endpoint-url '{url}': give a URL with a scheme and a host, e.g. http://127.0.0.1:4599 or https://connect.us-east-1.amazonaws.com"
        ))),
    }
}

impl Connect {
    /// Loads the AWS configuration once.
    ///
    /// # Errors
    /// An endpoint URL that cannot be used.
    pub(crate) async fn load(settings: &ConnectSettings) -> Result<Self, Error> {
        let max_attempts = if settings.max_attempts == 0 { 8 } else { settings.max_attempts };
        let retry = RetryConfig::standard()
            .with_max_attempts(max_attempts)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(5));
        // A read timeout, not an attempt timeout: time spent waiting for the pacer is not silence.
        let timeouts = TimeoutConfig::builder().connect_timeout(CONNECT_TIMEOUT).read_timeout(READ_TIMEOUT).build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
        if let Some(p) = &settings.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &settings.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &settings.endpoint_url {
            check_endpoint(u)?;
            loader = loader.endpoint_url(u);
        }
        if let Some((key, secret)) = &settings.static_credentials {
            loader = loader.credentials_provider(Credentials::new(key, secret, None, None, "connectql"));
        }
        // The SDK's own HTTPS client (rustls over ring, the one crypto provider of the build),
        // wrapped so every call is paced.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let loader = loader.http_client(Pacer::default().wrap(https));
        let base = loader.load().await;
        if let Some(u) = base.endpoint_url() {
            check_endpoint(u)?;
        }
        let default_region = base.region().map(|r| r.as_ref().to_owned());
        Ok(Connect { base, default_region, max_attempts, profile: settings.profile.clone() })
    }

    /// The region used when a query names none.
    pub(crate) fn default_region(&self) -> Option<&str> {
        self.default_region.as_deref()
    }

    /// The endpoint override in effect (flag, environment or profile), if any.
    pub(crate) fn endpoint_url(&self) -> Option<&str> {
        self.base.endpoint_url()
    }

    /// SDK attempts per call.
    pub(crate) fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Clients for one statement, counting its calls in `stats`.
    pub(crate) fn clients(self: &Arc<Self>, stats: CallStats) -> Clients {
        Clients { connect: Arc::clone(self), stats, by_region: Arc::default() }
    }
}

/// One statement's clients, one per region (created on first use).
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    connect: Arc<Connect>,
    stats: CallStats,
    by_region: Arc<Mutex<HashMap<String, Client>>>,
}

impl Clients {
    /// The client of a region.
    pub(crate) fn client(&self, region: &str) -> Client {
        let mut clients = self.by_region.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                // Retries cost no retry-quota tokens: pacing keeps throttling rare, each call's
                // attempts are bounded by --max-attempts, and a long scan through a flaky
                // network must not run out of retries half way.
                let partition = RetryPartition::custom(format!("connectql-{region}"))
                    .token_bucket(TokenBucket::unlimited())
                    .build();
                let config = aws_sdk_connect::config::Builder::from(&self.connect.base)
                    .region(Region::new(region.to_owned()))
                    .retry_partition(partition)
                    .retry_classifier(NoRetryOnQuota)
                    .interceptor(self.stats.interceptor())
                    .interceptor(PaceTag { region: region.to_owned() })
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }

    /// An STS client of a region, counted and paced as the Connect calls are. Its endpoint is
    /// `AWS_ENDPOINT_URL_STS`, else the override Connect uses (a local stand-in serves both),
    /// else STS's own.
    pub(crate) fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.connect.base)
            .region(Region::new(region.to_owned()))
            .interceptor(self.stats.interceptor())
            .interceptor(PaceTag { region: region.to_owned() })
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// The AWS profile in use, when one was named.
    pub(crate) fn profile(&self) -> Option<&str> {
        self.connect.profile.as_deref()
    }

    /// The statement's call counters.
    pub(crate) fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// The region used when a query names none.
    pub(crate) fn default_region(&self) -> Option<&str> {
        self.connect.default_region()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_needs_a_scheme_and_a_host() {
        assert!(check_endpoint("http://127.0.0.1:4599").is_ok());
        assert!(check_endpoint("https://connect.us-east-1.amazonaws.com").is_ok());
        let e = check_endpoint("127.0.0.1:4599").expect_err("no scheme");
        assert!(e.to_string().contains("'127.0.0.1:4599'"), "{e}");
        assert!(check_endpoint("ftp://x").is_err());
    }
}

/// Whether text is shaped like an AWS region name (`us-east-1`, `us-gov-west-1`, `eu-central-2`):
/// lowercase words joined by `-`, ending in a number. A region is part of the endpoint's host
/// name, so anything else is refused before a client is built for it.
pub(crate) fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.last().is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
        && parts[..parts.len() - 1].iter().all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod region_tests {
    use super::is_region_name;

    #[test]
    fn region_names_are_recognised() {
        for ok in ["us-east-1", "eu-west-2", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["../../x", "us-east", "US-EAST-1", "us-east-1/..", "us_east_1", "", "us--1", "us-east-123"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
