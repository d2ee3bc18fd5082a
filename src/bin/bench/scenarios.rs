//! The in-process scenarios (the default mode): the server runs inside the
//! benchmark's own process and concurrent keep-alive reqwest clients drive
//! each scenario (many reads, one write), then one table: requests/s, p50,
//! p99 and errors. Also the intersections engine's reads (`--goals`) and a
//! LinkedIn import (`--import-rows`).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rapport::config::Settings;
use rapport::startup::Application;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub struct Args {
    /// Contacts to seed.
    #[arg(long, default_value_t = 100_000)]
    contacts: usize,
    /// Interactions to seed.
    #[arg(long, default_value_t = 20_000)]
    interactions: usize,
    /// Goals and offers of contacts to seed (spread over the contacts).
    #[arg(long, default_value_t = 0)]
    goals: usize,
    /// The user's own goals and offers to seed (with `--goals`).
    #[arg(long, default_value_t = 20)]
    my_goals: usize,
    /// How seeded goals and offers are written.
    #[arg(long, value_enum, default_value_t)]
    goal_text: rapport::seed::GoalText,
    /// Rows of a generated LinkedIn export to import into an empty account
    /// (then again, when every row matches).
    #[arg(long, default_value_t = 0)]
    import_rows: usize,
    /// Requests per scenario.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// A PostgreSQL server URL (`postgres://user@host:port`); a fresh database
    /// is created on it and dropped after. SQLite (a temp file) otherwise.
    #[arg(long)]
    postgres: Option<String>,
    /// Keep the database afterwards (its URL is printed), to inspect plans.
    #[arg(long)]
    keep_database: bool,
}

struct Scenario {
    name: &'static str,
    path: String,
}

impl Scenario {
    fn new(name: &'static str, path: impl Into<String>) -> Self {
        Self {
            name,
            path: path.into(),
        }
    }
}

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
    ];
    let settings = Settings::from_lookup(|k| {
        vars.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })?;
    let app = Application::build_with_listener(settings.clone(), TcpListener::bind("127.0.0.1:0")?)
        .await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let credentials = json!({"email": "bench@example.com", "password": "bench password 123"});
    let mut registration = credentials.clone();
    registration["name"] = json!("Bench");
    let user_id = crate::authenticate(&client, &base, "register", registration)
        .await?
        .user_id;

    let started = Instant::now();
    let db = rapport::db::connect(&settings.database).await?;
    let ids = rapport::seed::network(&db, user_id, args.contacts, args.interactions, 42).await?;
    println!(
        "seeded {} contacts and {} interactions in {:.1} s ({})",
        args.contacts,
        args.interactions,
        started.elapsed().as_secs_f64(),
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    analyze(&db, &settings).await?;

    // Seeding can outlast an access token (15 minutes): log in afresh.
    let token = crate::authenticate(&client, &base, "login", credentials)
        .await?
        .access_token;

    if args.import_rows > 0 {
        import_linkedin(&client, &base, args.import_rows).await?;
    }
    let one = ids.get(ids.len() / 2).copied().unwrap_or_default();
    let scenarios = vec![
        Scenario::new("get one contact", format!("/api/v1/contacts/{one}")),
        Scenario::new("list 50 contacts (by name)", "/api/v1/contacts?limit=50"),
        Scenario::new(
            "list 50, stage=prospect",
            "/api/v1/contacts?limit=50&stage=prospect",
        ),
        Scenario::new(
            "list 50, tag=podcasting",
            "/api/v1/contacts?limit=50&tag=podcasting",
        ),
        Scenario::new("list 50, q=hopper", "/api/v1/contacts?limit=50&q=hopper"),
        Scenario::new(
            "list 50, due, -last_interaction_at",
            "/api/v1/contacts?limit=50&due=true&sort=-last_interaction_at",
        ),
        Scenario::new("list 50 interactions", "/api/v1/interactions?limit=50"),
        Scenario::new("agenda (50 items)", "/api/v1/agenda?limit=50"),
        Scenario::new("reconnect (50)", "/api/v1/reconnect?limit=50"),
    ];
    // The intersections engine's reads, also timed one request at a time.
    let mut engine = Vec::new();
    if args.goals > 0 {
        let started = Instant::now();
        rapport::seed::goals(
            &db,
            user_id,
            &ids,
            (args.my_goals, args.goals),
            args.goal_text,
            43,
        )
        .await?;
        println!(
            "seeded {} goals and offers of contacts and {} of the user in {:.1} s",
            args.goals,
            args.my_goals,
            started.elapsed().as_secs_f64()
        );
        analyze(&db, &settings).await?;
        // The first read after the network changed recomputes and stores
        // every intersection; later reads find them current.
        let (first, ms) =
            timed_get(&client, &base, &token, "/api/v1/intersections?limit=1").await?;
        println!("recomputed all intersections (first read after seeding) in {ms:.0} ms");
        // The recomputation just wrote every intersection: statistics again.
        analyze(&db, &settings).await?;
        // Introductions are computed once per network version, then served
        // from memory: the first request pays for all of them.
        let (introductions, ms) =
            timed_get(&client, &base, &token, "/api/v1/introductions?limit=1").await?;
        let found = introductions["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty());
        println!(
            "computed all introductions (first request after the change) in {ms:.0} ms{}",
            if found { "" } else { " (none found)" }
        );
        let busiest = first["data"][0]["contact_id"].as_str().unwrap_or_default();
        let goal = first["data"][0]["my_goal_id"].as_str().unwrap_or_default();
        let event = conference(&client, &base, &token, &ids).await?;
        engine.extend([
            Scenario::new(
                "one contact's intersections",
                format!("/api/v1/intersections?contact_id={busiest}"),
            ),
            Scenario::new(
                "intersections, first page (50)",
                "/api/v1/intersections?limit=50",
            ),
            Scenario::new(
                "brief of a contact",
                format!("/api/v1/contacts/{busiest}/brief"),
            ),
            Scenario::new("insights", "/api/v1/insights"),
            Scenario::new(
                "introductions, first page (cached)",
                "/api/v1/introductions?limit=50",
            ),
            Scenario::new(
                "people for one goal",
                format!("/api/v1/goals/{goal}/people?limit=50"),
            ),
            Scenario::new(
                "prep of an event (200 attendees, first 50)",
                format!("/api/v1/events/{event}/prep"),
            ),
            Scenario::new(
                "prep of an event (200 attendees, all 200)",
                format!("/api/v1/events/{event}/prep?limit=200"),
            ),
        ]);
    }
    if !engine.is_empty() {
        let requests = args.requests.min(200);
        println!("\nOne client, {requests} requests per row (the latency of a single request)\n");
        println!("| scenario | req/s | p50 ms | p99 ms | errors |");
        println!("|---|---:|---:|---:|---:|");
        for scenario in &engine {
            println!(
                "{}",
                get_row(&client, &base, &token, scenario, requests, 1).await
            );
        }
    }

    println!(
        "\n{} requests per row, {} concurrent clients, loopback\n",
        args.requests, args.concurrency
    );
    println!("| scenario | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for scenario in scenarios.iter().chain(&engine) {
        let row = get_row(
            &client,
            &base,
            &token,
            scenario,
            args.requests,
            args.concurrency,
        )
        .await;
        println!("{row}");
    }
    let create_url = format!("{base}/api/v1/contacts");
    let (rps, p50, p99, errors) = drive(args.requests, args.concurrency, move |i| {
        client
            .post(&create_url)
            .bearer_auth(&token)
            .json(&json!({"full_name": format!("New Person {i}"), "interests": ["benchmarks"]}))
    })
    .await;
    println!("| create a contact | {rps:.0} | {p50:.2} | {p99:.2} | {errors} |");

    db.close().await.ok();
    if args.keep_database {
        println!("\nkept the database: {url}");
    } else {
        cleanup.await;
    }
    Ok(())
}

/// Planner statistics for the freshly filled tables on PostgreSQL, as
/// autovacuum would gather them (this machine's PostgreSQL runs with it
/// off): without them the planner guesses a few rows per owner and scans.
async fn analyze(db: &sea_orm::DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    if settings.database.is_postgres() {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// Plans an event with 200 attendees: the contacts of the first
/// intersections (so that preparing it has something to rank), then others.
async fn conference(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    ids: &[uuid::Uuid],
) -> anyhow::Result<String> {
    const ATTENDEES: usize = 200;
    let (met, _) = timed_get(client, base, token, "/api/v1/intersections?limit=100").await?;
    let mut attendees: Vec<String> = Vec::new();
    for id in met["data"].as_array().into_iter().flatten() {
        let id = id["contact_id"].as_str().unwrap_or_default().to_string();
        if !attendees.contains(&id) {
            attendees.push(id);
        }
    }
    for id in ids.iter().step_by(37).map(|id| id.to_string()) {
        if attendees.len() >= ATTENDEES {
            break;
        }
        if !attendees.contains(&id) {
            attendees.push(id);
        }
    }
    attendees.truncate(ATTENDEES);
    let body = json!({
        "name": "Bench conference",
        "starts_at": chrono::Utc::now() + chrono::Duration::days(7),
        "attendees": attendees.iter().map(|id| json!({"contact_id": id, "status": "going"})).collect::<Vec<_>>(),
    });
    let created: Value = client
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(created["id"].as_str().unwrap_or_default().to_string())
}

/// A LinkedIn `Connections.csv` of `rows` people: the notes LinkedIn puts
/// first, quoted commas, every other email missing, non-ASCII names.
fn linkedin_export(rows: usize) -> String {
    const FIRST: [&str; 8] = [
        "Ada", "Zoë", "José", "Grace", "Łukasz", "Mei", "Søren", "Amara",
    ];
    const LAST: [&str; 8] = [
        "Lovelace",
        "Ångström",
        "Núñez",
        "Hopper",
        "Wójcik",
        "Chen",
        "Kierkegaard",
        "Okafor",
    ];
    let mut csv = String::from(
        "Notes:\r\n\"When exporting your connection data, you may notice that some of the email \
         addresses are missing.\"\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,\
         Connected On\r\n",
    );
    for i in 0..rows {
        let (first, last) = (FIRST[i % 8], LAST[(i / 8) % 8]);
        let email = if i % 2 == 0 {
            format!("person{i}@example.com")
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "{first},{last} {i},https://www.linkedin.com/in/person-{i},{email},\"Company {}, Inc.\",Engineer,{:02} Mar 2021\r\n",
            i % 300,
            1 + i % 28
        ));
    }
    csv
}

/// Times importing a generated LinkedIn export into a new account, twice.
async fn import_linkedin(client: &reqwest::Client, base: &str, rows: usize) -> anyhow::Result<()> {
    let importer = json!({"email": "importer@example.com", "password": "bench password 123", "name": "Importer"});
    let token = crate::authenticate(client, base, "register", importer)
        .await?
        .access_token;
    let file = linkedin_export(rows);
    for round in ["into an empty account", "again (every row matches)"] {
        let started = Instant::now();
        let report: Value = client
            .post(format!("{base}/api/v1/imports?format=linkedin"))
            .bearer_auth(&token)
            .header("Content-Type", "text/csv")
            .body(file.clone())
            .send()
            .await?
            .json()
            .await?;
        println!(
            "imported {rows} LinkedIn rows ({} KiB) {round} in {:.0} ms: created {}, merged {}, skipped {}, errors {}",
            file.len() / 1024,
            started.elapsed().as_secs_f64() * 1000.0,
            report["created"],
            report["merged"],
            report["skipped"],
            report["errors"].as_array().map_or(0, Vec::len)
        );
    }
    Ok(())
}

/// One GET, its JSON and how long it took in milliseconds.
async fn timed_get(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<(Value, f64)> {
    let started = Instant::now();
    let body = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    Ok((body, started.elapsed().as_secs_f64() * 1000.0))
}

/// One table row: `requests` GETs of the scenario from `concurrency` clients.
async fn get_row(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    scenario: &Scenario,
    requests: usize,
    concurrency: usize,
) -> String {
    let url = format!("{base}{}", scenario.path);
    let (client, token) = (client.clone(), token.to_string());
    let (rps, p50, p99, errors) = drive(requests, concurrency, move |_| {
        client.get(&url).bearer_auth(&token)
    })
    .await;
    format!(
        "| {} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} |",
        scenario.name
    )
}

/// `requests` requests made by `build` (given the request's number) from
/// `concurrency` clients.
async fn drive(
    requests: usize,
    concurrency: usize,
    build: impl Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> (f64, f64, f64, usize) {
    run_calls(requests, concurrency, move |i| {
        let request = build(i);
        async move {
            match request.send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(r.status().as_u16()),
                Err(_) => Err(0),
            }
        }
    })
    .await
}

/// Runs `requests` calls of `call` on `concurrency` tasks; returns requests/s,
/// p50 and p99 in milliseconds, and the number of failures.
async fn run_calls<F, Fut>(requests: usize, concurrency: usize, call: F) -> (f64, f64, f64, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), u16>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let call = call.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                if let Err(status) = call(i).await {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("request {i} failed with status {status} (0: no response)");
                    }
                }
                samples.push(t.elapsed());
            }
            (samples, errors)
        }));
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(requests);
    let mut errors = 0;
    for task in tasks {
        if let Ok((s, e)) = task.await {
            samples.extend(s);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    samples.sort();
    let pct = |p: f64| {
        samples
            .get(((samples.len() as f64 * p) as usize).min(samples.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or_default()
    };
    (requests as f64 / elapsed, pct(0.50), pct(0.99), errors)
}
