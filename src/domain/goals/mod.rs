//! Goals and offers: what the user and each contact pursue (`goal`) and can
//! give (`offer`). They are the material of the intersections engine; every
//! write here marks the user's network as changed (see
//! [`crate::domain::intersections::network_changed`]).

pub mod list;
pub mod write;

use chrono::{DateTime, NaiveDate, Utc};
use entity::goal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::enums::{GoalKind, GoalStatus, Horizon};
use crate::domain::patch::Patch;
use crate::domain::tenancy::Owner;
use crate::domain::vocabulary;
use crate::error::AppError;
use crate::intersections::Lexicon;

/// One goal, or a 404.
pub async fn get(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<Goal, AppError> {
    let row = owner.get::<goal::Entity>(db, id).await?;
    let lexicon = vocabulary::lexicon(db, owner).await?;
    Ok(Goal::read(row, &lexicon))
}

/// A concept the engine reads in a goal: how it was understood.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadConcept {
    /// See `GET /concepts` (or your own, `/vocabulary`).
    #[schema(example = "fundraising")]
    pub id: String,
    #[schema(example = "fundraising")]
    pub label: String,
    /// The words that said it (folded: lowercase, no accents).
    #[schema(example = "seed round")]
    pub phrase: String,
}

/// A goal or an offer, the user's own or a contact's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Goal {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60")]
    pub id: Uuid,
    /// The contact it belongs to; `null` for your own.
    pub contact_id: Option<Uuid>,
    pub kind: GoalKind,
    #[schema(example = "Launch a podcast about small-business marketing")]
    pub title: String,
    #[schema(example = "Twelve episodes by June, with guests from our customers")]
    pub description: Option<String>,
    /// Lowercase tags; they weigh more than words in matching.
    #[schema(example = json!(["podcasting", "marketing"]))]
    pub topics: Vec<String>,
    pub horizon: Option<Horizon>,
    #[schema(example = "2027-06-30")]
    pub target_on: Option<NaiveDate>,
    pub status: GoalStatus,
    /// 1 (highest) to 3.
    #[schema(minimum = 1, maximum = 3, example = 1)]
    pub priority: i16,
    /// The concepts read in its title, description and topics, with your
    /// own vocabulary; matching starts from these (read-only).
    pub concepts: Vec<ReadConcept>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Goal {
    /// The goal as the API shows it, read with `lexicon`.
    pub fn read(g: goal::Model, lexicon: &Lexicon) -> Self {
        let text = match &g.description {
            Some(description) => format!("{}\n{description}", g.title),
            None => g.title.clone(),
        };
        let concepts = lexicon
            .concepts_in(&text, &g.topics.0, GoalKind::facet_of(&g.kind))
            .into_iter()
            .map(|mention| {
                let concept = lexicon.concept(mention.concept);
                ReadConcept {
                    id: concept.id.clone(),
                    label: concept.label.clone(),
                    phrase: mention.surface,
                }
            })
            .collect();
        Self {
            concepts,
            id: g.id,
            contact_id: g.contact_id,
            kind: GoalKind::parse(&g.kind).unwrap_or(GoalKind::Goal),
            title: g.title,
            description: g.description,
            topics: g.topics.0,
            horizon: g.horizon.as_deref().and_then(Horizon::parse),
            target_on: g.target_on,
            status: GoalStatus::parse(&g.status).unwrap_or(GoalStatus::Active),
            priority: g.priority,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A new goal or offer. `contact_id` makes it a contact's; it cannot change
/// later.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "goal",
    "title": "Launch a podcast about small-business marketing",
    "description": "Ten episodes by spring, interviews with shop owners.",
    "topics": ["podcasting", "marketing"],
    "horizon": "short",
    "target_on": "2027-03-01",
    "priority": 1
}))]
pub struct CreateGoal {
    /// The contact it belongs to; absent or `null` for your own.
    pub contact_id: Option<Uuid>,
    pub kind: GoalKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Tags: trimmed, lowercased, de-duplicated; at most 50 of 50 characters.
    #[schema(max_items = 50)]
    pub topics: Option<Vec<String>>,
    pub horizon: Option<Horizon>,
    pub target_on: Option<NaiveDate>,
    /// Defaults to `active`.
    pub status: Option<GoalStatus>,
    /// 1 (highest) to 3; defaults to 2.
    #[serde(default, deserialize_with = "crate::domain::validate::whole")]
    #[schema(minimum = 1, maximum = 3)]
    pub priority: Option<i16>,
}

/// Changes to a goal, as JSON Merge Patch: an absent field is kept, `null`
/// clears it (`kind`, `title`, `status` and `priority` cannot be cleared).
/// `contact_id` and the read-only fields are refused with a 422.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "achieved"}))]
pub struct UpdateGoal {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = GoalKind)]
    pub kind: Patch<GoalKind>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 50)]
    pub topics: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Horizon>)]
    pub horizon: Patch<Horizon>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub target_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = GoalStatus)]
    pub status: Patch<GoalStatus>,
    #[serde(default, deserialize_with = "crate::domain::patch::whole_field")]
    #[schema(value_type = i16, minimum = 1, maximum = 3)]
    pub priority: Patch<i16>,
}

impl CreateGoal {
    /// A creation is a patch of a blank goal (plus its holder).
    fn into_patch(self) -> (Option<Uuid>, UpdateGoal) {
        let patch = UpdateGoal {
            kind: Some(Some(self.kind)),
            title: Some(Some(self.title)),
            description: self.description.map(Some),
            topics: self.topics.map(Some),
            horizon: self.horizon.map(Some),
            target_on: self.target_on.map(Some),
            status: self.status.map(Some),
            priority: self.priority.map(Some),
        };
        (self.contact_id, patch)
    }
}
