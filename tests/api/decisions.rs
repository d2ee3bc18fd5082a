//! Decisions and stages respected everywhere: a dismissed intersection
//! leaves people-for-a-goal, a dismissed introduction leaves introductions
//! (and people for that contact's goals) for good, and resting contacts
//! (`not_now` until `revisit_on`, archived for ever) leave every suggestion.
//!
//! The network is tied by the tag `podcasting`, which any engine matches:
//! my goal and Cleo's goal (a podcast), Ada's and Ben's offers (podcast
//! production).

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, column, spawn_app};

struct Network {
    my_goal: String,
    ada: String,
    ada_offer: String,
    ben: String,
    cleo: String,
    cleo_goal: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn seed(app: &TestApp, t: &str) -> Network {
    let my_goal = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Launch a podcast about gardening",
                   "topics": ["podcasting"]}),
        )
        .await;
    let ada = app.contact(t, json!({"full_name": "Ada Audio"})).await;
    let ada_offer = app
        .goal(
            t,
            json!({"contact_id": ada["id"], "kind": "offer",
                   "title": "I produce podcasts and edit audio", "topics": ["podcasting"]}),
        )
        .await;
    let ben = app.contact(t, json!({"full_name": "Ben Booth"})).await;
    app.goal(
        t,
        json!({"contact_id": ben["id"], "kind": "offer",
               "title": "Podcast production and editing", "topics": ["podcasting"]}),
    )
    .await;
    let cleo = app.contact(t, json!({"full_name": "Cleo Cast"})).await;
    let cleo_goal = app
        .goal(
            t,
            json!({"contact_id": cleo["id"], "kind": "goal",
                   "title": "Start a podcast for our bakery", "topics": ["podcasting"]}),
        )
        .await;
    Network {
        my_goal: id(&my_goal),
        ada: id(&ada),
        ada_offer: id(&ada_offer),
        ben: id(&ben),
        cleo: id(&cleo),
        cleo_goal: id(&cleo_goal),
    }
}

/// The contact ids of a page of people.
fn people_ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = column(page, "contact")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// The contact pairs of a page of introductions, each sorted.
fn pairs(page: &Value) -> Vec<[String; 2]> {
    let mut pairs: Vec<[String; 2]> = column(page, "contacts")
        .iter()
        .map(|c| {
            let mut pair = [
                c[0]["id"].as_str().unwrap().to_string(),
                c[1]["id"].as_str().unwrap().to_string(),
            ];
            pair.sort();
            pair
        })
        .collect();
    pairs.sort();
    pairs
}

fn pair(a: &str, b: &str) -> [String; 2] {
    let mut pair = [a.to_string(), b.to_string()];
    pair.sort();
    pair
}

fn sorted(mut ids: Vec<&str>) -> Vec<String> {
    ids.sort();
    ids.into_iter().map(str::to_string).collect()
}

async fn intersection_contacts(app: &TestApp, t: &str) -> Vec<String> {
    let page = app.get_json("/api/v1/intersections", t).await;
    let mut ids: Vec<String> = column(&page, "contact_id")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn reconnect_ids(app: &TestApp, t: &str) -> Vec<String> {
    let page = app
        .get_json("/api/v1/reconnect?inactive_for_days=0", t)
        .await;
    let mut ids: Vec<String> = column(&page, "id")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_dismissed_intersection_leaves_the_people_for_that_goal() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed(&app, t).await;
    let people = format!("/api/v1/goals/{}/people", n.my_goal);
    let page = app.get_json(&people, t).await;
    assert_eq!(
        people_ids(&page),
        sorted(vec![&n.ada, &n.ben, &n.cleo]),
        "{page}"
    );

    let found = app
        .get_json(&format!("/api/v1/intersections?contact_id={}", n.ada), t)
        .await;
    let with_ada = &found["data"][0];
    assert_eq!(with_ada["their_goal_id"], n.ada_offer.as_str(), "{found}");
    let res = app
        .patch(
            &format!("/api/v1/intersections/{}", with_ada["id"].as_str().unwrap()),
            t,
            &json!({"status": "dismissed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let page = app.get_json(&people, t).await;
    assert_eq!(people_ids(&page), sorted(vec![&n.ben, &n.cleo]), "{page}");
    // Still out after the network changes and everything is recomputed.
    app.goal(
        t,
        json!({"kind": "offer", "title": "Happy to review pitch decks"}),
    )
    .await;
    let page = app.get_json(&people, t).await;
    assert_eq!(people_ids(&page), sorted(vec![&n.ben, &n.cleo]), "{page}");
    assert!(!intersection_contacts(&app, t).await.contains(&n.ada));
}

#[tokio::test]
async fn resting_contacts_leave_every_suggestion_until_their_revisit_date() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed(&app, t).await;
    let people = format!("/api/v1/goals/{}/people", n.my_goal);
    let everyone = sorted(vec![&n.ada, &n.ben, &n.cleo]);
    assert_eq!(intersection_contacts(&app, t).await, everyone);
    assert_eq!(reconnect_ids(&app, t).await, everyone);
    let intros = app.get_json("/api/v1/introductions", t).await;
    assert_eq!(
        pairs(&intros),
        vec![pair(&n.ada, &n.cleo), pair(&n.ben, &n.cleo)],
        "{intros}"
    );

    let ben = format!("/api/v1/contacts/{}", n.ben);
    let without_ben = sorted(vec![&n.ada, &n.cleo]);
    let today = Utc::now().date_naive();
    for rest in [
        // No date given: back in 90 days.
        json!({"stage": "not_now"}),
        json!({"stage": "not_now", "revisit_on": today + Duration::days(30)}),
        json!({"stage": "archived"}),
    ] {
        let res = app.patch(&ben, t, &rest).await;
        assert_eq!(res.status(), StatusCode::OK, "{rest}");
        assert_eq!(intersection_contacts(&app, t).await, without_ben, "{rest}");
        assert_eq!(
            people_ids(&app.get_json(&people, t).await),
            without_ben,
            "{rest}"
        );
        let intros = app.get_json("/api/v1/introductions", t).await;
        assert_eq!(pairs(&intros), vec![pair(&n.ada, &n.cleo)], "{rest}");
        assert_eq!(reconnect_ids(&app, t).await, without_ben, "{rest}");
    }

    // The revisit date came: back in every suggestion.
    let res = app
        .patch(
            &ben,
            t,
            &json!({"stage": "not_now", "revisit_on": today - Duration::days(1)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(intersection_contacts(&app, t).await, everyone);
    assert_eq!(people_ids(&app.get_json(&people, t).await), everyone);
    assert_eq!(reconnect_ids(&app, t).await, everyone);
    let intros = app.get_json("/api/v1/introductions", t).await;
    assert_eq!(pairs(&intros).len(), 2, "{intros}");
}

#[tokio::test]
async fn a_confirmed_intersection_of_a_resting_contact_stays_but_an_archived_one_goes() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed(&app, t).await;
    let found = app
        .get_json(&format!("/api/v1/intersections?contact_id={}", n.ada), t)
        .await;
    let path = format!(
        "/api/v1/intersections/{}",
        found["data"][0]["id"].as_str().unwrap()
    );
    let res = app.patch(&path, t, &json!({"status": "confirmed"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ada = format!("/api/v1/contacts/{}", n.ada);
    app.patch(&ada, t, &json!({"stage": "not_now"})).await;
    assert!(intersection_contacts(&app, t).await.contains(&n.ada));
    app.patch(&ada, t, &json!({"stage": "archived"})).await;
    assert!(!intersection_contacts(&app, t).await.contains(&n.ada));
}

#[tokio::test]
async fn introductions_can_be_dismissed_and_confirmed_and_decisions_survive_recomputation() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed(&app, t).await;
    let page = app.get_json("/api/v1/introductions", t).await;
    let ada_cleo = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| pairs(&json!({"data": [i]}))[0] == pair(&n.ada, &n.cleo))
        .cloned()
        .unwrap();
    assert_eq!(ada_cleo["status"], "suggested");
    let path = format!("/api/v1/introductions/{}", ada_cleo["id"].as_str().unwrap());

    // A note alone keeps it a suggestion; an empty patch changes nothing.
    let noted: Value = app
        .patch(&path, t, &json!({"note": "Ask Cleo first"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(noted["status"], "suggested");
    assert_eq!(noted["note"], "Ask Cleo first");
    let res = app.patch(&path, t, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);

    // GET gives the same introduction with an ETag; a stale one is a 412.
    let res = app.get(&path, t).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", "\"0000\"")
        .json(&json!({"status": "dismissed"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", etag)
        .json(&json!({"status": "dismissed", "note": "They met already"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let dismissed: Value = res.json().await.unwrap();
    assert_eq!(dismissed["status"], "dismissed");
    assert_eq!(dismissed["note"], "They met already");

    let only_ben = vec![pair(&n.ben, &n.cleo)];
    assert_eq!(
        pairs(&app.get_json("/api/v1/introductions", t).await),
        only_ben
    );
    // People for Cleo's goal leave Ada out too.
    let cleo_people = format!("/api/v1/goals/{}/people", n.cleo_goal);
    assert_eq!(
        people_ids(&app.get_json(&cleo_people, t).await),
        sorted(vec![&n.ben])
    );

    // A change in the network recomputes everything; the decision stays.
    app.goal(
        t,
        json!({"contact_id": n.ada, "kind": "offer", "title": "More podcast editing",
               "topics": ["podcasting"]}),
    )
    .await;
    assert_eq!(
        pairs(&app.get_json("/api/v1/introductions", t).await),
        only_ben
    );
    let listed = app
        .get_json("/api/v1/introductions?status=dismissed", t)
        .await;
    assert_eq!(column(&listed, "id"), [ada_cleo["id"].clone()]);
    assert_eq!(app.get_json(&path, t).await["status"], "dismissed");

    // Confirmed stays listed even when their goals stop meeting.
    let ben_cleo = &app.get_json("/api/v1/introductions", t).await["data"][0];
    let ben_path = format!("/api/v1/introductions/{}", ben_cleo["id"].as_str().unwrap());
    let res = app
        .patch(&ben_path, t, &json!({"status": "confirmed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cleo_goal = format!("/api/v1/goals/{}", n.cleo_goal);
    let res = app
        .patch(
            &cleo_goal,
            t,
            &json!({"title": "Open a second bakery", "topics": ["baking"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = app.get_json("/api/v1/introductions", t).await;
    assert_eq!(pairs(&page), only_ben, "{page}");
    assert_eq!(page["data"][0]["status"], "confirmed");
    assert_eq!(page["data"][0]["score"], 0.0);
    assert_eq!(page["data"][0]["matches"], json!([]));
    let suggested = app
        .get_json("/api/v1/introductions?status=suggested", t)
        .await;
    assert_eq!(suggested["data"], json!([]));

    // Nothing to decide about: a 422; another user's: a 404.
    let res = app.patch(&ben_path, t, &json!({"status": null})).await;
    assert_problem(res, 422, "validation_failed").await;
    let other = app.register().await;
    assert_problem(app.get(&path, &other.access_token).await, 404, "not_found").await;
    let res = app
        .patch(&path, &other.access_token, &json!({"status": "confirmed"}))
        .await;
    assert_problem(res, 404, "not_found").await;
    assert_eq!(app.get_json(&path, t).await["status"], "dismissed");
    let unknown = format!("/api/v1/introductions/{}", uuid::Uuid::now_v7());
    assert_problem(app.get(&unknown, t).await, 404, "not_found").await;
}
