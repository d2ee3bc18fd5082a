//! `/reconnect`: every item says why it is there, ranked by a score that puts
//! overdue, high-intersection and owed contacts first.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn kinds(item: &Value) -> Vec<&str> {
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect()
}

fn names(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap())
        .collect()
}

/// The founder's network of issue 16.
async fn founders_network(app: &TestApp, t: &str) -> Value {
    app.goal(
        t,
        json!({"kind": "goal", "title": "Raise a seed round for our B2B SaaS",
               "topics": ["fundraising", "saas"], "priority": 1}),
    )
    .await;
    let ivy = app
        .contact(
            t,
            json!({"full_name": "Ivy Investor", "met_on": day(-365), "keep_in_touch_days": 30,
                   "why": "invests in exactly our stage and sector."}),
        )
        .await;
    app.goal(
        t,
        json!({"contact_id": ivy["id"], "kind": "offer",
               "title": "I invest in seed-stage B2B SaaS companies", "topics": ["investing", "saas"]}),
    )
    .await;
    app.interaction(
        t,
        json!({"kind": "meeting", "contact_ids": [ivy["id"]], "occurred_at": ago(330)}),
    )
    .await;
    // Gave twice, silent for 200 days, never helped back.
    let gus = app.contact(t, json!({"full_name": "Gus Giver"})).await;
    for days in [400, 200] {
        app.interaction(
            t,
            json!({"kind": "call", "contact_ids": [gus["id"]], "occurred_at": ago(days),
                   "received": "an intro"}),
        )
        .await;
    }
    // Silent as long, but nothing owed and nothing in common.
    let sam = app.contact(t, json!({"full_name": "Sam Silent"})).await;
    app.interaction(
        t,
        json!({"kind": "call", "contact_ids": [sam["id"]], "occurred_at": ago(200)}),
    )
    .await;
    // Met last month, never contacted.
    app.contact(t, json!({"full_name": "Nia New", "met_on": day(-30)}))
        .await;
    // Just talked: not inactive.
    let rita = app.contact(t, json!({"full_name": "Rita Recent"})).await;
    app.interaction(
        t,
        json!({"kind": "call", "contact_ids": [rita["id"]], "occurred_at": ago(2)}),
    )
    .await;
    ivy
}

#[tokio::test]
async fn the_overdue_investor_with_an_intersection_comes_first_with_her_reasons() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = founders_network(&app, t).await;
    let page = app
        .get_json("/api/v1/reconnect?inactive_for_days=20", t)
        .await;
    assert_eq!(
        names(&page),
        ["Ivy Investor", "Gus Giver", "Sam Silent", "Nia New"],
        "{page}"
    );

    let first = &page["data"][0];
    assert_eq!(first["id"], ivy["id"], "the contact's own fields are there");
    assert_eq!(kinds(first), ["overdue", "intersection", "why"]);
    // Cadence 30 days, last meeting 330 days ago: 300 days overdue, plus 30
    // for the intersection.
    assert_eq!(first["overdue_days"], 300);
    assert_eq!(first["score"], 330);
    assert_eq!(
        first["reasons"][0]["text"],
        format!(
            "Overdue by 300 days: every 30 days, last in touch on {}.",
            day(-330)
        )
    );
    let intersection = &first["reasons"][1];
    let text = intersection["text"].as_str().unwrap();
    assert!(
        text.starts_with("They could help you: ") && text.contains("fundraising ↔ investing"),
        "{intersection}"
    );
    let found = app
        .get_json(
            &format!(
                "/api/v1/intersections?contact_id={}",
                ivy["id"].as_str().unwrap()
            ),
            t,
        )
        .await;
    assert_eq!(intersection["intersection_id"], found["data"][0]["id"]);
    assert_eq!(
        first["reasons"][2]["text"],
        "Why they matter: invests in exactly our stage and sector."
    );

    // Gus gave last and more: 20 days overdue plus 60 for what is owed.
    let gus = &page["data"][1];
    assert_eq!(kinds(gus), ["overdue", "owed"]);
    assert_eq!(gus["score"], 80);
    assert_eq!(
        gus["reasons"][1]["text"],
        format!(
            "You owe them: they gave twice (last on {}) and you never gave back.",
            day(-200)
        )
    );
    assert_eq!(page["data"][2]["score"], 20);
    // Nia is not due yet (no cadence: 180 days after meeting), but never
    // contacted since.
    let nia = &page["data"][3];
    assert_eq!(nia["overdue_days"], -150);
    assert_eq!(kinds(nia), ["never_contacted"]);
    assert_eq!(
        nia["reasons"][0]["text"],
        format!("Never contacted since you met on {}.", day(-30))
    );
}

#[tokio::test]
async fn a_planned_meeting_does_not_hide_an_overdue_contact() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = founders_network(&app, t).await;
    app.interaction(
        t,
        json!({"kind": "event", "contact_ids": [ivy["id"]],
               "occurred_at": (Utc::now() + Duration::days(7)).to_rfc3339()}),
    )
    .await;
    let page = app.get_json("/api/v1/reconnect", t).await;
    assert_eq!(page["data"][0]["id"], ivy["id"], "{page}");
    assert_eq!(page["data"][0]["overdue_days"], 300);
}

#[tokio::test]
async fn pages_follow_the_score_and_a_change_moves_a_contact() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = founders_network(&app, t).await;
    let first = app
        .get_json("/api/v1/reconnect?inactive_for_days=20&limit=3", t)
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/reconnect?inactive_for_days=20&limit=3&cursor={cursor}"),
            t,
        )
        .await;
    assert_eq!(names(&first), ["Ivy Investor", "Gus Giver", "Sam Silent"]);
    assert_eq!(names(&rest), ["Nia New"]);
    assert_eq!(rest["next_cursor"], Value::Null);

    // Put away until next month: out of reconnect until then.
    let res = app
        .patch(
            &format!("/api/v1/contacts/{}", ivy["id"].as_str().unwrap()),
            t,
            &json!({"stage": "not_now", "revisit_on": day(30)}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = app
        .get_json("/api/v1/reconnect?inactive_for_days=20", t)
        .await;
    assert_eq!(names(&page), ["Gus Giver", "Sam Silent", "Nia New"]);
    // Its revisit date came: back, with the same score.
    app.patch(
        &format!("/api/v1/contacts/{}", ivy["id"].as_str().unwrap()),
        t,
        &json!({"revisit_on": day(0)}),
    )
    .await;
    let page = app
        .get_json("/api/v1/reconnect?inactive_for_days=20", t)
        .await;
    assert_eq!(page["data"][0]["id"], ivy["id"]);
    assert_eq!(page["data"][0]["score"], 330);
}
