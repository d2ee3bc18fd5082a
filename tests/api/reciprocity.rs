//! Reciprocity per person: each contact's balance and the last of each side,
//! and the insights that list whom you owe and whom you keep giving to.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

async fn exchange(app: &TestApp, t: &str, who: &Value, days: i64, side: &str) {
    app.interaction(
        t,
        json!({"kind": "favor", "contact_ids": [who["id"]], "occurred_at": ago(days),
               side: format!("a favour {days} days ago")}),
    )
    .await;
}

fn ids(list: &Value) -> Vec<&str> {
    list["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contact"]["full_name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn each_contact_shows_its_balance_and_the_last_of_each_side() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let none = app
        .get_json(
            &format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(
        none["reciprocity"],
        json!({"balance": "none", "net": 0, "last_gave_at": null, "last_received_at": null})
    );
    exchange(&app, t, &ada, 30, "received").await;
    exchange(&app, t, &ada, 20, "received").await;
    exchange(&app, t, &ada, 10, "gave").await;
    let c = app
        .get_json(
            &format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(c["reciprocity"]["balance"], "i_owe");
    assert_eq!(c["reciprocity"]["net"], -1);
    let day = |at: &Value| at.as_str().unwrap()[..10].to_string();
    assert_eq!(day(&c["reciprocity"]["last_gave_at"]), ago(10)[..10]);
    assert_eq!(day(&c["reciprocity"]["last_received_at"]), ago(20)[..10]);

    exchange(&app, t, &ada, 5, "gave").await;
    let c = app
        .get_json(
            &format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(c["reciprocity"]["balance"], "even");
    exchange(&app, t, &ada, 1, "gave").await;
    let listed = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(listed["data"][0]["reciprocity"]["balance"], "they_owe");
}

#[tokio::test]
async fn insights_list_whom_i_owe_and_whom_i_keep_giving_to() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    // Three who only ever gave (the "gave: 5, received: 5").
    for (name, times) in [("Ann", 1), ("Ben", 2), ("Cat", 1)] {
        let c = app.contact(t, json!({"full_name": name})).await;
        for i in 0..times {
            exchange(&app, t, &c, 10 + i, "received").await;
        }
    }
    // One I gave to twice and never heard back from; one I gave to once.
    let dan = app.contact(t, json!({"full_name": "Dan"})).await;
    exchange(&app, t, &dan, 40, "gave").await;
    exchange(&app, t, &dan, 30, "gave").await;
    let eve = app.contact(t, json!({"full_name": "Eve"})).await;
    exchange(&app, t, &eve, 30, "gave").await;
    // Even: in no list.
    let fay = app.contact(t, json!({"full_name": "Fay"})).await;
    exchange(&app, t, &fay, 30, "gave").await;
    exchange(&app, t, &fay, 20, "received").await;

    let insights = app.get_json("/api/v1/insights", t).await;
    let r = &insights["reciprocity"];
    assert_eq!(r["all_time"], json!({"gave": 4, "received": 5}));
    assert_eq!(r["i_owe"]["total"], 3);
    assert_eq!(ids(&r["i_owe"])[0], "Ben", "most received first");
    let mut owed = ids(&r["i_owe"]);
    owed.sort();
    assert_eq!(owed, ["Ann", "Ben", "Cat"]);
    assert_eq!(r["i_owe"]["contacts"][0]["received_count"], 2);
    assert_eq!(r["i_owe"]["contacts"][0]["gave_count"], 0);
    assert!(r["i_owe"]["contacts"][0]["last_received_at"].is_string());
    assert_eq!(r["unanswered"]["total"], 1);
    assert_eq!(ids(&r["unanswered"]), ["Dan"]);
}
