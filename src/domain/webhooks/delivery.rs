//! The delivery worker: claims due deliveries, sends them signed, and
//! records each attempt.
//!
//! Guarantees (documented in the README): at least once — a delivery is
//! marked done only after a 2xx, and a worker that dies mid-send loses its
//! claim after a lease (twice the timeout and ten seconds), so another (or the restarted one) sends again; the
//! same event keeps its `webhook-id`, so receivers can drop duplicates.
//! Order: each subscription's due deliveries are sent one after another in
//! the order of their events, but a retry waits while later events go out,
//! so a receiver must order by `occurred_at` (or the id, a UUIDv7) when
//! order matters. Several instances on one PostgreSQL claim with
//! `FOR UPDATE SKIP LOCKED`, never the same delivery twice; on SQLite the
//! single writer serialises claims.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use entity::{webhook, webhook_delivery, webhook_event};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::deliveries::{Attempt, FAILED, LOG_MAX, PENDING, SUCCEEDED, log_of};
use super::policy::PolicyResolver;
use super::{Refusal, Webhooks, signing};
use crate::error::AppError;

/// How long a claim holds a delivery: longer than an attempt can take (the
/// receiver's timeout, twice, and a margin), short enough that a crashed
/// worker's deliveries are soon sent by another.
fn lease(timeout: StdDuration) -> StdDuration {
    timeout * 2 + StdDuration::from_secs(10)
}
/// Deliveries claimed per round.
const BATCH: u64 = 64;
/// How often the worker looks for retries that came due, when no write
/// woke it.
const POLL: StdDuration = StdDuration::from_millis(500);
/// The longest wait between two attempts.
const MAX_DELAY: StdDuration = StdDuration::from_secs(8 * 3600);
/// How much of a receiver's answer is read (the rest is dropped).
const BODY_LIMIT: usize = 64 * 1024;

/// Counts since the process started, logged with each outcome.
static DELIVERED: AtomicU64 = AtomicU64::new(0);
static RETRIED: AtomicU64 = AtomicU64::new(0);
static FAILED_FOR_GOOD: AtomicU64 = AtomicU64::new(0);

#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    sender: Sender,
}

/// Sends events over HTTP, signed, where the policy allows.
pub struct Sender {
    hooks: Arc<Webhooks>,
    client: reqwest::Client,
}

/// What one attempt gave.
#[derive(Debug)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

impl Sender {
    pub fn new(hooks: Arc<Webhooks>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(hooks.settings.timeout)
            .connect_timeout(hooks.settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the policy.
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver {
                policy: hooks.policy.clone(),
            }))
            .user_agent(concat!("Rapport-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { hooks, client })
    }

    /// Sends one event to one subscription.
    pub async fn send(&self, hook: &webhook::Model, event: &webhook_event::Model) -> Outcome {
        let started = Instant::now();
        let refused = |error: String| Outcome {
            status_code: None,
            latency_ms: 0,
            error: Some(error),
        };
        // Names go through the policy's resolver; the rest is vetted here.
        let url = match self.hooks.vet(&hook.url) {
            Ok(vetted) => vetted.url,
            Err(Refusal::Address(ip)) => {
                return refused(format!(
                    "{ip} is not an address webhooks may be delivered to"
                ));
            }
            Err(Refusal::PlainHttp | Refusal::NotWeb) => {
                return refused("plain http is not allowed to this host".into());
            }
            Err(Refusal::Unparsable) => return refused("the URL does not parse".into()),
            Err(refusal) => return refused(format!("the URL is refused ({refusal:?})")),
        };
        let now = Utc::now();
        let timestamp = now.timestamp();
        let id = event.id.to_string();
        let mut secrets = vec![hook.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&hook.previous_secret, hook.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous.as_str());
        }
        let signature = signing::header(&secrets, &id, timestamp, event.payload.as_bytes());
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(event.payload.clone())
            .send()
            .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match sent {
            Ok(mut response) => {
                let status = response.status();
                // Read a little of the answer, so the connection can be
                // reused; never more.
                let mut read = 0usize;
                while read < BODY_LIMIT {
                    match response.chunk().await {
                        Ok(Some(chunk)) => read += chunk.len(),
                        _ => break,
                    }
                }
                Outcome {
                    status_code: Some(status.as_u16()),
                    latency_ms,
                    error: (!status.is_success()).then(|| {
                        if status.is_redirection() {
                            format!("answered {status}; redirects are not followed")
                        } else {
                            format!("answered {status}")
                        }
                    }),
                }
            }
            Err(err) => Outcome {
                status_code: None,
                latency_ms,
                error: Some(describe(&err)),
            },
        }
    }
}

impl Deliverer {
    pub fn new(db: DatabaseConnection, hooks: Arc<Webhooks>) -> anyhow::Result<Self> {
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                sender: Sender::new(hooks)?,
            }),
        })
    }

    /// Runs forever: a round whenever a write commits or a retry comes due.
    pub async fn run(self) {
        loop {
            match self.round().await {
                Ok(0) => {
                    tokio::select! {
                        () = super::outbox::next_commit() => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "webhook delivery round failed");
                    tokio::time::sleep(POLL * 4).await;
                }
            }
        }
    }

    /// Claims what is due and sends it; returns how many were sent.
    pub async fn round(&self) -> Result<usize, AppError> {
        let lease = lease(self.inner.sender.hooks.settings.timeout);
        let claimed = claim(&self.inner.db, BATCH, lease).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let count = claimed.len();
        let hook_ids: Vec<Uuid> = claimed.iter().map(|d| d.webhook_id).collect();
        let event_ids: Vec<Uuid> = claimed.iter().map(|d| d.event_id).collect();
        let hooks = webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(hook_ids))
            .all(&self.inner.db)
            .await?;
        let events = webhook_event::Entity::find()
            .filter(webhook_event::Column::Id.is_in(event_ids))
            .all(&self.inner.db)
            .await?;
        // One task per subscription; within it, events in order.
        let mut per_hook: BTreeMap<Uuid, Vec<webhook_delivery::Model>> = BTreeMap::new();
        for delivery in claimed {
            per_hook
                .entry(delivery.webhook_id)
                .or_default()
                .push(delivery);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (hook_id, mut deliveries) in per_hook {
            let Some(hook) = hooks.iter().find(|h| h.id == hook_id).cloned() else {
                continue;
            };
            deliveries.sort_by_key(|d| d.event_id);
            let batch: Vec<_> = deliveries
                .into_iter()
                .filter_map(|d| {
                    let event = events.iter().find(|e| e.id == d.event_id)?.clone();
                    Some((d, event))
                })
                .collect();
            let this = self.clone();
            tasks.spawn(async move {
                let mut outcomes = Vec::with_capacity(batch.len());
                for (delivery, event) in batch {
                    let outcome = this.inner.sender.send(&hook, &event).await;
                    outcomes.push((delivery, outcome));
                }
                if let Err(err) = this.record(&hook, outcomes).await {
                    tracing::warn!(error = %err, webhook_id = %hook.id, "recording webhook attempts failed");
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(count)
    }

    /// Writes the outcomes of a subscription's attempts, in one transaction:
    /// each delivery's state and log, and the subscription's run of failures
    /// (which may disable it).
    async fn record(
        &self,
        hook: &webhook::Model,
        outcomes: Vec<(webhook_delivery::Model, Outcome)>,
    ) -> Result<(), AppError> {
        let settings = &self.inner.sender.hooks.settings;
        let txn = crate::db::begin_write(&self.inner.db).await?;
        let stored = webhook::Entity::find_by_id(hook.id).one(&txn).await?;
        let Some(stored) = stored else {
            // Deleted meanwhile: its deliveries went with it.
            return Ok(());
        };
        let mut failing_since = stored.failing_since;
        let mut disabled: Option<String> = None;
        let mut lines = Vec::with_capacity(outcomes.len());
        for (delivery, outcome) in &outcomes {
            let now = Utc::now();
            let mut log = log_of(delivery);
            let number = log.last().map_or(1, |a| a.attempt + 1);
            log.push(Attempt {
                attempt: number,
                at: now,
                status_code: outcome.status_code,
                latency_ms: outcome.latency_ms,
                error: outcome.error.clone(),
            });
            if log.len() > LOG_MAX {
                log.drain(..log.len() - LOG_MAX);
            }
            let attempts = delivery.attempts + 1;
            let (state, next) = if outcome.succeeded() {
                failing_since = None;
                (SUCCEEDED, None)
            } else {
                match failing_since {
                    None => failing_since = Some(now),
                    Some(since)
                        if disabled.is_none()
                            && (now - since).to_std().unwrap_or_default()
                                >= settings.disable_after =>
                    {
                        disabled = Some(format!(
                            "Disabled at {}: every attempt since {} failed (last: {}).",
                            now.format("%Y-%m-%dT%H:%M:%SZ"),
                            since.format("%Y-%m-%dT%H:%M:%SZ"),
                            outcome.error.as_deref().unwrap_or("no answer"),
                        ));
                    }
                    Some(_) => {}
                }
                if u32::try_from(attempts).unwrap_or(u32::MAX) >= settings.max_attempts {
                    (FAILED, None)
                } else {
                    (PENDING, Some(now + backoff(settings.retry_base, attempts)))
                }
            };
            webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::State, Expr::value(state))
                .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
                .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
                .col_expr(
                    webhook_delivery::Column::LockedUntil,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                )
                .col_expr(
                    webhook_delivery::Column::Log,
                    Expr::value(serde_json::to_string(&log).unwrap_or_else(|_| "[]".into())),
                )
                .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
                .filter(webhook_delivery::Column::Id.eq(delivery.id))
                .exec(&txn)
                .await?;
            lines.push((delivery.id, state, number, outcome));
        }
        let mut change = webhook::Entity::update_many()
            .col_expr(webhook::Column::FailingSince, Expr::value(failing_since))
            .filter(webhook::Column::Id.eq(hook.id));
        if let Some(reason) = &disabled {
            change = change
                .col_expr(webhook::Column::Enabled, Expr::value(false))
                .col_expr(
                    webhook::Column::DisabledReason,
                    Expr::value(Some(reason.clone())),
                )
                .col_expr(webhook::Column::UpdatedAt, Expr::value(Utc::now()));
        }
        if failing_since != stored.failing_since || disabled.is_some() {
            change.exec(&txn).await?;
        }
        txn.commit().await?;
        if disabled.is_some() {
            tracing::warn!(webhook_id = %hook.id, "webhook disabled: its receiver kept failing");
        }
        for (delivery_id, state, attempt, outcome) in lines {
            let counter = match state {
                SUCCEEDED => &DELIVERED,
                PENDING => &RETRIED,
                _ => &FAILED_FOR_GOOD,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                webhook_id = %hook.id,
                delivery_id = %delivery_id,
                outcome = state,
                attempt,
                status_code = outcome.status_code,
                latency_ms = outcome.latency_ms,
                error = outcome.error.as_deref(),
                delivered_total = DELIVERED.load(Ordering::Relaxed),
                retried_total = RETRIED.load(Ordering::Relaxed),
                failed_total = FAILED_FOR_GOOD.load(Ordering::Relaxed),
                "webhook attempt"
            );
        }
        Ok(())
    }
}

/// The wait after the `attempts`-th failure: `base`, then four times
/// longer each time, capped at eight hours, with ±25 % jitter so that
/// deliveries failing together do not retry together.
pub fn backoff(base: StdDuration, attempts: i32) -> Duration {
    let exponent = Ord::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 20);
    let plain = base
        .saturating_mul(4u32.saturating_pow(exponent))
        .min(MAX_DELAY);
    let jitter = rand::rng().random_range(0.75..1.25);
    Duration::from_std(plain.mul_f64(jitter)).unwrap_or(Duration::hours(8))
}

/// A transport error in words, without the URL (it is on the subscription).
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// Takes up to `limit` due deliveries of enabled subscriptions for
/// `lease`. On PostgreSQL, rows another instance is claiming are skipped
/// (`FOR UPDATE SKIP LOCKED`).
async fn claim(
    db: &DatabaseConnection,
    limit: u64,
    lease: StdDuration,
) -> Result<Vec<webhook_delivery::Model>, AppError> {
    use webhook_delivery::Column as D;
    let now = Utc::now();
    let lease = now + Duration::from_std(lease).unwrap_or(Duration::minutes(2));
    let enabled = Query::select()
        .column(webhook::Column::Id)
        .from(webhook::Entity)
        .and_where(Expr::col(webhook::Column::Enabled).eq(true))
        .to_owned();
    let mut due = Query::select()
        .column(D::Id)
        .from(webhook_delivery::Entity)
        .and_where(Expr::col(D::State).eq(PENDING))
        .and_where(Expr::col(D::NextAttemptAt).lte(now))
        .cond_where(
            sea_orm::Condition::any()
                .add(Expr::col(D::LockedUntil).is_null())
                .add(Expr::col(D::LockedUntil).lt(now)),
        )
        .and_where(Expr::col(D::WebhookId).in_subquery(enabled))
        .order_by(D::NextAttemptAt, sea_orm::Order::Asc)
        .order_by(D::Id, sea_orm::Order::Asc)
        .limit(limit)
        .to_owned();
    if db.get_database_backend() == DbBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let txn = crate::db::begin_write(db).await?;
    let claimed = webhook_delivery::Entity::update_many()
        .col_expr(D::LockedUntil, Expr::value(Some(lease)))
        .filter(D::Id.in_subquery(due))
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WebhookSettings;

    fn sender(allow_networks: &str) -> Sender {
        let settings = WebhookSettings {
            allow_http_hosts: vec!["localhost".into(), "127.0.0.1".into()],
            allow_networks: allow_networks
                .split(',')
                .filter_map(super::super::policy::Network::parse)
                .collect(),
            timeout: StdDuration::from_secs(2),
            retry_base: StdDuration::from_millis(10),
            max_attempts: 3,
            disable_after: StdDuration::from_secs(60),
            due_scan_every: StdDuration::from_secs(60),
        };
        Sender::new(Arc::new(Webhooks::new(settings))).unwrap()
    }

    fn hook(url: String) -> webhook::Model {
        let now = Utc::now();
        webhook::Model {
            id: Uuid::now_v7(),
            owner_id: Uuid::now_v7(),
            url,
            description: None,
            event_types: "[]".into(),
            enabled: true,
            secret: signing::new_secret(),
            previous_secret: None,
            previous_secret_expires_at: None,
            disabled_reason: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn event() -> webhook_event::Model {
        webhook_event::Model {
            id: Uuid::now_v7(),
            owner_id: Uuid::now_v7(),
            kind: "webhook.test".into(),
            occurred_at: Utc::now(),
            payload: "{}".into(),
            dedupe_key: None,
        }
    }

    /// Nothing may connect to the listener: a refusal happens before.
    async fn assert_untouched(listener: &tokio::net::TcpListener) {
        let accepted = tokio::time::timeout(StdDuration::from_millis(300), listener.accept()).await;
        assert!(accepted.is_err(), "the refused address was connected to");
    }

    #[tokio::test]
    async fn loopback_is_refused_by_address_and_by_name_without_a_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sender = sender("");
        let by_address = sender
            .send(&hook(format!("http://127.0.0.1:{port}/hook")), &event())
            .await;
        assert!(
            by_address
                .error
                .as_deref()
                .unwrap()
                .contains("not an address"),
            "{by_address:?}"
        );
        // A name is resolved at delivery and only allowed addresses are kept:
        // `localhost` may have been public when the subscription was made.
        let by_name = sender
            .send(&hook(format!("http://localhost:{port}/hook")), &event())
            .await;
        assert!(by_name.status_code.is_none(), "{by_name:?}");
        assert!(
            by_name
                .error
                .as_deref()
                .unwrap()
                .contains("resolves to no address"),
            "{by_name:?}"
        );
        assert_untouched(&listener).await;
    }

    #[tokio::test]
    async fn plain_http_is_refused_to_hosts_not_allowed() {
        let sender = sender("127.0.0.0/8");
        let outcome = sender
            .send(&hook("http://example.com/hook".into()), &event())
            .await;
        assert!(outcome.error.as_deref().unwrap().contains("plain http"));
    }

    #[tokio::test]
    async fn an_allowed_network_is_delivered_to() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sender = sender("127.0.0.0/8");
        let answer = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = vec![0u8; 8192];
            let read = socket.read(&mut buffer).await.unwrap();
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&buffer[..read]).to_string()
        });
        let outcome = sender
            .send(&hook(format!("http://localhost:{port}/hook")), &event())
            .await;
        assert_eq!(outcome.status_code, Some(204), "{outcome:?}");
        assert!(outcome.succeeded());
        let request = answer.await.unwrap();
        assert!(request.contains("webhook-signature: v1,"), "{request}");
    }

    #[test]
    fn retries_back_off_four_times_longer_each_time_within_a_cap() {
        let base = StdDuration::from_secs(5);
        for (attempts, plain) in [(1, 5), (2, 20), (3, 80), (4, 320)] {
            let delay = backoff(base, attempts).num_milliseconds() as f64 / 1000.0;
            assert!(
                (plain as f64 * 0.75..=plain as f64 * 1.25).contains(&delay),
                "{attempts}: {delay}"
            );
        }
        assert!(backoff(base, 30) <= Duration::hours(10));
        let day: i64 = (1..=9).map(|n| backoff(base, n).num_seconds()).sum();
        assert!((12 * 3600..=36 * 3600).contains(&day), "{day}");
    }
}
