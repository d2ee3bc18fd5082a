//! Schema migrations. One portable migration per change: each runs unchanged on
//! SQLite and PostgreSQL, and is never edited once it has shipped.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_account;
mod m20261121_000002_create_contacts_and_interactions;
mod m20261122_000003_sqlite_planner_statistics;
mod m20261122_000004_create_goals_and_intersections;
mod m20261130_000005_concepts_and_decisions;
mod m20261130_000006_rate_limits;
mod m20261130_000007_search;
mod m20261130_000008_events;
mod m20261130_000009_planned_is_not_done;
mod m20261201_000010_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_account::Migration),
            Box::new(m20261121_000002_create_contacts_and_interactions::Migration),
            Box::new(m20261122_000003_sqlite_planner_statistics::Migration),
            Box::new(m20261122_000004_create_goals_and_intersections::Migration),
            Box::new(m20261130_000005_concepts_and_decisions::Migration),
            Box::new(m20261130_000006_rate_limits::Migration),
            Box::new(m20261130_000007_search::Migration),
            Box::new(m20261130_000008_events::Migration),
            Box::new(m20261130_000009_planned_is_not_done::Migration),
            Box::new(m20261201_000010_webhooks::Migration),
        ]
    }
}
