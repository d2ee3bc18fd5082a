//! Personal API tokens, for scripts and integrations. The token is shown once,
//! at creation; only its hash is kept. A token has a scope (`read`, `write`,
//! or `feed`: the calendar feed and nothing else) and may expire; deleting it
//! revokes it at once.

use chrono::{DateTime, Duration, Utc};
use entity::api_token;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Scope;
use crate::auth::token::{self, API_TOKEN_PREFIX};
use crate::domain::page::{Page, PageParams, paginate};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::error::AppError;

/// Live tokens one account may hold.
pub const MAX_TOKENS: u64 = 100;
/// `last_used_at` is written at most this often, so that reads stay reads.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// A new personal API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    /// What the token is for.
    #[schema(example = "calendar sync", min_length = 1, max_length = 100)]
    pub name: String,
    /// `read` (GET only), `write`, or `feed`: the calendar feed
    /// (`GET /agenda.ics`) only, and the one scope that may be sent in a URL.
    pub scope: Scope,
    /// When the token stops working; must be in the future. Omit for a token
    /// that lasts until deleted.
    #[schema(example = "2027-06-30T00:00:00Z")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A personal API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60")]
    pub id: Uuid,
    #[schema(example = "calendar sync")]
    pub name: String,
    pub scope: Scope,
    /// The start of the token, to recognise it.
    #[schema(example = "rpt_Xc2k9")]
    pub prefix: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the token last authenticated a request (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// The secret. Send it as `Authorization: Bearer <token>` (a feed token
    /// also as `?token=` on `GET /agenda.ics`); it cannot be shown again.
    #[schema(example = "rpt_Xc2k9Qm0b8u1V6c4YdJw7nq5Zr3tLh2sKe9pAf0gBi1")]
    pub secret: String,
}

impl From<api_token::Model> for ApiToken {
    fn from(t: api_token::Model) -> Self {
        Self {
            id: t.id,
            name: t.name,
            scope: Scope::parse(&t.scope).unwrap_or(Scope::Read),
            prefix: t.prefix,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            created_at: t.created_at,
        }
    }
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    page: &PageParams,
) -> Result<Page<ApiToken>, AppError> {
    let limit = page.limit()?;
    let mut query = owner
        .find::<api_token::Entity>()
        .order_by_desc(api_token::Column::Id);
    // Ids are UUIDv7, so id order is creation order.
    if let Some(after) = page.cursor::<Uuid>()? {
        query = query.filter(api_token::Column::Id.lt(after));
    }
    let rows = query.limit(limit + 1).all(db).await?;
    Ok(paginate(rows, limit, |t| t.id, ApiToken::from))
}

/// Creates a token. The count and the insert share one transaction with the
/// account's row locked (PostgreSQL; SQLite's single writer serialises it),
/// so concurrent requests cannot pass the cap together.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &DatabaseConnection,
    owner: Owner,
    input: CreateApiToken,
) -> Result<CreatedApiToken, AppError> {
    let now = Utc::now();
    let mut v = Validator::new();
    let name = v.text("name", &input.name, 100);
    if input.expires_at.is_some_and(|at| at <= now) {
        v.error("expires_at", "must be in the future");
    }
    v.finish()?;
    let txn = crate::db::begin_write(db).await?;
    owner
        .get_for_update::<entity::user::Entity>(&txn, owner.id())
        .await
        .map_err(|_| AppError::account_deleted())?;
    if owner.find::<api_token::Entity>().count(&txn).await? >= MAX_TOKENS {
        return Err(AppError::Conflict {
            code: "too_many_tokens",
            detail: format!("An account holds at most {MAX_TOKENS} tokens; delete one first."),
        });
    }
    let secret = token::generate(API_TOKEN_PREFIX);
    let row = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_id: Set(owner.id()),
        name: Set(name),
        scope: Set(input.scope.as_str().into()),
        prefix: Set(secret[..API_TOKEN_PREFIX.len() + 5].to_string()),
        token_hash: Set(token::digest(&secret)),
        expires_at: Set(input.expires_at),
        last_used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(token_id = %row.id, "api token created");
    Ok(CreatedApiToken {
        token: row.into(),
        secret,
    })
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), token_id = %id))]
pub async fn delete(db: &impl ConnectionTrait, owner: Owner, id: Uuid) -> Result<(), AppError> {
    let deleted = owner
        .delete::<api_token::Entity>()
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("token"));
    }
    Ok(())
}

/// The token a secret belongs to, if it is live. Found by hash, not through
/// `Owner`: the secret is what proves the owner.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<AuthenticatedToken, AppError> {
    let now = Utc::now();
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token::digest(secret)))
        .one(db)
        .await?
        .ok_or_else(|| AppError::unauthorized("invalid_token", "The API token is not valid."))?;
    if found.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::unauthorized(
            "token_expired",
            "The API token has expired.",
        ));
    }
    let stale = found
        .last_used_at
        .is_none_or(|at| now - at > Duration::seconds(LAST_USED_RESOLUTION_SECS));
    if stale {
        // Best effort: a busy database must not fail the request it serves.
        let touched = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(found.id))
            .exec(db)
            .await;
        if let Err(err) = touched {
            tracing::debug!(%err, "could not record token use");
        }
    }
    Ok(AuthenticatedToken {
        id: found.id,
        owner_id: found.owner_id,
        scope: Scope::parse(&found.scope).unwrap_or(Scope::Read),
    })
}

pub struct AuthenticatedToken {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub scope: Scope,
}
