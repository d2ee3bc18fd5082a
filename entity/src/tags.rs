use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A list of normalised tags stored as a JSON array (text on SQLite, jsonb on
/// PostgreSQL). Normalisation happens before a value reaches this type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Tags(pub Vec<String>);
