//! Two instances of the real binary on one PostgreSQL database, driven
//! together: what a deployment behind a load balancer relies on.
//!
//! - no lost update: conditional writes sent to both at once, one wins and
//!   the other is told; one Idempotency-Key sent to both makes one contact;
//! - no double recomputation: changes written through one instance and read
//!   through the other settle to the same intersections on both, and each
//!   version of the network is applied by one instance only (their logs);
//! - limits across both: with `RAPPORT_RATE_LIMIT_STORE=database`, a user's
//!   requests spread over both instances share one budget.
//!
//! Runs when `TEST_POSTGRES_URL` names a server (CI's PostgreSQL pass); on
//! SQLite there is one process per database file, and nothing to test.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;
#[path = "support/server.rs"]
mod server;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use postgres::PostgresDatabase;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use server::{Server, client};
use uuid::Uuid;

const JWT_SECRET: &str = "instances-test-secret-instances-test-secret-0123";
/// Requests a minute per user, shared by both instances.
const API_LIMIT: u32 = 120;

struct Instance {
    server: Server,
    client: Client,
}

impl Instance {
    fn request(&self, method: reqwest::Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.server.url(path))
            .bearer_auth(token)
    }

    async fn send(
        &self,
        request: RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let res = request.send().await.expect("the instance answers");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let (status, _, body) = self
            .send(self.request(reqwest::Method::POST, path, token).json(&body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
        body
    }

    /// The intersections once settled (waiting as long as the API allows).
    async fn settled_intersections(&self, token: &str) -> Vec<Value> {
        let (status, headers, body) = self
            .send(
                self.request(
                    reqwest::Method::GET,
                    "/api/v1/intersections?limit=200",
                    token,
                )
                .header("Prefer", "wait=60"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            headers["intersections-stale"], "false",
            "the recomputation did not settle within a minute"
        );
        assert_eq!(body["next_cursor"], Value::Null);
        body["data"].as_array().unwrap().clone()
    }
}

async fn start(db: &PostgresDatabase, name: &str, logs: &mut Vec<PathBuf>) -> Instance {
    start_with(db, name, logs, &[]).await
}

async fn start_with(
    db: &PostgresDatabase,
    name: &str,
    logs: &mut Vec<PathBuf>,
    more: &[(&str, &str)],
) -> Instance {
    let log = std::env::temp_dir().join(format!("rapport-instances-{}-{name}.log", Uuid::now_v7()));
    logs.push(log.clone());
    let mut vars: Vec<(&str, String)> = vec![
        ("RAPPORT_DATABASE_URL", db.url()),
        ("RAPPORT_JWT_SECRET", JWT_SECRET.into()),
        ("RAPPORT_RATE_LIMIT_STORE", "database".into()),
        ("RAPPORT_API_RATE_LIMIT", API_LIMIT.to_string()),
        ("RAPPORT_AUTH_RATE_LIMIT", "0".into()),
        ("RAPPORT_LOGIN_RATE_LIMIT", "0".into()),
        ("RAPPORT_LOG_FORMAT", "json".into()),
        ("RAPPORT_WORKERS", "2".into()),
    ];
    for (key, value) in more {
        vars.retain(|(k, _)| k != key);
        vars.push((key, value.to_string()));
    }
    let server = Server::spawn(&vars, &log).await;
    Instance {
        server,
        client: client(),
    }
}

async fn register(instance: &Instance) -> String {
    let res = instance
        .client
        .post(instance.server.url("/api/v1/auth/register"))
        .json(&json!({
            "email": format!("instances-{}@example.com", Uuid::now_v7().simple()),
            "password": "correct horse battery staple",
            "name": "Two Instances",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "register");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// `(user_id, version)` of every recomputation an instance applied, from its
/// JSON log.
fn applied_versions(log: &PathBuf) -> Vec<(String, i64)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["message"] == "intersections recomputed")
        .map(|line| {
            (
                line["span"]["user_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                line["version"].as_i64().expect("the version is logged"),
            )
        })
        .collect()
}

fn sorted_ids(items: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_lose_nothing_recompute_once_and_share_limits() {
    let Ok(server_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("TEST_POSTGRES_URL is not set: two instances need PostgreSQL; skipped");
        return;
    };
    let db = PostgresDatabase::create(&server_url, "rapport_instances").await;
    let mut logs = Vec::new();
    // One after the other: the first migrates the database.
    let a = start(&db, "a", &mut logs).await;
    let b = start(&db, "b", &mut logs).await;
    let token = register(&a).await;

    // --- No lost update.
    let contact = a
        .post(
            "/api/v1/contacts",
            &token,
            json!({"full_name": "Ada Lovelace"}),
        )
        .await;
    let path = format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap());
    let (status, headers, _) = b.send(b.request(reqwest::Method::GET, &path, &token)).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers["etag"].to_str().unwrap().to_string();
    let patch = |instance: &Instance, company: &str| {
        instance
            .request(reqwest::Method::PATCH, &path, &token)
            .header("If-Match", &etag)
            .header("Content-Type", "application/merge-patch+json")
            .body(json!({"company": company}).to_string())
    };
    let ((status_a, _, body_a), (status_b, _, body_b)) = tokio::join!(
        a.send(patch(&a, "Analytical Engines")),
        b.send(patch(&b, "Difference Engines"))
    );
    let mut statuses = [status_a.as_u16(), status_b.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{body_a} / {body_b}");
    let winner = if status_a == StatusCode::OK {
        &body_a
    } else {
        &body_b
    };
    for instance in [&a, &b] {
        let (_, _, stored) = instance
            .send(instance.request(reqwest::Method::GET, &path, &token))
            .await;
        assert_eq!(stored["company"], winner["company"]);
    }

    let key = Uuid::now_v7().to_string();
    let create = |instance: &Instance| {
        instance
            .request(reqwest::Method::POST, "/api/v1/contacts", &token)
            .header("Idempotency-Key", &key)
            .json(&json!({"full_name": "Charles Babbage"}))
    };
    let (first, second) = tokio::join!(a.send(create(&a)), b.send(create(&b)));
    let created: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|(status, _, _)| *status == StatusCode::CREATED)
        .map(|(_, _, body)| body)
        .collect();
    for (status, _, body) in [&first, &second] {
        assert!(
            *status == StatusCode::CREATED || *status == StatusCode::CONFLICT,
            "{status}: {body}"
        );
    }
    assert!(!created.is_empty(), "{first:?} / {second:?}");
    assert!(created.iter().all(|body| body["id"] == created[0]["id"]));
    let (_, _, page) = a
        .send(a.request(reqwest::Method::GET, "/api/v1/contacts?q=Babbage", &token))
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");

    // --- No double recomputation: write through one, read through the other.
    a.post(
        "/api/v1/goals",
        &token,
        json!({"kind": "goal", "title": "Launch a podcast about small-business marketing",
               "topics": ["podcasting", "marketing"]}),
    )
    .await;
    let producer = b
        .post(
            "/api/v1/contacts",
            &token,
            json!({"full_name": "Pat Producer"}),
        )
        .await;
    b.post(
        "/api/v1/goals",
        &token,
        json!({"contact_id": producer["id"], "kind": "offer",
               "title": "I produce podcasts and edit audio for small shows",
               "topics": ["podcast", "audio"]}),
    )
    .await;
    let (seen_by_a, seen_by_b) = tokio::join!(
        a.settled_intersections(&token),
        b.settled_intersections(&token)
    );
    assert!(
        seen_by_a.iter().any(|i| i["contact_id"] == producer["id"]),
        "the producer can help: {seen_by_a:?}"
    );
    assert_eq!(sorted_ids(&seen_by_a), sorted_ids(&seen_by_b));
    // One more change through B, read through A at once.
    let learner = b
        .post(
            "/api/v1/contacts",
            &token,
            json!({"full_name": "Lee Learner"}),
        )
        .await;
    b.post(
        "/api/v1/goals",
        &token,
        json!({"contact_id": learner["id"], "kind": "goal",
               "title": "Launch a podcast about marketing for small businesses",
               "topics": ["podcasting", "marketing"]}),
    )
    .await;
    let after = a.settled_intersections(&token).await;
    assert!(
        after.iter().any(|i| i["contact_id"] == learner["id"]),
        "the learner shares the goal: {after:?}"
    );
    assert_eq!(
        sorted_ids(&after),
        sorted_ids(&b.settled_intersections(&token).await)
    );
    let mut applied: HashMap<(String, i64), usize> = HashMap::new();
    for log in &logs {
        for key in applied_versions(log) {
            *applied.entry(key).or_default() += 1;
        }
    }
    assert!(!applied.is_empty(), "no recomputation was logged");
    for (key, times) in &applied {
        assert_eq!(*times, 1, "version {key:?} was applied {times} times");
    }

    // --- One limit across both instances: a fresh user's burst, alternated.
    let burst = register(&b).await;
    let started = Instant::now();
    let (mut admitted, mut refused_by) = (0u32, [0u32; 2]);
    for n in 0..(API_LIMIT + 40) {
        let (which, instance) = if n % 2 == 0 { (0, &a) } else { (1, &b) };
        let (status, headers, body) = instance
            .send(instance.request(reqwest::Method::GET, "/api/v1/me", &burst))
            .await;
        match status {
            StatusCode::OK => admitted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused_by[which] += 1;
                assert!(headers.contains_key("retry-after"), "{body}");
                assert_eq!(body["code"], "rate_limited", "{body}");
            }
            other => panic!("{other}: {body}"),
        }
    }
    // The budget refills at API_LIMIT a minute while the burst runs.
    let refilled = (started.elapsed().as_secs_f64() * f64::from(API_LIMIT) / 60.0).ceil() as u32;
    assert!(
        admitted >= API_LIMIT && admitted <= API_LIMIT + refilled,
        "{admitted} admitted, limit {API_LIMIT} (+{refilled} refilled)"
    );
    assert!(
        refused_by[0] > 0 && refused_by[1] > 0,
        "both instances refuse once the shared budget is spent: {refused_by:?}"
    );

    drop(a);
    drop(b);
    for log in logs {
        let _ = std::fs::remove_file(log);
    }
}

/// Both instances deliver webhooks from the same outbox: every event
/// arrives, and none twice (each delivery is claimed by one instance,
/// `FOR UPDATE SKIP LOCKED`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_deliver_each_webhook_event_once() {
    let Ok(server_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("TEST_POSTGRES_URL is not set: two instances need PostgreSQL; skipped");
        return;
    };
    let db = PostgresDatabase::create(&server_url, "rapport_instances").await;
    let mut logs = Vec::new();
    let hooks = [
        ("RAPPORT_API_RATE_LIMIT", "0"),
        ("RAPPORT_WEBHOOKS_ALLOW_HTTP", "127.0.0.1"),
        ("RAPPORT_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.0/8"),
    ];
    let a = start_with(&db, "hooks-a", &mut logs, &hooks).await;
    let b = start_with(&db, "hooks-b", &mut logs, &hooks).await;
    let token = register(&a).await;
    let receiver = receiver::Receiver::start(0, None).await;
    a.post(
        "/api/v1/webhooks",
        &token,
        json!({"url": receiver.url, "event_types": ["contact.created"]}),
    )
    .await;
    const EVENTS: usize = 100;
    let mut writes = Vec::new();
    for i in 0..EVENTS {
        let instance = if i % 2 == 0 { &a } else { &b };
        writes.push(instance.post(
            "/api/v1/contacts",
            &token,
            json!({"full_name": format!("Person {i}")}),
        ));
    }
    for write in writes {
        write.await;
    }
    receiver.wait_for(EVENTS).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let all = receiver.all();
    let mut ids: Vec<&String> = all.iter().map(|r| &r.headers["webhook-id"]).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), EVENTS, "every event arrives");
    assert_eq!(all.len(), EVENTS, "and none twice");
    let attempts: usize = logs
        .iter()
        .map(|log| {
            std::fs::read_to_string(log)
                .unwrap_or_default()
                .lines()
                .filter(|line| line.contains("\"webhook attempt\""))
                .count()
        })
        .sum();
    assert_eq!(
        attempts, EVENTS,
        "one attempt per event across both instances"
    );
    drop((a, b));
    for log in logs {
        let _ = std::fs::remove_file(log);
    }
}
