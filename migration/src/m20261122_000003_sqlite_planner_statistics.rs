//! SQLite only: planner statistics for a database that has none yet.
//!
//! Without `sqlite_stat1`, SQLite guesses that `owner_id = ?` selects about ten
//! rows, so it prefers any index that starts with `owner_id` over the primary
//! key: `WHERE owner_id = ? AND id IN (…)` scans every row of the user. Real
//! statistics appear only after `ANALYZE`, which a fresh database that is being
//! filled (an import) never had. These rows describe the shape we expect (one
//! owner holds many rows; ids are unique), and any later `ANALYZE` replaces
//! them with measured ones. PostgreSQL gathers its own statistics.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, index, stat): "rows, rows per value of the first column, of the
/// first two, …", as sqlite_stat1 stores them.
#[rustfmt::skip]
pub const STATS: &[(&str, &str, &str)] = &[
    ("contacts", "sqlite_autoindex_contacts_1", "1000000 1"),
    ("contacts", "idx_contacts_owner_name", "1000000 100000 2 1"),
    ("contacts", "idx_contacts_owner_created", "1000000 100000 1 1"),
    ("contacts", "idx_contacts_owner_last_interaction", "1000000 100000 10 1"),
    ("contacts", "idx_contacts_owner_next_touch", "1000000 100000 100 1"),
    ("contacts", "idx_contacts_owner_next_step", "1000000 100000 1000 1"),
    ("contacts", "idx_contacts_owner_revisit", "1000000 100000 1000 1"),
    ("contacts", "idx_contacts_owner_intersections", "1000000 100000 5000 1"),
    ("contacts", "idx_contacts_owner_reconnect", "1000000 100000 5000 10 1"),
    ("contacts", "idx_contacts_owner_stage", "1000000 100000 25000 1 1"),
    ("contacts", "idx_contacts_owner_source", "1000000 100000 8000 1 1"),
    ("contact_tags", "sqlite_autoindex_contact_tags_1", "3000000 3 1"),
    ("contact_tags", "idx_contact_tags_tag_owner", "3000000 15000 1000 1"),
    ("interactions", "sqlite_autoindex_interactions_1", "1000000 1"),
    ("interactions", "idx_interactions_owner_occurred", "1000000 100000 1 1"),
    ("interactions", "idx_interactions_owner_follow_up", "1000000 100000 50000 100 1"),
    ("interaction_contacts", "sqlite_autoindex_interaction_contacts_1", "1200000 2 1"),
    ("interaction_contacts", "idx_interaction_contacts_contact", "1200000 10 1"),
    ("idempotency_keys", "sqlite_autoindex_idempotency_keys_1", "100000 10000 1"),
    ("api_tokens", "sqlite_autoindex_api_tokens_1", "10000 1"),
    ("api_tokens", "sqlite_autoindex_api_tokens_2", "10000 1"),
    ("api_tokens", "idx_api_tokens_owner", "10000 10"),
    ("refresh_tokens", "sqlite_autoindex_refresh_tokens_1", "100000 1"),
    ("refresh_tokens", "sqlite_autoindex_refresh_tokens_2", "100000 1"),
    ("refresh_tokens", "idx_refresh_tokens_owner", "100000 100"),
    ("refresh_tokens", "idx_refresh_tokens_family", "100000 10"),
];

/// Writes `stats` into `sqlite_stat1` (SQLite only; a no-op elsewhere). Later
/// migrations that add indexes call it with their own rows.
pub(crate) async fn write_statistics(
    manager: &SchemaManager<'_>,
    stats: &[(&str, &str, &str)],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    // Analysing one tiny table creates sqlite_stat1 if need be. A plain
    // ANALYZE would also drop the rows of every empty table (and scan every
    // full one), undoing what an earlier migration wrote.
    db.execute_unprepared("ANALYZE seaql_migrations").await?;
    for (table, index, stat) in stats {
        db.execute_unprepared(&format!(
            "DELETE FROM sqlite_stat1 WHERE tbl = '{table}' AND idx = '{index}'; \
             INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('{table}', '{index}', '{stat}')"
        ))
        .await?;
    }
    // Loads the statistics into the planner of this connection; others
    // load them when they next read the schema.
    db.execute_unprepared("ANALYZE sqlite_schema").await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        write_statistics(manager, STATS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("DELETE FROM sqlite_stat1").await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

    use crate::Migrator;

    /// An index without a row here would look selective to the planner and
    /// win over the right one (see the module docs).
    #[tokio::test]
    async fn every_index_of_user_data_has_statistics() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT name FROM sqlite_master WHERE type = 'index' \
                 AND tbl_name NOT IN ('users', 'seaql_migrations') \
                 AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)",
            ))
            .await
            .unwrap();
        let missing: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "name").unwrap())
            .collect();
        assert!(
            missing.is_empty(),
            "indexes without statistics: {missing:?}"
        );
    }
}
