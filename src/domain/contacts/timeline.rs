//! A contact's timeline: the interactions with them and the events they
//! attend, newest first, in one cursor-paginated list.

use chrono::{DateTime, Utc};
use entity::{contact, event, event_attendee, interaction};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::enums::AttendeeStatus;
use crate::domain::events::list::attended_by;
use crate::domain::interactions::list::with_contact;
use crate::domain::interactions::{Interaction, render};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// What a timeline entry is. At the same instant, an event comes before the
/// interactions recorded at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Event,
    Interaction,
}

/// An event the contact attends, as their timeline shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendedEvent {
    pub id: Uuid,
    #[schema(example = "SaaS Founders Summit")]
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(example = "Lisbon")]
    pub location: Option<String>,
    /// The contact's status there.
    pub status: AttendeeStatus,
}

/// One entry of a timeline: an interaction or an event, by `kind`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub kind: TimelineKind,
    /// When: the interaction's `occurred_at`, the event's `starts_at`.
    pub at: DateTime<Utc>,
    /// Set when `kind` is `interaction`.
    pub interaction: Option<Interaction>,
    /// Set when `kind` is `event`.
    pub event: Option<AttendedEvent>,
}

/// `GET /contacts/{id}/timeline` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

type Position = (DateTime<Utc>, TimelineKind, Uuid);

/// Rows of `kind` that come after `cursor` (newest first; at the same
/// instant, by kind, then by id, descending).
fn after(
    cursor: Option<Position>,
    kind: TimelineKind,
    at: impl ColumnTrait,
    id: impl ColumnTrait,
) -> Condition {
    let Some((c_at, c_kind, c_id)) = cursor else {
        return Condition::all();
    };
    match kind.cmp(&c_kind) {
        std::cmp::Ordering::Less => Condition::all().add(at.lt(c_at)),
        std::cmp::Ordering::Equal => keyset::after(
            &[Key::desc(at), Key::desc(id)],
            &[Value::from(c_at), Value::from(c_id)],
        ),
        std::cmp::Ordering::Greater => Condition::all().add(at.lte(c_at)),
    }
}

/// One contact's timeline; a 404 if the contact is not yours.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), contact_id = %contact_id))]
pub async fn timeline(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_id: Uuid,
    params: TimelineParams,
) -> Result<Page<TimelineEntry>, AppError> {
    owner.get::<contact::Entity>(db, contact_id).await?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let cursor = page.cursor::<Position>()?;
    let take = limit + 1;

    use interaction::Column as I;
    let interactions = owner
        .find::<interaction::Entity>()
        .filter(I::Id.in_subquery(with_contact(owner, contact_id)))
        .filter(after(
            cursor,
            TimelineKind::Interaction,
            I::OccurredAt,
            I::Id,
        ));
    let interactions = keyset::order(interactions, &[Key::desc(I::OccurredAt), Key::desc(I::Id)])
        .limit(take)
        .all(db)
        .await?;
    use event::Column as E;
    let events = owner
        .find::<event::Entity>()
        .filter(E::Id.in_subquery(attended_by(owner, contact_id)))
        .filter(after(cursor, TimelineKind::Event, E::StartsAt, E::Id));
    let events = keyset::order(events, &[Key::desc(E::StartsAt), Key::desc(E::Id)])
        .limit(take)
        .all(db)
        .await?;
    let statuses: std::collections::HashMap<Uuid, String> = owner
        .find::<event_attendee::Entity>()
        .filter(event_attendee::Column::ContactId.eq(contact_id))
        .filter(event_attendee::Column::EventId.is_in(events.iter().map(|e| e.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.event_id, a.status))
        .collect();

    let mut entries: Vec<(Position, TimelineEntry)> = Vec::new();
    for i in render(db, owner, interactions).await? {
        let position = (i.occurred_at, TimelineKind::Interaction, i.id);
        entries.push((
            position,
            TimelineEntry {
                kind: TimelineKind::Interaction,
                at: i.occurred_at,
                interaction: Some(i),
                event: None,
            },
        ));
    }
    for e in events {
        let status = statuses
            .get(&e.id)
            .and_then(|s| AttendeeStatus::parse(s))
            .unwrap_or(AttendeeStatus::Invited);
        entries.push((
            (e.starts_at, TimelineKind::Event, e.id),
            TimelineEntry {
                kind: TimelineKind::Event,
                at: e.starts_at,
                interaction: None,
                event: Some(AttendedEvent {
                    id: e.id,
                    name: e.name,
                    starts_at: e.starts_at,
                    ends_at: e.ends_at,
                    location: e.location,
                    status,
                }),
            },
        ));
    }
    entries.sort_by(|(a, _), (b, _)| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(b.2.cmp(&a.2)));
    let (entries, next_cursor) = split_page(entries, limit, |(p, _)| encode_cursor(p));
    Ok(Page {
        data: entries.into_iter().map(|(_, e)| e).collect(),
        next_cursor,
    })
}
