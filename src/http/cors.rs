//! Cross-origin requests from browser front ends. Allowed origins come from
//! `RAPPORT_CORS_ORIGINS`; every header a client needs is exposed (entity
//! tags, `Location`, `Retry-After`, the request id, `Idempotent-Replayed`,
//! `Content-Disposition` of exports, the freshness headers). A refused
//! preflight or cross-origin request answers in problem+json like every
//! other error, not with actix-cors' plain text.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use super::{freshness, idempotency, request_id};
use crate::error::AppError;

/// The CORS policy for `origins` (`*` for any).
pub fn policy(origins: &[String]) -> actix_cors::Cors {
    let cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            idempotency::HEADER,
            freshness::PREFER,
            request_id::HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            header::CONTENT_DISPOSITION,
            request_id::HEADER,
            idempotency::REPLAYED,
            freshness::STALE,
            freshness::PREFERENCE_APPLIED,
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        return cors.allow_any_origin();
    }
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

/// Wraps the CORS policy: its refusals become problem+json.
pub async fn refusals_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let res = next.call(req).await?;
    let refused = res
        .response()
        .error()
        .and_then(|err| err.as_error::<actix_cors::CorsError>())
        .map(|err| match err {
            actix_cors::CorsError::OriginNotAllowed => AppError::Forbidden {
                code: "origin_not_allowed",
                detail: "This origin may not call the API from a browser: the server's \
                         RAPPORT_CORS_ORIGINS does not list it."
                    .into(),
            },
            other => AppError::bad_request(
                "invalid_cors_request",
                format!("The cross-origin request was refused: {other}."),
            ),
        });
    Ok(match refused {
        Some(problem) => {
            let (req, _) = res.into_parts();
            ServiceResponse::new(req, problem.error_response()).map_into_right_body()
        }
        None => res.map_into_left_body(),
    })
}

/// HEAD is answered wherever GET is: routed as a GET, and the server sends
/// the headers only (actix-http drops the body of an answer to HEAD).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}
