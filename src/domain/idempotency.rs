//! Idempotency records: the first response to a `POST` that carried an
//! `Idempotency-Key`, kept 24 hours. A retry with the same key and the same
//! request gets that response again; the same key with another request is a
//! 422. Records are written in the transaction of the write they describe, so
//! a write and its record exist together or not at all.

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Set};

use crate::domain::tenancy::Owner;
use crate::error::AppError;

pub const KEEP_HOURS: i64 = 24;

/// A stored response.
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// The stored response for `key`, if a live record exists for the same
/// request; a 422 if the key was used for another request.
pub async fn lookup(
    db: &impl ConnectionTrait,
    owner: Owner,
    key: &str,
    fingerprint: &str,
) -> Result<Option<StoredResponse>, AppError> {
    let cutoff = Utc::now() - Duration::hours(KEEP_HOURS);
    let found = owner
        .find::<idempotency_key::Entity>()
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::CreatedAt.gte(cutoff))
        .one(db)
        .await?;
    match found {
        None => Ok(None),
        Some(record) if record.fingerprint == fingerprint => Ok(Some(StoredResponse {
            status: record.status as u16,
            body: record.body,
        })),
        Some(_) => Err(AppError::invalid(
            "Idempotency-Key",
            "was already used for a different request; use a new key",
        )),
    }
}

/// Stores the response of the first request with `key`, dropping the owner's
/// expired records on the way.
pub async fn record(
    db: &impl ConnectionTrait,
    owner: Owner,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    owner
        .delete::<idempotency_key::Entity>()
        .filter(idempotency_key::Column::CreatedAt.lt(now - Duration::hours(KEEP_HOURS)))
        .exec(db)
        .await?;
    idempotency_key::ActiveModel {
        owner_id: Set(owner.id()),
        key: Set(key.to_string()),
        fingerprint: Set(fingerprint.to_string()),
        status: Set(status as i16),
        body: Set(body.to_string()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
