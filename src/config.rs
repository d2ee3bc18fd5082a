//! Configuration: defaults in code, overridden by `RAPPORT_*` environment
//! variables. Every variable is documented in the README; secrets are never
//! printed (`Debug` redacts them).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything the service needs to start.
#[derive(Clone)]
pub struct Settings {
    /// Address to listen on (`RAPPORT_BIND`).
    pub bind: SocketAddr,
    pub database: DatabaseSettings,
    /// HS256 key for access tokens (`RAPPORT_JWT_SECRET`). When absent and the
    /// database is a SQLite file, one is generated and kept beside it.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    /// Origins allowed by CORS (`RAPPORT_CORS_ORIGINS`, comma-separated; `*` for any).
    pub cors_origins: Vec<String>,
    /// Largest accepted JSON body in bytes (`RAPPORT_BODY_LIMIT`).
    pub body_limit: usize,
    /// Largest import file in bytes (`RAPPORT_IMPORT_LIMIT`, default 20 MiB).
    pub import_limit: usize,
    /// Requests per minute per client address on register and login
    /// (`RAPPORT_AUTH_RATE_LIMIT`); 0 turns the limit off.
    pub auth_rate_limit_per_minute: u32,
    /// Login attempts per minute per account, whatever their address
    /// (`RAPPORT_LOGIN_RATE_LIMIT`); 0 turns the limit off.
    pub login_rate_limit_per_minute: u32,
    /// Requests per minute per user or token on the rest of the API
    /// (`RAPPORT_API_RATE_LIMIT`); 0 turns the limit off.
    pub api_rate_limit_per_minute: u32,
    /// Where the rate limits keep their counts (`RAPPORT_RATE_LIMIT_STORE`):
    /// `memory` (default, per process) or `database` (shared by every
    /// instance on one PostgreSQL).
    pub rate_limit_store: RateLimitStore,
    /// Users whose built intersection network stays in memory
    /// (`RAPPORT_NETWORK_CACHE`, default 8; 0 turns the cache off).
    pub network_cache_size: usize,
    /// HTTP worker threads (`RAPPORT_WORKERS`); defaults to the number of cores.
    pub workers: Option<usize>,
    /// How often planned interactions that came due refresh their contacts
    /// (`RAPPORT_PLANNED_SWEEP_SECS`, default 60, at least 1).
    pub planned_sweep_every: std::time::Duration,
    pub webhooks: WebhookSettings,
}

/// How webhooks are delivered (`RAPPORT_WEBHOOKS_*`).
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Hosts a subscription may reach over plain `http` (`RAPPORT_WEBHOOKS_ALLOW_HTTP`,
    /// comma-separated host names or addresses; default none: https only).
    pub allow_http_hosts: Vec<String>,
    /// Networks allowed although not public (`RAPPORT_WEBHOOKS_ALLOW_NETWORKS`,
    /// comma-separated CIDR blocks such as `127.0.0.0/8,::1/128`; default none).
    pub allow_networks: Vec<crate::domain::webhooks::policy::Network>,
    /// How long a receiver has to answer (`RAPPORT_WEBHOOKS_TIMEOUT_MS`, default 10,000).
    pub timeout: Duration,
    /// The first retry's delay; each next one is four times longer, capped at
    /// eight hours (`RAPPORT_WEBHOOKS_RETRY_BASE_MS`, default 5,000: ten
    /// attempts span about a day).
    pub retry_base: Duration,
    /// Attempts per delivery before it is `failed` (`RAPPORT_WEBHOOKS_MAX_ATTEMPTS`, default 10).
    pub max_attempts: u32,
    /// A subscription whose receiver has failed without a single success for
    /// this long is disabled (`RAPPORT_WEBHOOKS_DISABLE_AFTER_SECS`, default
    /// 86,400: a day).
    pub disable_after: Duration,
    /// How often due dates are checked for `*.due` events
    /// (`RAPPORT_WEBHOOKS_DUE_SCAN_SECS`, default 60).
    pub due_scan_every: Duration,
}

#[derive(Clone)]
pub struct DatabaseSettings {
    /// `RAPPORT_DATABASE_URL`: `sqlite://path?mode=rwc` or `postgres://...`.
    pub url: String,
    /// Pooled connections (`RAPPORT_DB_POOL_SIZE`).
    pub pool_size: u32,
    /// How long a request waits for a connection before it gets a 503
    /// (`RAPPORT_DB_ACQUIRE_TIMEOUT_MS`).
    pub acquire_timeout: Duration,
    /// Longest a single statement may run on PostgreSQL, and how long SQLite
    /// waits for the write lock (`RAPPORT_DB_STATEMENT_TIMEOUT_MS`).
    pub statement_timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitStore {
    /// Each process counts on its own.
    Memory,
    /// One count per key in the database, shared by every instance.
    Database,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

pub const DEFAULT_DATABASE_URL: &str = "sqlite://rapport.db?mode=rwc";

impl DatabaseSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }

    /// The file behind a SQLite URL, or `None` for an in-memory database or
    /// another backend.
    pub fn sqlite_file(&self) -> Option<&str> {
        let rest = self.url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then_some(path)
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let url = get("RAPPORT_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let default_pool = if url.starts_with("sqlite:") { 8 } else { 10 };
        let database = DatabaseSettings {
            url,
            pool_size: parse(&get, "RAPPORT_DB_POOL_SIZE", default_pool)?,
            acquire_timeout: Duration::from_millis(parse(
                &get,
                "RAPPORT_DB_ACQUIRE_TIMEOUT_MS",
                3_000,
            )?),
            statement_timeout: Duration::from_millis(parse(
                &get,
                "RAPPORT_DB_STATEMENT_TIMEOUT_MS",
                5_000,
            )?),
        };
        if !database.is_sqlite() && !database.is_postgres() {
            return Err(ConfigError(
                "RAPPORT_DATABASE_URL must start with sqlite: or postgres://".into(),
            ));
        }
        if database.is_sqlite() && database.sqlite_file().is_none() {
            // Each pooled connection (and the writer) would open its own
            // empty database: the migrations would land in one and requests
            // read another.
            return Err(ConfigError(
                "RAPPORT_DATABASE_URL: an in-memory SQLite database is not supported (each \
                 pooled connection would see its own empty database); name a file, such as \
                 sqlite://rapport.db?mode=rwc"
                    .into(),
            ));
        }
        if database.pool_size == 0 {
            return Err(ConfigError(
                "RAPPORT_DB_POOL_SIZE must be at least 1".into(),
            ));
        }
        let log_format = match get("RAPPORT_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "RAPPORT_LOG_FORMAT must be text or json, not {other:?}"
                )));
            }
        };
        let rate_limit_store = match get("RAPPORT_RATE_LIMIT_STORE").as_deref() {
            None | Some("memory") => RateLimitStore::Memory,
            // On SQLite every request would become a write on the single
            // writer, and one SQLite file serves one process anyway.
            Some("database") if database.is_postgres() => RateLimitStore::Database,
            Some("database") => {
                return Err(ConfigError(
                    "RAPPORT_RATE_LIMIT_STORE=database needs PostgreSQL: one SQLite file \
                     serves one process, whose memory already holds the counts"
                        .into(),
                ));
            }
            Some(other) => {
                return Err(ConfigError(format!(
                    "RAPPORT_RATE_LIMIT_STORE must be memory or database, not {other:?}"
                )));
            }
        };
        let bind = get("RAPPORT_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind
            .parse()
            .map_err(|_| ConfigError(format!("RAPPORT_BIND is not an address: {bind:?}")))?;
        let workers = match get("RAPPORT_WORKERS") {
            None => None,
            Some(_) => Some(parse(&get, "RAPPORT_WORKERS", 1usize)?.max(1)),
        };
        Ok(Self {
            bind,
            database,
            jwt_secret: get("RAPPORT_JWT_SECRET"),
            log_format,
            cors_origins: get("RAPPORT_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            body_limit: parse(&get, "RAPPORT_BODY_LIMIT", 1024 * 1024)?,
            import_limit: parse(&get, "RAPPORT_IMPORT_LIMIT", 20 * 1024 * 1024)?,
            auth_rate_limit_per_minute: parse(&get, "RAPPORT_AUTH_RATE_LIMIT", 10)?,
            login_rate_limit_per_minute: parse(&get, "RAPPORT_LOGIN_RATE_LIMIT", 10)?,
            api_rate_limit_per_minute: parse(&get, "RAPPORT_API_RATE_LIMIT", 6_000)?,
            rate_limit_store,
            network_cache_size: parse(&get, "RAPPORT_NETWORK_CACHE", 8)?,
            workers,
            planned_sweep_every: std::time::Duration::from_secs(
                parse(
                    &get,
                    "RAPPORT_PLANNED_SWEEP_SECS",
                    crate::domain::contacts::sweep::EVERY.as_secs(),
                )?
                .max(1),
            ),
            webhooks: WebhookSettings::from_lookup(&get)?,
        })
    }
}

impl WebhookSettings {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let list = |key: &str| -> Vec<String> {
            get(key)
                .map(|v| {
                    v.split(',')
                        .map(|item| item.trim().to_ascii_lowercase())
                        .filter(|item| !item.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let allow_networks = list("RAPPORT_WEBHOOKS_ALLOW_NETWORKS")
            .iter()
            .map(|block| {
                crate::domain::webhooks::policy::Network::parse(block).ok_or_else(|| {
                    ConfigError(format!(
                        "RAPPORT_WEBHOOKS_ALLOW_NETWORKS: {block:?} is not a network such as 10.0.0.0/8"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            allow_http_hosts: list("RAPPORT_WEBHOOKS_ALLOW_HTTP"),
            allow_networks,
            timeout: Duration::from_millis(
                parse(get, "RAPPORT_WEBHOOKS_TIMEOUT_MS", 10_000u64)?.max(1),
            ),
            retry_base: Duration::from_millis(
                parse(get, "RAPPORT_WEBHOOKS_RETRY_BASE_MS", 5_000u64)?.max(1),
            ),
            max_attempts: parse(get, "RAPPORT_WEBHOOKS_MAX_ATTEMPTS", 10u32)?.clamp(1, 30),
            disable_after: Duration::from_secs(parse(
                get,
                "RAPPORT_WEBHOOKS_DISABLE_AFTER_SECS",
                86_400u64,
            )?),
            due_scan_every: Duration::from_secs(
                parse(get, "RAPPORT_WEBHOOKS_DUE_SCAN_SECS", 60u64)?.max(1),
            ),
        })
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> Result<T, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{key} is not a valid number: {raw:?}"))),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database.url))
            .field("pool_size", &self.database.pool_size)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("log_format", &self.log_format)
            .field("cors_origins", &self.cors_origins)
            .field("body_limit", &self.body_limit)
            .field("import_limit", &self.import_limit)
            .field(
                "auth_rate_limit_per_minute",
                &self.auth_rate_limit_per_minute,
            )
            .field(
                "login_rate_limit_per_minute",
                &self.login_rate_limit_per_minute,
            )
            .field("api_rate_limit_per_minute", &self.api_rate_limit_per_minute)
            .field("rate_limit_store", &self.rate_limit_store)
            .field("network_cache_size", &self.network_cache_size)
            .field("planned_sweep_every", &self.planned_sweep_every)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

/// Hides the password of a `postgres://user:password@host` URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database.sqlite_file(), Some("rapport.db"));
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_number_is_refused_with_the_variable_name() {
        let err = settings(&[("RAPPORT_BODY_LIMIT", "lots")]).err().unwrap();
        assert!(err.to_string().contains("RAPPORT_BODY_LIMIT"));
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        assert!(settings(&[("RAPPORT_DATABASE_URL", "mysql://x")]).is_err());
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/rapport"),
            "postgres://app:***@db:5432/rapport"
        );
        let s = settings(&[("RAPPORT_JWT_SECRET", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t")]).unwrap();
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn an_in_memory_sqlite_database_is_refused_with_a_reason() {
        let err = settings(&[("RAPPORT_DATABASE_URL", "sqlite::memory:")])
            .err()
            .unwrap();
        assert!(err.to_string().contains("in-memory"), "{err}");
    }

    #[test]
    fn shared_rate_limits_need_postgres() {
        assert_eq!(
            settings(&[]).unwrap().rate_limit_store,
            RateLimitStore::Memory
        );
        let err = settings(&[("RAPPORT_RATE_LIMIT_STORE", "database")])
            .err()
            .unwrap();
        assert!(err.to_string().contains("needs PostgreSQL"));
        let shared = settings(&[
            ("RAPPORT_DATABASE_URL", "postgres://app@db/rapport"),
            ("RAPPORT_RATE_LIMIT_STORE", "database"),
        ])
        .unwrap();
        assert_eq!(shared.rate_limit_store, RateLimitStore::Database);
        assert!(settings(&[("RAPPORT_RATE_LIMIT_STORE", "redis")]).is_err());
    }

    #[test]
    fn sqlite_memory_urls_have_no_file() {
        let db = |url: &str| DatabaseSettings {
            url: url.into(),
            pool_size: 1,
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(1),
        };
        assert_eq!(db("sqlite::memory:").sqlite_file(), None);
        assert_eq!(
            db("sqlite:///tmp/x.db?mode=rwc").sqlite_file(),
            Some("/tmp/x.db")
        );
    }
}
