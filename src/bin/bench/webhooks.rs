//! `bench webhooks`: events delivered to a receiver on loopback.
//!
//! The server runs in this process (on a fresh SQLite file, or a new
//! PostgreSQL database with `--postgres`), allowed to deliver to loopback
//! over http; a minimal HTTP/1.1 receiver (keep-alive, answers 204) notes
//! when each event arrives. Two runs of `--events` events each:
//!
//! - **live**: contacts created one request at a time by `--concurrency`
//!   clients; each `contact.created` goes out as its write commits;
//! - **backlog**: one CSV import of as many contacts, whose events are
//!   written in one transaction and drained by the worker.
//!
//! Reported: deliveries/s (events over the time from the first arrival to
//! the last) and end-to-end latency (the event's `occurred_at`, stamped in
//! the write's transaction, to its arrival: one clock, one machine).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use rapport::config::Settings;
use rapport::startup::Application;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser)]
pub struct Args {
    /// Events per run.
    #[arg(long, default_value_t = 1000)]
    events: usize,
    /// Clients creating contacts at once in the live run.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// A PostgreSQL server URL (`postgres://user@host:port`); a fresh database
    /// is created on it and dropped after. SQLite (a temp file) otherwise.
    #[arg(long)]
    postgres: Option<String>,
}

/// When each event arrived, and when it occurred.
type Arrivals = Arc<Mutex<Vec<(Instant, DateTime<Utc>, DateTime<Utc>)>>>;

pub async fn run(args: Args) -> anyhow::Result<()> {
    let (url, cleanup) = crate::database(args.postgres.as_deref()).await?;
    let vars = [
        ("RAPPORT_DATABASE_URL", url.clone()),
        (
            "RAPPORT_JWT_SECRET",
            "bench-secret-bench-secret-bench-secret-0123".to_string(),
        ),
        ("RAPPORT_AUTH_RATE_LIMIT", "0".to_string()),
        ("RAPPORT_LOGIN_RATE_LIMIT", "0".to_string()),
        ("RAPPORT_API_RATE_LIMIT", "0".to_string()),
        ("RAPPORT_WEBHOOKS_ALLOW_HTTP", "127.0.0.1".to_string()),
        ("RAPPORT_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.0/8".to_string()),
    ];
    let settings = Settings::from_lookup(|k| {
        vars.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })?;
    let app = Application::build_with_listener(settings, TcpListener::bind("127.0.0.1:0")?).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let target = receiver(arrivals.clone()).await?;
    let client = reqwest::Client::new();
    let registration =
        json!({"email": "hooks@example.com", "password": "bench password 123", "name": "Hooks"});
    let token = crate::authenticate(&client, &base, "register", registration)
        .await?
        .access_token;
    client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": target, "event_types": ["contact.created"]}))
        .send()
        .await?
        .error_for_status()?;

    println!(
        "webhooks: {} events per run to a receiver on loopback, {}",
        args.events,
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "| run | events | delivered | deliveries/s | latency p50 ms | latency p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");

    // Live: contacts created one at a time.
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, base, token, next) =
            (client.clone(), base.clone(), token.clone(), next.clone());
        let total = args.events;
        writers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return;
                }
                let sent = client
                    .post(format!("{base}/api/v1/contacts"))
                    .bearer_auth(&token)
                    .json(&json!({"full_name": format!("Live {i}")}))
                    .send()
                    .await;
                if !sent.is_ok_and(|r| r.status().is_success()) {
                    eprintln!("creating contact {i} failed");
                }
            }
        }));
    }
    for writer in writers {
        writer.await?;
    }
    report("live (one write per event)", &arrivals, args.events).await;

    // Backlog: one import.
    arrivals.lock().unwrap().clear();
    let mut csv = String::from("full_name,company\n");
    for i in 0..args.events {
        csv.push_str(&format!("Imported {i},Company {}\n", i % 50));
    }
    let imported: Value = client
        .post(format!("{base}/api/v1/imports?format=csv"))
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await?
        .json()
        .await?;
    if imported["created"].as_u64() != Some(args.events as u64) {
        eprintln!("the import created {}", imported["created"]);
    }
    report("backlog (one import)", &arrivals, args.events).await;
    cleanup.await;
    Ok(())
}

/// Waits (up to a minute) for `expected` arrivals, then prints a row.
async fn report(run: &str, arrivals: &Arrivals, expected: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().unwrap().len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = arrivals.lock().unwrap().clone();
    if seen.is_empty() {
        println!("| {run} | {expected} | 0 | - | - | - | - |");
        return;
    }
    let first = seen.iter().map(|a| a.0).min().unwrap_or_else(Instant::now);
    let last = seen.iter().map(|a| a.0).max().unwrap_or_else(Instant::now);
    let window = (last - first).as_secs_f64().max(1e-3);
    let mut latencies: Vec<f64> = seen
        .iter()
        .map(|(_, arrived, occurred)| {
            (*arrived - *occurred).num_microseconds().unwrap_or(0) as f64 / 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "| {run} | {expected} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
        seen.len(),
        seen.len() as f64 / window,
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}

/// A receiver on loopback: HTTP/1.1 with keep-alive, every request answered
/// 204. Returns its URL.
async fn receiver(arrivals: Arrivals) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr()?.port());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let arrivals = arrivals.clone();
            tokio::spawn(async move {
                let mut buffer: Vec<u8> = Vec::new();
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    // One request: headers, then the body by its length.
                    let head_end = loop {
                        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < head_end + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body: Vec<u8> = buffer.drain(..head_end + length).skip(head_end).collect();
                    let arrived = Utc::now();
                    let occurred = serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|v| v["occurred_at"].as_str().and_then(|s| s.parse().ok()))
                        .unwrap_or(arrived);
                    arrivals
                        .lock()
                        .unwrap()
                        .push((Instant::now(), arrived, occurred));
                    if socket
                        .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}
