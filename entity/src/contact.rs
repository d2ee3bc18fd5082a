use sea_orm::entity::prelude::*;

use crate::Tags;

/// A person in the user's network. `search_text` and `sort_name` are
/// maintained by the domain for filtering and sorting; the counters and dates
/// after `notes` are derived from interactions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub full_name: String,
    pub sort_name: String,
    pub headline: Option<String>,
    pub company: Option<String>,
    pub role: Option<String>,
    pub location: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub emails: Tags,
    #[sea_orm(column_type = "Json")]
    pub phones: Tags,
    #[sea_orm(column_type = "Json")]
    pub links: Tags,
    pub source: Option<String>,
    pub met_on: Option<Date>,
    pub met_via: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub interests: Tags,
    pub why: Option<String>,
    pub can_give: Option<String>,
    pub can_get: Option<String>,
    pub next_step: Option<String>,
    pub next_step_due: Option<Date>,
    pub spends_time_on: Option<String>,
    pub relaxes_by: Option<String>,
    pub growing_in: Option<String>,
    pub stage: String,
    pub revisit_on: Option<Date>,
    pub keep_in_touch_days: Option<i32>,
    pub notes: Option<String>,
    pub search_text: String,
    pub last_interaction_at: Option<DateTimeUtc>,
    pub interaction_count: i32,
    pub gave_count: i32,
    pub received_count: i32,
    pub next_touch_due: Option<Date>,
    pub intersection_count: i32,
    /// The latest past interaction in which the user gave something.
    pub last_gave_at: Option<DateTimeUtc>,
    /// The latest past interaction in which the user received something.
    pub last_received_at: Option<DateTimeUtc>,
    /// The reconnect score less today's day number (it does not depend on
    /// the day, so it can be stored and indexed); see the domain's
    /// `contacts::reconnect`.
    pub reconnect_rank: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
