//! Behaviour the OpenAPI document promises and schemathesis (`.ci/schemathesis.sh`)
//! found missing: what the schema accepts is accepted, what it refuses is
//! refused.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn integers_may_be_written_as_whole_floats() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let goal = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Run a marathon", "priority": 1.0}),
        )
        .await;
    assert_eq!(goal["priority"], 1);
    let res = app
        .post(
            "/api/v1/goals",
            Some(t),
            &json!({"kind": "goal", "title": "x", "priority": 1.5}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "priority");
    let contact = app
        .contact(t, json!({"full_name": "Ada", "keep_in_touch_days": 30.0}))
        .await;
    assert_eq!(contact["keep_in_touch_days"], 30);
}

#[tokio::test]
async fn a_body_must_be_an_object_at_every_level() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    // serde would read `[null, null]` as a struct's first two fields.
    let res = app
        .request(Method::PATCH, "/api/v1/me", Some(t))
        .header("content-type", "application/merge-patch+json")
        .body("[null, null]")
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "validation_failed").await;
    let contact = app.contact(t, json!({"full_name": "Ada"})).await;
    let res = app
        .post(
            "/api/v1/interactions",
            Some(t),
            &json!({"kind": "call", "contact_ids": [contact["id"]], "follow_up": ["2027-01-01", "call"]}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "follow_up");
}

#[tokio::test]
async fn text_limits_apply_to_the_text_as_sent() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    // 200 characters once trimmed, 202 as sent: the schema's maxLength is 200.
    let name = format!(" {} ", "a".repeat(200));
    let res = app
        .post("/api/v1/contacts", Some(t), &json!({"full_name": name}))
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "full_name");
    // A control character is refused even where trimming would drop it.
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": "Ada\u{b}"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // 51 tags, even with duplicates among them, are more than 50.
    let tags = vec!["same"; 51];
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": "Ada", "interests": tags}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "interests");
}

#[tokio::test]
async fn query_parameters_are_never_empty_and_stay_in_bounds() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for path in [
        "/api/v1/export?format=",
        "/api/v1/contacts?tag=",
        "/api/v1/contacts?q=",
        "/api/v1/contacts?inactive_for_days=36501",
        "/api/v1/reconnect?inactive_for_days=36501",
        &format!("/api/v1/goals?topic={}", "t".repeat(51)),
        &format!("/api/v1/contacts?q={}", "q".repeat(257)),
        &format!("/api/v1/search?q={}", "q".repeat(257)),
        "/api/v1/search?q=",
        // PostgreSQL refuses a NUL in text: a 400, not a 500.
        "/api/v1/contacts?q=a%00b",
        "/api/v1/contacts?tag=a%1Bb",
        "/api/v1/goals?topic=%00",
    ] {
        let body = assert_problem(app.get(path, t).await, 400, "invalid_query").await;
        assert!(body["detail"].as_str().unwrap().len() > 10, "{path}");
    }
    assert_eq!(
        app.get("/api/v1/reconnect?inactive_for_days=36500", t)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_literal_path_answers_405_for_another_method() {
    let app = spawn_app().await;
    let user = app.register().await;
    // `PATCH /contacts/duplicates` would otherwise reach `PATCH /contacts/{id}`.
    let res = app
        .request(
            Method::PATCH,
            "/api/v1/contacts/duplicates",
            Some(&user.access_token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn logging_out_a_token_that_cannot_exist_is_a_422() {
    let app = spawn_app().await;
    let too_long = "r".repeat(129);
    let res = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": too_long}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "refresh_token");
    // An unknown token of a possible length stays a harmless 204.
    let res = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": "rrt_unknown"}),
        )
        .await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn logging_in_with_an_address_that_is_not_one_is_a_plain_401() {
    let app = spawn_app().await;
    // A NUL would make PostgreSQL refuse the lookup: still the usual 401.
    for email in ["ada\u{0}@example.com", "not an address"] {
        let res = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": "correct horse battery"}),
            )
            .await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
}
