//! The agenda: what needs doing by a date. Four sources, merged in date order:
//! open follow-ups, next steps due, contacts past their keep-in-touch date,
//! and `not_now` contacts whose `revisit_on` came. Each item says why it is
//! there. Paginated with a cursor over (date, source, id), so each source is a
//! keyset query of its own and the merge never reads more than a page of each.

use chrono::{Duration, NaiveDate, Utc};
use entity::{contact, interaction};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::enums::Stage;
use crate::domain::interactions::participants;
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// Why an item is on the agenda. The order here breaks ties between items
/// due the same day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    /// A follow-up of an interaction, not done.
    FollowUp,
    /// A contact's `next_step_due` came.
    NextStep,
    /// A contact's `next_touch_due` came (from `keep_in_touch_days`).
    KeepInTouch,
    /// A `not_now` contact's `revisit_on` came.
    Revisit,
}

/// A contact named by an agenda item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactRef {
    pub id: Uuid,
    pub full_name: String,
}

/// Something to do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItem {
    pub kind: AgendaKind,
    /// When it is due.
    pub due_on: NaiveDate,
    /// Due before today.
    pub overdue: bool,
    /// Who it is about.
    pub contacts: Vec<ContactRef>,
    /// The interaction, for a follow-up.
    pub interaction_id: Option<Uuid>,
    /// What to do, in words.
    #[schema(example = "Send the article on small-business podcasts")]
    pub reason: String,
}

/// `GET /agenda` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgendaParams {
    /// Include what is due up to this date (default: today + 7 days).
    pub until: Option<NaiveDate>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

type Position = (NaiveDate, AgendaKind, Uuid);

/// Rows of a source that sort after `cursor`: on dates, then the source's
/// rank, then ids.
fn after(
    cursor: Option<Position>,
    kind: AgendaKind,
    date: impl ColumnTrait,
    id: impl ColumnTrait,
) -> Condition {
    let Some((day, cursor_kind, cursor_id)) = cursor else {
        return Condition::all();
    };
    match kind.cmp(&cursor_kind) {
        std::cmp::Ordering::Less => Condition::all().add(date.gt(day)),
        std::cmp::Ordering::Equal => Condition::any()
            .add(date.gt(day))
            .add(Condition::all().add(date.eq(day)).add(id.gt(cursor_id))),
        std::cmp::Ordering::Greater => Condition::all().add(date.gte(day)),
    }
}

struct Entry {
    position: Position,
    item: AgendaItem,
}

async fn follow_ups(
    db: &impl ConnectionTrait,
    owner: Owner,
    until: NaiveDate,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<(interaction::Model, Position)>, AppError> {
    use interaction::Column as I;
    let rows = owner
        .find::<interaction::Entity>()
        .filter(I::FollowUpDone.eq(false))
        .filter(I::FollowUpDueOn.lte(until))
        .filter(after(cursor, AgendaKind::FollowUp, I::FollowUpDueOn, I::Id))
        .order_by_asc(I::FollowUpDueOn)
        .order_by_asc(I::Id)
        .limit(take)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let due = r.follow_up_due_on?;
            let id = r.id;
            Some((r, (due, AgendaKind::FollowUp, id)))
        })
        .collect())
}

async fn contacts_due(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: AgendaKind,
    until: NaiveDate,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<(contact::Model, Position)>, AppError> {
    use contact::Column as C;
    let (date, stage_filter) = match kind {
        AgendaKind::NextStep => (C::NextStepDue, C::Stage.ne(Stage::Archived.as_str())),
        AgendaKind::KeepInTouch => (
            C::NextTouchDue,
            C::Stage.is_in([Stage::Prospect.as_str(), Stage::Connected.as_str()]),
        ),
        AgendaKind::Revisit | AgendaKind::FollowUp => {
            (C::RevisitOn, C::Stage.eq(Stage::NotNow.as_str()))
        }
    };
    let rows = owner
        .find::<contact::Entity>()
        .filter(stage_filter)
        .filter(Expr::col(date).lte(until))
        .filter(after(cursor, kind, date, C::Id))
        .order_by_asc(date)
        .order_by_asc(C::Id)
        .limit(take)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let day = match kind {
                AgendaKind::NextStep => c.next_step_due,
                AgendaKind::KeepInTouch => c.next_touch_due,
                _ => c.revisit_on,
            }?;
            let id = c.id;
            Some((c, (day, kind, id)))
        })
        .collect())
}

fn contact_reason(kind: AgendaKind, c: &contact::Model) -> String {
    match kind {
        AgendaKind::NextStep => c
            .next_step
            .clone()
            .unwrap_or_else(|| "A next step is due.".into()),
        AgendaKind::KeepInTouch => match (c.keep_in_touch_days, c.last_interaction_at) {
            (Some(days), Some(last)) => format!(
                "Keep in touch every {days} days; last interaction on {}.",
                last.date_naive()
            ),
            (Some(days), None) => format!("Keep in touch every {days} days; no interaction yet."),
            _ => "Time to get in touch.".into(),
        },
        _ => "Marked not now; time to reconsider.".into(),
    }
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn agenda(
    db: &impl ConnectionTrait,
    owner: Owner,
    params: AgendaParams,
) -> Result<Page<AgendaItem>, AppError> {
    let today = Utc::now().date_naive();
    let until = params.until.unwrap_or(today + Duration::days(7));
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let cursor = page.cursor::<Position>()?;
    let take = limit + 1;

    let mut entries: Vec<Entry> = Vec::new();
    let follow_ups = follow_ups(db, owner, until, cursor, take).await?;
    let ids: Vec<Uuid> = follow_ups.iter().map(|(r, _)| r.id).collect();
    let people = participants(db, owner, &ids).await?;
    let mut names = std::collections::HashMap::new();
    let everyone: Vec<Uuid> = people.values().flatten().copied().collect();
    if !everyone.is_empty() {
        for c in owner
            .find::<contact::Entity>()
            .filter(contact::Column::Id.is_in(everyone))
            .all(db)
            .await?
        {
            names.insert(c.id, c.full_name);
        }
    }
    for (r, position) in follow_ups {
        let contacts = people
            .get(&r.id)
            .into_iter()
            .flatten()
            .map(|id| ContactRef {
                id: *id,
                full_name: names.get(id).cloned().unwrap_or_default(),
            })
            .collect();
        entries.push(Entry {
            position,
            item: AgendaItem {
                kind: AgendaKind::FollowUp,
                due_on: position.0,
                overdue: position.0 < today,
                contacts,
                interaction_id: Some(r.id),
                reason: r
                    .follow_up_note
                    .clone()
                    .or(r.summary.clone())
                    .unwrap_or_else(|| "Follow up.".into()),
            },
        });
    }
    for kind in [
        AgendaKind::NextStep,
        AgendaKind::KeepInTouch,
        AgendaKind::Revisit,
    ] {
        for (c, position) in contacts_due(db, owner, kind, until, cursor, take).await? {
            entries.push(Entry {
                position,
                item: AgendaItem {
                    kind,
                    due_on: position.0,
                    overdue: position.0 < today,
                    reason: contact_reason(kind, &c),
                    contacts: vec![ContactRef {
                        id: c.id,
                        full_name: c.full_name,
                    }],
                    interaction_id: None,
                },
            });
        }
    }
    entries.sort_by_key(|e| e.position);
    let (entries, next_cursor) = split_page(entries, limit, |e| encode_cursor(&e.position));
    Ok(Page {
        data: entries.into_iter().map(|e| e.item).collect(),
        next_cursor,
    })
}
