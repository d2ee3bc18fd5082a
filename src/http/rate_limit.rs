//! Keyed rate limits: `per_minute` requests a minute per key, with bursts up
//! to the same number.
//!
//! By default each process counts in its own memory (a token bucket): behind
//! a load balancer each instance then limits on its own. With
//! `RAPPORT_RATE_LIMIT_STORE=database` the counts live in PostgreSQL, one row
//! per key updated by a single statement (GCRA: the row holds the time at
//! which the key's bucket is full again), so every instance on that database
//! enforces the same limit, at the cost of one write per request.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::AppError;

pub struct RateLimiter<K> {
    per_minute: u32,
    store: Store<K>,
}

enum Store<K> {
    Memory(Mutex<HashMap<K, Bucket>>),
    /// Rows of `rate_limits` whose keys start with `scope`.
    Database {
        db: DatabaseConnection,
        scope: &'static str,
    },
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    refreshed: Instant,
}

/// Above this many keys, full buckets are dropped so memory stays bounded.
const PRUNE_ABOVE: usize = 10_000;

/// How often the shared store forgets keys whose buckets are full again.
pub const SHARED_PRUNE_EVERY: Duration = Duration::from_secs(60);

impl<K: Hash + Eq + Clone + Display> RateLimiter<K> {
    /// Counts in this process's memory. `per_minute == 0` turns it off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            store: Store::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// Counts in the database's `rate_limits` table (PostgreSQL), under keys
    /// prefixed with `scope`, so limiters of different kinds never share one.
    pub fn shared(per_minute: u32, db: DatabaseConnection, scope: &'static str) -> Self {
        Self {
            per_minute,
            store: Store::Database { db, scope },
        }
    }

    /// Takes one request's worth for `key`, or says when to retry.
    pub async fn check(&self, key: &K) -> Result<(), AppError> {
        if self.per_minute == 0 {
            return Ok(());
        }
        match &self.store {
            Store::Memory(buckets) => self.check_in_memory(buckets, key, Instant::now()),
            Store::Database { db, scope } => self.check_shared(db, &format!("{scope}:{key}")).await,
        }
    }

    fn check_in_memory(
        &self,
        buckets: &Mutex<HashMap<K, Bucket>>,
        key: &K,
        now: Instant,
    ) -> Result<(), AppError> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.refreshed).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: capacity,
            refreshed: now,
        });
        let elapsed = now
            .saturating_duration_since(bucket.refreshed)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.refreshed = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(retry_after((1.0 - bucket.tokens) / per_second))
        }
    }

    /// GCRA in one statement: each request moves the key's arrival time one
    /// interval (60 s / per_minute) later, from now at the earliest, unless
    /// that would put it more than a minute ahead (the burst is used up);
    /// then no row comes back and the request is refused.
    async fn check_shared(&self, db: &DatabaseConnection, key: &str) -> Result<(), AppError> {
        let interval = 60.0 / f64::from(self.per_minute);
        let admitted = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO rate_limits (key, tat) \
                 VALUES ($1, now() + make_interval(secs => $2)) \
                 ON CONFLICT (key) DO UPDATE \
                   SET tat = GREATEST(rate_limits.tat, now()) + make_interval(secs => $2) \
                   WHERE GREATEST(rate_limits.tat, now()) + make_interval(secs => $2) \
                         <= now() + interval '60 seconds' \
                 RETURNING 1 AS admitted",
                [key.into(), interval.into()],
            ))
            .await?;
        if admitted.is_some() {
            return Ok(());
        }
        let ahead = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT EXTRACT(EPOCH FROM (tat - now()))::float8 AS ahead \
                 FROM rate_limits WHERE key = $1",
                [key.into()],
            ))
            .await?
            .map(|row| row.try_get::<f64>("", "ahead"))
            .transpose()?
            .unwrap_or(60.0);
        // Admitted again once one more interval fits within the minute.
        Err(retry_after(ahead + interval - 60.0))
    }
}

/// Forgets the shared keys whose buckets are full again (their time has
/// passed): what keeps `rate_limits` as small as the set of recent clients.
pub async fn prune_shared(db: &DatabaseConnection) -> Result<u64, AppError> {
    let done = db
        .execute_unprepared("DELETE FROM rate_limits WHERE tat < now()")
        .await?;
    Ok(done.rows_affected())
}

fn retry_after(seconds: f64) -> AppError {
    AppError::RateLimited {
        retry_after_secs: (seconds.ceil() as u64).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_past_the_limit_is_refused_then_refills() {
        let limiter = RateLimiter::new(3);
        let Store::Memory(buckets) = &limiter.store else {
            unreachable!()
        };
        let check = |key: &'static str, at| limiter.check_in_memory(buckets, &key, at);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(check("ip", t0).is_ok());
        }
        let err = check("ip", t0).unwrap_err();
        assert!(matches!(
            err,
            AppError::RateLimited {
                retry_after_secs: 20
            }
        ));
        assert!(check("other", t0).is_ok());
        assert!(check("ip", t0 + Duration::from_secs(20)).is_ok());
    }

    #[actix_web::test]
    async fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(limiter.check(&1).await.is_ok());
        }
    }
}
