//! Planned is not done: interactions dated in the future count for nothing
//! until their time comes (then the sweep counts them); and the small truths
//! of dates that belong to something else.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

async fn contact(app: &TestApp, t: &str, id: &Value) -> Value {
    app.get_json(&format!("/api/v1/contacts/{}", id.as_str().unwrap()), t)
        .await
}

#[tokio::test]
async fn a_planned_interaction_counts_for_nothing_before_it_happens() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ivy = app
        .contact(
            t,
            json!({"full_name": "Ivy Investor", "met_on": day(-330), "keep_in_touch_days": 30}),
        )
        .await;
    // The conference next week, with a favour planned.
    app.interaction(
        t,
        json!({"kind": "event", "contact_ids": [ivy["id"]], "gave": "an intro",
               "occurred_at": (Utc::now() + Duration::days(7)).to_rfc3339()}),
    )
    .await;
    let c = contact(&app, t, &ivy["id"]).await;
    assert_eq!(c["interaction_count"], 0);
    assert_eq!(c["gave_count"], 0);
    assert_eq!(c["last_interaction_at"], Value::Null);
    assert_eq!(c["reciprocity"]["balance"], "none");
    assert_eq!(c["next_touch_due"], day(-300), "still counted from met_on");

    // Still overdue, still on the agenda and in reconnect.
    let agenda = app.get_json("/api/v1/agenda", t).await;
    let kept: Vec<&Value> = agenda["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "keep_in_touch")
        .collect();
    assert_eq!(kept.len(), 1, "{agenda}");
    assert_eq!(kept[0]["contacts"][0]["id"], ivy["id"]);
    let reconnect = app.get_json("/api/v1/reconnect", t).await;
    assert_eq!(reconnect["data"][0]["id"], ivy["id"]);
    assert_eq!(reconnect["data"][0]["overdue_days"], 300);

    // Insights do not count the planned favour either.
    let insights = app.get_json("/api/v1/insights", t).await;
    assert_eq!(insights["reciprocity"]["all_time"]["gave"], 0);
}

#[tokio::test]
async fn a_planned_interaction_counts_once_its_time_has_come() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app
        .contact(t, json!({"full_name": "Ada", "keep_in_touch_days": 30}))
        .await;
    let soon = Utc::now() + Duration::seconds(2);
    app.interaction(
        t,
        json!({"kind": "call", "contact_ids": [ada["id"]], "received": "advice",
               "occurred_at": soon.to_rfc3339()}),
    )
    .await;
    assert_eq!(contact(&app, t, &ada["id"]).await["interaction_count"], 0);

    // The test server sweeps every second; nobody writes anything.
    let mut c = Value::Null;
    for _ in 0..40 {
        tokio::time::sleep(StdDuration::from_millis(250)).await;
        c = contact(&app, t, &ada["id"]).await;
        if c["interaction_count"] == 1 {
            break;
        }
    }
    assert_eq!(c["interaction_count"], 1, "{c}");
    assert_eq!(c["received_count"], 1);
    assert_eq!(c["reciprocity"]["balance"], "i_owe");
    assert!(c["last_interaction_at"].is_string());
    assert_eq!(
        c["reciprocity"]["last_received_at"],
        c["last_interaction_at"]
    );
    assert_eq!(c["next_touch_due"], day(30));
}

#[tokio::test]
async fn clearing_the_next_step_clears_its_due_date() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app
        .contact(
            t,
            json!({"full_name": "Ada", "next_step": "send the deck", "next_step_due": day(-1)}),
        )
        .await;
    let path = format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap());
    let res = app.patch(&path, t, &json!({"next_step": null})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["next_step"], Value::Null);
    assert_eq!(body["next_step_due"], Value::Null);
    // So the agenda has no empty next-step item.
    let agenda = app.get_json("/api/v1/agenda", t).await;
    assert_eq!(agenda["data"], json!([]), "{agenda}");

    // A due date needs a step, on creation as on a change.
    let problem = assert_problem(
        app.patch(&path, t, &json!({"next_step_due": day(3)})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["next_step_due"]);
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": "Bo", "next_step_due": day(3)}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["next_step_due"]);
    // Both at once are fine.
    let res = app
        .patch(
            &path,
            t,
            &json!({"next_step": "call", "next_step_due": day(3)}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_not_now_contact_always_has_a_revisit_date() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app
        .contact(t, json!({"full_name": "Ada", "stage": "not_now"}))
        .await;
    assert_eq!(ada["revisit_on"], day(90), "not given: in 90 days");
    let path = format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap());
    let problem = assert_problem(
        app.patch(&path, t, &json!({"revisit_on": null})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["revisit_on"]);

    let res = app.patch(&path, t, &json!({"revisit_on": day(10)})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["revisit_on"], day(10));
    // Leaving not_now: the date goes with it.
    let res = app.patch(&path, t, &json!({"stage": "connected"})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["revisit_on"],
        Value::Null
    );
    // Archived is the stage for never.
    let res = app.patch(&path, t, &json!({"stage": "archived"})).await;
    assert_eq!(res.status(), 200);
}
