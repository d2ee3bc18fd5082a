use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, column, error_fields, spawn_app};

#[tokio::test]
async fn goals_are_created_for_me_and_for_contacts_and_filtered() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let contact = app.contact(t, json!({"full_name": "Pat Producer"})).await;
    let cid = contact["id"].as_str().unwrap();

    let mine = app
        .goal(
            t,
            json!({
                "kind": "goal",
                "title": " Launch a podcast ",
                "description": "About small-business marketing",
                "topics": ["Podcasting", "marketing", "podcasting"],
                "horizon": "short",
                "target_on": "2027-03-01",
                "priority": 1
            }),
        )
        .await;
    assert_eq!(mine["title"], "Launch a podcast");
    assert_eq!(mine["contact_id"], Value::Null);
    assert_eq!(mine["topics"], json!(["podcasting", "marketing"]));
    assert_eq!(mine["status"], "active");
    assert_eq!(mine["priority"], 1);

    let theirs = app
        .goal(
            t,
            json!({"contact_id": cid, "kind": "offer", "title": "Produces podcasts", "topics": ["audio"]}),
        )
        .await;
    assert_eq!(theirs["contact_id"], cid);
    assert_eq!(theirs["priority"], 2);

    let all = app.get_json("/api/v1/goals", t).await;
    assert_eq!(
        column(&all, "id"),
        [theirs["id"].clone(), mine["id"].clone()]
    );
    let only_mine = app.get_json("/api/v1/goals?owner=me", t).await;
    assert_eq!(column(&only_mine, "id"), [mine["id"].clone()]);
    let contacts = app.get_json("/api/v1/goals?owner=contacts", t).await;
    assert_eq!(column(&contacts, "id"), [theirs["id"].clone()]);
    let by_contact = app
        .get_json(&format!("/api/v1/goals?contact_id={cid}"), t)
        .await;
    assert_eq!(column(&by_contact, "id"), [theirs["id"].clone()]);
    let offers = app.get_json("/api/v1/goals?kind=offer", t).await;
    assert_eq!(column(&offers, "id"), [theirs["id"].clone()]);
    let topic = app.get_json("/api/v1/goals?topic=Podcasting", t).await;
    assert_eq!(column(&topic, "id"), [mine["id"].clone()]);
    let achieved = app.get_json("/api/v1/goals?status=achieved", t).await;
    assert_eq!(column(&achieved, "id"), Vec::<Value>::new());

    let res = app.get("/api/v1/goals?owner=everyone", t).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.get("/api/v1/goals?colour=red", t).await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn goals_paginate_newest_first() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let mut ids = Vec::new();
    for i in 0..5 {
        let g = app
            .goal(t, json!({"kind": "goal", "title": format!("Goal {i}")}))
            .await;
        ids.push(g["id"].clone());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/goals?limit=2".to_string(),
            Some(c) => format!("/api/v1/goals?limit=2&cursor={c}"),
        };
        let page = app.get_json(&path, t).await;
        seen.extend(column(&page, "id"));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn goal_validation_names_every_field() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app
        .post(
            "/api/v1/goals",
            Some(t),
            &json!({
                "kind": "goal",
                "title": "  ",
                "priority": 4,
                "contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60",
                "topics": ["x".repeat(51)]
            }),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields = error_fields(&body);
    for field in ["contact_id", "title", "priority", "topics[0]"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let res = app
        .post(
            "/api/v1/goals",
            Some(t),
            &json!({"kind": "wish", "title": "x"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let count = app.get_json("/api/v1/goals", t).await;
    assert_eq!(count["data"], json!([]));
}

#[tokio::test]
async fn a_goal_is_patched_with_merge_patch_and_if_match() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let g = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Write a book", "description": "On networking"}),
        )
        .await;
    let path = format!("/api/v1/goals/{}", g["id"].as_str().unwrap());
    let res = app.get(&path, t).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();

    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", &etag)
        .json(&json!({"status": "achieved", "description": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["status"], "achieved");
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["title"], "Write a book");

    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", &etag)
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    for body in [
        json!({"contact_id": null}),
        json!({"id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"}),
        json!({"created_at": "2026-01-01T00:00:00Z"}),
    ] {
        let res = app.patch(&path, t, &body).await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let res = app.patch(&path, t, &json!({"title": null})).await;
    assert_problem(res, 422, "validation_failed").await;
    assert_eq!(app.get_json(&path, t).await["title"], "Write a book");
}

#[tokio::test]
async fn deleting_a_goal_unlinks_it_from_interactions_and_deleting_a_contact_deletes_its_goals() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Lee"})).await;
    let cid = c["id"].as_str().unwrap();
    let mine = app
        .goal(t, json!({"kind": "goal", "title": "Run a marathon"}))
        .await;
    let theirs = app
        .goal(
            t,
            json!({"contact_id": cid, "kind": "goal", "title": "Learn to code"}),
        )
        .await;
    let i = app
        .interaction(
            t,
            json!({
                "occurred_at": "2026-11-01T10:00:00Z",
                "kind": "call",
                "contact_ids": [cid],
                "goal_ids": [mine["id"], theirs["id"]]
            }),
        )
        .await;
    assert_eq!(i["goal_ids"].as_array().unwrap().len(), 2);

    let res = app
        .delete(
            &format!("/api/v1/goals/{}", mine["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = app
        .get_json(
            &format!("/api/v1/interactions/{}", i["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(after["goal_ids"], json!([theirs["id"]]));

    let res = app.delete(&format!("/api/v1/contacts/{cid}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .get(
            &format!("/api/v1/goals/{}", theirs["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn interactions_accept_only_the_users_own_goal_ids() {
    let app = spawn_app().await;
    let user = app.register().await;
    let other = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Lee"})).await;
    let mine = app.goal(t, json!({"kind": "goal", "title": "Mine"})).await;
    let foreign = app
        .goal(
            &other.access_token,
            json!({"kind": "goal", "title": "Not yours"}),
        )
        .await;
    let res = app
        .post(
            "/api/v1/interactions",
            Some(t),
            &json!({
                "occurred_at": "2026-11-01T10:00:00Z",
                "kind": "call",
                "contact_ids": [c["id"]],
                "goal_ids": [mine["id"], foreign["id"]]
            }),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "goal_ids[1]");
}

#[tokio::test]
async fn another_users_goal_is_a_404_for_every_verb() {
    let app = spawn_app().await;
    let owner = app.register().await;
    let intruder = app.register().await;
    let g = app
        .goal(
            &owner.access_token,
            json!({"kind": "goal", "title": "Private"}),
        )
        .await;
    let path = format!("/api/v1/goals/{}", g["id"].as_str().unwrap());
    let t = &intruder.access_token;
    assert_problem(app.get(&path, t).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, t, &json!({"title": "Mine now"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, t).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/people"), t).await,
        404,
        "not_found",
    )
    .await;
    let listed = app.get_json("/api/v1/goals", t).await;
    assert_eq!(listed["data"], json!([]));
    // Nor can a goal be attached to someone else's contact.
    let c = app
        .contact(&owner.access_token, json!({"full_name": "Theirs"}))
        .await;
    let res = app
        .post(
            "/api/v1/goals",
            Some(t),
            &json!({"contact_id": c["id"], "kind": "goal", "title": "x"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        app.get_json(&path, &owner.access_token).await["title"],
        "Private"
    );
}
