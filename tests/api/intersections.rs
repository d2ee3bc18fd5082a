//! The seeds' example network: a user who wants to launch a podcast about
//! small-business marketing and can teach project management; a contact who
//! produces podcasts; one who wants to learn project management; one who
//! shares only the interest "photography"; one who coaches project
//! management; and one with nothing in common with anybody.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, column, spawn_app};

struct Network {
    podcast_goal: String,
    pm_offer: String,
    producer: String,
    producer_offer: String,
    learner: String,
    learner_goal: String,
    photographer: String,
    coach: String,
    coach_offer: String,
    stranger: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn seed_network(app: &TestApp, t: &str) -> Network {
    let res = app
        .patch(
            "/api/v1/me",
            t,
            &json!({"interests": ["photography", "cycling"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let podcast_goal = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Launch a podcast about small-business marketing",
                   "topics": ["podcasting", "marketing"], "priority": 1}),
        )
        .await;
    let pm_offer = app
        .goal(
            t,
            json!({"kind": "offer", "title": "I can teach project management",
                   "topics": ["project management"]}),
        )
        .await;
    let producer = app
        .contact(
            t,
            json!({"full_name": "Pat Producer", "headline": "the podcast person"}),
        )
        .await;
    let producer_offer = app
        .goal(
            t,
            json!({"contact_id": producer["id"], "kind": "offer",
                   "title": "I produce podcasts and edit audio for small shows",
                   "topics": ["podcast", "audio"]}),
        )
        .await;
    let learner = app.contact(t, json!({"full_name": "Lee Learner"})).await;
    let learner_goal = app
        .goal(
            t,
            json!({"contact_id": learner["id"], "kind": "goal",
                   "title": "Learn project management to lead my team",
                   "topics": ["project management"]}),
        )
        .await;
    let photographer = app
        .contact(
            t,
            json!({"full_name": "Fran Photographer", "interests": ["photography"]}),
        )
        .await;
    let coach = app.contact(t, json!({"full_name": "Cory Coach"})).await;
    let coach_offer = app
        .goal(
            t,
            json!({"contact_id": coach["id"], "kind": "offer",
                   "title": "Project management coaching for new team leads",
                   "topics": ["project management", "coaching"]}),
        )
        .await;
    let stranger = app
        .contact(
            t,
            json!({"full_name": "Uma Unrelated", "interests": ["knitting"]}),
        )
        .await;
    app.goal(
        t,
        json!({"contact_id": stranger["id"], "kind": "goal", "title": "Finish a marathon",
               "topics": ["running"]}),
    )
    .await;
    app.goal(
        t,
        json!({"contact_id": stranger["id"], "kind": "offer", "title": "Bake sourdough bread",
               "topics": ["baking"]}),
    )
    .await;
    Network {
        podcast_goal: id(&podcast_goal),
        pm_offer: id(&pm_offer),
        producer: id(&producer),
        producer_offer: id(&producer_offer),
        learner: id(&learner),
        learner_goal: id(&learner_goal),
        photographer: id(&photographer),
        coach: id(&coach),
        coach_offer: id(&coach_offer),
        stranger: id(&stranger),
    }
}

fn terms(intersection: &Value) -> Vec<String> {
    intersection["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["term"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(page: &'a Value, contact: &str) -> &'a Value {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["contact_id"] == contact)
        .unwrap_or_else(|| panic!("no intersection with {contact} in {page}"))
}

#[tokio::test]
async fn the_seed_network_has_exactly_the_expected_intersections() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;

    let page = app.get_json("/api/v1/intersections", t).await;
    let mut kinds: Vec<(String, String)> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["contact_id"].as_str().unwrap().to_string(),
                i["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort();
    let mut expected = vec![
        (n.producer.clone(), "they_can_help".to_string()),
        (n.learner.clone(), "i_can_help".to_string()),
        (n.photographer.clone(), "shared_interest".to_string()),
    ];
    expected.sort();
    assert_eq!(kinds, expected, "{page}");

    let help = find(&page, &n.producer);
    assert_eq!(help["my_goal_id"], n.podcast_goal.as_str());
    assert_eq!(help["their_goal_id"], n.producer_offer.as_str());
    assert_eq!(help["status"], "suggested");
    assert_eq!(help["origin"], "computed");
    assert!(terms(help).contains(&"podcast".to_string()), "{help}");
    let score = help["score"].as_f64().unwrap();
    assert!(score > 0.0 && score <= 1.0);

    let teach = find(&page, &n.learner);
    assert_eq!(teach["my_goal_id"], n.pm_offer.as_str());
    assert_eq!(teach["their_goal_id"], n.learner_goal.as_str());
    assert!(
        terms(teach).contains(&"project management".to_string()),
        "{teach}"
    );

    let interest = find(&page, &n.photographer);
    assert_eq!(interest["my_goal_id"], Value::Null);
    // Photography first; the broader concept it implies (art) counts less.
    assert_eq!(terms(interest)[0], "photography", "{interest}");

    // Sorted by score, best first.
    let scores: Vec<f64> = column(&page, "score")
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // The counts on contacts are exact, and sort.
    for (contact, count) in [
        (&n.producer, 1),
        (&n.learner, 1),
        (&n.photographer, 1),
        (&n.coach, 0),
        (&n.stranger, 0),
    ] {
        let c = app
            .get_json(&format!("/api/v1/contacts/{contact}"), t)
            .await;
        assert_eq!(c["intersection_count"], count, "{}", c["full_name"]);
    }
    let sorted = app
        .get_json("/api/v1/contacts?sort=-intersection_count", t)
        .await;
    let counts: Vec<i64> = column(&sorted, "intersection_count")
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(counts, [1, 1, 1, 0, 0]);

    // Filters.
    let only = app
        .get_json(
            &format!("/api/v1/intersections?contact_id={}", n.learner),
            t,
        )
        .await;
    assert_eq!(column(&only, "kind"), [json!("i_can_help")]);
    let shared = app
        .get_json("/api/v1/intersections?kind=shared_interest", t)
        .await;
    assert_eq!(column(&shared, "contact_id"), [json!(n.photographer)]);
    let none = app.get_json("/api/v1/intersections?min_score=1", t).await;
    assert!(
        none["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["score"] == 1.0)
    );
    let res = app.get("/api/v1/intersections?min_score=2", t).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.get("/api/v1/intersections?kind=friendship", t).await;
    assert_problem(res, 400, "invalid_query").await;
}

/// `GET /contacts/{id}` reads the contact and the intersections' freshness in
/// one statement; after a change it must still answer the recomputed count.
#[tokio::test]
async fn a_contacts_intersection_count_is_current_on_the_first_read_after_a_change() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let learner = format!("/api/v1/contacts/{}", n.learner);
    // No read of /intersections in between: this read finds them stale.
    assert_eq!(app.get_json(&learner, t).await["intersection_count"], 1);
    // And again, now current.
    assert_eq!(app.get_json(&learner, t).await["intersection_count"], 1);

    let res = app
        .delete(&format!("/api/v1/goals/{}", n.learner_goal), t)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&learner, t).await["intersection_count"], 0);

    let other = app.register().await;
    let res = app.get(&learner, &other.access_token).await;
    assert_problem(res, 404, "not_found").await;
}

/// Reads never recompute: one that does not wait (`Prefer: wait=0`) shows
/// the last computed state and says whether it is current; one that waits
/// gets the current state.
#[tokio::test]
async fn a_read_that_does_not_wait_says_whether_the_intersections_are_current() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let read = |prefer: Option<&'static str>| {
        let mut req = app.request(Method::GET, "/api/v1/intersections?limit=200", Some(t));
        if let Some(prefer) = prefer {
            req = req.header("Prefer", prefer);
        }
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let header = |name: &str| {
                res.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_string())
            };
            let (stale, applied) = (header("intersections-stale"), header("preference-applied"));
            let page: Value = res.json().await.unwrap();
            (
                stale.expect("every such read says"),
                applied,
                page["data"].as_array().unwrap().len(),
            )
        }
    };
    let (stale, applied, before) = read(None).await;
    assert_eq!((stale.as_str(), applied), ("false", None));

    let res = app
        .delete(&format!("/api/v1/goals/{}", n.learner_goal), t)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Its intersection went with the goal at once; the recomputation that
    // follows finds the same: whether it has run yet or not, the page
    // agrees with what the header says.
    let (stale, applied, now) = read(Some("wait=0")).await;
    assert_eq!(applied.as_deref(), Some("wait=0"));
    assert!(stale == "true" || stale == "false");
    assert_eq!(now, before - 1);

    // A change that adds one: not waiting shows the old state while stale.
    app.goal(
        t,
        json!({"contact_id": n.learner, "kind": "goal",
               "title": "Learn project management to lead my team",
               "topics": ["project management"]}),
    )
    .await;
    let (stale, _, shown) = read(Some("wait=0")).await;
    match stale.as_str() {
        "true" => assert_eq!(shown, before - 1, "the last computed state"),
        _ => assert_eq!(shown, before, "already recomputed"),
    }
    let (stale, applied, settled) = read(Some("wait=30")).await;
    assert_eq!(
        (stale.as_str(), applied.as_deref()),
        ("false", Some("wait=30"))
    );
    assert_eq!(settled, before);
}

#[tokio::test]
async fn ids_are_stable_and_decisions_survive_recomputation() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let before = app.get_json("/api/v1/intersections", t).await;
    let help_id = find(&before, &n.producer)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let teach_id = find(&before, &n.learner)["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Dismiss one, confirm another.
    let res = app
        .patch(
            &format!("/api/v1/intersections/{help_id}"),
            t,
            &json!({"status": "dismissed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .patch(
            &format!("/api/v1/intersections/{teach_id}"),
            t,
            &json!({"status": "confirmed", "note": "Starts in January"}),
        )
        .await;
    let confirmed: Value = res.json().await.unwrap();
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["note"], "Starts in January");
    let producer = app
        .get_json(&format!("/api/v1/contacts/{}", n.producer), t)
        .await;
    assert_eq!(producer["intersection_count"], 0);

    // Edits that keep both items: the engine recomputes, decisions stay.
    let res = app
        .patch(
            &format!("/api/v1/goals/{}", n.podcast_goal),
            t,
            &json!({"description": "A weekly podcast: marketing for small shops"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .patch(
            &format!("/api/v1/goals/{}", n.learner_goal),
            t,
            &json!({"description": "Project management for a team of five"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = app.get_json("/api/v1/intersections", t).await;
    assert!(
        !column(&after, "id").contains(&json!(help_id)),
        "a dismissed intersection came back: {after}"
    );
    let teach = app
        .get_json(&format!("/api/v1/intersections/{teach_id}"), t)
        .await;
    assert_eq!(teach["status"], "confirmed");
    assert_eq!(teach["note"], "Starts in January");
    let dismissed = app
        .get_json("/api/v1/intersections?status=dismissed", t)
        .await;
    assert_eq!(column(&dismissed, "id"), [json!(help_id)]);

    // Pausing the goal: the confirmed one survives, suggestions go.
    let res = app
        .patch(
            &format!("/api/v1/goals/{}", n.pm_offer),
            t,
            &json!({"status": "paused"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let teach = app
        .get_json(&format!("/api/v1/intersections/{teach_id}"), t)
        .await;
    assert_eq!(teach["status"], "confirmed");
    let learner = app
        .get_json(&format!("/api/v1/contacts/{}", n.learner), t)
        .await;
    assert_eq!(learner["intersection_count"], 1);

    // Same data, same ids: the photographer's shared interest is untouched
    // by all of the above.
    let interest_before = find(&before, &n.photographer)["id"].clone();
    let now = app
        .get_json("/api/v1/intersections?kind=shared_interest", t)
        .await;
    assert_eq!(column(&now, "id"), [interest_before]);

    // Only confirmed and dismissed can be set.
    let res = app
        .patch(
            &format!("/api/v1/intersections/{teach_id}"),
            t,
            &json!({"status": "suggested"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .patch(
            &format!("/api/v1/intersections/{teach_id}"),
            t,
            &json!({"score": 1}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn if_match_guards_a_decision() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let page = app.get_json("/api/v1/intersections", t).await;
    let path = format!(
        "/api/v1/intersections/{}",
        find(&page, &n.learner)["id"].as_str().unwrap()
    );
    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", "\"stale\"")
        .json(&json!({"status": "confirmed"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    assert_eq!(app.get_json(&path, t).await["status"], "suggested");
}

#[tokio::test]
async fn intersections_found_in_conversation_are_recorded() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;

    // A contact and a note.
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"contact_id": n.stranger, "note": "We both grew up in Lviv"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let recorded: Value = res.json().await.unwrap();
    assert_eq!(recorded["kind"], "shared_interest");
    assert_eq!(recorded["status"], "confirmed");
    assert_eq!(recorded["origin"], "recorded");
    assert_eq!(recorded["score"], 1.0);
    let stranger = app
        .get_json(&format!("/api/v1/contacts/{}", n.stranger), t)
        .await;
    assert_eq!(stranger["intersection_count"], 1);

    // Two goals the engine had found: confirmed in place, same id.
    let page = app.get_json("/api/v1/intersections", t).await;
    let found = find(&page, &n.producer).clone();
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"my_goal_id": n.podcast_goal, "their_goal_id": n.producer_offer}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let confirmed: Value = res.json().await.unwrap();
    assert_eq!(confirmed["id"], found["id"]);
    assert_eq!(confirmed["kind"], "they_can_help");
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["origin"], "computed");

    // Two goals the engine did not pair: a new confirmed intersection.
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"my_goal_id": n.pm_offer, "their_goal_id": n.producer_offer}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"my_goal_id": n.podcast_goal, "their_goal_id": n.learner_goal, "note": "Both want an audience"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let shared: Value = res.json().await.unwrap();
    assert_eq!(shared["kind"], "shared_goal");
    assert_eq!(shared["contact_id"], n.learner.as_str());

    for body in [
        json!({}),
        json!({"contact_id": n.stranger}),
        json!({"my_goal_id": n.podcast_goal}),
        json!({"my_goal_id": n.producer_offer, "their_goal_id": n.podcast_goal}),
        json!({"my_goal_id": n.podcast_goal, "their_goal_id": n.producer_offer, "contact_id": n.learner}),
    ] {
        let res = app.post("/api/v1/intersections", Some(t), &body).await;
        assert_problem(res, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn introductions_pair_only_contacts_whose_goals_and_offers_meet() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let page = app.get_json("/api/v1/introductions", t).await;
    let intros = page["data"].as_array().unwrap();
    assert_eq!(intros.len(), 1, "{page}");
    let intro = &intros[0];
    let mut pair: Vec<&str> = intro["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    pair.sort();
    let mut expected = vec![n.coach.as_str(), n.learner.as_str()];
    expected.sort();
    assert_eq!(pair, expected);
    let first = &intro["matches"][0];
    assert_eq!(first["kind"], "offer_meets_goal");
    assert_eq!(first["from"]["id"], n.coach_offer.as_str());
    assert_eq!(first["to"]["id"], n.learner_goal.as_str());
    assert!(
        terms(intro).contains(&"project management".to_string()),
        "{intro}"
    );

    let for_stranger = app
        .get_json(
            &format!("/api/v1/introductions?contact_id={}", n.stranger),
            t,
        )
        .await;
    assert_eq!(for_stranger["data"], json!([]));

    // The network is cached between requests, never past a change.
    let res = app
        .patch(
            &format!("/api/v1/goals/{}", n.coach_offer),
            t,
            &json!({"status": "paused"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = app.get_json("/api/v1/introductions", t).await;
    assert_eq!(after["data"], json!([]));
    let people = app
        .get_json(&format!("/api/v1/goals/{}/people", n.learner_goal), t)
        .await;
    assert_eq!(people["data"], json!([]));
}

#[tokio::test]
async fn people_are_ranked_for_one_goal() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    let page = app
        .get_json(&format!("/api/v1/goals/{}/people", n.podcast_goal), t)
        .await;
    assert_eq!(column(&page, "contact")[0]["id"], n.producer.as_str());
    assert_eq!(page["data"][0]["matches"][0]["kind"], "can_help");
    assert_eq!(
        page["data"][0]["matches"][0]["goal"]["id"],
        n.producer_offer.as_str()
    );

    // For an offer: who needs it.
    let page = app
        .get_json(&format!("/api/v1/goals/{}/people", n.pm_offer), t)
        .await;
    assert_eq!(column(&page, "contact")[0]["id"], n.learner.as_str());
    assert_eq!(page["data"][0]["matches"][0]["kind"], "needs_this");

    // For a contact's goal: the others who can help, not that contact.
    let page = app
        .get_json(&format!("/api/v1/goals/{}/people", n.learner_goal), t)
        .await;
    let ids = column(&page, "contact");
    assert_eq!(ids.len(), 1, "{page}");
    assert_eq!(ids[0]["id"], n.coach.as_str());
}

#[tokio::test]
async fn a_brief_prepares_a_meeting() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let n = seed_network(&app, t).await;
    for (day, gave) in [
        (1, "an intro"),
        (2, "feedback"),
        (3, "a book"),
        (4, "a coffee"),
    ] {
        app.interaction(
            t,
            json!({"occurred_at": format!("2026-11-0{day}T10:00:00Z"), "kind": "meeting",
                   "contact_ids": [n.producer], "gave": gave,
                   "follow_up": if day == 4 { json!({"due_on": "2026-12-01", "note": "send notes"}) } else { Value::Null }}),
        )
        .await;
    }
    let brief = app
        .get_json(&format!("/api/v1/contacts/{}/brief", n.producer), t)
        .await;
    assert_eq!(brief["contact"]["headline"], "the podcast person");
    assert_eq!(brief["goals"], json!([]));
    assert_eq!(
        column(&json!({"data": brief["offers"]}), "id"),
        [json!(n.producer_offer)]
    );
    let found = &brief["common_ground"]["intersections"];
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["kind"], "they_can_help");
    let recent: Vec<&str> = brief["recent_interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["gave"].as_str().unwrap())
        .collect();
    assert_eq!(recent, ["a coffee", "a book", "feedback"]);
    assert_eq!(brief["open_follow_ups"].as_array().unwrap().len(), 1);
    let asked: Vec<&str> = brief["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["field"].as_str().unwrap())
        .collect();
    for field in [
        "goals",
        "spends_time_on",
        "relaxes_by",
        "growing_in",
        "interests",
    ] {
        assert!(asked.contains(&field), "{field} in {asked:?}");
    }
    assert!(!asked.contains(&"offers") && !asked.contains(&"headline"));
}

#[tokio::test]
async fn another_users_intersections_are_invisible() {
    let app = spawn_app().await;
    let owner = app.register().await;
    let intruder = app.register().await;
    let n = seed_network(&app, &owner.access_token).await;
    let page = app
        .get_json("/api/v1/intersections", &owner.access_token)
        .await;
    let path = format!(
        "/api/v1/intersections/{}",
        find(&page, &n.producer)["id"].as_str().unwrap()
    );
    let t = &intruder.access_token;
    assert_problem(app.get(&path, t).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, t, &json!({"status": "dismissed"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/contacts/{}/brief", n.producer), t)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get_json("/api/v1/intersections", t).await["data"],
        json!([])
    );
    assert_eq!(
        app.get_json("/api/v1/introductions", t).await["data"],
        json!([])
    );
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"my_goal_id": n.podcast_goal, "their_goal_id": n.producer_offer}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .post(
            "/api/v1/intersections",
            Some(t),
            &json!({"contact_id": n.producer, "note": "mine now"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        app.get_json(&path, &owner.access_token).await["status"],
        "suggested"
    );
}
