//! The Amazon Connect client side: clients per region from aws-config, pacing, retry decisions,
//! call accounting, and SDK errors turned into typed failures.

pub(crate) mod client;
pub(crate) mod errors;
pub(crate) mod pacing;
pub(crate) mod retry;
pub(crate) mod stats;
