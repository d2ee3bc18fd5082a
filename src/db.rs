//! Database connections. SQLite by default (a file, WAL, foreign keys on, a
//! busy timeout and a pool of readers), PostgreSQL through the URL. The same
//! migrations run on both.
//!
//! Every transaction that writes begins through [`begin_write`]: on SQLite it
//! is `BEGIN IMMEDIATE`, which takes the write lock up front and so waits out
//! the busy timeout. A deferred transaction that reads then writes would fail at
//! once with "database is locked" when another writer holds the lock.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseSettings;

pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    if let Some(file) = settings.sqlite_file() {
        let create = settings.url.contains("mode=rwc");
        private_file(std::path::Path::new(file), create)
            .map_err(|e| DbErr::Custom(format!("cannot make {file} private: {e}")))?;
    }
    Database::connect(options(settings, settings.pool_size)).await
}

/// A SQLite database holds everyone's contacts: readable by its owner only
/// (0600), created so if new and `create` (the URL's `mode=rwc`). SQLite
/// gives its `-wal` and `-shm` files the database file's mode; those left by
/// an earlier run are made private too.
fn private_file(path: &std::path::Path, create: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if create && !path.exists() {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, create);
    Ok(())
}

/// The pool every transaction that writes begins on. On SQLite it is one
/// connection of its own: writers queue for it inside the process, first come
/// first served and woken the moment it is free, instead of polling SQLite's
/// write lock in its busy handler, which sleeps up to 100 ms between tries (a
/// 114 ms p99 at 16 writers before). The busy timeout still guards against
/// other processes. On PostgreSQL, which locks rows rather than the database,
/// it is the shared pool itself.
pub async fn connect_writer(
    settings: &DatabaseSettings,
    shared: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if settings.is_sqlite() {
        Database::connect(options(settings, 1)).await
    } else {
        Ok(shared.clone())
    }
}

fn options(settings: &DatabaseSettings, pool_size: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(settings.acquire_timeout)
        .acquire_timeout(settings.acquire_timeout)
        .sqlx_logging(false);
    let busy_timeout = settings.statement_timeout;
    options.map_sqlx_sqlite_opts(move |o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(busy_timeout)
            .foreign_keys(true)
    });
    let statement_timeout = settings.statement_timeout.as_millis().to_string();
    options.map_sqlx_postgres_opts(move |o| {
        o.options([("statement_timeout", statement_timeout.as_str())])
    });
    // A connection broken by a server restart is replaced, not handed out.
    options.test_before_acquire(settings.is_postgres());
    options
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Begins a transaction that will write (see the module docs), on the pool
/// from [`connect_writer`].
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// A read-only transaction that sees one snapshot for all its reads: on
/// PostgreSQL `REPEATABLE READ`, on SQLite (WAL) any transaction once it has
/// read.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await
    } else {
        db.begin().await
    }
}

/// Whether the database answers: a trivial round trip.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_sqlite_database_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rapport-mode-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let new = dir.join("new.db");
        private_file(&new, true).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&new), 0o600);
        let old = dir.join("old.db");
        std::fs::write(&old, b"").unwrap();
        std::fs::write(dir.join("old.db-wal"), b"").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&old, false).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(mode(&dir.join("old.db-wal")), 0o600);
        private_file(&dir.join("absent.db"), false).unwrap();
        assert!(!dir.join("absent.db").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
