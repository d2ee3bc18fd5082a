//! `/me`: the account's own profile.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::profile::{self, Profile, UpdateProfile};
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::ApiJson;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(update_me).service(delete_me);
}

/// Your profile.
///
/// Your name, email, `headline`, `summary` (the pitch that event preparation reads), and what you are special
/// at, with its `ETag` for a safe update. Your own goals and offers are at `GET /goals?owner=me`.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "The profile, with its `ETag`.", body = Profile,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, AppError> {
    let me = profile::get(state.domain.reader(), who.owner).await?;
    Ok(json_with_etag(StatusCode::OK, &me))
}

/// Update your profile (JSON Merge Patch).
///
/// Absent fields are kept; `null` clears a field. `If-Match` makes the update
/// conditional on the profile being unchanged since you read it.
#[utoipa::path(
    tag = "me",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since.")),
    request_body(content = UpdateProfile, content_type = "application/merge-patch+json",
        example = json!({"headline": "the finance people person", "interests": ["podcasts", "sailing"], "special": null})),
    responses(
        (status = 200, description = "The updated profile.", body = Profile,
            headers(("ETag" = String, description = "The new tag."))),
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    who: Principal,
    if_match: IfMatch,
    body: ApiJson<UpdateProfile>,
) -> Result<HttpResponse, AppError> {
    let owner = who.owner;
    updated(&state.domain, owner, move |txn| {
        Box::pin(profile::update(txn, owner, body.0, move |current| {
            if_match.check(current)
        }))
    })
    .await
}

/// Delete your account and all of its data.
///
/// Irreversible. Needs a login session: a personal API token gets 403.
#[utoipa::path(
    tag = "me",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since.")),
    responses(
        (status = 204, description = "The account and everything in it are gone."),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    who: Principal,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    who.require_session()?;
    let owner = who.owner;
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(profile::delete(txn, owner, move |current| {
                if_match.check(current)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
