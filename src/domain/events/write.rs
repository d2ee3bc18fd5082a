//! Planning, changing and deleting events. Each write keeps the attendee and
//! goal links equal to the event's lists, in the caller's transaction.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::{contact, event, event_attendee, event_goal, goal};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::{CreateEvent, Event, NewAttendee, UpdateEvent, render};
use crate::domain::enums::AttendeeStatus;
use crate::domain::interactions::write::check_owned;
use crate::domain::patch::required;
use crate::domain::tenancy::Owner;
use crate::domain::validate::{Validator, is_web_url};
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox::{self, Deleted};
use crate::error::AppError;

const NAME: usize = 200;
const LOCATION: usize = 200;
const URL: usize = 2000;
const INTENT: usize = 2000;
const NOTES: usize = 10_000;
pub const MAX_GOALS: usize = 50;
pub const MAX_ATTENDEES: usize = 1000;

/// The links an event's write sets, once validated.
#[derive(Default)]
struct Links {
    goals: Option<Vec<Uuid>>,
    attendees: Option<Vec<(Uuid, AttendeeStatus)>>,
}

/// Applies `patch` to `row`, validating every field; returns the new links
/// when they change.
async fn apply(
    db: &impl ConnectionTrait,
    owner: Owner,
    row: &mut event::Model,
    patch: UpdateEvent,
) -> Result<Links, AppError> {
    let mut v = Validator::new();
    if let Some(name) = required(&mut v, "name", patch.name) {
        row.name = v.text("name", &name, NAME);
    }
    if let Some(at) = required(&mut v, "starts_at", patch.starts_at) {
        row.starts_at = at;
    }
    if let Some(ends_at) = patch.ends_at {
        row.ends_at = ends_at;
    }
    if row.ends_at.is_some_and(|end| end < row.starts_at) {
        v.error("ends_at", "must not be before starts_at");
    }
    if let Some(location) = patch.location {
        row.location = v.optional_text("location", location.as_deref(), LOCATION);
    }
    if let Some(url) = patch.url {
        row.url = v.optional_text("url", url.as_deref(), URL);
        if row.url.as_deref().is_some_and(|u| !is_web_url(u)) {
            v.error("url", "must be an http or https URL");
        }
    }
    if let Some(intent) = patch.intent {
        row.intent = v.optional_text("intent", intent.as_deref(), INTENT);
    }
    if let Some(notes) = patch.notes {
        row.notes = v.optional_text("notes", notes.as_deref(), NOTES);
    }
    let mut links = Links::default();
    if let Some(goals) = patch.goal_ids {
        let goals = goals.unwrap_or_default();
        check_owned::<goal::Entity>(db, owner, "goal_ids", &goals, (0, MAX_GOALS), &mut v).await?;
        check_mine(db, owner, &goals, &mut v).await?;
        links.goals = Some(
            goals
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        );
    }
    if let Some(people) = patch.attendees {
        links.attendees =
            Some(check_attendees(db, owner, people.unwrap_or_default(), &mut v).await?);
    }
    v.finish()?;
    Ok(links)
}

/// Goals of an event are the user's own: an event advances what I pursue.
async fn check_mine(
    db: &impl ConnectionTrait,
    owner: Owner,
    goal_ids: &[Uuid],
    v: &mut Validator,
) -> Result<(), AppError> {
    if goal_ids.is_empty() {
        return Ok(());
    }
    let theirs: BTreeSet<Uuid> = owner
        .find::<goal::Entity>()
        .select_only()
        .column(goal::Column::Id)
        .filter(goal::Column::Id.is_in(goal_ids.iter().copied()))
        .filter(goal::Column::ContactId.is_not_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for (i, id) in goal_ids.iter().enumerate() {
        if theirs.contains(id) {
            v.error(
                &format!("goal_ids[{i}]"),
                "is a contact's goal; name one of your own",
            );
        }
    }
    Ok(())
}

async fn check_attendees(
    db: &impl ConnectionTrait,
    owner: Owner,
    people: Vec<NewAttendee>,
    v: &mut Validator,
) -> Result<Vec<(Uuid, AttendeeStatus)>, AppError> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.contact_id).collect();
    check_owned::<contact::Entity>(db, owner, "attendees", &ids, (0, MAX_ATTENDEES), v).await?;
    let mut seen = BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(*id) {
            v.error(
                &format!("attendees[{i}].contact_id"),
                "names a contact already listed",
            );
        }
    }
    Ok(people
        .into_iter()
        .map(|p| (p.contact_id, p.status.unwrap_or(AttendeeStatus::Invited)))
        .collect())
}

/// Keeps the link tables equal to the event's lists.
async fn save_links(
    db: &impl ConnectionTrait,
    owner: Owner,
    event_id: Uuid,
    links: Links,
) -> Result<(), AppError> {
    if let Some(goals) = links.goals {
        let rows = goals.into_iter().map(|goal_id| event_goal::ActiveModel {
            event_id: Set(event_id),
            goal_id: Set(goal_id),
            owner_id: Set(owner.id()),
        });
        owner
            .replace_children(db, event_goal::Column::EventId, event_id, rows.collect())
            .await?;
    }
    if let Some(people) = links.attendees {
        set_attendees(db, owner, event_id, &people).await?;
    }
    Ok(())
}

/// Replaces the attendees of `event_id` with `people`.
pub(super) async fn set_attendees(
    db: &impl ConnectionTrait,
    owner: Owner,
    event_id: Uuid,
    people: &[(Uuid, AttendeeStatus)],
) -> Result<(), AppError> {
    owner
        .delete::<event_attendee::Entity>()
        .filter(event_attendee::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    // In chunks: one statement binds at most 32,766 values on SQLite.
    for chunk in people.chunks(500) {
        let rows = chunk
            .iter()
            .map(|(contact_id, status)| event_attendee::ActiveModel {
                event_id: Set(event_id),
                contact_id: Set(*contact_id),
                owner_id: Set(owner.id()),
                status: Set(status.as_str().into()),
            });
        event_attendee::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateEvent,
) -> Result<Event, AppError> {
    let now = Utc::now();
    let mut row = event::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        name: String::new(),
        starts_at: now,
        ends_at: None,
        location: None,
        url: None,
        intent: None,
        notes: None,
        created_at: now,
        updated_at: now,
    };
    let links = apply(db, owner, &mut row, input.into_patch()).await?;
    let row = row.into_active_model().reset_all().insert(db).await?;
    save_links(db, owner, row.id, links).await?;
    tracing::info!(event_id = %row.id, "event created");
    let event = render(db, owner, vec![row]).await?.remove(0);
    outbox::emit(db, owner, EventType::EventCreated, &event).await?;
    Ok(event)
}

/// Applies `patch` after `precondition` accepts the stored event.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), event_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateEvent,
    precondition: impl FnOnce(&Event) -> Result<(), AppError>,
) -> Result<Event, AppError> {
    let current = owner.get_for_update::<event::Entity>(db, id).await?;
    let shown = render(db, owner, vec![current.clone()]).await?.remove(0);
    precondition(&shown)?;
    let mut next = current.clone();
    let links = apply(db, owner, &mut next, patch).await?;
    let links_change = links.goals.as_ref().is_some_and(|g| *g != shown.goal_ids)
        || links.attendees.as_ref().is_some_and(|people| {
            let mut now: Vec<_> = shown
                .attendees
                .iter()
                .map(|a| (a.contact_id, a.status))
                .collect();
            let mut wanted = people.clone();
            wanted.sort_by_key(|p| p.0);
            now.sort_by_key(|p| p.0);
            wanted != now
        });
    if next == current && !links_change {
        return Ok(shown);
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    save_links(db, owner, row.id, links).await?;
    let event = render(db, owner, vec![row]).await?.remove(0);
    outbox::emit(db, owner, EventType::EventUpdated, &event).await?;
    Ok(event)
}

/// Deletes an event; its attendee and goal links go with it (ON DELETE
/// CASCADE). Interactions its debrief recorded stay: they happened.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), event_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&Event) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = owner.get_for_update::<event::Entity>(db, id).await?;
    precondition(&render(db, owner, vec![current]).await?.remove(0))?;
    owner
        .delete::<event::Entity>()
        .filter(event::Column::Id.eq(id))
        .exec(db)
        .await?;
    outbox::emit(db, owner, EventType::EventDeleted, &Deleted { id }).await?;
    tracing::info!("event deleted");
    Ok(())
}
