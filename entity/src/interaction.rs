use sea_orm::entity::prelude::*;

use crate::Tags;

/// Something that happened with one or more contacts. Participants are in
/// `interaction_contacts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub kind: String,
    pub channel: Option<String>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    pub initiated_by: Option<String>,
    pub gave: Option<String>,
    pub received: Option<String>,
    /// Ids of the goals this interaction advanced, as a JSON array of strings.
    #[sea_orm(column_type = "Json")]
    pub goal_ids: Tags,
    pub follow_up_due_on: Option<Date>,
    pub follow_up_note: Option<String>,
    pub follow_up_done: Option<bool>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
