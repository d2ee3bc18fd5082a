//! `Idempotency-Key` on `POST`: a client that retries a request after a
//! timeout gets the first answer again instead of a second row. The key is
//! scoped to the user; the request is identified by method, path and the
//! SHA-256 of the body.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::context::{Domain, Work};
use crate::domain::idempotency::{self, Answer, Once};
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::http::conditional::etag_of_json;
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

impl IdempotencyKey {
    /// Runs the use case `write` once for this key (see
    /// [`idempotency::write_once`]) and answers `status` with its result, or
    /// replays the answer of an identical earlier request.
    pub async fn create<T, F>(
        self,
        domain: &Domain,
        owner: Owner,
        body: &BodyDigest,
        status: StatusCode,
        write: F,
    ) -> Result<HttpResponse, AppError>
    where
        T: Serialize + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, T> + 'static,
    {
        let once = self.key.map(|key| Once {
            key,
            fingerprint: hex::encode(Sha256::digest(format!("{}\n{}", self.target, body.0))),
        });
        match idempotency::write_once(domain, owner, once, status.as_u16(), write).await? {
            Answer::Replayed(stored) => {
                let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
                Ok(HttpResponse::build(status)
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .insert_header((REPLAYED, "true"))
                    .body(stored.body))
            }
            Answer::Written { body, .. } => Ok(HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .insert_header((header::ETAG, etag_of_json(body.as_bytes())))
                .body(body)),
        }
    }
}
