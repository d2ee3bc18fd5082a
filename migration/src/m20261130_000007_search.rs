//! Full-text search over what a user wrote about people: one document per
//! contact, interaction and goal, holding its words already folded and
//! stemmed by the service (so both databases find the same things), indexed
//! by each database's own engine: an FTS5 table kept in step by triggers on
//! SQLite, a generated `tsvector` with a GIN index on PostgreSQL.
//!
//! A document points at its resource through one of three nullable foreign
//! keys, each `ON DELETE CASCADE`: deleting a contact, an interaction, a goal
//! or an account removes its documents however it happens (merges, cascades,
//! restores). The service fills the documents of rows written before this
//! migration when it starts (`search::index::backfill`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_contacts_and_interactions::{index, owner_fk};
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What SQLite's planner should assume of the new indexes (see migration
/// 000003): one document per resource, many per owner.
#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("search_documents", "idx_search_documents_contact", "100000 1"),
    ("search_documents", "idx_search_documents_interaction", "100000 1"),
    ("search_documents", "idx_search_documents_goal", "100000 1"),
    ("search_documents", "idx_search_documents_owner", "100000 100"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SearchDocuments as S;
        let resource_fk = |column: S, table: &str| {
            ForeignKey::create()
                .from(S::Table, column)
                .to(Alias::new(table), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_integer(S::Id).auto_increment().primary_key())
                    .col(uuid(S::OwnerId))
                    .col(string_len(S::Kind, 16))
                    .col(uuid_null(S::ContactId))
                    .col(uuid_null(S::InteractionId))
                    .col(uuid_null(S::GoalId))
                    .col(text(S::Terms))
                    .foreign_key(&mut owner_fk(S::Table, S::OwnerId))
                    .foreign_key(&mut resource_fk(S::ContactId, "contacts"))
                    .foreign_key(&mut resource_fk(S::InteractionId, "interactions"))
                    .foreign_key(&mut resource_fk(S::GoalId, "goals"))
                    .to_owned(),
            )
            .await?;
        // One document per resource, found by it when it changes (and by the
        // cascades when it goes).
        for (name, column) in [
            ("idx_search_documents_contact", S::ContactId),
            ("idx_search_documents_interaction", S::InteractionId),
            ("idx_search_documents_goal", S::GoalId),
        ] {
            manager
                .create_index(
                    index(name, S::Table, vec![column.into_iden()])
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index(
                "idx_search_documents_owner",
                S::Table,
                vec![S::OwnerId.into_iden()],
            ))
            .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                // External content: the words live once, in search_documents
                // (whose integer key is the rowid FTS5 indexes); the triggers
                // keep the index in step with every insert, update and delete,
                // cascades included.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE search_index USING fts5(\
                         terms, content='search_documents', content_rowid='id', \
                         tokenize='unicode61 remove_diacritics 0'\
                     );\
                     CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN \
                         INSERT INTO search_index(rowid, terms) VALUES (new.id, new.terms); \
                     END;\
                     CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN \
                         INSERT INTO search_index(search_index, rowid, terms) \
                             VALUES ('delete', old.id, old.terms); \
                     END;\
                     CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN \
                         INSERT INTO search_index(search_index, rowid, terms) \
                             VALUES ('delete', old.id, old.terms); \
                         INSERT INTO search_index(rowid, terms) VALUES (new.id, new.terms); \
                     END;",
                )
                .await?;
            }
            sea_orm::DatabaseBackend::Postgres => {
                // 'simple': the service has folded and stemmed the words
                // already; PostgreSQL only splits and indexes them.
                db.execute_unprepared(
                    "ALTER TABLE search_documents ADD COLUMN tsv tsvector \
                         GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED;\
                     CREATE INDEX idx_search_documents_tsv ON search_documents USING GIN (tsv);",
                )
                .await?;
            }
            _ => {}
        }
        write_statistics(manager, STATS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS search_index")
                .await?;
        }
        manager
            .drop_table(
                Table::drop()
                    .table(SearchDocuments::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
pub enum SearchDocuments {
    Table,
    Id,
    OwnerId,
    Kind,
    ContactId,
    InteractionId,
    GoalId,
    Terms,
}
