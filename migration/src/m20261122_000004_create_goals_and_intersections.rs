//! Goals and offers (the user's and each contact's), their topics (for the
//! `topic` filter), the intersections between the user and their contacts,
//! and the two counters that say whether those intersections are current.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_create_account::Users;
use crate::m20261121_000002_create_contacts_and_interactions::{Contacts, index, owner_fk};
use crate::m20261122_000003_sqlite_planner_statistics::write_statistics;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[rustfmt::skip]
const STATS: &[(&str, &str, &str)] = &[
    ("goals", "sqlite_autoindex_goals_1", "5000000 1"),
    ("goals", "idx_goals_owner_created", "5000000 500000 1 1"),
    ("goals", "idx_goals_owner_contact", "5000000 500000 5 1"),
    ("goals", "idx_goals_contact", "5000000 5"),
    ("goal_topics", "sqlite_autoindex_goal_topics_1", "10000000 2 1"),
    ("goal_topics", "idx_goal_topics_topic_owner", "10000000 20000 1000 1"),
    ("intersections", "sqlite_autoindex_intersections_1", "5000000 1"),
    ("intersections", "idx_intersections_owner_score", "5000000 50000 10 1"),
    ("intersections", "idx_intersections_contact", "5000000 5 2 1"),
    ("intersections", "idx_intersections_owner_status_kind", "5000000 50000 20000 10000"),
    ("intersections", "idx_intersections_my_goal", "5000000 50"),
    ("intersections", "idx_intersections_their_goal", "5000000 5"),
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
        use Goals as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(uuid(G::Id).primary_key())
                    .col(uuid(G::OwnerId))
                    .col(uuid_null(G::ContactId))
                    .col(string_len(G::Kind, 8))
                    .col(string_len(G::Title, 200))
                    .col(text_null(G::Description))
                    .col(json(G::Topics))
                    .col(string_len_null(G::Horizon, 8))
                    .col(date_null(G::TargetOn))
                    .col(string_len(G::Status, 16))
                    .col(small_integer(G::Priority))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .col(timestamp_with_time_zone(G::UpdatedAt))
                    .foreign_key(&mut owner_fk(G::Table, G::OwnerId))
                    .foreign_key(&mut cascade(
                        (G::Table, G::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_goals_owner_created",
                vec![
                    G::OwnerId.into_iden(),
                    G::CreatedAt.into_iden(),
                    G::Id.into_iden(),
                ],
            ),
            (
                "idx_goals_owner_contact",
                vec![
                    G::OwnerId.into_iden(),
                    G::ContactId.into_iden(),
                    G::Id.into_iden(),
                ],
            ),
            // Deleting a contact cascades to its goals through this one.
            ("idx_goals_contact", vec![G::ContactId.into_iden()]),
        ] {
            manager.create_index(index(name, G::Table, cols)).await?;
        }

        use GoalTopics as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::GoalId))
                    .col(string_len(T::Topic, 50))
                    .col(uuid(T::OwnerId))
                    .primary_key(Index::create().col(T::GoalId).col(T::Topic))
                    .foreign_key(&mut cascade((T::Table, T::GoalId), (G::Table, G::Id)))
                    .foreign_key(&mut owner_fk(T::Table, T::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_topics_topic_owner",
                T::Table,
                vec![
                    T::Topic.into_iden(),
                    T::OwnerId.into_iden(),
                    T::GoalId.into_iden(),
                ],
            ))
            .await?;

        use Intersections as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(uuid(I::OwnerId))
                    .col(uuid(I::ContactId))
                    .col(string_len(I::Kind, 16))
                    .col(uuid_null(I::MyGoalId))
                    .col(uuid_null(I::TheirGoalId))
                    .col(double(I::Score))
                    .col(json(I::Reasons))
                    .col(string_len(I::Status, 16))
                    .col(text_null(I::Note))
                    .col(string_len(I::Origin, 16))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone(I::UpdatedAt))
                    .foreign_key(&mut owner_fk(I::Table, I::OwnerId))
                    .foreign_key(&mut cascade(
                        (I::Table, I::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut cascade((I::Table, I::MyGoalId), (G::Table, G::Id)))
                    .foreign_key(&mut cascade((I::Table, I::TheirGoalId), (G::Table, G::Id)))
                    .to_owned(),
            )
            .await?;
        // Best first, for the list; per contact, for the brief, the counts and
        // the cascade; per goal, for the cascades.
        manager
            .create_index(
                Index::create()
                    .name("idx_intersections_owner_score")
                    .table(I::Table)
                    .col(I::OwnerId)
                    .col((I::Score, IndexOrder::Desc))
                    .col(I::Id)
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_intersections_contact",
                vec![
                    I::ContactId.into_iden(),
                    I::Status.into_iden(),
                    I::Id.into_iden(),
                ],
            ),
            // Counts by status and kind (insights), read off the index alone.
            (
                "idx_intersections_owner_status_kind",
                vec![
                    I::OwnerId.into_iden(),
                    I::Status.into_iden(),
                    I::Kind.into_iden(),
                ],
            ),
            ("idx_intersections_my_goal", vec![I::MyGoalId.into_iden()]),
            (
                "idx_intersections_their_goal",
                vec![I::TheirGoalId.into_iden()],
            ),
        ] {
            manager.create_index(index(name, I::Table, cols)).await?;
        }

        // Every change to goals or interests bumps `network_version`; reads
        // recompute the intersections when `intersections_version` lags.
        // SQLite adds one column per statement.
        for column in [Users::NetworkVersion, Users::IntersectionsVersion] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(big_integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        write_statistics(manager, STATS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::NetworkVersion, Users::IntersectionsVersion] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            Intersections::Table.into_iden(),
            GoalTopics::Table.into_iden(),
            Goals::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    OwnerId,
    ContactId,
    Kind,
    Title,
    Description,
    Topics,
    Horizon,
    TargetOn,
    Status,
    Priority,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GoalTopics {
    Table,
    GoalId,
    Topic,
    OwnerId,
}

#[derive(DeriveIden)]
pub(crate) enum Intersections {
    Table,
    Id,
    OwnerId,
    ContactId,
    Kind,
    MyGoalId,
    TheirGoalId,
    Score,
    Reasons,
    Status,
    Note,
    Origin,
    CreatedAt,
    UpdatedAt,
}
