//! What a statement's scans and writes need, carried in DataFusion's session config as an
//! extension so every plan of the statement finds it: the statement's clients (counting its
//! calls), its event sink, the listings it already made, and for writes the write policy and
//! guards. A plan built on a context without one (a caller that went around the engine) gets a
//! read-only scope.

use std::fmt;
use std::sync::Arc;

use super::detail_cache::CacheUse;
use super::events::EventSink;
use super::listing::StatementListings;
use super::recent::RecentWrites;
use crate::aws::client::Clients;
use crate::error::{Error, Refusal};

/// Whether statements may change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WritePolicy {
    /// INSERT, UPDATE and DELETE are refused at planning.
    #[default]
    ReadOnly,
    /// Writes find their target rows and report the calls they would make; nothing changes.
    DryRun,
    /// Writes make their calls.
    ReadWrite,
}

/// Asks the person at the terminal to confirm a large change; returns whether to go on.
pub type Confirm = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// How a statement's writes behave.
#[derive(Clone, Default)]
pub(crate) struct WriteSettings {
    pub(crate) policy: WritePolicy,
    /// What to tell someone whose write was refused by a read-only policy.
    pub(crate) read_only_hint: Arc<str>,
    /// Allow UPDATE and DELETE without a WHERE clause that restricts rows.
    pub(crate) allow_unqualified: bool,
    /// Changes of more rows than this need confirmation.
    pub(crate) threshold: usize,
    /// Go ahead above the threshold without asking.
    pub(crate) assume_yes: bool,
    /// How to ask; none means refuse above the threshold.
    pub(crate) confirm: Option<Confirm>,
    /// `ON CONFLICT … DO NOTHING`: rows whose unique column exists are skipped.
    pub(crate) skip_existing: bool,
}

impl fmt::Debug for WriteSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteSettings")
            .field("policy", &self.policy)
            .field("allow_unqualified", &self.allow_unqualified)
            .field("threshold", &self.threshold)
            .field("assume_yes", &self.assume_yes)
            .field("skip_existing", &self.skip_existing)
            .finish_non_exhaustive()
    }
}

impl WriteSettings {
    pub(crate) fn dry_run(&self) -> bool {
        self.policy == WritePolicy::DryRun
    }
}

/// What a scan needs to make calls.
#[derive(Debug, Clone)]
pub(crate) struct ScanContext {
    pub(crate) clients: Clients,
    /// Per-row calls in flight at once.
    pub(crate) concurrency: usize,
    /// Report a failing region or instance and go on, instead of failing the statement.
    pub(crate) partial: bool,
    /// Instances to use when a query names none; empty means all.
    pub(crate) default_instances: Vec<String>,
    pub(crate) events: EventSink,
    /// The local detail cache, unless disabled.
    pub(crate) cache: Option<CacheUse>,
    /// Listings already made by this statement.
    pub(crate) listings: Arc<StatementListings>,
    /// What this engine created lately, for reads right after (eventual consistency).
    pub(crate) recent: Arc<RecentWrites>,
}

impl ScanContext {
    /// The client of a container's account and region.
    pub(crate) fn client(&self, parent: &super::item::Parent) -> aws_sdk_connect::Client {
        self.clients.client(parent.account, &parent.region)
    }
}

/// The configured account a written row belongs to: the only one, or the one whose id the row
/// names (`account_id`, or the account of its `instance_arn`).
///
/// # Errors
/// Several accounts and the row names none, or one that is not configured; a failed STS call.
pub(crate) async fn account_of_row(cx: &ScanContext, account_id: Option<&str>) -> Result<usize, Error> {
    if !cx.clients.several_accounts() {
        return Ok(0);
    }
    let configured = || {
        let named: Vec<String> = cx
            .clients
            .accounts()
            .iter()
            .map(|a| format!("{} ({})", a.name, a.id.as_deref().unwrap_or("id not yet known")))
            .collect();
        named.join(", ")
    };
    let Some(id) = account_id else {
        return Err(Error::refused(
            Refusal::Column,
            format!("account_id (or instance_arn) is required with several accounts: {}", configured()),
        ));
    };
    match cx.clients.account_with_id(id).await? {
        Some(index) => Ok(index),
        None => Err(Error::refused(
            Refusal::Column,
            format!("account_id '{id}' is not one of the configured accounts: {}", configured()),
        )),
    }
}

/// What a write needs: the scan's context, and how writes behave.
#[derive(Debug, Clone)]
pub(crate) struct WriteContext {
    pub(crate) scan: ScanContext,
    pub(crate) settings: WriteSettings,
}

impl WriteContext {
    pub(crate) fn dry_run(&self) -> bool {
        self.settings.dry_run()
    }
}

/// One statement's scope: the extension the engine puts in the statement's session config.
#[derive(Debug, Clone)]
pub(crate) struct StatementScope {
    pub(crate) scan: ScanContext,
    pub(crate) writes: WriteSettings,
}

impl StatementScope {
    pub(crate) fn write_context(&self) -> WriteContext {
        WriteContext { scan: self.scan.clone(), settings: self.writes.clone() }
    }
}
