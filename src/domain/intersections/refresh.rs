//! What the engine reads of a user's network, and whether the stored
//! intersections are current: the network version (bumped by every write
//! that changes goals, offers, interests or the vocabulary) against the
//! version and engine they were computed from. [`super::refresher`] keeps
//! them current.

use entity::{contact, goal, user};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::domain::enums::{GoalKind, GoalStatus};
use crate::domain::tenancy::Owner;
use crate::domain::vocabulary;
use crate::error::AppError;
use crate::intersections::{self as engine, Facet, Holder, Item, Network};

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
        facet: GoalKind::facet_of(kind),
        text,
        tags: topics,
    }
}

/// The network version to compute for, when the stored intersections lag
/// behind it.
pub(crate) async fn stale(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Option<i64>, AppError> {
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
