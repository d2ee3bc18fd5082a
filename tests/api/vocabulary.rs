//! The concept layer over HTTP: synonyms and complements found in what people
//! write, the built-in vocabulary listed, and each user's own vocabulary
//! changing their intersections and nobody else's.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, column, error_fields, spawn_app};

async fn intersections(app: &TestApp, t: &str) -> Vec<Value> {
    app.get_json("/api/v1/intersections", t).await["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn synonyms_and_complements_are_found_in_plain_words() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let raise = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Raise a seed round for our grocery software"}),
        )
        .await;
    let hire = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Hire a product designer"}),
        )
        .await;
    let angel = app.contact(t, json!({"full_name": "Ana Müller"})).await;
    let checks = app
        .goal(
            t,
            json!({"contact_id": angel["id"], "kind": "offer",
                   "title": "Angel investor, I write first checks into B2B SaaS"}),
        )
        .await;
    let designer = app.contact(t, json!({"full_name": "Zoë Dvořák"})).await;
    let role = app
        .goal(
            t,
            json!({"contact_id": designer["id"], "kind": "goal",
                   "title": "Looking for my next UX role"}),
        )
        .await;
    let gardener = app.contact(t, json!({"full_name": "Søren Berg"})).await;
    app.goal(
        t,
        json!({"contact_id": gardener["id"], "kind": "offer",
               "title": "Heirloom seed swaps and gardening workshops"}),
    )
    .await;

    let found = intersections(&app, t).await;
    let with = |goal: &Value| {
        found
            .iter()
            .find(|i| i["their_goal_id"] == goal["id"])
            .cloned()
            .unwrap_or_else(|| panic!("no intersection with {}: {found:?}", goal["title"]))
    };
    let funding = with(&checks);
    assert_eq!(funding["kind"], "they_can_help");
    assert_eq!(funding["my_goal_id"], raise["id"]);
    let reason = funding["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relation"] == "complement")
        .unwrap_or_else(|| panic!("a complement among {funding}"));
    assert_eq!(reason["via"], "concept");
    assert_eq!(reason["concepts"], json!(["fundraising", "investing"]));
    assert_eq!(reason["term"], "fundraising ↔ investing");

    let design = with(&role);
    assert_eq!(design["kind"], "complementary_goal", "{design}");
    assert_eq!(design["my_goal_id"], hire["id"]);
    // The gardener's seeds are not a seed round.
    assert!(
        found.iter().all(|i| i["contact_id"] != gardener["id"]),
        "{found:?}"
    );

    // The goal says how it was understood.
    let goal = app
        .get_json(
            &format!("/api/v1/goals/{}", raise["id"].as_str().unwrap()),
            t,
        )
        .await;
    let concepts: Vec<&str> = goal["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(concepts.contains(&"fundraising"), "{goal}");
}

#[tokio::test]
async fn the_builtin_concepts_are_listed_with_their_relations() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let mut all: Vec<Value> = Vec::new();
    let mut path = "/api/v1/concepts?limit=100".to_string();
    loop {
        let page = app.get_json(&path, t).await;
        assert!(page["version"].as_u64().unwrap() >= 1);
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/concepts?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    assert!(all.len() >= 150, "{} concepts", all.len());
    let ids: Vec<&str> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted by id");
    // A profession is a role; fundraising is not.
    let role = |id: &str| all.iter().find(|c| c["id"] == id).unwrap()["role"].clone();
    assert_eq!(role("software_engineering"), json!(true));
    assert_eq!(role("fundraising"), json!(false));

    let page = app.get_json("/api/v1/concepts?q=fundrais", t).await;
    let fundraising = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "fundraising")
        .cloned()
        .expect("fundraising is found by its name");
    assert!(
        fundraising["complements"]
            .as_array()
            .unwrap()
            .contains(&json!("investing"))
    );
    let res = app.get("/api/v1/concepts?q=", t).await;
    assert_problem(res, 400, "invalid_query").await;
}

/// My goal and a contact's offer that only a vocabulary of my own ties.
async fn zettelkasten_network(app: &TestApp, t: &str) -> (Value, Value) {
    let goal = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Set up a Zettelkasten for my thesis"}),
        )
        .await;
    let contact = app.contact(t, json!({"full_name": "Łukasz Nowak"})).await;
    let offer = app
        .goal(
            t,
            json!({"contact_id": contact["id"], "kind": "offer",
                   "title": "I coach people on slip-box note taking"}),
        )
        .await;
    (goal, offer)
}

#[tokio::test]
async fn your_own_vocabulary_changes_your_intersections_and_nobody_elses() {
    let app = spawn_app().await;
    let a = app.register().await;
    let b = app.register().await;
    let (ta, tb) = (&a.access_token, &b.access_token);
    let (my_goal, offer) = zettelkasten_network(&app, ta).await;
    zettelkasten_network(&app, tb).await;
    assert_eq!(intersections(&app, ta).await, Vec::<Value>::new());

    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(ta),
            &json!({"label": "Zettelkasten", "phrases": ["zettelkasten", "slip-box note taking"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().contains_key("etag"));
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["concept_id"], "zettelkasten");
    assert_eq!(entry["extends"], Value::Null);
    let path = format!("/api/v1/vocabulary/{}", entry["id"].as_str().unwrap());

    let found = intersections(&app, ta).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["kind"], "they_can_help");
    assert_eq!(found[0]["their_goal_id"], offer["id"]);
    let reason = &found[0]["reasons"][0];
    assert_eq!(reason["via"], "concept");
    assert_eq!(reason["term"], "Zettelkasten");
    assert_eq!(
        reason["phrases"],
        json!(["zettelkasten", "slip box note taking"])
    );
    let goal = app
        .get_json(
            &format!("/api/v1/goals/{}", my_goal["id"].as_str().unwrap()),
            ta,
        )
        .await;
    assert_eq!(goal["concepts"][0]["id"], "zettelkasten", "{goal}");
    // B's identical network is read with the built-in vocabulary only.
    assert_eq!(intersections(&app, tb).await, Vec::<Value>::new());
    assert_problem(app.get(&path, tb).await, 404, "not_found").await;
    let res = app.patch(&path, tb, &json!({"phrases": ["x"]})).await;
    assert_problem(res, 404, "not_found").await;
    assert_problem(app.delete(&path, tb).await, 404, "not_found").await;
    assert_eq!(
        app.get_json("/api/v1/vocabulary", tb).await["data"],
        json!([])
    );

    // Fewer words, no intersection; the entry gone, none either.
    let res = app
        .patch(&path, ta, &json!({"phrases": ["zettelkasten"]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(intersections(&app, ta).await, Vec::<Value>::new());
    let res = app
        .patch(&path, ta, &json!({"phrases": ["zettelkasten", "slip box"]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(intersections(&app, ta).await.len(), 1);
    assert_eq!(app.delete(&path, ta).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(intersections(&app, ta).await, Vec::<Value>::new());
    assert_eq!(
        app.get_json("/api/v1/vocabulary", ta).await["data"],
        json!([])
    );
}

#[tokio::test]
async fn words_added_to_a_builtin_concept_count_as_that_concept() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.goal(
        t,
        json!({"kind": "goal", "title": "Close the Plumtree money before summer"}),
    )
    .await;
    let angel = app.contact(t, json!({"full_name": "José Añez"})).await;
    app.goal(
        t,
        json!({"contact_id": angel["id"], "kind": "offer", "title": "Angel investor in consumer apps"}),
    )
    .await;
    assert_eq!(intersections(&app, t).await, Vec::<Value>::new());
    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"extends": "fundraising", "phrases": ["Plumtree money"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["concept_id"], "fundraising");
    assert_eq!(entry["label"], "fundraising");
    let found = intersections(&app, t).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["contact_id"], angel["id"]);

    // One entry per concept.
    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"extends": "fundraising", "phrases": ["bootstrapping money"]}),
        )
        .await;
    assert_problem(res, 409, "concept_exists").await;
    assert_eq!(
        column(&app.get_json("/api/v1/vocabulary", t).await, "id").len(),
        1
    );
}

#[tokio::test]
async fn a_vocabulary_entry_that_cannot_be_read_is_refused() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for (body, field) in [
        (json!({"label": "x", "phrases": []}), "phrases"),
        (json!({"phrases": ["x"]}), "label"),
        (json!({"label": "Fundraising", "phrases": ["x"]}), "label"),
        (
            json!({"extends": "no_such_concept", "phrases": ["x"]}),
            "extends",
        ),
        (
            json!({"extends": "fundraising", "phrases": ["x"], "complements": ["investing"]}),
            "complements",
        ),
        (
            json!({"label": "boats", "phrases": ["dinghy"], "complements": ["no_such"]}),
            "complements",
        ),
        (json!({"label": "boats", "phrases": ["the"]}), "phrases[0]"),
        (json!({"label": "boats", "phrases": ["  "]}), "phrases[0]"),
    ] {
        let res = app.post("/api/v1/vocabulary", Some(t), &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(error_fields(&problem).contains(&field), "{body}: {problem}");
    }
    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"label": "boats", "phrases": ["dinghy"], "extra": 1}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let created = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"label": "Boats!", "phrases": ["dinghy"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let entry: Value = created.json().await.unwrap();
    assert_eq!(entry["concept_id"], "boats");
    let again = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"label": "boats", "phrases": ["keelboat"]}),
        )
        .await;
    assert_problem(again, 409, "concept_exists").await;
    // A concept of one's own may complement another of one's own.
    let res = app
        .post(
            "/api/v1/vocabulary",
            Some(t),
            &json!({"label": "boat repair", "phrases": ["hull repair"], "complements": ["boats"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let path = format!("/api/v1/vocabulary/{}", entry["id"].as_str().unwrap());
    let res = app.patch(&path, t, &json!({"concept_id": "ships"})).await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app.patch(&path, t, &json!({"phrases": null})).await;
    assert_problem(res, 422, "validation_failed").await;
}
