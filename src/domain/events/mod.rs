//! Events (seed 004): a conference, a meetup, a dinner. Know why you go and
//! who will be there, prepare ([`prep`]), and afterwards record whom you met
//! and what to follow up in one call ([`debrief`]).
//!
//! An event is a plan, not an interaction: it never counts as contact with
//! its attendees (last interaction, keep-in-touch, reconnect). Only the
//! interactions its debrief records do.

pub mod debrief;
pub mod list;
pub mod prep;
pub mod write;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{contact, event, event_attendee, event_goal};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::enums::AttendeeStatus;
use crate::domain::patch::Patch;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// A contact expected at an event, and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Attendee {
    pub contact_id: Uuid,
    /// The contact's name (read-only).
    #[schema(example = "Maya Chen")]
    pub full_name: String,
    pub status: AttendeeStatus,
}

/// An event as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f61",
    "name": "SaaS Founders Summit",
    "starts_at": "2026-12-08T09:00:00Z",
    "ends_at": "2026-12-08T18:00:00Z",
    "location": "Lisbon",
    "url": "https://example.com/summit",
    "intent": "Meet seed investors and a product designer",
    "notes": null,
    "goal_ids": ["0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"],
    "attendees": [{"contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f62", "full_name": "Maya Chen", "status": "going"}],
    "created_at": "2026-11-30T10:00:00Z",
    "updated_at": "2026-11-30T10:00:00Z"
}))]
pub struct Event {
    pub id: Uuid,
    #[schema(example = "SaaS Founders Summit")]
    pub name: String,
    #[schema(example = "2026-12-10T09:00:00Z")]
    pub starts_at: DateTime<Utc>,
    /// Absent for an event without a known end.
    #[schema(example = "2026-12-11T18:00:00Z")]
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(example = "Lisbon")]
    pub location: Option<String>,
    #[schema(example = "https://summit.example.com/")]
    pub url: Option<String>,
    /// Why you go: what you want from it.
    #[schema(example = "Meet seed investors and a product designer")]
    pub intent: Option<String>,
    #[schema(example = "Booth 14; the investor panel is on day two")]
    pub notes: Option<String>,
    /// Your goals this event could advance.
    pub goal_ids: Vec<Uuid>,
    /// Who will be there, by name.
    pub attendees: Vec<Attendee>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An attendee, when planning an event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttendee {
    /// One of your contacts.
    pub contact_id: Uuid,
    /// Defaults to `invited`.
    pub status: Option<AttendeeStatus>,
}

/// A new event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "SaaS Founders Summit",
    "starts_at": "2026-12-08T09:00:00Z",
    "ends_at": "2026-12-08T18:00:00Z",
    "location": "Lisbon",
    "intent": "Meet seed investors and a product designer",
    "goal_ids": ["0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"],
    "attendees": [{"contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f62", "status": "going"}]
}))]
pub struct CreateEvent {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub starts_at: DateTime<Utc>,
    /// Not before `starts_at`.
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// An `http` or `https` URL.
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(max_length = 2000)]
    pub intent: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Up to 50 of your own goals (not your contacts').
    #[schema(max_items = 50)]
    pub goal_ids: Option<Vec<Uuid>>,
    /// Up to 1,000 of your contacts, each once.
    #[schema(max_items = 1000)]
    pub attendees: Option<Vec<NewAttendee>>,
}

/// Changes to an event, as JSON Merge Patch: an absent field is kept, `null`
/// clears it (`name` and `starts_at` cannot be cleared). `goal_ids` and
/// `attendees` are replaced as a whole, as merge patch does with arrays.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendees": [{"contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f62", "status": "going"}]}))]
pub struct UpdateEvent {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = DateTime<Utc>)]
    pub starts_at: Patch<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ends_at: Patch<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub url: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub intent: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<Uuid>>, max_items = 50)]
    pub goal_ids: Patch<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<NewAttendee>>, max_items = 1000)]
    pub attendees: Patch<Vec<NewAttendee>>,
}

impl CreateEvent {
    /// A creation is a patch of a blank event.
    fn into_patch(self) -> UpdateEvent {
        UpdateEvent {
            name: Some(Some(self.name)),
            starts_at: Some(Some(self.starts_at)),
            ends_at: self.ends_at.map(Some),
            location: self.location.map(Some),
            url: self.url.map(Some),
            intent: self.intent.map(Some),
            notes: self.notes.map(Some),
            goal_ids: self.goal_ids.map(Some),
            attendees: self.attendees.map(Some),
        }
    }
}

/// One event, or a 404.
pub async fn get(db: &impl ConnectionTrait, owner: Owner, id: Uuid) -> Result<Event, AppError> {
    let row = owner.get::<event::Entity>(db, id).await?;
    Ok(render(db, owner, vec![row]).await?.remove(0))
}

/// The attendees of each of `event_ids`, by name.
pub async fn attendees(
    db: &impl ConnectionTrait,
    owner: Owner,
    event_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Attendee>>, AppError> {
    let links = owner
        .find::<event_attendee::Entity>()
        .filter(event_attendee::Column::EventId.is_in(event_ids.iter().copied()))
        .all(db)
        .await?;
    let names = names(db, owner, links.iter().map(|l| l.contact_id)).await?;
    let mut by_event: HashMap<Uuid, Vec<Attendee>> = HashMap::new();
    for link in links {
        by_event.entry(link.event_id).or_default().push(Attendee {
            full_name: names.get(&link.contact_id).cloned().unwrap_or_default(),
            contact_id: link.contact_id,
            status: AttendeeStatus::parse(&link.status).unwrap_or(AttendeeStatus::Invited),
        });
    }
    for list in by_event.values_mut() {
        list.sort_by(|a, b| {
            (a.full_name.to_lowercase(), a.contact_id)
                .cmp(&(b.full_name.to_lowercase(), b.contact_id))
        });
    }
    Ok(by_event)
}

/// The names of `contact_ids`.
async fn names(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let ids: Vec<Uuid> = contact_ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(owner
        .find::<contact::Entity>()
        .select_only()
        .column(contact::Column::Id)
        .column(contact::Column::FullName)
        .filter(contact::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Renders rows with their attendees and goals, in two queries for all.
pub async fn render(
    db: &impl ConnectionTrait,
    owner: Owner,
    rows: Vec<event::Model>,
) -> Result<Vec<Event>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut people = attendees(db, owner, &ids).await?;
    let mut goals: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in owner
        .find::<event_goal::Entity>()
        .filter(event_goal::Column::EventId.is_in(ids))
        .order_by_asc(event_goal::Column::GoalId)
        .all(db)
        .await?
    {
        goals.entry(link.event_id).or_default().push(link.goal_id);
    }
    Ok(rows
        .into_iter()
        .map(|e| Event {
            attendees: people.remove(&e.id).unwrap_or_default(),
            goal_ids: goals.remove(&e.id).unwrap_or_default(),
            id: e.id,
            name: e.name,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            location: e.location,
            url: e.url,
            intent: e.intent,
            notes: e.notes,
            created_at: e.created_at,
            updated_at: e.updated_at,
        })
        .collect())
}
