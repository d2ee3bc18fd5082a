//! The brief, as preparation: a summary in three sentences, common ground,
//! the exchange with them, follow-ups and next step, then the questions.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

async fn brief(app: &TestApp, t: &str, id: &Value) -> Value {
    app.get_json(
        &format!("/api/v1/contacts/{}/brief", id.as_str().unwrap()),
        t,
    )
    .await
}

async fn investor(app: &TestApp, t: &str) -> Value {
    app.patch("/api/v1/me", t, &json!({"interests": ["saas", "climbing"]}))
        .await;
    app.goal(
        t,
        json!({"kind": "goal", "title": "Raise a seed round for our B2B SaaS",
               "topics": ["fundraising", "saas"]}),
    )
    .await;
    let ivy = app
        .contact(
            t,
            json!({"full_name": "Ivy Investor", "headline": "the seed investor for B2B SaaS",
                   "why": "invests in exactly our stage and sector", "interests": ["climbing", "opera"],
                   "next_step": "send the deck", "next_step_due": day(-1)}),
        )
        .await;
    app.goal(
        t,
        json!({"contact_id": ivy["id"], "kind": "offer",
               "title": "I invest in seed-stage B2B SaaS companies", "topics": ["investing", "saas"]}),
    )
    .await;
    ivy
}

#[tokio::test]
async fn a_brief_summarises_the_person_and_what_we_share_and_exchanged() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = investor(&app, t).await;
    app.interaction(
        t,
        json!({"kind": "meeting", "contact_ids": [ivy["id"]], "occurred_at": ago(40),
               "received": "feedback on the deck"}),
    )
    .await;
    app.interaction(
        t,
        json!({"kind": "call", "contact_ids": [ivy["id"]], "occurred_at": ago(20),
               "received": "an intro to a partner", "follow_up": {"due_on": day(2), "note": "thank her"}}),
    )
    .await;
    app.interaction(
        t,
        json!({"kind": "email", "contact_ids": [ivy["id"]], "occurred_at": ago(10),
               "gave": "our metrics"}),
    )
    .await;
    // Planned: neither history nor a favour given yet.
    app.interaction(
        t,
        json!({"kind": "event", "contact_ids": [ivy["id"]], "gave": "a demo",
               "occurred_at": (Utc::now() + Duration::days(5)).to_rfc3339()}),
    )
    .await;

    let b = brief(&app, t, &ivy["id"]).await;
    assert_eq!(
        b["summary"],
        format!(
            "Ivy Investor is the seed investor for B2B SaaS. Why they matter: invests in \
             exactly our stage and sector. Last in touch on {} (3 interactions); you owe them \
             (they gave 2, you 1); next: send the deck.",
            day(-10)
        )
    );
    let ground = &b["common_ground"];
    assert_eq!(ground["intersections"][0]["kind"], "they_can_help");
    assert!(
        !ground["intersections"][0]["reasons"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(ground["shared_interests"], json!(["climbing"]));
    assert_eq!(ground["shared_topics"], json!(["saas"]));

    let r = &b["reciprocity"];
    assert_eq!(r["balance"], "i_owe");
    assert_eq!(
        (r["gave_count"].clone(), r["received_count"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(r["last_gave"]["what"], "our metrics");
    assert_eq!(r["last_received"]["what"], "an intro to a partner");
    assert!(r["last_received"]["interaction_id"].is_string());

    let recent: Vec<&str> = b["recent_interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(recent, ["email", "call", "meeting"], "no planned event");
    assert_eq!(b["open_follow_ups"][0]["follow_up"]["note"], "thank her");
    assert_eq!(
        b["next_step"],
        json!({"what": "send the deck", "due_on": day(-1), "overdue": true})
    );
    assert_eq!(b["questions"][0]["question"], "How can I help?");
}

#[tokio::test]
async fn the_brief_of_a_resting_contact_still_shows_where_we_meet() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = investor(&app, t).await;
    assert_eq!(
        brief(&app, t, &ivy["id"]).await["common_ground"]["intersections"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "they_can_help and shared_interest"
    );
    // Not now: out of the suggestions, but the brief is about her.
    let res = app
        .patch(
            &format!("/api/v1/contacts/{}", ivy["id"].as_str().unwrap()),
            t,
            &json!({"stage": "not_now", "revisit_on": day(60)}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let suggested = app
        .get_json(
            &format!(
                "/api/v1/intersections?contact_id={}",
                ivy["id"].as_str().unwrap()
            ),
            t,
        )
        .await;
    assert_eq!(suggested["data"], json!([]));
    let b = brief(&app, t, &ivy["id"]).await;
    assert_eq!(
        b["common_ground"]["intersections"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_brief_of_someone_barely_known_asks_how_to_help_first_then_the_unknown() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let bo = app
        .contact(
            t,
            json!({"full_name": "Bo", "met_on": day(-3), "met_via": "the conference"}),
        )
        .await;
    let b = brief(&app, t, &bo["id"]).await;
    assert_eq!(
        b["summary"],
        format!(
            "You met Bo on {} via the conference. Why they matter is not on record yet. \
             Not in touch yet; nothing exchanged yet.",
            day(-3)
        )
    );
    let fields: Vec<&str> = b["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "can_give",
            "goals",
            "offers",
            "spends_time_on",
            "relaxes_by",
            "growing_in",
            "interests",
            "can_get",
            "headline"
        ]
    );
    assert_eq!(b["questions"][0]["question"], "How can I help?");
    assert_eq!(b["reciprocity"]["last_gave"], Value::Null);
    assert_eq!(b["next_step"], Value::Null);
    assert_eq!(
        b["common_ground"],
        json!({"intersections": [], "shared_interests": [], "shared_topics": []})
    );
}
