//! The preparation sheet before meeting someone (seed 004: be prepared, know
//! their interests; seed 001: ask how they spend their time, relax and grow;
//! seeds 000 and 003: "how can I help?", keep the exchange balanced).
//!
//! It opens with a summary of the person in at most three generated
//! sentences (who they are, why they matter to you, where you stand), then
//! the common ground (intersections with their reasons, shared interests and
//! topics), the reciprocity balance with the last thing given each way, open
//! follow-ups and the next step, and the questions to ask: "How can I help?"
//! first, then one for each thing still unknown. Planned interactions are
//! not history: the recent ones and the exchange count only the past.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{contact, goal, interaction, user};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::contacts::Contact;
use crate::domain::contacts::reciprocity::Balance;
use crate::domain::contacts::reconnect::{reason_terms, sentence};
use crate::domain::context::Fresh;
use crate::domain::enums::{GoalKind, GoalStatus, IntersectionKind};
use crate::domain::goals::Goal;
use crate::domain::interactions::Interaction;
use crate::domain::interactions::list::{InteractionFilters, ids_with, list as list_interactions};
use crate::domain::intersections::{self, Intersection};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// The first question of every brief.
pub const HOW_CAN_I_HELP: &str = "How can I help?";

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

/// What you have in common.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommonGround {
    /// Where you meet (suggested and confirmed), best first, each with the
    /// reasons that made it. Shown whatever the contact's stage: a brief is
    /// about a person you chose, not a suggestion.
    pub intersections: Vec<Intersection>,
    /// Interests on both your profile (`/me`) and theirs.
    #[schema(example = json!(["sailing"]))]
    pub shared_interests: Vec<String>,
    /// Topics of their active goals and offers that your own active goals and
    /// offers, or your interests, share.
    #[schema(example = json!(["fundraising", "saas"]))]
    pub shared_topics: Vec<String>,
}

/// One side of the exchange: the last past interaction in which it happened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exchanged {
    pub interaction_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// What was given, as written on the interaction.
    #[schema(example = "an intro to a podcast producer")]
    pub what: String,
}

/// The exchange of favours with the contact (past interactions only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BriefReciprocity {
    pub balance: Balance,
    /// Interactions in which you gave.
    pub gave_count: i32,
    /// Interactions in which you received.
    pub received_count: i32,
    /// The last thing you gave them.
    pub last_gave: Option<Exchanged>,
    /// The last thing they gave you.
    pub last_received: Option<Exchanged>,
}

/// The contact's next step, if one is set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextStep {
    #[schema(example = "Send the article on small-business podcasts")]
    pub what: String,
    pub due_on: Option<NaiveDate>,
    /// Due before today.
    pub overdue: bool,
}

/// Everything to read before meeting a contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Brief {
    /// Who they are, why they matter to you, where you stand: at most three
    /// sentences, generated from what is on record.
    #[schema(
        example = "Ivy Investor is the seed investor for B2B SaaS. Why they matter: invests in exactly our stage and sector. Last in touch on 2025-12-01 (3 interactions); you owe them (they gave 2, you 1); next: send the deck."
    )]
    pub summary: String,
    /// The contact: headline, why, can_give, can_get, next_step and the rest.
    pub contact: Contact,
    /// Their active goals, highest priority first.
    pub goals: Vec<Goal>,
    /// Their active offers, highest priority first.
    pub offers: Vec<Goal>,
    pub common_ground: CommonGround,
    pub reciprocity: BriefReciprocity,
    /// The last three past interactions, newest first, with what was given
    /// and received (planned ones are not history yet).
    pub recent_interactions: Vec<Interaction>,
    /// Interactions with a follow-up not done yet, soonest due first.
    pub open_follow_ups: Vec<Interaction>,
    pub next_step: Option<NextStep>,
    /// What to ask: "How can I help?" first, then one question for each
    /// thing about them still unknown.
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
    let intersections = intersections::open_with(db, fresh, &[id]).await?;
    let now = Utc::now();
    let recent_interactions = list_interactions(
        db,
        owner,
        InteractionFilters {
            contact_id: Some(id),
            to: Some(now),
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
    let common_ground = common_ground(db, owner, &contact, &goals, &offers, intersections).await?;
    let reciprocity = BriefReciprocity {
        balance: contact.reciprocity.balance,
        gave_count: contact.gave_count,
        received_count: contact.received_count,
        last_gave: last_exchanged(db, owner, id, interaction::Column::Gave, now).await?,
        last_received: last_exchanged(db, owner, id, interaction::Column::Received, now).await?,
    };
    let today = now.date_naive();
    let next_step = contact.next_step.as_ref().map(|what| NextStep {
        what: what.clone(),
        due_on: contact.next_step_due,
        overdue: contact.next_step_due.is_some_and(|due| due < today),
    });
    let questions = questions(&contact, &goals, &offers);
    Ok(Brief {
        summary: summary(&contact, common_ground.intersections.first()),
        contact,
        goals,
        offers,
        common_ground,
        reciprocity,
        recent_interactions,
        open_follow_ups,
        next_step,
        questions,
    })
}

/// Intersections, and the interests and topics you share.
async fn common_ground(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact: &Contact,
    goals: &[Goal],
    offers: &[Goal],
    intersections: Vec<Intersection>,
) -> Result<CommonGround, AppError> {
    let mine: Option<entity::Tags> = owner
        .find::<user::Entity>()
        .select_only()
        .column(user::Column::Interests)
        .into_tuple()
        .one(db)
        .await?;
    let my_interests: BTreeSet<String> =
        mine.map(|t| t.0).unwrap_or_default().into_iter().collect();
    let my_topics: Vec<entity::Tags> = owner
        .find::<goal::Entity>()
        .select_only()
        .column(goal::Column::Topics)
        .filter(goal::Column::ContactId.is_null())
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let mut my_terms: BTreeSet<String> = my_topics.into_iter().flat_map(|t| t.0).collect();
    my_terms.extend(my_interests.iter().cloned());
    let shared_interests = contact
        .interests
        .iter()
        .filter(|i| my_interests.contains(*i))
        .cloned()
        .collect();
    let shared_topics: BTreeSet<String> = goals
        .iter()
        .chain(offers)
        .flat_map(|g| g.topics.iter())
        .filter(|t| my_terms.contains(*t))
        .cloned()
        .collect();
    Ok(CommonGround {
        intersections,
        shared_interests,
        shared_topics: shared_topics.into_iter().collect(),
    })
}

/// The last past interaction with the contact in which `column` (`gave` or
/// `received`) was filled.
async fn last_exchanged(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_id: Uuid,
    column: interaction::Column,
    now: DateTime<Utc>,
) -> Result<Option<Exchanged>, AppError> {
    let theirs = ids_with(db, owner, &[contact_id]).await?;
    // Read then picked here: ordered in SQL, PostgreSQL would walk the
    // owner's whole (occurred_at) index looking for this contact's rows.
    let found = owner
        .find::<interaction::Entity>()
        .filter(interaction::Column::Id.is_in(theirs))
        .filter(column.is_not_null())
        .filter(interaction::Column::OccurredAt.lte(now))
        .all(db)
        .await?
        .into_iter()
        .max_by_key(|i| (i.occurred_at, i.id));
    Ok(found.map(|i| Exchanged {
        interaction_id: i.id,
        occurred_at: i.occurred_at,
        what: match column {
            interaction::Column::Gave => i.gave,
            _ => i.received,
        }
        .unwrap_or_default(),
    }))
}

/// Three sentences at most: who they are, why they matter to you, where you
/// stand. Each comes from the first field on record that says it.
fn summary(c: &Contact, best: Option<&Intersection>) -> String {
    let name = c.full_name.as_str();
    let who = match (&c.headline, &c.role, &c.company) {
        (Some(headline), ..) => format!("{name} is {}.", sentence(headline)),
        (None, Some(role), Some(company)) => {
            format!("{name} is {} at {}.", sentence(role), sentence(company))
        }
        (None, Some(role), None) => format!("{name} is {}.", sentence(role)),
        (None, None, Some(company)) => format!("{name} works at {}.", sentence(company)),
        (None, None, None) => match (c.met_on, &c.met_via) {
            (Some(on), Some(via)) => format!("You met {name} on {on} via {}.", sentence(via)),
            (Some(on), None) => format!("You met {name} on {on}."),
            _ => format!(
                "{name} is in your network since {}.",
                c.created_at.date_naive()
            ),
        },
    };
    let why = match (&c.why, best, &c.can_get) {
        (Some(why), ..) => format!("Why they matter: {}.", sentence(why)),
        (None, Some(found), _) => {
            let what = match found.kind {
                IntersectionKind::ICanHelp => "you could help them",
                IntersectionKind::TheyCanHelp => "they could help you",
                IntersectionKind::SharedGoal => "you pursue the same thing",
                IntersectionKind::ComplementaryGoal => "your goals complete each other",
                IntersectionKind::SharedInterest => "you share interests",
            };
            let terms = reason_terms(found, 3);
            if terms.is_empty() {
                format!("Why they matter: {what}.")
            } else {
                format!("Why they matter: {what} ({}).", terms.join(", "))
            }
        }
        (None, None, Some(can_get)) => format!("What you could get: {}.", sentence(can_get)),
        (None, None, None) => "Why they matter is not on record yet.".into(),
    };
    let mut stand = match c.last_interaction_at {
        Some(at) => format!(
            "Last in touch on {} ({} interaction{})",
            at.date_naive(),
            c.interaction_count,
            if c.interaction_count == 1 { "" } else { "s" }
        ),
        None => "Not in touch yet".into(),
    };
    let (gave, received) = (c.gave_count, c.received_count);
    stand.push_str(&match c.reciprocity.balance {
        Balance::None => "; nothing exchanged yet".into(),
        Balance::Even => format!("; favours even ({gave} each way)"),
        Balance::IOwe => format!("; you owe them (they gave {received}, you {gave})"),
        Balance::TheyOwe => format!("; you gave more (you {gave}, they {received})"),
    });
    if let Some(step) = &c.next_step {
        stand.push_str(&format!("; next: {}", sentence(step)));
    }
    format!("{who} {why} {stand}.")
}

/// One question for each thing about the person that is not on record.
fn questions(c: &Contact, goals: &[Goal], offers: &[Goal]) -> Vec<Question> {
    let unknown: [(&str, bool, &str); 8] = [
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
    // Always first (seeds 000 and 003): the question that opens every
    // exchange, whatever is already known of what you can give.
    let help = Question {
        field: "can_give".into(),
        question: HOW_CAN_I_HELP.into(),
    };
    std::iter::once(help)
        .chain(unknown.into_iter().filter(|(_, missing, _)| *missing).map(
            |(field, _, question)| Question {
                field: field.into(),
                question: question.into(),
            },
        ))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contacts::write::blank;

    fn contact(name: &str) -> contact::Model {
        let mut c = blank(Owner::new(Uuid::now_v7()));
        c.full_name = name.into();
        c
    }

    #[test]
    fn a_summary_is_three_sentences_from_what_is_on_record() {
        let mut c = contact("Grace Hopper");
        c.role = Some("Rear admiral".into());
        c.company = Some("the Navy.".into());
        c.can_get = Some("An intro to the COBOL committee".into());
        c.gave_count = 2;
        c.received_count = 2;
        c.interaction_count = 3;
        c.last_interaction_at = Some(c.created_at);
        let day = c.created_at.date_naive();
        assert_eq!(
            summary(&Contact::from(c.clone()), None),
            format!(
                "Grace Hopper is Rear admiral at the Navy. What you could get: An intro to the \
                 COBOL committee. Last in touch on {day} (3 interactions); favours even (2 each \
                 way)."
            )
        );
        c.headline = Some("the compiler person".into());
        c.why = Some("knows everyone in tooling!".into());
        c.gave_count = 3;
        c.next_step = Some("send the article.".into());
        assert_eq!(
            summary(&Contact::from(c), None),
            format!(
                "Grace Hopper is the compiler person. Why they matter: knows everyone in \
                 tooling. Last in touch on {day} (3 interactions); you gave more (you 3, they \
                 2); next: send the article."
            )
        );
    }
}
