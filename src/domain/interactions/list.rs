//! Listing interactions, newest first.

use chrono::{DateTime, Utc};
use entity::{interaction, interaction_contact};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{Interaction, render};
use crate::domain::enums::InteractionKind;
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// Filters of `GET /interactions`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionFilters {
    /// Only interactions with this contact.
    pub contact_id: Option<Uuid>,
    pub kind: Option<InteractionKind>,
    /// `occurred_at` at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// `occurred_at` before this time.
    pub to: Option<DateTime<Utc>>,
    /// `true`: only those with a follow-up not done; `false`: only the others.
    pub has_open_follow_up: Option<bool>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// The ids of the interactions `contact_id` took part in, as a subquery.
pub fn with_contact(owner: Owner, contact_id: Uuid) -> SelectStatement {
    Query::select()
        .column(interaction_contact::Column::InteractionId)
        .from(interaction_contact::Entity)
        .and_where(Expr::col(interaction_contact::Column::OwnerId).eq(owner.id()))
        .and_where(Expr::col(interaction_contact::Column::ContactId).eq(contact_id))
        .to_owned()
}

/// The ids of the interactions any of `contact_ids` took part in, read
/// first: a later query by these ids is a primary-key lookup on both
/// databases, where a subquery lets PostgreSQL's planner walk a whole
/// ordered index instead.
pub async fn ids_with(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    Ok(owner
        .find::<interaction_contact::Entity>()
        .select_only()
        .column(interaction_contact::Column::InteractionId)
        .filter(interaction_contact::Column::ContactId.is_in(contact_ids.iter().copied()))
        .distinct()
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

fn keys() -> [Key; 2] {
    [
        Key::desc(interaction::Column::OccurredAt),
        Key::desc(interaction::Column::Id),
    ]
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    filters: InteractionFilters,
) -> Result<Page<Interaction>, AppError> {
    use interaction::Column as I;
    let mut query = owner.find::<interaction::Entity>();
    if let Some(contact_id) = filters.contact_id {
        query = query.filter(I::Id.in_subquery(with_contact(owner, contact_id)));
    }
    if let Some(kind) = filters.kind {
        query = query.filter(I::Kind.eq(kind.as_str()));
    }
    if let Some(from) = filters.from {
        query = query.filter(I::OccurredAt.gte(from));
    }
    if let Some(to) = filters.to {
        query = query.filter(I::OccurredAt.lt(to));
    }
    match filters.has_open_follow_up {
        Some(true) => query = query.filter(I::FollowUpDone.eq(false)),
        Some(false) => {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(I::FollowUpDone.is_null())
                    .add(I::FollowUpDone.eq(true)),
            )
        }
        None => {}
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
    let (rows, next_cursor) = split_page(rows, limit, |r| encode_cursor(&(r.occurred_at, r.id)));
    Ok(Page {
        data: render(db, owner, rows).await?,
        next_cursor,
    })
}
