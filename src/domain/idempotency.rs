//! Idempotency records: the first response to a `POST` that carried an
//! `Idempotency-Key`, kept 24 hours. A retry with the same key and the same
//! request gets that response again; the same key with another request is a
//! 422. Records are written in the transaction of the write they describe, so
//! a write and its record exist together or not at all.

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, QueryFilter, Set,
};
use serde::Serialize;

use crate::domain::context::{Domain, Work};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

pub const KEEP_HOURS: i64 = 24;

/// A stored response.
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// A request to perform once: the client's key, and a hash of the request
/// (method, path, body) it was first used for.
pub struct Once {
    pub key: String,
    pub fingerprint: String,
}

/// What a write performed once answers.
pub enum Answer<T> {
    /// The same request came before: its response, as first given.
    Replayed(StoredResponse),
    /// Written now: the value and its JSON.
    Written { value: T, body: String },
}

/// Runs the use case `work` once per [`Once`]: in the same write
/// transaction, looks for an earlier answer and records this one, so a
/// write and its record exist together or not at all. Without a key, just
/// runs it.
pub async fn write_once<T, F>(
    domain: &Domain,
    owner: Owner,
    once: Option<Once>,
    status: u16,
    work: F,
) -> Result<Answer<T>, AppError>
where
    T: Serialize + 'static,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, T> + 'static,
{
    domain
        .write(owner, move |txn| {
            Box::pin(async move {
                if let Some(once) = &once
                    && let Some(stored) = lookup(txn, owner, &once.key, &once.fingerprint).await?
                {
                    return Ok(Answer::Replayed(stored));
                }
                let value = work(txn).await?;
                let body = serde_json::to_string(&value).map_err(AppError::internal)?;
                if let Some(once) = &once {
                    record(txn, owner, &once.key, &once.fingerprint, status, &body).await?;
                }
                Ok(Answer::Written { value, body })
            })
        })
        .await
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
