use sea_orm::entity::prelude::*;

use crate::Tags;

/// Something a person pursues (`kind = goal`) or can give (`kind = offer`):
/// the user's own when `contact_id` is NULL, else that contact's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub topics: Tags,
    pub horizon: Option<String>,
    pub target_on: Option<Date>,
    pub status: String,
    pub priority: i16,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
