use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

#[tokio::test]
async fn the_agenda_lists_what_is_due_by_date_with_reasons() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app
        .contact(
            t,
            json!({"full_name": "Ada", "next_step": "send the article", "next_step_due": day(-2)}),
        )
        .await;
    let bea = app
        .contact(
            t,
            json!({"full_name": "Bea", "keep_in_touch_days": 30, "met_on": day(-29)}),
        )
        .await;
    app.contact(
        t,
        json!({"full_name": "Cy", "stage": "not_now", "revisit_on": day(3)}),
    )
    .await;
    // Not due by the default horizon (7 days), or archived, or done.
    app.contact(
        t,
        json!({"full_name": "Far", "next_step": "later", "next_step_due": day(30)}),
    )
    .await;
    app.contact(
        t,
        json!({"full_name": "Old", "stage": "archived", "next_step": "x", "next_step_due": day(-1)}),
    )
    .await;
    app.interaction(
        t,
        json!({"kind": "meeting", "contact_ids": [ada["id"]],
        "occurred_at": (Utc::now() - Duration::days(40)).to_rfc3339(),
        "follow_up": {"due_on": day(1), "note": "ask about the intro"}}),
    )
    .await;
    app.interaction(
        t,
        json!({"kind": "call", "contact_ids": [bea["id"]],
        "occurred_at": (Utc::now() - Duration::days(60)).to_rfc3339(),
        "follow_up": {"due_on": day(-5), "note": "done already", "done": true}}),
    )
    .await;

    let agenda = app.get_json("/api/v1/agenda", t).await;
    let items: Vec<(String, String, String)> = agenda["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["contacts"][0]["full_name"].as_str().unwrap().to_string(),
                i["due_on"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Ada's cadence is unset, so only her next step and follow-up appear;
    // Bea's interaction 60 days ago makes her keep-in-touch date 30 days ago.
    assert_eq!(
        items,
        [
            ("keep_in_touch".into(), "Bea".into(), day(-30)),
            ("next_step".into(), "Ada".into(), day(-2)),
            ("follow_up".into(), "Ada".into(), day(1)),
            ("revisit".into(), "Cy".into(), day(3)),
        ]
    );
    assert_eq!(agenda["data"][0]["overdue"], true);
    assert_eq!(agenda["data"][1]["reason"], "send the article");
    assert_eq!(agenda["data"][2]["reason"], "ask about the intro");
    assert!(agenda["data"][2]["interaction_id"].is_string());
    assert_eq!(agenda["data"][3]["overdue"], false);

    // A narrower horizon, and pages that resume where they stopped.
    let until_today = app
        .get_json(&format!("/api/v1/agenda?until={}", day(0)), t)
        .await;
    assert_eq!(until_today["data"].as_array().unwrap().len(), 2);
    let first = app.get_json("/api/v1/agenda?limit=3", t).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(&format!("/api/v1/agenda?limit=3&cursor={cursor}"), t)
        .await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["data"][0]["kind"], "revisit");
    assert_eq!(rest["next_cursor"], Value::Null);

    let wide = app
        .get_json(&format!("/api/v1/agenda?until={}", day(60)), t)
        .await;
    assert_eq!(wide["data"].as_array().unwrap().len(), 5);
    assert_problem(
        app.get("/api/v1/agenda?until=soon", t).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn reconnect_ranks_inactive_contacts_by_how_overdue_and_skips_archived() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let recent = app.contact(t, json!({"full_name": "Recent"})).await;
    let long_ago = app.contact(t, json!({"full_name": "Long ago"})).await;
    let longer_ago = app.contact(t, json!({"full_name": "Longer ago"})).await;
    app.contact(t, json!({"full_name": "Never"})).await;
    app.contact(t, json!({"full_name": "Archived", "stage": "archived"}))
        .await;
    for (c, days) in [(&recent, 10), (&long_ago, 200), (&longer_ago, 400)] {
        app.interaction(
            t,
            json!({"kind": "call", "contact_ids": [c["id"]],
            "occurred_at": (Utc::now() - Duration::days(days)).to_rfc3339()}),
        )
        .await;
    }
    let page = app.get_json("/api/v1/reconnect", t).await;
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap())
        .collect();
    // Without a cadence a contact is due 180 days after the last contact:
    // 220 and 20 days overdue, and Never, added today, is not due yet.
    assert_eq!(names, ["Longer ago", "Long ago", "Never"]);

    let page = app
        .get_json("/api/v1/reconnect?inactive_for_days=5&limit=2", t)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/reconnect?inactive_for_days=5&limit=2&cursor={cursor}"),
            t,
        )
        .await;
    let names: Vec<&str> = rest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Recent", "Never"]);
}
