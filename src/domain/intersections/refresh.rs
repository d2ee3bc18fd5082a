//! Keeping the stored intersections equal to what the engine finds.
//!
//! A refresh loads the user's network (their interests, every active goal and
//! offer, every contact's interests), runs the engine, and applies the
//! difference: new findings are inserted as `suggested`, changed scores and
//! reasons are updated, and findings that are gone are deleted only while
//! still `suggested`. Confirmed and dismissed rows stay, so a decision
//! survives every recomputation and a dismissed intersection never returns
//! as a suggestion. Rows the user recorded are never touched.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{contact, goal, intersection, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use super::recount;
use crate::db;
use crate::domain::enums::{GoalKind, GoalStatus, IntersectionOrigin, IntersectionStatus};
use crate::domain::tenancy::Owner;
use crate::domain::vocabulary;
use crate::error::AppError;
use crate::intersections::{self as engine, Facet, Holder, Item, Network};
use crate::state::AppState;

/// The user's network as the engine sees it, read with their own
/// vocabulary on top of the built-in one.
pub async fn load_network(db: &impl ConnectionTrait, owner: Owner) -> Result<Network, AppError> {
    let lexicon = vocabulary::lexicon(db, owner).await?;
    let mut items = Vec::new();
    let me: Option<entity::Tags> = owner
        .find::<user::Entity>()
        .select_only()
        .column(user::Column::Interests)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(interests) = me.filter(|i| !i.0.is_empty()) {
        items.push(Item {
            id: owner.id(),
            holder: Holder::Me,
            facet: Facet::Interests,
            text: String::new(),
            tags: interests.0,
        });
    }
    /// What the engine reads of a goal: id, holder, kind, title,
    /// description, topics.
    type GoalRow = (
        Uuid,
        Option<Uuid>,
        String,
        String,
        Option<String>,
        entity::Tags,
    );
    let goals: Vec<GoalRow> = owner
        .find::<goal::Entity>()
        .select_only()
        .columns([
            goal::Column::Id,
            goal::Column::ContactId,
            goal::Column::Kind,
            goal::Column::Title,
            goal::Column::Description,
            goal::Column::Topics,
        ])
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    for (id, contact_id, kind, title, description, topics) in goals {
        items.push(goal_item(
            id,
            contact_id,
            &kind,
            title,
            description,
            topics.0,
        ));
    }
    let interests: Vec<(Uuid, entity::Tags)> = owner
        .find::<contact::Entity>()
        .select_only()
        .columns([contact::Column::Id, contact::Column::Interests])
        .into_tuple()
        .all(db)
        .await?;
    for (id, tags) in interests {
        if !tags.0.is_empty() {
            items.push(Item {
                id,
                holder: Holder::Contact(id),
                facet: Facet::Interests,
                text: String::new(),
                tags: tags.0,
            });
        }
    }
    blocking(move || Network::build_with(items, lexicon)).await
}

/// Runs engine work (hundreds of milliseconds on a big network, spread over
/// the cores) on the blocking pool, off the threads that serve requests.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

/// A goal row as an engine item.
pub(crate) fn goal_item(
    id: Uuid,
    contact_id: Option<Uuid>,
    kind: &str,
    title: String,
    description: Option<String>,
    topics: Vec<String>,
) -> Item {
    let text = match description {
        Some(description) => format!("{title}\n{description}"),
        None => title,
    };
    Item {
        id,
        holder: contact_id.map_or(Holder::Me, Holder::Contact),
        facet: match GoalKind::parse(kind) {
            Some(GoalKind::Offer) => Facet::Offer,
            _ => Facet::Goal,
        },
        text,
        tags: topics,
    }
}

/// Items from which a recomputation hands its freed memory back to the
/// system (below it, the memory is small and soon reused).
const LARGE_NETWORK: usize = 10_000;

/// Recomputes the user's intersections if the network changed since they
/// were last computed. Cheap when nothing changed: one primary-key read.
///
/// A refresh races with writers (a contact deleted while its intersections
/// are being inserted); a failed one is tried once more against the new
/// state before the error is answered.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn ensure_fresh(state: &AppState, owner: Owner) -> Result<(), AppError> {
    match refresh(state, owner).await {
        Err(err @ AppError::Unavailable(_)) => Err(err),
        Err(err) => {
            tracing::warn!(error = %err, "refreshing intersections failed; trying again");
            refresh(state, owner).await
        }
        ok => ok,
    }
}

async fn refresh(state: &AppState, owner: Owner) -> Result<(), AppError> {
    if versions(&state.db, owner).await?.is_none() {
        return Ok(());
    }
    let cache = &state.networks;
    let txn = db::begin_write(&state.writer).await?;
    serialize_refreshes(&txn, owner).await?;
    // Checked again in turn: a concurrent reader may have refreshed.
    let Some(version) = versions(&txn, owner).await? else {
        return Ok(txn.commit().await?);
    };
    let started = std::time::Instant::now();
    let network = load_network(&txn, owner).await?;
    let loaded = started.elapsed();
    let (network, found) = blocking(move || {
        let found = network.intersections();
        (network, found)
    })
    .await?;
    let items = network.len();
    let changes = apply(&txn, owner, found).await?;
    recount(&txn, owner, &[]).await?;
    // The user's row is written last: writers lock it after the rows they
    // change, so taking it first could deadlock with them.
    owner
        .update::<user::Entity>()
        .col_expr(user::Column::IntersectionsVersion, version.into())
        .col_expr(
            user::Column::IntersectionsEngine,
            engine::engine_version().into(),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Introductions and "people for a goal" start from this network.
    cache.insert(owner, version, network);
    if items >= LARGE_NETWORK {
        tokio::task::spawn_blocking(crate::memory::release_free_memory);
    }
    tracing::info!(
        items,
        inserted = changes.inserted,
        updated = changes.updated,
        deleted = changes.deleted,
        load_ms = loaded.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "intersections refreshed"
    );
    Ok(())
}

/// One refresh per user at a time. SQLite's write transaction already
/// excludes every other writer; PostgreSQL takes a transaction-scoped
/// advisory lock keyed by the user.
async fn serialize_refreshes(db: &impl ConnectionTrait, owner: Owner) -> Result<(), AppError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let bytes = owner.id().into_bytes();
    let key = i64::from_be_bytes(bytes[8..].try_into().unwrap_or_default());
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// The network version to compute for, when the stored intersections lag
/// behind it.
async fn versions(db: &impl ConnectionTrait, owner: Owner) -> Result<Option<i64>, AppError> {
    Ok(stored_versions(db, owner).await?.and_then(stale_version))
}

/// A user's `network_version`, `intersections_version` and
/// `intersections_engine`.
pub(crate) type Versions = (i64, i64, i64);

/// The network's version when the stored intersections were computed from
/// an older one, or by another engine (model or vocabulary).
pub(crate) fn stale_version((network, computed, engine): Versions) -> Option<i64> {
    (network != computed || engine != engine::engine_version()).then_some(network)
}

/// The user's [`Versions`]; `None` once the account is gone.
pub(crate) async fn stored_versions(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Option<Versions>, AppError> {
    Ok(owner
        .find::<user::Entity>()
        .select_only()
        .columns([
            user::Column::NetworkVersion,
            user::Column::IntersectionsVersion,
            user::Column::IntersectionsEngine,
        ])
        .into_tuple()
        .one(db)
        .await?)
}

#[derive(Default)]
struct Changes {
    inserted: usize,
    updated: usize,
    deleted: usize,
}

/// Rows per multi-row statement: well under both databases' parameter limits.
const BATCH: usize = 500;

async fn apply(
    db: &impl ConnectionTrait,
    owner: Owner,
    found: Vec<engine::Found>,
) -> Result<Changes, AppError> {
    type Stored = (Uuid, String, f64, serde_json::Value, DateTime<Utc>);
    let stored: Vec<Stored> = owner
        .find::<intersection::Entity>()
        .select_only()
        .columns([
            intersection::Column::Id,
            intersection::Column::Status,
            intersection::Column::Score,
            intersection::Column::Reasons,
            intersection::Column::CreatedAt,
        ])
        .filter(intersection::Column::Origin.eq(IntersectionOrigin::Computed.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let mut stored: HashMap<Uuid, Stored> = stored.into_iter().map(|s| (s.0, s)).collect();
    let suggested = IntersectionStatus::Suggested.as_str();
    let now = Utc::now();
    let mut changes = Changes::default();
    // Suggestions whose score or reasons moved are deleted and inserted
    // again (same id, same created_at) in batches: after a change in the
    // network most weights shift a little, and one UPDATE per row would
    // dominate the refresh.
    let mut replaced = Vec::new();
    let mut new_rows = Vec::new();
    for f in found {
        let reasons = serde_json::to_value(&f.reasons).map_err(AppError::internal)?;
        let created_at = match stored.remove(&f.id) {
            None => now,
            Some((_, _, score, old_reasons, _)) if score == f.score && old_reasons == reasons => {
                continue;
            }
            Some((id, status, _, _, created_at)) if status == suggested => {
                replaced.push(id);
                created_at
            }
            // A decided one keeps its status and note: updated in place.
            Some((id, ..)) => {
                owner
                    .update::<intersection::Entity>()
                    .set(intersection::ActiveModel {
                        score: Set(f.score),
                        reasons: Set(reasons),
                        updated_at: Set(now),
                        ..Default::default()
                    })
                    .filter(intersection::Column::Id.eq(id))
                    .exec(db)
                    .await?;
                changes.updated += 1;
                continue;
            }
        };
        new_rows.push(intersection::ActiveModel {
            id: Set(f.id),
            owner_id: Set(owner.id()),
            contact_id: Set(f.contact_id),
            kind: Set(f.kind.as_str().into()),
            my_goal_id: Set(f.mine),
            their_goal_id: Set(f.theirs),
            score: Set(f.score),
            reasons: Set(reasons),
            status: Set(suggested.into()),
            note: Set(None),
            origin: Set(IntersectionOrigin::Computed.as_str().into()),
            created_at: Set(created_at),
            updated_at: Set(now),
        });
    }
    changes.updated += replaced.len();
    changes.inserted = new_rows.len() - replaced.len();
    // Gone from the engine's findings: only undecided ones go.
    let gone: Vec<Uuid> = stored
        .into_values()
        .filter(|(_, status, ..)| status == suggested)
        .map(|(id, ..)| id)
        .collect();
    changes.deleted = gone.len();
    for chunk in gone.chunks(BATCH).chain(replaced.chunks(BATCH)) {
        owner
            .delete::<intersection::Entity>()
            .filter(intersection::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let mut rows = new_rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        intersection::Entity::insert_many(batch).exec(db).await?;
    }
    Ok(changes)
}
