//! HTTP plumbing shared by every route: request ids and access logs, the JSON,
//! query and path extractors that answer in problem+json, conditional requests,
//! rate limiting, and the fallback that tells 404 from 405.

pub mod conditional;
pub mod cors;
pub mod extract;
pub mod fallback;
pub mod freshness;
pub mod idempotency;
pub mod rate_limit;
pub mod request_id;
