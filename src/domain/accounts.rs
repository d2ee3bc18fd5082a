//! Accounts and sessions: register, log in, refresh, log out.
//!
//! A login opens a *family* of refresh tokens. Each refresh token works once
//! and is replaced by the next of its family; presenting one that was already
//! used means it was copied, so the whole family is revoked and both the thief
//! and the user must log in again (RFC 9700 §4.14.2).
//!
//! Refresh tokens are found by their hash, not through [`Owner`]: presenting
//! the secret *is* the authentication, so no owner is known before the lookup.

use chrono::{Duration, Utc};
use entity::{refresh_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, SqlErr, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::jwt::{ACCESS_TOKEN_SECONDS, JwtKeys};
use crate::auth::{password, token};
use crate::db;
use crate::domain::profile::Profile;
use crate::domain::tenancy::Owner;
use crate::domain::validate::{Validator, is_email};
use crate::error::AppError;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Login email; stored lowercased. Unique.
    #[schema(example = "ada@example.com", max_length = 254)]
    pub email: String,
    /// At least 10 characters, and not easy to guess: common passwords, words
    /// with the usual substitutions, keyboard patterns, repeats, sequences,
    /// dates, and your own email or name are refused (422).
    #[schema(example = "correct horse battery", min_length = 10, max_length = 256)]
    pub password: String,
    /// Your name.
    #[schema(example = "Ada Lovelace", min_length = 1, max_length = 200)]
    pub name: String,
}

/// Email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schema(example = "ada@example.com", max_length = 254)]
    pub email: String,
    #[schema(example = "correct horse battery", max_length = 256)]
    pub password: String,
}

/// The longest refresh token the schema admits (`max_length` below).
const REFRESH_TOKEN_MAX_CHARS: usize = 128;

/// A refresh token, to rotate or to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The `refresh_token` of the last session response.
    #[schema(
        example = "rrt_4kq0xZ8cYc0u3m3Hq0bq2b9mYJ1uYy0f1y7wq2m0a9c",
        max_length = 128
    )]
    pub refresh_token: String,
}

/// Credentials for the API: a short-lived access token and the refresh token
/// that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer <access_token>`. Valid 15 minutes.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzIn0.c2ln")]
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Single use: trade it at `/auth/refresh` for a new session. Valid 30 days.
    #[schema(example = "rrt_4kq0xZ8cYc0u3m3Hq0bq2b9mYJ1uYy0f1y7wq2m0a9c")]
    pub refresh_token: String,
    /// The account.
    pub user: Profile,
}

fn invalid_credentials() -> AppError {
    AppError::unauthorized("invalid_credentials", "The email or password is incorrect.")
}

fn invalid_refresh() -> AppError {
    AppError::unauthorized(
        "invalid_refresh_token",
        "The refresh token is not valid; log in again.",
    )
}

/// Password hashes computed at once: one per core. Each takes 19 MiB and tens
/// of milliseconds of CPU, so a burst of logins queues here instead of
/// multiplying the server's memory and starving every other request.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

async fn on_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _slot = HASHING.acquire().await.map_err(AppError::internal)?;
    Ok(actix_web::web::block(work).await?)
}

async fn hash_password(password: String) -> Result<String, AppError> {
    on_hashing_slot(move || password::hash(&password)).await?
}

async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    on_hashing_slot(move || password::verify(&password, &hash)).await
}

#[tracing::instrument(skip_all)]
pub async fn register(
    db: &DatabaseConnection,
    jwt: &JwtKeys,
    input: Register,
) -> Result<Session, AppError> {
    let mut v = Validator::new();
    let email = v.email("email", &input.email);
    let name = v.text("name", &input.name, 200);
    let chars = input.password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        v.error(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        );
    } else if chars > MAX_PASSWORD_CHARS {
        v.error(
            "password",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        );
    } else if let Some(weakness) = password::weakness(&input.password, &[&input.email, &input.name])
    {
        v.error("password", weakness);
    }
    v.finish()?;

    let password_hash = hash_password(input.password).await?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let user = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        password_hash: Set(password_hash),
        name: Set(name),
        headline: Set(None),
        summary: Set(None),
        special: Set(None),
        interests: Set(Default::default()),
        created_at: Set(now),
        updated_at: Set(now),
        // Written out rather than left to the column defaults: on SQLite, a
        // pooled connection that loaded the schema before the migration that
        // added these columns can return NULL for them from RETURNING.
        network_version: Set(0),
        intersections_version: Set(0),
        intersections_engine: Set(0),
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "email_taken",
            detail: "An account with this email already exists; log in instead.".into(),
        },
        _ => err.into(),
    })?;
    let session = open_session(&txn, jwt, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    tracing::info!(user_id = %session.user.id, "account registered");
    Ok(session)
}

#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    jwt: &JwtKeys,
    input: Login,
) -> Result<Session, AppError> {
    let email = input.email.trim().to_lowercase();
    // No account has an address that is not one (and PostgreSQL would refuse
    // a NUL in the lookup): treated as unknown, decoy and all.
    let found = if is_email(&email) {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
    } else {
        None
    };
    // Verify against a decoy when the email is unknown: same answer, same time.
    let stored = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let ok = verify_password(input.password, stored).await?;
    let user = found.filter(|_| ok).ok_or_else(invalid_credentials)?;
    let txn = db::begin_write(db).await?;
    let session = open_session(&txn, jwt, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    Ok(session)
}

#[tracing::instrument(skip_all)]
pub async fn refresh(
    db: &DatabaseConnection,
    jwt: &JwtKeys,
    presented: &str,
) -> Result<Session, AppError> {
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let current = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token::digest(presented)))
        .one(&txn)
        .await?
        .ok_or_else(invalid_refresh)?;
    if current.revoked_at.is_some() {
        return Err(invalid_refresh());
    }
    // Marking it used only if nobody did first makes two racing refreshes with
    // one token a detected reuse, not two sessions.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(current.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_family(&txn, current.family_id).await?;
        txn.commit().await?;
        tracing::warn!(user_id = %current.owner_id, "refresh token reused; family revoked");
        return Err(AppError::unauthorized(
            "refresh_token_reused",
            "This refresh token was already used, so it may have been copied. Every session \
             it belongs to is now revoked; log in again.",
        ));
    }
    if current.expires_at < now {
        return Err(AppError::unauthorized(
            "refresh_token_expired",
            "The refresh token has expired; log in again.",
        ));
    }
    let owner = Owner::new(current.owner_id);
    let user = owner
        .get::<user::Entity>(&txn, owner.id())
        .await
        .map_err(|_| invalid_refresh())?;
    let session = open_session(&txn, jwt, user, current.family_id).await?;
    txn.commit().await?;
    Ok(session)
}

/// Revokes the session family of `presented`. Unknown tokens are ignored:
/// logging out is idempotent and says nothing about which tokens exist.
#[tracing::instrument(skip_all)]
pub async fn logout(db: &DatabaseConnection, presented: &str) -> Result<(), AppError> {
    // Logging out twice is harmless, so an unknown token is a 204; one that
    // could never have been issued is a mistake worth telling.
    if presented.chars().count() > REFRESH_TOKEN_MAX_CHARS {
        return Err(AppError::invalid(
            "refresh_token",
            format!("must be at most {REFRESH_TOKEN_MAX_CHARS} characters"),
        ));
    }
    let txn = db::begin_write(db).await?;
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token::digest(presented)))
        .one(&txn)
        .await?;
    if let Some(found) = found {
        revoke_family(&txn, found.family_id).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> Result<(), AppError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A new access token and the next refresh token of `family_id`.
async fn open_session(
    db: &impl ConnectionTrait,
    jwt: &JwtKeys,
    user: user::Model,
    family_id: Uuid,
) -> Result<Session, AppError> {
    let now = Utc::now();
    let refresh = token::generate(token::REFRESH_PREFIX);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_id: Set(user.id),
        family_id: Set(family_id),
        token_hash: Set(token::digest(&refresh)),
        expires_at: Set(now + Duration::days(REFRESH_TOKEN_DAYS)),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token: jwt.issue(user.id)?,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh,
        user: Profile::from(user),
    })
}
