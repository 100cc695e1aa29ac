//! Connect clients: one configuration per configured account, loaded once from the standard
//! aws-config chain (profile, SSO, environment, `AWS_ENDPOINT_URL_CONNECT`) plus connectql's
//! flags, with one pacer for all of their calls (each account and region paced on its own, as
//! Connect's quotas are per account and region); and per statement, one client per account and
//! region carrying that statement's call counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_connect::Client;
use aws_sdk_connect::config::{Credentials, Region, SharedCredentialsProvider};
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
    /// The accounts statements read and write; none means one, from the settings above.
    pub accounts: Vec<AccountSpec>,
}

/// Where one account's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSource {
    /// The settings' own: the default chain, the profile, or the explicit credentials.
    Base,
    /// A profile of the shared config files (keys, `role_arn` + `source_profile`, SSO,
    /// `credential_process`): aws-config resolves it.
    Profile(String),
    /// A role assumed with the base credentials (aws-config's AssumeRole provider).
    Role { arn: String, external_id: Option<String>, session_name: Option<String> },
}

/// One account of a multi-account engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    /// What the account is called in output, errors and EXPLAIN.
    pub name: String,
    pub source: AccountSource,
    /// Regions read when a query names none (empty: the account's default region).
    pub regions: Vec<String>,
    /// The 12-digit account id, when it is known without asking STS.
    pub account_id: Option<String>,
}

impl AccountSpec {
    /// The account id written in a role ARN (`arn:aws:iam::ACCOUNT:role/NAME`).
    fn id_from_source(&self) -> Option<String> {
        match &self.source {
            AccountSource::Role { arn, .. } => arn
                .split(':')
                .nth(4)
                .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_owned),
            _ => None,
        }
    }
}

/// One configured account: its configuration and what is known of it.
#[derive(Debug)]
struct Account {
    name: String,
    config: aws_config::SdkConfig,
    profile: Option<String>,
    regions: Vec<String>,
    /// The account id: configured, from a role ARN, or learnt from the first answer that names it.
    id: OnceLock<String>,
}

/// An account as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountView {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) id: Option<String>,
    pub(crate) regions: Vec<String>,
}

/// No answer within this long fails the attempt (and the SDK retries it): Connect answers in
/// well under a second, so a silent endpoint is found in seconds, not minutes.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The engine's view of Connect: configuration and pacing shared by every statement.
#[derive(Debug)]
pub(crate) struct Connect {
    /// Never empty: the first is the base configuration's when no account is configured.
    accounts: Vec<Account>,
    default_region: Option<String>,
    endpoint_url: Option<String>,
    max_attempts: u32,
    /// Several accounts were configured (their names then appear in output and errors).
    several: bool,
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

/// aws-config's loader with connectql's retry, timeouts, endpoint, region and HTTP client, for
/// the base configuration (`profile`: `--profile`) or one account's profile.
fn loader(
    settings: &ConnectSettings,
    max_attempts: u32,
    http: &aws_smithy_runtime_api::client::http::SharedHttpClient,
    profile: Option<&str>,
) -> aws_config::ConfigLoader {
    let retry = RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(5));
    // A read timeout, not an attempt timeout: time spent waiting for the pacer is not silence.
    let timeouts = TimeoutConfig::builder().connect_timeout(CONNECT_TIMEOUT).read_timeout(READ_TIMEOUT).build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts)
        .http_client(http.clone());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &settings.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &settings.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader
}

/// One account's configuration: the base one, a profile's, or the base with an assumed role's
/// credentials.
async fn account(
    settings: &ConnectSettings,
    max_attempts: u32,
    http: &aws_smithy_runtime_api::client::http::SharedHttpClient,
    base: &aws_config::SdkConfig,
    spec: &AccountSpec,
) -> Result<Account, Error> {
    if let Some(bad) = spec.regions.iter().find(|r| !is_region_name(r)) {
        return Err(Error::Usage(format!(
            "account {}: '{bad}' is not an AWS region name (such as us-east-1)",
            spec.name
        )));
    }
    let (config, profile) = match &spec.source {
        AccountSource::Base => (base.clone(), settings.profile.clone()),
        AccountSource::Profile(p) => (loader(settings, max_attempts, http, Some(p)).load().await, Some(p.clone())),
        AccountSource::Role { arn, external_id, session_name } => {
            let mut role = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
                .session_name(session_name.clone().unwrap_or_else(|| "connectql".to_owned()));
            if let Some(id) = external_id {
                role = role.external_id(id.clone());
            }
            let role = role.configure(base).build().await;
            (base.clone().into_builder().credentials_provider(SharedCredentialsProvider::new(role)).build(), None)
        }
    };
    let regions = match (spec.regions.as_slice(), config.region()) {
        ([], Some(r)) => vec![r.as_ref().to_owned()],
        (regions, _) => regions.to_vec(),
    };
    let id = OnceLock::new();
    if let Some(known) = spec.account_id.clone().or_else(|| spec.id_from_source()) {
        let _ = id.set(known);
    }
    Ok(Account { name: spec.name.clone(), config, profile, regions, id })
}

impl Connect {
    /// Loads the AWS configuration once.
    ///
    /// # Errors
    /// An endpoint URL that cannot be used.
    pub(crate) async fn load(settings: &ConnectSettings) -> Result<Self, Error> {
        let max_attempts = if settings.max_attempts == 0 { 8 } else { settings.max_attempts };
        if let Some(u) = &settings.endpoint_url {
            check_endpoint(u)?;
        }
        // The SDK's own HTTPS client (rustls over ring, the one crypto provider of the build),
        // wrapped so every call of every account is paced.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let http = Pacer::default().wrap(https);
        let mut base = loader(settings, max_attempts, &http, settings.profile.as_deref());
        if let Some((key, secret)) = &settings.static_credentials {
            base = base.credentials_provider(Credentials::new(key, secret, None, None, "connectql"));
        }
        let base = base.load().await;
        if let Some(u) = base.endpoint_url() {
            check_endpoint(u)?;
        }
        let default_region = base.region().map(|r| r.as_ref().to_owned());
        let endpoint_url = base.endpoint_url().map(str::to_owned);
        let specs = match settings.accounts.as_slice() {
            [] => vec![AccountSpec {
                name: settings.profile.clone().unwrap_or_else(|| "default".to_owned()),
                source: AccountSource::Base,
                regions: Vec::new(),
                account_id: None,
            }],
            specs => specs.to_vec(),
        };
        let mut accounts = Vec::with_capacity(specs.len());
        for spec in &specs {
            accounts.push(account(settings, max_attempts, &http, &base, spec).await?);
        }
        Ok(Connect { accounts, default_region, endpoint_url, max_attempts, several: specs.len() > 1 })
    }

    /// The region used when a query names none.
    pub(crate) fn default_region(&self) -> Option<&str> {
        self.default_region.as_deref()
    }

    /// The endpoint override in effect (flag, environment or profile), if any.
    pub(crate) fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// The configured accounts, as the planner sees them.
    pub(crate) fn accounts(&self) -> Vec<AccountView> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(index, a)| AccountView {
                index,
                name: a.name.clone(),
                id: a.id.get().cloned(),
                regions: a.regions.clone(),
            })
            .collect()
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

/// One statement's clients, one per account and region (created on first use).
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    connect: Arc<Connect>,
    stats: CallStats,
    by_region: Arc<Mutex<HashMap<(usize, String), Client>>>,
}

impl Clients {
    fn account(&self, account: usize) -> &Account {
        // Accounts come from the planner, which only knows configured ones.
        &self.connect.accounts[account.min(self.connect.accounts.len() - 1)]
    }

    /// The pacing bucket of an account and region: the account's name too when there are
    /// several (Connect's quotas are per account and region).
    fn pace_tag(&self, account: usize, region: &str) -> PaceTag {
        let scope = match self.connect.several {
            true => format!("{}/{region}", self.account(account).name),
            false => region.to_owned(),
        };
        PaceTag { region: scope }
    }

    /// The Connect client of an account and region.
    pub(crate) fn client(&self, account: usize, region: &str) -> Client {
        let mut clients = self.by_region.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        clients
            .entry((account, region.to_owned()))
            .or_insert_with(|| {
                // Retries cost no retry-quota tokens: pacing keeps throttling rare, each call's
                // attempts are bounded by --max-attempts, and a long scan through a flaky
                // network must not run out of retries half way.
                let partition = RetryPartition::custom(format!("connectql-{account}-{region}"))
                    .token_bucket(TokenBucket::unlimited())
                    .build();
                let config = aws_sdk_connect::config::Builder::from(&self.account(account).config)
                    .region(Region::new(region.to_owned()))
                    .retry_partition(partition)
                    .retry_classifier(NoRetryOnQuota)
                    .interceptor(self.stats.interceptor())
                    .interceptor(self.pace_tag(account, region))
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }

    /// An STS client of an account and region, counted and paced as the Connect calls are. Its
    /// endpoint is `AWS_ENDPOINT_URL_STS`, else the override Connect uses (a local stand-in
    /// serves both), else STS's own.
    pub(crate) fn sts(&self, account: usize, region: &str) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.account(account).config)
            .region(Region::new(region.to_owned()))
            .interceptor(self.stats.interceptor())
            .interceptor(self.pace_tag(account, region))
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// The AWS profile an account uses, when one was named.
    pub(crate) fn profile(&self, account: usize) -> Option<&str> {
        self.account(account).profile.as_deref()
    }

    /// An account's name.
    pub(crate) fn account_name(&self, account: usize) -> &str {
        &self.account(account).name
    }

    /// Whether several accounts are configured.
    pub(crate) fn several_accounts(&self) -> bool {
        self.connect.several
    }

    /// The configured accounts, as the planner sees them.
    pub(crate) fn accounts(&self) -> Vec<AccountView> {
        self.connect.accounts()
    }

    /// Records the account id an answer named (the first one wins: an account has one id).
    pub(crate) fn learn_account_id(&self, account: usize, id: &str) {
        let known = &self.account(account).id;
        if known.get().is_none() {
            let _ = known.set(id.to_owned());
        }
    }

    /// The account's id: known, or asked of STS (GetCallerIdentity, counted) and remembered.
    ///
    /// # Errors
    /// The failed STS call.
    pub(crate) async fn account_id(&self, account: usize) -> Result<String, crate::error::ApiFailure> {
        if let Some(id) = self.account(account).id.get() {
            return Ok(id.clone());
        }
        let region = self.account(account).regions.first().cloned().or_else(|| self.connect.default_region.clone());
        // Any region's STS answers who the caller is; the account reads none yet.
        let region = region.unwrap_or_else(|| "us-east-1".to_owned());
        let me = self
            .sts(account, &region)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| super::errors::from_sdk("GetCallerIdentity", &e))?;
        let id = me.account().filter(|a| !a.is_empty()).ok_or_else(|| {
            crate::error::ApiFailure::new(
                "GetCallerIdentity",
                crate::error::Cause::Client,
                "STS answered without an account",
            )
        })?;
        self.learn_account_id(account, id);
        Ok(id.to_owned())
    }

    /// Which configured account has this id, when one does (ids unknown so far are asked of STS).
    ///
    /// # Errors
    /// A failed STS call.
    pub(crate) async fn account_with_id(&self, id: &str) -> Result<Option<usize>, crate::error::ApiFailure> {
        for i in 0..self.connect.accounts.len() {
            if self.account(i).id.get().is_some_and(|known| known == id) {
                return Ok(Some(i));
            }
        }
        for i in 0..self.connect.accounts.len() {
            if self.account(i).id.get().is_none() && self.account_id(i).await? == id {
                return Ok(Some(i));
            }
        }
        Ok(None)
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
