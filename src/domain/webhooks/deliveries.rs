//! A subscription's delivery log: each event sent to it, its state and
//! every attempt (status code, latency, error), and redelivery.

use chrono::{DateTime, Utc};
use entity::{webhook, webhook_delivery, webhook_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";
/// Attempts kept in a delivery's log (the latest).
pub const LOG_MAX: usize = 50;

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: the next attempt is at `next_attempt_at`.
    Pending,
    /// A receiver answered 2xx.
    Succeeded,
    /// Every attempt failed; `POST …/redeliver` tries again.
    Failed,
}

impl DeliveryState {
    fn parse(state: &str) -> Self {
        match state {
            SUCCEEDED => Self::Succeeded,
            FAILED => Self::Failed,
            _ => Self::Pending,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => PENDING,
            Self::Succeeded => SUCCEEDED,
            Self::Failed => FAILED,
        }
    }
}

/// One try at sending an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    /// 1 for the first attempt, counting redeliveries.
    #[schema(example = 1)]
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status code; `null` when there was no answer.
    #[schema(example = 500)]
    pub status_code: Option<u16>,
    /// From sending the request to the answer's status line.
    #[schema(example = 182)]
    pub latency_ms: u64,
    /// Why it failed, when it did.
    #[schema(example = "the endpoint answered 500")]
    pub error: Option<String>,
}

/// An event on its way to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    /// The event's id (the `webhook-id` header and the body's `id`).
    pub event_id: Uuid,
    #[schema(example = "intersection.found")]
    pub event_type: String,
    pub state: DeliveryState,
    /// Attempts in the current run (reset by a redelivery).
    pub attempts: u32,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first (the latest 50).
    pub log: Vec<Attempt>,
    /// The body sent (the same on every attempt).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /webhooks/{id}/deliveries` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilters {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

pub(crate) fn log_of(row: &webhook_delivery::Model) -> Vec<Attempt> {
    serde_json::from_str(&row.log).unwrap_or_default()
}

fn render(row: webhook_delivery::Model, event: Option<&webhook_event::Model>) -> Delivery {
    Delivery {
        id: row.id,
        event_id: row.event_id,
        event_type: event.map(|e| e.kind.clone()).unwrap_or_default(),
        state: DeliveryState::parse(&row.state),
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: row.next_attempt_at.filter(|_| row.state == PENDING),
        log: log_of(&row),
        payload: event
            .and_then(|e| serde_json::from_str(&e.payload).ok())
            .unwrap_or(serde_json::Value::Null),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn render_all(
    db: &impl ConnectionTrait,
    owner: Owner,
    rows: Vec<webhook_delivery::Model>,
) -> Result<Vec<Delivery>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
    let events = owner
        .find::<webhook_event::Entity>()
        .filter(webhook_event::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let event = events.iter().find(|e| e.id == row.event_id);
            render(row, event)
        })
        .collect())
}

/// The subscription's deliveries, newest first.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), webhook_id = %webhook_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    webhook_id: Uuid,
    filters: DeliveryFilters,
) -> Result<Page<Delivery>, AppError> {
    owner.get::<webhook::Entity>(db, webhook_id).await?;
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let limit = page.limit()?;
    // Ids are UUIDv7: id order is creation order.
    let mut query = owner
        .find::<webhook_delivery::Entity>()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .order_by_desc(webhook_delivery::Column::Id);
    if let Some(state) = filters.state {
        query = query.filter(webhook_delivery::Column::State.eq(state.as_str()));
    }
    if let Some(after) = page.cursor::<Uuid>()? {
        query = query.filter(webhook_delivery::Column::Id.lt(after));
    }
    let rows = query.limit(limit + 1).all(db).await?;
    let (rows, next) = split_page(rows, limit, |r| encode_cursor(&r.id));
    Ok(Page {
        data: render_all(db, owner, rows).await?,
        next_cursor: next,
    })
}

/// Sends a delivery again, now: a failed one gets a new run of attempts, a
/// pending one is tried at once, a succeeded one is sent once more (the
/// same event id: receivers that drop duplicates will).
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), webhook_id = %webhook_id))]
pub async fn redeliver(
    db: &impl ConnectionTrait,
    owner: Owner,
    webhook_id: Uuid,
    delivery_id: Uuid,
) -> Result<Delivery, AppError> {
    let hook = owner.get::<webhook::Entity>(db, webhook_id).await?;
    let row = owner
        .find::<webhook_delivery::Entity>()
        .filter(webhook_delivery::Column::Id.eq(delivery_id))
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("delivery"))?;
    if !hook.enabled {
        return Err(AppError::Conflict {
            code: "webhook_disabled",
            detail: "The subscription is disabled; enable it first (PATCH enabled: true).".into(),
        });
    }
    let now = Utc::now();
    let mut next = row.clone();
    next.state = PENDING.into();
    next.attempts = 0;
    next.next_attempt_at = Some(now);
    next.locked_until = None;
    next.updated_at = now;
    let row = next.into_active_model().reset_all().update(db).await?;
    Ok(render_all(db, owner, vec![row]).await?.remove(0))
}
