//! What every handler can reach: the domain and the process-wide services.

use std::net::IpAddr;

use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::domain::context::Domain;
use crate::http::rate_limit::RateLimiter;

pub struct AppState {
    /// Connections, transactions and fresh intersections.
    pub domain: Domain,
    pub jwt: JwtKeys,
    /// Register and login, per client address.
    pub auth_limiter: RateLimiter<IpAddr>,
    /// Login, per account (the email as sent, lower-cased): guessing one
    /// account's password from many addresses.
    pub login_limiter: RateLimiter<String>,
    /// Everything else, per user.
    pub api_limiter: RateLimiter<Uuid>,
    /// Largest import file in bytes.
    pub import_limit: usize,
    /// Where webhooks may be delivered.
    pub webhooks: std::sync::Arc<crate::domain::webhooks::Webhooks>,
}
