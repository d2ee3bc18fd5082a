//! Many writers at once: every write answered 2xx is stored, none is lost,
//! and nobody gets a 500 or "database is locked".

use std::sync::Arc;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn concurrent_writers_lose_nothing() {
    let app = Arc::new(spawn_app().await);
    let user = app.register().await;
    let token = Arc::new(user.access_token.clone());
    let seed = app.contact(&token, json!({"full_name": "Shared"})).await;
    let shared = seed["id"].as_str().unwrap().to_string();
    const WRITERS: usize = 16;
    const EACH: usize = 25;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (app, token, shared) = (app.clone(), token.clone(), shared.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..EACH {
                // Contacts, and interactions that all update one contact's
                // counters: the contended row.
                let res = if i % 5 == 4 {
                    app.post(
                        "/api/v1/interactions",
                        Some(&token),
                        &json!({"occurred_at": "2026-11-01T10:00:00Z", "kind": "call",
                                "contact_ids": [shared], "gave": "a hand"}),
                    )
                    .await
                } else {
                    app.post(
                        "/api/v1/contacts",
                        Some(&token),
                        &json!({"full_name": format!("Writer {writer} #{i}"), "interests": ["load"]}),
                    )
                    .await
                };
                statuses.push(res.status().as_u16());
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.extend(task.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 201), "statuses: {statuses:?}");
    let interactions = WRITERS * EACH / 5;
    let contacts = WRITERS * EACH - interactions;
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/contacts?limit=200".to_string(),
            Some(c) => format!("/api/v1/contacts?limit=200&cursor={c}"),
        };
        let page = app.get_json(&path, &token).await;
        seen += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, contacts + 1);
    let shared = app
        .get_json(&format!("/api/v1/contacts/{shared}"), &token)
        .await;
    assert_eq!(shared["interaction_count"], interactions);
    assert_eq!(shared["gave_count"], interactions);
}
