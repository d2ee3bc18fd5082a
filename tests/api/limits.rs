//! Slow clients and oversized or hostile input: the server answers each with
//! a clear 4xx (or closes a stalled connection), never hangs or crashes, and
//! keeps serving everyone else. `errors.rs` covers the basics (malformed JSON,
//! invalid UTF-8 and deep nesting in `PATCH /me`, a body over the limit, bad
//! query parameters on `/tokens`); these go further.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// `client_request_timeout` in `src/startup.rs`: the whole request head must
/// arrive within it.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// `BODY_TIMEOUT` in `src/http/extract.rs`: a JSON body must arrive within it.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Slack for a busy test machine.
const SLACK: Duration = Duration::from_secs(4);

fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (or `limit` passes);
/// returns what arrived, how long it took, and whether the server closed it.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration, bool) {
    stream.set_read_timeout(Some(limit)).unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false;
            }
            Err(e) => panic!("reading: {e}"),
        }
        if started.elapsed() > limit {
            break false;
        }
    };
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
        closed,
    )
}

/// `/health/live` answers promptly, `times` times, a second apart.
async fn others_are_served(app: &TestApp, times: usize) {
    for _ in 0..times {
        let started = Instant::now();
        let res = app
            .client
            .get(app.url("/health/live"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .expect("/health/live answers while a slow client hangs on");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn half_a_request_head_is_cut_off_with_a_408_while_others_are_served() {
    let app = spawn_app().await;
    let address = socket_address(&app);
    let slow = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"POST /api/v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            .unwrap();
        read_until_closed(&mut stream, HEAD_TIMEOUT + SLACK)
    });
    others_are_served(&app, 5).await;
    let (received, elapsed, closed) = slow.await.unwrap();
    assert!(
        closed,
        "a stalled request head was still open after {elapsed:?}"
    );
    assert!(
        received.is_empty() || received.starts_with("HTTP/1.1 408"),
        "{received}"
    );
    assert!(
        elapsed > HEAD_TIMEOUT - Duration::from_secs(2),
        "closed too soon: {elapsed:?}"
    );
    others_are_served(&app, 1).await;
}

#[tokio::test]
async fn a_trickling_body_is_cut_off_with_a_408_while_others_are_served() {
    let app = spawn_app().await;
    let user = app.register().await;
    let address = socket_address(&app);
    let head = format!(
        "POST /api/v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"full_name\": \"",
        user.access_token
    );
    let slow = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        // One byte every 200 ms: always something arriving, never the end.
        let done = Arc::new(AtomicBool::new(false));
        let trickle = {
            let (mut stream, done) = (stream.try_clone().unwrap(), done.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                while !done.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(40) {
                    if stream.write_all(b"x").is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        let outcome = read_until_closed(&mut stream, BODY_TIMEOUT + SLACK);
        done.store(true, Ordering::SeqCst);
        trickle.join().unwrap();
        outcome
    });
    others_are_served(&app, 5).await;
    let (received, elapsed, closed) = slow.await.unwrap();
    assert!(
        received.starts_with("HTTP/1.1 408"),
        "after {elapsed:?} (closed: {closed}): {received:?}"
    );
    assert!(received.contains("application/problem+json"), "{received}");
    assert!(
        received.contains("\"code\":\"request_timeout\""),
        "{received}"
    );
    assert!(closed, "the connection stayed open after the 408");
    others_are_served(&app, 1).await;
    // Nothing was written.
    let page = app.get_json("/api/v1/contacts", &user.access_token).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 0);
}

/// `depth` nested arrays.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A 400 or 422 in problem+json.
async fn assert_clear_4xx(res: reqwest::Response, what: &str) -> Value {
    let status = res.status().as_u16();
    assert!(
        status == 400 || status == 422,
        "{what}: status {status}: {:?}",
        res.text().await
    );
    let code = if status == 400 {
        "malformed_json"
    } else {
        "validation_failed"
    };
    assert_problem(res, status, code).await
}

#[tokio::test]
async fn ten_thousand_levels_of_nesting_are_a_clear_4xx() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let send = |method: Method, path: &str, body: String| {
        app.request(method, path, Some(t))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    const DEPTH: usize = 10_000;

    // The whole body, a typed field, an unknown field, a merge patch.
    let res = send(Method::POST, "/api/v1/contacts", nested(DEPTH))
        .await
        .unwrap();
    assert_clear_4xx(res, "nested body").await;
    let res = send(
        Method::POST,
        "/api/v1/contacts",
        format!("{{\"full_name\": \"A\", \"notes\": {}}}", nested(DEPTH)),
    )
    .await
    .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "notes");
    let objects = format!("{}1{}", "{\"a\": ".repeat(DEPTH), "}".repeat(DEPTH));
    let res = send(
        Method::POST,
        "/api/v1/contacts",
        format!("{{\"full_name\": \"A\", \"extra\": {objects}}}"),
    )
    .await
    .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "extra");
    let contact = app.contact(t, json!({"full_name": "Nested"})).await;
    let id = contact["id"].as_str().unwrap();
    let res = send(
        Method::PATCH,
        &format!("/api/v1/contacts/{id}"),
        format!("{{\"why\": {}}}", nested(DEPTH)),
    )
    .await
    .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "why");

    // A JSON import is parsed as an untyped document: depth is what stops it.
    let res = app
        .request(Method::POST, "/api/v1/imports?format=json", Some(t))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"format\": \"rapport.export\", \"version\": 1, \"contacts\": {}}}",
            nested(DEPTH)
        ))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "invalid_file").await;

    // Still standing, and nothing half-written.
    app.assert_live().await;
    let page = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn very_long_strings_are_422s_naming_the_field_and_limits_count_characters() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;

    // Nearly a megabyte of name, within the body limit.
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": "x".repeat(900_000)}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "full_name");
    assert_eq!(
        body["errors"][0]["message"],
        "must be at most 200 characters"
    );

    // Every field too long at once: each one named.
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": "x".repeat(201), "headline": "x".repeat(50_000),
                    "why": "x".repeat(50_000), "notes": "x".repeat(100_000),
                    "interests": (0..10_000).map(|i| format!("tag {i}")).collect::<Vec<_>>()}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        ["full_name", "headline", "interests", "notes", "why"],
        "{body}"
    );

    // The documented limits are in characters, not bytes.
    for ch in ["é", "😀"] {
        let created = app.contact(t, json!({"full_name": ch.repeat(200)})).await;
        assert_eq!(created["full_name"].as_str().unwrap().chars().count(), 200);
        let res = app
            .post(
                "/api/v1/contacts",
                Some(t),
                &json!({"full_name": ch.repeat(201)}),
            )
            .await;
        let body = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "full_name");
    }

    // Long interaction text too.
    let contact = app.contact(t, json!({"full_name": "Long"})).await;
    let res = app
        .post(
            "/api/v1/interactions",
            Some(t),
            &json!({"kind": "call", "contact_ids": [contact["id"]], "summary": "x".repeat(100_000)}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "summary");

    // A very long query string or path: refused, and the server stands.
    let res = app
        .get(&format!("/api/v1/contacts?q={}", "x".repeat(5_000)), t)
        .await;
    let body = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(body["detail"], "q must be at most 256 characters");
    let res = app
        .get(&format!("/api/v1/contacts/{}", "x".repeat(60_000)), t)
        .await;
    assert_problem(res, 400, "invalid_path").await;
    app.assert_live().await;
}

#[tokio::test]
async fn invalid_utf8_and_broken_escapes_are_400s() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let send = |body: Vec<u8>| {
        app.request(Method::POST, "/api/v1/contacts", Some(t))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let bodies: [&[u8]; 5] = [
        // A bare continuation byte in a value.
        b"{\"full_name\": \"Ada \x80 Lovelace\"}",
        // Invalid UTF-8 in a key.
        b"{\"full_\xffname\": \"Ada\"}",
        // An overlong encoding of '/'.
        b"{\"full_name\": \"\xc0\xaf\"}",
        // A truncated multi-byte sequence at the end of a string.
        b"{\"full_name\": \"Ada \xe2\x82\"}",
        // A lone surrogate, escaped.
        b"{\"full_name\": \"\\ud800\"}",
    ];
    for body in bodies {
        let res = send(body.to_vec()).await.unwrap();
        assert_problem(res, 400, "malformed_json").await;
    }
    // Invalid UTF-8 percent-encoded in a query parameter is decoded lossily
    // (U+FFFD), as form decoding does: a search with no word in it, a 400.
    let res = app.get("/api/v1/contacts?q=%FF%FE", t).await;
    assert_problem(res, 400, "invalid_query").await;
    let page = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_limit_above_the_cap_is_a_400_on_every_list() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let lists = [
        "/api/v1/contacts",
        "/api/v1/contacts/duplicates",
        "/api/v1/interactions",
        "/api/v1/goals",
        "/api/v1/intersections",
        "/api/v1/introductions",
        "/api/v1/reconnect",
        "/api/v1/agenda",
    ];
    for list in lists {
        for limit in ["201", "100000", "18446744073709551616", "-1", "0"] {
            let res = app.get(&format!("{list}?limit={limit}"), t).await;
            let status = res.status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{list}?limit={limit}");
            assert_problem(res, 400, "invalid_query").await;
        }
        let res = app.get(&format!("{list}?limit=200"), t).await;
        assert_eq!(res.status(), StatusCode::OK, "{list}?limit=200");
    }
}
