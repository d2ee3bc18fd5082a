//! Events: planning, preparing, debriefing; and that a planned event never
//! counts as contact.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, column, error_fields, spawn_app};

async fn event(app: &TestApp, t: &str, body: Value) -> Value {
    let res = app.post("/api/v1/events", Some(t), &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// GET with `Prefer: wait` so that intersections are current.
async fn fresh(app: &TestApp, path: &str, t: &str) -> Value {
    let res = app
        .request(Method::GET, path, Some(t))
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn events_are_planned_validated_changed_listed_and_deleted() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let bo = app.contact(t, json!({"full_name": "Bo"})).await;
    let mine = app
        .goal(t, json!({"kind": "goal", "title": "Raise a seed round"}))
        .await;
    let theirs = app
        .goal(
            t,
            json!({"contact_id": ada["id"], "kind": "goal", "title": "Find a job"}),
        )
        .await;

    let res = app
        .post(
            "/api/v1/events",
            Some(t),
            &json!({"name": " ", "starts_at": "2026-12-08T09:00:00Z", "ends_at": "2026-12-07T09:00:00Z",
                    "url": "ftp://example.com", "goal_ids": [theirs["id"]],
                    "attendees": [{"contact_id": ada["id"]}, {"contact_id": ada["id"]},
                                  {"contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"}]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&problem),
        [
            "attendees[1].contact_id",
            "attendees[2]",
            "ends_at",
            "goal_ids[0]",
            "name",
            "url"
        ]
    );

    let summit = event(
        &app,
        t,
        json!({"name": "Summit", "starts_at": "2026-12-08T09:00:00Z", "location": "Lisbon",
               "intent": "Meet investors", "goal_ids": [mine["id"]],
               "attendees": [{"contact_id": ada["id"], "status": "going"}, {"contact_id": bo["id"]}]}),
    )
    .await;
    assert_eq!(summit["goal_ids"], json!([mine["id"]]));
    assert_eq!(
        summit["attendees"],
        json!([{"contact_id": ada["id"], "full_name": "Ada", "status": "going"},
               {"contact_id": bo["id"], "full_name": "Bo", "status": "invited"}])
    );
    let path = format!("/api/v1/events/{}", id(&summit));
    let res = app.get(&path, t).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let got: Value = res.json().await.unwrap();
    assert_eq!(got, summit);

    // A stale tag changes nothing; attendees are replaced as a whole.
    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", "\"stale\"")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .request(Method::PATCH, &path, Some(t))
        .header("If-Match", &etag)
        .json(
            &json!({"attendees": [{"contact_id": bo["id"], "status": "going"}], "location": null}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["location"], Value::Null);
    assert_eq!(
        column(&json!({"data": changed["attendees"]}), "contact_id"),
        [bo["id"].clone()]
    );
    assert_problem(
        app.patch(&path, t, &json!({"starts_at": null})).await,
        422,
        "validation_failed",
    )
    .await;

    // Lists: latest first by default; soonest first from a date; by attendee.
    let meetup = event(
        &app,
        t,
        json!({"name": "Meetup", "starts_at": "2026-12-01T18:00:00Z",
                                        "attendees": [{"contact_id": ada["id"]}]}),
    )
    .await;
    let old = event(
        &app,
        t,
        json!({"name": "Old", "starts_at": "2025-01-01T18:00:00Z"}),
    )
    .await;
    let names = |page: &Value| column(page, "name");
    let all = app.get_json("/api/v1/events", t).await;
    assert_eq!(
        names(&all),
        [json!("Summit"), json!("Meetup"), json!("Old")]
    );
    let coming = app
        .get_json(
            "/api/v1/events?from=2026-06-01T00:00:00Z&sort=starts_at&limit=1",
            t,
        )
        .await;
    assert_eq!(names(&coming), [json!("Meetup")]);
    let cursor = coming["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/events?from=2026-06-01T00:00:00Z&sort=starts_at&cursor={cursor}"),
            t,
        )
        .await;
    assert_eq!(names(&rest), [json!("Summit")]);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_problem(
        app.get(&format!("/api/v1/events?cursor={cursor}"), t).await,
        400,
        "invalid_cursor",
    )
    .await;
    let adas = app
        .get_json(&format!("/api/v1/events?contact_id={}", id(&ada)), t)
        .await;
    assert_eq!(names(&adas), [json!("Meetup")]);
    // The contacts of an event.
    let people = app
        .get_json(&format!("/api/v1/contacts?event_id={}", id(&summit)), t)
        .await;
    assert_eq!(column(&people, "id"), [bo["id"].clone()]);

    // A contact's timeline holds the events they attend.
    let timeline = app
        .get_json(&format!("/api/v1/contacts/{}/timeline", id(&ada)), t)
        .await;
    assert_eq!(timeline["data"][0]["kind"], "event");
    assert_eq!(timeline["data"][0]["event"]["name"], "Meetup");
    assert_eq!(timeline["data"][0]["event"]["status"], "invited");

    // Deleting a contact removes it from events; deleting an event, the event.
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{}", id(&ada)), t)
            .await
            .status(),
        204
    );
    let meetup_now = app
        .get_json(&format!("/api/v1/events/{}", id(&meetup)), t)
        .await;
    assert_eq!(meetup_now["attendees"], json!([]));
    assert_eq!(
        app.delete(&format!("/api/v1/events/{}", id(&old)), t)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/api/v1/events/{}", id(&old)), t).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn another_users_event_is_a_404_and_their_contacts_cannot_attend_mine() {
    let app = spawn_app().await;
    let alice = app.register().await;
    let bob = app.register().await;
    let (a, b) = (&alice.access_token, &bob.access_token);
    let ada = app.contact(a, json!({"full_name": "Ada"})).await;
    let e = event(
        &app,
        a,
        json!({"name": "Alice's", "starts_at": "2026-01-01T09:00:00Z",
                                  "attendees": [{"contact_id": ada["id"]}]}),
    )
    .await;
    let path = format!("/api/v1/events/{}", id(&e));
    assert_problem(app.get(&path, b).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, b, &json!({"name": "x"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get(&format!("{path}/prep"), b).await, 404, "not_found").await;
    assert_problem(
        app.post(&format!("{path}/debrief"), Some(b), &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, b).await, 404, "not_found").await;
    let res = app
        .post(
            "/api/v1/events",
            Some(b),
            &json!({"name": "Bob's", "starts_at": "2026-01-01T09:00:00Z",
                    "attendees": [{"contact_id": ada["id"]}]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["attendees[0]"]);
    let listed = app.get_json("/api/v1/events", b).await;
    assert_eq!(listed["data"], json!([]));
    let people = app
        .get_json(&format!("/api/v1/contacts?event_id={}", id(&e)), b)
        .await;
    assert_eq!(people["data"], json!([]));
    assert_eq!(app.get_json(&path, a).await["name"], "Alice's");
}

/// The founder preparing a conference next week (issue 16): plan the event
/// with attendees, prepare (the investor and the designer first, with
/// reasons), and check that the planned event moves nothing; then, after it,
/// debrief in one call and find the follow-ups on the agenda.
#[tokio::test]
async fn the_conference_scenario_end_to_end() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app
        .patch(
            "/api/v1/me",
            t,
            &json!({"headline": "founder of Shelfwise, demand forecasting for grocery stores",
                    "summary": "We help independent grocers order what sells. Two years in, 40 stores."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let raise = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Raise a $1.5M seed round", "priority": 1}),
        )
        .await;
    app.goal(
        t,
        json!({"kind": "goal", "title": "Hire a product designer"}),
    )
    .await;
    let investor = app
        .contact(
            t,
            json!({"full_name": "Maya Chen", "headline": "Partner at Northwind Seed",
                           "keep_in_touch_days": 30}),
        )
        .await;
    app.goal(
        t,
        json!({"contact_id": investor["id"], "kind": "offer",
                       "title": "Invests in seed-stage B2B SaaS startups"}),
    )
    .await;
    let designer = app.contact(t, json!({"full_name": "Sam Rivera"})).await;
    app.goal(
        t,
        json!({"contact_id": designer["id"], "kind": "goal",
                       "title": "Looking for a product designer role at an early-stage startup"}),
    )
    .await;
    let mut others = Vec::new();
    for (name, offer) in [
        (
            "Gus Gardener",
            "Heirloom seed swaps and gardening workshops",
        ),
        ("Bea Books", "Bookkeeping for small businesses"),
        ("Hal Hosting", "Managed cloud hosting"),
    ] {
        let c = app.contact(t, json!({"full_name": name})).await;
        app.goal(
            t,
            json!({"contact_id": c["id"], "kind": "offer", "title": offer}),
        )
        .await;
        others.push(c);
    }
    // The investor was last seen eleven months ago: overdue.
    let long_ago = Utc::now() - Duration::days(330);
    app.interaction(
        t,
        json!({"occurred_at": long_ago, "kind": "meeting",
                              "contact_ids": [investor["id"]], "summary": "Coffee"}),
    )
    .await;
    let before = app
        .get_json(&format!("/api/v1/contacts/{}", id(&investor)), t)
        .await;

    let next_week = Utc::now() + Duration::days(7);
    let mut attendees = vec![
        json!({"contact_id": investor["id"], "status": "going"}),
        json!({"contact_id": designer["id"]}),
    ];
    attendees.extend(
        others
            .iter()
            .map(|c| json!({"contact_id": c["id"], "status": "going"})),
    );
    let summit = event(
        &app,
        t,
        json!({"name": "SaaS Founders Summit", "starts_at": next_week, "location": "Lisbon",
               "intent": "Meet seed investors and a product designer",
               "goal_ids": [raise["id"]], "attendees": attendees}),
    )
    .await;
    let path = format!("/api/v1/events/{}", id(&summit));

    // Planned is not done: the investor is still overdue, on the agenda and
    // among those to reconnect with; the event is on the agenda.
    let after_planning = app
        .get_json(&format!("/api/v1/contacts/{}", id(&investor)), t)
        .await;
    for field in ["last_interaction_at", "next_touch_due", "interaction_count"] {
        assert_eq!(after_planning[field], before[field], "{field}");
    }
    let until = (Utc::now() + Duration::days(10)).date_naive();
    let agenda = app
        .get_json(&format!("/api/v1/agenda?until={until}"), t)
        .await;
    let items = agenda["data"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "keep_in_touch" && i["contacts"][0]["id"] == investor["id"])
    );
    let planned = items
        .iter()
        .find(|i| i["kind"] == "event")
        .expect("the event is on the agenda");
    assert_eq!(planned["event_id"], summit["id"]);
    assert_eq!(planned["due_on"], json!(next_week.date_naive()));
    assert_eq!(planned["contacts"].as_array().unwrap().len(), 5);
    let reconnect = app.get_json("/api/v1/reconnect", t).await;
    assert!(reconnect.to_string().contains(&id(&investor)));

    // Prep: the investor and the designer first, each with a reason.
    let prep = fresh(&app, &format!("{path}/prep"), t).await;
    let ranked = prep["attendees"]["data"].as_array().unwrap();
    assert_eq!(ranked.len(), 5);
    let top: std::collections::BTreeSet<&str> = ranked[..2]
        .iter()
        .map(|a| a["contact"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        [
            investor["id"].as_str().unwrap(),
            designer["id"].as_str().unwrap()
        ]
        .into()
    );
    for a in &ranked[..2] {
        assert!(a["score"].as_f64().unwrap() > 0.0, "{a}");
        assert!(!a["intersections"].as_array().unwrap().is_empty(), "{a}");
    }
    let maya = ranked
        .iter()
        .find(|a| a["contact"]["id"] == investor["id"])
        .unwrap();
    assert!(
        maya["why"]
            .as_str()
            .unwrap()
            .contains("Raise a $1.5M seed round"),
        "{maya}"
    );
    assert!(
        maya["ask"]
            .as_str()
            .unwrap()
            .contains("Invests in seed-stage"),
        "{maya}"
    );
    let sam = ranked
        .iter()
        .find(|a| a["contact"]["id"] == designer["id"])
        .unwrap();
    assert!(
        sam["why"]
            .as_str()
            .unwrap()
            .contains("Hire a product designer"),
        "{sam}"
    );
    assert_eq!(prep["pitch"]["missing"], json!([]));
    let pitch = prep["pitch"]["sentences"].as_array().unwrap();
    assert_eq!(pitch.len(), 3);
    assert!(
        pitch[0]
            .as_str()
            .unwrap()
            .starts_with("I'm Test User, founder of Shelfwise")
    );
    assert_eq!(prep["goals"][0]["goal_id"], raise["id"]);
    assert_eq!(prep["goals"][0]["linked"], true);
    assert_eq!(prep["goals"][0]["contact_ids"][0], investor["id"]);
    // Paginated: two pages hold everyone once, in the same order.
    let first = fresh(&app, &format!("{path}/prep?limit=2"), t).await;
    let cursor = first["attendees"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let second = fresh(&app, &format!("{path}/prep?limit=2&cursor={cursor}"), t).await;
    let ids = |page: &Value| -> Vec<Value> {
        page["attendees"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["contact"]["id"].clone())
            .collect()
    };
    let all = ids(&prep);
    assert_eq!(ids(&first), all[..2]);
    assert_eq!(ids(&second), all[2..4]);
    // A missing pitch says what is missing.
    app.patch("/api/v1/me", t, &json!({"headline": null, "summary": null}))
        .await;
    let bare = fresh(&app, &format!("{path}/prep"), t).await;
    assert_eq!(bare["pitch"]["missing"], json!(["headline", "summary"]));

    // A debrief records what happened: not before the event.
    let debrief = json!({
        "met": [
            {"contact_id": investor["id"], "summary": "Talked about our round",
             "received": "Feedback on the deck",
             "follow_up": {"due_on": Utc::now().date_naive() + Duration::days(2), "note": "Send the deck"}},
            {"contact_id": designer["id"], "gave": "Our design challenges"}
        ],
        "new_people": [{"contact": {"full_name": "Lee Park", "headline": "Angel investor"},
                        "follow_up": {"due_on": Utc::now().date_naive() + Duration::days(3)}}]
    });
    assert_problem(
        app.post(&format!("{path}/debrief"), Some(t), &debrief)
            .await,
        409,
        "event_not_started",
    )
    .await;
    // Now it happened (yesterday).
    let yesterday = Utc::now() - Duration::days(1);
    let res = app.patch(&path, t, &json!({"starts_at": yesterday})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let send = || {
        app.request(Method::POST, &format!("{path}/debrief"), Some(t))
            .header("Idempotency-Key", "debrief-1")
            .json(&debrief)
            .send()
    };
    let res = send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["interactions"].as_array().unwrap().len(), 3);
    assert_eq!(done["interactions"][0]["kind"], "event");
    assert_eq!(done["interactions"][0]["summary"], "Talked about our round");
    assert_eq!(
        done["interactions"][1]["summary"],
        "Met at SaaS Founders Summit"
    );
    let lee = &done["created_contacts"][0];
    assert_eq!(lee["met_via"], "SaaS Founders Summit");
    assert_eq!(lee["met_on"], json!(yesterday.date_naive()));
    assert_eq!(lee["source"], "event");
    let status_of = |contact: &Value| {
        done["event"]["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["contact_id"] == contact["id"])
            .map(|a| a["status"].clone())
            .unwrap()
    };
    assert_eq!(status_of(&investor), "met");
    assert_eq!(status_of(&designer), "met");
    assert_eq!(status_of(lee), "met");
    assert_eq!(status_of(&others[0]), "missed");
    // A retry with the same key replays; nothing is recorded twice.
    let replay: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(replay, done);
    let maya_now = app
        .get_json(&format!("/api/v1/contacts/{}", id(&investor)), t)
        .await;
    assert_eq!(maya_now["interaction_count"], 2);
    assert_eq!(
        maya_now["last_interaction_at"].as_str().unwrap()[..16],
        yesterday.to_rfc3339()[..16]
    );
    // The follow-ups are on the agenda.
    let agenda = app
        .get_json(&format!("/api/v1/agenda?until={until}"), t)
        .await;
    let follow_ups: Vec<&Value> = agenda["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "follow_up")
        .collect();
    assert_eq!(follow_ups.len(), 2);
    assert_eq!(follow_ups[0]["reason"], "Send the deck");
    assert_eq!(follow_ups[0]["contacts"][0]["id"], investor["id"]);
    // Everyone met there, by the event.
    let people = app
        .get_json(&format!("/api/v1/contacts?event_id={}", id(&summit)), t)
        .await;
    assert_eq!(people["data"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn a_debrief_is_all_or_nothing() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let e = event(
        &app,
        t,
        json!({"name": "Dinner", "starts_at": "2026-01-01T19:00:00Z",
                                  "attendees": [{"contact_id": ada["id"]}]}),
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/events/{}/debrief", id(&e)),
            Some(t),
            &json!({"met": [{"contact_id": ada["id"]}],
                    "new_people": [{"contact": {"full_name": "Ok"}},
                                   {"contact": {"full_name": ""}}]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["new_people[1].contact.full_name"]);
    let contacts = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(column(&contacts, "full_name"), [json!("Ada")]);
    assert_eq!(
        app.get_json("/api/v1/interactions", t).await["data"],
        json!([])
    );
    let unchanged = app.get_json(&format!("/api/v1/events/{}", id(&e)), t).await;
    assert_eq!(unchanged["attendees"][0]["status"], "invited");
}

/// Events and planned interactions page through the agenda like the rest:
/// by day, then kind, then id, each once.
#[tokio::test]
async fn the_agenda_pages_through_events_and_planned_interactions() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let day = |n: i64| Utc::now() + Duration::days(n);
    for (name, at) in [("Second", day(2)), ("First", day(1)), ("Same day", day(2))] {
        event(
            &app,
            t,
            json!({"name": name, "starts_at": at, "attendees": [{"contact_id": ada["id"]}]}),
        )
        .await;
    }
    app.interaction(
        t,
        json!({"occurred_at": day(2), "kind": "call", "contact_ids": [ada["id"]],
                              "summary": "Planned call"}),
    )
    .await;
    // A past interaction is not planned.
    app.interaction(
        t,
        json!({"occurred_at": day(-2), "kind": "call", "contact_ids": [ada["id"]],
                              "summary": "Done call"}),
    )
    .await;
    let until = day(5).date_naive();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/agenda?until={until}&limit=1&cursor={c}"),
            None => format!("/api/v1/agenda?until={until}&limit=1"),
        };
        let page = app.get_json(&path, t).await;
        for item in page["data"].as_array().unwrap() {
            seen.push((
                item["kind"].as_str().unwrap().to_string(),
                item["reason"].as_str().unwrap().to_string(),
            ));
        }
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["event", "event", "event", "planned"], "{seen:?}");
    assert_eq!(seen[0].1, "First");
    let second_day: std::collections::BTreeSet<&str> =
        seen[1..3].iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(second_day, ["Second", "Same day"].into());
    assert_eq!(seen[3].1, "Planned call");
}
