//! Every kind of bad input gets problem+json with the right status.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{AppOptions, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let user = app.register().await;
    for body in ["{\"headline\": ", "not json", "", "{} trailing"] {
        let res = app
            .request(Method::PATCH, "/api/v1/me", Some(&user.access_token))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "malformed_json").await;
    }
}

#[tokio::test]
async fn invalid_utf8_is_a_400_and_deep_nesting_a_422() {
    let app = spawn_app().await;
    let user = app.register().await;
    let send = |body: Vec<u8>| {
        app.request(Method::PATCH, "/api/v1/me", Some(&user.access_token))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let mut invalid_utf8 = b"{\"headline\": \"".to_vec();
    invalid_utf8.extend([0xff, 0xfe]);
    invalid_utf8.extend(b"\"}");
    assert_problem(send(invalid_utf8).await.unwrap(), 400, "malformed_json").await;

    // Typed fields refuse nesting at its first level, however deep it goes.
    let deep = format!(
        "{{\"interests\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let body = assert_problem(
        send(deep.into_bytes()).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "interests[0]");
    assert_eq!(
        app.get("/api/v1/me", &user.access_token).await.status(),
        200
    );
}

#[tokio::test]
async fn an_unknown_field_is_a_422_naming_it() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "a@example.com", "password": "long enough pw", "name": "A", "admin": true}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "admin");
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_a_415() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app
        .request(Method::PATCH, "/api/v1/me", Some(&user.access_token))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    // JSON's structured-syntax types are welcome.
    let res = app
        .request(Method::PATCH, "/api/v1/me", Some(&user.access_token))
        .header("content-type", "application/merge-patch+json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = spawn_app_with(AppOptions {
        body_limit: 1024,
        ..Default::default()
    })
    .await;
    let user = app.register().await;
    let res = app
        .patch(
            "/api/v1/me",
            &user.access_token,
            &json!({"summary": "x".repeat(2000)}),
        )
        .await;
    assert_problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_400s() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    assert_problem(
        app.delete("/api/v1/tokens/not-a-uuid", t).await,
        400,
        "invalid_path",
    )
    .await;
    assert_problem(
        app.get("/api/v1/tokens?limit=0", t).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/tokens?limit=201", t).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/tokens?limit=ten", t).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/tokens?colour=red", t).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/tokens?cursor=garbage", t).await,
        400,
        "invalid_cursor",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app.get("/api/v1/nothing-here", &user.access_token).await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .request(Method::PUT, "/api/v1/me", Some(&user.access_token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, PATCH, DELETE");
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app
        .request(
            Method::GET,
            "/api/v1/tokens/0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60",
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "DELETE");
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn nul_characters_are_refused_before_they_reach_the_database() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app
        .patch(
            "/api/v1/me",
            &user.access_token,
            &json!({"headline": "a\u{0}b"}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "headline");
}
