//! Listing contacts: filters, sorts and keyset pagination, each served by an
//! index `(owner_id, key, id)` on both databases. Whom to reconnect with is
//! ranked in [`super::reconnect`].

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{contact, contact_tag, event_attendee};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Contact;
use crate::domain::context::Fresh;
use crate::domain::enums::{Source, Stage};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, decode_cursor, encode_cursor};
use crate::domain::search::{self, SearchQuery};
use crate::domain::validate;
use crate::error::AppError;

/// The schema's `maximum` of `inactive_for_days`.
const MAX_INACTIVE_DAYS: u32 = 36_500;

/// The orders a contact list can take; `-` means descending. NULLs (never
/// interacted, no cadence) always come last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ContactSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "last_interaction_at")]
    LastInteraction,
    #[serde(rename = "-last_interaction_at")]
    LastInteractionDesc,
    #[serde(rename = "created_at")]
    Created,
    #[serde(rename = "-created_at")]
    CreatedDesc,
    #[serde(rename = "next_touch_due")]
    NextTouch,
    #[serde(rename = "-next_touch_due")]
    NextTouchDesc,
    #[serde(rename = "intersection_count")]
    Intersections,
    #[serde(rename = "-intersection_count")]
    IntersectionsDesc,
}

/// Filters of `GET /contacts`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactFilters {
    /// Contacts found by anything written about them: their own text
    /// fields, interactions they took part in, their goals and offers. The
    /// language of `GET /search` (words, `"phrase"`, `prefix*`, `-exclude`);
    /// the other filters and the sort apply as usual.
    #[param(min_length = 1, max_length = 256, example = "rustconf podcast*")]
    pub q: Option<String>,
    /// An interest tag; repeat it (`tag=a&tag=b`) to require all of them.
    #[serde(default)]
    #[param(max_items = 10)]
    pub tag: Vec<String>,
    pub stage: Option<Stage>,
    pub source: Option<Source>,
    /// `true`: contacts whose `next_touch_due` or `next_step_due` is today or
    /// past; `false`: the others.
    pub due: Option<bool>,
    /// Contacts with no interaction in this many days, or none at all.
    #[param(minimum = 0, maximum = 36500)]
    pub inactive_for_days: Option<u32>,
    /// The attendees of this event (any status).
    pub event_id: Option<Uuid>,
    /// The order (default `name`).
    pub sort: Option<ContactSort>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Clone, Copy)]
enum KeyType {
    Text,
    Int,
    Time,
    Date,
}

/// Reads one key's value off a row, for the cursor.
type KeyValue = fn(&contact::Model) -> serde_json::Value;

/// A sort as keyset keys, with the type and the value of each key.
struct SortSpec {
    name: &'static str,
    keys: Vec<(Key, KeyType, KeyValue)>,
}

fn spec(sort: ContactSort) -> SortSpec {
    use contact::Column as C;
    let (name, column, ty, value): (_, _, _, fn(&contact::Model) -> serde_json::Value) = match sort
    {
        ContactSort::Name | ContactSort::NameDesc => {
            ("name", C::SortName, KeyType::Text, |c| json!(c.sort_name))
        }
        ContactSort::LastInteraction | ContactSort::LastInteractionDesc => (
            "last_interaction_at",
            C::LastInteractionAt,
            KeyType::Time,
            |c| json!(c.last_interaction_at),
        ),
        ContactSort::Created | ContactSort::CreatedDesc => {
            ("created_at", C::CreatedAt, KeyType::Time, |c| {
                json!(c.created_at)
            })
        }
        ContactSort::NextTouch | ContactSort::NextTouchDesc => {
            ("next_touch_due", C::NextTouchDue, KeyType::Date, |c| {
                json!(c.next_touch_due)
            })
        }
        ContactSort::Intersections | ContactSort::IntersectionsDesc => (
            "intersection_count",
            C::IntersectionCount,
            KeyType::Int,
            |c| json!(c.intersection_count),
        ),
    };
    let descending = matches!(
        sort,
        ContactSort::NameDesc
            | ContactSort::LastInteractionDesc
            | ContactSort::CreatedDesc
            | ContactSort::NextTouchDesc
            | ContactSort::IntersectionsDesc
    );
    let key = |col: C| {
        if descending {
            Key::desc(col)
        } else {
            Key::asc(col)
        }
    };
    let nullable = matches!(column, C::LastInteractionAt | C::NextTouchDue);
    let first = if nullable {
        key(column).nullable()
    } else {
        key(column)
    };
    SortSpec {
        name,
        keys: vec![
            (first, ty, value),
            (key(C::Id), KeyType::Text, |c| json!(c.id)),
        ],
    }
}

/// The cursor of a contact list: the sort it belongs to and the last key.
#[derive(Serialize, Deserialize)]
struct Cursor {
    s: String,
    k: Vec<serde_json::Value>,
}

fn to_value(ty: KeyType, json: &serde_json::Value, is_id: bool) -> Option<Value> {
    if is_id {
        return serde_json::from_value::<Uuid>(json.clone())
            .ok()
            .map(Value::from);
    }
    Some(match ty {
        KeyType::Text => {
            Value::String(serde_json::from_value::<Option<String>>(json.clone()).ok()?)
        }
        KeyType::Int => Value::Int(serde_json::from_value::<Option<i32>>(json.clone()).ok()?),
        KeyType::Time => Value::ChronoDateTimeUtc(
            serde_json::from_value::<Option<DateTime<Utc>>>(json.clone()).ok()?,
        ),
        KeyType::Date => {
            Value::ChronoDate(serde_json::from_value::<Option<NaiveDate>>(json.clone()).ok()?)
        }
    })
}

fn invalid_cursor() -> AppError {
    AppError::bad_request(
        "invalid_cursor",
        "The cursor does not belong to this list and sort; start again without it.",
    )
}

/// Runs `query` as one page in the order of `spec`.
async fn page(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<contact::Entity>,
    spec: &SortSpec,
    page: &PageParams,
) -> Result<Page<Contact>, AppError> {
    let limit = page.limit()?;
    let keys: Vec<Key> = spec.keys.iter().map(|(k, ..)| k.clone()).collect();
    let after = match &page.cursor {
        None => None,
        Some(raw) => {
            let cursor: Cursor = decode_cursor(raw)?;
            if cursor.s != spec.name || cursor.k.len() != spec.keys.len() {
                return Err(invalid_cursor());
            }
            let last = spec.keys.len() - 1;
            let values = spec
                .keys
                .iter()
                .zip(&cursor.k)
                .enumerate()
                .map(|(i, ((_, ty, _), json))| to_value(*ty, json, i == last))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(invalid_cursor)?;
            Some(values)
        }
    };
    let rows = keyset::seek(query, &keys, after.as_deref())
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(crate::domain::page::paginate_with(
        rows,
        limit,
        |c| {
            encode_cursor(&Cursor {
                s: spec.name.into(),
                k: spec.keys.iter().map(|(_, _, value)| value(c)).collect(),
            })
        },
        Contact::from,
    ))
}

#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    filters: ContactFilters,
) -> Result<Page<Contact>, AppError> {
    let owner = fresh.owner();
    use contact::Column as C;
    let today = Utc::now().date_naive();
    let mut query = owner.find::<contact::Entity>();
    let searched = match filters.q.as_deref() {
        Some(q) => Some(SearchQuery::parse("q", q)?),
        None => None,
    };
    if let Some(searched) = &searched {
        query = query.filter(search::contacts_matching(
            db.get_database_backend(),
            owner,
            searched,
        ));
    }
    if filters.tag.len() > 10 {
        return Err(AppError::bad_request(
            "invalid_query",
            "at most 10 tag filters",
        ));
    }
    for tag in &filters.tag {
        let tagged = Query::select()
            .column(contact_tag::Column::ContactId)
            .from(contact_tag::Entity)
            .and_where(Expr::col(contact_tag::Column::OwnerId).eq(owner.id()))
            .and_where(Expr::col(contact_tag::Column::Tag).eq(tag.trim().to_lowercase()))
            .to_owned();
        query = query.filter(C::Id.in_subquery(tagged));
    }
    if let Some(stage) = filters.stage {
        query = query.filter(C::Stage.eq(stage.as_str()));
    }
    if let Some(source) = filters.source {
        query = query.filter(C::Source.eq(source.as_str()));
    }
    match filters.due {
        Some(true) => {
            query = query.filter(
                Condition::any()
                    .add(C::NextTouchDue.lte(today))
                    .add(C::NextStepDue.lte(today)),
            )
        }
        // Spelled out rather than negated: NOT over NULL dates is NULL in SQL.
        Some(false) => {
            query = query.filter(
                Condition::all()
                    .add(
                        Condition::any()
                            .add(C::NextTouchDue.is_null())
                            .add(C::NextTouchDue.gt(today)),
                    )
                    .add(
                        Condition::any()
                            .add(C::NextStepDue.is_null())
                            .add(C::NextStepDue.gt(today)),
                    ),
            )
        }
        None => {}
    }
    if let Some(days) = filters.inactive_for_days {
        let days = validate::query_range("inactive_for_days", days, 0, MAX_INACTIVE_DAYS)?;
        query = query.filter(inactive_since(Utc::now() - Duration::days(days.into())));
    }
    if let Some(event_id) = filters.event_id {
        let attendees = Query::select()
            .column(event_attendee::Column::ContactId)
            .from(event_attendee::Entity)
            .and_where(Expr::col(event_attendee::Column::OwnerId).eq(owner.id()))
            .and_where(Expr::col(event_attendee::Column::EventId).eq(event_id))
            .to_owned();
        query = query.filter(C::Id.in_subquery(attendees));
    }
    let spec = spec(filters.sort.unwrap_or_default());
    let params = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let mut found = page(db, query, &spec, &params).await?;
    if let Some(searched) = &searched {
        search::explain_contacts(db, owner, searched, &mut found.data).await?;
    }
    Ok(found)
}

/// No interaction since `cutoff`, or never.
///
/// Written as `COALESCE(last >= cutoff, FALSE) = FALSE` rather than `last IS NULL OR
/// last < cutoff`: SQLite turns that OR into a union over the
/// `last_interaction_at` index and then sorts every inactive contact, where a
/// plain filter lets it walk the index of the requested order and stop at a
/// page.
pub(super) fn inactive_since(cutoff: DateTime<Utc>) -> Condition {
    let recent = Expr::col((contact::Entity, contact::Column::LastInteractionAt)).gte(cutoff);
    Condition::all().add(Func::coalesce([recent, Expr::val(false)]).eq(false))
}
