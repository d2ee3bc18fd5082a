use sea_orm::entity::prelude::*;

/// An event in the outbox: written with the change that caused it.
/// `payload` is the JSON body every subscription receives.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub payload: String,
    /// Set for events that must happen once (a due date reached).
    pub dedupe_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
