use sea_orm::entity::prelude::*;

/// One event on its way to one subscription: `pending` until a receiver
/// answers 2xx (`succeeded`) or every attempt failed (`failed`). `log` is a
/// JSON array of the attempts made.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    /// A worker holds the delivery until then (a crashed worker's claim lapses).
    pub locked_until: Option<DateTimeUtc>,
    pub log: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
