//! The user's own profile (`/me`): who they are in one sentence (`headline`),
//! in three (`summary`), what makes them special, and their interests, which
//! the intersections engine matches against their contacts'.

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::patch::{Patch, required};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::error::AppError;

pub const MAX_SUMMARY_CHARS: usize = 600;

/// The account's profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60")]
    pub id: Uuid,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// You in one sentence: how people should place you.
    #[schema(example = "the analytical engine person")]
    pub headline: Option<String>,
    /// You in about three sentences (at most 600 characters).
    #[schema(example = "I write programs for machines that do not exist yet.")]
    pub summary: Option<String>,
    /// What sets you apart.
    #[schema(example = "Turns vague ideas into working plans.")]
    pub special: Option<String>,
    /// Your interests, as lowercase tags.
    #[schema(example = json!(["mathematics", "poetry"]))]
    pub interests: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<user::Model> for Profile {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            headline: u.headline,
            summary: u.summary,
            special: u.special,
            interests: u.interests.0,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Changes to the profile, as JSON Merge Patch: an absent field is kept,
/// `null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    /// Cannot be cleared.
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "Ada King")]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub headline: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 600)]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub special: Patch<String>,
    /// Replaces the whole list; `null` or `[]` empties it.
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 50)]
    pub interests: Patch<Vec<String>>,
}

async fn load(db: &impl ConnectionTrait, owner: Owner) -> Result<user::Model, AppError> {
    owner
        .get::<user::Entity>(db, owner.id())
        .await
        .map_err(|_| AppError::account_deleted())
}

/// The same, the row locked for a change that checks it first.
async fn load_for_update(db: &impl ConnectionTrait, owner: Owner) -> Result<user::Model, AppError> {
    owner
        .get_for_update::<user::Entity>(db, owner.id())
        .await
        .map_err(|_| AppError::account_deleted())
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn get(db: &impl ConnectionTrait, owner: Owner) -> Result<Profile, AppError> {
    load(db, owner).await.map(Profile::from)
}

/// Applies `patch` after `precondition` accepts the current profile (the
/// `If-Match` check runs against what is stored, inside the transaction).
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    patch: UpdateProfile,
    precondition: impl FnOnce(&Profile) -> Result<(), AppError>,
) -> Result<Profile, AppError> {
    let current = load_for_update(db, owner).await?;
    precondition(&Profile::from(current.clone()))?;
    let mut v = Validator::new();
    let mut row = current.clone().into_active_model();
    if let Some(name) = required(&mut v, "name", patch.name) {
        row.name = Set(v.text("name", &name, 200));
    }
    if let Some(headline) = patch.headline {
        row.headline = Set(v.optional_text("headline", headline.as_deref(), 200));
    }
    if let Some(summary) = patch.summary {
        row.summary = Set(v.optional_text("summary", summary.as_deref(), MAX_SUMMARY_CHARS));
    }
    if let Some(special) = patch.special {
        row.special = Set(v.optional_text("special", special.as_deref(), 1000));
    }
    if let Some(interests) = patch.interests {
        row.interests = Set(entity::Tags(
            v.tags("interests", &interests.unwrap_or_default()),
        ));
    }
    v.finish()?;
    if !row.is_changed() {
        return Ok(Profile::from(current));
    }
    let interests_changed = row.interests.is_set();
    row.updated_at = Set(Utc::now());
    let saved = row.update(db).await?;
    if interests_changed && saved.interests != current.interests {
        crate::domain::intersections::network_changed(db, owner).await?;
    }
    Ok(Profile::from(saved))
}

/// Deletes the account; every table of user data cascades from `users`.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    precondition: impl FnOnce(&Profile) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = load_for_update(db, owner).await?;
    precondition(&Profile::from(current))?;
    owner.delete::<user::Entity>().exec(db).await?;
    tracing::info!("account deleted");
    Ok(())
}
