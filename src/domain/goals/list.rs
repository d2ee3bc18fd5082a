//! Listing goals, newest first, with filters on holder, kind, status and topic.

use chrono::{DateTime, Utc};
use entity::{goal, goal_topic};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Goal;
use crate::domain::enums::{GoalKind, GoalStatus};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, paginate};
use crate::domain::tenancy::Owner;
use crate::domain::validate;
use crate::domain::vocabulary;
use crate::error::AppError;

/// Whose goals a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalHolder {
    /// Yours (`contact_id` is null).
    Me,
    /// Your contacts'.
    Contacts,
    /// Both.
    #[default]
    All,
}

/// Filters of `GET /goals`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GoalFilters {
    /// `me`, `contacts` or `all` (default).
    pub owner: Option<GoalHolder>,
    /// Only this contact's goals.
    pub contact_id: Option<Uuid>,
    pub kind: Option<GoalKind>,
    pub status: Option<GoalStatus>,
    /// A topic tag the goal must have.
    #[param(max_length = 50)]
    pub topic: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

fn keys() -> [Key; 2] {
    [
        Key::desc(goal::Column::CreatedAt),
        Key::desc(goal::Column::Id),
    ]
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    filters: GoalFilters,
) -> Result<Page<Goal>, AppError> {
    use goal::Column as G;
    let mut query = owner.find::<goal::Entity>();
    match filters.owner.unwrap_or_default() {
        GoalHolder::Me => query = query.filter(G::ContactId.is_null()),
        GoalHolder::Contacts => query = query.filter(G::ContactId.is_not_null()),
        GoalHolder::All => {}
    }
    if let Some(contact_id) = filters.contact_id {
        query = query.filter(G::ContactId.eq(contact_id));
    }
    if let Some(kind) = filters.kind {
        query = query.filter(G::Kind.eq(kind.as_str()));
    }
    if let Some(status) = filters.status {
        query = query.filter(G::Status.eq(status.as_str()));
    }
    if let Some(topic) = filters.topic {
        validate::query_text("topic", &topic, validate::MAX_TAG_CHARS)?;
        let with_topic = Query::select()
            .column(goal_topic::Column::GoalId)
            .from(goal_topic::Entity)
            .and_where(Expr::col(goal_topic::Column::Topic).eq(topic.trim().to_lowercase()))
            .and_where(Expr::col(goal_topic::Column::OwnerId).eq(owner.id()))
            .to_owned();
        query = query.filter(G::Id.in_subquery(with_topic));
    }
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let limit = page.limit()?;
    let after = page
        .cursor::<(DateTime<Utc>, Uuid)>()?
        .map(|(at, id)| vec![Value::from(at), Value::from(id)]);
    let rows = keyset::seek(query, &keys(), after.as_deref())
        .limit(limit + 1)
        .all(db)
        .await?;
    let lexicon = vocabulary::lexicon(db, owner).await?;
    Ok(paginate(
        rows,
        limit,
        |g| (g.created_at, g.id),
        |g| Goal::read(g, &lexicon),
    ))
}
