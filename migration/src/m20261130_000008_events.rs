//! Events: a conference, a meetup, a dinner: when and where, why I go, the
//! goals it could advance, and who will be there (attendees with a status).
//!
//! Attendees and related goals are join tables with foreign keys `ON DELETE
//! CASCADE` on both sides, so deleting a contact, a goal, an event or an
//! account removes its links however it happens (merges, restores).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_contacts_and_interactions::{Contacts, index, owner_fk};
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What SQLite's planner should assume of the new indexes (see migration
/// 000003): a few events per owner, tens of attendees per event.
#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("events", "sqlite_autoindex_events_1", "10000 1"),
    ("events", "idx_events_owner_starts", "10000 100 1 1"),
    ("event_attendees", "sqlite_autoindex_event_attendees_1", "200000 20 1"),
    ("event_attendees", "idx_event_attendees_contact", "200000 2 1"),
    ("event_goals", "sqlite_autoindex_event_goals_1", "20000 2 1"),
    ("event_goals", "idx_event_goals_goal", "20000 2"),
];

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Events as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::OwnerId))
                    .col(string_len(E::Name, 200))
                    .col(timestamp_with_time_zone(E::StartsAt))
                    .col(timestamp_with_time_zone_null(E::EndsAt))
                    .col(string_len_null(E::Location, 200))
                    .col(string_len_null(E::Url, 2000))
                    .col(text_null(E::Intent))
                    .col(text_null(E::Notes))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .foreign_key(&mut owner_fk(E::Table, E::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_events_owner_starts",
                E::Table,
                vec![
                    E::OwnerId.into_iden(),
                    E::StartsAt.into_iden(),
                    E::Id.into_iden(),
                ],
            ))
            .await?;

        use EventAttendees as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::EventId))
                    .col(uuid(A::ContactId))
                    .col(uuid(A::OwnerId))
                    .col(string_len(A::Status, 16))
                    .primary_key(Index::create().col(A::EventId).col(A::ContactId))
                    .foreign_key(&mut cascade((A::Table, A::EventId), (E::Table, E::Id)))
                    .foreign_key(&mut cascade(
                        (A::Table, A::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut owner_fk(A::Table, A::OwnerId))
                    .to_owned(),
            )
            .await?;
        // A contact's events (their timeline; deleting the contact).
        manager
            .create_index(index(
                "idx_event_attendees_contact",
                A::Table,
                vec![A::ContactId.into_iden(), A::EventId.into_iden()],
            ))
            .await?;

        use EventGoals as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(uuid(G::EventId))
                    .col(uuid(G::GoalId))
                    .col(uuid(G::OwnerId))
                    .primary_key(Index::create().col(G::EventId).col(G::GoalId))
                    .foreign_key(&mut cascade((G::Table, G::EventId), (E::Table, E::Id)))
                    .foreign_key(&mut cascade(
                        (G::Table, G::GoalId),
                        (Goals::Table, Goals::Id),
                    ))
                    .foreign_key(&mut owner_fk(G::Table, G::OwnerId))
                    .to_owned(),
            )
            .await?;
        // Deleting a goal finds its links without a scan.
        manager
            .create_index(index(
                "idx_event_goals_goal",
                G::Table,
                vec![G::GoalId.into_iden()],
            ))
            .await?;
        write_statistics(manager, STATS).await
    }
}

#[derive(DeriveIden)]
pub enum Events {
    Table,
    Id,
    OwnerId,
    Name,
    StartsAt,
    EndsAt,
    Location,
    Url,
    Intent,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventAttendees {
    Table,
    EventId,
    ContactId,
    OwnerId,
    Status,
}

#[derive(DeriveIden)]
enum EventGoals {
    Table,
    EventId,
    GoalId,
    OwnerId,
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
}
