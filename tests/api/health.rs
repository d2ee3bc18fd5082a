use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn live_and_ready_answer_200_without_auth() {
    let app = spawn_app().await;
    for path in ["/health/live", "/health/ready"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_echoed_when_given() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 36);
    let res = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-abc-123");
}

#[tokio::test]
async fn docs_serve_swagger_ui() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("swagger"));
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert!(init.text().await.unwrap().contains("/openapi.json"));
}

/// Personal data is never cached on the way, and never sniffed as another
/// type: on answers, errors and exports alike.
#[tokio::test]
async fn responses_are_not_stored_nor_sniffed() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let contact = app
        .contact(t, serde_json::json!({"full_name": "Ada"}))
        .await;
    for path in [
        format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap()),
        "/api/v1/contacts?limit=1".to_string(),
        "/api/v1/export?format=csv".to_string(),
        "/api/v1/contacts/not-an-id".to_string(),
        "/nowhere".to_string(),
    ] {
        let res = app.get(&path, t).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
}
