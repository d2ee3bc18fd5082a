//! Conditional requests. A resource's `ETag` is a hash of its JSON
//! representation, so it changes exactly when what a client sees changes,
//! derived fields included. `PATCH` and `DELETE` honour `If-Match`: a stale tag
//! is a 412 and nothing is written.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::context::{Domain, Work};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// The strong entity tag of a representation: `"<32 hex digits>"`.
pub fn etag_of<T: Serialize>(value: &T) -> String {
    etag_of_json(&serde_json::to_vec(value).unwrap_or_default())
}

/// [`etag_of`] a value already serialised.
pub fn etag_of_json(json: &[u8]) -> String {
    let digest = Sha256::digest(json);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Runs a use case that changes one resource ([`Domain::write`]) and
/// answers 200 with the resource and its new `ETag`.
pub async fn updated<T, F>(domain: &Domain, owner: Owner, work: F) -> Result<HttpResponse, AppError>
where
    T: Serialize,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, T>,
{
    let value = domain.write(owner, work).await?;
    Ok(json_with_etag(StatusCode::OK, &value))
}

/// A JSON response with its `ETag`, serialised once for both.
pub fn json_with_etag<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::ETAG, etag_of_json(&body)))
            .content_type(header::ContentType::json())
            .body(body),
        Err(err) => actix_web::ResponseError::error_response(&AppError::internal(err)),
    }
}

/// The `If-Match` request header, if any.
#[derive(Debug, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// Passes when there is no `If-Match`, when it is `*`, or when one of its
    /// tags equals the current one (strong comparison, RFC 9110 §13.1.1).
    pub fn check<T: Serialize>(&self, current: &T) -> Result<(), AppError> {
        let Some(header) = &self.0 else {
            return Ok(());
        };
        let current = etag_of(current);
        let matches = header
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current);
        if matches {
            Ok(())
        } else {
            Err(AppError::PreconditionFailed)
        }
    }
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                AppError::bad_request("invalid_header", "If-Match is not a valid header value.")
            })
        });
        std::future::ready(value.transpose().map(IfMatch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_representation() {
        let a = etag_of(&serde_json::json!({"name": "Ada"}));
        let b = etag_of(&serde_json::json!({"name": "Ada L."}));
        assert_ne!(a, b);
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
    }

    #[test]
    fn if_match_passes_on_a_match_or_star_and_fails_on_stale() {
        let v = serde_json::json!({"x": 1});
        assert!(IfMatch(None).check(&v).is_ok());
        assert!(IfMatch(Some("*".into())).check(&v).is_ok());
        assert!(
            IfMatch(Some(format!("\"old\", {}", etag_of(&v))))
                .check(&v)
                .is_ok()
        );
        assert!(matches!(
            IfMatch(Some("\"old\"".into())).check(&v),
            Err(AppError::PreconditionFailed)
        ));
    }
}
