//! Network quality at a glance. It leads with intersections, not head count
//! (seeds 000 and 001: quality over quantity; what matters is the number of
//! intersections in our goals).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::{contact, goal, interaction, intersection};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::context::Fresh;
use crate::domain::enums::{GoalStatus, IntersectionKind, IntersectionStatus, Stage};
use crate::domain::intersections::matching::{ContactRef, GoalRef, goal_ref};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How many contacts `top_contacts` lists.
pub const TOP_CONTACTS: u64 = 10;
/// The window of the recent reciprocity figures.
pub const RECENT_DAYS: i64 = 90;
/// Months in `interactions_per_month`.
pub const MONTHS: u32 = 12;

/// Contacts, in total and per stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactCounts {
    pub total: u64,
    /// Every stage, zero included.
    #[schema(example = json!({"prospect": 3, "connected": 40, "not_now": 5, "archived": 2}))]
    pub by_stage: BTreeMap<String, u64>,
}

/// Intersections with your contacts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntersectionCounts {
    /// Suggested plus confirmed.
    pub total: u64,
    pub confirmed: u64,
    pub suggested: u64,
    pub dismissed: u64,
    /// Suggested plus confirmed, per kind (every kind, zero included).
    #[schema(example = json!({"shared_goal": 2, "i_can_help": 5, "they_can_help": 3, "shared_interest": 9}))]
    pub by_kind: BTreeMap<String, u64>,
    /// `total` divided by the number of contacts (0 without contacts).
    pub per_contact: f64,
    /// Contacts with at least one.
    pub contacts_with_any: u64,
}

/// A contact and their intersection count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopContact {
    pub contact: ContactRef,
    pub intersection_count: i32,
}

/// Interactions in which you gave, and in which you received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exchange {
    pub gave: u64,
    pub received: u64,
}

/// Giving and receiving, recently and overall.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reciprocity {
    /// The last 90 days.
    pub last_90_days: Exchange,
    pub all_time: Exchange,
    /// Contacts you owe: they gave, you never did. Most received first, at
    /// most ten.
    pub i_owe: ReciprocityList,
    /// Contacts you keep giving to without hearing back: you gave at least
    /// twice, they never did. Most given first, at most ten.
    pub unanswered: ReciprocityList,
}

/// Some contacts out of balance, and how many there are in all.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReciprocityList {
    /// All such contacts.
    #[schema(example = 3)]
    pub total: u64,
    pub contacts: Vec<ReciprocityContact>,
}

/// A contact and the exchange with them (past interactions only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReciprocityContact {
    pub contact: ContactRef,
    pub gave_count: i32,
    pub received_count: i32,
    pub last_gave_at: Option<DateTime<Utc>>,
    pub last_received_at: Option<DateTime<Utc>>,
}

/// Times you gave, without hearing back, that put a contact in
/// `unanswered`: once is a gift, twice is a pattern.
pub const UNANSWERED_AFTER: i32 = 2;

/// Interactions in one calendar month (UTC).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCount {
    #[schema(example = "2026-11")]
    pub month: String,
    pub interactions: u64,
}

/// The state of your network.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Insights {
    pub intersections: IntersectionCounts,
    /// Contacts with the most intersections (suggested and confirmed), at most
    /// ten, none without any.
    pub top_contacts: Vec<TopContact>,
    /// Your active goals and offers that no contact intersects yet: whom to
    /// look for.
    pub unmatched_goals: Vec<GoalRef>,
    pub reciprocity: Reciprocity,
    pub contacts: ContactCounts,
    /// The last twelve months, oldest first, this month included.
    pub interactions_per_month: Vec<MonthCount>,
}

/// The insights of the owner's network. Callers refresh intersections first.
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
pub async fn insights(db: &impl ConnectionTrait, fresh: Fresh) -> Result<Insights, AppError> {
    let owner = fresh.owner();
    let now = Utc::now();
    let contacts = contact_counts(db, owner).await?;
    let intersections = intersection_counts(db, owner, contacts.total).await?;
    Ok(Insights {
        intersections,
        top_contacts: top_contacts(db, owner).await?,
        unmatched_goals: unmatched_goals(db, owner).await?,
        reciprocity: Reciprocity {
            last_90_days: exchange(db, owner, now, Some(now - Duration::days(RECENT_DAYS))).await?,
            all_time: exchange(db, owner, now, None).await?,
            i_owe: out_of_balance(db, owner, Owing::Me).await?,
            unanswered: out_of_balance(db, owner, Owing::Them).await?,
        },
        contacts,
        interactions_per_month: per_month(db, owner, now).await?,
    })
}

async fn contact_counts(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<ContactCounts, AppError> {
    let rows: Vec<(String, i64)> = owner
        .find::<contact::Entity>()
        .select_only()
        .column(contact::Column::Stage)
        .column_as(contact::Column::Id.count(), "n")
        .group_by(contact::Column::Stage)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_stage: BTreeMap<String, u64> = Stage::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    for (stage, n) in rows {
        *by_stage.entry(stage).or_default() += n as u64;
    }
    Ok(ContactCounts {
        total: by_stage.values().sum(),
        by_stage,
    })
}

async fn intersection_counts(
    db: &impl ConnectionTrait,
    owner: Owner,
    contacts: u64,
) -> Result<IntersectionCounts, AppError> {
    let rows: Vec<(String, String, i64)> = owner
        .find::<intersection::Entity>()
        .select_only()
        .column(intersection::Column::Kind)
        .column(intersection::Column::Status)
        .column_as(Expr::col(Asterisk).count(), "n")
        .group_by(intersection::Column::Kind)
        .group_by(intersection::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_kind: BTreeMap<String, u64> = IntersectionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), 0))
        .collect();
    let (mut confirmed, mut suggested, mut dismissed) = (0, 0, 0);
    for (kind, status, n) in rows {
        let n = n as u64;
        match IntersectionStatus::parse(&status) {
            Some(IntersectionStatus::Dismissed) => {
                dismissed += n;
                continue;
            }
            Some(IntersectionStatus::Confirmed) => confirmed += n,
            _ => suggested += n,
        }
        *by_kind.entry(kind).or_default() += n;
    }
    let contacts_with_any = owner
        .find::<contact::Entity>()
        .filter(contact::Column::IntersectionCount.gt(0))
        .count(db)
        .await?;
    let total = confirmed + suggested;
    Ok(IntersectionCounts {
        total,
        confirmed,
        suggested,
        dismissed,
        by_kind,
        per_contact: if contacts == 0 {
            0.0
        } else {
            (total as f64 / contacts as f64 * 100.0).round() / 100.0
        },
        contacts_with_any,
    })
}

async fn top_contacts(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Vec<TopContact>, AppError> {
    Ok(owner
        .find::<contact::Entity>()
        .filter(contact::Column::IntersectionCount.gt(0))
        .order_by_desc(contact::Column::IntersectionCount)
        .order_by_asc(contact::Column::Id)
        .limit(TOP_CONTACTS)
        .all(db)
        .await?
        .into_iter()
        .map(|c| TopContact {
            intersection_count: c.intersection_count,
            contact: ContactRef {
                id: c.id,
                full_name: c.full_name,
                headline: c.headline,
            },
        })
        .collect())
}

/// The user's active goals and offers without a suggested or confirmed
/// intersection.
async fn unmatched_goals(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Vec<GoalRef>, AppError> {
    // Correlated, so that each goal is one probe of the per-goal index.
    let matched = Query::select()
        .expr(Expr::val(1))
        .from(intersection::Entity)
        .and_where(
            Expr::col((intersection::Entity, intersection::Column::MyGoalId))
                .equals((goal::Entity, goal::Column::Id)),
        )
        .and_where(
            Expr::col((intersection::Entity, intersection::Column::Status))
                .ne(IntersectionStatus::Dismissed.as_str()),
        )
        .to_owned();
    Ok(owner
        .find::<goal::Entity>()
        .filter(goal::Column::ContactId.is_null())
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .filter(Expr::exists(matched).not())
        .order_by_asc(goal::Column::Priority)
        .order_by_asc(goal::Column::CreatedAt)
        .all(db)
        .await?
        .iter()
        .map(goal_ref)
        .collect())
}

/// What was given and received up to `now`: a favour planned is not a
/// favour given.
async fn exchange(
    db: &impl ConnectionTrait,
    owner: Owner,
    now: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
) -> Result<Exchange, AppError> {
    let mut counts = [0u64; 2];
    for (slot, column) in [interaction::Column::Gave, interaction::Column::Received]
        .into_iter()
        .enumerate()
    {
        let mut query = owner
            .find::<interaction::Entity>()
            .filter(column.is_not_null())
            .filter(interaction::Column::OccurredAt.lte(now));
        if let Some(since) = since {
            query = query.filter(interaction::Column::OccurredAt.gte(since));
        }
        counts[slot] = query.count(db).await?;
    }
    Ok(Exchange {
        gave: counts[0],
        received: counts[1],
    })
}

/// Which side of the exchange is missing.
enum Owing {
    /// They gave, I never did.
    Me,
    /// I gave (at least [`UNANSWERED_AFTER`] times), they never did.
    Them,
}

async fn out_of_balance(
    db: &impl ConnectionTrait,
    owner: Owner,
    owing: Owing,
) -> Result<ReciprocityList, AppError> {
    use contact::Column as C;
    let (silent, active, min, most) = match owing {
        Owing::Me => (C::GaveCount, C::ReceivedCount, 1, C::ReceivedCount),
        Owing::Them => (
            C::ReceivedCount,
            C::GaveCount,
            UNANSWERED_AFTER,
            C::GaveCount,
        ),
    };
    let query = owner
        .find::<contact::Entity>()
        .filter(silent.eq(0))
        .filter(active.gte(min))
        .filter(contact::Column::Stage.ne(Stage::Archived.as_str()));
    let total = query.clone().count(db).await?;
    let contacts = query
        .order_by_desc(most)
        .order_by_asc(C::Id)
        .limit(TOP_CONTACTS)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ReciprocityContact {
            gave_count: c.gave_count,
            received_count: c.received_count,
            last_gave_at: c.last_gave_at,
            last_received_at: c.last_received_at,
            contact: ContactRef {
                id: c.id,
                full_name: c.full_name,
                headline: c.headline,
            },
        })
        .collect();
    Ok(ReciprocityList { total, contacts })
}

/// The first instant of the month `back` months before `now`'s (`-1`: the
/// next month).
fn month_start(now: DateTime<Utc>, back: i32) -> DateTime<Utc> {
    let months = now.year() * 12 + now.month0() as i32 - back;
    let date = NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or_default();
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// One range count per month on the (owner, occurred_at) index: portable,
/// where grouping by a formatted date is not.
async fn per_month(
    db: &impl ConnectionTrait,
    owner: Owner,
    now: DateTime<Utc>,
) -> Result<Vec<MonthCount>, AppError> {
    let mut months = Vec::with_capacity(MONTHS as usize);
    for back in (0..MONTHS as i32).rev() {
        let (start, end) = (month_start(now, back), month_start(now, back - 1));
        let interactions = owner
            .find::<interaction::Entity>()
            .filter(interaction::Column::OccurredAt.gte(start))
            .filter(interaction::Column::OccurredAt.lt(end))
            .count(db)
            .await?;
        months.push(MonthCount {
            month: start.format("%Y-%m").to_string(),
            interactions,
        });
    }
    Ok(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_starts_cross_years() {
        let now = Utc.with_ymd_and_hms(2026, 2, 14, 10, 0, 0).unwrap();
        assert_eq!(
            month_start(now, 0).to_rfc3339(),
            "2026-02-01T00:00:00+00:00"
        );
        assert_eq!(
            month_start(now, 2).to_rfc3339(),
            "2025-12-01T00:00:00+00:00"
        );
        assert_eq!(
            month_start(now, 13).to_rfc3339(),
            "2025-01-01T00:00:00+00:00"
        );
        assert_eq!(
            month_start(now, -11).to_rfc3339(),
            "2027-01-01T00:00:00+00:00"
        );
    }
}
