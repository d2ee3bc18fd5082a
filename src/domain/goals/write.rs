//! Creating, changing and deleting goals. Each write keeps `goal_topics` equal
//! to the goal's topics and marks the network as changed, in the caller's
//! transaction.

use chrono::Utc;
use entity::{contact, goal, goal_topic, interaction};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::{CreateGoal, Goal, UpdateGoal};
use crate::domain::enums::GoalStatus;
use crate::domain::intersections::{contacts_meeting, network_changed, recount};
use crate::domain::patch::required;
use crate::domain::search;
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::vocabulary;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox::{self, Deleted};
use crate::error::AppError;

const TITLE: usize = 200;
const DESCRIPTION: usize = 2000;
pub const DEFAULT_PRIORITY: i16 = 2;

fn blank(owner: Owner, contact_id: Option<Uuid>) -> goal::Model {
    let now = Utc::now();
    goal::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        contact_id,
        kind: String::new(),
        title: String::new(),
        description: None,
        topics: Default::default(),
        horizon: None,
        target_on: None,
        status: GoalStatus::Active.as_str().into(),
        priority: DEFAULT_PRIORITY,
        created_at: now,
        updated_at: now,
    }
}

/// Applies `patch` to `g`, validating every field into `v`.
fn apply(g: &mut goal::Model, patch: UpdateGoal, v: &mut Validator) {
    if let Some(kind) = required(v, "kind", patch.kind) {
        g.kind = kind.as_str().into();
    }
    if let Some(title) = required(v, "title", patch.title) {
        g.title = v.text("title", &title, TITLE);
    }
    if let Some(description) = patch.description {
        g.description = v.optional_text("description", description.as_deref(), DESCRIPTION);
    }
    if let Some(topics) = patch.topics {
        g.topics = entity::Tags(v.tags("topics", &topics.unwrap_or_default()));
    }
    if let Some(horizon) = patch.horizon {
        g.horizon = horizon.map(|h| h.as_str().into());
    }
    if let Some(target_on) = patch.target_on {
        g.target_on = target_on;
    }
    if let Some(status) = required(v, "status", patch.status) {
        g.status = status.as_str().into();
    }
    if let Some(priority) = required(v, "priority", patch.priority) {
        v.range("priority", priority.into(), 1, 3);
        g.priority = priority;
    }
}

/// Keeps `goal_topics` equal to the goal's topics.
async fn sync_topics(
    db: &impl ConnectionTrait,
    owner: Owner,
    g: &goal::Model,
) -> Result<(), AppError> {
    let rows = g.topics.0.iter().map(|topic| goal_topic::ActiveModel {
        goal_id: Set(g.id),
        topic: Set(topic.clone()),
        owner_id: Set(owner.id()),
    });
    owner
        .replace_children(db, goal_topic::Column::GoalId, g.id, rows.collect())
        .await
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateGoal,
) -> Result<Goal, AppError> {
    let (contact_id, patch) = input.into_patch();
    let mut v = Validator::new();
    if let Some(contact_id) = contact_id
        && !owner.owns::<contact::Entity>(db, contact_id).await?
    {
        v.error("contact_id", "no such contact");
    }
    let mut g = blank(owner, contact_id);
    apply(&mut g, patch, &mut v);
    v.finish()?;
    let row = g.into_active_model().reset_all().insert(db).await?;
    sync_topics(db, owner, &row).await?;
    search::index::put_goals(db, owner, std::slice::from_ref(&row)).await?;
    network_changed(db, owner).await?;
    tracing::info!(goal_id = %row.id, "goal created");
    let goal = Goal::read(row, vocabulary::lexicon(db, owner).await?.as_ref());
    outbox::emit(db, owner, EventType::GoalCreated, &goal).await?;
    Ok(goal)
}

/// Applies `patch` after `precondition` accepts the stored goal.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), goal_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateGoal,
    precondition: impl FnOnce(&Goal) -> Result<(), AppError>,
) -> Result<Goal, AppError> {
    let current = owner.get_for_update::<goal::Entity>(db, id).await?;
    let lexicon = vocabulary::lexicon(db, owner).await?;
    precondition(&Goal::read(current.clone(), &lexicon))?;
    let mut next = current.clone();
    let mut v = Validator::new();
    apply(&mut next, patch, &mut v);
    v.finish()?;
    if next == current {
        return Ok(Goal::read(current, &lexicon));
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    if row.topics != current.topics {
        sync_topics(db, owner, &row).await?;
    }
    search::index::put_goals(db, owner, std::slice::from_ref(&row)).await?;
    network_changed(db, owner).await?;
    let goal = Goal::read(row, &lexicon);
    outbox::emit(db, owner, EventType::GoalUpdated, &goal).await?;
    Ok(goal)
}

/// Deletes a goal: its topics and intersections go with it (ON DELETE
/// CASCADE), and interactions stop naming it.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), goal_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&Goal) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = owner.get_for_update::<goal::Entity>(db, id).await?;
    precondition(&Goal::read(
        current,
        vocabulary::lexicon(db, owner).await?.as_ref(),
    ))?;
    let meeting = contacts_meeting(db, owner, id).await?;
    owner
        .delete::<goal::Entity>()
        .filter(goal::Column::Id.eq(id))
        .exec(db)
        .await?;
    // Its intersections went with it: their contacts' counts change now.
    if !meeting.is_empty() {
        recount(db, owner, &meeting).await?;
    }
    forget_in_interactions(db, owner, &[id]).await?;
    network_changed(db, owner).await?;
    outbox::emit(db, owner, EventType::GoalDeleted, &Deleted { id }).await?;
    tracing::info!("goal deleted");
    Ok(())
}

/// Removes `goal_ids` from the interactions that name them. `goal_ids` is a
/// JSON list; its text form is searched on both databases.
pub(crate) async fn forget_in_interactions(
    db: &impl ConnectionTrait,
    owner: Owner,
    goal_ids: &[Uuid],
) -> Result<(), AppError> {
    for goal_id in goal_ids {
        let as_text = Func::cast_as(Expr::col(interaction::Column::GoalIds), "TEXT");
        let naming = owner
            .find::<interaction::Entity>()
            .filter(as_text.like(format!("%{goal_id}%")))
            .all(db)
            .await?;
        let goal_id = goal_id.to_string();
        for row in naming {
            let mut ids = row.goal_ids.clone();
            ids.0.retain(|g| *g != goal_id);
            let mut active = row.into_active_model();
            active.goal_ids = Set(ids);
            active.update(db).await?;
        }
    }
    Ok(())
}
