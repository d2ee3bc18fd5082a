use sea_orm::entity::prelude::*;

/// The user's decision about an introduction between two contacts
/// (`contact_a` < `contact_b`): `confirmed` or `dismissed`. Introductions are
/// computed on request; the decision is kept by the introduction's stable id,
/// so it survives every recomputation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "introduction_decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub contact_a: Uuid,
    pub contact_b: Uuid,
    pub status: String,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
