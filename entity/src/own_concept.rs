use sea_orm::entity::prelude::*;

use crate::Tags;

/// One entry of a user's own vocabulary: a concept of their own
/// (`extends` null; `concept_id` derived from its label at creation), or the
/// words they add to the built-in concept `extends` (= `concept_id`). One
/// entry per concept per user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "own_concepts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub concept_id: String,
    pub extends: Option<String>,
    pub label: String,
    #[sea_orm(column_type = "Json")]
    pub phrases: Tags,
    #[sea_orm(column_type = "Json")]
    pub complements: Tags,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
