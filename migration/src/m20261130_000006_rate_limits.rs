//! Rate-limit counts shared by every instance on one PostgreSQL
//! (`RAPPORT_RATE_LIMIT_STORE=database`). One row per limited key, holding
//! its theoretical arrival time (the GCRA's single number): a row whose time
//! has passed is a full bucket, so old rows can be deleted at any moment.
//!
//! PostgreSQL only: one SQLite file serves one process, which counts in its
//! own memory (the service refuses the shared store on SQLite).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(string_len(RateLimits::Key, 100).primary_key())
                    .col(timestamp_with_time_zone(RateLimits::Tat))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RateLimits::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
pub enum RateLimits {
    Table,
    Key,
    Tat,
}
