use sea_orm::entity::prelude::*;

use crate::Tags;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub name: String,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub special: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub interests: Tags,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change to goals, offers or interests.
    pub network_version: i64,
    /// The `network_version` the stored intersections were computed from.
    pub intersections_version: i64,
    /// The engine (model and vocabulary version) they were computed with.
    pub intersections_engine: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
