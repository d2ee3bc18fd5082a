//! The tenant isolation sweep: every operation of the OpenAPI document, called
//! by a second user with the first user's ids, never returns or changes the
//! first user's data. New operations are swept automatically; one that the
//! sweep does not know how to call fails the test until it is taught.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A's resources, and the strings that would betray them in a response.
struct Victim {
    token: String,
    contact: String,
    other_contact: String,
    goal: String,
    interaction: String,
    intersection: String,
    introduction: String,
    own_concept: String,
    api_token: String,
    event: String,
    webhook: String,
    delivery: String,
}

const SECRET: &str = "SECRET-OF-A";

async fn victim(app: &TestApp) -> Victim {
    let a = app.register().await;
    let t = a.access_token.clone();
    app.patch(
        "/api/v1/me",
        &t,
        &json!({"interests": ["sailing"], "headline": SECRET}),
    )
    .await;
    let contact = app
        .contact(
            &t,
            json!({"full_name": format!("{SECRET} contact"), "interests": ["sailing"],
                            "emails": ["secret@example.com"], "notes": SECRET}),
        )
        .await;
    let other = app
        .contact(
            &t,
            json!({"full_name": format!("{SECRET} contact"), "emails": ["secret@example.com"]}),
        )
        .await;
    let goal = app
        .goal(&t, json!({"contact_id": contact["id"], "kind": "offer", "title": format!("{SECRET} sailing lessons"),
                         "topics": ["sailing"]}))
        .await;
    app.goal(
        &t,
        json!({"kind": "goal", "title": format!("{SECRET} learn sailing"), "topics": ["sailing"]}),
    )
    .await;
    app.goal(
        &t,
        json!({"contact_id": other["id"], "kind": "goal", "title": format!("{SECRET} learn sailing"),
               "topics": ["sailing"]}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(&t),
            &json!({"label": format!("{SECRET} boats"), "phrases": ["dinghy", "keelboat"]}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let own_concept: Value = res.json().await.unwrap();
    let interaction = app
        .interaction(
            &t,
            json!({"occurred_at": "2026-11-01T10:00:00Z", "kind": "call",
                                "contact_ids": [contact["id"], other["id"]], "summary": SECRET,
                                "follow_up": {"due_on": "2026-11-02", "note": SECRET}}),
        )
        .await;
    let page = app.get_json("/api/v1/intersections", &t).await;
    let intersection = page["data"][0]["id"]
        .as_str()
        .expect("A has an intersection")
        .to_string();
    let introductions = app.get_json("/api/v1/introductions", &t).await;
    let introduction = introductions["data"][0]["id"]
        .as_str()
        .expect("A has an introduction")
        .to_string();
    let (_, api_token) = app.api_token(&a, "write").await;
    let res = app
        .post(
            "/api/v1/events",
            Some(&t),
            &json!({"name": format!("{SECRET} regatta"), "starts_at": "2026-11-01T09:00:00Z",
                    "intent": SECRET, "attendees": [{"contact_id": contact["id"], "status": "going"}]}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let event: Value = res.json().await.unwrap();
    // Disabled: nothing is ever sent to this address; a test event gives
    // it a delivery that stays pending.
    let res = app
        .post(
            "/api/v1/webhooks",
            Some(&t),
            &json!({"url": "https://93.184.215.14/a", "description": SECRET, "enabled": false}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let webhook: Value = res.json().await.unwrap();
    let webhook_id = webhook["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/webhooks/{webhook_id}/test"),
        Some(&t),
        &json!({}),
    )
    .await;
    let deliveries = app
        .get_json(&format!("/api/v1/webhooks/{webhook_id}/deliveries"), &t)
        .await;
    let delivery = deliveries["data"][0]["id"].as_str().unwrap().to_string();
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    Victim {
        token: t,
        contact: id(&contact),
        other_contact: id(&other),
        goal: id(&goal),
        interaction: id(&interaction),
        intersection,
        introduction,
        own_concept: id(&own_concept),
        api_token,
        event: id(&event),
        webhook: webhook_id,
        delivery,
    }
}

impl Victim {
    /// The id of A's resource that a path's `{id}` names.
    fn id_for(&self, path: &str) -> &str {
        let resource = path
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap_or_default();
        match resource {
            "contacts" => &self.contact,
            "goals" => &self.goal,
            "interactions" => &self.interaction,
            "intersections" => &self.intersection,
            "introductions" => &self.introduction,
            "vocabulary" => &self.own_concept,
            "tokens" => &self.api_token,
            "events" => &self.event,
            "webhooks" => &self.webhook,
            other => panic!("the sweep does not know what {{id}} is in /{other}: teach it"),
        }
    }

    fn ids(&self) -> [&str; 11] {
        [
            &self.webhook,
            &self.delivery,
            &self.event,
            &self.contact,
            &self.other_contact,
            &self.goal,
            &self.interaction,
            &self.intersection,
            &self.introduction,
            &self.own_concept,
            &self.api_token,
        ]
    }

    /// A request body that would touch A's data if tenancy failed.
    fn body(&self, method: &Method, path: &str) -> Option<Value> {
        let body = match (method.as_str(), path) {
            ("POST", "/api/v1/contacts/{id}/merge") => json!({"from": [self.other_contact]}),
            ("POST", "/api/v1/interactions") => json!({"occurred_at": "2026-11-01T10:00:00Z",
                "kind": "call", "contact_ids": [self.contact], "goal_ids": [self.goal]}),
            ("POST", "/api/v1/goals") => {
                json!({"contact_id": self.contact, "kind": "goal", "title": "x"})
            }
            ("POST", "/api/v1/intersections") => {
                json!({"contact_id": self.contact, "note": "mine"})
            }
            ("POST", "/api/v1/tokens") => json!({"name": "x", "scope": "read"}),
            ("POST", "/api/v1/webhooks") => {
                json!({"url": "https://93.184.215.14/b", "enabled": false})
            }
            ("PATCH", "/api/v1/webhooks/{id}") => json!({"description": "overwritten"}),
            ("POST", "/api/v1/contacts") => json!({"full_name": "B's own"}),
            ("PATCH", "/api/v1/intersections/{id}") => json!({"status": "dismissed"}),
            ("PATCH", "/api/v1/introductions/{id}") => json!({"status": "dismissed"}),
            ("PATCH", "/api/v1/vocabulary/{id}") => json!({"phrases": ["overwritten"]}),
            ("POST", "/api/v1/vocabulary") => json!({"label": "B's own", "phrases": ["dinghy"]}),
            ("PATCH", "/api/v1/contacts/{id}") => json!({"notes": "overwritten"}),
            ("PATCH", "/api/v1/goals/{id}") => json!({"title": "overwritten"}),
            ("PATCH", "/api/v1/interactions/{id}") => json!({"summary": "overwritten"}),
            ("PATCH", "/api/v1/me") => json!({"headline": "B's own"}),
            ("POST", "/api/v1/events") => {
                json!({"name": "B's own", "starts_at": "2026-11-01T09:00:00Z",
                "attendees": [{"contact_id": self.contact}], "goal_ids": [self.goal]})
            }
            ("PATCH", "/api/v1/events/{id}") => json!({"name": "overwritten"}),
            ("POST", "/api/v1/events/{id}/debrief") => {
                json!({"met": [{"contact_id": self.contact, "summary": "overwritten"}]})
            }
            ("POST", _) | ("PUT", _) => json!({}),
            _ => return None,
        };
        Some(body)
    }
}

/// Operations the sweep leaves out, and why.
fn skipped(method: &Method, path: &str) -> bool {
    // B's own session and account: nothing of A's to reach.
    path.starts_with("/api/v1/auth/") || (method == Method::DELETE && path == "/api/v1/me")
}

#[tokio::test]
async fn no_operation_reveals_or_changes_another_users_data() {
    let app = spawn_app().await;
    let a = victim(&app).await;
    let before = app.get_json("/api/v1/export", &a.token).await;
    let b = app.register().await;
    let spec = app.get_json("/openapi.json", &b.access_token).await;
    let mut swept = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, _) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&method.as_str())
                || skipped(&method, path)
            {
                continue;
            }
            let url = if path.contains("{id}") {
                path.replace("{id}", a.id_for(path))
                    .replace("{delivery_id}", &a.delivery)
            } else if method == Method::GET
                && (path == "/api/v1/search" || path == "/api/v1/contacts")
            {
                // Searching for A's words must find nothing of A's.
                format!("{path}?q={SECRET}")
            } else {
                path.clone()
            };
            let mut request = app.request(method.clone(), &url, Some(&b.access_token));
            if path == "/api/v1/imports" {
                // A document that points at A's rows by id.
                let doc = json!({"format": "rapport.export", "version": 1,
                    "contacts": [], "goals": [{"contact_id": a.contact, "kind": "goal", "title": "x"}],
                    "interactions": [{"occurred_at": "2026-11-01T10:00:00Z", "kind": "call",
                                      "contact_ids": [a.contact], "goal_ids": [a.goal]}],
                    "intersections": [{"contact_id": a.contact, "kind": "shared_interest",
                                       "status": "confirmed", "origin": "recorded"}]});
                request = app
                    .request(
                        method.clone(),
                        &format!("{url}?format=json"),
                        Some(&b.access_token),
                    )
                    .header("Content-Type", "application/json")
                    .body(doc.to_string());
            } else if let Some(body) = a.body(&method, path) {
                request = request.json(&body);
            }
            let res = request.send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            if path.contains("{id}") {
                assert_eq!(
                    status.as_u16(),
                    404,
                    "{method} {path} with A's id: {status} {text}"
                );
            }
            for id in a.ids() {
                assert!(
                    !text.contains(id),
                    "{method} {path} returned A's id {id}: {text}"
                );
            }
            assert!(
                !text.contains("secret@example.com"),
                "{method} {path} returned A's email: {text}"
            );
            if path != "/api/v1/imports" && path != "/api/v1/export" {
                assert!(
                    !text.contains(SECRET),
                    "{method} {path} returned A's data: {text}"
                );
            }
            swept += 1;
        }
    }
    assert!(swept >= 30, "only {swept} operations swept");
    // A's account is exactly as it was.
    let after = app.get_json("/api/v1/export", &a.token).await;
    let strip = |mut doc: Value| {
        doc["exported_at"] = Value::Null;
        doc
    };
    assert_eq!(strip(after), strip(before));
    let tokens = app.get_json("/api/v1/tokens", &a.token).await;
    assert!(tokens.to_string().contains(&a.api_token));
}
