use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn a_token_is_shown_once_listed_without_its_secret_and_authenticates() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (secret, id) = app.api_token(&user, "write").await;
    assert!(secret.starts_with("rpt_"));

    let list: Value = app
        .get("/api/v1/tokens", &user.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert!(list["data"][0].get("secret").is_none());
    assert!(secret.starts_with(list["data"][0]["prefix"].as_str().unwrap()));
    assert_eq!(list["next_cursor"], Value::Null);

    let me: Value = app.get("/api/v1/me", &secret).await.json().await.unwrap();
    assert_eq!(me["id"], user.id.as_str());
    let list: Value = app
        .get("/api/v1/tokens", &user.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["data"][0]["last_used_at"].is_string());
}

#[tokio::test]
async fn a_read_token_reads_but_gets_403_on_writes() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (read, _) = app.api_token(&user, "read").await;
    assert_eq!(app.get("/api/v1/me", &read).await.status(), StatusCode::OK);
    let res = app
        .patch("/api/v1/me", &read, &json!({"headline": "x"}))
        .await;
    assert_problem(res, 403, "insufficient_scope").await;
}

#[tokio::test]
async fn personal_tokens_cannot_mint_or_revoke_tokens() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (write, id) = app.api_token(&user, "write").await;
    let res = app
        .post(
            "/api/v1/tokens",
            Some(&write),
            &json!({"name": "x", "scope": "write"}),
        )
        .await;
    assert_problem(res, 403, "session_required").await;
    let res = app.delete(&format!("/api/v1/tokens/{id}"), &write).await;
    assert_problem(res, 403, "session_required").await;
}

#[tokio::test]
async fn a_deleted_token_stops_working_at_once() {
    let app = spawn_app().await;
    let user = app.register().await;
    let (secret, id) = app.api_token(&user, "write").await;
    let res = app
        .delete(&format!("/api/v1/tokens/{id}"), &user.access_token)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get("/api/v1/me", &secret).await, 401, "invalid_token").await;
    let again = app
        .delete(&format!("/api/v1/tokens/{id}"), &user.access_token)
        .await;
    assert_problem(again, 404, "not_found").await;
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_past_expiry_is_invalid() {
    let app = spawn_app().await;
    let user = app.register().await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let res = app
        .post(
            "/api/v1/tokens",
            Some(&user.access_token),
            &json!({"name": "x", "scope": "read", "expires_at": past}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "expires_at");

    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let res = app
        .post(
            "/api/v1/tokens",
            Some(&user.access_token),
            &json!({"name": "x", "scope": "read", "expires_at": soon}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let secret = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_problem(app.get("/api/v1/me", &secret).await, 401, "token_expired").await;
}

#[tokio::test]
async fn an_unknown_scope_is_a_422() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app
        .post(
            "/api/v1/tokens",
            Some(&user.access_token),
            &json!({"name": "x", "scope": "admin"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "scope");
}

#[tokio::test]
async fn token_lists_paginate_with_a_cursor() {
    let app = spawn_app().await;
    let user = app.register().await;
    for _ in 0..3 {
        app.api_token(&user, "read").await;
    }
    let t = &user.access_token;
    let first: Value = app
        .get("/api/v1/tokens?limit=2", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/v1/tokens?limit=2&cursor={cursor}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    assert_ne!(first["data"][1]["id"], second["data"][0]["id"]);
}

#[tokio::test]
async fn another_users_token_is_a_404() {
    let app = spawn_app().await;
    let alice = app.register().await;
    let bob = app.register().await;
    let (_, id) = app.api_token(&alice, "read").await;
    let res = app
        .delete(&format!("/api/v1/tokens/{id}"), &bob.access_token)
        .await;
    assert_problem(res, 404, "not_found").await;
    let list: Value = app
        .get("/api/v1/tokens", &bob.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["data"].as_array().unwrap().is_empty());
    let alices: Value = app
        .get("/api/v1/tokens", &alice.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alices["data"].as_array().unwrap().len(), 1);
}

/// The cap of 100 tokens holds under concurrent requests: the count and the
/// insert are one transaction, with the account locked.
#[tokio::test]
async fn the_token_cap_holds_under_concurrent_requests() {
    let app = spawn_app().await;
    let user = app.register().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..130 {
        let request = app
            .client
            .post(app.url("/api/v1/tokens"))
            .bearer_auth(&user.access_token)
            .json(&json!({"name": format!("script {n}"), "scope": "read"}));
        tasks.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let statuses: Vec<u16> = tasks.join_all().await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((created, refused), (100, 30), "{statuses:?}");
    let listed = app
        .get_json("/api/v1/tokens?limit=200", &user.access_token)
        .await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 100);
}
