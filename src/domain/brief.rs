//! The preparation sheet before meeting someone (seed 004: be prepared; seed
//! 001: ask how they spend their time, relax and grow). Everything known
//! about the person that matters for the meeting, and the questions that
//! would fill what is still unknown.

use entity::{contact, goal};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::contacts::Contact;
use crate::domain::context::Fresh;
use crate::domain::enums::{GoalKind, GoalStatus};
use crate::domain::goals::Goal;
use crate::domain::interactions::Interaction;
use crate::domain::interactions::list::{InteractionFilters, list as list_interactions};
use crate::domain::intersections::{self, Intersection, IntersectionFilters};
use crate::error::AppError;

/// How many past interactions a brief recalls.
pub const RECENT_INTERACTIONS: u64 = 3;

/// A question to ask, because the answer is not on record yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Question {
    /// The contact field (or list) the answer would fill.
    #[schema(example = "relaxes_by")]
    pub field: String,
    #[schema(example = "How do they relax?")]
    pub question: String,
}

/// Everything to read before meeting a contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Brief {
    /// The contact: headline, why, can_give, can_get, next_step and the rest.
    pub contact: Contact,
    /// Their active goals, highest priority first.
    pub goals: Vec<Goal>,
    /// Their active offers, highest priority first.
    pub offers: Vec<Goal>,
    /// Where you meet (suggested and confirmed), best first.
    pub intersections: Vec<Intersection>,
    /// The last three interactions, newest first, with what was given and
    /// received.
    pub recent_interactions: Vec<Interaction>,
    /// Interactions with a follow-up not done yet, soonest due first.
    pub open_follow_ups: Vec<Interaction>,
    /// What to ask about what is still unknown.
    pub questions: Vec<Question>,
}

/// The brief of contact `id`. Callers refresh intersections first.
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id(), contact_id = %id))]
pub async fn brief(db: &impl ConnectionTrait, fresh: Fresh, id: Uuid) -> Result<Brief, AppError> {
    let owner = fresh.owner();
    let contact: Contact = owner.get::<contact::Entity>(db, id).await?.into();
    let lexicon = crate::domain::vocabulary::lexicon(db, owner).await?;
    let active: Vec<Goal> = owner
        .find::<goal::Entity>()
        .filter(goal::Column::ContactId.eq(id))
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .order_by_asc(goal::Column::Priority)
        .order_by_asc(goal::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|g| Goal::read(g, &lexicon))
        .collect();
    let (goals, offers): (Vec<Goal>, Vec<Goal>) =
        active.into_iter().partition(|g| g.kind == GoalKind::Goal);
    let intersections = intersections::list(
        db,
        fresh,
        IntersectionFilters {
            contact_id: Some(id),
            limit: Some(crate::domain::page::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await?
    .data;
    let recent_interactions = list_interactions(
        db,
        owner,
        InteractionFilters {
            contact_id: Some(id),
            limit: Some(RECENT_INTERACTIONS),
            ..Default::default()
        },
    )
    .await?
    .data;
    let mut open_follow_ups = list_interactions(
        db,
        owner,
        InteractionFilters {
            contact_id: Some(id),
            has_open_follow_up: Some(true),
            limit: Some(crate::domain::page::MAX_LIMIT),
            ..Default::default()
        },
    )
    .await?
    .data;
    open_follow_ups.sort_by_key(|i| (i.follow_up.as_ref().map(|f| f.due_on), i.id));
    let questions = questions(&contact, &goals, &offers);
    Ok(Brief {
        contact,
        goals,
        offers,
        intersections,
        recent_interactions,
        open_follow_ups,
        questions,
    })
}

/// One question for each thing about the person that is not on record.
fn questions(c: &Contact, goals: &[Goal], offers: &[Goal]) -> Vec<Question> {
    let unknown: [(&str, bool, &str); 9] = [
        (
            "goals",
            goals.is_empty(),
            "What are they working towards right now?",
        ),
        (
            "offers",
            offers.is_empty(),
            "What are they great at? What could they offer others?",
        ),
        (
            "spends_time_on",
            c.spends_time_on.is_none(),
            "How do they spend most of their time?",
        ),
        ("relaxes_by", c.relaxes_by.is_none(), "How do they relax?"),
        (
            "growing_in",
            c.growing_in.is_none(),
            "What are they investing their time and resources to grow in?",
        ),
        (
            "interests",
            c.interests.is_empty(),
            "What are they interested in, outside work?",
        ),
        ("can_give", c.can_give.is_none(), "How can I help them?"),
        (
            "can_get",
            c.can_get.is_none(),
            "What could I learn from them?",
        ),
        (
            "headline",
            c.headline.is_none(),
            "How would I place them in one sentence?",
        ),
    ];
    unknown
        .into_iter()
        .filter(|(_, missing, _)| *missing)
        .map(|(field, _, question)| Question {
            field: field.into(),
            question: question.into(),
        })
        .collect()
}
