//! Time-based events: when a follow-up, a next step, a keep-in-touch date
//! or a revisit date reaches today, its `*.due` event fires, once per item
//! and due date (the outbox's dedupe key), whatever the restarts and however
//! many instances scan.
//!
//! Only accounts with an enabled subscription are scanned, and only dates
//! from [`LOOKBACK_DAYS`] ago (and not before the subscription existed):
//! what fell due while the service was down that long still fires; what was
//! overdue before anyone subscribed does not flood a new receiver.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::webhook;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::EventType;
use super::outbox;
use crate::domain::agenda::{self, AgendaItem, AgendaKind, AgendaParams};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How far back a scan looks for due dates.
pub const LOOKBACK_DAYS: i64 = 7;

/// Scans every `every`, forever.
pub async fn run(db: DatabaseConnection, every: StdDuration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match scan(&db).await {
            Ok(0) => {}
            Ok(fired) => {
                tracing::info!(fired, "due dates reached: events recorded");
                outbox::committed();
            }
            Err(err) => tracing::warn!(error = %err, "scanning due dates failed"),
        }
    }
}

/// The event a due agenda item fires, if any.
fn event_of(kind: AgendaKind) -> Option<EventType> {
    match kind {
        AgendaKind::FollowUp => Some(EventType::FollowUpDue),
        AgendaKind::NextStep => Some(EventType::NextStepDue),
        AgendaKind::KeepInTouch => Some(EventType::TouchDue),
        AgendaKind::Revisit => Some(EventType::RevisitDue),
        AgendaKind::Event | AgendaKind::Planned => None,
    }
}

/// The key that makes an item's event fire once per due date.
fn key(kind: EventType, item: &AgendaItem) -> String {
    let subject = item
        .interaction_id
        .or_else(|| item.contacts.first().map(|c| c.id))
        .unwrap_or_default();
    format!("{}:{subject}:{}", kind.as_str(), item.due_on)
}

/// One pass over every subscribed account; returns the events recorded.
pub async fn scan(db: &DatabaseConnection) -> Result<usize, AppError> {
    let subscribed: Vec<(Uuid, chrono::DateTime<Utc>)> = webhook::Entity::find()
        .select_only()
        .column(webhook::Column::OwnerId)
        .column(webhook::Column::CreatedAt)
        .filter(webhook::Column::Enabled.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    let mut first_subscribed: std::collections::BTreeMap<Uuid, chrono::DateTime<Utc>> =
        std::collections::BTreeMap::new();
    for (owner, at) in subscribed {
        let entry = first_subscribed.entry(owner).or_insert(at);
        *entry = (*entry).min(at);
    }
    let mut fired = 0;
    for (owner, since) in first_subscribed {
        fired += scan_owner(db, Owner::new(owner), since).await?;
    }
    Ok(fired)
}

async fn scan_owner(
    db: &DatabaseConnection,
    owner: Owner,
    subscribed_at: chrono::DateTime<Utc>,
) -> Result<usize, AppError> {
    let today = Utc::now().date_naive();
    let from = (today - Duration::days(LOOKBACK_DAYS)).max(subscribed_at.date_naive());
    let mut due: Vec<(EventType, String, AgendaItem)> = Vec::new();
    let mut cursor = Some(agenda::cursor_from(from));
    while let Some(position) = cursor {
        let page = agenda::agenda(
            db,
            owner,
            AgendaParams {
                until: Some(today),
                limit: Some(200),
                cursor: Some(position),
            },
        )
        .await?;
        for item in page.data {
            if let Some(kind) = event_of(item.kind) {
                due.push((kind, key(kind, &item), item));
            }
        }
        cursor = page.next_cursor;
    }
    if due.is_empty() {
        return Ok(0);
    }
    // Most items fired on an earlier scan.
    let keys: Vec<String> = due.iter().map(|(_, key, _)| key.clone()).collect();
    let already = outbox::already_emitted(db, owner, &keys).await?;
    due.retain(|(_, key, _)| !already.contains(key));
    if due.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let mut fired = 0;
    for (kind, key, item) in due {
        if outbox::emit_once(&txn, owner, kind, &item, key).await? {
            fired += 1;
        }
    }
    txn.commit().await?;
    Ok(fired)
}
