//! Recording, editing and deleting interactions. Each write also refreshes the
//! derived fields of every contact it touched (before and after), in the
//! caller's transaction.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::{contact, goal, interaction, interaction_contact};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::{CreateInteraction, FollowUpPatch, Interaction, UpdateInteraction, participants};
use crate::domain::contacts::derived;
use crate::domain::patch::required;
use crate::domain::search;
use crate::domain::tenancy::{OwnedById, Owner};
use crate::domain::validate::Validator;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox::{self, Deleted};
use crate::error::AppError;

pub const MAX_PARTICIPANTS: usize = 50;
pub const MAX_GOALS: usize = 50;

/// Checks that `ids` (the list at `field`) names between `min` and `max` of
/// the owner's `E` rows; every other id is a field error of its own.
pub(crate) async fn check_owned<E: OwnedById>(
    db: &impl ConnectionTrait,
    owner: Owner,
    field: &str,
    ids: &[Uuid],
    (min, max): (usize, usize),
    v: &mut Validator,
) -> Result<(), AppError> {
    let name = E::NAME;
    if ids.len() < min {
        v.error(field, format!("must name at least {min} {name}"));
        return Ok(());
    }
    if ids.len() > max {
        v.error(field, format!("must name at most {max} {name}s"));
        return Ok(());
    }
    if ids.is_empty() {
        return Ok(());
    }
    let unique: BTreeSet<Uuid> = ids.iter().copied().collect();
    let known: BTreeSet<Uuid> = owner
        .find::<E>()
        .select_only()
        .column(E::ID)
        .filter(E::ID.is_in(unique))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if !known.contains(id) {
            v.error(&format!("{field}[{i}]"), format!("no such {name}"));
        }
    }
    Ok(())
}

const SUMMARY: usize = 500;
const EXCHANGE: usize = 1000;
const NOTES: usize = 10_000;

/// Applies `patch` to `row`; returns the new participants when they change.
async fn apply(
    db: &impl ConnectionTrait,
    owner: Owner,
    row: &mut interaction::Model,
    patch: UpdateInteraction,
) -> Result<Option<Vec<Uuid>>, AppError> {
    let mut v = Validator::new();
    if let Some(at) = required(&mut v, "occurred_at", patch.occurred_at) {
        row.occurred_at = at;
    }
    if let Some(kind) = required(&mut v, "kind", patch.kind) {
        row.kind = kind.as_str().into();
    }
    if let Some(channel) = patch.channel {
        row.channel = channel.map(|c| c.as_str().into());
    }
    if let Some(by) = patch.initiated_by {
        row.initiated_by = by.map(|b| b.as_str().into());
    }
    if let Some(summary) = patch.summary {
        row.summary = v.optional_text("summary", summary.as_deref(), SUMMARY);
    }
    if let Some(notes) = patch.notes {
        row.notes = v.optional_text("notes", notes.as_deref(), NOTES);
    }
    if let Some(gave) = patch.gave {
        row.gave = v.optional_text("gave", gave.as_deref(), EXCHANGE);
    }
    if let Some(received) = patch.received {
        row.received = v.optional_text("received", received.as_deref(), EXCHANGE);
    }
    if let Some(goals) = patch.goal_ids {
        let goals = goals.unwrap_or_default();
        check_owned::<goal::Entity>(db, owner, "goal_ids", &goals, (0, MAX_GOALS), &mut v).await?;
        row.goal_ids = entity::Tags(goals.iter().map(Uuid::to_string).collect());
    }
    match patch.follow_up {
        None => {}
        Some(None) => {
            row.follow_up_due_on = None;
            row.follow_up_note = None;
            row.follow_up_done = None;
        }
        Some(Some(follow_up)) => apply_follow_up(row, follow_up, &mut v),
    }
    let contacts = match required(&mut v, "contact_ids", patch.contact_ids) {
        Some(ids) => {
            check_owned::<contact::Entity>(
                db,
                owner,
                "contact_ids",
                &ids,
                (1, MAX_PARTICIPANTS),
                &mut v,
            )
            .await?;
            let mut unique: Vec<Uuid> = ids
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            unique.sort();
            Some(unique)
        }
        None => None,
    };
    v.finish()?;
    Ok(contacts)
}

fn apply_follow_up(row: &mut interaction::Model, patch: FollowUpPatch, v: &mut Validator) {
    let existed = row.follow_up_due_on.is_some();
    match required(v, "follow_up.due_on", patch.due_on) {
        Some(due) => row.follow_up_due_on = Some(due),
        None if !existed => v.error("follow_up.due_on", "is required for a new follow-up"),
        None => {}
    }
    if let Some(note) = patch.note {
        row.follow_up_note = v.optional_text("follow_up.note", note.as_deref(), EXCHANGE);
    }
    if let Some(done) = required(v, "follow_up.done", patch.done) {
        row.follow_up_done = Some(done);
    } else if !existed {
        row.follow_up_done = Some(false);
    }
}

async fn set_participants(
    db: &impl ConnectionTrait,
    owner: Owner,
    interaction_id: Uuid,
    contact_ids: &[Uuid],
) -> Result<(), AppError> {
    owner
        .delete::<interaction_contact::Entity>()
        .filter(interaction_contact::Column::InteractionId.eq(interaction_id))
        .exec(db)
        .await?;
    interaction_contact::Entity::insert_many(contact_ids.iter().map(|contact_id| {
        interaction_contact::ActiveModel {
            interaction_id: Set(interaction_id),
            contact_id: Set(*contact_id),
            owner_id: Set(owner.id()),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

impl From<CreateInteraction> for UpdateInteraction {
    /// A creation is a patch of a blank interaction.
    fn from(c: CreateInteraction) -> Self {
        Self {
            occurred_at: Some(Some(c.occurred_at.unwrap_or_else(Utc::now))),
            kind: Some(Some(c.kind)),
            channel: c.channel.map(Some),
            contact_ids: Some(Some(c.contact_ids)),
            summary: c.summary.map(Some),
            notes: c.notes.map(Some),
            initiated_by: c.initiated_by.map(Some),
            gave: c.gave.map(Some),
            received: c.received.map(Some),
            goal_ids: Some(Some(c.goal_ids)),
            follow_up: c.follow_up.map(|f| {
                Some(FollowUpPatch {
                    due_on: Some(Some(f.due_on)),
                    note: f.note.map(Some),
                    done: Some(Some(f.done)),
                })
            }),
        }
    }
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateInteraction,
) -> Result<Interaction, AppError> {
    let now = Utc::now();
    let mut row = interaction::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        occurred_at: now,
        kind: String::new(),
        channel: None,
        summary: None,
        notes: None,
        initiated_by: None,
        gave: None,
        received: None,
        goal_ids: Default::default(),
        follow_up_due_on: None,
        follow_up_note: None,
        follow_up_done: None,
        created_at: now,
        updated_at: now,
    };
    let contacts = apply(db, owner, &mut row, input.into())
        .await?
        .unwrap_or_default();
    let row = row.into_active_model().reset_all().insert(db).await?;
    set_participants(db, owner, row.id, &contacts).await?;
    search::index::put_interaction(db, owner, &row).await?;
    derived::refresh(db, owner, &contacts).await?;
    tracing::info!(interaction_id = %row.id, "interaction recorded");
    let interaction = Interaction::new(row, contacts);
    outbox::emit(db, owner, EventType::InteractionCreated, &interaction).await?;
    Ok(interaction)
}

/// The interaction with its participants, or a 404.
pub async fn get(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<Interaction, AppError> {
    load(db, owner, id).await.map(|(_, shown)| shown)
}

/// The stored row and what the API shows of it, or a 404.
async fn load(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<(interaction::Model, Interaction), AppError> {
    let row = owner.get::<interaction::Entity>(db, id).await?;
    shown(db, owner, row).await
}

/// The same, the row locked for a change that checks it first.
async fn load_for_update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<(interaction::Model, Interaction), AppError> {
    let row = owner.get_for_update::<interaction::Entity>(db, id).await?;
    shown(db, owner, row).await
}

async fn shown(
    db: &impl ConnectionTrait,
    owner: Owner,
    row: interaction::Model,
) -> Result<(interaction::Model, Interaction), AppError> {
    let contacts = participants(db, owner, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok((row.clone(), Interaction::new(row, contacts)))
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), interaction_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateInteraction,
    precondition: impl FnOnce(&Interaction) -> Result<(), AppError>,
) -> Result<Interaction, AppError> {
    let (stored, current) = load_for_update(db, owner, id).await?;
    precondition(&current)?;
    let mut next = stored.clone();
    let new_contacts = apply(db, owner, &mut next, patch).await?;
    let contacts_changed = new_contacts
        .as_ref()
        .is_some_and(|ids| *ids != current.contact_ids);
    if next == stored && !contacts_changed {
        return Ok(current);
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    search::index::put_interaction(db, owner, &row).await?;
    let contacts = new_contacts.unwrap_or_else(|| current.contact_ids.clone());
    if contacts_changed {
        set_participants(db, owner, id, &contacts).await?;
    }
    let touched: BTreeSet<Uuid> = current
        .contact_ids
        .iter()
        .chain(&contacts)
        .copied()
        .collect();
    derived::refresh(db, owner, &touched.into_iter().collect::<Vec<_>>()).await?;
    let interaction = Interaction::new(row, contacts);
    outbox::emit(db, owner, EventType::InteractionUpdated, &interaction).await?;
    Ok(interaction)
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), interaction_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&Interaction) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let (_, current) = load_for_update(db, owner, id).await?;
    precondition(&current)?;
    owner
        .delete::<interaction::Entity>()
        .filter(interaction::Column::Id.eq(id))
        .exec(db)
        .await?;
    derived::refresh(db, owner, &current.contact_ids).await?;
    outbox::emit(db, owner, EventType::InteractionDeleted, &Deleted { id }).await?;
    Ok(())
}
