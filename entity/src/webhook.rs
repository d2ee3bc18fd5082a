use sea_orm::entity::prelude::*;

/// A webhook subscription: where to send which events, and the secret that
/// signs them. `event_types` is a JSON array of type names; empty means all.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub event_types: String,
    pub enabled: bool,
    /// `whsec_` and the base64 of the signing key (kept to sign with).
    pub secret: String,
    /// The secret before the last rotation, still signing until it expires.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// Why the service turned the subscription off.
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
