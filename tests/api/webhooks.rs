//! Webhooks: subscriptions, signed deliveries to a receiver on loopback,
//! retries, the delivery log, due dates, and where delivery is refused.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Semaphore;

use crate::helpers::{
    AppOptions, TestApp, assert_problem, error_fields, spawn_app, spawn_app_with,
};
use crate::receiver::{Received, Receiver};

/// A service that may deliver to loopback over http, retrying fast.
async fn app_delivering_to_loopback(more: &[(&'static str, &str)]) -> TestApp {
    let mut env = vec![
        ("RAPPORT_WEBHOOKS_ALLOW_HTTP", "127.0.0.1".to_string()),
        ("RAPPORT_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.0/8".to_string()),
        ("RAPPORT_WEBHOOKS_RETRY_BASE_MS", "100".to_string()),
        ("RAPPORT_WEBHOOKS_DUE_SCAN_SECS", "1".to_string()),
    ];
    env.extend(more.iter().map(|(k, v)| (*k, v.to_string())));
    spawn_app_with(AppOptions {
        env,
        ..Default::default()
    })
    .await
}

async fn subscribe(app: &TestApp, t: &str, body: Value) -> Value {
    let res = app.post("/api/v1/webhooks", Some(t), &body).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

/// Standard Webhooks verification, written from the specification: the
/// signature of `{id}.{timestamp}.{body}` under the key after `whsec_`.
fn verifies(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        received.headers["webhook-id"], received.headers["webhook-timestamp"], received.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

#[tokio::test]
async fn subscriptions_are_created_listed_changed_and_deleted_with_the_secret_shown_once() {
    let app = app_delivering_to_loopback(&[]).await;
    let user = app.register().await;
    let t = &user.access_token;
    let created = subscribe(
        &app,
        t,
        json!({"url": "http://127.0.0.1:9/hook", "event_types": ["contact.created", "follow_up.due"],
               "description": "chat"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(secret.starts_with(created["secret_prefix"].as_str().unwrap()));
    assert_eq!(created["enabled"], true);
    assert_eq!(
        created["event_types"],
        json!(["contact.created", "follow_up.due"])
    );

    let shown = app.get_json(&format!("/api/v1/webhooks/{id}"), t).await;
    assert!(shown.get("secret").is_none());
    let page = app.get_json("/api/v1/webhooks", t).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert!(!page.to_string().contains(secret));

    let res = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            t,
            &json!({"event_types": null, "enabled": false, "description": null}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["event_types"], json!([]));
    assert_eq!(patched["enabled"], false);
    assert!(patched["description"].is_null());

    let rotated: Value = app
        .post(
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(t),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(rotated["secret"], created["secret"]);
    assert!(rotated["previous_secret_expires_at"].is_string());

    let res = app.delete(&format!("/api/v1/webhooks/{id}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.get(&format!("/api/v1/webhooks/{id}"), t).await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn targets_that_are_not_public_https_are_refused_at_creation() {
    // Loopback is not allowed here: the default configuration.
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for url in [
        "http://93.184.215.14/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:127.0.0.1]/",
        "https://user:pass@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "not a url",
    ] {
        let res = app
            .post("/api/v1/webhooks", Some(t), &json!({"url": url}))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["url"], "{url}");
    }
    let res = app
        .post(
            "/api/v1/webhooks",
            Some(t),
            &json!({"url": "https://93.184.215.14/hook", "event_types": ["contact.exploded"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // At most 20 event types, as sent.
    let res = app
        .post(
            "/api/v1/webhooks",
            Some(t),
            &json!({"url": "https://93.184.215.14/hook", "enabled": false,
                    "event_types": vec!["contact.created"; 21]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["event_types"]);
    // A public https target is accepted (disabled: nothing is sent to it).
    let res = app
        .post(
            "/api/v1/webhooks",
            Some(t),
            &json!({"url": "https://93.184.215.14/hook", "enabled": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn changes_arrive_signed_with_the_resource_and_a_deletion_once() {
    let app = app_delivering_to_loopback(&[]).await;
    let receiver = Receiver::start(0, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    let hook = subscribe(&app, t, json!({"url": receiver.url})).await;
    let secret = hook["secret"].as_str().unwrap();

    let contact = app.contact(t, json!({"full_name": "Grace Hopper"})).await;
    let id = contact["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            t,
            &json!({"company": "Navy"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.delete(&format!("/api/v1/contacts/{id}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let all = receiver.wait_for(3).await;
    for received in &all {
        assert!(verifies(secret, received), "bad signature: {received:?}");
        let body = received.json();
        assert_eq!(received.headers["webhook-id"], body["id"].as_str().unwrap());
        assert_eq!(received.headers["content-type"], "application/json");
        let age = chrono::Utc::now().timestamp()
            - received.headers["webhook-timestamp"]
                .parse::<i64>()
                .unwrap();
        assert!((0..60).contains(&age));
    }
    let created = receiver.of_type("contact.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["data"], contact);
    let updated = receiver.of_type("contact.updated");
    assert_eq!(updated[0]["data"]["company"], "Navy");
    // Nothing more comes: the deletion exactly once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let deleted = receiver.of_type("contact.deleted");
    assert_eq!(deleted.len(), 1, "{:?}", receiver.all());
    assert_eq!(deleted[0]["data"], json!({"id": id}));
    assert_eq!(receiver.all().len(), 3);

    // The log shows each delivery succeeded at its first attempt.
    let hook_id = hook["id"].as_str().unwrap();
    let log = app
        .get_json(&format!("/api/v1/webhooks/{hook_id}/deliveries"), t)
        .await;
    let deliveries = log["data"].as_array().unwrap();
    assert_eq!(deliveries.len(), 3);
    for delivery in deliveries {
        assert_eq!(delivery["state"], "succeeded");
        assert_eq!(delivery["log"][0]["status_code"], 200);
        assert!(delivery["log"][0]["latency_ms"].is_u64());
    }
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_once_more_then_a_redelivery_on_demand() {
    let app = app_delivering_to_loopback(&[]).await;
    let receiver = Receiver::start(2, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    let hook = subscribe(
        &app,
        t,
        json!({"url": receiver.url, "event_types": ["goal.created"]}),
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap();
    app.contact(t, json!({"full_name": "Not subscribed to"}))
        .await;
    app.goal(t, json!({"kind": "goal", "title": "Learn to sail"}))
        .await;
    let all = receiver.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.all().len(), 3, "{:?}", receiver.all());
    assert!(all.iter().all(|r| r.json()["type"] == "goal.created"));
    let ids: Vec<&String> = all.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one event, the same id");

    let log = app
        .get_json(&format!("/api/v1/webhooks/{hook_id}/deliveries"), t)
        .await;
    let delivery = &log["data"][0];
    assert_eq!(delivery["state"], "succeeded");
    let statuses: Vec<&Value> = delivery["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
    assert_eq!(
        delivery["log"][0]["error"],
        "answered 500 Internal Server Error"
    );

    let delivery_id = delivery["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let again = receiver.wait_for(4).await;
    assert_eq!(again[3].headers["webhook-id"], *ids[0]);
}

#[tokio::test]
async fn a_slow_receiver_never_slows_the_api() {
    let app = app_delivering_to_loopback(&[]).await;
    let gate = Arc::new(Semaphore::new(0));
    let receiver = Receiver::start(0, Some(gate.clone())).await;
    let user = app.register().await;
    let t = &user.access_token;
    subscribe(
        &app,
        t,
        json!({"url": receiver.url, "event_types": ["contact.created"]}),
    )
    .await;
    // The receiver answers nothing until the gate opens; every write
    // meanwhile answers as usual.
    for n in 0..5 {
        let res = tokio::time::timeout(
            Duration::from_secs(5),
            app.post(
                "/api/v1/contacts",
                Some(t),
                &json!({"full_name": format!("Person {n}")}),
            ),
        )
        .await
        .expect("a write waited for the receiver");
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    gate.add_permits(5);
    let all = receiver.wait_for(5).await;
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_disables_its_subscription_and_says_why() {
    let app = app_delivering_to_loopback(&[
        ("RAPPORT_WEBHOOKS_DISABLE_AFTER_SECS", "0"),
        ("RAPPORT_WEBHOOKS_MAX_ATTEMPTS", "3"),
    ])
    .await;
    let receiver = Receiver::start(usize::MAX, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    let hook = subscribe(&app, t, json!({"url": receiver.url})).await;
    let hook_id = hook["id"].as_str().unwrap();
    app.contact(t, json!({"full_name": "Ada"})).await;
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = app
            .get_json(&format!("/api/v1/webhooks/{hook_id}"), t)
            .await;
        if shown["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown["enabled"], false, "{shown}");
    assert!(
        shown["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("answered 500"),
        "{shown}"
    );
    // A redelivery waits for the subscription to be enabled again.
    let log = app
        .get_json(&format!("/api/v1/webhooks/{hook_id}/deliveries"), t)
        .await;
    let delivery_id = log["data"][0]["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_problem(res, 409, "webhook_disabled").await;
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{hook_id}"),
            t,
            &json!({"enabled": true}),
        )
        .await;
    let enabled: Value = res.json().await.unwrap();
    assert_eq!(enabled["enabled"], true);
    assert!(enabled["disabled_reason"].is_null());
}

#[tokio::test]
async fn a_due_follow_up_fires_once() {
    let app = app_delivering_to_loopback(&[]).await;
    let receiver = Receiver::start(0, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    subscribe(
        &app,
        t,
        json!({"url": receiver.url, "event_types": ["follow_up.due"]}),
    )
    .await;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let today = chrono::Utc::now().date_naive();
    let interaction = app
        .interaction(
            t,
            json!({"occurred_at": chrono::Utc::now() - chrono::Duration::hours(1), "kind": "call",
                   "contact_ids": [ada["id"]],
                   "follow_up": {"due_on": today, "note": "Send the paper"}}),
        )
        .await;
    let all = receiver.wait_for(1).await;
    let event = all[0].json();
    assert_eq!(event["type"], "follow_up.due");
    assert_eq!(event["data"]["interaction_id"], interaction["id"]);
    assert_eq!(event["data"]["reason"], "Send the paper");
    // Later scans find it again and fire nothing.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(receiver.of_type("follow_up.due").len(), 1);
}

#[tokio::test]
async fn a_test_event_and_a_rotation_sign_with_both_secrets() {
    let app = app_delivering_to_loopback(&[]).await;
    let receiver = Receiver::start(0, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    let hook = subscribe(
        &app,
        t,
        json!({"url": receiver.url, "event_types": ["goal.deleted"]}),
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap();
    let old = hook["secret"].as_str().unwrap();
    let rotated: Value = app
        .post(
            &format!("/api/v1/webhooks/{hook_id}/rotate-secret"),
            Some(t),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/webhooks/{hook_id}/test"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let queued: Value = res.json().await.unwrap();
    let all = receiver.wait_for(1).await;
    assert_eq!(all[0].json()["type"], "webhook.test");
    assert_eq!(all[0].json()["id"], queued["event_id"]);
    assert!(verifies(old, &all[0]) && verifies(new, &all[0]));
    assert_eq!(all[0].headers["webhook-signature"].split(' ').count(), 2);
}

#[tokio::test]
async fn another_users_subscriptions_and_deliveries_are_not_found() {
    let app = app_delivering_to_loopback(&[]).await;
    let a = app.register().await;
    let b = app.register().await;
    let hook = subscribe(
        &app,
        &a.access_token,
        json!({"url": "http://127.0.0.1:9/x", "enabled": false}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/webhooks/{id}/test"),
        Some(&a.access_token),
        &json!({}),
    )
    .await;
    let log = app
        .get_json(
            &format!("/api/v1/webhooks/{id}/deliveries"),
            &a.access_token,
        )
        .await;
    let delivery = log["data"][0]["id"].as_str().unwrap();
    let t = &b.access_token;
    for res in [
        app.get(&format!("/api/v1/webhooks/{id}"), t).await,
        app.patch(
            &format!("/api/v1/webhooks/{id}"),
            t,
            &json!({"enabled": true}),
        )
        .await,
        app.delete(&format!("/api/v1/webhooks/{id}"), t).await,
        app.post(
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(t),
            &json!({}),
        )
        .await,
        app.post(&format!("/api/v1/webhooks/{id}/test"), Some(t), &json!({}))
            .await,
        app.get(&format!("/api/v1/webhooks/{id}/deliveries"), t)
            .await,
        app.post(
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            Some(t),
            &json!({}),
        )
        .await,
    ] {
        assert_problem(res, 404, "not_found").await;
    }
    assert_eq!(app.get_json("/api/v1/webhooks", t).await["data"], json!([]));
}

#[tokio::test]
async fn intersections_and_introductions_found_are_announced_once_and_a_confirmation_too() {
    let app = app_delivering_to_loopback(&[]).await;
    let receiver = Receiver::start(0, None).await;
    let user = app.register().await;
    let t = &user.access_token;
    subscribe(
        &app,
        t,
        json!({"url": receiver.url, "event_types":
               ["intersection.found", "intersection.confirmed", "introduction.suggested", "contact.deleted"]}),
    )
    .await;
    let skipper = app.contact(t, json!({"full_name": "Skipper"})).await;
    let learner = app.contact(t, json!({"full_name": "Learner"})).await;
    app.goal(
        t,
        json!({"kind": "goal", "title": "Learn to sail a dinghy", "topics": ["sailing"]}),
    )
    .await;
    app.goal(
        t,
        json!({"contact_id": skipper["id"], "kind": "offer", "title": "Teaches sailing on dinghies",
               "topics": ["sailing"]}),
    )
    .await;
    app.goal(
        t,
        json!({"contact_id": learner["id"], "kind": "goal", "title": "Learn to sail a dinghy",
               "topics": ["sailing"]}),
    )
    .await;
    let found = receiver.wait_for_type("intersection.found", 1).await;
    let intersection = &found[0]["data"];
    assert_eq!(intersection["status"], "suggested");
    let introductions = receiver.wait_for_type("introduction.suggested", 1).await;
    let pair = &introductions[0]["data"];
    let names: Vec<&str> = pair["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Skipper") && names.contains(&"Learner"),
        "{pair}"
    );

    let id = intersection["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/intersections/{id}"),
            t,
            &json!({"status": "confirmed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let confirmed = receiver.wait_for_type("intersection.confirmed", 1).await;
    assert_eq!(confirmed[0]["data"]["id"], intersection["id"]);

    // Another recomputation announces nothing already announced.
    let before_found = receiver.of_type("intersection.found").len();
    let before_introductions = receiver.of_type("introduction.suggested").len();
    app.contact(t, json!({"full_name": "Bystander", "interests": ["chess"]}))
        .await;
    let bystander = app
        .contact(t, json!({"full_name": "Copy of Learner"}))
        .await;
    // A merge deletes its sources: one `contact.deleted` each.
    let res = app
        .post(
            &format!("/api/v1/contacts/{}/merge", learner["id"].as_str().unwrap()),
            Some(t),
            &json!({"from": [bystander["id"]]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let deleted = receiver.wait_for_type("contact.deleted", 1).await;
    assert_eq!(deleted[0]["data"]["id"], bystander["id"]);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(receiver.of_type("intersection.found").len(), before_found);
    assert_eq!(
        receiver.of_type("introduction.suggested").len(),
        before_introductions
    );
    assert_eq!(receiver.of_type("intersection.confirmed").len(), 1);
}
