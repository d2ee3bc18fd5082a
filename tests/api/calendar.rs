//! The calendar feed, `GET /api/v1/agenda.ics`: what it lists, its UIDs, who
//! may read it (a feed token in the URL, any credential in the header), and
//! the iCalendar it writes (escaping, folding, CRLF).

use chrono::{Duration, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, assert_problem, spawn_app};

const FEED: &str = "/api/v1/agenda.ics";

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

/// `YYYYMMDD` of `day(offset)`.
fn ics_day(offset: i64) -> String {
    day(offset).replace('-', "")
}

/// One `VEVENT`: its properties as (name with parameters, raw value), in order.
#[derive(Debug, Clone)]
struct VEvent(Vec<(String, String)>);

impl VEvent {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {self:?}"))
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// A TEXT value read back (RFC 5545, 3.3.11).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Checks the framing of a feed (CRLF only, lines of at most 75 octets) and
/// returns its events, lines unfolded.
fn parse(text: &str) -> Vec<VEvent> {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    let bare = text.replace("\r\n", "");
    assert!(
        !bare.contains('\r') && !bare.contains('\n'),
        "a bare CR or LF in the feed"
    );
    let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    for line in &physical {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
    for header in ["VERSION:2.0", "PRODID:-//Rapport//Agenda feed//EN"] {
        assert!(lines.contains(&header), "{header}");
    }
    let mut events = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in lines {
        match line {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => events.push(VEvent(current.take().expect("END without BEGIN"))),
            _ => {
                if let Some(props) = current.as_mut() {
                    let (name, value) = line.split_once(':').expect("a property line");
                    props.push((name.to_string(), value.to_string()));
                }
            }
        }
    }
    assert!(current.is_none(), "an unclosed VEVENT");
    events
}

/// The feed with the token in the URL, as a calendar app fetches it.
async fn fetch_with_url_token(app: &TestApp, token: &str) -> Response {
    app.client
        .get(app.url(&format!("{FEED}?token={token}")))
        .send()
        .await
        .unwrap()
}

/// A 200 feed's events, after checking its headers.
async fn events_of(res: Response) -> (Vec<VEvent>, String, String) {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/calendar; charset=utf-8"
    );
    assert_eq!(
        res.headers()["cache-control"].to_str().unwrap(),
        "private, no-cache"
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let text = res.text().await.unwrap();
    (parse(&text), text, etag)
}

async fn feed_token(app: &TestApp, user: &User) -> (String, String) {
    app.api_token(user, "feed").await
}

fn by_category<'a>(events: &'a [VEvent], kind: &str) -> Vec<&'a VEvent> {
    events
        .iter()
        .filter(|e| e.get("CATEGORIES") == kind)
        .collect()
}

/// One of each kind: a next step, a keep-in-touch date, a revisit, a
/// follow-up, a planned call and an event. Returns (contact, interaction,
/// planned, event) ids.
async fn one_of_each(app: &TestApp, t: &str) -> (String, String, String, String) {
    let ada = app
        .contact(
            t,
            json!({"full_name": "Ada Lovelace", "next_step": "send the article", "next_step_due": day(3)}),
        )
        .await;
    app.contact(
        t,
        json!({"full_name": "Bea", "keep_in_touch_days": 30, "met_on": day(-29)}),
    )
    .await;
    app.contact(
        t,
        json!({"full_name": "Cy", "stage": "not_now", "revisit_on": day(5)}),
    )
    .await;
    let coffee = app
        .interaction(
            t,
            json!({"kind": "meeting", "contact_ids": [ada["id"]],
            "occurred_at": (Utc::now() - Duration::days(40)).to_rfc3339(),
            "summary": "Coffee",
            "follow_up": {"due_on": day(2), "note": "ask about the intro"}}),
        )
        .await;
    let call = app
        .interaction(
            t,
            json!({"kind": "call", "contact_ids": [ada["id"]],
            "occurred_at": format!("{}T15:30:00Z", day(4))}),
        )
        .await;
    let res = app
        .post(
            "/api/v1/events",
            Some(t),
            &json!({"name": "SaaS Summit", "location": "Lisbon, Portugal",
                "starts_at": format!("{}T09:00:00Z", day(7)),
                "ends_at": format!("{}T17:00:00Z", day(7)),
                "attendees": [{"contact_id": ada["id"]}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let event: Value = res.json().await.unwrap();
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    (id(&ada), id(&coffee), id(&call), id(&event))
}

#[tokio::test]
async fn the_feed_lists_every_kind_of_item_with_uids_that_stay_the_same() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let (ada, coffee, call, event) = one_of_each(&app, t).await;
    let (feed, _) = feed_token(&app, &user).await;

    let (events, text, etag) = events_of(fetch_with_url_token(&app, &feed).await).await;
    assert_eq!(events.len(), 6, "{text}");
    let one = |kind: &str| {
        let found = by_category(&events, kind);
        assert_eq!(found.len(), 1, "{kind} in {text}");
        found[0].clone()
    };

    let follow_up = one("follow_up");
    assert_eq!(
        follow_up.get("UID"),
        format!("follow_up-{coffee}-{}@rapport", ics_day(2))
    );
    assert_eq!(follow_up.get("DTSTART;VALUE=DATE"), ics_day(2));
    assert_eq!(follow_up.get("DTEND;VALUE=DATE"), ics_day(3));
    assert_eq!(follow_up.get("TRANSP"), "TRANSPARENT");
    assert_eq!(
        unescape(follow_up.get("SUMMARY")),
        "Follow up with Ada Lovelace: ask about the intro"
    );
    assert!(follow_up.get("DTSTAMP").ends_with('Z'));

    let next_step = one("next_step");
    assert_eq!(
        next_step.get("UID"),
        format!("next_step-{ada}-{}@rapport", ics_day(3))
    );
    assert_eq!(
        unescape(next_step.get("SUMMARY")),
        "Next step with Ada Lovelace: send the article"
    );
    assert_eq!(one("keep_in_touch").get("DTSTART;VALUE=DATE"), ics_day(1));
    assert_eq!(unescape(one("revisit").get("SUMMARY")), "Revisit Cy");

    let planned = one("planned");
    assert_eq!(
        planned.get("UID"),
        format!("planned-{call}-{}@rapport", ics_day(4))
    );
    assert_eq!(planned.get("DTSTART"), format!("{}T153000Z", ics_day(4)));
    assert_eq!(unescape(planned.get("SUMMARY")), "Call with Ada Lovelace");

    let summit = one("event");
    assert_eq!(
        summit.get("UID"),
        format!("event-{event}-{}@rapport", ics_day(7))
    );
    assert_eq!(summit.get("DTSTART"), format!("{}T090000Z", ics_day(7)));
    assert_eq!(summit.get("DTEND"), format!("{}T170000Z", ics_day(7)));
    assert!(!summit.has("TRANSP"));
    assert_eq!(summit.get("SUMMARY"), "SaaS Summit");
    assert_eq!(summit.get("LOCATION"), r"Lisbon\, Portugal");

    // Fetched again: the same bytes, so the same UIDs and ETag; a calendar
    // app that sends the ETag back gets a 304.
    let (_, again, etag_again) = events_of(fetch_with_url_token(&app, &feed).await).await;
    assert_eq!(again, text);
    assert_eq!(etag_again, etag);
    let res = app
        .client
        .get(app.url(&format!("{FEED}?token={feed}")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let res = app
        .client
        .get(app.url(&format!("{FEED}?token={feed}")))
        .header("If-None-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Any credential reads it in the header: the session, a read or a write
    // token, the feed token itself.
    let (read, _) = app.api_token(&user, "read").await;
    let (write, _) = app.api_token(&user, "write").await;
    for credential in [t.as_str(), read.as_str(), write.as_str(), feed.as_str()] {
        let (_, body, _) = events_of(app.get(FEED, credential).await).await;
        assert_eq!(body, text);
    }
}

#[tokio::test]
async fn done_changed_and_deleted_items_leave_the_feed() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let (ada, coffee, call, event) = one_of_each(&app, t).await;
    let (feed, _) = feed_token(&app, &user).await;
    let (before, _, _) = events_of(fetch_with_url_token(&app, &feed).await).await;
    assert_eq!(before.len(), 6);

    let res = app
        .patch(
            &format!("/api/v1/interactions/{coffee}"),
            t,
            &json!({"follow_up": {"due_on": day(2), "note": "ask about the intro", "done": true}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.delete(&format!("/api/v1/events/{event}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.delete(&format!("/api/v1/interactions/{call}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A next step moved to another day is another item: the old UID goes.
    let res = app
        .patch(
            &format!("/api/v1/contacts/{ada}"),
            t,
            &json!({"next_step_due": day(10)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let (after, text, _) = events_of(fetch_with_url_token(&app, &feed).await).await;
    let kinds: Vec<&str> = after.iter().map(|e| e.get("CATEGORIES")).collect();
    assert_eq!(kinds, ["keep_in_touch", "revisit", "next_step"], "{text}");
    assert_eq!(
        after[2].get("UID"),
        format!("next_step-{ada}-{}@rapport", ics_day(10))
    );
    assert!(!text.contains(&coffee) && !text.contains(&event) && !text.contains(&call));
}

#[tokio::test]
async fn the_feed_spans_thirty_days_back_to_a_year_ahead() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for (name, due) in [
        ("Too old", -31),
        ("Oldest", -30),
        ("Furthest", 365),
        ("Too far", 366),
    ] {
        app.contact(
            t,
            json!({"full_name": name, "next_step": "x", "next_step_due": day(due)}),
        )
        .await;
    }
    app.post(
        "/api/v1/events",
        Some(t),
        &json!({"name": "Last week's meetup", "starts_at": format!("{}T18:00:00Z", day(-7))}),
    )
    .await;
    let (events, text, _) = events_of(app.get(FEED, t).await).await;
    let summaries: Vec<String> = events.iter().map(|e| unescape(e.get("SUMMARY"))).collect();
    assert_eq!(
        summaries,
        [
            "Next step with Oldest: x",
            "Last week's meetup",
            "Next step with Furthest: x"
        ],
        "{text}"
    );
}

#[tokio::test]
async fn a_feed_token_reads_the_feed_and_nothing_else() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (feed, _) = feed_token(&app, &user).await;

    for path in [
        "/api/v1/contacts",
        "/api/v1/me",
        "/api/v1/agenda",
        "/api/v1/tokens",
        "/api/v1/export",
    ] {
        assert_problem(app.get(path, &feed).await, 403, "insufficient_scope").await;
    }
    let res = app
        .post(
            "/api/v1/contacts",
            Some(&feed),
            &json!({"full_name": "Mallory"}),
        )
        .await;
    assert_problem(res, 403, "insufficient_scope").await;
    let res = app
        .request(Method::DELETE, "/api/v1/me", Some(&feed))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "insufficient_scope").await;
    // Nothing was written.
    let contacts = app.get_json("/api/v1/contacts", &user.access_token).await;
    assert_eq!(contacts["data"], json!([]));

    // The URL carries a token to the feed only.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/contacts?token={feed}")))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "missing_token").await;
}

#[tokio::test]
async fn only_a_live_feed_token_is_taken_from_the_url() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (read, _) = app.api_token(&user, "read").await;
    let (write, _) = app.api_token(&user, "write").await;
    let (feed, feed_id) = feed_token(&app, &user).await;

    for token in [&read, &write] {
        let res = fetch_with_url_token(&app, token).await;
        assert_problem(res, 403, "feed_token_required").await;
    }
    let res = fetch_with_url_token(&app, &user.access_token).await;
    assert_problem(res, 401, "invalid_token").await;
    let res = fetch_with_url_token(&app, "rpt_not-a-token").await;
    assert_problem(res, 401, "invalid_token").await;
    let res = app.client.get(app.url(FEED)).send().await.unwrap();
    let res = assert_problem(res, 401, "missing_token").await;
    assert!(res["detail"].is_string());

    // Bad query strings are 400s, never 500s.
    for query in ["token=", "token=x&token=y", "tokens=x", "token=%00"] {
        let res = app
            .client
            .get(app.url(&format!("{FEED}?{query}")))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "invalid_query").await;
    }
    // Two credentials are one too many.
    let res = app
        .request(Method::GET, &format!("{FEED}?token={feed}"), Some(&feed))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "ambiguous_credentials").await;

    // A feed token is created, listed and revoked like any other.
    let tokens = app.get_json("/api/v1/tokens", &user.access_token).await;
    let listed: Vec<&str> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["scope"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["feed", "write", "read"]);
    assert_eq!(
        fetch_with_url_token(&app, &feed).await.status(),
        StatusCode::OK
    );
    let res = app
        .delete(&format!("/api/v1/tokens/{feed_id}"), &user.access_token)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = fetch_with_url_token(&app, &feed).await;
    assert_problem(res, 401, "invalid_token").await;
}

#[tokio::test]
async fn each_feed_token_gives_its_owners_feed_only() {
    let app = spawn_app().await;
    let alice = app.register().await;
    let bob = app.register().await;
    app.contact(
        &alice.access_token,
        json!({"full_name": "Alice's friend", "next_step": "call", "next_step_due": day(1)}),
    )
    .await;
    app.contact(
        &bob.access_token,
        json!({"full_name": "Bob's friend", "next_step": "write", "next_step_due": day(1)}),
    )
    .await;
    let (alice_feed, _) = feed_token(&app, &alice).await;
    let (bob_feed, _) = feed_token(&app, &bob).await;

    for (token, mine, theirs) in [
        (&alice_feed, "Alice's friend", "Bob's friend"),
        (&bob_feed, "Bob's friend", "Alice's friend"),
    ] {
        let (events, text, _) = events_of(fetch_with_url_token(&app, token).await).await;
        assert_eq!(events.len(), 1, "{text}");
        assert!(text.contains(mine) && !text.contains(theirs), "{text}");
    }
    // A session sees its own feed too, never the other's.
    let (_, text, _) = events_of(app.get(FEED, &bob.access_token).await).await;
    assert!(!text.contains("Alice's friend"));
}

#[tokio::test]
async fn hostile_text_is_escaped_and_long_lines_are_folded() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let name = "Eve; \\Evil, Esq.\r\nEND:VEVENT\rBEGIN:VEVENT\nUID:forged";
    let step = format!(
        "Ünïcødé 🎉 all the way: {}; then, at last \\n, done",
        "日本語のテキスト".repeat(12)
    );
    let eve = app
        .contact(
            t,
            json!({"full_name": name, "next_step": step, "next_step_due": day(1)}),
        )
        .await;
    app.post(
        "/api/v1/events",
        Some(t),
        &json!({"name": "Dinner; with, friends\\", "location": "Rua A,\nLisboa\r",
            "starts_at": format!("{}T19:00:00Z", day(2)),
            "attendees": [{"contact_id": eve["id"]}]}),
    )
    .await;

    let res = app.get(FEED, t).await;
    let (events, text, _) = events_of(res).await;
    assert_eq!(events.len(), 2, "{text}");
    assert!(text.contains("\r\n "), "long lines are folded");
    // The stored name (trimmed by the API) comes back whole from one property.
    let stored = eve["full_name"].as_str().unwrap();
    let next_step = &events[0];
    assert_eq!(
        unescape(next_step.get("SUMMARY")),
        format!("Next step with {stored}: {step}")
            .replace("\r\n", "\n")
            .replace('\r', "\n")
    );
    assert!(
        next_step
            .get("SUMMARY")
            .contains(r"Eve\; \\Evil\, Esq.\nEND:VEVENT\nBEGIN")
    );
    let uids: Vec<&str> = events.iter().map(|e| e.get("UID")).collect();
    assert!(
        uids.iter()
            .all(|u| u.ends_with("@rapport") && !u.contains("forged"))
    );
    let dinner = &events[1];
    assert_eq!(dinner.get("SUMMARY"), r"Dinner\; with\, friends\\");
    assert_eq!(dinner.get("LOCATION"), r"Rua A\,\nLisboa");
}
