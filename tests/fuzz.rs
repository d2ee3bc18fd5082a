//! Fuzzing the parsers of untrusted text: the import formats (CSV, LinkedIn,
//! vCard) and what comes in query strings (cursors, search text).
//!
//! A mutation fuzzer on stable Rust: it starts from the corpus checked in
//! under `tests/fuzz/corpus/<target>/`, mutates inputs the way these formats
//! break (line breaks of every kind, quotes, folds, quoted-printable soft
//! breaks, NUL, a byte-order mark, stray `BEGIN:VCARD`s), and fails on any
//! panic or on an input that takes too long for its size. Then it checks
//! that each target runs in linear time: an input grown eight times, whole
//! or by repeating its middle, may not take much more than eight times as
//! long (a quadratic parser takes 64 times).
//!
//! Ignored in the ordinary test run; CI runs it on its own, a minute per
//! target:
//!
//! ```sh
//! FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored --test-threads=1
//! ```
//!
//! A failing input is written to `target/fuzz-failures/`; add it to the
//! corpus once fixed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rapport::domain::imports::formats;
use rapport::domain::page::decode_cursor;
use rapport::domain::search::fields::Field;
use rapport::domain::search::{SearchQuery, snippet};
use rapport::domain::validate;

/// Inputs grow no larger than this while mutating.
const MAX_INPUT: usize = 64 * 1024;
/// The longest one input of at most [`MAX_INPUT`] may take (an unoptimised
/// build parses that much in milliseconds).
const SLOW_INPUT: Duration = Duration::from_secs(2);
/// How much longer than linear an input grown eight times may take.
const GROWTH_SLACK: f64 = 2.5;

struct Target {
    name: &'static str,
    run: fn(&str),
}

const TARGETS: [Target; 4] = [
    Target {
        name: "csv",
        run: |text| {
            let _ = formats::csv_records(text);
            let _ = formats::csv(text);
        },
    },
    Target {
        name: "linkedin",
        run: |text| {
            let _ = formats::linkedin(text);
        },
    },
    Target {
        name: "vcard",
        run: |text| {
            let _ = formats::vcard(text);
        },
    },
    Target {
        name: "cursor",
        run: |text| {
            let _ = decode_cursor::<serde_json::Value>(text);
            let _ = validate::query_text("q", text, 200);
            // The search language, and a snippet of the text it searched.
            if let Ok(query) = SearchQuery::parse("q", text) {
                let _ = query.fts5();
                let _ = query.tsquery();
                let _ = snippet::best_match(&query, &[Field::new("notes", text)]);
            }
        },
    },
];

/// Pieces the formats give meaning to, inserted at random.
const TOKENS: &[&str] = &[
    "\r\n",
    "\n",
    "\r",
    "\"",
    "\"\"",
    ",",
    ";",
    ":",
    "=",
    "=\r\n",
    "=\n",
    " ",
    "\t",
    "\\",
    "\\n",
    "\\,",
    "\r\n ",
    "\n\t",
    "BEGIN:VCARD\r\n",
    "END:VCARD\r\n",
    "VERSION:4.0\r\n",
    ";ENCODING=QUOTED-PRINTABLE:",
    "=C3=AB",
    "=ZZ",
    "FN:",
    "EMAIL;TYPE=work:",
    "item1.",
    "CATEGORIES:",
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n",
    "Notes:\r\n",
    "full_name,emails,interests,keep_in_touch_days\n",
    "'=",
    "\u{0}",
    "\u{feff}",
    "é",
    "\u{1F600}",
    "\u{202E}",
    "eyJ",
    "==",
    "-",
    "_",
    "%",
    "*",
];

fn seconds() -> u64 {
    std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

fn corpus(target: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fuzz/corpus/{target}"));
    let mut inputs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "an empty corpus for {target}");
    inputs
}

/// A char boundary of `text` at random.
fn boundary(rng: &mut StdRng, text: &str) -> usize {
    floor(text, rng.random_range(0..=text.len()))
}

/// The char boundary of `text` at or before `at`.
fn floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(rng: &mut StdRng, input: &str, corpus: &[String]) -> String {
    let mut text = input.to_string();
    for _ in 0..rng.random_range(1..=4) {
        let at = boundary(rng, &text);
        match rng.random_range(0..6) {
            0 | 1 => text.insert_str(at, TOKENS.choose(rng).unwrap()),
            2 => {
                let end = floor(&text, boundary(rng, &text).max(at).min(at + 64));
                text.replace_range(at..end, "");
            }
            3 => {
                // Repeat a piece: what turns a linear parser's input into a
                // quadratic one's worst case.
                let end = floor(&text, boundary(rng, &text).max(at).min(at + 256));
                let piece = text[at..end].to_string();
                let times = rng.random_range(1..32);
                text.insert_str(at, &piece.repeat(times));
            }
            4 => {
                let other = corpus.choose(rng).unwrap();
                let from = boundary(rng, other);
                let to = boundary(rng, other).max(from);
                text.insert_str(at, &other[from..to]);
            }
            _ => {
                let ch = char::from_u32(rng.random_range(0..0x3000)).unwrap_or('?');
                text.insert(at, ch);
            }
        }
    }
    if text.len() > MAX_INPUT {
        text.truncate(floor(&text, MAX_INPUT));
    }
    text
}

fn save_failure(target: &str, input: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{target}-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&path, input).unwrap();
    path
}

/// Runs `target` on `input`: how long it took, or the panic.
fn run(target: &Target, input: &str) -> Result<Duration, String> {
    let started = Instant::now();
    std::panic::catch_unwind(|| (target.run)(input))
        .map(|()| started.elapsed())
        .map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
}

/// The best of three runs, to see through a busy machine.
fn time(target: &Target, input: &str) -> Duration {
    (0..3)
        .map(|_| run(target, input).unwrap_or(Duration::MAX))
        .min()
        .unwrap()
}

/// `input` grown to about `size` bytes: whole, or by repeating its middle.
fn grown(input: &str, size: usize, middle: bool) -> String {
    let times = (size / input.len().max(1)).max(1);
    if !middle {
        return input.repeat(times);
    }
    let a = floor(input, input.len() / 3);
    let b = floor(input, 2 * input.len() / 3).max(a);
    let piece = &input[a..b];
    let times = (size / piece.len().max(1)).max(1);
    format!("{}{}{}", &input[..a], piece.repeat(times), &input[b..])
}

/// Fails when an eight times larger input takes much more than eight times
/// as long.
fn assert_linear(target: &Target, input: &str) {
    if input.is_empty() {
        return;
    }
    for middle in [false, true] {
        let small = grown(input, 32 * 1024, middle);
        let large = grown(input, 256 * 1024, middle);
        let ratio_of_sizes = large.len() as f64 / small.len().max(1) as f64;
        let (t_small, t_large) = (time(target, &small), time(target, &large));
        // Below a few milliseconds the clock says little.
        let resolution = Duration::from_millis(5);
        let allowed = t_small.max(resolution).as_secs_f64() * ratio_of_sizes * GROWTH_SLACK;
        if t_large.as_secs_f64() > allowed {
            let path = save_failure(target.name, &small);
            panic!(
                "{}: super-linear: {} bytes took {:?}, {} bytes {:?} (input in {})",
                target.name,
                small.len(),
                t_small,
                large.len(),
                t_large,
                path.display()
            );
        }
    }
}

fn fuzz(target: &Target) {
    let corpus = corpus(target.name);
    let mut rng = StdRng::seed_from_u64(
        std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20261130),
    );
    let deadline = Instant::now() + Duration::from_secs(seconds());
    let mut slowest: Vec<(f64, String)> = Vec::new();
    let mut runs = 0u64;
    let mut pool = corpus.clone();
    while Instant::now() < deadline {
        let base = pool.choose(&mut rng).unwrap().clone();
        let input = mutate(&mut rng, &base, &corpus);
        runs += 1;
        match run(target, &input) {
            Err(panic) => {
                let path = save_failure(target.name, &input);
                panic!("{}: panicked ({panic}) on {}", target.name, path.display());
            }
            Ok(took) if took > SLOW_INPUT => {
                let path = save_failure(target.name, &input);
                panic!(
                    "{}: {} bytes took {took:?} (input in {})",
                    target.name,
                    input.len(),
                    path.display()
                );
            }
            Ok(took) => {
                // Slow for its size: kept to grow further and to check.
                let per_byte = took.as_secs_f64() / input.len().max(1) as f64;
                if slowest.len() < 4 || per_byte > slowest[0].0 {
                    slowest.push((per_byte, input.clone()));
                    slowest.sort_by(|a, b| a.0.total_cmp(&b.0));
                    if slowest.len() > 4 {
                        slowest.remove(0);
                    }
                }
                if pool.len() < 256 && rng.random_ratio(1, 16) {
                    pool.push(input);
                }
            }
        }
    }
    for input in corpus.iter().chain(slowest.iter().map(|(_, i)| i)) {
        assert_linear(target, input);
    }
    eprintln!(
        "{}: {runs} inputs in {} s, no panic, linear",
        target.name,
        seconds()
    );
}

#[test]
#[ignore = "a minute per target in CI: FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored"]
fn fuzz_csv() {
    fuzz(&TARGETS[0]);
}

#[test]
#[ignore = "a minute per target in CI: FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored"]
fn fuzz_linkedin() {
    fuzz(&TARGETS[1]);
}

#[test]
#[ignore = "a minute per target in CI: FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored"]
fn fuzz_vcard() {
    fuzz(&TARGETS[2]);
}

#[test]
#[ignore = "a minute per target in CI: FUZZ_SECONDS=60 cargo test --test fuzz -- --ignored"]
fn fuzz_query_strings() {
    fuzz(&TARGETS[3]);
}
