//! Intersections between the user and their contacts, as stored: the engine's
//! findings ([`refresher`]) plus the user's decisions about them and the ones
//! recorded by hand. Introductions ([`introductions`]) and "who can help with
//! this goal" ([`people`]) are computed on request from the same network.
//!
//! Staying current: every write that changes goals, offers, interests or the
//! vocabulary calls [`network_changed`], which bumps `users.network_version`
//! in the writer's transaction, and the refresher recomputes in the
//! background once the writes pause ([`refresher`]). Reads that show
//! intersections (or a contact's `intersection_count`) take a
//! [`crate::domain::context::Fresh`]: they wait for a pending recomputation,
//! up to the time the client allows, and say whether it finished. So a
//! burst of writes costs one recomputation, no read ever recomputes, and
//! reads are exact once the recomputation settles.

pub mod cache;
pub mod introductions;
pub mod matching;
pub mod people;
pub mod refresh;
pub mod refresher;

use chrono::{DateTime, Utc};
use entity::{contact, goal, intersection, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    Value,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::contacts;
use crate::domain::context::Fresh;
use crate::domain::enums::{GoalKind, IntersectionKind, IntersectionOrigin, IntersectionStatus};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, paginate};
use crate::domain::patch::Patch;
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox;
use crate::error::AppError;
use crate::intersections as engine;

/// Marks the user's network as changed; the next read recomputes.
pub async fn network_changed(db: &impl ConnectionTrait, owner: Owner) -> Result<(), AppError> {
    owner
        .update::<user::Entity>()
        .col_expr(
            user::Column::NetworkVersion,
            Expr::col(user::Column::NetworkVersion).add(1),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// How a term entered the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonVia {
    /// A concept of the vocabulary (`GET /concepts`, or your own), read in
    /// the titles, descriptions and tags whatever the words used.
    Concept,
    /// A word no concept covers (compared after stemming).
    Word,
    /// A topic or interest tag, compared exactly; weighs double.
    Tag,
}

/// How the two sides relate through a reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonRelation {
    /// Both hold it, in whatever words (synonyms are one concept).
    #[default]
    Same,
    /// Each holds one of two complementary concepts (hiring ↔ job seeking).
    Complement,
}

/// What both sides share (or how they complete each other), and how much of
/// the score it carried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "term": "fundraising ↔ investing",
    "via": "concept",
    "relation": "complement",
    "concepts": ["fundraising", "investing"],
    "phrases": ["seed round", "first checks"],
    "weight": 0.42
}))]
pub struct Reason {
    /// A concept's label ("fundraising ↔ investing" for complements), a tag,
    /// or a word.
    #[schema(example = "fundraising ↔ investing")]
    pub term: String,
    pub via: ReasonVia,
    #[serde(default)]
    pub relation: ReasonRelation,
    /// Concept ids: one for the same concept, two for complements (in the
    /// order of the two items); empty for words and tags.
    #[serde(default)]
    pub concepts: Vec<String>,
    /// What each side wrote for the concept, in the order of the two items
    /// (yours first in intersections); empty for words and tags.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// What it adds to the score: the weights of a match's reasons add up
    /// to about its score (not to 1).
    #[schema(example = 0.42)]
    pub weight: f64,
}

impl From<&engine::Reason> for Reason {
    fn from(r: &engine::Reason) -> Self {
        Self {
            term: r.term.clone(),
            via: match r.via {
                engine::Via::Concept => ReasonVia::Concept,
                engine::Via::Word => ReasonVia::Word,
                engine::Via::Tag => ReasonVia::Tag,
            },
            relation: match r.relation {
                engine::Relation::Same => ReasonRelation::Same,
                engine::Relation::Complement => ReasonRelation::Complement,
            },
            concepts: r.concepts.clone(),
            phrases: r.phrases.clone(),
            weight: r.weight,
        }
    }
}

pub(crate) fn reasons_of(found: &[engine::Reason]) -> Vec<Reason> {
    found.iter().map(Reason::from).collect()
}

/// Where you and a contact meet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Intersection {
    /// Stable: derived from the kind and the two items, so the same
    /// intersection keeps its id (and your decision) across recomputations.
    pub id: Uuid,
    pub contact_id: Uuid,
    pub kind: IntersectionKind,
    /// Your goal or offer (null for `shared_interest`).
    pub my_goal_id: Option<Uuid>,
    /// Their goal or offer (null for `shared_interest`).
    pub their_goal_id: Option<Uuid>,
    /// 0 to 1: the TF-IDF cosine of the two items over concepts, words and
    /// tags, complements included, plus their shared tags (see the
    /// `intersections` tag for the model). Suggested from 0.15.
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.63)]
    pub score: f64,
    /// The shared terms that made it, strongest first.
    pub reasons: Vec<Reason>,
    pub status: IntersectionStatus,
    #[schema(example = "Intro her to Maya before the summit")]
    pub note: Option<String>,
    pub origin: IntersectionOrigin,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<intersection::Model> for Intersection {
    fn from(i: intersection::Model) -> Self {
        Self {
            id: i.id,
            contact_id: i.contact_id,
            kind: IntersectionKind::parse(&i.kind).unwrap_or(IntersectionKind::SharedInterest),
            my_goal_id: i.my_goal_id,
            their_goal_id: i.their_goal_id,
            score: i.score,
            reasons: serde_json::from_value(i.reasons).unwrap_or_default(),
            status: IntersectionStatus::parse(&i.status).unwrap_or(IntersectionStatus::Suggested),
            note: i.note,
            origin: IntersectionOrigin::parse(&i.origin).unwrap_or(IntersectionOrigin::Computed),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// Filters of `GET /intersections`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntersectionFilters {
    /// Only those with this contact.
    pub contact_id: Option<Uuid>,
    pub kind: Option<IntersectionKind>,
    /// Default: `suggested` and `confirmed` (dismissed ones only when asked).
    pub status: Option<IntersectionStatus>,
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

fn keys() -> [Key; 2] {
    [
        Key::desc(intersection::Column::Score),
        Key::asc(intersection::Column::Id),
    ]
}

/// A `min_score` filter, checked: 0 when absent.
pub(crate) fn check_min_score(min_score: Option<f64>) -> Result<f64, AppError> {
    match min_score {
        None => Ok(0.0),
        Some(min) if (0.0..=1.0).contains(&min) => Ok(min),
        Some(_) => Err(AppError::bad_request(
            "invalid_query",
            "min_score must be between 0 and 1",
        )),
    }
}

/// Best first, as of the last recomputation ([`Fresh`]).
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    filters: IntersectionFilters,
) -> Result<Page<Intersection>, AppError> {
    let owner = fresh.owner();
    use intersection::Column as I;
    let mut query = owner.find::<intersection::Entity>();
    if let Some(contact_id) = filters.contact_id {
        query = query.filter(I::ContactId.eq(contact_id));
    }
    if let Some(kind) = filters.kind {
        query = query.filter(I::Kind.eq(kind.as_str()));
    }
    query = match filters.status {
        Some(status) => query.filter(I::Status.eq(status.as_str())),
        None => query.filter(I::Status.ne(IntersectionStatus::Dismissed.as_str())),
    };
    if filters.min_score.is_some() {
        query = query.filter(I::Score.gte(check_min_score(filters.min_score)?));
    }
    // Archived contacts never appear; resting ones are not suggested. Most
    // networks have none, and then the list reads no contact at all.
    if contacts::any_resting(db, owner).await? {
        let suggested =
            Expr::col((intersection::Entity, I::Status)).eq(IntersectionStatus::Suggested.as_str());
        let hidden = Query::select()
            .expr(Expr::val(1))
            .from(contact::Entity)
            .and_where(
                Expr::col((contact::Entity, contact::Column::Id))
                    .equals((intersection::Entity, I::ContactId)),
            )
            .and_where(
                contacts::archived().or(suggested.and(contacts::resting(Utc::now().date_naive()))),
            )
            .to_owned();
        query = query.filter(Expr::exists(hidden).not());
    }
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let limit = page.limit()?;
    let after = page
        .cursor::<(f64, Uuid)>()?
        .map(|(score, id)| vec![Value::from(score), Value::from(id)]);
    let rows = keyset::seek(query, &keys(), after.as_deref())
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(paginate(
        rows,
        limit,
        |i| (i.score, i.id),
        Intersection::from,
    ))
}

/// The open (suggested and confirmed) intersections with `contact_ids`, best
/// first, whatever those contacts' stage. For views about people already
/// chosen (a brief, the reasons of reconnect), where the rule that resting
/// contacts are not suggested does not apply: that rule made the brief of a
/// `not_now` contact say `intersections: []`.
pub(crate) async fn open_with(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    contact_ids: &[Uuid],
) -> Result<Vec<Intersection>, AppError> {
    use intersection::Column as I;
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Sorted here, not in SQL: ordered by score, PostgreSQL's planner walks
    // the owner's whole (owner, score) index looking for these contacts'
    // rows, where the contact index finds them directly.
    let mut found: Vec<Intersection> = fresh
        .owner()
        .find::<intersection::Entity>()
        .filter(I::ContactId.is_in(contact_ids.iter().copied()))
        .filter(I::Status.ne(IntersectionStatus::Dismissed.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(Intersection::from)
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    Ok(found)
}

/// One intersection, or a 404.
pub async fn get(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    id: Uuid,
) -> Result<Intersection, AppError> {
    let owner = fresh.owner();
    owner
        .get::<intersection::Entity>(db, id)
        .await
        .map(Intersection::from)
}

/// The two decisions a user can make about an intersection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// We talked and it is real.
    Confirmed,
    /// Not real: never suggest it again.
    Dismissed,
}

impl Decision {
    pub(super) fn status(self) -> IntersectionStatus {
        match self {
            Decision::Confirmed => IntersectionStatus::Confirmed,
            Decision::Dismissed => IntersectionStatus::Dismissed,
        }
    }
}

pub(crate) const NOTE: usize = 2000;

/// A decision about an intersection, as JSON Merge Patch.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "confirmed", "note": "She will produce the pilot in January."}))]
pub struct UpdateIntersection {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Decision)]
    pub status: Patch<Decision>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Patch<String>,
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), intersection_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateIntersection,
    precondition: impl FnOnce(&Intersection) -> Result<(), AppError>,
) -> Result<Intersection, AppError> {
    let current = owner.get_for_update::<intersection::Entity>(db, id).await?;
    precondition(&current.clone().into())?;
    let mut v = Validator::new();
    let mut next = current.clone();
    if let Some(decision) = crate::domain::patch::required(&mut v, "status", patch.status) {
        next.status = decision.status().as_str().into();
    }
    if let Some(note) = patch.note {
        next.note = v.optional_text("note", note.as_deref(), NOTE);
    }
    v.finish()?;
    if next == current {
        return Ok(current.into());
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    recount(db, owner, &[row.contact_id]).await?;
    tracing::info!(status = %row.status, "intersection decided");
    let confirmed_now =
        row.status != current.status && row.status == IntersectionStatus::Confirmed.as_str();
    let decided: Intersection = row.into();
    if confirmed_now {
        outbox::emit(db, owner, EventType::IntersectionConfirmed, &decided).await?;
    }
    Ok(decided)
}

/// An intersection discovered in conversation: either two goals (yours and a
/// contact's; the kind follows from theirs and yours), or a contact and a
/// note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "my_goal_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60",
    "their_goal_id": "0193a5f2-9d3a-7c11-8e0f-6a5b4c3d2e1f",
    "note": "She offered to produce the pilot."
}))]
pub struct CreateIntersection {
    /// Your goal or offer. Give it with `their_goal_id`.
    pub my_goal_id: Option<Uuid>,
    /// The contact's goal or offer. Give it with `my_goal_id`.
    pub their_goal_id: Option<Uuid>,
    /// The contact; required without goals (and must match theirs with them).
    pub contact_id: Option<Uuid>,
    /// Without goals, defaults to `shared_interest`; with goals, it follows
    /// from them (and must match if given): two goals make a `shared_goal`
    /// unless you say `complementary_goal`.
    pub kind: Option<IntersectionKind>,
    /// Required without goals: what you found you have in common.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The kinds two goals can make, mine first; none for two offers. Two goals
/// are alike (the default) or complementary.
fn kinds_of(mine: GoalKind, theirs: GoalKind) -> &'static [IntersectionKind] {
    match (mine, theirs) {
        (GoalKind::Goal, GoalKind::Goal) => &[
            IntersectionKind::SharedGoal,
            IntersectionKind::ComplementaryGoal,
        ],
        (GoalKind::Offer, GoalKind::Goal) => &[IntersectionKind::ICanHelp],
        (GoalKind::Goal, GoalKind::Offer) => &[IntersectionKind::TheyCanHelp],
        (GoalKind::Offer, GoalKind::Offer) => &[],
    }
}

pub(crate) fn engine_kind(kind: IntersectionKind) -> engine::Kind {
    match kind {
        IntersectionKind::SharedGoal => engine::Kind::SharedGoal,
        IntersectionKind::ICanHelp => engine::Kind::ICanHelp,
        IntersectionKind::TheyCanHelp => engine::Kind::TheyCanHelp,
        IntersectionKind::SharedInterest => engine::Kind::SharedInterest,
        IntersectionKind::ComplementaryGoal => engine::Kind::ComplementaryGoal,
    }
}

/// Records an intersection as `confirmed`. Two goals the engine already
/// found make the same intersection (same id): it is confirmed in place.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateIntersection,
) -> Result<Intersection, AppError> {
    let mut v = Validator::new();
    let note = v.optional_text("note", input.note.as_deref(), NOTE);
    let now = Utc::now();
    let mut row = intersection::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        contact_id: Uuid::nil(),
        kind: String::new(),
        my_goal_id: None,
        their_goal_id: None,
        score: 1.0,
        reasons: serde_json::json!([]),
        status: IntersectionStatus::Confirmed.as_str().into(),
        note,
        origin: IntersectionOrigin::Recorded.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    match (input.my_goal_id, input.their_goal_id) {
        (None, None) => {
            match input.contact_id {
                None => v.error("contact_id", "give a contact and a note, or two goals"),
                Some(id) => {
                    if !owner.owns::<contact::Entity>(db, id).await? {
                        v.error("contact_id", "no such contact");
                    }
                    row.contact_id = id;
                }
            }
            if row.note.is_none() {
                v.error("note", "say what you found in common");
            }
            row.kind = input
                .kind
                .unwrap_or(IntersectionKind::SharedInterest)
                .as_str()
                .into();
        }
        (Some(mine), Some(theirs)) => {
            let goals = owner
                .find::<goal::Entity>()
                .filter(goal::Column::Id.is_in([mine, theirs]))
                .all(db)
                .await?;
            let my_goal = goals
                .iter()
                .find(|g| g.id == mine && g.contact_id.is_none());
            let their_goal = goals
                .iter()
                .find(|g| g.id == theirs && g.contact_id.is_some());
            if my_goal.is_none() {
                v.error("my_goal_id", "no such goal of yours");
            }
            if their_goal.is_none() {
                v.error("their_goal_id", "no such goal of a contact");
            }
            if let (Some(my_goal), Some(their_goal)) = (my_goal, their_goal) {
                let contact_id = their_goal.contact_id.unwrap_or_default();
                if input.contact_id.is_some_and(|id| id != contact_id) {
                    v.error("contact_id", "is not the contact whose goal this is");
                }
                let kinds = GoalKind::parse(&my_goal.kind)
                    .zip(GoalKind::parse(&their_goal.kind))
                    .map_or(&[][..], |(m, t)| kinds_of(m, t));
                let kind = match input.kind {
                    Some(asked) if !kinds.contains(&asked) => {
                        if let Some(kind) = kinds.first() {
                            v.error("kind", format!("these goals make a {}", kind.as_str()));
                        }
                        None
                    }
                    Some(asked) => Some(asked),
                    None => kinds.first().copied(),
                };
                match kind {
                    None if kinds.is_empty() => {
                        v.error("their_goal_id", "two offers do not make an intersection")
                    }
                    None => {}
                    Some(kind) => {
                        row.id = engine::intersection_id(engine_kind(kind), mine, theirs);
                        row.kind = kind.as_str().into();
                        row.contact_id = contact_id;
                        row.my_goal_id = Some(mine);
                        row.their_goal_id = Some(theirs);
                    }
                }
            }
        }
        (Some(_), None) => v.error("their_goal_id", "give it with my_goal_id"),
        (None, Some(_)) => v.error("my_goal_id", "give it with their_goal_id"),
    }
    v.finish()?;
    let existing = owner
        .find::<intersection::Entity>()
        .filter(intersection::Column::Id.eq(row.id))
        .one(db)
        .await?;
    let saved = match existing {
        // The engine found it already: confirm it, keep its score and reasons.
        Some(found) => {
            let mut active = found.into_active_model();
            active.status = Set(row.status);
            if row.note.is_some() {
                active.note = Set(row.note);
            }
            active.updated_at = Set(now);
            active.update(db).await?
        }
        None => row.into_active_model().reset_all().insert(db).await?,
    };
    recount(db, owner, &[saved.contact_id]).await?;
    tracing::info!(intersection_id = %saved.id, "intersection recorded");
    let recorded: Intersection = saved.into();
    if recorded.status == IntersectionStatus::Confirmed {
        outbox::emit(db, owner, EventType::IntersectionConfirmed, &recorded).await?;
    }
    Ok(recorded)
}

/// The contacts with an intersection through goal `goal_id`.
pub(crate) async fn contacts_meeting(
    db: &impl ConnectionTrait,
    owner: Owner,
    goal_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(owner
        .find::<intersection::Entity>()
        .select_only()
        .column(intersection::Column::ContactId)
        .distinct()
        .filter(
            intersection::Column::MyGoalId
                .eq(goal_id)
                .or(intersection::Column::TheirGoalId.eq(goal_id)),
        )
        .into_tuple()
        .all(db)
        .await?)
}

/// Sets `intersection_count` of `contact_ids` (all the owner's contacts when
/// empty) to their suggested and confirmed intersections, where it differs.
pub(crate) async fn recount(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
) -> Result<(), AppError> {
    let counted = Query::select()
        .expr(Expr::col((intersection::Entity, intersection::Column::Id)).count())
        .from(intersection::Entity)
        .and_where(
            Expr::col((intersection::Entity, intersection::Column::ContactId))
                .equals((contact::Entity, contact::Column::Id)),
        )
        .and_where(
            Expr::col((intersection::Entity, intersection::Column::Status))
                .ne(IntersectionStatus::Dismissed.as_str()),
        )
        .to_owned();
    let count = Expr::SubQuery(None, Box::new(counted.into()));
    let mut update = owner
        .update::<contact::Entity>()
        .col_expr(contact::Column::IntersectionCount, count.clone())
        .col_expr(
            contact::Column::ReconnectRank,
            crate::domain::contacts::reconnect::rank_after_recount(count.clone()),
        )
        .filter(Expr::col((contact::Entity, contact::Column::IntersectionCount)).ne(count));
    if !contact_ids.is_empty() {
        update = update.filter(contact::Column::Id.is_in(contact_ids.iter().copied()));
    }
    update.exec(db).await?;
    Ok(())
}
