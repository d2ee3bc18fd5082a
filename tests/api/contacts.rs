use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, column, spawn_app};

#[tokio::test]
async fn a_contact_is_created_with_every_field_and_read_back() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let body = json!({
        "full_name": " Grace Hopper ",
        "headline": "the compiler person",
        "company": "Remington Rand",
        "role": "Rear admiral",
        "location": "Arlington",
        "emails": ["Grace@Example.com", "grace@example.com"],
        "phones": ["+1 555 010 0199"],
        "links": ["https://www.linkedin.com/in/grace"],
        "source": "event",
        "met_on": "2026-10-02",
        "met_via": "a conference",
        "interests": ["Compilers", "sailing", "compilers"],
        "why": "knows everyone in tooling",
        "can_give": "feedback on her talk",
        "can_get": "an intro",
        "next_step": "send the article",
        "next_step_due": "2026-12-01",
        "spends_time_on": "teaching",
        "relaxes_by": "sailing",
        "growing_in": "public speaking",
        "stage": "prospect",
        "revisit_on": "2027-01-01",
        "keep_in_touch_days": 30,
        "notes": "Met at the Navy"
    });
    let created = app.contact(t, body).await;
    assert_eq!(created["full_name"], "Grace Hopper");
    assert_eq!(created["emails"], json!(["grace@example.com"]));
    assert_eq!(created["interests"], json!(["compilers", "sailing"]));
    assert_eq!(created["stage"], "prospect");
    assert_eq!(created["interaction_count"], 0);
    assert_eq!(created["last_interaction_at"], Value::Null);
    // No interaction yet: the cadence counts from met_on.
    assert_eq!(created["next_touch_due"], "2026-11-01");
    assert_eq!(created["intersection_count"], 0);

    let id = created["id"].as_str().unwrap();
    let res = app.get(&format!("/api/v1/contacts/{id}"), t).await;
    assert!(res.headers().contains_key("etag"));
    let fetched: Value = res.json().await.unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn a_minimal_contact_defaults_to_connected() {
    let app = spawn_app().await;
    let user = app.register().await;
    let c = app
        .contact(&user.access_token, json!({"full_name": "Ada"}))
        .await;
    assert_eq!(c["stage"], "connected");
    assert_eq!(c["emails"], json!([]));
    assert_eq!(c["next_touch_due"], Value::Null);
}

#[tokio::test]
async fn each_invalid_field_is_named_in_a_422() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let cases = [
        (json!({}), "full_name"),
        (json!({"full_name": "  "}), "full_name"),
        (json!({"full_name": "x".repeat(201)}), "full_name"),
        (json!({"full_name": "A", "emails": ["nope"]}), "emails[0]"),
        (
            json!({"full_name": "A", "links": ["javascript:alert(1)"]}),
            "links[0]",
        ),
        (
            json!({"full_name": "A", "phones": ["call me"]}),
            "phones[0]",
        ),
        (
            json!({"full_name": "A", "interests": ["x".repeat(51)]}),
            "interests[0]",
        ),
        (
            json!({"full_name": "A", "interests": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "interests",
        ),
        (
            json!({"full_name": "A", "keep_in_touch_days": 0}),
            "keep_in_touch_days",
        ),
        (json!({"full_name": "A", "stage": "friend"}), "stage"),
        (json!({"full_name": "A", "source": "space"}), "source"),
        (json!({"full_name": "A", "met_on": "2026-13-45"}), "met_on"),
        (
            json!({"full_name": "A", "notes": "x".repeat(10_001)}),
            "notes",
        ),
        (
            json!({"full_name": "A", "interaction_count": 3}),
            "interaction_count",
        ),
        (
            json!({"full_name": "A", "id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"}),
            "id",
        ),
    ];
    for (body, field) in cases {
        let res = app.post("/api/v1/contacts", Some(t), &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let list = app.get_json("/api/v1/contacts", t).await;
    assert!(
        list["data"].as_array().unwrap().is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn patch_is_a_merge_patch_and_read_only_fields_are_refused() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app
        .contact(t, json!({"full_name": "Grace", "why": "tooling", "company": "Navy", "emails": ["g@example.com"]}))
        .await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());

    let res = app
        .patch(
            &path,
            t,
            &json!({"why": null, "emails": [], "role": "admiral"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["why"], Value::Null);
    assert_eq!(updated["emails"], json!([]));
    assert_eq!(updated["role"], "admiral");
    assert_eq!(updated["company"], "Navy", "absent keeps");

    for (body, field) in [
        (json!({"full_name": null}), "full_name"),
        (json!({"stage": null}), "stage"),
        (
            json!({"last_interaction_at": "2026-01-01T00:00:00Z"}),
            "last_interaction_at",
        ),
        (json!({"next_touch_due": "2026-01-01"}), "next_touch_due"),
        (
            json!({"owner_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"}),
            "owner_id",
        ),
    ] {
        let res = app.patch(&path, t, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let after = app.get_json(&path, t).await;
    assert_eq!(after["full_name"], "Grace");
}

#[tokio::test]
async fn a_stale_if_match_is_a_412_on_patch_and_delete() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let c = app.contact(t, json!({"full_name": "Grace"})).await;
    let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
    let etag = app.get(&path, t).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let ok = app
        .request(Method::PATCH, &path, Some(t))
        .header("if-match", &etag)
        .json(&json!({"headline": "first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let stale = app
        .request(Method::PATCH, &path, Some(t))
        .header("if-match", &etag)
        .json(&json!({"headline": "second"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    let stale_delete = app
        .request(Method::DELETE, &path, Some(t))
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_problem(stale_delete, 412, "precondition_failed").await;
    assert_eq!(app.get_json(&path, t).await["headline"], "first");
}

#[tokio::test]
async fn an_idempotent_retry_returns_the_first_response_and_writes_once() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let send = |body: Value, key: &'static str| {
        app.request(Method::POST, "/api/v1/contacts", Some(t))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(json!({"full_name": "Grace"}), "abc-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let retry = send(json!({"full_name": "Grace"}), "abc-1").await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry, first);

    let other_body = send(json!({"full_name": "Ada"}), "abc-1").await.unwrap();
    let problem = assert_problem(other_body, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");

    let list = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(column(&list, "full_name"), [json!("Grace")]);

    // Keys belong to their user.
    let bob = app.register().await;
    let res = app
        .request(Method::POST, "/api/v1/contacts", Some(&bob.access_token))
        .header("idempotency-key", "abc-1")
        .json(&json!({"full_name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn another_users_contact_is_a_404_for_every_verb() {
    let app = spawn_app().await;
    let alice = app.register().await;
    let bob = app.register().await;
    let c = app
        .contact(&alice.access_token, json!({"full_name": "Grace"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/contacts/{id}");
    let b = &bob.access_token;
    assert_problem(app.get(&path, b).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, b, &json!({"headline": "x"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, b).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/timeline"), b).await,
        404,
        "not_found",
    )
    .await;
    let res = app
        .post(
            "/api/v1/interactions",
            Some(b),
            &json!({"kind": "call", "contact_ids": [id]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "contact_ids[0]");
    assert!(
        app.get_json("/api/v1/contacts", b).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Alice's contact is untouched.
    assert_eq!(
        app.get_json(&path, &alice.access_token).await["headline"],
        Value::Null
    );
}

#[tokio::test]
async fn lists_paginate_stably_under_inserts() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for name in ["Ada", "Bea", "Cy", "Dee", "Eve"] {
        app.contact(t, json!({"full_name": name})).await;
    }
    let first = app.get_json("/api/v1/contacts?limit=2", t).await;
    assert_eq!(column(&first, "full_name"), [json!("Ada"), json!("Bea")]);
    // A contact inserted before the cursor neither shifts nor repeats rows.
    app.contact(t, json!({"full_name": "Aaron"})).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(&format!("/api/v1/contacts?limit=2&cursor={cursor}"), t)
        .await;
    assert_eq!(column(&second, "full_name"), [json!("Cy"), json!("Dee")]);
    let cursor = second["next_cursor"].as_str().unwrap();
    let third = app
        .get_json(&format!("/api/v1/contacts?limit=2&cursor={cursor}"), t)
        .await;
    assert_eq!(column(&third, "full_name"), [json!("Eve")]);
    assert_eq!(third["next_cursor"], Value::Null);
    // A cursor from another sort is refused.
    let res = app
        .get(
            &format!("/api/v1/contacts?sort=-created_at&cursor={cursor}"),
            t,
        )
        .await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn filters_combine_and_unknown_filters_are_400() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.contact(t, json!({"full_name": "Ada", "interests": ["math", "poetry"], "stage": "connected", "source": "classmate"})).await;
    app.contact(t, json!({"full_name": "Bea", "interests": ["math"], "stage": "prospect", "company": "Analytical Engines"})).await;
    app.contact(t, json!({"full_name": "Cy", "notes": "50% discount_code", "stage": "archived", "next_step": "call", "next_step_due": "2020-01-01"})).await;

    let names = |page: Value| column(&page, "full_name");
    assert_eq!(
        names(app.get_json("/api/v1/contacts?tag=math", t).await),
        [json!("Ada"), json!("Bea")]
    );
    assert_eq!(
        names(
            app.get_json("/api/v1/contacts?tag=math&tag=Poetry", t)
                .await
        ),
        [json!("Ada")]
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?q=ENGINES", t).await),
        [json!("Bea")]
    );
    // q is the search language: whole words (stemmed), prefixes with `*`.
    assert!(names(app.get_json("/api/v1/contacts?q=poet", t).await).is_empty());
    assert_eq!(
        names(app.get_json("/api/v1/contacts?q=poet*", t).await),
        [json!("Ada")]
    );
    // Punctuation separates words; SQL wildcards mean nothing.
    assert_eq!(
        names(app.get_json("/api/v1/contacts?q=50%25", t).await),
        [json!("Cy")]
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?q=discount_code", t).await),
        [json!("Cy")]
    );
    assert!(names(app.get_json("/api/v1/contacts?q=dis_code", t).await).is_empty());
    assert_eq!(
        names(app.get_json("/api/v1/contacts?stage=prospect", t).await),
        [json!("Bea")]
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?source=classmate", t).await),
        [json!("Ada")]
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?due=true", t).await),
        [json!("Cy")]
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?due=false", t).await),
        [json!("Ada"), json!("Bea")]
    );
    assert_eq!(
        names(
            app.get_json("/api/v1/contacts?inactive_for_days=30", t)
                .await
        )
        .len(),
        3
    );
    assert_eq!(
        names(app.get_json("/api/v1/contacts?sort=-name", t).await),
        [json!("Cy"), json!("Bea"), json!("Ada")]
    );

    for bad in [
        "colour=red",
        "sort=age",
        "stage=best",
        "due=maybe",
        "limit=500",
        "inactive_for_days=-1",
    ] {
        let res = app.get(&format!("/api/v1/contacts?{bad}"), t).await;
        assert_problem(res, 400, "invalid_query").await;
    }
}

#[tokio::test]
async fn deleting_a_contact_removes_it_from_interactions_and_drops_orphans() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let a = app.contact(t, json!({"full_name": "Ada"})).await;
    let b = app.contact(t, json!({"full_name": "Bea"})).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let shared = app
        .interaction(t, json!({"kind": "meeting", "contact_ids": [a_id, b_id]}))
        .await;
    let alone = app
        .interaction(t, json!({"kind": "call", "contact_ids": [a_id]}))
        .await;

    let res = app.delete(&format!("/api/v1/contacts/{a_id}"), t).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let shared_now = app
        .get_json(
            &format!("/api/v1/interactions/{}", shared["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(shared_now["contact_ids"], json!([b_id]));
    let res = app
        .get(
            &format!("/api/v1/interactions/{}", alone["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let b_now = app.get_json(&format!("/api/v1/contacts/{b_id}"), t).await;
    assert_eq!(b_now["interaction_count"], 1);
}
