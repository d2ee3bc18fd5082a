//! Interactions: what happened with whom, and what was exchanged. Networking
//! is an exchange of favours, so `gave` and `received` are first-class, and so
//! is the follow-up that keeps a relationship moving.

pub mod list;
pub mod write;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{interaction, interaction_contact};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::enums::{Channel, InitiatedBy, InteractionKind};
use crate::domain::patch::Patch;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// Something to do after an interaction.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FollowUp {
    #[schema(example = "2026-12-04")]
    pub due_on: NaiveDate,
    #[schema(example = "Send the deck")]
    pub note: Option<String>,
    pub done: bool,
}

/// An interaction as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Interaction {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60")]
    pub id: Uuid,
    #[schema(example = "2026-11-20T16:00:00Z")]
    pub occurred_at: DateTime<Utc>,
    pub kind: InteractionKind,
    pub channel: Option<Channel>,
    /// The contacts involved (at least one).
    pub contact_ids: Vec<Uuid>,
    #[schema(example = "Coffee: her team is hiring two PMs")]
    pub summary: Option<String>,
    #[schema(example = "She wants to move to Lisbon next year")]
    pub notes: Option<String>,
    pub initiated_by: Option<InitiatedBy>,
    /// What you gave: knowledge, a favour, an introduction.
    #[schema(example = "An intro to our design agency")]
    pub gave: Option<String>,
    /// What you received.
    #[schema(example = "Feedback on the pitch deck")]
    pub received: Option<String>,
    /// Goals this interaction advanced.
    pub goal_ids: Vec<Uuid>,
    pub follow_up: Option<FollowUp>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Interaction {
    pub fn new(i: interaction::Model, contact_ids: Vec<Uuid>) -> Self {
        let follow_up = i.follow_up_due_on.map(|due_on| FollowUp {
            due_on,
            note: i.follow_up_note.clone(),
            done: i.follow_up_done.unwrap_or(false),
        });
        Self {
            id: i.id,
            occurred_at: i.occurred_at,
            kind: InteractionKind::parse(&i.kind).unwrap_or(InteractionKind::Other),
            channel: i.channel.as_deref().and_then(Channel::parse),
            contact_ids,
            summary: i.summary,
            notes: i.notes,
            initiated_by: i.initiated_by.as_deref().and_then(InitiatedBy::parse),
            gave: i.gave,
            received: i.received,
            goal_ids: i.goal_ids.0.iter().filter_map(|g| g.parse().ok()).collect(),
            follow_up,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A follow-up, when recording an interaction.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollowUp {
    pub due_on: NaiveDate,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// Defaults to `false`.
    #[serde(default)]
    pub done: bool,
}

/// A new interaction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "occurred_at": "2026-11-20T08:30:00Z",
    "kind": "meeting",
    "channel": "in_person",
    "contact_ids": ["0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"],
    "summary": "Coffee at the corner place",
    "initiated_by": "me",
    "gave": "An intro to a podcast producer",
    "follow_up": {"due_on": "2026-11-27", "note": "Ask how the intro went"}
}))]
pub struct CreateInteraction {
    /// When it happened; defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub kind: InteractionKind,
    pub channel: Option<Channel>,
    /// One to 50 of your contacts.
    #[schema(min_items = 1, max_items = 50)]
    pub contact_ids: Vec<Uuid>,
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    pub initiated_by: Option<InitiatedBy>,
    #[schema(max_length = 1000)]
    pub gave: Option<String>,
    #[schema(max_length = 1000)]
    pub received: Option<String>,
    /// Your or your contacts' goals it advanced.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub goal_ids: Vec<Uuid>,
    #[serde(default, deserialize_with = "crate::domain::validate::object")]
    pub follow_up: Option<NewFollowUp>,
}

/// Changes to a follow-up (merge patch). `due_on` and `done` cannot be null.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpPatch {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = NaiveDate)]
    pub due_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub note: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = bool)]
    pub done: Patch<bool>,
}

/// Changes to an interaction, as JSON Merge Patch. `contact_ids` and
/// `goal_ids` are replaced whole; `follow_up: null` removes the follow-up, an
/// object merges into it (a new one needs `due_on`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"follow_up": {"done": true}, "received": "A lead for the podcast"}))]
pub struct UpdateInteraction {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = DateTime<Utc>)]
    pub occurred_at: Patch<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = InteractionKind)]
    pub kind: Patch<InteractionKind>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Channel>)]
    pub channel: Patch<Channel>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Vec<Uuid>, min_items = 1, max_items = 50)]
    pub contact_ids: Patch<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<InitiatedBy>)]
    pub initiated_by: Patch<InitiatedBy>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub gave: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub received: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<Uuid>>, max_items = 50)]
    pub goal_ids: Patch<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::domain::patch::object_field")]
    #[schema(value_type = Option<FollowUpPatch>)]
    pub follow_up: Patch<FollowUpPatch>,
}

/// The participants of each of `interaction_ids`, in a stable order.
pub async fn participants(
    db: &impl ConnectionTrait,
    owner: Owner,
    interaction_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, AppError> {
    let links = owner
        .find::<interaction_contact::Entity>()
        .filter(interaction_contact::Column::InteractionId.is_in(interaction_ids.iter().copied()))
        .order_by_asc(interaction_contact::Column::ContactId)
        .all(db)
        .await?;
    let mut by_interaction: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in links {
        by_interaction
            .entry(link.interaction_id)
            .or_default()
            .push(link.contact_id);
    }
    Ok(by_interaction)
}

/// Renders rows with their participants, in one query for all of them.
pub async fn render(
    db: &impl ConnectionTrait,
    owner: Owner,
    rows: Vec<interaction::Model>,
) -> Result<Vec<Interaction>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut people = participants(db, owner, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let contact_ids = people.remove(&r.id).unwrap_or_default();
            Interaction::new(r, contact_ids)
        })
        .collect())
}
