use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, column, spawn_app};

#[tokio::test]
async fn recording_editing_and_deleting_interactions_keeps_derived_fields_exact() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app
        .contact(t, json!({"full_name": "Ada", "keep_in_touch_days": 14}))
        .await;
    let bea = app.contact(t, json!({"full_name": "Bea"})).await;
    let (a, b) = (ada["id"].as_str().unwrap(), bea["id"].as_str().unwrap());
    let contact = async |id: &str| app.get_json(&format!("/api/v1/contacts/{id}"), t).await;

    let first = app
        .interaction(
            t,
            json!({
                "occurred_at": "2026-10-01T10:00:00Z", "kind": "meeting", "channel": "in_person",
                "contact_ids": [a, b], "gave": "an intro to a producer", "initiated_by": "me"
            }),
        )
        .await;
    let second = app
        .interaction(
            t,
            json!({
                "occurred_at": "2026-10-15T10:00:00Z", "kind": "call", "contact_ids": [a],
                "received": "feedback on my pitch"
            }),
        )
        .await;
    let ada_now = contact(a).await;
    assert_eq!(ada_now["interaction_count"], 2);
    assert_eq!(ada_now["gave_count"], 1);
    assert_eq!(ada_now["received_count"], 1);
    assert_eq!(ada_now["last_interaction_at"], "2026-10-15T10:00:00Z");
    assert_eq!(ada_now["next_touch_due"], "2026-10-29");
    let bea_now = contact(b).await;
    assert_eq!(bea_now["interaction_count"], 1);
    assert_eq!(bea_now["last_interaction_at"], "2026-10-01T10:00:00Z");

    // Moving the second interaction to Bea updates both.
    let path = format!("/api/v1/interactions/{}", second["id"].as_str().unwrap());
    let res = app
        .patch(
            &path,
            t,
            &json!({"contact_ids": [b], "occurred_at": "2026-11-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ada_now = contact(a).await;
    assert_eq!(ada_now["interaction_count"], 1);
    assert_eq!(ada_now["received_count"], 0);
    assert_eq!(ada_now["last_interaction_at"], "2026-10-01T10:00:00Z");
    assert_eq!(ada_now["next_touch_due"], "2026-10-15");
    let bea_now = contact(b).await;
    assert_eq!(bea_now["interaction_count"], 2);
    assert_eq!(bea_now["received_count"], 1);
    assert_eq!(bea_now["last_interaction_at"], "2026-11-01T09:00:00Z");

    // Clearing what was given lowers the count.
    let first_path = format!("/api/v1/interactions/{}", first["id"].as_str().unwrap());
    app.patch(&first_path, t, &json!({"gave": null})).await;
    assert_eq!(contact(a).await["gave_count"], 0);

    // Deleting brings everything back to nothing.
    assert_eq!(
        app.delete(&first_path, t).await.status(),
        StatusCode::NO_CONTENT
    );
    let ada_now = contact(a).await;
    assert_eq!(ada_now["interaction_count"], 0);
    assert_eq!(ada_now["last_interaction_at"], Value::Null);
    assert_eq!(contact(b).await["interaction_count"], 1);
}

#[tokio::test]
async fn interaction_validation_names_each_field() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Ada"})).await;
    let id = c["id"].as_str().unwrap();
    let cases = [
        (json!({"contact_ids": [id]}), "kind"),
        (json!({"kind": "meeting"}), "contact_ids"),
        (json!({"kind": "meeting", "contact_ids": []}), "contact_ids"),
        (
            json!({"kind": "meeting", "contact_ids": [id, "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"]}),
            "contact_ids[1]",
        ),
        (json!({"kind": "gossip", "contact_ids": [id]}), "kind"),
        (
            json!({"kind": "call", "channel": "pigeon", "contact_ids": [id]}),
            "channel",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "initiated_by": "fate"}),
            "initiated_by",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "goal_ids": ["0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"]}),
            "goal_ids[0]",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "follow_up": {"note": "x"}}),
            "follow_up.due_on",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "gave": "x".repeat(1001)}),
            "gave",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "occurred_at": "yesterday"}),
            "occurred_at",
        ),
        (
            json!({"kind": "call", "contact_ids": [id], "created_at": "2026-01-01T00:00:00Z"}),
            "created_at",
        ),
    ];
    for (body, field) in cases {
        let res = app.post("/api/v1/interactions", Some(t), &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/contacts/{id}"), t).await["interaction_count"],
        0
    );
}

#[tokio::test]
async fn follow_ups_merge_and_clear() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Ada"})).await;
    let i = app
        .interaction(
            t,
            json!({"kind": "meeting", "contact_ids": [c["id"]],
            "follow_up": {"due_on": "2026-12-01", "note": "send the deck"}}),
        )
        .await;
    assert_eq!(
        i["follow_up"],
        json!({"due_on": "2026-12-01", "note": "send the deck", "done": false})
    );
    let path = format!("/api/v1/interactions/{}", i["id"].as_str().unwrap());
    let done: Value = app
        .patch(&path, t, &json!({"follow_up": {"done": true}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        done["follow_up"],
        json!({"due_on": "2026-12-01", "note": "send the deck", "done": true})
    );
    let cleared: Value = app
        .patch(&path, t, &json!({"follow_up": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["follow_up"], Value::Null);
    let res = app
        .patch(&path, t, &json!({"follow_up": {"done": false}}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "follow_up.due_on");
}

#[tokio::test]
async fn interaction_filters_and_the_timeline_are_newest_first() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let a = app.contact(t, json!({"full_name": "Ada"})).await;
    let b = app.contact(t, json!({"full_name": "Bea"})).await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    for (day, kind, who, follow) in [
        ("01", "call", a, false),
        ("03", "meeting", a, true),
        ("02", "email", b, false),
    ] {
        let mut body = json!({"occurred_at": format!("2026-10-{day}T12:00:00Z"), "kind": kind, "contact_ids": [who], "summary": day});
        if follow {
            body["follow_up"] = json!({"due_on": "2026-12-01"});
        }
        app.interaction(t, body).await;
    }
    let s = |page: Value| column(&page, "summary");
    assert_eq!(
        s(app.get_json("/api/v1/interactions", t).await),
        [json!("03"), json!("02"), json!("01")]
    );
    assert_eq!(
        s(app
            .get_json(&format!("/api/v1/interactions?contact_id={a}"), t)
            .await),
        [json!("03"), json!("01")]
    );
    assert_eq!(
        s(app.get_json("/api/v1/interactions?kind=email", t).await),
        [json!("02")]
    );
    assert_eq!(
        s(app
            .get_json(
                "/api/v1/interactions?from=2026-10-02T00:00:00Z&to=2026-10-03T00:00:00Z",
                t
            )
            .await),
        [json!("02")]
    );
    assert_eq!(
        s(app
            .get_json("/api/v1/interactions?has_open_follow_up=true", t)
            .await),
        [json!("03")]
    );
    let timeline = app
        .get_json(&format!("/api/v1/contacts/{a}/timeline?limit=1"), t)
        .await;
    // The timeline holds interactions (and events) under `kind`.
    let s = |page: Value| -> Vec<Value> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["interaction"]["summary"].clone())
            .collect()
    };
    assert_eq!(s(timeline.clone()), [json!("03")]);
    let cursor = timeline["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/contacts/{a}/timeline?limit=1&cursor={cursor}"),
            t,
        )
        .await;
    assert_eq!(s(rest), [json!("01")]);
    assert_problem(
        app.get("/api/v1/interactions?contact=x", t).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn another_users_interaction_is_a_404_for_every_verb() {
    let app = spawn_app().await;
    let alice = app.register().await;
    let bob = app.register().await;
    let c = app
        .contact(&alice.access_token, json!({"full_name": "Ada"}))
        .await;
    let i = app
        .interaction(
            &alice.access_token,
            json!({"kind": "call", "contact_ids": [c["id"]]}),
        )
        .await;
    let path = format!("/api/v1/interactions/{}", i["id"].as_str().unwrap());
    let b = &bob.access_token;
    assert_problem(app.get(&path, b).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, b, &json!({"summary": "x"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, b).await, 404, "not_found").await;
    assert!(
        app.get_json("/api/v1/interactions", b).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get_json(&path, &alice.access_token).await["summary"],
        Value::Null
    );
}

#[tokio::test]
async fn interactions_honour_if_match_and_idempotency_keys() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Ada"})).await;
    let body = json!({"kind": "call", "contact_ids": [c["id"]]});
    let post = || {
        app.request(Method::POST, "/api/v1/interactions", Some(t))
            .header("idempotency-key", "retry-me")
            .json(&body)
            .send()
    };
    let first: Value = post().await.unwrap().json().await.unwrap();
    let second: Value = post().await.unwrap().json().await.unwrap();
    assert_eq!(first, second);
    let contact = app
        .get_json(
            &format!("/api/v1/contacts/{}", c["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(contact["interaction_count"], 1);

    let path = format!("/api/v1/interactions/{}", first["id"].as_str().unwrap());
    let stale = app
        .request(Method::PATCH, &path, Some(t))
        .header("if-match", "\"not-the-tag\"")
        .json(&json!({"summary": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
}
