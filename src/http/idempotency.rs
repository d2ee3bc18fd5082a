//! `Idempotency-Key` on `POST`: a client that retries a request after a
//! timeout gets the first answer again instead of a second row. The key is
//! scoped to the user; the request is identified by method, path and the
//! SHA-256 of the body.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db;
use crate::domain::idempotency;
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::http::conditional::etag_of;
use crate::http::extract::BodyDigest;

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The `Idempotency-Key` header (1 to 255 visible ASCII characters), with the
/// request's method and path.
pub struct IdempotencyKey {
    key: Option<String>,
    target: String,
}

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get(&HEADER) {
            None => Ok(None),
            Some(value) => match value.to_str() {
                Ok(k)
                    if !k.is_empty()
                        && k.len() <= 255
                        && k.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Some(k.to_string()))
                }
                _ => Err(AppError::bad_request(
                    "invalid_header",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                )),
            },
        };
        std::future::ready(key.map(|key| IdempotencyKey {
            key,
            target: format!("{} {}", req.method(), req.path()),
        }))
    }
}

/// A write in progress: its transaction, and what to remember it by.
struct IdempotentWrite {
    txn: DatabaseTransaction,
    owner: Owner,
    key: Option<(String, String)>,
}

/// Either the stored answer of an earlier identical request, or a fresh write.
enum Begun {
    Replay(HttpResponse),
    Fresh(IdempotentWrite),
}

impl IdempotencyKey {
    /// Runs `write` in a write transaction and answers `status` with its
    /// result, unless an identical earlier request already has an answer, which
    /// is replayed instead. The answer is recorded in the same transaction.
    pub async fn create<T, F>(
        self,
        db: &DatabaseConnection,
        owner: Owner,
        body: &BodyDigest,
        status: StatusCode,
        write: F,
    ) -> Result<HttpResponse, AppError>
    where
        T: Serialize,
        F: for<'t> FnOnce(
            &'t DatabaseTransaction,
        ) -> Pin<Box<dyn Future<Output = Result<T, AppError>> + 't>>,
    {
        match self.begin(db, owner, body).await? {
            Begun::Replay(response) => Ok(response),
            Begun::Fresh(fresh) => {
                let value = write(&fresh.txn).await?;
                fresh.commit(status, &value).await
            }
        }
    }

    /// Opens the write transaction and checks for an earlier answer.
    async fn begin(
        self,
        db: &DatabaseConnection,
        owner: Owner,
        body: &BodyDigest,
    ) -> Result<Begun, AppError> {
        let txn = db::begin_write(db).await?;
        let Some(key) = self.key else {
            return Ok(Begun::Fresh(IdempotentWrite {
                txn,
                owner,
                key: None,
            }));
        };
        let fingerprint = hex::encode(Sha256::digest(format!("{}\n{}", self.target, body.0)));
        if let Some(stored) = idempotency::lookup(&txn, owner, &key, &fingerprint).await? {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            return Ok(Begun::Replay(
                HttpResponse::build(status)
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .insert_header((REPLAYED, "true"))
                    .body(stored.body),
            ));
        }
        Ok(Begun::Fresh(IdempotentWrite {
            txn,
            owner,
            key: Some((key, fingerprint)),
        }))
    }
}

impl IdempotentWrite {
    /// Records the answer (when a key was given), commits, and answers.
    async fn commit<T: Serialize>(
        self,
        status: StatusCode,
        value: &T,
    ) -> Result<HttpResponse, AppError> {
        let body = serde_json::to_string(value).map_err(AppError::internal)?;
        if let Some((key, fingerprint)) = &self.key {
            idempotency::record(
                &self.txn,
                self.owner,
                key,
                fingerprint,
                status.as_u16(),
                &body,
            )
            .await?;
        }
        self.txn.commit().await?;
        Ok(HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((header::ETAG, etag_of(value)))
            .body(body))
    }
}
