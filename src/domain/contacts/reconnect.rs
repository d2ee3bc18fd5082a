//! Whom to get back to, and why (seed 001: sift the network, find the
//! inactive, get reintroduced).
//!
//! Every contact has a **reconnect score**, in points, where a point is a day:
//!
//! ```text
//! score = overdue_days
//!       + 30 × min(intersection_count, 10)   an intersection weighs a month
//!       + 60 if they gave more than you did  owing them weighs two months
//! ```
//!
//! `overdue_days` counts from the day the contact became due: its
//! `next_touch_due` when it has a cadence, else [`DEFAULT_REST_DAYS`] after
//! the last past interaction (or `met_on`, or when it was added); it is
//! negative while not due yet. Overdue, high-intersection and owed contacts
//! come first.
//!
//! Only `overdue_days` moves with the calendar, and by the same amount for
//! everyone, so the order does not depend on the day: each contact stores
//! `reconnect_rank = score − today's day number`, kept by every write that
//! changes what it reads ([`rank`]; the intersections' recount through
//! [`rank_after_recount`]), and `/reconnect` walks the index on it, a page at
//! a time, however large the network. The score shown is the rank plus the
//! day number of today.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::contact;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, QueryFilter, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::reciprocity::Balance;
use super::{Contact, derived};
use crate::domain::context::Fresh;
use crate::domain::enums::IntersectionKind;
use crate::domain::intersections::{self, Intersection};
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, paginate};
use crate::domain::validate;
use crate::error::AppError;

/// Without a cadence, a contact is due this long after the last contact.
pub const DEFAULT_REST_DAYS: i64 = 180;
/// Points per intersection (suggested or confirmed), up to
/// [`MAX_COUNTED_INTERSECTIONS`].
pub const POINTS_PER_INTERSECTION: i64 = 30;
pub const MAX_COUNTED_INTERSECTIONS: i32 = 10;
/// Points when they gave more often than you did.
pub const POINTS_OWED: i64 = 60;
/// The schema's `maximum` of `inactive_for_days`.
const MAX_INACTIVE_DAYS: u32 = 36_500;

fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// The day from which the contact counts as overdue.
pub fn due_on(c: &contact::Model) -> NaiveDate {
    c.next_touch_due.unwrap_or_else(|| {
        derived::in_touch_since(c)
            .checked_add_signed(Duration::days(DEFAULT_REST_DAYS))
            .unwrap_or(NaiveDate::MAX)
    })
}

fn owed(gave: i32, received: i32) -> bool {
    Balance::of(gave, received) == Balance::IOwe
}

/// The stored half of the score (see the module docs).
pub fn rank(c: &contact::Model) -> i64 {
    let intersections = c.intersection_count.clamp(0, MAX_COUNTED_INTERSECTIONS);
    POINTS_PER_INTERSECTION * i64::from(intersections)
        + if owed(c.gave_count, c.received_count) {
            POINTS_OWED
        } else {
            0
        }
        - day_number(due_on(c))
}

/// The new `reconnect_rank` when `intersection_count` becomes `count`, as
/// SQL over the row being updated (both databases read the old values on
/// the right of `SET`).
pub(crate) fn rank_after_recount(count: Expr) -> Expr {
    let capped = |e: Expr| -> Expr {
        Expr::case(
            e.clone().gt(MAX_COUNTED_INTERSECTIONS),
            MAX_COUNTED_INTERSECTIONS,
        )
        .finally(e)
        .into()
    };
    let column = |c: contact::Column| Expr::col((contact::Entity, c));
    column(contact::Column::ReconnectRank).add(
        Expr::val(POINTS_PER_INTERSECTION)
            .mul(capped(count).sub(capped(column(contact::Column::IntersectionCount)))),
    )
}

/// `GET /reconnect` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReconnectParams {
    /// Days without a past interaction that make a contact inactive
    /// (default 180).
    #[param(minimum = 0, maximum = 36500)]
    pub inactive_for_days: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// Why a contact is on the reconnect list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReconnectReasonKind {
    /// Past the keep-in-touch cadence (or, without one, 180 days of silence).
    Overdue,
    /// An intersection with you, suggested or confirmed: the best one.
    Intersection,
    /// They gave more often than you did, and gave last.
    Owed,
    /// No past interaction at all since you met (or added them).
    NeverContacted,
    /// Why this relationship matters, as you wrote it.
    Why,
}

/// One reason, in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconnectReason {
    pub kind: ReconnectReasonKind,
    #[schema(example = "Overdue by 334 days: every 30 days, last in touch on 2025-12-01.")]
    pub text: String,
    /// The intersection, for `intersection` (null for other reasons).
    pub intersection_id: Option<Uuid>,
}

/// A contact to reconnect with: the contact, its score and the reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconnectItem {
    #[serde(flatten)]
    pub contact: Contact,
    /// Higher first: `overdue_days`, plus 30 per intersection (at most 10),
    /// plus 60 when you owe them (see the `agenda` tag).
    #[schema(example = 694)]
    pub score: i64,
    /// Days since the contact became due (negative: not yet).
    #[schema(example = 334)]
    pub overdue_days: i64,
    /// Why, strongest first: overdue, an open intersection, owed, never
    /// contacted, then their `why`.
    pub reasons: Vec<ReconnectReason>,
}

/// Inactive contacts, not resting (archived, or `not_now` before their
/// `revisit_on`), ranked by score (see the module docs).
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
pub async fn reconnect(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    params: ReconnectParams,
) -> Result<Page<ReconnectItem>, AppError> {
    let owner = fresh.owner();
    use contact::Column as C;
    let days = validate::query_range(
        "inactive_for_days",
        params.inactive_for_days.unwrap_or(180),
        0,
        MAX_INACTIVE_DAYS,
    )?;
    let now = Utc::now();
    let today = now.date_naive();
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let after = page
        .cursor::<(i64, Uuid)>()?
        .map(|(rank, id)| vec![Value::from(rank), Value::from(id)]);
    let query = owner
        .find::<contact::Entity>()
        .filter(super::resting(today).not())
        .filter(super::list::inactive_since(
            now - Duration::days(days.into()),
        ));
    let keys = [Key::desc(C::ReconnectRank), Key::asc(C::Id)];
    let rows = keyset::seek(query, &keys, after.as_deref())
        .limit(limit + 1)
        .all(db)
        .await?;
    let shown: Vec<Uuid> = rows.iter().take(limit as usize).map(|c| c.id).collect();
    let best = best_intersections(db, fresh, &shown).await?;
    Ok(paginate(
        rows,
        limit,
        |c| (c.reconnect_rank, c.id),
        |c| {
            let best = best.get(&c.id).cloned();
            item(c, best, today)
        },
    ))
}

/// The best open (suggested or confirmed) intersection of each of
/// `contact_ids`, in one query.
async fn best_intersections(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    contact_ids: &[Uuid],
) -> Result<HashMap<Uuid, Intersection>, AppError> {
    let mut best = HashMap::new();
    for found in intersections::open_with(db, fresh, contact_ids).await? {
        best.entry(found.contact_id).or_insert(found);
    }
    Ok(best)
}

/// A contact as a reconnect item, with its reasons.
fn item(c: contact::Model, best: Option<Intersection>, today: NaiveDate) -> ReconnectItem {
    let overdue_days = (today - due_on(&c)).num_days();
    let score = c.reconnect_rank + day_number(today);
    let reasons = reasons(&c, best.as_ref(), overdue_days);
    ReconnectItem {
        contact: Contact::from(c),
        score,
        overdue_days,
        reasons,
    }
}

/// The first `n` terms that made an intersection, each once (a concept
/// and the tag of the same name read alike).
pub(crate) fn reason_terms(found: &Intersection, n: usize) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for r in &found.reasons {
        if terms.len() == n {
            break;
        }
        if !terms
            .iter()
            .any(|t| t.to_lowercase() == r.term.to_lowercase())
        {
            terms.push(r.term.clone());
        }
    }
    terms
}

/// User text made to end a sentence of ours: trimmed, without its own
/// final stop.
pub(crate) fn sentence(text: &str) -> &str {
    text.trim().trim_end_matches(['.', '!', ';', ','])
}

fn times(n: i32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

fn reason(kind: ReconnectReasonKind, text: String) -> ReconnectReason {
    ReconnectReason {
        kind,
        text,
        intersection_id: None,
    }
}

/// Why `c` is worth getting back to, strongest first.
fn reasons(
    c: &contact::Model,
    best: Option<&Intersection>,
    overdue_days: i64,
) -> Vec<ReconnectReason> {
    use ReconnectReasonKind as K;
    let mut out = Vec::new();
    let last = c.last_interaction_at.map(|at| at.date_naive());
    if overdue_days > 0 {
        let since = match last {
            Some(day) => format!("last in touch on {day}"),
            None => "never in touch yet".into(),
        };
        let text = match c.keep_in_touch_days {
            Some(every) => format!("Overdue by {overdue_days} days: every {every} days, {since}."),
            None => format!(
                "Overdue by {overdue_days} days: no cadence set, and {DEFAULT_REST_DAYS} days                  is long; {since}."
            ),
        };
        out.push(reason(K::Overdue, text));
    }
    if let Some(found) = best {
        let terms = reason_terms(found, 3);
        let what = match found.kind {
            IntersectionKind::ICanHelp => "You could help them",
            IntersectionKind::TheyCanHelp => "They could help you",
            IntersectionKind::SharedGoal => "You pursue the same thing",
            IntersectionKind::ComplementaryGoal => "Your goals complete each other",
            IntersectionKind::SharedInterest => "You share interests",
        };
        let text = if terms.is_empty() {
            format!("{what}.")
        } else {
            format!("{what}: {}.", terms.join(", "))
        };
        let more = c.intersection_count - 1;
        let text = if more > 0 {
            format!(
                "{text} And {more} more intersection{}.",
                if more == 1 { "" } else { "s" }
            )
        } else {
            text
        };
        out.push(ReconnectReason {
            kind: K::Intersection,
            text,
            intersection_id: Some(found.id),
        });
    }
    if owed(c.gave_count, c.received_count) {
        let when = c
            .last_received_at
            .map(|at| format!(" (last on {})", at.date_naive()))
            .unwrap_or_default();
        let mine = match c.last_gave_at {
            Some(at) if c.gave_count > 0 => format!(
                "you gave {} (last on {})",
                times(c.gave_count),
                at.date_naive()
            ),
            _ => "you never gave back".into(),
        };
        out.push(reason(
            K::Owed,
            format!(
                "You owe them: they gave {}{when} and {mine}.",
                times(c.received_count)
            ),
        ));
    }
    if c.interaction_count == 0 {
        let text = match c.met_on {
            Some(met) => format!("Never contacted since you met on {met}."),
            None => format!(
                "Never contacted since you added them on {}.",
                c.created_at.date_naive()
            ),
        };
        out.push(reason(K::NeverContacted, text));
    }
    if let Some(why) = &c.why {
        out.push(reason(
            K::Why,
            format!("Why they matter: {}.", sentence(why)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tenancy::Owner;
    use chrono::TimeZone;

    fn contact() -> contact::Model {
        let mut c = super::super::write::blank(Owner::new(Uuid::now_v7()));
        c.created_at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        c
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn score(c: &contact::Model, today: NaiveDate) -> i64 {
        rank(c) + day_number(today)
    }

    #[test]
    fn the_score_is_overdue_days_plus_intersections_plus_owing() {
        let today = day(2026, 12, 1);
        let mut c = contact();
        c.keep_in_touch_days = Some(30);
        c.next_touch_due = Some(day(2026, 11, 1));
        assert_eq!(score(&c, today), 30);
        c.intersection_count = 2;
        assert_eq!(score(&c, today), 30 + 60);
        c.intersection_count = 50;
        assert_eq!(
            score(&c, today),
            30 + 300,
            "at most ten intersections count"
        );
        c.received_count = 2;
        c.gave_count = 1;
        assert_eq!(score(&c, today), 30 + 300 + 60);
        c.gave_count = 2;
        assert_eq!(score(&c, today), 30 + 300, "even: nothing owed");
    }

    #[test]
    fn without_a_cadence_a_contact_is_due_after_half_a_year_of_silence() {
        let mut c = contact();
        assert_eq!(due_on(&c), day(2026, 6, 30));
        c.met_on = Some(day(2025, 1, 1));
        assert_eq!(due_on(&c), day(2025, 6, 30));
        c.last_interaction_at = Some(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
        assert_eq!(due_on(&c), day(2026, 8, 28));
        assert_eq!(score(&c, day(2026, 9, 7)), 10);
    }

    #[test]
    fn the_order_does_not_depend_on_the_day() {
        let mut a = contact();
        a.next_touch_due = Some(day(2026, 1, 1));
        let mut b = contact();
        b.next_touch_due = Some(day(2026, 3, 1));
        b.intersection_count = 3;
        for today in [day(2026, 3, 2), day(2027, 7, 1)] {
            assert_eq!(
                score(&a, today) - score(&b, today),
                rank(&a) - rank(&b),
                "{today}"
            );
        }
    }

    #[test]
    fn every_reason_says_why_in_words() {
        let mut c = contact();
        c.keep_in_touch_days = Some(30);
        c.met_on = Some(day(2025, 12, 1));
        c.received_count = 1;
        c.last_received_at = Some(Utc.with_ymd_and_hms(2025, 12, 1, 9, 0, 0).unwrap());
        c.why = Some("invests in our stage and sector".into());
        let found = reasons(&c, None, 12);
        let kinds: Vec<_> = found.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                ReconnectReasonKind::Overdue,
                ReconnectReasonKind::Owed,
                ReconnectReasonKind::NeverContacted,
                ReconnectReasonKind::Why
            ]
        );
        assert_eq!(
            found[0].text,
            "Overdue by 12 days: every 30 days, never in touch yet."
        );
        assert_eq!(
            found[1].text,
            "You owe them: they gave once (last on 2025-12-01) and you never gave back."
        );
        assert_eq!(
            found[2].text,
            "Never contacted since you met on 2025-12-01."
        );
        assert!(reasons(&c, None, 0)[0].kind != ReconnectReasonKind::Overdue);
    }
}
