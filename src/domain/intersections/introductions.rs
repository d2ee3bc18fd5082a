//! Introductions: pairs of the user's contacts whose goals and offers meet,
//! computed on request from the whole network, and the user's decisions
//! about them. A decision is kept by the introduction's stable id (a hash of
//! the two contacts), so it survives every recomputation: a dismissed pair is
//! never suggested again, a confirmed one stays listed even when the engine
//! stops finding it. Resting contacts (archived, or `not_now` before their
//! `revisit_on`) are not suggested; archived ones never appear.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use entity::introduction_decision as decision;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::cache::{NetworkCache, Snapshot};
use super::matching::{ContactRef, GoalRef, Names, rank_page};
use super::{Decision, Reason, check_min_score, reasons_of};
use crate::domain::enums::IntersectionStatus;
use crate::domain::page::{Page, PageParams};
use crate::domain::patch::{Patch, required};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox;
use crate::error::AppError;
use crate::intersections::{self as engine, MatchKind, Skip};

/// Each contact's best partners kept in `GET /introductions`: enough to act
/// on, and it keeps the list linear in the size of the network.
pub const INTRODUCTIONS_PER_CONTACT: usize = 10;

const NOTE: usize = 2000;

/// How two contacts' items meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntroductionKind {
    /// `from` (an offer) meets `to` (a goal).
    OfferMeetsGoal,
    /// Both pursue the same thing.
    SharedGoal,
    /// Their goals complete each other (one hires, the other looks for
    /// such a job).
    ComplementaryGoal,
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
/// both pursue the same goal, or their goals complete each other.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Introduction {
    /// Stable for the pair: your decision sticks to it.
    pub id: Uuid,
    /// The two contacts, in id order.
    pub contacts: [ContactRef; 2],
    /// The best match's score, 0 to 1 (0 for a decided introduction whose
    /// goals no longer meet).
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.58)]
    pub score: f64,
    /// What carried the best match.
    pub reasons: Vec<Reason>,
    /// Up to three matches, best first.
    pub matches: Vec<IntroductionMatch>,
    pub status: IntersectionStatus,
    #[schema(example = "Both in Lisbon in March")]
    pub note: Option<String>,
}

/// A decision about an introduction, as exported: the pair of contacts,
/// what you decided (`suggested` when you only noted something), and your
/// note.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntroductionDecision {
    pub id: Uuid,
    /// The two contacts, in id order.
    pub contact_ids: [Uuid; 2],
    pub status: IntersectionStatus,
    #[schema(example = "Introduced at the summit")]
    pub note: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl From<decision::Model> for IntroductionDecision {
    fn from(d: decision::Model) -> Self {
        Self {
            id: d.id,
            contact_ids: [d.contact_a, d.contact_b],
            status: IntersectionStatus::parse(&d.status).unwrap_or(IntersectionStatus::Confirmed),
            note: d.note,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Records a decision (or a note on a suggestion) about the introduction of
/// `a` and `b` (contacts of the owner) unless one is recorded: what a
/// restore does. Returns whether it wrote.
pub async fn record(
    db: &impl ConnectionTrait,
    owner: Owner,
    (a, b): (Uuid, Uuid),
    status: IntersectionStatus,
    note: Option<String>,
) -> Result<bool, AppError> {
    let id = engine::introduction_id(a, b);
    if owner.owns::<decision::Entity>(db, id).await? {
        return Ok(false);
    }
    let mut v = Validator::new();
    let note = v.optional_text("note", note.as_deref(), NOTE);
    v.finish()?;
    let now = Utc::now();
    decision::Model {
        id,
        owner_id: owner.id(),
        contact_a: a.min(b),
        contact_b: a.max(b),
        status: status.as_str().into(),
        note,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .reset_all()
    .insert(db)
    .await?;
    Ok(true)
}

/// Parameters of `GET /introductions`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntroductionFilters {
    /// Only introductions of this contact.
    pub contact_id: Option<Uuid>,
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

/// A decision about an introduction, as JSON Merge Patch.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "dismissed", "note": "They met last year; it went nowhere."}))]
pub struct UpdateIntroduction {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Decision)]
    pub status: Patch<Decision>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Patch<String>,
}

/// What is known of the owner's contacts for introductions.
struct Standing {
    /// Resting contacts: never suggested.
    resting: std::collections::HashSet<Uuid>,
    /// Archived contacts: never shown.
    archived: std::collections::HashSet<Uuid>,
    decisions: HashMap<Uuid, decision::Model>,
}

impl Standing {
    async fn load(db: &impl ConnectionTrait, owner: Owner) -> Result<Self, AppError> {
        let resting = crate::domain::contacts::resting_contacts(db, owner).await?;
        let decisions = owner
            .find::<decision::Entity>()
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        Ok(Self {
            resting: resting.ids,
            archived: resting.archived,
            decisions,
        })
    }

    fn skip(&self) -> Skip {
        Skip {
            contacts: self.resting.clone(),
            pairs: self
                .decisions
                .values()
                .filter(|d| d.status == IntersectionStatus::Dismissed.as_str())
                .map(|d| (d.contact_a, d.contact_b))
                .collect(),
            items: Default::default(),
        }
    }

    fn status(&self, id: Uuid) -> (IntersectionStatus, Option<String>) {
        match self.decisions.get(&id) {
            Some(d) => (
                IntersectionStatus::parse(&d.status).unwrap_or(IntersectionStatus::Suggested),
                d.note.clone(),
            ),
            None => (IntersectionStatus::Suggested, None),
        }
    }

    fn shown(&self, (a, b): (Uuid, Uuid)) -> bool {
        !self.archived.contains(&a) && !self.archived.contains(&b)
    }
}

/// The introduction of a decided pair as the network sees it now: computed,
/// or empty (score 0) when their goals no longer meet.
fn as_now(snapshot: &super::cache::Snapshot, d: &decision::Model) -> engine::Introduction {
    snapshot
        .network
        .introduction_of(d.contact_a, d.contact_b)
        .unwrap_or_else(|| engine::Introduction {
            id: d.id,
            contacts: (d.contact_a, d.contact_b),
            score: 0.0,
            reasons: Vec::new(),
            matches: Vec::new(),
        })
}

/// Computes the introductions of a new snapshot before a read asks for them.
pub(crate) async fn warm(
    db: &impl ConnectionTrait,
    owner: Owner,
    snapshot: &Arc<Snapshot>,
) -> Result<(), AppError> {
    let standing = Standing::load(db, owner).await?;
    snapshot
        .introductions(INTRODUCTIONS_PER_CONTACT, standing.skip())
        .await?;
    Ok(())
}

/// Records `introduction.suggested` for each introduction of the snapshot
/// still suggested and not announced before (once per pair: the outbox's
/// key), when a subscription wants it. Returns how many it recorded.
pub(crate) async fn announce(
    reader: &sea_orm::DatabaseConnection,
    writer: &sea_orm::DatabaseConnection,
    owner: Owner,
    snapshot: &Arc<Snapshot>,
) -> Result<usize, AppError> {
    if !outbox::wanted(reader, owner, EventType::IntroductionSuggested).await? {
        return Ok(0);
    }
    let standing = Standing::load(reader, owner).await?;
    let computed = snapshot
        .introductions(INTRODUCTIONS_PER_CONTACT, standing.skip())
        .await?;
    let key = |id: Uuid| format!("{}:{id}", EventType::IntroductionSuggested.as_str());
    let suggested: Vec<&engine::Introduction> = computed
        .iter()
        .filter(|i| {
            standing.shown(i.contacts) && standing.status(i.id).0 == IntersectionStatus::Suggested
        })
        .collect();
    let keys: Vec<String> = suggested.iter().map(|i| key(i.id)).collect();
    let announced = outbox::already_emitted(reader, owner, &keys).await?;
    let new: Vec<engine::Introduction> = suggested
        .into_iter()
        .filter(|i| !announced.contains(&key(i.id)))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    let shown = present(reader, owner, &standing, new).await?;
    let txn = crate::db::begin_write(writer).await?;
    let mut recorded = 0;
    for introduction in &shown {
        let event = EventType::IntroductionSuggested;
        if outbox::emit_once(&txn, owner, event, introduction, key(introduction.id)).await? {
            recorded += 1;
        }
    }
    txn.commit().await?;
    outbox::committed();
    Ok(recorded)
}

/// Pairs of contacts whose goals and offers meet, best first.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
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
    let snapshot = cache.get(db, owner).await?;
    let standing = Standing::load(db, owner).await?;
    let computed = snapshot
        .introductions(INTRODUCTIONS_PER_CONTACT, standing.skip())
        .await?;
    let decided_with = |status: IntersectionStatus| {
        standing
            .decisions
            .values()
            .filter(move |d| d.status == status.as_str())
    };
    // The computed list is ranked already (score descending, then id); the
    // decided ones it no longer holds are few, ranked apart and merged in,
    // so a page costs what it shows, not the whole list.
    let listed = |i: &engine::Introduction| {
        standing.shown(i.contacts)
            && i.score >= min_score
            && filters
                .contact_id
                .is_none_or(|c| i.contacts.0 == c || i.contacts.1 == c)
    };
    let (computed_part, mut extra): (Vec<&engine::Introduction>, Vec<engine::Introduction>) =
        match filters.status {
            Some(IntersectionStatus::Dismissed) => (
                Vec::new(),
                decided_with(IntersectionStatus::Dismissed)
                    .map(|d| as_now(&snapshot, d))
                    .collect(),
            ),
            status => {
                let wanted = |i: &&engine::Introduction| match status {
                    Some(status) => standing.status(i.id).0 == status,
                    None => true,
                };
                // Confirmed pairs the engine no longer suggests stay listed.
                let extra = if status == Some(IntersectionStatus::Suggested) {
                    Vec::new()
                } else {
                    let ids: std::collections::HashSet<Uuid> =
                        computed.iter().map(|i| i.id).collect();
                    decided_with(IntersectionStatus::Confirmed)
                        .filter(|d| !ids.contains(&d.id))
                        .map(|d| as_now(&snapshot, d))
                        .collect()
                };
                (computed.iter().filter(wanted).collect(), extra)
            }
        };
    let rank = |a: &engine::Introduction, b: &engine::Introduction| {
        b.score.total_cmp(&a.score).then(a.id.cmp(&b.id))
    };
    extra.retain(|i| listed(i));
    extra.sort_by(rank);
    let ranked = merge_ranked(
        computed_part.into_iter().filter(|i| listed(i)),
        extra.iter(),
        rank,
    );
    let (rows, next_cursor) = rank_page(ranked, |i| (i.score, i.id), &page)?;
    let rows: Vec<engine::Introduction> = rows.into_iter().cloned().collect();
    let data = present(db, owner, &standing, rows).await?;
    Ok(Page { data, next_cursor })
}

/// Two ranked sequences as one.
fn merge_ranked<'a, T: 'a>(
    a: impl Iterator<Item = &'a T>,
    b: impl Iterator<Item = &'a T>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> impl Iterator<Item = &'a T> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) => {
            if order(x, y) == std::cmp::Ordering::Greater {
                b.next()
            } else {
                a.next()
            }
        }
        (Some(_), None) => a.next(),
        (None, _) => b.next(),
    })
}

/// One introduction: suggested now, or decided. A 404 otherwise.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), introduction_id = %id))]
pub async fn get(
    db: &impl ConnectionTrait,
    cache: &NetworkCache,
    owner: Owner,
    id: Uuid,
) -> Result<Introduction, AppError> {
    let (found, standing) = find(db, cache, owner, id).await?;
    let mut shown = present(db, owner, &standing, vec![found]).await?;
    shown
        .pop()
        .ok_or_else(|| AppError::not_found("introduction"))
}

/// The introduction `id` as computed now, and the standing it was found in.
async fn find(
    db: &impl ConnectionTrait,
    cache: &NetworkCache,
    owner: Owner,
    id: Uuid,
) -> Result<(engine::Introduction, Standing), AppError> {
    let snapshot = cache.get(db, owner).await?;
    let standing = Standing::load(db, owner).await?;
    let found = match standing.decisions.get(&id) {
        Some(d) => Some(as_now(&snapshot, d)),
        None => snapshot
            .introductions(INTRODUCTIONS_PER_CONTACT, standing.skip())
            .await?
            .iter()
            .find(|i| i.id == id)
            .cloned(),
    };
    match found {
        Some(found) if standing.shown(found.contacts) => Ok((found, standing)),
        _ => Err(AppError::not_found("introduction")),
    }
}

/// Confirms or dismisses an introduction, or notes something about it,
/// after `precondition` accepts it as it is now.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), introduction_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    cache: &NetworkCache,
    owner: Owner,
    id: Uuid,
    patch: UpdateIntroduction,
    precondition: impl FnOnce(&Introduction) -> Result<(), AppError>,
) -> Result<Introduction, AppError> {
    let (found, standing) = find(db, cache, owner, id).await?;
    let current = present(db, owner, &standing, vec![found.clone()])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("introduction"))?;
    precondition(&current)?;
    let mut v = Validator::new();
    let now = Utc::now();
    let mut next = match standing.decisions.get(&id) {
        Some(d) => d.clone(),
        // Not decided yet: a note alone is kept with the suggestion.
        None => decision::Model {
            id,
            owner_id: owner.id(),
            contact_a: found.contacts.0,
            contact_b: found.contacts.1,
            status: IntersectionStatus::Suggested.as_str().into(),
            note: None,
            created_at: now,
            updated_at: now,
        },
    };
    let before = next.clone();
    if let Some(decided) = required(&mut v, "status", patch.status) {
        next.status = decided.status().as_str().into();
    }
    if let Some(note) = patch.note {
        next.note = v.optional_text("note", note.as_deref(), NOTE);
    }
    v.finish()?;
    if next == before {
        return Ok(current);
    }
    next.updated_at = now;
    let exists = standing.decisions.contains_key(&id);
    let row = next.into_active_model().reset_all();
    let row = if exists {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    tracing::info!(status = %row.status, "introduction decided");
    let mut standing = standing;
    standing.decisions.insert(row.id, row);
    let mut shown = present(db, owner, &standing, vec![found]).await?;
    shown
        .pop()
        .ok_or_else(|| AppError::not_found("introduction"))
}

/// Names the contacts and goals of `rows`, with the decisions about them.
async fn present(
    db: &impl ConnectionTrait,
    owner: Owner,
    standing: &Standing,
    rows: Vec<engine::Introduction>,
) -> Result<Vec<Introduction>, AppError> {
    // Collected before the await: a future holding these iterators' closures
    // would not be `Send`, and announcing runs in a spawned task.
    let contacts: Vec<Uuid> = rows
        .iter()
        .flat_map(|i| [i.contacts.0, i.contacts.1])
        .collect();
    let goals: Vec<Uuid> = rows
        .iter()
        .flat_map(|i| i.matches.iter().flat_map(|m| [m.from, m.to]))
        .collect();
    let names = Names::load(db, owner, contacts, goals).await?;
    rows.into_iter()
        .map(|i| {
            let (status, note) = standing.status(i.id);
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
                                MatchKind::ComplementaryGoal => IntroductionKind::ComplementaryGoal,
                            },
                            from: names.goal(m.from)?,
                            to: names.goal(m.to)?,
                            score: m.score,
                        })
                    })
                    .collect::<Result<_, AppError>>()?,
                status,
                note,
            })
        })
        .collect()
}
