//! The agenda: what needs doing by a date. Six sources, merged in date order:
//! open follow-ups, next steps due, contacts past their keep-in-touch date,
//! `not_now` contacts whose `revisit_on` came, and what is planned: events
//! and interactions dated in the future (from today on; planned is not done,
//! so they never count as contact). Each item says why it is there. Paginated with a cursor over (date, source, id), so each source is a
//! keyset query of its own and the merge never reads more than a page of each.
//!
//! The same sources, read over a span of days instead of a page, make the
//! calendar feed ([`feed`]).

pub mod feed;
mod ics;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{contact, event, interaction};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
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
    /// An event you plan to attend (from today on).
    Event,
    /// An interaction dated in the future: a meeting or a call planned.
    Planned,
}

/// A contact named by an agenda item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaContact {
    pub id: Uuid,
    #[schema(example = "Grace Hopper")]
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
    pub contacts: Vec<AgendaContact>,
    /// The interaction, for a follow-up or a planned interaction.
    pub interaction_id: Option<Uuid>,
    /// The event, for an event.
    pub event_id: Option<Uuid>,
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

/// What the agenda reads: items due up to `until`, from `due_from` on
/// (`None`: everything overdue too), events that start from `events_from`
/// and interactions dated from `planned_from`.
#[derive(Clone, Copy)]
struct Span {
    due_from: Option<NaiveDate>,
    events_from: DateTime<Utc>,
    planned_from: DateTime<Utc>,
    until: NaiveDate,
}

/// What a calendar shows of an item besides its [`AgendaItem`].
#[derive(Debug, Clone)]
pub struct Detail {
    /// Start and end (if known) of what happens at a time: events and
    /// interactions. `None` for what is due on a day.
    pub at: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// An event's name; an interaction's summary, or its kind.
    pub title: Option<String>,
    /// An event's place.
    pub location: Option<String>,
    /// An event's page.
    pub url: Option<String>,
    /// When the record behind the item last changed.
    pub revised: DateTime<Utc>,
}

impl Detail {
    fn on_day(revised: DateTime<Utc>) -> Self {
        Self {
            at: None,
            title: None,
            location: None,
            url: None,
            revised,
        }
    }
}

/// A cursor that starts the agenda at `day`: the position after the last
/// item any source could have the day before.
pub fn cursor_from(day: NaiveDate) -> String {
    let before: Position = (day - Duration::days(1), AgendaKind::Planned, Uuid::max());
    encode_cursor(&before)
}

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

/// Midnight (UTC) starting `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// [`after`] for a source dated by a timestamp: its day is the UTC date.
fn after_time(
    cursor: Option<Position>,
    kind: AgendaKind,
    at: impl ColumnTrait,
    id: impl ColumnTrait,
) -> Condition {
    let Some((day, cursor_kind, cursor_id)) = cursor else {
        return Condition::all();
    };
    let next_day = midnight(day + Duration::days(1));
    match kind.cmp(&cursor_kind) {
        std::cmp::Ordering::Less => Condition::all().add(at.gte(next_day)),
        std::cmp::Ordering::Equal => Condition::any().add(at.gte(next_day)).add(
            Condition::all()
                .add(at.gte(midnight(day)))
                .add(at.lt(next_day))
                .add(id.gt(cursor_id)),
        ),
        std::cmp::Ordering::Greater => Condition::all().add(at.gte(midnight(day))),
    }
}

/// Rows of a source dated by a timestamp, from `from` to the end of `until`,
/// in agenda order: by day, then id. SQL reads them by time; the rows of
/// the last day read are completed, so the page's merge (by day, then id)
/// never misses one that sorts before the last row kept.
async fn timed<E: EntityTrait>(
    db: &impl ConnectionTrait,
    (query, kind): (Select<E>, AgendaKind),
    (at, id): (E::Column, E::Column),
    key: fn(&E::Model) -> (DateTime<Utc>, Uuid),
    (from, until): (DateTime<Utc>, NaiveDate),
    (cursor, take): (Option<Position>, u64),
) -> Result<Vec<E::Model>, AppError> {
    let query = query
        .filter(after_time(cursor, kind, at, id))
        .filter(at.gte(from))
        .filter(at.lt(midnight(until + Duration::days(1))));
    let mut rows = query
        .clone()
        .order_by_asc(at)
        .order_by_asc(id)
        .limit(take)
        .all(db)
        .await?;
    if rows.len() as u64 == take
        && let Some(last) = rows.last().map(|r| key(r).0.date_naive())
    {
        let seen: std::collections::HashSet<Uuid> = rows.iter().map(|r| key(r).1).collect();
        let rest = query
            .filter(at.gte(midnight(last)))
            .filter(at.lt(midnight(last + Duration::days(1))))
            .all(db)
            .await?;
        rows.extend(rest.into_iter().filter(|r| !seen.contains(&key(r).1)));
    }
    Ok(rows)
}

struct Entry {
    position: Position,
    item: AgendaItem,
    detail: Detail,
}

async fn follow_ups(
    db: &impl ConnectionTrait,
    owner: Owner,
    span: Span,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<(interaction::Model, Position)>, AppError> {
    use interaction::Column as I;
    let rows = owner
        .find::<interaction::Entity>()
        .filter(I::FollowUpDone.eq(false))
        .filter(I::FollowUpDueOn.lte(span.until))
        .filter(Condition::all().add_option(span.due_from.map(|day| I::FollowUpDueOn.gte(day))))
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
    span: Span,
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
        _ => (C::RevisitOn, C::Stage.eq(Stage::NotNow.as_str())),
    };
    let rows = owner
        .find::<contact::Entity>()
        .filter(stage_filter)
        .filter(Expr::col(date).lte(span.until))
        .filter(Condition::all().add_option(span.due_from.map(|day| Expr::col(date).gte(day))))
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

/// Ids bound in one `IN (…)`: a feed may name thousands of people, more than
/// SQLite or PostgreSQL take as parameters of one statement.
const IDS_PER_QUERY: usize = 1000;

/// The names of `ids`.
async fn contact_refs(
    db: &impl ConnectionTrait,
    owner: Owner,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        names.extend(
            owner
                .find::<contact::Entity>()
                .select_only()
                .column(contact::Column::Id)
                .column(contact::Column::FullName)
                .filter(contact::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<(Uuid, String)>()
                .all(db)
                .await?,
        );
    }
    Ok(names)
}

/// Events from `span.events_from` to `until`, with their attendees.
async fn events(
    db: &impl ConnectionTrait,
    owner: Owner,
    span: Span,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<Entry>, AppError> {
    use event::Column as E;
    let rows = timed(
        db,
        (owner.find::<event::Entity>(), AgendaKind::Event),
        (E::StartsAt, E::Id),
        |e| (e.starts_at, e.id),
        (span.events_from, span.until),
        (cursor, take),
    )
    .await?;
    let shown = crate::domain::events::render(db, owner, rows).await?;
    Ok(shown
        .into_iter()
        .map(|e| {
            let day = e.starts_at.date_naive();
            let reason = match &e.intent {
                Some(intent) => format!("{}: {intent}", e.name),
                None => e.name.clone(),
            };
            Entry {
                position: (day, AgendaKind::Event, e.id),
                item: AgendaItem {
                    kind: AgendaKind::Event,
                    due_on: day,
                    overdue: false,
                    contacts: e
                        .attendees
                        .into_iter()
                        .map(|a| AgendaContact {
                            id: a.contact_id,
                            full_name: a.full_name,
                        })
                        .collect(),
                    interaction_id: None,
                    event_id: Some(e.id),
                    reason,
                },
                detail: Detail {
                    at: Some((e.starts_at, e.ends_at)),
                    title: Some(e.name),
                    location: e.location,
                    url: e.url,
                    revised: e.updated_at,
                },
            }
        })
        .collect())
}

/// Interactions dated from `span.planned_from` (the agenda: now), up to
/// `until`.
async fn planned(
    db: &impl ConnectionTrait,
    owner: Owner,
    span: Span,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<Entry>, AppError> {
    use interaction::Column as I;
    let rows = timed(
        db,
        (owner.find::<interaction::Entity>(), AgendaKind::Planned),
        (I::OccurredAt, I::Id),
        |i| (i.occurred_at, i.id),
        (span.planned_from, span.until),
        (cursor, take),
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let people = participants(db, owner, &ids).await?;
    let everyone: Vec<Uuid> = people.values().flatten().copied().collect();
    let names = contact_refs(db, owner, &everyone).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let day = r.occurred_at.date_naive();
            let contacts = people
                .get(&r.id)
                .into_iter()
                .flatten()
                .map(|id| AgendaContact {
                    id: *id,
                    full_name: names.get(id).cloned().unwrap_or_default(),
                })
                .collect();
            Entry {
                position: (day, AgendaKind::Planned, r.id),
                item: AgendaItem {
                    kind: AgendaKind::Planned,
                    due_on: day,
                    overdue: false,
                    contacts,
                    interaction_id: Some(r.id),
                    event_id: None,
                    reason: r
                        .summary
                        .clone()
                        .unwrap_or_else(|| format!("A planned {}.", r.kind)),
                },
                detail: Detail {
                    at: Some((r.occurred_at, None)),
                    title: Some(r.summary.unwrap_or_else(|| capitalised(&r.kind))),
                    location: None,
                    url: None,
                    revised: r.updated_at,
                },
            }
        })
        .collect())
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
    let span = Span {
        due_from: None,
        events_from: midnight(today),
        planned_from: Utc::now(),
        until,
    };
    let mut entries = collect(db, owner, span, cursor, limit + 1).await?;
    entries.sort_by_key(|e| e.position);
    let (entries, next_cursor) = split_page(entries, limit, |e| encode_cursor(&e.position));
    Ok(Page {
        data: entries.into_iter().map(|e| e.item).collect(),
        next_cursor,
    })
}

/// Everything on the agenda from `from` to `until`, every source read over
/// that span: due dates in it, and events and interactions dated in it
/// (those already past included, where the agenda starts at today). In
/// agenda order, at most `max` items, the earliest first; `true` when more
/// were left out.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn window(
    db: &impl ConnectionTrait,
    owner: Owner,
    (from, until): (NaiveDate, NaiveDate),
    max: u64,
) -> Result<(Vec<(AgendaItem, Detail)>, bool), AppError> {
    let span = Span {
        due_from: Some(from),
        events_from: midnight(from),
        planned_from: midnight(from),
        until,
    };
    let mut entries = collect(db, owner, span, None, max + 1).await?;
    entries.sort_by_key(|e| e.position);
    let truncated = entries.len() as u64 > max;
    entries.truncate(usize::try_from(max).unwrap_or(usize::MAX));
    Ok((
        entries.into_iter().map(|e| (e.item, e.detail)).collect(),
        truncated,
    ))
}

/// "call" → "Call".
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The first `take` items of each source after `cursor` (more of a timed
/// source when its last day goes on), unsorted.
async fn collect(
    db: &impl ConnectionTrait,
    owner: Owner,
    span: Span,
    cursor: Option<Position>,
    take: u64,
) -> Result<Vec<Entry>, AppError> {
    let today = Utc::now().date_naive();
    let mut entries: Vec<Entry> = Vec::new();
    let follow_ups = follow_ups(db, owner, span, cursor, take).await?;
    let ids: Vec<Uuid> = follow_ups.iter().map(|(r, _)| r.id).collect();
    let people = participants(db, owner, &ids).await?;
    let everyone: Vec<Uuid> = people.values().flatten().copied().collect();
    let names = contact_refs(db, owner, &everyone).await?;
    for (r, position) in follow_ups {
        let contacts = people
            .get(&r.id)
            .into_iter()
            .flatten()
            .map(|id| AgendaContact {
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
                event_id: None,
            },
            detail: Detail::on_day(r.updated_at),
        });
    }
    entries.extend(planned(db, owner, span, cursor, take).await?);
    for kind in [
        AgendaKind::NextStep,
        AgendaKind::KeepInTouch,
        AgendaKind::Revisit,
    ] {
        for (c, position) in contacts_due(db, owner, kind, span, cursor, take).await? {
            entries.push(Entry {
                detail: Detail::on_day(c.updated_at),
                position,
                item: AgendaItem {
                    kind,
                    due_on: position.0,
                    overdue: position.0 < today,
                    reason: contact_reason(kind, &c),
                    contacts: vec![AgendaContact {
                        id: c.id,
                        full_name: c.full_name,
                    }],
                    interaction_id: None,
                    event_id: None,
                },
            });
        }
    }
    entries.extend(events(db, owner, span, cursor, take).await?);
    Ok(entries)
}
