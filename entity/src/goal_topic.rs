use sea_orm::entity::prelude::*;

/// One topic of a goal, in its own row so that the `topic` filter is an
/// indexed lookup on both databases. Mirrors `goal.topics`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goal_topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub goal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    pub owner_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
