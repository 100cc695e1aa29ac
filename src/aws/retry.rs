//! Retry decisions beyond the SDK's: a resource quota (`LimitExceededException`, HTTP 429) is not
//! throttling and is never retried, so the row fails at once with the service's message; every
//! other retry is the SDK's standard one, bounded per call by `--max-attempts`.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction, RetryClassifierPriority};

/// Forbids retrying answers that no retry can change.
#[derive(Debug, Default)]
pub(crate) struct NoRetryOnQuota;

/// Error codes that mean a quota or a conflict, not a passing condition.
const FINAL_CODES: &[&str] = &["LimitExceededException", "ServiceQuotaExceededException"];

impl ClassifyRetry for NoRetryOnQuota {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let code =
            ctx.response().and_then(|r| r.headers().get("x-amzn-errortype")).map(|c| c.split(':').next().unwrap_or(c));
        match code {
            Some(c) if FINAL_CODES.contains(&c) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "connectql::NoRetryOnQuota"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // Before the SDK's classifiers, which would call LimitExceededException throttling.
        RetryClassifierPriority::run_before(RetryClassifierPriority::http_status_code_classifier())
    }
}
