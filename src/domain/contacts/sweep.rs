//! Planned interactions coming due. A contact's derived fields count only
//! interactions whose time has passed ([`super::derived`]); "now" moves, so a
//! meeting planned for 10:00 must start counting at 10:00 without anyone
//! writing anything. Every [`EVERY`] a sweep finds the interactions whose
//! `occurred_at` passed since the last sweep, with a small overlap (one
//! range read on the `occurred_at` index) and refreshes their contacts, one
//! owner per write transaction.
//!
//! Several instances on one PostgreSQL may sweep at once: the refresh is an
//! idempotent recompute under the contacts' row locks, so a contact swept
//! twice gets the same fields twice. How far the sweeps got is kept in the
//! `sweeps` table and only moves forward, so a restart (or a long downtime)
//! resumes where the last sweep stopped.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{interaction, interaction_contact};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Value};
use uuid::Uuid;

use super::derived;
use crate::db;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How often the sweep runs by default (`RAPPORT_PLANNED_SWEEP_SECS`).
pub const EVERY: Duration = Duration::from_secs(60);

/// The sweep's row in `sweeps`.
const NAME: &str = "planned_interactions";

/// Without a mark (a database migrated before the table had a row), the
/// sweep looks back this far.
const LOOKBACK: chrono::Duration = chrono::Duration::days(1);

/// How far each sweep reaches back before the mark. A planned interaction
/// written while a sweep runs (its own refresh too early to count it, its
/// commit too late for the sweep's read) is counted by the next sweep, and
/// the clocks of several instances may differ a little: refreshing a few
/// contacts twice costs less than missing one.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(2);

/// Sweeps forever, every `every`.
pub async fn run(writer: DatabaseConnection, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&writer, Utc::now()).await {
            Ok(0) => {}
            Ok(contacts) => tracing::info!(contacts, "planned interactions came due"),
            Err(err) => {
                tracing::warn!(error = %err, "refreshing contacts of planned interactions failed")
            }
        }
    }
}

/// One sweep up to `now`: refreshes the contacts of the interactions whose
/// `occurred_at` is in (last mark, now], then moves the mark. The number of
/// contacts refreshed.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let since = match mark(db).await? {
        Some(mark) => mark - OVERLAP,
        None => now - LOOKBACK,
    };
    if since >= now {
        return Ok(0);
    }
    #[derive(FromQueryResult)]
    struct Due {
        owner_id: Uuid,
        contact_id: Uuid,
    }
    use interaction::Column as I;
    use interaction_contact::Column as P;
    let occurred = || Expr::col((interaction::Entity, I::OccurredAt));
    let select = Query::select()
        .distinct()
        .column((interaction_contact::Entity, P::OwnerId))
        .column((interaction_contact::Entity, P::ContactId))
        .from(interaction::Entity)
        .inner_join(
            interaction_contact::Entity,
            Expr::col((interaction_contact::Entity, P::InteractionId))
                .equals((interaction::Entity, I::Id)),
        )
        .and_where(occurred().gt(since))
        .and_where(occurred().lte(now))
        .to_owned();
    let due = Due::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?;
    let mut by_owner: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for d in due {
        by_owner.entry(d.owner_id).or_default().push(d.contact_id);
    }
    let mut refreshed = 0;
    for (owner, mut contacts) in by_owner {
        contacts.sort();
        contacts.dedup();
        let txn = db::begin_write(db).await?;
        derived::refresh_at(&txn, Owner::new(owner), &contacts, now).await?;
        txn.commit().await?;
        refreshed += contacts.len();
    }
    set_mark(db, now).await?;
    Ok(refreshed)
}

async fn mark(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, AppError> {
    let select = Query::select()
        .column(Alias::new("swept_until"))
        .from(Alias::new("sweeps"))
        .and_where(Expr::col(Alias::new("name")).eq(NAME))
        .to_owned();
    let row = db.query_one(&select).await?;
    Ok(match row {
        Some(row) => Some(row.try_get::<DateTime<Utc>>("", "swept_until")?),
        None => None,
    })
}

/// Moves the mark to `now`, never back (another instance may be ahead).
async fn set_mark(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), AppError> {
    let at = Value::ChronoDateTimeUtc(Some(now));
    let insert = Query::insert()
        .into_table(Alias::new("sweeps"))
        .columns([Alias::new("name"), Alias::new("swept_until")])
        .values_panic([NAME.into(), at.clone().into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    let update = Query::update()
        .table(Alias::new("sweeps"))
        .value(Alias::new("swept_until"), at.clone())
        .and_where(Expr::col(Alias::new("name")).eq(NAME))
        .and_where(Expr::col(Alias::new("swept_until")).lt(at))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration as Days;
    use entity::{contact, user};
    use sea_orm::{ActiveModelTrait, Set};
    use serde_json::json;

    use super::*;
    use crate::config::DatabaseSettings;
    use crate::domain::contacts::{CreateContact, write};
    use crate::domain::interactions;

    /// A migrated SQLite database in a temporary file, with one user.
    async fn database() -> (DatabaseConnection, Owner, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("rapport-sweep-{}.db", Uuid::now_v7()));
        let settings = DatabaseSettings {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            pool_size: 2,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        };
        let db = db::connect(&settings).await.unwrap();
        db::migrate(&db).await.unwrap();
        let id = Uuid::now_v7();
        let now = Utc::now();
        user::ActiveModel {
            id: Set(id),
            email: Set(format!("{id}@example.com")),
            password_hash: Set(String::new()),
            name: Set("Ada".into()),
            headline: Set(None),
            summary: Set(None),
            special: Set(None),
            interests: Set(entity::Tags(Vec::new())),
            created_at: Set(now),
            updated_at: Set(now),
            network_version: Set(1),
            intersections_version: Set(0),
            intersections_engine: Set(0),
        }
        .insert(&db)
        .await
        .unwrap();
        (db, Owner::new(id), path)
    }

    async fn count(db: &DatabaseConnection, owner: Owner, id: Uuid) -> i32 {
        owner
            .get::<contact::Entity>(db, id)
            .await
            .unwrap()
            .interaction_count
    }

    #[tokio::test]
    async fn a_sweep_counts_what_came_due_again_alike_and_never_moves_its_mark_back() {
        let (db, owner, path) = database().await;
        let now = Utc::now();
        let input = CreateContact {
            full_name: "Bo".into(),
            ..Default::default()
        };
        let bo = write::create(&db, owner, input).await.unwrap();
        let planned = serde_json::from_value(json!({
            "kind": "meeting", "contact_ids": [bo.id],
            "occurred_at": (now + Days::hours(1)).to_rfc3339(),
        }))
        .unwrap();
        interactions::write::create(&db, owner, planned)
            .await
            .unwrap();
        assert_eq!(count(&db, owner, bo.id).await, 0);

        assert_eq!(sweep(&db, now).await.unwrap(), 0, "nothing came due yet");
        let occurred = now + Days::hours(1);
        assert_eq!(sweep(&db, occurred + Days::seconds(30)).await.unwrap(), 1);
        assert_eq!(count(&db, owner, bo.id).await, 1);
        // The next sweep overlaps the last one (or another instance sweeps
        // the same span): the same fields again.
        assert_eq!(sweep(&db, occurred + Days::seconds(60)).await.unwrap(), 1);
        assert_eq!(count(&db, owner, bo.id).await, 1);
        let later = occurred + Days::hours(1);
        assert_eq!(sweep(&db, later).await.unwrap(), 1, "still in the overlap");
        let later = later + Days::hours(1);
        assert_eq!(sweep(&db, later).await.unwrap(), 0);
        // A sweep with an older clock does not move the mark back.
        set_mark(&db, now).await.unwrap();
        assert_eq!(mark(&db).await.unwrap(), Some(later));
        // Idempotent: refreshing again changes nothing.
        derived::refresh_at(&db, owner, &[bo.id], later)
            .await
            .unwrap();
        assert_eq!(count(&db, owner, bo.id).await, 1);
        drop(db);
        let _ = std::fs::remove_file(&path);
    }
}
