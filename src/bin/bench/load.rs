//! `bench load`: the release server as its own process, driven by `wrk`.
//!
//! Seeds a deterministic network (contacts, interactions, goals and offers)
//! into a fresh database, starts `rapport serve` (the binary next to this
//! one, so `target/release/rapport`) on a free loopback port with rate
//! limits off, recomputes the intersections once, then runs `wrk` once per
//! scenario (the Lua scripts are `bench/wrk/*.lua`) and prints one table:
//! requests/s, p50, p99, errors (responses of 400 and more, and socket
//! errors) and the server's peak resident set (`VmHWM`, the running peak
//! after each scenario), beside the targets.
//!
//! The server inherits the environment, so `RAPPORT_WORKERS`,
//! `RAPPORT_DB_POOL_SIZE`, `RAPPORT_LOG` and the like apply to it; the
//! database, address, JWT secret and rate limits are set here. Its log goes
//! to `server.log` in the run's temp directory (kept with `--keep-files`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rapport::config::Settings;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    /// Contacts to seed.
    #[arg(long, default_value_t = 10_000)]
    contacts: usize,
    /// Interactions to seed (default: one for every five contacts).
    #[arg(long)]
    interactions: Option<usize>,
    /// Goals and offers of contacts to seed (default: one for every two
    /// contacts), so that /intersections has something to show.
    #[arg(long)]
    goals: Option<usize>,
    /// The user's own goals and offers.
    #[arg(long, default_value_t = 20)]
    my_goals: usize,
    /// How seeded goals and offers are written.
    #[arg(long, value_enum, default_value_t)]
    goal_text: rapport::seed::GoalText,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Open connections (wrk -c).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Load generator threads (wrk -t).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A PostgreSQL server URL (`postgres://user@host:port`); a fresh database
    /// is created on it and dropped after. SQLite (a temp file) otherwise.
    #[arg(long)]
    postgres: Option<String>,
    /// Only these scenarios (comma-separated): get-contact, list-filtered,
    /// search, list-q, search-broad, intersections, agenda, create-contact, create-interaction,
    /// write-stall, import-stall.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The server binary (default: `rapport` next to this executable).
    #[arg(long)]
    server: Option<PathBuf>,
    /// The bare handler `get one contact` is compared with (default:
    /// `floor` next to this executable; skipped when it is missing).
    #[arg(long)]
    floor: Option<PathBuf>,
    /// The load generator.
    #[arg(long, default_value = "wrk")]
    wrk: String,
    /// Keep the database afterwards (its URL is printed).
    #[arg(long)]
    keep_database: bool,
    /// Keep the run's directory (scripts, contact ids, server log).
    #[arg(long)]
    keep_files: bool,
}

const JWT_SECRET: &str = "load-bench-secret-load-bench-secret-0123456789";
const EMAIL: &str = "load@example.com";
const PASSWORD: &str = "load bench password";
/// Contact ids the scripts rotate over.
const IDS_IN_SCRIPTS: usize = 1000;

const REPORT_LUA: &str = include_str!("../../../bench/wrk/report.lua");
/// What the scripts that take ids load from their own folder.
const ROTATE_LUA: &str = include_str!("../../../bench/wrk/rotate.lua");

/// How a scenario makes its requests.
#[derive(Clone, Copy)]
enum Script {
    /// The same GET every time.
    Get,
    /// GET one contact, rotating over real ids.
    GetContact,
    CreateContact,
    CreateInteraction,
}

impl Script {
    fn file(self) -> &'static str {
        match self {
            Script::Get => "get.lua",
            Script::GetContact => "get-contact.lua",
            Script::CreateContact => "create-contact.lua",
            Script::CreateInteraction => "create-interaction.lua",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Script::Get => include_str!("../../../bench/wrk/get.lua"),
            Script::GetContact => include_str!("../../../bench/wrk/get-contact.lua"),
            Script::CreateContact => include_str!("../../../bench/wrk/create-contact.lua"),
            Script::CreateInteraction => {
                include_str!("../../../bench/wrk/create-interaction.lua")
            }
        }
    }

    /// Whether the script takes the file of contact ids.
    fn takes_ids(self) -> bool {
        matches!(self, Script::GetContact | Script::CreateInteraction)
    }
}

/// What a scenario should reach (issue 6, set for SQLite).
#[derive(Clone, Copy, Default)]
struct Target {
    min_rps: Option<f64>,
    max_p50_ms: Option<f64>,
    max_p99_ms: Option<f64>,
    zero_errors: bool,
}

impl Target {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(rps) = self.min_rps {
            parts.push(format!("≥ {} req/s", thousands(rps as u64)));
        }
        if let Some(p50) = self.max_p50_ms {
            parts.push(format!("p50 < {p50} ms"));
        }
        if let Some(p99) = self.max_p99_ms {
            parts.push(format!("p99 < {p99} ms"));
        }
        if self.zero_errors {
            parts.push("no errors".into());
        }
        parts.join(", ")
    }

    fn met(&self, result: &WrkResult) -> bool {
        self.min_rps.is_none_or(|min| result.rps() >= min)
            && self
                .max_p50_ms
                .is_none_or(|max| result.p50_us / 1000.0 < max)
            && self
                .max_p99_ms
                .is_none_or(|max| result.p99_us / 1000.0 < max)
            && (!self.zero_errors || result.errors() == 0)
    }

    fn is_set(&self) -> bool {
        self.min_rps.is_some()
            || self.max_p50_ms.is_some()
            || self.max_p99_ms.is_some()
            || self.zero_errors
    }
}

/// Peak server RSS target, MB.
const RSS_TARGET_MB: f64 = 150.0;

struct Scenario {
    key: &'static str,
    name: &'static str,
    script: Script,
    path: &'static str,
    target: Target,
    /// What runs beside the load.
    during: During,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum During {
    Nothing,
    /// Before the load: change the user's network (a goal of their own)
    /// and start a `GET /intersections` that waits for the recomputation
    /// this schedules, so that the load runs while it computes and applies.
    Recomputation,
    /// Before the load: another user starts importing a vCard file of
    /// 100,000 cards (about 20 MB, quoted-printable notes with soft line
    /// breaks), so that the load's writes share the writer with it.
    Import,
}

/// In the order they run: reads first, then writes. (A new contact with
/// interests changes the network, and the intersections are recomputed in
/// the background while the next scenarios run.)
fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            key: "get-contact",
            name: "get one contact",
            script: Script::GetContact,
            path: "/api/v1/contacts/",
            target: Target {
                min_rps: Some(10_000.0),
                max_p99_ms: Some(20.0),
                ..Target::default()
            },
            during: During::Nothing,
        },
        Scenario {
            key: "list-filtered",
            name: "list 50 contacts, stage=prospect",
            script: Script::Get,
            path: "/api/v1/contacts?limit=50&stage=prospect",
            target: Target {
                min_rps: Some(3_000.0),
                ..Target::default()
            },
            during: During::Nothing,
        },
        // Issue 19. A name: one seeded contact in 400 is a Grace Hopper (a
        // first and a last name of 20 each), 250 of 100,000.
        Scenario {
            key: "search",
            name: "GET /search?q=grace hopper (50)",
            script: Script::Get,
            path: "/api/v1/search?q=grace+hopper&limit=50",
            target: Target {
                min_rps: Some(1_500.0),
                max_p50_ms: Some(10.0),
                ..Target::default()
            },
            during: During::Nothing,
        },
        Scenario {
            key: "list-q",
            name: "list 50 contacts, q=grace hopper",
            script: Script::Get,
            path: "/api/v1/contacts?limit=50&q=grace+hopper",
            target: Target {
                min_rps: Some(1_500.0),
                max_p50_ms: Some(10.0),
                ..Target::default()
            },
            during: During::Nothing,
        },
        // A word in one document of seven: the seeded company "Harbor
        // Podcasts" (one contact in ten) and goals about podcasting. The
        // engine ranks every match, so this is the costly kind of query.
        Scenario {
            key: "search-broad",
            name: "GET /search?q=podcast (50)",
            script: Script::Get,
            path: "/api/v1/search?q=podcast&limit=50",
            target: Target::default(),
            during: During::Nothing,
        },
        Scenario {
            key: "intersections",
            name: "GET /intersections (50)",
            script: Script::Get,
            path: "/api/v1/intersections?limit=50",
            target: Target::default(),
            during: During::Nothing,
        },
        Scenario {
            key: "agenda",
            name: "GET /agenda (50)",
            script: Script::Get,
            path: "/api/v1/agenda?limit=50",
            target: Target::default(),
            during: During::Nothing,
        },
        Scenario {
            key: "create-contact",
            name: "create a contact",
            script: Script::CreateContact,
            path: "/api/v1/contacts",
            target: Target {
                min_rps: Some(2_000.0),
                zero_errors: true,
                ..Target::default()
            },
            during: During::Nothing,
        },
        Scenario {
            key: "create-interaction",
            name: "create an interaction",
            script: Script::CreateInteraction,
            path: "/api/v1/interactions",
            target: Target::default(),
            during: During::Nothing,
        },
        Scenario {
            key: "write-stall",
            name: "create a contact while intersections recompute",
            script: Script::CreateContact,
            path: "/api/v1/contacts",
            target: Target {
                max_p99_ms: Some(100.0),
                zero_errors: true,
                ..Target::default()
            },
            during: During::Recomputation,
        },
        Scenario {
            key: "import-stall",
            name: "create a contact while another user imports 20 MiB",
            script: Script::CreateContact,
            path: "/api/v1/contacts",
            target: Target {
                max_p99_ms: Some(250.0),
                zero_errors: true,
                ..Target::default()
            },
            during: During::Import,
        },
    ]
}

/// What `report.lua` prints after a run.
#[derive(Deserialize)]
struct WrkResult {
    requests: u64,
    duration_us: u64,
    p50_us: f64,
    p99_us: f64,
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
}

impl WrkResult {
    fn rps(&self) -> f64 {
        self.requests as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }

    fn errors(&self) -> u64 {
        self.connect + self.read + self.write + self.status + self.timeout
    }

    /// `12`, or `12 (status 10, timeout 2)` when there is more than one kind.
    fn errors_text(&self) -> String {
        let kinds: Vec<String> = [
            ("status", self.status),
            ("connect", self.connect),
            ("read", self.read),
            ("write", self.write),
            ("timeout", self.timeout),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
        match kinds.len() {
            0 => "0".into(),
            1 => format!("{} ({})", self.errors(), kinds[0]),
            _ => format!("{} ({})", self.errors(), kinds.join(", ")),
        }
    }
}

/// The server process; killed when dropped, so a failed run leaves none.
struct Server {
    child: Child,
    bin: PathBuf,
    base: String,
    log: PathBuf,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of the server's log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `VmHWM` (peak) and `VmRSS` (now) of a process, in MB.
fn memory(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.threads == 0 || args.connections < args.threads {
        bail!("--connections must be at least --threads (and --threads at least 1)");
    }
    let wrk_version = wrk_version(&args.wrk)?;
    let server_bin = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the bench executable has no directory")?
            .join("rapport"),
    };
    if !server_bin.is_file() {
        bail!(
            "no server binary at {} (build it: cargo build --release --bin rapport)",
            server_bin.display()
        );
    }
    let chosen: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.key))
        .collect();
    if chosen.is_empty() {
        bail!("--only names no scenario");
    }

    let dir = std::env::temp_dir().join(format!("rapport-load-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir)?;
    let (url, cleanup) = crate::database(args.postgres.as_deref()).await?;
    let floor_bin = match &args.floor {
        Some(path) => Some(path.clone()),
        None => Some(server_bin.with_file_name("floor")).filter(|p| p.is_file()),
    };
    let server = start_server(&server_bin, &["serve"], &url, &dir, "server.log");
    let result = match server {
        Ok(server) => {
            let runs = Runs {
                args: &args,
                url: &url,
                dir: &dir,
                wrk_version: &wrk_version,
                floor: floor_bin.as_deref(),
            };
            let result = drive(&runs, &server, &chosen).await;
            if result.is_err() {
                eprintln!("server log (last lines):\n{}", server.log_tail());
            }
            drop(server);
            result
        }
        Err(err) => Err(err),
    };
    if args.keep_database {
        println!("\nkept the database: {url}");
    } else {
        cleanup.await;
    }
    if args.keep_files {
        println!("kept the run's files: {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

fn wrk_version(wrk: &str) -> anyhow::Result<String> {
    // `wrk --version` prints its banner and exits with status 1.
    let output = Command::new(wrk)
        .arg("--version")
        .output()
        .with_context(|| {
            format!("cannot run {wrk} (apt-get install -y wrk; bench/load.sh does)")
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .split_whitespace()
        .nth(1)
        .unwrap_or("(unknown version)")
        .to_string())
}

/// Starts a server (`rapport serve`, or the floor) on a free loopback port
/// and waits until it is ready.
fn start_server(
    bin: &Path,
    args: &[&str],
    url: &str,
    dir: &Path,
    log_name: &str,
) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = dir.join(log_name);
    let out = std::fs::File::create(&log)?;
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("RAPPORT_DATABASE_URL", url)
        .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
        .env("RAPPORT_JWT_SECRET", JWT_SECRET)
        .env("RAPPORT_AUTH_RATE_LIMIT", "0")
        .env("RAPPORT_LOGIN_RATE_LIMIT", "0")
        .env("RAPPORT_API_RATE_LIMIT", "0")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut server = Server {
        child,
        bin: bin.to_path_buf(),
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "the server exited ({status}) before it was ready:\n{}",
                server.log_tail()
            );
        }
        if http_status(port, "/health/ready") == Some(200) {
            return Ok(server);
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!(
                "the server was not ready after 120 s:\n{}",
                server.log_tail()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status of a plain HTTP/1.1 GET, without a client library (the
/// server may still be starting).
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// What every scenario of a run shares.
struct Runs<'a> {
    args: &'a Args,
    url: &'a str,
    dir: &'a Path,
    wrk_version: &'a str,
    floor: Option<&'a Path>,
}

async fn drive(runs: &Runs<'_>, server: &Server, chosen: &[Scenario]) -> anyhow::Result<()> {
    let Runs {
        args,
        url,
        dir,
        wrk_version,
        ..
    } = *runs;
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let interactions = args.interactions.unwrap_or(args.contacts / 5);
    let goals = args.goals.unwrap_or(args.contacts / 2);
    // No idle connections kept: the server closes them after its keep-alive
    // time, and a request sent on one as it closes fails.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let base = &server.base;

    let user_id = crate::authenticate(
        &client,
        base,
        "register",
        json!({"email": EMAIL, "password": PASSWORD, "name": "Load"}),
    )
    .await?
    .user_id;

    // Seeded through the domain functions over a connection of our own,
    // while the (idle) server holds its pool.
    let started = Instant::now();
    let settings = Settings::from_lookup(|k| (k == "RAPPORT_DATABASE_URL").then(|| url.into()))?;
    let db = rapport::db::connect(&settings.database).await?;
    let ids = rapport::seed::network(&db, user_id, args.contacts, interactions, 42).await?;
    rapport::seed::goals(
        &db,
        user_id,
        &ids,
        (args.my_goals, goals),
        args.goal_text,
        43,
    )
    .await?;
    if settings.database.is_postgres() {
        // Planner statistics for the freshly filled tables, as autovacuum
        // would gather them (this machine's PostgreSQL runs with it off):
        // without them the planner guesses one row and sorts every match.
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE").await?;
    }
    db.close().await.ok();
    println!(
        "seeded {} contacts, {} interactions, {} goals and offers of contacts and {} of the user in {:.1} s ({backend})",
        thousands(args.contacts as u64),
        thousands(interactions as u64),
        thousands(goals as u64),
        args.my_goals,
        started.elapsed().as_secs_f64()
    );

    // The first read after seeding finds the intersections stale: it has
    // the server compute and store every one (in the background), and waits
    // for it, so that the scenarios find them current.
    let token = login(&client, base).await?;
    let (_, rss_seeded) = memory(server.pid()).unwrap_or_default();
    let started = Instant::now();
    let response = client
        .get(format!("{base}/api/v1/intersections?limit=50"))
        .bearer_auth(&token)
        .header("Prefer", "wait=60")
        .send()
        .await?
        .error_for_status()?;
    let stale = response
        .headers()
        .get("intersections-stale")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("missing")
        .to_string();
    let first: Value = response.json().await?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    let (peak, now) = memory(server.pid()).unwrap_or_default();
    println!(
        "recomputed the intersections (first read after seeding) in {elapsed:.0} ms \
         (Intersections-Stale: {stale}); first page: {} of them; server RSS \
         {rss_seeded:.1} MB before, {now:.1} MB after, peak so far {peak:.1} MB; {}",
        first["data"].as_array().map_or(0, Vec::len),
        longest_write(&server.log),
    );

    let step = (ids.len() / IDS_IN_SCRIPTS).max(1);
    let ids_file = dir.join("contact-ids.txt");
    std::fs::write(dir.join("rotate.lua"), ROTATE_LUA)?;
    let mut listing = String::new();
    for id in ids.iter().step_by(step) {
        writeln!(listing, "{id}")?;
    }
    std::fs::write(&ids_file, listing)?;

    let (rss_before, _) = memory(server.pid()).unwrap_or_default();
    let load_before = load_average();
    let mut rows = Vec::new();
    let mut floor_result: Option<WrkResult> = None;
    let mut during_notes = Vec::new();
    let (mut token, mut logged_in) = (token, Instant::now());
    for scenario in chosen {
        // Access tokens last 15 minutes. Logging in only when needed matters
        // for RSS too: each login hashes a password with 19 MiB of memory.
        if logged_in.elapsed() + Duration::from_secs(args.duration + 60)
            > Duration::from_secs(14 * 60)
        {
            token = login(&client, base).await?;
            logged_in = Instant::now();
        }
        let script = dir.join(scenario.script.file());
        std::fs::write(
            &script,
            format!("{}\n{REPORT_LUA}", scenario.script.source()),
        )?;
        if scenario.key == "get-contact"
            && let Some(floor_bin) = runs.floor
        {
            // The bare handler first, on the same database, same script.
            let floor = start_server(floor_bin, &[], url, dir, "floor.log")?;
            eprintln!(
                "{} on the bare handler ({}s) ...",
                scenario.name, args.duration
            );
            floor_result = Some(run_wrk(
                args,
                &token,
                &script,
                &floor.base,
                scenario,
                &ids_file,
                dir,
            )?);
        }
        let waiting = match scenario.during {
            During::Nothing => None,
            During::Recomputation => Some(change_and_read(&client, base, &token).await?),
            During::Import => Some(import_beside(&client, base).await?),
        };
        eprintln!("{} ({}s) ...", scenario.name, args.duration);
        let result = run_wrk(args, &token, &script, base, scenario, &ids_file, dir)?;
        if let Some(waiting) = waiting {
            let answer = waiting
                .join()
                .map_err(|_| anyhow::anyhow!("the waiting read panicked"))?;
            during_notes.push(match scenario.during {
                During::Import => format!(
                    "{}: the import (another user, sent just before the load) answered {answer} \
                     (target: a 20 MiB import in < 10 s)",
                    scenario.name
                ),
                _ => format!(
                    "{}: the `GET /intersections` sent just before the load answered {answer}; {}",
                    scenario.name,
                    longest_write(&server.log)
                ),
            });
        }
        let (peak, _) = memory(server.pid()).unwrap_or_default();
        rows.push((scenario, result, peak));
    }
    let (peak, now) = memory(server.pid()).unwrap_or_default();
    let load_after = load_average();

    let workers = std::env::var("RAPPORT_WORKERS").unwrap_or_else(|_| {
        std::thread::available_parallelism()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into())
    });
    println!(
        "\n### {backend}, {} contacts\n\n\
         wrk {wrk_version}, {} threads, {} connections, {} s per scenario, loopback; \
         server {} with {workers} workers; {} contacts, {} interactions, \
         {} goals and offers of contacts; load average {load_before} before, \
         {load_after} after; server RSS {rss_before:.1} MB before the first scenario\n",
        thousands(args.contacts as u64),
        args.threads,
        args.connections,
        args.duration,
        server.bin.display(),
        thousands(args.contacts as u64),
        thousands(interactions as u64),
        thousands(goals as u64),
    );
    println!("| scenario | req/s | p50 ms | p99 ms | errors | peak RSS MB | target (SQLite) |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (scenario, result, peak) in &rows {
        let target = if scenario.target.is_set() {
            format!(
                "{}: {}",
                scenario.target.describe(),
                if scenario.target.met(result) {
                    "met"
                } else {
                    "missed"
                }
            )
        } else {
            String::new()
        };
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {} | {peak:.1} | {target} |",
            scenario.name,
            result.rps(),
            result.p50_us / 1000.0,
            result.p99_us / 1000.0,
            result.errors_text(),
        );
    }
    if let (Some(floor), Some((_, rapport, _))) = (
        &floor_result,
        rows.iter().find(|(s, ..)| s.key == "get-contact"),
    ) {
        let ratio = rapport.rps() / floor.rps().max(1.0);
        let wanted = if args.postgres.is_some() { 0.9 } else { 0.6 };
        println!(
            "\nget one contact, same run: Rapport {:.0} req/s (p99 {:.2} ms), the bare handler \
             (`bench/floor.rs`) {:.0} req/s (p99 {:.2} ms): **{ratio:.2}×** (target ≥ {wanted}× on \
             {backend}: {})",
            rapport.rps(),
            rapport.p99_us / 1000.0,
            floor.rps(),
            floor.p99_us / 1000.0,
            if ratio >= wanted { "met" } else { "missed" },
        );
    }
    for note in &during_notes {
        println!("\n{note}");
    }
    println!(
        "\nserver RSS: peak {peak:.1} MB (target < {RSS_TARGET_MB:.0} MB: {}), {now:.1} MB at the end",
        if peak < RSS_TARGET_MB {
            "met"
        } else {
            "missed"
        }
    );
    Ok(())
}

/// Changes the user's network (adds a goal of theirs), then sends a
/// `GET /intersections` that waits for the recomputation this schedules,
/// from a thread of its own (wrk blocks this one). Its answer: the status,
/// `Intersections-Stale` and the time it took.
async fn change_and_read(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<std::thread::JoinHandle<String>> {
    client
        .post(format!("{base}/api/v1/goals"))
        .bearer_auth(token)
        .json(
            &json!({"kind": "goal", "title": "Find a co-founder for a logistics start-up",
                      "topics": ["logistics"]}),
        )
        .send()
        .await?
        .error_for_status()?;
    let address = base.trim_start_matches("http://").to_string();
    let token = token.to_string();
    Ok(std::thread::spawn(move || {
        use std::io::{Read, Write};
        let started = Instant::now();
        let answer = (|| -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect(&address)?;
            stream.set_read_timeout(Some(Duration::from_secs(120)))?;
            write!(
                stream,
                "GET /api/v1/intersections?limit=50 HTTP/1.1\r\nHost: {address}\r\n\
                 Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            let status = response.get(9..12).unwrap_or("???").to_string();
            let stale = response
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("intersections-stale:")
                        .map(|v| v.trim().to_string())
                })
                .unwrap_or_else(|| "missing".into());
            Ok(format!("{status} with Intersections-Stale: {stale}"))
        })()
        .unwrap_or_else(|err| format!("an error ({err})"));
        format!("{answer} after {:.1} s", started.elapsed().as_secs_f64())
    }))
}

/// Registers another user and starts their import of a 20 MiB vCard file on
/// a thread of its own; the handle gives what it answered and when.
async fn import_beside(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<std::thread::JoinHandle<String>> {
    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(
            &json!({"email": format!("importer-{}@example.com", Uuid::now_v7().simple()),
                      "password": PASSWORD, "name": "Importer"}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = registered["access_token"]
        .as_str()
        .context("no access token")?
        .to_string();
    // The worst shape the fuzzer found (quoted-printable soft line breaks,
    // which unfolded in quadratic time), at the most records an import
    // takes, padded with more soft breaks to the largest file the server
    // accepts by default (20 MiB).
    const LIMIT: usize = 20 * 1024 * 1024;
    const CARDS: usize = 100_000;
    const SOFT_BREAK: &str = "=20and=20more=\r\n";
    let card = |n: usize, breaks: usize| {
        format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {n:06}\r\nEMAIL:p{n:06}@example.com\r\n\
             NOTE;ENCODING=QUOTED-PRINTABLE:Met=20at=20the=20fair=\r\n=20talked=20shop=\r\n\
             {}=20again=\r\nsoon\r\nEND:VCARD\r\n",
            SOFT_BREAK.repeat(breaks)
        )
    };
    let breaks = (LIMIT / CARDS - card(0, 0).len()) / SOFT_BREAK.len();
    let longer = (LIMIT - CARDS * card(0, breaks).len()) / SOFT_BREAK.len();
    let mut file = String::with_capacity(LIMIT);
    for n in 0..CARDS {
        file.push_str(&card(n, breaks + usize::from(n < longer)));
    }
    let address = base.trim_start_matches("http://").to_string();
    Ok(std::thread::spawn(move || {
        use std::io::{Read, Write};
        let started = Instant::now();
        let answer = (|| -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect(&address)?;
            stream.set_read_timeout(Some(Duration::from_secs(600)))?;
            write!(
                stream,
                "POST /api/v1/imports?format=vcard HTTP/1.1\r\nHost: {address}\r\n\
                 Authorization: Bearer {token}\r\nContent-Type: text/vcard\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                file.len()
            )?;
            stream.write_all(file.as_bytes())?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            let status = response.get(9..12).unwrap_or("???").to_string();
            let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
            let report: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            Ok(format!(
                "{status} ({:.1} MB; created {}, errors {})",
                file.len() as f64 / 1e6,
                report["created"],
                report["errors"].as_array().map_or(0, Vec::len)
            ))
        })()
        .unwrap_or_else(|err| format!("an error ({err})"));
        format!("{answer} after {:.1} s", started.elapsed().as_secs_f64())
    }))
}

/// The longest write transaction of any recomputation so far, from the
/// server's log (`longest_write_ms` of its "intersections recomputed" and
/// "network moved" lines).
fn longest_write(log: &Path) -> String {
    let raw = std::fs::read_to_string(log).unwrap_or_default();
    // Without the terminal colours a text log may carry.
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            text.push(c);
        }
    }
    let longest = text
        .match_indices("longest_write_ms")
        .filter_map(|(at, key)| {
            let rest = &text[at + key.len()..];
            let digits: String = rest
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().ok()
        })
        .max();
    match longest {
        Some(ms) => format!(
            "longest write transaction of a recomputation so far: {ms} ms (target < 100 ms: {})",
            if ms < 100 { "met" } else { "missed" }
        ),
        None => "no recomputation logged yet".into(),
    }
}

async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let body = json!({"email": EMAIL, "password": PASSWORD});
    Ok(crate::authenticate(client, base, "login", body)
        .await?
        .access_token)
}

/// One wrk run; its own report goes to standard error, the numbers come
/// from the line `report.lua` adds.
fn run_wrk(
    args: &Args,
    token: &str,
    script: &Path,
    base: &str,
    scenario: &Scenario,
    ids_file: &Path,
    dir: &Path,
) -> anyhow::Result<WrkResult> {
    let mut command = Command::new(&args.wrk);
    command
        .arg(format!("-t{}", args.threads))
        .arg(format!("-c{}", args.connections))
        .arg(format!("-d{}s", args.duration))
        // Longer than the server's own time limits, so a slow request is
        // counted as its response (a 503, say), not as a wrk time-out.
        .args(["--timeout", "10s", "--latency"])
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"))
        .arg("-s")
        .arg(script)
        .arg(format!("{base}{}", scenario.path))
        .current_dir(dir);
    if scenario.script.takes_ids() {
        command.arg("--").arg(ids_file);
    }
    let output = command
        .output()
        .with_context(|| format!("cannot run {}", args.wrk))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut result = None;
    for line in stdout.lines() {
        match line.strip_prefix("BENCH-RESULT ") {
            Some(json) => result = Some(serde_json::from_str(json)?),
            None => eprintln!("  {line}"),
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.trim().is_empty() {
        eprintln!("{}", stderr.trim_end());
    }
    match result {
        Some(result) if output.status.success() => Ok(result),
        _ => bail!(
            "wrk failed on {} ({}): {}",
            scenario.name,
            output.status,
            stderr.trim()
        ),
    }
}
