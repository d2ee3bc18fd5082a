//! The authenticated caller, as an extractor: a handler that takes a
//! `Principal` cannot run for an anonymous, expired, revoked or over-limit
//! caller, nor write with a read-only token, nor do anything with a feed
//! token. The calendar feed takes a [`FeedReader`] instead: any credential in
//! the `Authorization` header, or a feed token in the URL.

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
use crate::http::extract::parse_query;
use crate::state::AppState;

/// What a personal API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// `GET` only.
    Read,
    /// Everything but managing tokens and deleting the account.
    Write,
    /// The calendar feed (`GET /agenda.ics`) and nothing else. The only
    /// credential accepted in a URL (`?token=`): calendar apps subscribe by
    /// URL and cannot send a header.
    Feed,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Feed => "feed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "feed" => Some(Scope::Feed),
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
    if scheme.eq_ignore_ascii_case("bearer") && token.is_empty() {
        return Err(AppError::unauthorized(
            "invalid_token",
            "The bearer token is empty (`Authorization: Bearer ` with nothing after it: a \
             variable that was never set?).",
        ));
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::unauthorized(
            "invalid_token",
            "The Authorization header must use the Bearer scheme.",
        ));
    }
    Ok(token.to_string())
}

/// Who `token` (from the `Authorization` header) proves the caller is.
async fn authenticate(state: &AppState, token: &str) -> Result<Principal, AppError> {
    Ok(if token.starts_with(API_TOKEN_PREFIX) {
        let found = api_tokens::authenticate(state.domain.reader(), token).await?;
        Principal {
            owner: Owner::new(found.owner_id),
            scope: found.scope,
            credential: Credential::ApiToken(found.id),
        }
    } else {
        Principal {
            owner: Owner::new(state.jwt.verify(token)?),
            scope: Scope::Write,
            credential: Credential::Session,
        }
    })
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
            let principal = authenticate(&state, &token?).await?;
            state.api_limiter.check(&principal.owner.id()).await?;
            if principal.scope == Scope::Feed {
                return Err(AppError::Forbidden {
                    code: "insufficient_scope",
                    detail: "This is a feed token: it reads the calendar feed \
                             (GET /api/v1/agenda.ics) and nothing else."
                        .into(),
                });
            }
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

/// The caller of the calendar feed. Any credential in the `Authorization`
/// header (a login session, a personal token of any scope), or a feed token
/// as the query parameter `token`: calendar apps subscribe by URL and cannot
/// send headers. Only a feed token is taken from a URL, because a URL ends
/// up in calendar apps' settings, browser histories and proxies' logs: a
/// token found there must be worth nothing but the feed. (The service's own
/// access log records the path without the query.)
#[derive(Clone, Copy, Debug)]
pub struct FeedReader {
    pub owner: Owner,
}

/// The feed's query string: the token, and nothing else.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    token: Option<String>,
}

impl FeedReader {
    async fn from_url(state: &AppState, token: &str) -> Result<Owner, AppError> {
        if !token.starts_with(API_TOKEN_PREFIX) {
            return Err(AppError::unauthorized(
                "invalid_token",
                "`token` takes a feed token (`rpt_…`, scope `feed`).",
            ));
        }
        let found = api_tokens::authenticate(state.domain.reader(), token).await?;
        if found.scope != Scope::Feed {
            return Err(AppError::Forbidden {
                code: "feed_token_required",
                detail: "Only a feed token may be sent in the URL; send this token in the \
                         Authorization header, and create a token of scope `feed` for \
                         calendar apps."
                    .into(),
            });
        }
        Ok(Owner::new(found.owner_id))
    }
}

impl FromRequest for FeedReader {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let query = parse_query::<FeedQuery>(req.query_string());
        let has_header = req.headers().contains_key(header::AUTHORIZATION);
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("AppState is not configured"))?;
            let owner = match query?.token {
                Some(_) if has_header => {
                    return Err(AppError::bad_request(
                        "ambiguous_credentials",
                        "Send one credential: the Authorization header or `token`, not both.",
                    ));
                }
                Some(token) => Self::from_url(&state, &token).await?,
                None => authenticate(&state, &token?).await?.owner,
            };
            state.api_limiter.check(&owner.id()).await?;
            Ok(FeedReader { owner })
        })
    }
}
