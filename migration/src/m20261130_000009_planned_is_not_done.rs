//! Planned is not done: an interaction dated in the future (a meeting still
//! to come) no longer counts for a contact's derived fields until its time
//! passes. This migration
//!
//! - adds what reciprocity per person shows (`last_gave_at`,
//!   `last_received_at`) and the stored half of the reconnect score
//!   (`reconnect_rank`, with its index, replacing the old reconnect index);
//! - adds an index on `interactions.occurred_at` alone, for the sweep that
//!   refreshes contacts whose planned interactions came due, and the
//!   `sweeps` table where that sweep notes how far it got;
//! - applies the date rules now enforced on writes to existing rows (see
//!   [`small_truths`]);
//! - recomputes every contact's derived fields from its past interactions
//!   only (counts and last dates in one portable `UPDATE`; the dates and the
//!   rank, which need date arithmetic that SQL spells differently on each
//!   database, in Rust, batch by batch).
//!
//! It is safe on an empty database. The formulas here are a frozen copy of
//! `src/domain/contacts/derived.rs` and `reconnect.rs` as of this change:
//! when those change, a new migration recomputes.

use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult, Value};
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_contacts_and_interactions::index;
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("contacts", "idx_contacts_owner_reconnect_rank", "1000000 100000 10 1"),
    ("interactions", "idx_interactions_occurred", "1000000 1 1"),
    ("contacts", "idx_contacts_owner_exchange", "1000000 100000 30000 10000"),
    ("sweeps", "sqlite_autoindex_sweeps_1", "1 1"),
];

/// Rows read and written per round of the Rust pass.
const BATCH: u64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Contacts as C;
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            timestamp_with_time_zone_null(C::LastGaveAt),
            timestamp_with_time_zone_null(C::LastReceivedAt),
            big_integer(C::ReconnectRank).default(0).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(C::Table)
                        .add_column(column.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_contacts_owner_reconnect")
                    .table(C::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_owner_reconnect_rank")
                    .table(C::Table)
                    .col(C::OwnerId)
                    .col((C::ReconnectRank, IndexOrder::Desc))
                    .col(C::Id)
                    .to_owned(),
            )
            .await?;
        // Whom you owe and who never answers (insights): a range on the
        // counts of one owner, instead of reading every contact of theirs.
        manager
            .create_index(index(
                "idx_contacts_owner_exchange",
                C::Table,
                vec![
                    C::OwnerId.into_iden(),
                    C::GaveCount.into_iden(),
                    C::ReceivedCount.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_interactions_occurred",
                Interactions::Table,
                vec![Interactions::OccurredAt.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sweeps::Table)
                    .col(string_len(Sweeps::Name, 64).primary_key())
                    .col(timestamp_with_time_zone(Sweeps::SweptUntil))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            db.execute_unprepared(
                "DELETE FROM sqlite_stat1 WHERE idx = 'idx_contacts_owner_reconnect'",
            )
            .await
            .ok();
        }
        write_statistics(manager, STATS).await?;

        let now = Utc::now();
        small_truths(db, now.date_naive()).await?;
        recount(db, now).await?;
        dates_and_ranks(db).await?;
        // The sweep goes on from here.
        let mark = Query::insert()
            .into_table(Sweeps::Table)
            .columns([Sweeps::Name, Sweeps::SweptUntil])
            .values_panic([
                "planned_interactions".into(),
                Value::ChronoDateTimeUtc(Some(now)).into(),
            ])
            .to_owned();
        manager.exec_stmt(mark).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Contacts as C;
        manager
            .drop_table(Table::drop().table(Sweeps::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_contacts_owner_exchange")
                    .table(C::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_interactions_occurred")
                    .table(Interactions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_contacts_owner_reconnect_rank")
                    .table(C::Table)
                    .to_owned(),
            )
            .await?;
        for column in [C::ReconnectRank, C::LastReceivedAt, C::LastGaveAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(C::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_owner_reconnect")
                    .table(C::Table)
                    .col(C::OwnerId)
                    .col((C::IntersectionCount, IndexOrder::Desc))
                    .col(C::LastInteractionAt)
                    .col(C::Id)
                    .to_owned(),
            )
            .await
    }
}

/// The date rules the service now enforces, applied to existing rows: a
/// `next_step_due` without a `next_step` goes (the agenda showed it as an
/// empty item), and a `not_now` contact without a `revisit_on` comes back
/// in 90 days.
async fn small_truths(db: &impl ConnectionTrait, today: NaiveDate) -> Result<(), DbErr> {
    use Contacts as C;
    for update in [
        Query::update()
            .table(C::Table)
            .value(C::NextStepDue, Value::ChronoDate(None))
            .and_where(Expr::col(C::NextStep).is_null())
            .and_where(Expr::col(C::NextStepDue).is_not_null())
            .to_owned(),
        Query::update()
            .table(C::Table)
            .value(
                C::RevisitOn,
                Value::ChronoDate(today.checked_add_signed(Duration::days(90))),
            )
            .and_where(Expr::col(C::Stage).eq("not_now"))
            .and_where(Expr::col(C::RevisitOn).is_null())
            .to_owned(),
    ] {
        db.execute(&update).await?;
    }
    Ok(())
}

/// Counts and last dates from past interactions only, in one statement of
/// correlated subqueries (portable: no date arithmetic).
async fn recount(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    use Contacts as C;
    use InteractionContacts as IC;
    use Interactions as I;
    let past = |select: SimpleExpr, only: Option<I>| {
        let mut q = Query::select()
            .expr(select)
            .from(I::Table)
            .inner_join(
                IC::Table,
                Expr::col((IC::Table, IC::InteractionId)).equals((I::Table, I::Id)),
            )
            .and_where(Expr::col((IC::Table, IC::ContactId)).equals((C::Table, C::Id)))
            .and_where(
                Expr::col((I::Table, I::OccurredAt)).lte(Value::ChronoDateTimeUtc(Some(now))),
            )
            .to_owned();
        if let Some(column) = only {
            q.and_where(Expr::col((I::Table, column)).is_not_null());
        }
        SimpleExpr::SubQuery(None, Box::new(q.into_sub_query_statement()))
    };
    let count = || Expr::col((I::Table, I::Id)).count();
    let last = || Expr::col((I::Table, I::OccurredAt)).max();
    let update = Query::update()
        .table(C::Table)
        .value(C::InteractionCount, past(count(), None))
        .value(C::GaveCount, past(count(), Some(I::Gave)))
        .value(C::ReceivedCount, past(count(), Some(I::Received)))
        .value(C::LastInteractionAt, past(last(), None))
        .value(C::LastGaveAt, past(last(), Some(I::Gave)))
        .value(C::LastReceivedAt, past(last(), Some(I::Received)))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    keep_in_touch_days: Option<i32>,
    last_interaction_at: Option<DateTime<Utc>>,
    met_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    intersection_count: i32,
    gave_count: i32,
    received_count: i32,
}

/// `next_touch_due` and `reconnect_rank` of every contact, in id order.
async fn dates_and_ranks(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    use Contacts as C;
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select()
            .columns([
                C::Id,
                C::KeepInTouchDays,
                C::LastInteractionAt,
                C::MetOn,
                C::CreatedAt,
                C::IntersectionCount,
                C::GaveCount,
                C::ReceivedCount,
            ])
            .from(C::Table)
            .order_by(C::Id, Order::Asc)
            .limit(BATCH)
            .to_owned();
        if let Some(id) = after {
            select.and_where(Expr::col(C::Id).gt(id));
        }
        let rows = Row::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        for row in &rows {
            let next_touch = next_touch_due(row);
            let update = Query::update()
                .table(C::Table)
                .value(C::NextTouchDue, Value::ChronoDate(next_touch))
                .value(C::ReconnectRank, reconnect_rank(row, next_touch))
                .and_where(Expr::col(C::Id).eq(row.id))
                .to_owned();
            db.execute(&update).await?;
        }
    }
}

/// As `derived::next_touch_due` at this migration.
fn next_touch_due(r: &Row) -> Option<NaiveDate> {
    let days = r.keep_in_touch_days?;
    since(r).checked_add_signed(Duration::days(days.into()))
}

fn since(r: &Row) -> NaiveDate {
    r.last_interaction_at
        .map(|at| at.date_naive())
        .or(r.met_on)
        .unwrap_or_else(|| r.created_at.date_naive())
}

/// As `reconnect::rank` at this migration.
fn reconnect_rank(r: &Row, next_touch: Option<NaiveDate>) -> i64 {
    let due = next_touch
        .or_else(|| since(r).checked_add_signed(Duration::days(180)))
        .unwrap_or(NaiveDate::MAX);
    let owed = r.received_count > r.gave_count;
    30 * i64::from(r.intersection_count.clamp(0, 10)) + if owed { 60 } else { 0 }
        - i64::from(due.num_days_from_ce())
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    OwnerId,
    KeepInTouchDays,
    LastInteractionAt,
    MetOn,
    CreatedAt,
    InteractionCount,
    GaveCount,
    ReceivedCount,
    IntersectionCount,
    NextTouchDue,
    NextStep,
    NextStepDue,
    Stage,
    RevisitOn,
    LastGaveAt,
    LastReceivedAt,
    ReconnectRank,
}

#[derive(DeriveIden)]
enum Interactions {
    Table,
    Id,
    OccurredAt,
    Gave,
    Received,
}

#[derive(DeriveIden)]
enum InteractionContacts {
    Table,
    InteractionId,
    ContactId,
}

#[derive(DeriveIden)]
pub enum Sweeps {
    Table,
    Name,
    SweptUntil,
}

/// The API tests' throwaway PostgreSQL database, for the test below.
#[cfg(test)]
#[path = "../../tests/support/postgres.rs"]
mod postgres;

#[cfg(test)]
mod tests {
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::sea_orm::{Database, DatabaseConnection};

    use super::postgres;
    use super::*;
    use crate::Migrator;

    /// An empty JSON list, typed as JSON for PostgreSQL.
    fn empty() -> Value {
        Value::Json(Some(Box::new(sea_orm::prelude::Json::Array(Vec::new()))))
    }

    async fn insert(db: &DatabaseConnection, table: &str, values: Vec<(&str, Value)>) {
        let (columns, values): (Vec<_>, Vec<_>) = values.into_iter().unzip();
        let insert = Query::insert()
            .into_table(Alias::new(table))
            .columns(columns.into_iter().map(Alias::new))
            .values_panic(values.into_iter().map(Into::into))
            .to_owned();
        db.execute(&insert).await.unwrap();
    }

    async fn contact_row(
        db: &DatabaseConnection,
        id: Uuid,
        owner: Uuid,
        extra: Vec<(&str, Value)>,
    ) {
        let now = Utc::now();
        let mut values = vec![
            ("id", id.into()),
            ("owner_id", owner.into()),
            ("full_name", "Ada".into()),
            ("sort_name", "ada".into()),
            ("emails", empty()),
            ("phones", empty()),
            ("links", empty()),
            ("interests", empty()),
            ("stage", "connected".into()),
            ("search_text", "ada".into()),
            ("created_at", Value::ChronoDateTimeUtc(Some(now))),
            ("updated_at", Value::ChronoDateTimeUtc(Some(now))),
        ];
        values.retain(|(column, _)| !extra.iter().any(|(c, _)| c == column));
        values.extend(extra);
        insert(db, "contacts", values).await;
    }

    #[tokio::test]
    async fn existing_contacts_count_only_their_past_and_keep_the_date_rules() {
        // On PostgreSQL too when `TEST_POSTGRES_URL` is set, like the API tests.
        let server = std::env::var("TEST_POSTGRES_URL").ok();
        let pg = match &server {
            Some(server) => {
                Some(postgres::PostgresDatabase::create(server, "rapport_migration").await)
            }
            None => None,
        };
        let url = pg.as_ref().map_or("sqlite::memory:".into(), |pg| pg.url());
        let db = Database::connect(url).await.unwrap();
        // Every migration before this one (later ones come after it).
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == "m20261130_000009_planned_is_not_done")
            .expect("this migration is listed") as u32;
        Migrator::up(&db, Some(before)).await.unwrap();
        let owner = Uuid::now_v7();
        let now = Utc::now();
        insert(
            &db,
            "users",
            vec![
                ("id", owner.into()),
                ("email", format!("{owner}@example.com").into()),
                ("password_hash", "".into()),
                ("name", "Me".into()),
                ("interests", empty()),
                ("created_at", Value::ChronoDateTimeUtc(Some(now))),
                ("updated_at", Value::ChronoDateTimeUtc(Some(now))),
            ],
        )
        .await;
        let (ada, bo) = (Uuid::now_v7(), Uuid::now_v7());
        let today = Utc::now().date_naive();
        contact_row(
            &db,
            ada,
            owner,
            vec![
                ("keep_in_touch_days", 30.into()),
                ("next_step_due", Value::ChronoDate(Some(today))),
                // As the old rule stored it: the planned meeting counted.
                ("interaction_count", 2.into()),
                ("gave_count", 1.into()),
            ],
        )
        .await;
        contact_row(&db, bo, owner, vec![("stage", "not_now".into())]).await;
        for (days, gave) in [(-10, None), (5, Some("a demo"))] {
            let id = Uuid::now_v7();
            let at = Utc::now() + Duration::days(days);
            insert(
                &db,
                "interactions",
                vec![
                    ("id", id.into()),
                    ("owner_id", owner.into()),
                    ("occurred_at", Value::ChronoDateTimeUtc(Some(at))),
                    ("kind", "meeting".into()),
                    ("gave", gave.into()),
                    ("received", Some("advice").into()),
                    ("goal_ids", empty()),
                    ("created_at", Value::ChronoDateTimeUtc(Some(at))),
                    ("updated_at", Value::ChronoDateTimeUtc(Some(at))),
                ],
            )
            .await;
            insert(
                &db,
                "interaction_contacts",
                vec![
                    ("interaction_id", id.into()),
                    ("contact_id", ada.into()),
                    ("owner_id", owner.into()),
                ],
            )
            .await;
        }
        Migrator::up(&db, None).await.unwrap();

        #[derive(FromQueryResult, Debug)]
        struct After {
            interaction_count: i32,
            gave_count: i32,
            received_count: i32,
            last_interaction_at: Option<DateTime<Utc>>,
            last_received_at: Option<DateTime<Utc>>,
            next_touch_due: Option<NaiveDate>,
            next_step_due: Option<NaiveDate>,
            revisit_on: Option<NaiveDate>,
            reconnect_rank: i64,
        }
        let read = |id: Uuid| {
            let select = Query::select()
                .columns(
                    [
                        "interaction_count",
                        "gave_count",
                        "received_count",
                        "last_interaction_at",
                        "last_received_at",
                        "next_touch_due",
                        "next_step_due",
                        "revisit_on",
                        "reconnect_rank",
                    ]
                    .map(Alias::new),
                )
                .from(Alias::new("contacts"))
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            After::find_by_statement(db.get_database_backend().build(&select)).one(&db)
        };
        let a = read(ada).await.unwrap().unwrap();
        assert_eq!(
            (a.interaction_count, a.gave_count, a.received_count),
            (1, 0, 1)
        );
        let last = a.last_interaction_at.unwrap().date_naive();
        assert_eq!(last, today - Duration::days(10));
        assert_eq!(a.last_received_at, a.last_interaction_at);
        assert_eq!(a.next_touch_due, Some(last + Duration::days(30)));
        assert_eq!(a.next_step_due, None, "no next_step: no due date");
        // Due a cadence after the last meeting, and owed (60): they gave advice.
        assert_eq!(
            a.reconnect_rank,
            60 - i64::from((last + Duration::days(30)).num_days_from_ce())
        );
        let b = read(bo).await.unwrap().unwrap();
        assert_eq!(b.revisit_on, Some(today + Duration::days(90)));
        assert_eq!(b.interaction_count, 0);
        assert_eq!(b.last_interaction_at, None);
        db.close().await.unwrap();
        drop(pg);
    }
}
