//! "Who can help with this goal?": contacts ranked by how well their goals
//! and offers meet one goal, computed on request from the whole network.

use entity::{goal, intersection, introduction_decision};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::cache::NetworkCache;
use super::matching::{ContactRef, GoalRef, Names, rank_page};
use super::refresh::{blocking, goal_item};
use super::{Reason, check_min_score, reasons_of};
use crate::domain::contacts;
use crate::domain::enums::{GoalKind, IntersectionStatus};
use crate::domain::page::{Page, PageParams};
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::intersections::{MatchKind, Skip};

/// How a contact's item meets the goal asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonMatchKind {
    /// Their offer meets this goal.
    CanHelp,
    /// They pursue the same goal.
    SameGoal,
    /// Their goal completes this one (they look for a job like the one
    /// you hire for; they invest where you raise).
    ComplementaryGoal,
    /// Their goal is what this offer gives.
    NeedsThis,
}

/// One of a contact's goals or offers that meets the goal asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonMatch {
    pub kind: PersonMatchKind,
    /// Their goal or offer.
    pub goal: GoalRef,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f64,
}

/// A contact ranked by how well they meet one goal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub contact: ContactRef,
    /// Their best match's score, 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.61)]
    pub score: f64,
    /// The shared terms of the best match.
    pub reasons: Vec<Reason>,
    /// Up to three matches, best first.
    pub matches: Vec<PersonMatch>,
}

/// Parameters of `GET /goals/{id}/people`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleParams {
    /// Only those scoring at least this (0 to 1).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub min_score: Option<f64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// Contacts ranked by how well they meet goal `id` ("who can help me with
/// this?"). For a contact's goal, that contact is left out. Resting contacts
/// are left out, and so are the matches you dismissed: for your goal, the
/// intersections with it; for a contact's, the introductions of that contact.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), goal_id = %id))]
pub async fn people(
    db: &impl ConnectionTrait,
    cache: &NetworkCache,
    owner: Owner,
    id: Uuid,
    params: PeopleParams,
) -> Result<Page<Person>, AppError> {
    let min_score = check_min_score(params.min_score)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    page.limit()?;
    let target = owner.get::<goal::Entity>(db, id).await?;
    let item = goal_item(
        target.id,
        target.contact_id,
        &target.kind,
        target.title.clone(),
        target.description.clone(),
        target.topics.0.clone(),
    );
    let snapshot = cache.get(db, owner).await?;
    let exclude = target.contact_id;
    let skip = dismissed_for(db, owner, &target).await?;
    let found = blocking(move || snapshot.network.people_for(&item, exclude, &skip)).await?;
    let ranked = found.into_iter().filter(|p| p.score >= min_score);
    let (rows, next_cursor) = rank_page(ranked, |p| (p.score, p.contact_id), &page)?;
    let names = Names::load(
        db,
        owner,
        rows.iter().map(|p| p.contact_id),
        rows.iter().flat_map(|p| p.matches.iter().map(|m| m.from)),
    )
    .await?;
    let asked_is_offer = GoalKind::parse(&target.kind) == Some(GoalKind::Offer);
    let data = rows
        .into_iter()
        .map(|p| {
            Ok(Person {
                contact: names.contact(p.contact_id)?,
                score: p.score,
                reasons: reasons_of(&p.reasons),
                matches: p
                    .matches
                    .iter()
                    .map(|m| {
                        let goal = names.goal(m.from)?;
                        let kind = match (asked_is_offer, goal.kind, m.kind) {
                            (true, ..) => PersonMatchKind::NeedsThis,
                            (false, GoalKind::Offer, _) => PersonMatchKind::CanHelp,
                            (false, GoalKind::Goal, MatchKind::ComplementaryGoal) => {
                                PersonMatchKind::ComplementaryGoal
                            }
                            (false, GoalKind::Goal, _) => PersonMatchKind::SameGoal,
                        };
                        Ok(PersonMatch {
                            kind,
                            goal,
                            score: m.score,
                        })
                    })
                    .collect::<Result<_, AppError>>()?,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Page { data, next_cursor })
}

/// What `people` leaves out for `target`: resting contacts, and the pairs
/// dismissed with it.
async fn dismissed_for(
    db: &impl ConnectionTrait,
    owner: Owner,
    target: &goal::Model,
) -> Result<Skip, AppError> {
    let mut skip = Skip {
        contacts: contacts::resting_contacts(db, owner).await?.ids,
        ..Skip::default()
    };
    let dismissed = IntersectionStatus::Dismissed.as_str();
    match target.contact_id {
        // Your goal: the intersections you dismissed with it.
        None => {
            let theirs: Vec<Option<Uuid>> = owner
                .find::<intersection::Entity>()
                .select_only()
                .column(intersection::Column::TheirGoalId)
                .filter(intersection::Column::MyGoalId.eq(target.id))
                .filter(intersection::Column::Status.eq(dismissed))
                .into_tuple()
                .all(db)
                .await?;
            skip.items.extend(theirs.into_iter().flatten());
        }
        // A contact's goal: the introductions of that contact you dismissed.
        Some(holder) => {
            let pairs: Vec<(Uuid, Uuid)> = owner
                .find::<introduction_decision::Entity>()
                .select_only()
                .columns([
                    introduction_decision::Column::ContactA,
                    introduction_decision::Column::ContactB,
                ])
                .filter(introduction_decision::Column::Status.eq(dismissed))
                .filter(
                    sea_orm::Condition::any()
                        .add(introduction_decision::Column::ContactA.eq(holder))
                        .add(introduction_decision::Column::ContactB.eq(holder)),
                )
                .into_tuple()
                .all(db)
                .await?;
            skip.contacts.extend(
                pairs
                    .into_iter()
                    .map(|(a, b)| if a == holder { b } else { a }),
            );
        }
    }
    Ok(skip)
}
