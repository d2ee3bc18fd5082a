//! `spawn_app()`: the application on a random port with its own database.

use std::net::TcpListener;

use rapport::config::Settings;
use rapport::startup::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "../support/postgres.rs"]
mod postgres;
use postgres::PostgresDatabase;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Held for its `Drop`, which removes the database.
    _database: TestDatabase,
}

enum TestDatabase {
    Sqlite(std::path::PathBuf),
    /// Dropped with its own `Drop`.
    Postgres(#[allow(dead_code)] PostgresDatabase),
}

/// Options for [`spawn_app_with`].
pub struct AppOptions {
    pub auth_rate_limit: u32,
    pub login_rate_limit: u32,
    pub body_limit: usize,
    /// More `RAPPORT_*` settings.
    pub env: Vec<(&'static str, String)>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            auth_rate_limit: 10_000,
            login_rate_limit: 10_000,
            body_limit: 1024 * 1024,
            env: Vec::new(),
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        rapport::telemetry::init(&rapport::config::LogFormat::Text);
    }
    let (url, database) = fresh_database().await;
    let mut vars = vec![
        ("RAPPORT_DATABASE_URL", url),
        ("RAPPORT_JWT_SECRET", JWT_SECRET.to_string()),
        (
            "RAPPORT_AUTH_RATE_LIMIT",
            options.auth_rate_limit.to_string(),
        ),
        (
            "RAPPORT_LOGIN_RATE_LIMIT",
            options.login_rate_limit.to_string(),
        ),
        ("RAPPORT_API_RATE_LIMIT", "0".to_string()),
        ("RAPPORT_BODY_LIMIT", options.body_limit.to_string()),
        ("RAPPORT_DB_POOL_SIZE", "4".to_string()),
        ("RAPPORT_WORKERS", "2".to_string()),
        // Planned interactions that come due count within a second.
        ("RAPPORT_PLANNED_SWEEP_SECS", "1".to_string()),
    ];
    vars.extend(options.env);
    let settings =
        Settings::from_lookup(|key| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()))
            .expect("test settings are valid");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
    let app = Application::build_with_listener(settings, listener)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _database: database,
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) => {
            let database = PostgresDatabase::create(&server, "rapport_test").await;
            (database.url(), TestDatabase::Postgres(database))
        }
        Err(_) => {
            let path = std::env::temp_dir().join(format!("rapport-test-{}.db", Uuid::now_v7()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                TestDatabase::Sqlite(path),
            )
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Sqlite(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// A registered user and their credentials.
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, Some(token))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    /// Registers a fresh user.
    pub async fn register(&self) -> User {
        let email = format!("user-{}@example.com", Uuid::now_v7().simple());
        let password = "correct horse battery staple".to_string();
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": email, "password": password, "name": "Test User"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        User {
            id: body["user"]["id"].as_str().unwrap().to_string(),
            email,
            password,
            access_token: body["access_token"].as_str().unwrap().to_string(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// Creates a personal API token with `scope`; returns its secret and id.
    pub async fn api_token(&self, user: &User, scope: &str) -> (String, String) {
        let res = self
            .post(
                "/api/v1/tokens",
                Some(&user.access_token),
                &json!({"name": "script", "scope": scope}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        (
            body["secret"].as_str().unwrap().to_string(),
            body["id"].as_str().unwrap().to_string(),
        )
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json");
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "problem: {body}");
    assert!(body["title"].is_string() && body["detail"].is_string());
    assert_eq!(body["type"], format!("urn:rapport:problem:{code}"));
    body
}

impl TestApp {
    /// Creates a contact from `body`; returns it.
    pub async fn contact(&self, token: &str, body: Value) -> Value {
        let res = self.post("/api/v1/contacts", Some(token), &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }

    /// Records an interaction from `body`; returns it.
    pub async fn interaction(&self, token: &str, body: Value) -> Value {
        let res = self.post("/api/v1/interactions", Some(token), &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "recording {body}");
        res.json().await.unwrap()
    }

    /// Creates a goal or offer from `body`; returns it.
    pub async fn goal(&self, token: &str, body: Value) -> Value {
        let res = self.post("/api/v1/goals", Some(token), &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }

    /// GET returning JSON, asserting a 200.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let res = self.get(path, token).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }

    /// The body of a 200 as text (an export in vCard or CSV).
    pub async fn get_text(&self, path: &str, token: &str) -> String {
        let res = self.get(path, token).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.text().await.unwrap()
    }

    /// `POST /imports?{query}` with `body` as a file of `content_type`.
    pub async fn import(
        &self,
        token: &str,
        query: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.request(
            Method::POST,
            &format!("/api/v1/imports?{query}"),
            Some(token),
        )
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
    }

    /// Asserts the server still answers `/health/live` (after abuse).
    pub async fn assert_live(&self) {
        let res = self.client.get(self.url("/health/live")).send().await;
        assert_eq!(res.unwrap().status(), StatusCode::OK);
    }
}

/// The field paths a validation problem names, sorted.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    fields
}

/// The values of `field` in a list page's `data`.
pub fn column(page: &Value, field: &str) -> Vec<Value> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].clone())
        .collect()
}
