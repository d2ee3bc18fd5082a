//! The agenda as an iCalendar feed (RFC 5545), for calendar apps that
//! subscribe by URL and fetch it again every so often.
//!
//! - **Span**: the agenda's sources read from [`DAYS_BACK`] days before
//!   today to [`DAYS_AHEAD`] days after (UTC dates): due dates in that span,
//!   and events and interactions dated in it, those already past included, so
//!   that a meeting does not vanish from the calendar when it starts. At most
//!   [`MAX_ITEMS`] items, the earliest first. Older overdue items stay on the
//!   agenda (`GET /agenda`), which has no lower bound.
//! - **Every item is a `VEVENT`**: calendar apps that subscribe by URL show
//!   events, and most ignore `VTODO`. Follow-ups, next steps, keep-in-touch
//!   and revisit dates are all-day (`VALUE=DATE`, `TRANSP:TRANSPARENT`: a
//!   reminder does not make you busy); events have their start and, when
//!   known, their end; interactions their time.
//! - **UIDs are stable**: `<kind>-<id>-<YYYYMMDD>@rapport`, from the kind,
//!   the record (the interaction, contact or event) and the due date, so a
//!   calendar updates an item instead of duplicating it; an item moved to
//!   another day, or done, is replaced or removed.
//! - **`DTSTAMP`** is when the record behind the item last changed (a feed
//!   has no `METHOD`, RFC 5545 3.8.7.2), so the same data give the same bytes
//!   and the feed's `ETag` holds until something changes.

use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ics::Writer;
use super::{AgendaContact, AgendaItem, AgendaKind, Detail, window};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How far back the feed reaches, in days.
pub const DAYS_BACK: i64 = 30;
/// How far ahead the feed reaches, in days.
pub const DAYS_AHEAD: i64 = 365;
/// The most items one feed holds.
pub const MAX_ITEMS: u64 = 5_000;
/// Who wrote the calendar (RFC 5545, 3.7.3).
pub const PRODID: &str = "-//Rapport//Agenda feed//EN";
/// The calendar's name, as calendar apps show it.
const NAME: &str = "Rapport agenda";
/// How often calendar apps should fetch the feed again (RFC 7986).
const REFRESH: &str = "PT1H";
/// Names a summary lists before "and N more".
const NAMES_IN_SUMMARY: usize = 3;

/// The feed of `owner`, as of today.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn feed(db: &impl ConnectionTrait, owner: Owner) -> Result<String, AppError> {
    let today = Utc::now().date_naive();
    let span = (
        today - Duration::days(DAYS_BACK),
        today + Duration::days(DAYS_AHEAD),
    );
    let (items, truncated) = window(db, owner, span, MAX_ITEMS).await?;
    if truncated {
        tracing::info!(
            max = MAX_ITEMS,
            "calendar feed truncated to its first items"
        );
    }
    Ok(render(&items))
}

/// The calendar of `items`.
pub fn render(items: &[(AgendaItem, Detail)]) -> String {
    let mut w = Writer::default();
    w.raw("BEGIN", "VCALENDAR");
    w.raw("VERSION", "2.0");
    w.raw("PRODID", PRODID);
    w.raw("CALSCALE", "GREGORIAN");
    w.text("NAME", NAME);
    w.text("X-WR-CALNAME", NAME);
    w.raw("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
    w.raw("X-PUBLISHED-TTL", REFRESH);
    for (item, detail) in items {
        event(&mut w, item, detail);
    }
    w.raw("END", "VCALENDAR");
    w.finish()
}

fn event(w: &mut Writer, item: &AgendaItem, detail: &Detail) {
    w.raw("BEGIN", "VEVENT");
    w.raw("UID", &uid(item));
    w.time("DTSTAMP", detail.revised);
    match detail.at {
        Some((start, end)) => {
            w.time("DTSTART", start);
            if let Some(end) = end.filter(|end| *end > start) {
                w.time("DTEND", end);
            }
        }
        None => {
            w.date("DTSTART", item.due_on);
            w.date("DTEND", item.due_on.succ_opt().unwrap_or(item.due_on));
            w.raw("TRANSP", "TRANSPARENT");
        }
    }
    w.text("SUMMARY", &summary(item, detail));
    w.text("DESCRIPTION", &description(item, detail));
    if let Some(location) = &detail.location {
        w.text("LOCATION", location);
    }
    w.raw("CATEGORIES", kind_name(item.kind));
    w.raw("END", "VEVENT");
}

/// The kind as the API names it.
pub fn kind_name(kind: AgendaKind) -> &'static str {
    match kind {
        AgendaKind::FollowUp => "follow_up",
        AgendaKind::NextStep => "next_step",
        AgendaKind::KeepInTouch => "keep_in_touch",
        AgendaKind::Revisit => "revisit",
        AgendaKind::Event => "event",
        AgendaKind::Planned => "planned",
    }
}

/// `<kind>-<record id>-<YYYYMMDD>@rapport`: the same item has the same UID
/// in every fetch.
pub fn uid(item: &AgendaItem) -> String {
    let record = item
        .interaction_id
        .or(item.event_id)
        .or_else(|| item.contacts.first().map(|c| c.id))
        .unwrap_or_else(Uuid::nil);
    format!(
        "{}-{record}-{}@rapport",
        kind_name(item.kind),
        item.due_on.format("%Y%m%d")
    )
}

/// "Ada", "Ada and Bea", "Ada, Bea and Cy", "Ada, Bea, Cy and 2 more".
fn names(contacts: &[AgendaContact]) -> String {
    let named: Vec<&str> = contacts
        .iter()
        .take(NAMES_IN_SUMMARY)
        .map(|c| c.full_name.as_str())
        .collect();
    let more = contacts.len().saturating_sub(NAMES_IN_SUMMARY);
    match (named.as_slice(), more) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_string(),
        (all, 0) => format!(
            "{} and {}",
            all[..all.len() - 1].join(", "),
            all[all.len() - 1]
        ),
        (all, more) => format!("{} and {more} more", all.join(", ")),
    }
}

fn summary(item: &AgendaItem, detail: &Detail) -> String {
    let who = names(&item.contacts);
    let with = |label: &str, what: &str| match who.is_empty() {
        true => format!("{label}: {what}"),
        false => format!("{label} with {who}: {what}"),
    };
    match item.kind {
        AgendaKind::FollowUp => with("Follow up", &item.reason),
        AgendaKind::NextStep => with("Next step", &item.reason),
        AgendaKind::KeepInTouch => format!("Get in touch with {who}"),
        AgendaKind::Revisit => format!("Revisit {who}"),
        AgendaKind::Event => detail.title.clone().unwrap_or_else(|| item.reason.clone()),
        AgendaKind::Planned => {
            let title = detail.title.as_deref().unwrap_or(&item.reason);
            match who.is_empty() {
                true => title.to_string(),
                false => format!("{title} with {who}"),
            }
        }
    }
}

/// The reason, everyone it concerns, and an event's page.
fn description(item: &AgendaItem, detail: &Detail) -> String {
    let mut text = item.reason.clone();
    if !item.contacts.is_empty() {
        let everyone: Vec<&str> = item.contacts.iter().map(|c| c.full_name.as_str()).collect();
        text.push_str("\nWith: ");
        text.push_str(&everyone.join(", "));
    }
    if let Some(url) = &detail.url {
        text.push('\n');
        text.push_str(url);
    }
    text
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};

    use super::*;

    fn contact(name: &str) -> AgendaContact {
        AgendaContact {
            id: Uuid::nil(),
            full_name: name.into(),
        }
    }

    fn item(kind: AgendaKind, contacts: Vec<AgendaContact>, reason: &str) -> AgendaItem {
        AgendaItem {
            kind,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            overdue: false,
            contacts,
            interaction_id: Some(Uuid::from_u128(7)),
            event_id: None,
            reason: reason.into(),
        }
    }

    fn on_day() -> Detail {
        Detail {
            at: None,
            title: None,
            location: None,
            url: None,
            revised: DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
                .unwrap()
                .to_utc(),
        }
    }

    #[test]
    fn summaries_name_up_to_three_people() {
        let people: Vec<AgendaContact> = ["Ada", "Bea", "Cy", "Dee", "Eve"]
            .into_iter()
            .map(contact)
            .collect();
        assert_eq!(names(&people[..1]), "Ada");
        assert_eq!(names(&people[..2]), "Ada and Bea");
        assert_eq!(names(&people[..3]), "Ada, Bea and Cy");
        assert_eq!(names(&people), "Ada, Bea, Cy and 2 more");
        let follow_up = item(AgendaKind::FollowUp, people[..2].to_vec(), "Ask");
        assert_eq!(
            summary(&follow_up, &on_day()),
            "Follow up with Ada and Bea: Ask"
        );
    }

    #[test]
    fn an_all_day_item_is_a_transparent_vevent_with_a_stable_uid() {
        let follow_up = item(AgendaKind::FollowUp, vec![contact("Ada")], "Ask");
        let text = render(&[(follow_up, on_day())]);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        for line in [
            "UID:follow_up-00000000-0000-0000-0000-000000000007-20261208@rapport",
            "DTSTAMP:20261201T090000Z",
            "DTSTART;VALUE=DATE:20261208",
            "DTEND;VALUE=DATE:20261209",
            "TRANSP:TRANSPARENT",
            "SUMMARY:Follow up with Ada: Ask",
            r"DESCRIPTION:Ask\nWith: Ada",
            "CATEGORIES:follow_up",
        ] {
            assert!(
                text.contains(&format!("\r\n{line}\r\n")),
                "{line} in {text}"
            );
        }
    }

    #[test]
    fn a_timed_item_has_its_start_and_its_end_when_known() {
        let start = DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z")
            .unwrap()
            .to_utc();
        let mut event = item(AgendaKind::Event, vec![], "Summit: meet people");
        event.interaction_id = None;
        event.event_id = Some(Uuid::from_u128(9));
        let detail = Detail {
            at: Some((start, Some(start + Duration::hours(8)))),
            title: Some("Summit".into()),
            location: Some("Lisbon, Portugal".into()),
            ..on_day()
        };
        let text = render(&[(event, detail)]);
        for line in [
            "DTSTART:20261208T090000Z",
            "DTEND:20261208T170000Z",
            "SUMMARY:Summit",
            r"LOCATION:Lisbon\, Portugal",
        ] {
            assert!(
                text.contains(&format!("\r\n{line}\r\n")),
                "{line} in {text}"
            );
        }
        assert!(!text.contains("TRANSP"));
    }
}
