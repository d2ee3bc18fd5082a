//! Fields of a contact derived from its interactions. Every write of an
//! interaction calls [`refresh`] for the contacts it touched, inside the same
//! transaction, so the counters are never stale nor half-updated.
//!
//! Planned is not done: only interactions whose `occurred_at` has passed
//! count, for the last interaction and for every counter (a favour planned is
//! not a favour given, a meeting next week is not contact kept). When a
//! planned interaction's time comes, [`super::sweep`] refreshes its contacts.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{contact, interaction, interaction_contact};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// When to get in touch next: `keep_in_touch_days` after the last interaction,
/// or after `met_on`, or after the contact was added. No cadence, no date.
pub fn next_touch_due(c: &contact::Model) -> Option<NaiveDate> {
    let days = c.keep_in_touch_days?;
    in_touch_since(c).checked_add_signed(Duration::days(days.into()))
}

/// The day of the last past interaction, or `met_on`, or the day the
/// contact was added: where silence counts from.
pub fn in_touch_since(c: &contact::Model) -> NaiveDate {
    c.last_interaction_at
        .map(|at| at.date_naive())
        .or(c.met_on)
        .unwrap_or_else(|| c.created_at.date_naive())
}

struct Stats {
    count: i64,
    gave: i64,
    received: i64,
    last: Option<DateTime<Utc>>,
    last_gave: Option<DateTime<Utc>>,
    last_received: Option<DateTime<Utc>>,
}

/// What the contact's past interactions (up to `now`) add up to.
async fn stats(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Stats, AppError> {
    let participations = Query::select()
        .column(interaction_contact::Column::InteractionId)
        .from(interaction_contact::Entity)
        .and_where(Expr::col(interaction_contact::Column::ContactId).eq(contact_id))
        .to_owned();
    let mine = || {
        owner
            .find::<interaction::Entity>()
            .filter(interaction::Column::Id.in_subquery(participations.clone()))
            .filter(interaction::Column::OccurredAt.lte(now))
    };
    let counted = |column: interaction::Column| {
        Func::sum(Into::<Expr>::into(
            Expr::case(Expr::col(column).is_not_null(), 1).finally(0),
        ))
    };
    let (count, gave, received): (i64, Option<i64>, Option<i64>) = mine()
        .select_only()
        .expr(Func::count(Expr::col(interaction::Column::Id)))
        .expr(counted(interaction::Column::Gave))
        .expr(counted(interaction::Column::Received))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None, None));
    let latest = |only: Option<interaction::Column>| {
        let mut query = mine();
        if let Some(column) = only {
            query = query.filter(column.is_not_null());
        }
        query
            .select_only()
            .column(interaction::Column::OccurredAt)
            .order_by_desc(interaction::Column::OccurredAt)
            .limit(1)
            .into_tuple::<DateTime<Utc>>()
            .one(db)
    };
    let last = latest(None).await?;
    // Most contacts never exchanged anything: no query for what cannot be.
    let last_gave = match gave {
        Some(n) if n > 0 => latest(Some(interaction::Column::Gave)).await?,
        _ => None,
    };
    let last_received = match received {
        Some(n) if n > 0 => latest(Some(interaction::Column::Received)).await?,
        _ => None,
    };
    Ok(Stats {
        count,
        gave: gave.unwrap_or(0),
        received: received.unwrap_or(0),
        last,
        last_gave,
        last_received,
    })
}

/// Recomputes the interaction-derived fields of `contact_ids`.
pub async fn refresh(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
) -> Result<(), AppError> {
    refresh_at(db, owner, contact_ids, Utc::now()).await
}

/// [`refresh`] as of `now`: interactions after it are still planned.
/// Idempotent: the same rows and the same `now` give the same fields, so two
/// instances sweeping the same contacts agree.
pub(crate) async fn refresh_at(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if contact_ids.is_empty() {
        return Ok(());
    }
    // Locked first, in id order: on PostgreSQL two transactions recording
    // interactions with the same contact would otherwise each count only
    // their own new row and the later write would lose the other's. The
    // lock makes the second wait, and its count (a new snapshot under READ
    // COMMITTED) sees the first. `FOR NO KEY UPDATE`, because both already
    // hold the key-share lock their participant rows took through the
    // foreign key, which a plain `FOR UPDATE` would deadlock on. SQLite's
    // write transactions are serial anyway.
    let contacts = owner
        .find::<contact::Entity>()
        .filter(contact::Column::Id.is_in(contact_ids.iter().copied()))
        .order_by_asc(contact::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .all(db)
        .await?;
    for c in contacts {
        let s = stats(db, owner, c.id, now).await?;
        let mut next = c.clone();
        next.interaction_count = s.count as i32;
        next.gave_count = s.gave as i32;
        next.received_count = s.received as i32;
        next.last_interaction_at = s.last;
        next.last_gave_at = s.last_gave;
        next.last_received_at = s.last_received;
        next.next_touch_due = next_touch_due(&next);
        next.reconnect_rank = super::reconnect::rank(&next);
        if next == c {
            continue;
        }
        let mut row = c.into_active_model();
        row.interaction_count = Set(next.interaction_count);
        row.gave_count = Set(next.gave_count);
        row.received_count = Set(next.received_count);
        row.last_interaction_at = Set(next.last_interaction_at);
        row.last_gave_at = Set(next.last_gave_at);
        row.last_received_at = Set(next.last_received_at);
        row.next_touch_due = Set(next.next_touch_due);
        row.reconnect_rank = Set(next.reconnect_rank);
        row.update(db).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn contact(days: Option<i32>) -> contact::Model {
        let mut c = super::super::write::blank(Owner::new(Uuid::now_v7()));
        c.keep_in_touch_days = days;
        c.created_at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        c
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn next_touch_counts_from_the_last_interaction_then_met_on_then_creation() {
        assert_eq!(next_touch_due(&contact(None)), None);
        let mut c = contact(Some(30));
        assert_eq!(next_touch_due(&c), Some(date(2026, 1, 31)));
        c.met_on = Some(date(2025, 12, 1));
        assert_eq!(next_touch_due(&c), Some(date(2025, 12, 31)));
        c.last_interaction_at = Some(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
        assert_eq!(next_touch_due(&c), Some(date(2026, 3, 31)));
    }
}
