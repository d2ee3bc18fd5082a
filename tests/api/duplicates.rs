use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

fn ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn duplicates_are_grouped_by_email_linkedin_and_name() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let a = app
        .contact(
            t,
            json!({"full_name": "Ann One", "emails": ["ann@example.com"]}),
        )
        .await;
    let b = app
        .contact(
            t,
            json!({"full_name": "A. One", "emails": ["ANN@example.com"]}),
        )
        .await;
    let c = app
        .contact(
            t,
            json!({"full_name": "Cy", "links": ["https://www.linkedin.com/in/cy-two/"]}),
        )
        .await;
    let d = app
        .contact(
            t,
            json!({"full_name": "Cyrus", "links": ["http://linkedin.com/in/cy-two?trk=1"]}),
        )
        .await;
    let e = app.contact(t, json!({"full_name": "Zoë Smith"})).await;
    let f = app.contact(t, json!({"full_name": "zoe  SMITH"})).await;
    app.contact(t, json!({"full_name": "Nobody Else"})).await;

    let page = app.get_json("/api/v1/contacts/duplicates", t).await;
    let groups = page["data"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "{page}");
    let mut expected_ab = vec![id(&a), id(&b)];
    expected_ab.sort();
    assert_eq!(ids(&groups[0]), expected_ab);
    assert_eq!(
        groups[0]["reasons"],
        json!([{"matched_on": "email", "value": "ann@example.com"}])
    );
    let mut expected_cd = vec![id(&c), id(&d)];
    expected_cd.sort();
    assert_eq!(ids(&groups[1]), expected_cd);
    assert_eq!(groups[1]["reasons"][0]["matched_on"], "linkedin");
    assert_eq!(groups[1]["reasons"][0]["value"], "linkedin.com/in/cy-two");
    let mut expected_ef = vec![id(&e), id(&f)];
    expected_ef.sort();
    assert_eq!(ids(&groups[2]), expected_ef);
    assert_eq!(
        groups[2]["reasons"],
        json!([{"matched_on": "name", "value": "zoe smith"}])
    );

    // Pages follow the oldest contact of each group.
    let first = app.get_json("/api/v1/contacts/duplicates?limit=2", t).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/contacts/duplicates?limit=2&cursor={cursor}"),
            t,
        )
        .await;
    assert_eq!(ids(&rest["data"][0]), expected_ef);
    assert_eq!(rest["next_cursor"], Value::Null);

    let other = app.register().await;
    let theirs = app
        .get_json("/api/v1/contacts/duplicates", &other.access_token)
        .await;
    assert_eq!(theirs["data"], json!([]));
}

#[tokio::test]
async fn a_merge_fills_unites_and_moves_everything_in_one_go() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.patch("/api/v1/me", t, &json!({"interests": ["sailing"]}))
        .await;
    let keep = app
        .contact(
            t,
            json!({"full_name": "Grace Hopper", "emails": ["grace@navy.mil"],
                           "interests": ["compilers"], "why": "mine"}),
        )
        .await;
    let dup = app
        .contact(
            t,
            json!({"full_name": "Grace H.", "emails": ["grace@example.com"],
                           "headline": "the compiler person", "company": "Navy",
                           "interests": ["sailing"], "why": "theirs", "source": "event"}),
        )
        .await;
    let (k, d) = (id(&keep), id(&dup));
    let only_dup = app
        .interaction(
            t,
            json!({"occurred_at": "2026-11-01T10:00:00Z", "kind": "call",
                               "contact_ids": [d], "gave": "a book"}),
        )
        .await;
    let both = app
        .interaction(
            t,
            json!({"occurred_at": "2026-11-02T10:00:00Z", "kind": "meeting",
                               "contact_ids": [k, d]}),
        )
        .await;
    let goal = app
        .goal(
            t,
            json!({"contact_id": d, "kind": "goal", "title": "Teach COBOL"}),
        )
        .await;
    // Dismiss the shared interest "sailing" with the duplicate.
    let page = app
        .get_json(&format!("/api/v1/intersections?contact_id={d}"), t)
        .await;
    let sailing = page["data"][0]["id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/intersections/{sailing}"),
        t,
        &json!({"status": "dismissed"}),
    )
    .await;

    let res = app
        .post(
            &format!("/api/v1/contacts/{k}/merge"),
            Some(t),
            &json!({"from": [d]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let merged: Value = res.json().await.unwrap();
    assert_eq!(merged["full_name"], "Grace Hopper");
    assert_eq!(merged["why"], "mine", "never overwritten");
    assert_eq!(merged["headline"], "the compiler person");
    assert_eq!(merged["company"], "Navy");
    assert_eq!(merged["source"], "event");
    assert_eq!(
        merged["emails"],
        json!(["grace@navy.mil", "grace@example.com"])
    );
    assert_eq!(merged["interests"], json!(["compilers", "sailing"]));
    assert_eq!(merged["interaction_count"], 2);
    assert_eq!(merged["gave_count"], 1);

    assert_problem(
        app.get(&format!("/api/v1/contacts/{d}"), t).await,
        404,
        "not_found",
    )
    .await;
    let moved = app
        .get_json(&format!("/api/v1/interactions/{}", id(&only_dup)), t)
        .await;
    assert_eq!(moved["contact_ids"], json!([k]));
    let shared = app
        .get_json(&format!("/api/v1/interactions/{}", id(&both)), t)
        .await;
    assert_eq!(shared["contact_ids"], json!([k]));
    let goal = app
        .get_json(&format!("/api/v1/goals/{}", id(&goal)), t)
        .await;
    assert_eq!(goal["contact_id"], k.as_str());

    // The dismissal followed: no sailing suggestion for the merged contact.
    let suggested = app
        .get_json(&format!("/api/v1/intersections?contact_id={k}"), t)
        .await;
    assert_eq!(suggested["data"], json!([]), "{suggested}");
    let dismissed = app
        .get_json(
            &format!("/api/v1/intersections?contact_id={k}&status=dismissed"),
            t,
        )
        .await;
    assert_eq!(dismissed["data"][0]["kind"], "shared_interest");
    assert_eq!(
        app.get_json(&format!("/api/v1/contacts/{k}"), t).await["intersection_count"],
        0
    );
    let duplicates = app.get_json("/api/v1/contacts/duplicates", t).await;
    assert_eq!(duplicates["data"], json!([]));
}

#[tokio::test]
async fn a_merge_refuses_what_it_cannot_merge_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.register().await;
    let other = app.register().await;
    let t = &user.access_token;
    let keep = id(&app.contact(t, json!({"full_name": "Keep"})).await);
    let dup = id(&app.contact(t, json!({"full_name": "Dup"})).await);
    let foreign = id(&app
        .contact(&other.access_token, json!({"full_name": "Theirs"}))
        .await);
    let path = format!("/api/v1/contacts/{keep}/merge");
    for (body, field) in [
        (json!({"from": []}), "from"),
        (json!({"from": [keep]}), "from[0]"),
        (json!({"from": [dup, dup]}), "from[1]"),
        (json!({"from": [foreign]}), "from[0]"),
    ] {
        let res = app.post(&path, Some(t), &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    // Someone else's contact cannot be merged into, nor merged away.
    let res = app
        .post(
            &format!("/api/v1/contacts/{foreign}/merge"),
            Some(t),
            &json!({"from": [dup]}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    assert_eq!(
        app.get_json(&format!("/api/v1/contacts/{dup}"), t).await["full_name"],
        "Dup"
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/contacts/{foreign}"), &other.access_token)
            .await["full_name"],
        "Theirs"
    );
}
