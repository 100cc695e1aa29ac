//! Fault injection for tests and benchmarks: latency, per-operation token buckets (Connect's
//! published quotas or a flat rate), internal errors at a rate, denied operations, and delayed
//! read-after-write visibility. Deterministic under a seed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// The fault settings of an emulator (all off by default).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added to every call.
    pub latency_ms: u64,
    /// A flat token bucket per operation: (requests per second, burst).
    pub throttle: Option<(f64, f64)>,
    /// Connect's documented per-operation rates, multiplied by this scale.
    pub documented_quotas: Option<f64>,
    /// Read-after-write visibility delay: creates, changes and deletes of users reach readers
    /// this much later.
    pub visibility_delay_ms: u64,
    /// Share of calls answered with InternalServiceException.
    pub error_rate: f64,
    /// Operations answered with AccessDeniedException.
    pub deny: Vec<String>,
    /// Seeds the error-rate draws.
    pub seed: u64,
}

/// AWS's default "Rate of `<Op>` API requests" quotas (requests per second), from the Service
/// Quotas defaults summarised in `shared/connect-api-notes.md` §7.
pub const DOCUMENTED_RPS: &[(&str, f64)] = &[
    ("CreateUser", 2.0),
    ("DescribeUser", 10.0),
    ("ListUsers", 10.0),
    ("SearchUsers", 2.0),
    ("DeleteUser", 2.0),
    ("UpdateUserIdentityInfo", 2.0),
    ("UpdateUserRoutingProfile", 2.0),
    ("UpdateUserSecurityProfiles", 2.0),
    ("UpdateUserPhoneConfig", 2.0),
    ("UpdateUserHierarchy", 2.0),
    ("PutUserStatus", 2.0),
    ("ListUserProficiencies", 10.0),
    ("ListRoutingProfiles", 10.0),
    ("DescribeRoutingProfile", 10.0),
    ("ListSecurityProfiles", 2.0),
    ("DescribeSecurityProfile", 2.0),
    ("ListUserHierarchyGroups", 10.0),
    ("DescribeUserHierarchyGroup", 10.0),
    ("DescribeUserHierarchyStructure", 10.0),
    ("ListInstances", 2.0),
    ("DescribeInstance", 2.0),
    ("TagResource", 2.0),
    ("UntagResource", 2.0),
    ("ListTagsForResource", 2.0),
    ("ListAgentStatuses", 10.0),
];

/// The documented burst is 5 for a rate of 2 (the archived admin guide); other rates keep
/// that ratio.
pub const BURST_PER_RPS: f64 = 2.5;

impl Faults {
    /// The (rate, burst) bucket of an operation, if any applies.
    pub fn bucket_for(&self, operation: &str) -> Option<(f64, f64)> {
        if let Some(scale) = self.documented_quotas {
            let rps = DOCUMENTED_RPS.iter().find(|(op, _)| *op == operation).map_or(2.0, |(_, r)| *r) * scale;
            return Some((rps, (rps * BURST_PER_RPS).max(1.0)));
        }
        self.throttle
    }

    /// Parses `documented` or `documented:SCALE`.
    pub fn parse_quotas(text: &str) -> Result<f64, String> {
        match text.split_once(':') {
            None if text == "documented" => Ok(1.0),
            Some(("documented", scale)) => scale
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .ok_or_else(|| format!("invalid quota scale '{scale}': expected a positive number")),
            _ => Err(format!("invalid --quotas '{text}': expected 'documented' or 'documented:SCALE'")),
        }
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets per account, region and operation, as Connect applies its quotas.
#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<(String, &'static str), Bucket>>,
}

impl Limiter {
    /// Takes a token, or says the call is throttled.
    pub fn admit(&self, scope: &str, operation: &'static str, rate: f64, burst: f64) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let b = buckets.entry((scope.to_owned(), operation)).or_insert(Bucket { tokens: burst, last: now });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A deterministic draw in [0, 1) for the n-th request under a seed (SplitMix64).
pub fn draw(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_quotas_scale_rate_and_burst() {
        let f = Faults { documented_quotas: Some(10.0), ..Faults::default() };
        assert_eq!(f.bucket_for("DescribeUser"), Some((100.0, 250.0)));
        assert_eq!(f.bucket_for("CreateUser"), Some((20.0, 50.0)));
        assert_eq!(Faults::parse_quotas("documented:10"), Ok(10.0));
        assert!(Faults::parse_quotas("documented:-1").is_err());
    }

    #[test]
    fn a_bucket_admits_its_burst_then_throttles() {
        let l = Limiter::default();
        let admitted = (0..10).filter(|_| l.admit("a:r", "ListUsers", 0.001, 5.0)).count();
        assert_eq!(admitted, 5);
    }

    #[test]
    fn draws_are_deterministic_and_spread() {
        assert_eq!(draw(7, 3), draw(7, 3));
        let hits = (0..10_000).filter(|n| draw(1, *n) < 0.1).count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}
