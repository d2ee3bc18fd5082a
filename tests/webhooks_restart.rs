//! Webhooks across a restart of the real binary: a receiver that is down
//! while the service runs gets every event after it comes back, from the
//! next process on the same database; a due follow-up fires once, not again
//! after the restart. On SQLite, or on PostgreSQL when `TEST_POSTGRES_URL`
//! names a server.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;
#[path = "support/server.rs"]
mod server;

use std::path::PathBuf;
use std::time::Duration;

use postgres::PostgresDatabase;
use receiver::Receiver;
use serde_json::{Value, json};
use server::{Server, client, free_port};
use uuid::Uuid;

const JWT_SECRET: &str = "webhooks-restart-secret-webhooks-restart-0123";

/// The database both processes use, removed after.
enum Database {
    Sqlite(PathBuf),
    Postgres(#[allow(dead_code)] PostgresDatabase),
}

impl Database {
    async fn fresh() -> (Database, String) {
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(server) => {
                let db = PostgresDatabase::create(&server, "rapport_hooks").await;
                let url = db.url();
                (Database::Postgres(db), url)
            }
            Err(_) => {
                let path =
                    std::env::temp_dir().join(format!("rapport-hooks-{}.db", Uuid::now_v7()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Database::Sqlite(path), url)
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Database::Sqlite(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

async fn start(url: &str, log: &std::path::Path) -> Server {
    let vars = [
        ("RAPPORT_DATABASE_URL", url.to_string()),
        ("RAPPORT_JWT_SECRET", JWT_SECRET.to_string()),
        ("RAPPORT_API_RATE_LIMIT", "0".to_string()),
        ("RAPPORT_WEBHOOKS_ALLOW_HTTP", "127.0.0.1".to_string()),
        ("RAPPORT_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.0/8".to_string()),
        ("RAPPORT_WEBHOOKS_RETRY_BASE_MS", "200".to_string()),
        ("RAPPORT_WEBHOOKS_TIMEOUT_MS", "1000".to_string()),
        ("RAPPORT_WEBHOOKS_DUE_SCAN_SECS", "1".to_string()),
    ];
    Server::spawn(&vars, log).await
}

async fn post(server: &Server, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = client().post(server.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

async fn get(server: &Server, path: &str, token: &str) -> Value {
    let res = client()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

#[tokio::test]
async fn events_for_a_receiver_down_during_a_restart_all_arrive_once_after() {
    let (_database, url) = Database::fresh().await;
    let log = std::env::temp_dir().join(format!("rapport-hooks-{}.log", Uuid::now_v7()));
    let first = start(&url, &log).await;
    let account = post(
        &first,
        "/api/v1/auth/register",
        None,
        json!({"email": "hooks@example.com", "password": "a receiver that comes back", "name": "Hooks"}),
    )
    .await;
    let t = account["access_token"].as_str().unwrap().to_string();
    // Nothing listens on this port yet.
    let port = free_port();
    let hook = post(
        &first,
        "/api/v1/webhooks",
        Some(&t),
        json!({"url": format!("http://127.0.0.1:{port}/hook"),
               "event_types": ["contact.created", "interaction.created", "follow_up.due"]}),
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap();
    let ada = post(
        &first,
        "/api/v1/contacts",
        Some(&t),
        json!({"full_name": "Ada"}),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    post(
        &first,
        "/api/v1/interactions",
        Some(&t),
        json!({"occurred_at": chrono::Utc::now() - chrono::Duration::hours(1), "kind": "call",
               "contact_ids": [ada["id"]], "follow_up": {"due_on": today, "note": "Send the paper"}}),
    )
    .await;
    // Wait until all three events exist and were tried (and failed).
    let deliveries = format!("/api/v1/webhooks/{hook_id}/deliveries");
    let mut tried = false;
    for _ in 0..100 {
        let page = get(&first, &deliveries, &t).await;
        let items = page["data"].as_array().unwrap();
        tried = items.len() == 3
            && items
                .iter()
                .all(|d| d["state"] == "pending" && !d["log"].as_array().unwrap().is_empty());
        if tried {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(tried, "{}", get(&first, &deliveries, &t).await);
    let mut first = first;
    first.sigterm();
    assert!(first.wait_exit(Duration::from_secs(40)).await.is_some());

    let receiver = Receiver::start_on(port, 0, None).await;
    let second = start(&url, &log).await;
    let all = receiver.wait_for(3).await;
    // Later scans and rounds of the new process send nothing again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let kinds = |kind: &str| receiver.of_type(kind).len();
    assert_eq!(kinds("contact.created"), 1, "{all:?}");
    assert_eq!(kinds("interaction.created"), 1);
    assert_eq!(kinds("follow_up.due"), 1);
    assert_eq!(receiver.all().len(), 3);
    let page = get(&second, &deliveries, &t).await;
    assert!(
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "succeeded"),
        "{page}"
    );
    let _ = std::fs::remove_file(&log);
}
