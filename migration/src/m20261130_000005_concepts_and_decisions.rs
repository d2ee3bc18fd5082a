//! The concept layer of the intersections engine: each user's own
//! vocabulary, decisions about introductions, the engine version the stored
//! intersections were computed with, and room for the longer intersection
//! kind `complementary_goal`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_create_account::Users;
use crate::m20261121_000002_create_contacts_and_interactions::{Contacts, index, owner_fk};
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;
use crate::m20261122_000004_create_goals_and_intersections::Intersections;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("own_concepts", "sqlite_autoindex_own_concepts_1", "10000 1"),
    ("own_concepts", "idx_own_concepts_owner_concept", "10000 10 1"),
    ("own_concepts", "idx_own_concepts_owner_created", "10000 10 1 1"),
    ("introduction_decisions", "sqlite_autoindex_introduction_decisions_1", "100000 1"),
    ("introduction_decisions", "idx_introduction_decisions_owner_status", "100000 100 50"),
    ("introduction_decisions", "idx_introduction_decisions_contact_a", "100000 5"),
    ("introduction_decisions", "idx_introduction_decisions_contact_b", "100000 5"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Stored intersections computed by another engine (model or
        // vocabulary version) are stale, whatever the network version says.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(big_integer(Users::IntersectionsEngine).default(0))
                    .to_owned(),
            )
            .await?;
        // SQLite does not enforce lengths (and cannot alter a column); on
        // PostgreSQL, "complementary_goal" needs more than 16 characters.
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(Intersections::Table)
                        .modify_column(string_len(Intersections::Kind, 32))
                        .to_owned(),
                )
                .await?;
        }

        use OwnConcepts as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(uuid(O::Id).primary_key())
                    .col(uuid(O::OwnerId))
                    .col(string_len(O::ConceptId, 64))
                    .col(string_len_null(O::Extends, 64))
                    .col(string_len(O::Label, 100))
                    .col(json(O::Phrases))
                    .col(json(O::Complements))
                    .col(timestamp_with_time_zone(O::CreatedAt))
                    .col(timestamp_with_time_zone(O::UpdatedAt))
                    .foreign_key(&mut owner_fk(O::Table, O::OwnerId))
                    .to_owned(),
            )
            .await?;
        // One entry per concept per user: a concept of their own, or the
        // words they add to one built-in concept.
        manager
            .create_index(
                index(
                    "idx_own_concepts_owner_concept",
                    O::Table,
                    vec![O::OwnerId.into_iden(), O::ConceptId.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_own_concepts_owner_created",
                O::Table,
                vec![
                    O::OwnerId.into_iden(),
                    O::CreatedAt.into_iden(),
                    O::Id.into_iden(),
                ],
            ))
            .await?;

        use IntroductionDecisions as D;
        let contact = |column: D| {
            ForeignKey::create()
                .from(D::Table, column)
                .to(Contacts::Table, Contacts::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::OwnerId))
                    .col(uuid(D::ContactA))
                    .col(uuid(D::ContactB))
                    .col(string_len(D::Status, 16))
                    .col(text_null(D::Note))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .foreign_key(&mut owner_fk(D::Table, D::OwnerId))
                    .foreign_key(&mut contact(D::ContactA))
                    .foreign_key(&mut contact(D::ContactB))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_introduction_decisions_owner_status",
                vec![
                    D::OwnerId.into_iden(),
                    D::Status.into_iden(),
                    D::Id.into_iden(),
                ],
            ),
            (
                "idx_introduction_decisions_contact_a",
                vec![D::ContactA.into_iden()],
            ),
            (
                "idx_introduction_decisions_contact_b",
                vec![D::ContactB.into_iden()],
            ),
        ] {
            manager.create_index(index(name, D::Table, cols)).await?;
        }
        write_statistics(manager, STATS).await
    }
}

#[derive(DeriveIden)]
enum OwnConcepts {
    Table,
    Id,
    OwnerId,
    ConceptId,
    Extends,
    Label,
    Phrases,
    Complements,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntroductionDecisions {
    Table,
    Id,
    OwnerId,
    ContactA,
    ContactB,
    Status,
    Note,
    CreatedAt,
    UpdatedAt,
}
