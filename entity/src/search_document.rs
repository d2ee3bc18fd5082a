use sea_orm::entity::prelude::*;

/// The words of one contact, interaction or goal, folded and stemmed, as the
/// full-text index of each database reads them. Exactly one of
/// `contact_id`, `interaction_id` and `goal_id` is set: the resource, whose
/// deletion removes the document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: Uuid,
    pub kind: String,
    pub contact_id: Option<Uuid>,
    pub interaction_id: Option<Uuid>,
    pub goal_id: Option<Uuid>,
    pub terms: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
