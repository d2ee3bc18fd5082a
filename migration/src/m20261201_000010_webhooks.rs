//! Webhooks: subscriptions, the outbox of events and the deliveries of each
//! event to each subscription.
//!
//! An event row is written in the same transaction as the change that caused
//! it, with one delivery row per subscription that wants it: a change that
//! rolls back leaves no event, and a committed change cannot lose its event
//! (the worker delivers from these rows, after restarts too). `dedupe_key`
//! makes time-based events (a follow-up falling due) fire once per due date:
//! a second insert with the same key is refused by the unique index.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_contacts_and_interactions::{index, owner_fk};
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What SQLite's planner should assume of the new indexes (see migration
/// 000003): a few subscriptions per owner, many events and deliveries, most
/// of them delivered.
#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("webhooks", "sqlite_autoindex_webhooks_1", "1000 1"),
    ("webhooks", "idx_webhooks_owner_created", "1000 2 1 1"),
    ("webhook_events", "sqlite_autoindex_webhook_events_1", "1000000 1"),
    ("webhook_events", "idx_webhook_events_dedupe", "1000000 1000 1"),
    ("webhook_deliveries", "sqlite_autoindex_webhook_deliveries_1", "1000000 1"),
    ("webhook_deliveries", "idx_webhook_deliveries_due", "1000000 300000 1"),
    ("webhook_deliveries", "idx_webhook_deliveries_webhook", "1000000 5000 1 1"),
    ("webhook_deliveries", "idx_webhook_deliveries_event", "1000000 2"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Webhooks as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(uuid(W::Id).primary_key())
                    .col(uuid(W::OwnerId))
                    .col(string_len(W::Url, 2000))
                    .col(string_len_null(W::Description, 500))
                    .col(text(W::EventTypes))
                    .col(boolean(W::Enabled))
                    .col(string_len(W::Secret, 100))
                    .col(string_len_null(W::PreviousSecret, 100))
                    .col(timestamp_with_time_zone_null(W::PreviousSecretExpiresAt))
                    .col(text_null(W::DisabledReason))
                    .col(timestamp_with_time_zone_null(W::FailingSince))
                    .col(timestamp_with_time_zone(W::CreatedAt))
                    .col(timestamp_with_time_zone(W::UpdatedAt))
                    .foreign_key(&mut owner_fk(W::Table, W::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_webhooks_owner_created",
                W::Table,
                vec![
                    W::OwnerId.into_iden(),
                    W::CreatedAt.into_iden(),
                    W::Id.into_iden(),
                ],
            ))
            .await?;

        use WebhookEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::OwnerId))
                    .col(string_len(E::Type, 64))
                    .col(timestamp_with_time_zone(E::OccurredAt))
                    .col(text(E::Payload))
                    .col(string_len_null(E::DedupeKey, 200))
                    .foreign_key(&mut owner_fk(E::Table, E::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_webhook_events_dedupe",
                    E::Table,
                    vec![E::OwnerId.into_iden(), E::DedupeKey.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        use WebhookDeliveries as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::OwnerId))
                    .col(uuid(D::WebhookId))
                    .col(uuid(D::EventId))
                    .col(string_len(D::State, 16))
                    .col(integer(D::Attempts))
                    .col(timestamp_with_time_zone_null(D::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(D::LockedUntil))
                    .col(text(D::Log))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .foreign_key(&mut owner_fk(D::Table, D::OwnerId))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(D::Table, D::WebhookId)
                            .to(W::Table, W::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(D::Table, D::EventId)
                            .to(E::Table, E::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        // What the worker claims: pending deliveries by due time.
        manager
            .create_index(index(
                "idx_webhook_deliveries_due",
                D::Table,
                vec![D::State.into_iden(), D::NextAttemptAt.into_iden()],
            ))
            .await?;
        // A subscription's delivery log, newest first.
        manager
            .create_index(index(
                "idx_webhook_deliveries_webhook",
                D::Table,
                vec![
                    D::WebhookId.into_iden(),
                    D::CreatedAt.into_iden(),
                    D::Id.into_iden(),
                ],
            ))
            .await?;
        // Deleting an event (with its account) finds its deliveries.
        manager
            .create_index(index(
                "idx_webhook_deliveries_event",
                D::Table,
                vec![D::EventId.into_iden()],
            ))
            .await?;
        write_statistics(manager, STATS).await
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    OwnerId,
    Url,
    Description,
    EventTypes,
    Enabled,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    DisabledReason,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    OwnerId,
    Type,
    OccurredAt,
    Payload,
    DedupeKey,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    OwnerId,
    WebhookId,
    EventId,
    State,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    Log,
    CreatedAt,
    UpdatedAt,
}
