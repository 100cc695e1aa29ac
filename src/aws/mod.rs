//! The Amazon Connect client side: clients per region from aws-config, call accounting, and
//! SDK errors turned into messages that name the operation and carry the service's own words.

pub mod client;
pub mod errors;
pub mod pacing;
pub mod stats;
