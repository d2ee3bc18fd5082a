//! What introductions and people-for-a-goal share: both are computed on
//! request from the whole network, ranked, paginated by a `(score, id)`
//! cursor over the computed ranking, and name the contacts and goals of a
//! page in two queries.

use std::collections::HashMap;

use entity::{contact, goal};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::enums::GoalKind;
use crate::domain::page::{PageParams, encode_cursor};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// A contact, as named in a match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactRef {
    pub id: Uuid,
    #[schema(example = "Grace Hopper")]
    pub full_name: String,
    #[schema(example = "the compiler person")]
    pub headline: Option<String>,
}

/// A goal or offer, as named in a match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GoalRef {
    pub id: Uuid,
    /// Whose it is; `null` for yours.
    pub contact_id: Option<Uuid>,
    pub kind: GoalKind,
    #[schema(example = "Produce podcasts for small shows")]
    pub title: String,
}

/// The page of a ranking (score descending, then id) after the cursor.
pub(super) fn rank_page<T>(
    ranked: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> (f64, Uuid),
    page: &PageParams,
) -> Result<(Vec<T>, Option<String>), AppError> {
    let limit = page.limit()? as usize;
    let after = page.cursor::<(f64, Uuid)>()?;
    let mut rows: Vec<T> = ranked
        .into_iter()
        .filter(|item| match after {
            None => true,
            Some((score, id)) => {
                let (s, i) = key(item);
                s < score || (s == score && i > id)
            }
        })
        .take(limit + 1)
        .collect();
    let next = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|r| encode_cursor(&key(r)))
    });
    Ok((rows, next.flatten()))
}

/// Names of the contacts and goals a page mentions, in two queries.
pub(super) struct Names {
    contacts: HashMap<Uuid, ContactRef>,
    goals: HashMap<Uuid, GoalRef>,
}

impl Names {
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        owner: Owner,
        contact_ids: impl IntoIterator<Item = Uuid>,
        goal_ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<Self, AppError> {
        let contacts = owner
            .find::<contact::Entity>()
            .filter(contact::Column::Id.is_in(contact_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| {
                let reference = ContactRef {
                    id: c.id,
                    full_name: c.full_name,
                    headline: c.headline,
                };
                (c.id, reference)
            })
            .collect();
        let goals = owner
            .find::<goal::Entity>()
            .filter(goal::Column::Id.is_in(goal_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|g| (g.id, goal_ref(&g)))
            .collect();
        Ok(Self { contacts, goals })
    }

    pub(super) fn contact(&self, id: Uuid) -> Result<ContactRef, AppError> {
        self.contacts
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("contact {id} vanished")))
    }

    pub(super) fn goal(&self, id: Uuid) -> Result<GoalRef, AppError> {
        self.goals
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("goal {id} vanished")))
    }
}

pub(crate) fn goal_ref(g: &goal::Model) -> GoalRef {
    GoalRef {
        id: g.id,
        contact_id: g.contact_id,
        kind: GoalKind::parse(&g.kind).unwrap_or(GoalKind::Goal),
        title: g.title.clone(),
    }
}
