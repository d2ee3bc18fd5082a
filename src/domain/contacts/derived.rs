//! Fields of a contact derived from its interactions. Every write of an
//! interaction calls [`refresh`] for the contacts it touched, inside the same
//! transaction, so the counters are never stale nor half-updated.

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
    let since = c
        .last_interaction_at
        .map(|at| at.date_naive())
        .or(c.met_on)
        .unwrap_or_else(|| c.created_at.date_naive());
    since.checked_add_signed(Duration::days(days.into()))
}

struct Stats {
    count: i64,
    gave: i64,
    received: i64,
    last: Option<DateTime<Utc>>,
}

async fn stats(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_id: Uuid,
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
    let last = mine()
        .select_only()
        .column(interaction::Column::OccurredAt)
        .order_by_desc(interaction::Column::OccurredAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    Ok(Stats {
        count,
        gave: gave.unwrap_or(0),
        received: received.unwrap_or(0),
        last,
    })
}

/// Recomputes the interaction-derived fields of `contact_ids`.
pub async fn refresh(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
) -> Result<(), AppError> {
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
        let s = stats(db, owner, c.id).await?;
        let mut next = c.clone();
        next.interaction_count = s.count as i32;
        next.gave_count = s.gave as i32;
        next.received_count = s.received as i32;
        next.last_interaction_at = s.last;
        next.next_touch_due = next_touch_due(&next);
        if next == c {
            continue;
        }
        let mut row = c.into_active_model();
        row.interaction_count = Set(next.interaction_count);
        row.gave_count = Set(next.gave_count);
        row.received_count = Set(next.received_count);
        row.last_interaction_at = Set(next.last_interaction_at);
        row.next_touch_due = Set(next.next_touch_due);
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
