//! What every handler can reach: the database and the process-wide services.

use std::net::IpAddr;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::domain::intersections::cache::NetworkCache;
use crate::http::rate_limit::RateLimiter;

pub struct AppState {
    /// Reads, and writes that are one statement.
    pub db: DatabaseConnection,
    /// Every transaction that writes begins here ([`crate::db::connect_writer`]).
    pub writer: DatabaseConnection,
    pub jwt: JwtKeys,
    /// Register and login, per client address.
    pub auth_limiter: RateLimiter<IpAddr>,
    /// Everything else, per user.
    pub api_limiter: RateLimiter<Uuid>,
    /// Built intersection networks, per user and version.
    pub networks: NetworkCache,
    /// Largest import file in bytes.
    pub import_limit: usize,
}
