//! Fault tests against the real binary (`rapport serve` as a child process):
//! PostgreSQL stopped and started again under write load, and SIGTERM under
//! write load on SQLite.
//!
//! They stop the local PostgreSQL cluster and spawn processes, so they are
//! `#[ignore]`d and CI runs them on their own, one at a time:
//!
//! ```sh
//! cargo test --test faults -- --ignored --test-threads=1
//! ```
//!
//! `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432`) names the
//! server the PostgreSQL test creates its database on; the cluster it stops and
//! starts is the first one under `/etc/postgresql`, `main`, on 127.0.0.1:5432.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use postgres::PostgresDatabase;
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use server::{CLIENT_TIMEOUT, Server, client};
use uuid::Uuid;

const JWT_SECRET: &str = "fault-test-secret-fault-test-secret-0123456789";
/// The server's wait for a pooled connection in the PostgreSQL test
/// (`RAPPORT_DB_ACQUIRE_TIMEOUT_MS`): what bounds a request while the database
/// is gone.
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);
/// The longest any answer may take in the PostgreSQL test: the acquire
/// timeout and a margin, well within [`CLIENT_TIMEOUT`].
const PG_MAX_LATENCY: Duration = Duration::from_millis(4500);
/// How soon after PostgreSQL answers again every writer must have written.
const PG_RECOVERY: Duration = Duration::from_secs(10);
/// The server's own drain limit (`shutdown_timeout` in `src/startup.rs`).
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// A client that opens a new connection for every request.
fn client_without_keep_alive() -> Client {
    Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rapport-faults-{}-{name}", Uuid::now_v7()))
}

// ---------------------------------------------------------------------------
// One request and what came of it.

#[derive(Debug, Clone)]
struct Exchange {
    started: Instant,
    finished: Instant,
    outcome: Outcome,
}

// The error texts are read through `Debug`, in failure messages.
#[allow(dead_code)]
#[derive(Debug, Clone)]
enum Outcome {
    /// A complete response. `body` is `Null` when it is not JSON.
    Response {
        status: u16,
        content_type: String,
        body: Value,
    },
    /// No response head: refused, reset or closed before answering, or the
    /// client timeout.
    NoResponse { error: String, timeout: bool },
    /// A response head, then the body broke off.
    Truncated { status: u16, error: String },
}

impl Exchange {
    fn latency(&self) -> Duration {
        self.finished - self.started
    }

    fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn is_success(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }

    fn body(&self) -> &Value {
        match &self.outcome {
            Outcome::Response { body, .. } => body,
            _ => &Value::Null,
        }
    }

    /// The `id` of a 2xx answer.
    fn id(&self) -> Option<String> {
        if !self.is_success() {
            return None;
        }
        self.body()["id"].as_str().map(str::to_string)
    }
}

async fn exchange(request: RequestBuilder) -> Exchange {
    let started = Instant::now();
    let outcome = match request.send().await {
        Err(err) => Outcome::NoResponse {
            timeout: err.is_timeout(),
            error: format!("{err:?}"),
        },
        Ok(res) => {
            let status = res.status().as_u16();
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            match res.bytes().await {
                Err(err) => Outcome::Truncated {
                    status,
                    error: format!("{err:?}"),
                },
                Ok(bytes) => Outcome::Response {
                    status,
                    content_type,
                    body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                },
            }
        }
    };
    Exchange {
        started,
        finished: Instant::now(),
        outcome,
    }
}

// ---------------------------------------------------------------------------
// The API, as the writers and the checks use it.

#[derive(Clone)]
struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    /// Every item of a paginated list.
    async fn list_all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                None => self.get_json(&format!("{path}?limit=200")).await,
                Some(c) => self.get_json(&format!("{path}?limit=200&cursor={c}")).await,
            };
            items.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return items,
            }
        }
    }
}

/// Registers a user on `base`; returns its access token.
async fn register(base: &str) -> String {
    let res = client()
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({
            "email": format!("faults-{}@example.com", Uuid::now_v7().simple()),
            "password": "correct horse battery staple",
            "name": "Fault Tester",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "register");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// A write a writer made, and what came of it.
#[derive(Debug, Clone)]
struct Write {
    kind: WriteKind,
    exchange: Exchange,
}

#[derive(Debug, Clone, PartialEq)]
enum WriteKind {
    Contact,
    /// An interaction with this contact, at this time.
    Interaction {
        contact: String,
        at: DateTime<Utc>,
    },
}

/// A bounded writer's settings.
struct Writer {
    id: usize,
    /// Set to stop the writer.
    stop: Arc<AtomicBool>,
    /// Each writer's count of 2xx answers, by `id`.
    successes: Arc<Vec<AtomicUsize>>,
    max_rounds: usize,
    /// Between rounds.
    pause: Duration,
    /// Stop at the first request that gets no response at all.
    stop_on_no_response: bool,
}

/// Writers running together, and the switches the test holds.
struct Crew {
    stop: Arc<AtomicBool>,
    successes: Arc<Vec<AtomicUsize>>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Write>>>,
}

impl Crew {
    /// Starts `count` writers as `api`'s user; `setup(id)` gives each its
    /// own client and its pause between rounds.
    fn start(
        api: &Api,
        count: usize,
        max_rounds: usize,
        stop_on_no_response: bool,
        setup: impl Fn(usize) -> (Client, Duration),
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let successes: Arc<Vec<AtomicUsize>> =
            Arc::new((0..count).map(|_| AtomicUsize::new(0)).collect());
        let tasks = (0..count)
            .map(|id| {
                let (client, pause) = setup(id);
                let api = Api {
                    client,
                    ..api.clone()
                };
                tokio::spawn(writer(
                    api,
                    Writer {
                        id,
                        stop: stop.clone(),
                        successes: successes.clone(),
                        max_rounds,
                        pause,
                        stop_on_no_response,
                    },
                ))
            })
            .collect();
        Self {
            stop,
            successes,
            tasks,
        }
    }

    /// Stops the writers; what each one wrote.
    async fn finish(self) -> Vec<Vec<Write>> {
        self.stop.store(true, Ordering::SeqCst);
        let mut per_writer = Vec::new();
        for task in self.tasks {
            per_writer.push(task.await.unwrap());
        }
        per_writer
    }
}

/// A bounded writer: creates a contact, then an interaction with the last
/// contact it created, until `stop` is set, `max_rounds` are done, or (when
/// `stop_on_no_response`) a request gets no response at all.
async fn writer(api: Api, w: Writer) -> Vec<Write> {
    let Writer {
        id,
        stop,
        successes,
        max_rounds,
        pause,
        stop_on_no_response,
    } = w;
    let count = |e: &Exchange| {
        if e.is_success() {
            successes[id].fetch_add(1, Ordering::SeqCst);
        }
    };
    let base_time: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut writes = Vec::new();
    let mut last_contact: Option<String> = None;
    for round in 0..max_rounds {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let contact = exchange(api.post(
            "/api/v1/contacts",
            &json!({"full_name": format!("Writer {id} #{round}"), "interests": ["faults"]}),
        ))
        .await;
        count(&contact);
        let gone = matches!(contact.outcome, Outcome::NoResponse { .. });
        if let Some(id) = contact.id() {
            last_contact = Some(id);
        }
        writes.push(Write {
            kind: WriteKind::Contact,
            exchange: contact,
        });
        if gone && stop_on_no_response {
            break;
        }
        if let Some(contact) = last_contact.clone() {
            let at = base_time + TimeDelta::seconds((id * 1_000_000 + round) as i64);
            let interaction = exchange(api.post(
                "/api/v1/interactions",
                &json!({"occurred_at": at, "kind": "call", "contact_ids": [contact],
                        "gave": "a hand", "summary": format!("round {round}")}),
            ))
            .await;
            count(&interaction);
            let gone = matches!(interaction.outcome, Outcome::NoResponse { .. });
            writes.push(Write {
                kind: WriteKind::Interaction { contact, at },
                exchange: interaction,
            });
            if gone && stop_on_no_response {
                break;
            }
        }
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    writes
}

/// The ids of the writes answered 2xx: contacts, and interactions with their
/// contact.
fn acknowledged(writes: &[Write]) -> (HashSet<String>, HashMap<String, String>) {
    let mut contacts = HashSet::new();
    let mut interactions = HashMap::new();
    for write in writes {
        if let Some(id) = write.exchange.id() {
            match &write.kind {
                WriteKind::Contact => {
                    contacts.insert(id);
                }
                WriteKind::Interaction { contact, .. } => {
                    interactions.insert(id, contact.clone());
                }
            }
        }
    }
    (contacts, interactions)
}

/// What the database holds once the dust has settled.
struct Stored {
    contacts: HashMap<String, Value>,
    interactions: HashMap<String, Value>,
}

/// Checks that every acknowledged write is stored (`GET` of each id is a 200),
/// that no interaction lacks a contact, and that every contact's derived
/// counters agree with its interactions. Returns what is stored.
async fn check_stored(
    api: &Api,
    acked_contacts: &HashSet<String>,
    acked_interactions: &HashMap<String, String>,
) -> Stored {
    // Each acknowledged id, fetched on its own.
    let ids: Vec<String> = acked_contacts
        .iter()
        .map(|id| format!("/api/v1/contacts/{id}"))
        .chain(
            acked_interactions
                .keys()
                .map(|id| format!("/api/v1/interactions/{id}")),
        )
        .collect();
    let chunks: Vec<Vec<String>> = ids
        .chunks(ids.len().div_ceil(8).max(1))
        .map(<[String]>::to_vec)
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut missing = Vec::new();
            for path in chunk {
                let status = api.get(&path).send().await.unwrap().status().as_u16();
                if status != 200 {
                    missing.push(format!("GET {path} → {status}"));
                }
            }
            missing
        }));
    }
    let mut missing = Vec::new();
    for task in tasks {
        missing.extend(task.await.unwrap());
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged writes are not stored: {missing:?}",
        missing.len()
    );

    let contacts: HashMap<String, Value> = api
        .list_all("/api/v1/contacts")
        .await
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    let interactions: HashMap<String, Value> = api
        .list_all("/api/v1/interactions")
        .await
        .into_iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect();

    for (id, contact) in acked_interactions {
        let stored = &interactions[id];
        assert!(
            stored["contact_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == contact),
            "interaction {id} lost its contact {contact}: {stored}"
        );
    }
    // Derived counters agree with the interactions actually stored.
    let mut per_contact: HashMap<&str, (i64, Option<DateTime<Utc>>)> = HashMap::new();
    for interaction in interactions.values() {
        let at: DateTime<Utc> = interaction["occurred_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        for contact in interaction["contact_ids"].as_array().unwrap() {
            let contact = contact.as_str().unwrap();
            assert!(
                contacts.contains_key(contact),
                "interaction {} names a contact that does not exist: {contact}",
                interaction["id"]
            );
            let entry = per_contact.entry(contact).or_insert((0, None));
            entry.0 += 1;
            entry.1 = entry.1.max(Some(at));
        }
    }
    let mut wrong = Vec::new();
    for (id, contact) in &contacts {
        let (count, last) = per_contact.get(id.as_str()).copied().unwrap_or((0, None));
        let stored_last = contact["last_interaction_at"]
            .as_str()
            .map(|s| s.parse::<DateTime<Utc>>().unwrap());
        if contact["interaction_count"] != count
            || contact["gave_count"] != count
            || stored_last != last
        {
            wrong.push(format!(
                "{id}: interaction_count {} gave_count {} last_interaction_at {:?}, but {count} interactions, the last at {last:?}",
                contact["interaction_count"], contact["gave_count"], stored_last
            ));
        }
    }
    assert!(wrong.is_empty(), "derived counters disagree: {wrong:#?}");
    Stored {
        contacts,
        interactions,
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL.

fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

fn postgres_cluster() -> String {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .expect("a PostgreSQL cluster under /etc/postgresql")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    versions.into_iter().next().expect("a PostgreSQL version")
}

fn pg_ctlcluster(args: &[&str]) -> std::process::Output {
    let version = postgres_cluster();
    Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main"])
        .args(args)
        .output()
        .expect("run pg_ctlcluster")
}

fn pg_isready() -> bool {
    Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432", "-q"])
        .status()
        .is_ok_and(|s| s.success())
}

fn stop_postgres() {
    let out = pg_ctlcluster(&["stop", "-m", "fast"]);
    assert!(
        out.status.success(),
        "pg_ctlcluster stop: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts PostgreSQL unless it answers, and waits until it does.
fn start_postgres() {
    if pg_isready() {
        return;
    }
    let out = pg_ctlcluster(&["start"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pg_isready() {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not come back: pg_ctlcluster start said {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts PostgreSQL again when dropped, panic or not.
struct RestartPostgresOnDrop;

impl Drop for RestartPostgresOnDrop {
    fn drop(&mut self) {
        if !pg_isready() {
            eprintln!("starting PostgreSQL again");
            let out = pg_ctlcluster(&["start"]);
            for _ in 0..600 {
                if pg_isready() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!(
                "PostgreSQL did not come back: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A problem+json 503, as every failure while the database is gone must be.
fn is_unavailable_problem(exchange: &Exchange) -> bool {
    matches!(
        &exchange.outcome,
        Outcome::Response { status: 503, content_type, body }
            if content_type == "application/problem+json"
                && body["code"] == "service_unavailable"
                && body["status"] == 503
    )
}

/// PostgreSQL stopped (fast) under write load, writes continued for a few
/// seconds, then started again: while it is gone every failure is a quick 503
/// in problem+json and `/health/ready` is a 503; the service recovers on its
/// own; every write answered 2xx is stored, with consistent derived counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "stops and starts the local PostgreSQL; run with --ignored --test-threads=1"]
async fn postgres_restart_under_write_load() {
    // Declared first, dropped last: PostgreSQL is up again by then.
    let database = PostgresDatabase::create(&postgres_url(), "rapport_faults").await;
    let log = temp_path("postgres.log");
    let server = Server::spawn(
        &[
            ("RAPPORT_DATABASE_URL", database.url()),
            ("RAPPORT_JWT_SECRET", JWT_SECRET.into()),
            ("RAPPORT_AUTH_RATE_LIMIT", "0".into()),
            ("RAPPORT_LOGIN_RATE_LIMIT", "0".into()),
            ("RAPPORT_LOGIN_RATE_LIMIT", "0".into()),
            ("RAPPORT_API_RATE_LIMIT", "0".into()),
            ("RAPPORT_DB_POOL_SIZE", "6".into()),
            ("RAPPORT_WORKERS", "2".into()),
            (
                "RAPPORT_DB_ACQUIRE_TIMEOUT_MS",
                PG_ACQUIRE_TIMEOUT.as_millis().to_string(),
            ),
        ],
        &log,
    )
    .await;
    let base = server.url("");
    let api = Api {
        client: client(),
        base: base.clone(),
        token: register(&base).await,
    };

    let t0 = Instant::now();
    const WRITERS: usize = 6;
    let crew = Crew::start(&api, WRITERS, 5_000, false, |id| {
        let pause = Duration::from_millis(if id % 2 == 0 { 0 } else { 20 });
        (client(), pause)
    });
    let successes = crew.successes.clone();
    let prober = {
        let (stop, client, url) = (crew.stop.clone(), client(), server.url("/health/ready"));
        tokio::spawn(async move {
            let mut probes = Vec::new();
            while !stop.load(Ordering::SeqCst) && probes.len() < 1_000 {
                probes.push(exchange(client.get(&url)).await);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            probes
        })
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    // From here until the end of the test PostgreSQL is started again on
    // drop, whatever happens.
    let _restart = RestartPostgresOnDrop;
    let stop_began = Instant::now();
    tokio::task::spawn_blocking(stop_postgres).await.unwrap();
    let down = Instant::now();
    eprintln!("PostgreSQL stopped in {:?}", down - stop_began);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let start_began = Instant::now();
    tokio::task::spawn_blocking(start_postgres).await.unwrap();
    let back = Instant::now();
    eprintln!("PostgreSQL answering again after {:?}", back - start_began);

    // Keep writing until every writer has written again (or the recovery
    // bound has passed), and a second more.
    let at_back: Vec<usize> = successes.iter().map(|s| s.load(Ordering::SeqCst)).collect();
    while Instant::now() < back + PG_RECOVERY
        && successes
            .iter()
            .zip(&at_back)
            .any(|(s, n)| s.load(Ordering::SeqCst) == *n)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let per_writer = crew.finish().await;
    let probes = prober.await.unwrap();
    let writes: Vec<Write> = per_writer.iter().flatten().cloned().collect();
    eprintln!(
        "{} writes in {:?}: {} answered 2xx, {} 503",
        writes.len(),
        t0.elapsed(),
        writes.iter().filter(|w| w.exchange.is_success()).count(),
        writes
            .iter()
            .filter(|w| w.exchange.status() == Some(503))
            .count()
    );

    // Every request got a complete answer in time; every failure is a 503
    // in problem+json.
    let mut bad = Vec::new();
    for w in writes.iter().map(|w| &w.exchange).chain(&probes) {
        if !w.is_success() && !is_unavailable_problem(w) {
            bad.push(format!(
                "at {:?}: {:?}",
                w.started - stop_began.min(w.started),
                w.outcome
            ));
        }
        if w.latency() > PG_MAX_LATENCY {
            bad.push(format!("took {:?}: {:?}", w.latency(), w.outcome));
        }
    }
    assert!(bad.is_empty(), "{} bad answers: {bad:#?}", bad.len());

    // The writes PostgreSQL's shutdown cut into: in flight while it stopped,
    // failed before it was down.
    let cut = writes
        .iter()
        .filter(|w| {
            w.exchange.started < down
                && w.exchange.finished > stop_began
                && w.exchange.finished < down
                && !w.exchange.is_success()
        })
        .count();
    eprintln!("{cut} writes failed while PostgreSQL was shutting down");

    // Before the stop, everything succeeded.
    let before: Vec<_> = writes
        .iter()
        .filter(|w| w.exchange.finished < stop_began)
        .collect();
    assert!(!before.is_empty());
    assert!(
        before.iter().all(|w| w.exchange.is_success()),
        "a write failed before PostgreSQL was stopped"
    );
    // While the database was gone, writes failed (all of them) and readiness
    // said so.
    let during: Vec<_> = writes
        .iter()
        .map(|w| &w.exchange)
        .filter(|e| e.started > down && e.finished < start_began)
        .collect();
    assert!(
        during.len() >= WRITERS,
        "too few writes while the database was down: {}",
        during.len()
    );
    assert!(
        during.iter().all(|e| is_unavailable_problem(e)),
        "a write succeeded without a database"
    );
    let ready_during: Vec<_> = probes
        .iter()
        .filter(|e| e.started > down && e.finished < start_began)
        .collect();
    assert!(!ready_during.is_empty(), "no readiness probe while down");
    assert!(
        ready_during.iter().all(|e| is_unavailable_problem(e)),
        "/health/ready was not a 503 while the database was down: {ready_during:?}"
    );

    // Each writer wrote again soon after PostgreSQL answered, without a
    // restart of the service.
    for (id, writes) in per_writer.iter().enumerate() {
        let first = writes
            .iter()
            .find(|w| w.exchange.started > back && w.exchange.is_success());
        let Some(first) = first else {
            panic!("writer {id} never wrote again after PostgreSQL came back");
        };
        let after = first.exchange.finished - back;
        assert!(
            after < PG_RECOVERY,
            "writer {id} wrote again only {after:?} after PostgreSQL came back"
        );
    }
    let ready = client()
        .get(server.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200, "/health/ready after recovery");
    for i in 0..10 {
        let res = exchange(api.post(
            "/api/v1/contacts",
            &json!({"full_name": format!("After {i}")}),
        ))
        .await;
        assert_eq!(
            res.status(),
            Some(201),
            "a write after recovery: {:?}",
            res.outcome
        );
    }

    // Every acknowledged write is stored, and the counters agree.
    let (acked_contacts, acked_interactions) = acknowledged(&writes);
    let stored = check_stored(&api, &acked_contacts, &acked_interactions).await;
    eprintln!(
        "stored: {} contacts ({} acknowledged), {} interactions ({} acknowledged)",
        stored.contacts.len(),
        acked_contacts.len(),
        stored.interactions.len(),
        acked_interactions.len()
    );
    drop(server);
    let _ = std::fs::remove_file(&log);
}

// ---------------------------------------------------------------------------
// SIGTERM.

/// A LinkedIn connections export of `rows` people.
fn linkedin_csv(rows: usize) -> String {
    let mut csv = String::from(
        "Notes:\r\n\"Some email addresses may be missing.\"\r\n\r\n\
         First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n",
    );
    for i in 0..rows {
        csv.push_str(&format!(
            "Imported{i},Person{i},https://www.linkedin.com/in/imported-{i},imported{i}@example.com,Acme,Engineer,12 Mar 2021\r\n"
        ));
    }
    csv
}

/// SIGTERM in the middle of concurrent writes (and of a long import): the
/// process drains and exits 0 within its shutdown timeout; every request
/// sent before the signal got a complete 2xx; requests sent after it got a
/// complete 2xx or no response at all, never a broken one; and after a
/// restart on the same file exactly the acknowledged writes are there, with
/// consistent counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "spawns the server binary; run with --ignored --test-threads=1"]
async fn sigterm_under_write_load_drains_and_loses_nothing() {
    let file = temp_path("sigterm.db");
    let _cleanup = RemoveOnDrop(vec![
        file.clone(),
        PathBuf::from(format!("{}-wal", file.display())),
        PathBuf::from(format!("{}-shm", file.display())),
        PathBuf::from(format!("{}.jwt-secret", file.display())),
    ]);
    let log = temp_path("sigterm.log");
    let vars = [
        (
            "RAPPORT_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", file.display()),
        ),
        ("RAPPORT_JWT_SECRET", JWT_SECRET.to_string()),
        ("RAPPORT_AUTH_RATE_LIMIT", "0".into()),
        ("RAPPORT_LOGIN_RATE_LIMIT", "0".into()),
        ("RAPPORT_API_RATE_LIMIT", "0".into()),
        ("RAPPORT_WORKERS", "2".into()),
        // Writers queue behind the import for the write lock: not a fault here.
        ("RAPPORT_DB_ACQUIRE_TIMEOUT_MS", "15000".into()),
        ("RAPPORT_DB_STATEMENT_TIMEOUT_MS", "15000".into()),
    ];
    let mut server = Server::spawn(&vars, &log).await;
    let base = server.url("");
    let token = register(&base).await;
    let api = Api {
        client: client(),
        base: base.clone(),
        token: token.clone(),
    };

    // Half the writers keep their connection alive, half open one per request.
    let crew = Crew::start(&api, 8, 2_000, true, |id| {
        let client = if id % 2 == 0 {
            client()
        } else {
            client_without_keep_alive()
        };
        (client, Duration::ZERO)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // A long write in flight when the signal comes.
    let import = {
        let api = api.clone();
        tokio::spawn(async move {
            exchange(
                api.client
                    .post(format!("{}/api/v1/imports?format=linkedin", api.base))
                    .bearer_auth(&api.token)
                    .header("content-type", "text/csv")
                    .body(linkedin_csv(IMPORT_ROWS)),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let term = Instant::now();
    server.sigterm();
    let exit = server.wait_exit(SHUTDOWN_TIMEOUT).await;
    let exited_after = term.elapsed();
    // Writers that still get answers stop a little later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let writes: Vec<Write> = crew.finish().await.into_iter().flatten().collect();
    let import = import.await.unwrap();
    let exit = exit.unwrap_or_else(|| panic!("still running {SHUTDOWN_TIMEOUT:?} after SIGTERM"));
    eprintln!(
        "exited {exit} {exited_after:?} after SIGTERM; {} writes, {} answered 2xx; the import took {:?}",
        writes.len(),
        writes.iter().filter(|w| w.exchange.is_success()).count(),
        import.latency()
    );
    assert!(exit.success(), "exit status after SIGTERM: {exit}");

    // Sent before the signal (with a margin for the connection to be
    // accepted): a complete 2xx. Sent after: a complete 2xx or no response
    // at all. A broken body or an error status: never.
    const ACCEPT_MARGIN: Duration = Duration::from_millis(20);
    let mut bad = Vec::new();
    let mut in_flight = 0;
    for e in writes.iter().map(|w| &w.exchange).chain([&import]) {
        let before = e.started + ACCEPT_MARGIN < term;
        if before && e.finished > term {
            in_flight += 1;
        }
        let ok = match &e.outcome {
            Outcome::Response { status, body, .. } => {
                (200..300).contains(status) && !body.is_null()
            }
            Outcome::NoResponse { timeout, .. } => !before && !timeout,
            Outcome::Truncated { .. } => false,
        };
        if !ok {
            bad.push(format!(
                "sent {} the signal: {:?}",
                if before { "before" } else { "after" },
                e.outcome
            ));
        }
    }
    assert!(bad.is_empty(), "{} bad answers: {bad:#?}", bad.len());
    assert!(
        import.finished > term,
        "the import finished before the signal; make it bigger (it took {:?})",
        import.latency()
    );
    assert!(
        in_flight >= 2,
        "only {in_flight} requests were in flight at the signal"
    );
    let imported = import.body()["created"].as_u64().unwrap() as usize;
    assert_eq!(imported, IMPORT_ROWS, "{}", import.body());

    // After a restart on the same file: exactly the acknowledged writes.
    let server = Server::spawn(&vars, &log).await;
    let api = Api {
        client: client(),
        base: server.url(""),
        token,
    };
    let (acked_contacts, acked_interactions) = acknowledged(&writes);
    let stored = check_stored(&api, &acked_contacts, &acked_interactions).await;
    assert_eq!(
        stored.contacts.len(),
        acked_contacts.len() + imported,
        "contacts stored without an acknowledgement"
    );
    let stored_interactions: HashSet<&String> = stored.interactions.keys().collect();
    let acked: HashSet<&String> = acked_interactions.keys().collect();
    assert_eq!(
        stored_interactions, acked,
        "interactions stored without an acknowledgement"
    );
    let by_name: BTreeMap<&str, usize> =
        stored
            .contacts
            .values()
            .fold(BTreeMap::new(), |mut names, c| {
                *names.entry(c["full_name"].as_str().unwrap()).or_default() += 1;
                names
            });
    assert!(
        by_name.values().all(|n| *n == 1),
        "a write was applied twice"
    );
    drop(server);
    let _ = std::fs::remove_file(&log);
}

const IMPORT_ROWS: usize = 5000;

struct RemoveOnDrop(Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}
