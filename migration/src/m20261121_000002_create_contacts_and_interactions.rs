//! Contacts, interactions and their participants, contact tags (for the `tag`
//! filter), and idempotency records for `POST` retries.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_create_account::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) fn owner_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

pub(crate) fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut idx = Index::create().name(name).table(table).to_owned();
    for col in cols {
        idx.col(col);
    }
    idx
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Contacts as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::OwnerId))
                    .col(string_len(C::FullName, 200))
                    .col(string_len(C::SortName, 200))
                    .col(string_len_null(C::Headline, 200))
                    .col(string_len_null(C::Company, 200))
                    .col(string_len_null(C::Role, 200))
                    .col(string_len_null(C::Location, 200))
                    .col(json(C::Emails))
                    .col(json(C::Phones))
                    .col(json(C::Links))
                    .col(string_len_null(C::Source, 32))
                    .col(date_null(C::MetOn))
                    .col(string_len_null(C::MetVia, 200))
                    .col(json(C::Interests))
                    .col(text_null(C::Why))
                    .col(text_null(C::CanGive))
                    .col(text_null(C::CanGet))
                    .col(text_null(C::NextStep))
                    .col(date_null(C::NextStepDue))
                    .col(text_null(C::SpendsTimeOn))
                    .col(text_null(C::RelaxesBy))
                    .col(text_null(C::GrowingIn))
                    .col(string_len(C::Stage, 16))
                    .col(date_null(C::RevisitOn))
                    .col(integer_null(C::KeepInTouchDays))
                    .col(text_null(C::Notes))
                    .col(text(C::SearchText))
                    .col(timestamp_with_time_zone_null(C::LastInteractionAt))
                    .col(integer(C::InteractionCount).default(0))
                    .col(integer(C::GaveCount).default(0))
                    .col(integer(C::ReceivedCount).default(0))
                    .col(date_null(C::NextTouchDue))
                    .col(integer(C::IntersectionCount).default(0))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(&mut owner_fk(C::Table, C::OwnerId))
                    .to_owned(),
            )
            .await?;
        // One index per sort order (owner, key, id) and per equality filter.
        for (name, cols) in [
            (
                "idx_contacts_owner_name",
                vec![C::SortName.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_created",
                vec![C::CreatedAt.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_last_interaction",
                vec![C::LastInteractionAt.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_next_touch",
                vec![C::NextTouchDue.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_next_step",
                vec![C::NextStepDue.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_revisit",
                vec![C::RevisitOn.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_intersections",
                vec![C::IntersectionCount.into_iden(), C::Id.into_iden()],
            ),
            (
                "idx_contacts_owner_stage",
                vec![
                    C::Stage.into_iden(),
                    C::SortName.into_iden(),
                    C::Id.into_iden(),
                ],
            ),
            (
                "idx_contacts_owner_source",
                vec![
                    C::Source.into_iden(),
                    C::SortName.into_iden(),
                    C::Id.into_iden(),
                ],
            ),
        ] {
            let mut cols_with_owner = vec![C::OwnerId.into_iden()];
            cols_with_owner.extend(cols);
            manager
                .create_index(index(name, C::Table, cols_with_owner))
                .await?;
        }
        // The reconnect ranking: most intersections first, then the longest
        // silence (never first, which is how an ascending index stores NULLs).
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
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactTags::Table)
                    .col(uuid(ContactTags::ContactId))
                    .col(string_len(ContactTags::Tag, 50))
                    .col(uuid(ContactTags::OwnerId))
                    .primary_key(
                        Index::create()
                            .col(ContactTags::ContactId)
                            .col(ContactTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactTags::Table, ContactTags::ContactId)
                            .to(C::Table, C::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut owner_fk(ContactTags::Table, ContactTags::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                // Tag first: an index led by owner_id would tempt planners
                // without statistics away from the primary key when a
                // contact's tags are replaced.
                "idx_contact_tags_tag_owner",
                ContactTags::Table,
                vec![
                    ContactTags::Tag.into_iden(),
                    ContactTags::OwnerId.into_iden(),
                    ContactTags::ContactId.into_iden(),
                ],
            ))
            .await?;

        use Interactions as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(uuid(I::OwnerId))
                    .col(timestamp_with_time_zone(I::OccurredAt))
                    .col(string_len(I::Kind, 16))
                    .col(string_len_null(I::Channel, 16))
                    .col(text_null(I::Summary))
                    .col(text_null(I::Notes))
                    .col(string_len_null(I::InitiatedBy, 8))
                    .col(text_null(I::Gave))
                    .col(text_null(I::Received))
                    .col(json(I::GoalIds))
                    .col(date_null(I::FollowUpDueOn))
                    .col(text_null(I::FollowUpNote))
                    .col(boolean_null(I::FollowUpDone))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone(I::UpdatedAt))
                    .foreign_key(&mut owner_fk(I::Table, I::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_interactions_owner_occurred",
                I::Table,
                vec![
                    I::OwnerId.into_iden(),
                    I::OccurredAt.into_iden(),
                    I::Id.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_interactions_owner_follow_up",
                I::Table,
                vec![
                    I::OwnerId.into_iden(),
                    I::FollowUpDone.into_iden(),
                    I::FollowUpDueOn.into_iden(),
                    I::Id.into_iden(),
                ],
            ))
            .await?;

        use InteractionContacts as IC;
        manager
            .create_table(
                Table::create()
                    .table(IC::Table)
                    .col(uuid(IC::InteractionId))
                    .col(uuid(IC::ContactId))
                    .col(uuid(IC::OwnerId))
                    .primary_key(Index::create().col(IC::InteractionId).col(IC::ContactId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IC::Table, IC::InteractionId)
                            .to(I::Table, I::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IC::Table, IC::ContactId)
                            .to(C::Table, C::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut owner_fk(IC::Table, IC::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_interaction_contacts_contact",
                IC::Table,
                vec![IC::ContactId.into_iden(), IC::InteractionId.into_iden()],
            ))
            .await?;

        use IdempotencyKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(uuid(K::OwnerId))
                    .col(string_len(K::Key, 255))
                    .col(string_len(K::Fingerprint, 64))
                    .col(small_integer(K::Status))
                    .col(text(K::Body))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .primary_key(Index::create().col(K::OwnerId).col(K::Key))
                    .foreign_key(&mut owner_fk(K::Table, K::OwnerId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            InteractionContacts::Table.into_iden(),
            Interactions::Table.into_iden(),
            ContactTags::Table.into_iden(),
            Contacts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Contacts {
    Table,
    Id,
    OwnerId,
    FullName,
    SortName,
    Headline,
    Company,
    Role,
    Location,
    Emails,
    Phones,
    Links,
    Source,
    MetOn,
    MetVia,
    Interests,
    Why,
    CanGive,
    CanGet,
    NextStep,
    NextStepDue,
    SpendsTimeOn,
    RelaxesBy,
    GrowingIn,
    Stage,
    RevisitOn,
    KeepInTouchDays,
    Notes,
    SearchText,
    LastInteractionAt,
    InteractionCount,
    GaveCount,
    ReceivedCount,
    NextTouchDue,
    IntersectionCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContactTags {
    Table,
    ContactId,
    Tag,
    OwnerId,
}

#[derive(DeriveIden)]
pub(crate) enum Interactions {
    Table,
    Id,
    OwnerId,
    OccurredAt,
    Kind,
    Channel,
    Summary,
    Notes,
    InitiatedBy,
    Gave,
    Received,
    GoalIds,
    FollowUpDueOn,
    FollowUpNote,
    FollowUpDone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InteractionContacts {
    Table,
    InteractionId,
    ContactId,
    OwnerId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    OwnerId,
    Key,
    Fingerprint,
    Status,
    Body,
    CreatedAt,
}
