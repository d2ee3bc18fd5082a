//! `/tokens`: personal API tokens. Listing works with any credential; creating
//! and deleting need a login session, so a leaked token cannot mint others.

use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::api_tokens::{self, ApiToken, CreateApiToken, CreatedApiToken};
use crate::domain::page::{Page, PageParams};
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_tokens)
        .service(create_token)
        .service(delete_token);
}

/// Your personal API tokens, newest first (secrets are never shown again).
///
/// Each token shows its name, scope (`read`, `write` or `feed`), the first characters of its secret, when it
/// expires and when it was last used. Cursor pages.
#[utoipa::path(
    tag = "tokens",
    params(PageParams),
    responses((status = 200, description = "A page of tokens.", body = Page<ApiToken>))
)]
#[get("/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    who: Principal,
    page: ApiQuery<PageParams>,
) -> Result<HttpResponse, AppError> {
    let tokens = api_tokens::list(state.domain.reader(), who.owner, &page.0).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Create a personal API token.
///
/// The response holds the secret; it is shown only this once. Needs a login
/// session.
#[utoipa::path(
    tag = "tokens",
    request_body(content = CreateApiToken,
        example = json!({"name": "calendar sync", "scope": "read", "expires_at": "2027-06-30T00:00:00Z"})),
    responses(
        (status = 201, description = "The token and its secret.", body = CreatedApiToken),
        (status = 409, description = "The account already holds 100 tokens (`too_many_tokens`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<CreateApiToken>,
) -> Result<HttpResponse, AppError> {
    who.require_session()?;
    let created = api_tokens::create(state.domain.writer(), who.owner, body.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke a personal API token, at once.
///
/// The next request made with it gets a 401. Access tokens from `/auth/login` are not affected; end a session
/// with `POST /auth/logout`.
#[utoipa::path(
    tag = "tokens",
    params(("id" = Uuid, Path, description = "The token's id.")),
    responses((status = 204, description = "Revoked."))
)]
#[delete("/tokens/{id}")]
pub async fn delete_token(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    who.require_session()?;
    api_tokens::delete(state.domain.writer(), who.owner, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
