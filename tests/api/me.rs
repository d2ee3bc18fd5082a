use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn patch_me_is_a_merge_patch_absent_keeps_and_null_clears() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app
        .patch(
            "/api/v1/me",
            t,
            &json!({"headline": "the finance people person", "special": "ships", "interests": ["Podcasts", "podcasts", " Sailing "]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["interests"], json!(["podcasts", "sailing"]));

    let res = app.patch("/api/v1/me", t, &json!({"special": null})).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["special"], Value::Null);
    assert_eq!(body["headline"], "the finance people person");
    assert_eq!(body["name"], "Test User");
}

#[tokio::test]
async fn patch_me_refuses_read_only_unknown_and_null_required_fields() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for (body, field) in [
        (json!({"id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"}), "id"),
        (json!({"email": "x@example.com"}), "email"),
        (json!({"created_at": "2020-01-01T00:00:00Z"}), "created_at"),
        (json!({"name": null}), "name"),
        (json!({"summary": "x".repeat(601)}), "summary"),
        (json!({"interests": "not a list"}), "interests"),
    ] {
        let res = app.patch("/api/v1/me", t, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    // Nothing was applied.
    let me: Value = app.get("/api/v1/me", t).await.json().await.unwrap();
    assert_eq!(me["name"], "Test User");
    assert_eq!(me["email"], user.email);
}

#[tokio::test]
async fn a_stale_if_match_is_a_412_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app.get("/api/v1/me", t).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();

    let ok = app
        .request(Method::PATCH, "/api/v1/me", Some(t))
        .header("if-match", &etag)
        .json(&json!({"headline": "first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let new_etag = ok.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);

    let stale = app
        .request(Method::PATCH, "/api/v1/me", Some(t))
        .header("if-match", &etag)
        .json(&json!({"headline": "second"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    let me: Value = app.get("/api/v1/me", t).await.json().await.unwrap();
    assert_eq!(me["headline"], "first");

    let stale_delete = app
        .request(Method::DELETE, "/api/v1/me", Some(t))
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_problem(stale_delete, 412, "precondition_failed").await;
}

#[tokio::test]
async fn deleting_the_account_removes_it_and_its_tokens() {
    let app = spawn_app().await;
    let user = app.register().await;
    let other = app.register().await;
    let (secret, _) = app.api_token(&user, "write").await;

    let res = app.delete("/api/v1/me", &user.access_token).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    assert_problem(app.get("/api/v1/me", &secret).await, 401, "invalid_token").await;
    assert_problem(
        app.get("/api/v1/me", &user.access_token).await,
        401,
        "account_deleted",
    )
    .await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": user.email, "password": user.password}),
        )
        .await;
    assert_problem(login, 401, "invalid_credentials").await;
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh_token}),
        )
        .await;
    assert_problem(refresh, 401, "invalid_refresh_token").await;
    // Other accounts are untouched.
    assert_eq!(
        app.get("/api/v1/me", &other.access_token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_personal_token_cannot_delete_the_account() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (secret, _) = app.api_token(&user, "write").await;
    assert_problem(
        app.delete("/api/v1/me", &secret).await,
        403,
        "session_required",
    )
    .await;
}

/// An access token lives 15 minutes; until then, writes with a deleted
/// account's token are told so (401), never a 500 from a foreign key.
#[tokio::test]
async fn writes_with_a_deleted_accounts_token_get_401() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app.delete("/api/v1/me", t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    for (path, body) in [
        ("/api/v1/contacts", json!({"full_name": "Ada"})),
        (
            "/api/v1/goals",
            json!({"kind": "goal", "title": "Hire a designer"}),
        ),
        ("/api/v1/tokens", json!({"name": "script", "scope": "read"})),
        (
            "/api/v1/vocabulary",
            json!({"label": "Zorbing", "phrases": ["zorbing down hills"]}),
        ),
    ] {
        let res = app.post(path, Some(t), &body).await;
        let problem = assert_problem(res, 401, "account_deleted").await;
        assert!(
            !problem["detail"].as_str().unwrap().contains("foreign"),
            "{path}"
        );
    }
    let res = app
        .import(t, "format=csv", "text/csv", "full_name\nAda\n")
        .await;
    assert_problem(res, 401, "account_deleted").await;
}
