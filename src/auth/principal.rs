//! The authenticated caller, as an extractor: a handler that takes a
//! `Principal` cannot run for an anonymous, expired, revoked or over-limit
//! caller, nor write with a read-only token.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::token::API_TOKEN_PREFIX;
use crate::domain::api_tokens;
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::state::AppState;

/// What a personal API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// `GET` only.
    Read,
    /// Everything but managing tokens and deleting the account.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// How the caller proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// An access token from login: the person themself.
    Session,
    /// A personal API token (its id).
    ApiToken(Uuid),
}

#[derive(Clone, Copy, Debug)]
pub struct Principal {
    pub owner: Owner,
    pub scope: Scope,
    pub credential: Credential,
}

impl Principal {
    /// Managing credentials and deleting the account need the person, not a
    /// script: a leaked API token must not be able to mint more tokens or
    /// destroy the account.
    pub fn require_session(&self) -> Result<(), AppError> {
        match self.credential {
            Credential::Session => Ok(()),
            Credential::ApiToken(_) => Err(AppError::Forbidden {
                code: "session_required",
                detail: "This operation needs a login session (an access token from \
                         /auth/login), not a personal API token."
                    .into(),
            }),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::unauthorized(
                "missing_token",
                "Send `Authorization: Bearer <token>` (an access token or a personal API token).",
            )
        })?
        .to_str()
        .map_err(|_| AppError::unauthorized("invalid_token", "Malformed Authorization header."))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AppError::unauthorized(
            "invalid_token",
            "The Authorization header must use the Bearer scheme.",
        ));
    }
    Ok(token.to_string())
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("AppState is not configured"))?;
            let token = token?;
            let principal = if token.starts_with(API_TOKEN_PREFIX) {
                let found = api_tokens::authenticate(state.domain.reader(), &token).await?;
                Principal {
                    owner: Owner::new(found.owner_id),
                    scope: found.scope,
                    credential: Credential::ApiToken(found.id),
                }
            } else {
                Principal {
                    owner: Owner::new(state.jwt.verify(&token)?),
                    scope: Scope::Write,
                    credential: Credential::Session,
                }
            };
            state.api_limiter.check(&principal.owner.id()).await?;
            if writes && principal.scope == Scope::Read {
                return Err(AppError::Forbidden {
                    code: "insufficient_scope",
                    detail: "This token has the read scope; this request writes.".into(),
                });
            }
            Ok(principal)
        })
    }
}
