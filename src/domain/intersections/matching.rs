//! Matches computed on request from the whole network: introductions between
//! two contacts, and the people who meet one goal. Both are ranked lists
//! paginated by a `(score, id)` cursor over the computed ranking.

use std::collections::HashMap;

use entity::{contact, goal};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::cache::NetworkCache;
use super::refresh::{blocking, goal_item};
use super::{Reason, check_min_score, reasons_of};
use crate::domain::enums::GoalKind;
use crate::domain::page::{Page, PageParams, encode_cursor};
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::intersections::MatchKind;

/// Each contact's best partners kept in `GET /introductions`: enough to act
/// on, and it keeps the list linear in the size of the network.
pub const INTRODUCTIONS_PER_CONTACT: usize = 10;

/// A contact, as named in a match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactRef {
    pub id: Uuid,
    #[schema(example = "Grace Hopper")]
    pub full_name: String,
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

/// How two contacts' items meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntroductionKind {
    /// `from` (an offer) meets `to` (a goal).
    OfferMeetsGoal,
    /// Both pursue the same thing.
    SharedGoal,
}

/// One pair of items behind an introduction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntroductionMatch {
    pub kind: IntroductionKind,
    pub from: GoalRef,
    pub to: GoalRef,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f64,
}

/// Two of your contacts who should meet: one's offer meets the other's goal,
/// or both pursue the same goal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Introduction {
    /// Stable for the pair.
    pub id: Uuid,
    /// The two contacts, in id order.
    pub contacts: [ContactRef; 2],
    /// The best match's score, 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.58)]
    pub score: f64,
    /// The shared terms of the best match.
    pub reasons: Vec<Reason>,
    /// Up to three matches, best first.
    pub matches: Vec<IntroductionMatch>,
}

/// Parameters of `GET /introductions`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntroductionFilters {
    /// Only introductions of this contact.
    pub contact_id: Option<Uuid>,
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

/// The page of a ranking (score descending, then id) after the cursor.
fn rank_page<T>(
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
struct Names {
    contacts: HashMap<Uuid, ContactRef>,
    goals: HashMap<Uuid, GoalRef>,
}

impl Names {
    async fn load(
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

    fn contact(&self, id: Uuid) -> Result<ContactRef, AppError> {
        self.contacts
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("contact {id} vanished")))
    }

    fn goal(&self, id: Uuid) -> Result<GoalRef, AppError> {
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

/// Pairs of contacts whose goals and offers meet, best first.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn introductions(
    db: &impl ConnectionTrait,
    cache: &NetworkCache,
    owner: Owner,
    filters: IntroductionFilters,
) -> Result<Page<Introduction>, AppError> {
    let min_score = check_min_score(filters.min_score)?;
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    page.limit()?;
    let all = cache
        .get(db, owner)
        .await?
        .introductions(INTRODUCTIONS_PER_CONTACT)
        .await?;
    let ranked = all.iter().filter(|i| i.score >= min_score).filter(|i| {
        filters
            .contact_id
            .is_none_or(|c| i.contacts.0 == c || i.contacts.1 == c)
    });
    let (rows, next_cursor) = rank_page(ranked, |i| (i.score, i.id), &page)?;
    let names = Names::load(
        db,
        owner,
        rows.iter().flat_map(|i| [i.contacts.0, i.contacts.1]),
        rows.iter()
            .flat_map(|i| i.matches.iter().flat_map(|m| [m.from, m.to])),
    )
    .await?;
    let data = rows
        .into_iter()
        .map(|i| {
            Ok(Introduction {
                id: i.id,
                contacts: [names.contact(i.contacts.0)?, names.contact(i.contacts.1)?],
                score: i.score,
                reasons: reasons_of(&i.reasons),
                matches: i
                    .matches
                    .iter()
                    .map(|m| {
                        Ok(IntroductionMatch {
                            kind: match m.kind {
                                MatchKind::OfferMeetsGoal => IntroductionKind::OfferMeetsGoal,
                                MatchKind::SharedGoal => IntroductionKind::SharedGoal,
                            },
                            from: names.goal(m.from)?,
                            to: names.goal(m.to)?,
                            score: m.score,
                        })
                    })
                    .collect::<Result<_, AppError>>()?,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Page { data, next_cursor })
}

/// How a contact's item meets the goal asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonMatchKind {
    /// Their offer meets this goal.
    CanHelp,
    /// They pursue the same goal.
    SameGoal,
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
/// this?"). For a contact's goal, that contact is left out.
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
    let found = blocking(move || snapshot.network.people_for(&item, exclude)).await?;
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
                        let kind = match (asked_is_offer, goal.kind) {
                            (true, _) => PersonMatchKind::NeedsThis,
                            (false, GoalKind::Offer) => PersonMatchKind::CanHelp,
                            (false, GoalKind::Goal) => PersonMatchKind::SameGoal,
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
