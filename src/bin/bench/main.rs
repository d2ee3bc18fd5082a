//! `cargo run --release --features bench --bin bench -- --help`
//!
//! Two modes, both seeding a deterministic network (`rapport::seed`) into a
//! fresh database (SQLite in a temp file, or a new PostgreSQL database with
//! `--postgres`, dropped afterwards):
//!
//! - the default (also `bench scenarios`): the server runs inside this
//!   process and concurrent reqwest clients drive many read scenarios and a
//!   write; one table of requests/s, p50, p99 and errors.
//! - `bench load`: the release server (`target/release/rapport serve`) runs
//!   as a separate process and `wrk` drives six scenarios with 64
//!   connections; one table of requests/s, p50, p99, errors and the server's
//!   peak RSS, beside the targets. `bench/load.sh` runs it on SQLite and
//!   PostgreSQL at 10,000 and 100,000 contacts.
//! - `bench webhooks`: events delivered to a receiver on loopback, as
//!   deliveries/s and end-to-end latency.

mod load;
mod scenarios;
mod webhooks;

use std::future::Future;
use std::pin::Pin;

use clap::{Parser, Subcommand};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    about = "Benchmark Rapport over HTTP on loopback",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    scenarios: scenarios::Args,
}

#[derive(Subcommand)]
enum Mode {
    /// The in-process scenarios (the default when no mode is named).
    Scenarios(scenarios::Args),
    /// The release server as its own process, driven by wrk.
    Load(load::Args),
    /// Webhook deliveries to a receiver on loopback: deliveries/s and
    /// end-to-end latency.
    Webhooks(webhooks::Args),
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.mode {
        None => scenarios::run(cli.scenarios).await,
        Some(Mode::Scenarios(args)) => scenarios::run(args).await,
        Some(Mode::Load(args)) => load::run(args).await,
        Some(Mode::Webhooks(args)) => webhooks::run(args).await,
    }
}

/// An account the benchmark drives the server as.
struct Session {
    user_id: Uuid,
    access_token: String,
}

/// `POST /api/v1/auth/{action}` (register or login) with `body`.
async fn authenticate(
    client: &reqwest::Client,
    base: &str,
    action: &str,
    body: serde_json::Value,
) -> anyhow::Result<Session> {
    use anyhow::Context;
    let session: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/{action}"))
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(Session {
        user_id: session["user"]["id"]
            .as_str()
            .context("no user id in the session")?
            .parse()?,
        access_token: session["access_token"]
            .as_str()
            .context("no access token in the session")?
            .to_string(),
    })
}

/// What removes a benchmark database.
type Cleanup = Pin<Box<dyn Future<Output = ()>>>;

/// A fresh database URL, and what removes it afterwards: a new database on
/// the PostgreSQL server `postgres` (`postgres://user@host:port`), or a
/// SQLite file in the temp directory.
async fn database(postgres: Option<&str>) -> anyhow::Result<(String, Cleanup)> {
    use sea_orm::ConnectionTrait;
    match postgres {
        Some(server) => {
            let server = server.trim_end_matches('/').to_string();
            let name = format!("rapport_bench_{}", Uuid::now_v7().simple());
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let url = format!("{server}/{name}");
            Ok((
                url,
                Box::pin(async move {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok();
                }),
            ))
        }
        None => {
            let path = std::env::temp_dir().join(format!("rapport-bench-{}.db", Uuid::now_v7()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            Ok((
                url,
                Box::pin(async move {
                    for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
                        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
                    }
                }),
            ))
        }
    }
}
