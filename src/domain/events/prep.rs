//! Preparing an event (seed 004: know who will be there and what they are
//! interested in; prepare three sentences about yourself). The attendees are
//! ranked by how much you intersect, from the stored intersections (which
//! the caller's [`Fresh`] proves up to date), each with one line on why, what
//! to ask, what you could offer, and the follow-ups still open with them.

use std::collections::{BTreeSet, HashMap};

use entity::{contact, goal, interaction, user};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Event, get};
use crate::domain::context::Fresh;
use crate::domain::enums::{
    AttendeeStatus, GoalKind, GoalStatus, IntersectionKind, IntersectionStatus,
};
use crate::domain::interactions::list::ids_with;
use crate::domain::interactions::{Interaction, render as render_interactions};
use crate::domain::intersections::{Intersection, open_with};
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How many intersections each attendee shows (their best).
pub const INTERSECTIONS_SHOWN: usize = 3;

/// `GET /events/{id}/prep` parameters: a page of the ranked attendees.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PrepParams {
    /// Attendees per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// Who an attendee is, in short.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendeeContact {
    pub id: Uuid,
    #[schema(example = "Maya Chen")]
    pub full_name: String,
    #[schema(example = "Partner at Northwind Seed")]
    pub headline: Option<String>,
    #[schema(example = "Northwind Seed")]
    pub company: Option<String>,
}

/// One attendee, prepared.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrepAttendee {
    pub contact: AttendeeContact,
    pub status: AttendeeStatus,
    /// The rank: the sum of the scores of your intersections with them
    /// (suggested and confirmed; confirmed ones count double, dismissed
    /// ones not at all). 0 when you do not intersect yet.
    #[schema(example = 0.71)]
    pub score: f64,
    /// Why meet them, in one line.
    #[schema(
        example = "Their offer “Seed checks for B2B SaaS” meets your goal “Raise a $1.5M seed round” (fundraising ↔ investing)."
    )]
    pub why: String,
    /// What to ask them.
    #[schema(
        example = "Ask about “Seed checks for B2B SaaS”: could it help with “Raise a $1.5M seed round”?"
    )]
    pub ask: String,
    /// What you could offer them, when you know.
    #[schema(example = "An intro to two grocery chains we sell to")]
    pub offer: Option<String>,
    /// Your best intersections with them (at most three).
    pub intersections: Vec<Intersection>,
    /// Interactions with them whose follow-up is not done, soonest due first.
    pub open_follow_ups: Vec<Interaction>,
}

/// Your three sentences about yourself, from your profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pitch {
    /// At most three sentences: who you are (`headline`), what you do
    /// (the first sentence of your `summary`), what you are after (the
    /// event's `intent`, or your first active goal).
    #[schema(example = json!(["I'm Ada Lovelace, founder of a forecasting tool for grocery stores.", "We help independent shops order what sells.", "I'm here to meet seed investors and a product designer."]))]
    pub sentences: Vec<String>,
    /// Profile fields to fill for a better pitch (`headline`, `summary`):
    /// empty when the pitch is complete.
    #[schema(example = json!([]))]
    pub missing: Vec<String>,
}

/// One of your goals this event could advance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrepGoal {
    pub goal_id: Uuid,
    #[schema(example = "Raise a $1.5M seed round")]
    pub title: String,
    /// The event names it (`goal_ids`).
    pub linked: bool,
    /// Attendees who intersect with it, best first.
    pub contact_ids: Vec<Uuid>,
}

/// Everything to read before an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPrep {
    pub event: Event,
    pub pitch: Pitch,
    /// Your goals the event could advance: those it names, then those an
    /// attendee intersects with.
    pub goals: Vec<PrepGoal>,
    /// The attendees, best first (`missed` ones left out).
    pub attendees: Page<PrepAttendee>,
}

/// What one attendee's intersections say, best first.
struct Met<'a> {
    best: Vec<&'a Intersection>,
    score: f64,
}

/// The preparation of event `id`.
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id(), event_id = %id))]
pub async fn prep(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    id: Uuid,
    params: PrepParams,
) -> Result<EventPrep, AppError> {
    let owner = fresh.owner();
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let after = page.cursor::<(f64, String, Uuid)>()?;
    let event = get(db, owner, id).await?;
    let expected: Vec<(Uuid, AttendeeStatus)> = event
        .attendees
        .iter()
        .filter(|a| a.status != AttendeeStatus::Missed)
        .map(|a| (a.contact_id, a.status))
        .collect();
    let ids: Vec<Uuid> = expected.iter().map(|(id, _)| *id).collect();

    let found = open_with(db, fresh, &ids).await?;
    let mut met: HashMap<Uuid, Met> = HashMap::new();
    for i in &found {
        let entry = met.entry(i.contact_id).or_insert(Met {
            best: Vec::new(),
            score: 0.0,
        });
        let weight = if i.status == IntersectionStatus::Confirmed {
            2.0
        } else {
            1.0
        };
        entry.score += weight * i.score;
        entry.best.push(i);
    }
    let contacts: HashMap<Uuid, contact::Model> = owner
        .find::<contact::Entity>()
        .filter(contact::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut ranked: Vec<(f64, String, Uuid, AttendeeStatus)> = expected
        .iter()
        .filter_map(|(id, status)| {
            let c = contacts.get(id)?;
            let score = met.get(id).map_or(0.0, |m| m.score);
            Some((round(score), c.sort_name.clone(), *id, *status))
        })
        .collect();
    // Best first; then going before invited; then by name.
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| going_first(a.3).cmp(&going_first(b.3)))
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    if let Some((score, name, id)) = &after {
        // The cursor is the last attendee shown; resume after it.
        match ranked
            .iter()
            .position(|r| r.0 == *score && r.1 == *name && r.2 == *id)
        {
            Some(at) => {
                ranked.drain(..=at);
            }
            None => ranked.retain(|r| r.0 < *score || (r.0 == *score && (&r.1, &r.2) > (name, id))),
        }
    }
    ranked.truncate(limit as usize + 1);
    let (shown, next_cursor) =
        split_page(ranked, limit, |r| encode_cursor(&(r.0, r.1.clone(), r.2)));

    // Titles of every goal the shown intersections name, and the active
    // goals of the shown attendees (what to ask when nothing intersects).
    let shown_ids: Vec<Uuid> = shown.iter().map(|r| r.2).collect();
    let mut goal_ids: BTreeSet<Uuid> = BTreeSet::new();
    for id in &shown_ids {
        for i in met.get(id).map(|m| m.best.as_slice()).unwrap_or_default() {
            goal_ids.extend(i.my_goal_id);
            goal_ids.extend(i.their_goal_id);
        }
    }
    let mine_active = owner
        .find::<goal::Entity>()
        .filter(goal::Column::ContactId.is_null())
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .order_by_asc(goal::Column::Priority)
        .order_by_asc(goal::Column::CreatedAt)
        .all(db)
        .await?;
    let mut theirs_active = owner
        .find::<goal::Entity>()
        .filter(goal::Column::ContactId.is_in(shown_ids.iter().copied()))
        .filter(goal::Column::Status.eq(GoalStatus::Active.as_str()))
        .all(db)
        .await?;
    theirs_active.sort_by_key(|g| (g.priority, g.created_at, g.id));
    let mut titles: HashMap<Uuid, String> = owner
        .find::<goal::Entity>()
        .filter(goal::Column::Id.is_in(goal_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.title))
        .collect();
    for g in mine_active.iter().chain(&theirs_active) {
        titles.entry(g.id).or_insert_with(|| g.title.clone());
    }
    let mut their_first_goal: HashMap<Uuid, &goal::Model> = HashMap::new();
    for g in theirs_active
        .iter()
        .filter(|g| g.kind == GoalKind::Goal.as_str())
    {
        if let Some(contact_id) = g.contact_id {
            their_first_goal.entry(contact_id).or_insert(g);
        }
    }
    let mut follow_ups = open_follow_ups(db, owner, &shown_ids).await?;

    let mut data = Vec::with_capacity(shown.len());
    for (score, _, contact_id, status) in shown {
        let Some(c) = contacts.get(&contact_id) else {
            continue;
        };
        let best: &[&Intersection] = met
            .get(&contact_id)
            .map(|m| m.best.as_slice())
            .unwrap_or_default();
        let title = |id: Option<Uuid>| {
            id.and_then(|id| titles.get(&id))
                .map(String::as_str)
                .unwrap_or("")
        };
        let lines = Lines::of(best, &title, c, their_first_goal.get(&contact_id).copied());
        data.push(PrepAttendee {
            contact: AttendeeContact {
                id: c.id,
                full_name: c.full_name.clone(),
                headline: c.headline.clone(),
                company: c.company.clone(),
            },
            status,
            score,
            why: lines.why,
            ask: lines.ask,
            offer: lines.offer,
            intersections: best
                .iter()
                .take(INTERSECTIONS_SHOWN)
                .map(|i| (*i).clone())
                .collect(),
            open_follow_ups: follow_ups.remove(&contact_id).unwrap_or_default(),
        });
    }

    let user = owner.get::<user::Entity>(db, owner.id()).await?;
    let pitch = pitch(
        &user,
        event.intent.as_deref(),
        mine_active.first().map(|g| g.title.as_str()),
    );
    let goals = goals(&event, &found, &mine_active, &titles);
    Ok(EventPrep {
        event,
        pitch,
        goals,
        attendees: Page { data, next_cursor },
    })
}

fn going_first(status: AttendeeStatus) -> u8 {
    match status {
        AttendeeStatus::Going | AttendeeStatus::Met => 0,
        AttendeeStatus::Invited | AttendeeStatus::Missed => 1,
    }
}

/// Scores compared and carried in cursors at a fixed precision, so a cursor
/// survives its trip through JSON.
fn round(score: f64) -> f64 {
    (score * 1e6).round() / 1e6
}

/// The one-liners of an attendee.
struct Lines {
    why: String,
    ask: String,
    offer: Option<String>,
}

impl Lines {
    fn of<'t>(
        best: &[&Intersection],
        title: &impl Fn(Option<Uuid>) -> &'t str,
        c: &contact::Model,
        their_goal: Option<&goal::Model>,
    ) -> Self {
        let of_kind = |kind: IntersectionKind| best.iter().find(|i| i.kind == kind);
        let why = best
            .first()
            .map(|i| why_line(i, title))
            .or_else(|| c.why.as_ref().map(|why| format!("Why they matter: {why}")))
            .or_else(|| match (&c.headline, &c.company) {
                (Some(h), _) => Some(format!(
                    "{h}; nothing intersects yet: find out what they pursue."
                )),
                (None, Some(company)) => Some(format!(
                    "At {company}; nothing intersects yet: find out what they pursue."
                )),
                (None, None) => None,
            })
            .unwrap_or_else(|| "Nothing intersects yet: find out what they pursue.".into());
        let ask = if let Some(i) = of_kind(IntersectionKind::TheyCanHelp) {
            format!(
                "Ask about “{}”: could it help with “{}”?",
                title(i.their_goal_id),
                title(i.my_goal_id)
            )
        } else if let Some(i) = of_kind(IntersectionKind::ComplementaryGoal) {
            format!(
                "Ask where “{}” stands: it completes your “{}”.",
                title(i.their_goal_id),
                title(i.my_goal_id)
            )
        } else if let Some(g) = their_goal {
            format!("Ask how “{}” is going, and how you can help.", g.title)
        } else if let Some(can_get) = &c.can_get {
            format!("Ask about what they could bring you: {can_get}.")
        } else {
            "Ask what they are working on, and how you can help.".into()
        };
        let offer = of_kind(IntersectionKind::ICanHelp)
            .map(|i| {
                format!(
                    "Offer “{}” for their goal “{}”.",
                    title(i.my_goal_id),
                    title(i.their_goal_id)
                )
            })
            .or_else(|| {
                c.can_give
                    .as_ref()
                    .map(|give| format!("You could give them: {give}."))
            });
        Self { why, ask, offer }
    }
}

/// One line on an intersection, in the words of both sides.
fn why_line<'t>(i: &Intersection, title: &impl Fn(Option<Uuid>) -> &'t str) -> String {
    let reasons = &i.reasons;
    let term = reasons
        .first()
        .map(|r| format!(" ({})", r.term))
        .unwrap_or_default();
    let (mine, theirs) = (title(i.my_goal_id), title(i.their_goal_id));
    match i.kind {
        IntersectionKind::TheyCanHelp => {
            format!("Their offer “{theirs}” meets your goal “{mine}”{term}.")
        }
        IntersectionKind::ICanHelp => {
            format!("Your offer “{mine}” meets their goal “{theirs}”{term}.")
        }
        IntersectionKind::SharedGoal => {
            format!("You both pursue the same: “{mine}” and their “{theirs}”{term}.")
        }
        IntersectionKind::ComplementaryGoal => {
            format!("Your goal “{mine}” and their “{theirs}” complete each other{term}.")
        }
        IntersectionKind::SharedInterest => {
            let terms: Vec<&str> = reasons.iter().take(3).map(|r| r.term.as_str()).collect();
            format!("You share interests: {}.", terms.join(", "))
        }
    }
}

/// Your three sentences, and what is missing for them.
fn pitch(user: &user::Model, intent: Option<&str>, first_goal: Option<&str>) -> Pitch {
    let mut missing = Vec::new();
    let mut sentences = Vec::new();
    match user.headline.as_deref() {
        Some(headline) => sentences.push(sentence(&format!("I'm {}, {headline}", user.name))),
        None => missing.push("headline".to_string()),
    }
    match user.summary.as_deref() {
        Some(summary) => {
            let first = summary
                .split_inclusive(['.', '!', '?'])
                .next()
                .unwrap_or(summary);
            sentences.push(sentence(first));
        }
        None => missing.push("summary".to_string()),
    }
    match (intent, first_goal) {
        (Some(intent), _) => {
            sentences.push(sentence(&format!("I'm here to {}", lower_first(intent))))
        }
        (None, Some(goal)) => sentences.push(sentence(&format!(
            "My focus right now: {}",
            lower_first(goal)
        ))),
        (None, None) => {}
    }
    Pitch { sentences, missing }
}

/// `text` with its first letter in lower case, unless it starts an acronym
/// or a name written in capitals ("SaaS", "UX").
fn lower_first(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let first_word = text.split_whitespace().next().unwrap_or_default();
    let plain = first_word.chars().skip(1).all(|c| !c.is_uppercase());
    match chars.next() {
        Some(first) if first.is_uppercase() && plain && first_word.chars().count() > 1 => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

/// `text` as one sentence: trimmed, capitalised, with a final stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The goals the event names, then the user's goals an attendee meets.
fn goals(
    event: &Event,
    found: &[Intersection],
    mine_active: &[goal::Model],
    titles: &HashMap<Uuid, String>,
) -> Vec<PrepGoal> {
    let mut by_goal: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for i in found {
        if let Some(goal_id) = i.my_goal_id {
            let people = by_goal.entry(goal_id).or_default();
            if !people.contains(&i.contact_id) {
                people.push(i.contact_id);
            }
        }
    }
    let mut out: Vec<PrepGoal> = Vec::new();
    let named = event.goal_ids.iter().map(|id| (*id, true));
    let met: Vec<(Uuid, bool)> = mine_active
        .iter()
        .filter(|g| by_goal.contains_key(&g.id))
        .map(|g| (g.id, false))
        .collect();
    for (goal_id, linked) in named.chain(met) {
        if out.iter().any(|g| g.goal_id == goal_id) {
            continue;
        }
        let title = titles.get(&goal_id).or_else(|| {
            mine_active
                .iter()
                .find(|g| g.id == goal_id)
                .map(|g| &g.title)
        });
        let Some(title) = title else { continue };
        out.push(PrepGoal {
            goal_id,
            title: title.clone(),
            linked,
            contact_ids: by_goal.remove(&goal_id).unwrap_or_default(),
        });
    }
    out
}

/// The interactions with each of `contact_ids` whose follow-up is open,
/// soonest due first.
async fn open_follow_ups(
    db: &impl ConnectionTrait,
    owner: Owner,
    contact_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Interaction>>, AppError> {
    let with_them = ids_with(db, owner, contact_ids).await?;
    let mut rows = owner
        .find::<interaction::Entity>()
        .filter(interaction::Column::FollowUpDone.eq(false))
        .filter(interaction::Column::Id.is_in(with_them))
        .all(db)
        .await?;
    rows.sort_by_key(|i| (i.follow_up_due_on, i.id));
    let wanted: BTreeSet<Uuid> = contact_ids.iter().copied().collect();
    let mut by_contact: HashMap<Uuid, Vec<Interaction>> = HashMap::new();
    for i in render_interactions(db, owner, rows).await? {
        for c in i.contact_ids.iter().filter(|c| wanted.contains(c)) {
            by_contact.entry(*c).or_default().push(i.clone());
        }
    }
    Ok(by_contact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_capitalised_and_stopped_and_acronyms_kept() {
        assert_eq!(sentence(" we help grocers"), "We help grocers.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(lower_first("Meet seed investors"), "meet seed investors");
        assert_eq!(lower_first("SaaS founders"), "SaaS founders");
        assert_eq!(lower_first("UX people"), "UX people");
    }
}
