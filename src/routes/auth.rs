//! `/auth`: register, log in, refresh and log out. Register and login are rate
//! limited per client address, against password guessing.

use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::accounts::{self, Login, RefreshRequest, Register, Session};
use crate::error::AppError;
use crate::http::extract::ApiJson;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh)
        .service(logout);
}

async fn limit_by_address(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    match req.peer_addr() {
        Some(addr) => state.auth_limiter.check(&addr.ip()).await,
        None => Ok(()),
    }
}

/// Create an account and open a session.
///
/// The email must be new (409 `email_taken` otherwise; log in instead). The password needs at least 10
/// characters and must not be easy to guess (common passwords, keyboard runs, the email or name with a digit
/// are refused with the reason in `errors`). Answers like `POST /auth/login`: an access token (15 minutes) and
/// a refresh token. Attempts are rate limited per address.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = Register,
    responses(
        (status = 201, description = "The account, and a session for it.", body = Session),
        (status = 409, description = "An account with this email exists (`email_taken`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address; see `Retry-After`.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<Register>,
) -> Result<HttpResponse, AppError> {
    limit_by_address(&req, &state).await?;
    let session = accounts::register(state.domain.writer(), &state.jwt, body.0).await?;
    Ok(HttpResponse::Created().json(session))
}

/// Log in with email and password.
///
/// A wrong email and a wrong password get the same answer.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = Login,
    responses(
        (status = 200, description = "A new session.", body = Session),
        (status = 401, description = "Wrong credentials (`invalid_credentials`, `invalid_refresh_token`, `refresh_token_reused`, `refresh_token_expired`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address, or on this account; see `Retry-After`.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<Login>,
) -> Result<HttpResponse, AppError> {
    limit_by_address(&req, &state).await?;
    state
        .login_limiter
        .check(&body.0.email.trim().to_lowercase())
        .await?;
    let session = accounts::login(state.domain.writer(), &state.jwt, body.0).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Trade a refresh token for a new session.
///
/// Each refresh token works once. Presenting one that was already used revokes
/// every session of its login (`refresh_token_reused`).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new session; the old refresh token is spent.", body = Session),
        (status = 401, description = "Wrong credentials (`invalid_credentials`, `invalid_refresh_token`, `refresh_token_reused`, `refresh_token_expired`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let session =
        accounts::refresh(state.domain.writer(), &state.jwt, &body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Log out: revoke the refresh token and every token of its login.
///
/// Idempotent: an unknown or already revoked token also gets a 204. Access
/// tokens already issued stay valid until they expire (at most 15 minutes).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out."))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    accounts::logout(state.domain.writer(), &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
