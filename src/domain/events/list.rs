//! Listing events by start time, with filters on dates and attendees.

use chrono::{DateTime, Utc};
use entity::{event, event_attendee};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Event, render};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// The orders an event list can take; `-` means descending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum EventSort {
    /// Soonest first: what is coming, with `from=<now>`.
    #[serde(rename = "starts_at")]
    StartsAt,
    /// Latest first.
    #[default]
    #[serde(rename = "-starts_at")]
    StartsAtDesc,
}

/// Filters of `GET /events`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventFilters {
    /// `starts_at` at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// `starts_at` before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only events this contact attends (any status).
    pub contact_id: Option<Uuid>,
    /// The order (default `-starts_at`, latest first).
    pub sort: Option<EventSort>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// The ids of the events `contact_id` attends, as a subquery.
pub fn attended_by(owner: Owner, contact_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(event_attendee::Column::EventId)
        .from(event_attendee::Entity)
        .and_where(Expr::col(event_attendee::Column::OwnerId).eq(owner.id()))
        .and_where(Expr::col(event_attendee::Column::ContactId).eq(contact_id))
        .to_owned()
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    filters: EventFilters,
) -> Result<Page<Event>, AppError> {
    use event::Column as E;
    let mut query = owner.find::<event::Entity>();
    if let Some(from) = filters.from {
        query = query.filter(E::StartsAt.gte(from));
    }
    if let Some(to) = filters.to {
        query = query.filter(E::StartsAt.lt(to));
    }
    if let Some(contact_id) = filters.contact_id {
        query = query.filter(E::Id.in_subquery(attended_by(owner, contact_id)));
    }
    let sort = filters.sort.unwrap_or_default();
    let keys = match sort {
        EventSort::StartsAt => [Key::asc(E::StartsAt), Key::asc(E::Id)],
        EventSort::StartsAtDesc => [Key::desc(E::StartsAt), Key::desc(E::Id)],
    };
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let limit = page.limit()?;
    // The cursor names its sort, so a cursor of another order is refused
    // rather than silently skipping rows.
    let after = match page.cursor::<(EventSort, DateTime<Utc>, Uuid)>()? {
        Some((cursor_sort, at, id)) if cursor_sort == sort => {
            Some(vec![Value::from(at), Value::from(id)])
        }
        Some(_) => {
            return Err(AppError::bad_request(
                "invalid_cursor",
                "The cursor does not belong to this list and sort; start again without it.",
            ));
        }
        None => None,
    };
    let rows = keyset::seek(query, &keys, after.as_deref())
        .limit(limit + 1)
        .all(db)
        .await?;
    let (rows, next_cursor) =
        split_page(rows, limit, |e| encode_cursor(&(sort, e.starts_at, e.id)));
    Ok(Page {
        data: render(db, owner, rows).await?,
        next_cursor,
    })
}
