use sea_orm::entity::prelude::*;

/// Where the user and a contact meet. `origin = computed` rows are kept in
/// step with the engine (suggestions replaced, decisions kept); `recorded`
/// rows were entered by the user and are never touched by it. `reasons` is
/// the engine's JSON list of the shared terms.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "intersections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub contact_id: Uuid,
    pub kind: String,
    pub my_goal_id: Option<Uuid>,
    pub their_goal_id: Option<Uuid>,
    pub score: f64,
    pub reasons: Json,
    pub status: String,
    pub note: Option<String>,
    pub origin: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
