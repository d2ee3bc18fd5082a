//! The outbox: an event is written in the transaction of the change that
//! caused it, with one delivery row per subscription that wants it. Nothing
//! is sent here; [`super::delivery`] sends what was committed. A change that
//! rolls back takes its event with it, and a committed event survives
//! restarts until it is delivered.

use chrono::{DateTime, Utc};
use entity::{webhook, webhook_delivery, webhook_event};
use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set, TryInsertResult,
};
use serde::Serialize;
use tokio::sync::Notify;
use uuid::Uuid;

use super::{EventType, stored_types};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// Wakes the delivery worker when a write commits, so an event goes out at
/// once rather than at the next poll.
static COMMITTED: Notify = Notify::const_new();

/// Called after every commit that may have written events.
pub fn committed() {
    COMMITTED.notify_one();
}

/// Resolves at the next [`committed`] (or at once if one came since the
/// last wait).
pub async fn next_commit() {
    COMMITTED.notified().await;
}

/// What a receiver gets: the body of every delivery.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    /// The event's id, also sent as `webhook-id`: the same on every retry,
    /// so receivers can drop duplicates.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub data: &'a T,
}

/// The data of a deletion event: the resource is gone, its id remains.
#[derive(Debug, Serialize)]
pub struct Deleted {
    pub id: Uuid,
}

/// Records `kind` with `data` for every enabled subscription of the owner's
/// that wants it; writes nothing when none does.
pub async fn emit<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
    data: &T,
) -> Result<(), AppError> {
    write(db, owner, kind, data, None).await.map(|_| ())
}

/// [`emit`] once per `key`: an event already recorded with the same key is
/// not recorded again (a due date reached fires once, across restarts and
/// instances). Says whether it was recorded.
pub async fn emit_once<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
    data: &T,
    key: String,
) -> Result<bool, AppError> {
    write(db, owner, kind, data, Some(key)).await
}

/// [`emit`] for each of many resources (an import): the subscriptions are
/// read once and rows written a hundred per statement. `items` is only
/// walked when someone subscribes (most accounts have no subscription, and
/// an import's rows then need not become resources at all).
pub async fn emit_each<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
    items: impl ExactSizeIterator<Item = T>,
) -> Result<(), AppError> {
    if items.len() == 0 {
        return Ok(());
    }
    let hooks = subscribers(db, owner, kind).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        let (event, _) = event_row(owner, kind, &item, None, now)?;
        events.push(event);
    }
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let ids: Vec<Uuid> = chunk.iter().map(|e| e.id).collect();
        webhook_event::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(|e| e.into_active_model().reset_all()),
        )
        .exec_without_returning(db)
        .await?;
        webhook_delivery::Entity::insert_many(ids.iter().flat_map(|id| {
            hooks
                .iter()
                .map(move |hook| delivery_row(owner, hook.id, *id, now))
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// [`emit`] to one subscription only, whatever the types it wants (a test
/// event).
pub async fn emit_to<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    webhook_id: Uuid,
    kind: EventType,
    data: &T,
) -> Result<Option<Uuid>, AppError> {
    let hooks = vec![owner.get::<webhook::Entity>(db, webhook_id).await?];
    insert(db, owner, kind, data, None, &hooks).await
}

/// Whether any enabled subscription wants `kind`: work done only to emit
/// an event is skipped otherwise.
pub async fn wanted(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
) -> Result<bool, AppError> {
    Ok(!subscribers(db, owner, kind).await?.is_empty())
}

/// Which of `keys` ([`emit_once`]) were used already: looked up together,
/// rather than trying to record each again.
pub async fn already_emitted(
    db: &impl ConnectionTrait,
    owner: Owner,
    keys: &[String],
) -> Result<HashSet<String>, AppError> {
    let mut used = HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<Option<String>> = owner
            .find::<webhook_event::Entity>()
            .select_only()
            .column(webhook_event::Column::DedupeKey)
            .filter(webhook_event::Column::DedupeKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        used.extend(found.into_iter().flatten());
    }
    Ok(used)
}

/// The enabled subscriptions that want `kind`.
pub async fn subscribers(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
) -> Result<Vec<webhook::Model>, AppError> {
    let enabled = owner
        .find::<webhook::Entity>()
        .filter(webhook::Column::Enabled.eq(true))
        .all(db)
        .await?;
    Ok(enabled
        .into_iter()
        .filter(|w| {
            let wanted = stored_types(&w.event_types);
            wanted.is_empty() && kind != EventType::WebhookTest || wanted.contains(&kind)
        })
        .collect())
}

/// Events per `INSERT` when many are written together.
const ROWS_PER_INSERT: usize = 100;

async fn write<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
    data: &T,
    key: Option<String>,
) -> Result<bool, AppError> {
    let hooks = subscribers(db, owner, kind).await?;
    if hooks.is_empty() {
        return Ok(false);
    }
    Ok(insert(db, owner, kind, data, key, &hooks).await?.is_some())
}

fn event_row<T: Serialize>(
    owner: Owner,
    kind: EventType,
    data: &T,
    key: Option<String>,
    now: DateTime<Utc>,
) -> Result<(webhook_event::Model, Uuid), AppError> {
    let id = Uuid::now_v7();
    let payload = serde_json::to_string(&Envelope {
        id,
        kind: kind.as_str(),
        occurred_at: now,
        data,
    })
    .map_err(AppError::internal)?;
    let event = webhook_event::Model {
        id,
        owner_id: owner.id(),
        kind: kind.as_str().into(),
        occurred_at: now,
        payload,
        dedupe_key: key,
    };
    Ok((event, id))
}

fn delivery_row(
    owner: Owner,
    webhook_id: Uuid,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_id: Set(owner.id()),
        webhook_id: Set(webhook_id),
        event_id: Set(event_id),
        state: Set(super::deliveries::PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        locked_until: Set(None),
        log: Set("[]".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn insert<T: Serialize>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: EventType,
    data: &T,
    key: Option<String>,
    hooks: &[webhook::Model],
) -> Result<Option<Uuid>, AppError> {
    let now = Utc::now();
    let (event, id) = event_row(owner, kind, data, key, now)?;
    let inserted = webhook_event::Entity::insert(event.into_active_model().reset_all())
        .on_conflict_do_nothing_on([
            webhook_event::Column::OwnerId,
            webhook_event::Column::DedupeKey,
        ])
        .exec_without_returning(db)
        .await?;
    // A key already used: the event happened before.
    if !matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
        return Ok(None);
    }
    webhook_delivery::Entity::insert_many(
        hooks
            .iter()
            .map(|hook| delivery_row(owner, hook.id, id, now)),
    )
    .exec_without_returning(db)
    .await?;
    Ok(Some(id))
}
