use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    AppOptions, JWT_SECRET, assert_problem, error_fields, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn register_returns_a_session_and_normalises_the_email() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "  Ada@Example.COM ", "password": "correct horse battery", "name": " Ada "}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["name"], "Ada");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("rrt_"));
    assert!(body["user"].get("password_hash").is_none());

    let me = app
        .get("/api/v1/me", body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn register_refuses_a_taken_email_with_a_409() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": user.email.to_uppercase(), "password": "another long password", "name": "X"}),
        )
        .await;
    assert_problem(res, 409, "email_taken").await;
}

#[tokio::test]
async fn register_lists_every_invalid_field() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "not-an-email", "password": "short", "name": "   "}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["email", "name", "password"]);
}

#[tokio::test]
async fn login_works_and_failure_does_not_reveal_whether_the_email_exists() {
    let app = spawn_app().await;
    let user = app.register().await;
    let ok = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": user.email, "password": user.password}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);

    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": user.email, "password": "wrong password!!"}),
        )
        .await;
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let unknown_email = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@example.com", "password": "wrong password!!"}),
        )
        .await;
    let b = assert_problem(unknown_email, 401, "invalid_credentials").await;
    assert_eq!(a["detail"], b["detail"]);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    let user = app.register().await;

    let first = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh_token}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let second_token = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_token, user.refresh_token);

    // The first token again: reuse. The family, including the second, dies.
    let reuse = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh_token}),
        )
        .await;
    assert_problem(reuse, 401, "refresh_token_reused").await;
    let after = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": second_token}),
        )
        .await;
    assert_problem(after, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_is_idempotent() {
    let app = spawn_app().await;
    let user = app.register().await;
    let body = json!({"refresh_token": user.refresh_token});
    let res = app.post("/api/v1/auth/logout", None, &body).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let again = app.post("/api/v1/auth/logout", None, &body).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let refresh = app.post("/api/v1/auth/refresh", None, &body).await;
    assert_problem(refresh, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn login_is_rate_limited_per_address_with_retry_after() {
    let app = spawn_app_with(AppOptions {
        auth_rate_limit: 3,
        ..Default::default()
    })
    .await;
    let body = json!({"email": "nobody@example.com", "password": "wrong password!!"});
    for _ in 0..3 {
        let res = app.post("/api/v1/auth/login", None, &body).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.post("/api/v1/auth/login", None, &body).await;
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn login_is_rate_limited_per_account_whatever_the_address() {
    let app = spawn_app_with(AppOptions {
        login_rate_limit: 3,
        ..Default::default()
    })
    .await;
    let user = app.register().await;
    let wrong = json!({"email": user.email, "password": "wrong password!!"});
    for _ in 0..3 {
        let res = app.post("/api/v1/auth/login", None, &wrong).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The same account, spelled differently: still the same budget.
    let shouted = json!({"email": user.email.to_uppercase(), "password": user.password});
    let res = app.post("/api/v1/auth/login", None, &shouted).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
    // Another account is not held back.
    let other = app.register().await;
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": other.email, "password": other.password}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

fn claims(sub: &str, exp_offset: i64, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "iss": "rapport", "aud": aud, "iat": now, "exp": now + exp_offset})
}

fn sign(claims: &Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_get_401_with_a_challenge() {
    let app = spawn_app().await;
    let user = app.register().await;
    let secret = JWT_SECRET.as_bytes();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(&user.id, 600, "rapport-api").to_string())
    );
    let cases = [
        (
            "wrong signature",
            sign(
                &claims(&user.id, 600, "rapport-api"),
                b"another-secret-another-secret-another",
                Algorithm::HS256,
            ),
        ),
        ("alg none", unsigned),
        (
            "expired",
            sign(
                &claims(&user.id, -600, "rapport-api"),
                secret,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong audience",
            sign(
                &claims(&user.id, 600, "someone-else"),
                secret,
                Algorithm::HS256,
            ),
        ),
        (
            "other algorithm",
            sign(
                &claims(&user.id, 600, "rapport-api"),
                secret,
                Algorithm::HS384,
            ),
        ),
        ("garbage", "not.a.jwt".to_string()),
    ];
    for (case, token) in cases {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{case}");
        let challenge = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(challenge.starts_with("Bearer"), "{case}");
        assert_problem(res, 401, "invalid_token").await;
    }
    // A correctly signed token is accepted, so the cases above failed for
    // their own reasons.
    let good = sign(
        &claims(&user.id, 600, "rapport-api"),
        secret,
        Algorithm::HS256,
    );
    assert_eq!(app.get("/api/v1/me", &good).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_missing_token_is_a_401_with_a_challenge() {
    let app = spawn_app().await;
    let res = app
        .request(reqwest::Method::GET, "/api/v1/me", None)
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("www-authenticate"));
    assert_problem(res, 401, "missing_token").await;
    let basic = app
        .request(reqwest::Method::GET, "/api/v1/me", None)
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "invalid_token").await;
}

/// A password must not be easy to guess: common ones, patterns and the
/// account's own email or name are refused, each with the reason.
#[tokio::test]
async fn register_refuses_passwords_that_are_easy_to_guess() {
    let app = spawn_app().await;
    for weak in [
        "password1234",
        "qwertyuiop12",
        "000000000000",
        "grace.hopper1",
    ] {
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "grace.hopper@example.com", "password": weak, "name": "Grace Hopper"}),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "password", "{weak}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("too easy to guess"),
            "{problem}"
        );
    }
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "grace.hopper@example.com", "password": "compilers sail at dawn",
                    "name": "Grace Hopper"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
