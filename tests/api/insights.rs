use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn insights_lead_with_intersections() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.patch("/api/v1/me", t, &json!({"interests": ["photography"]}))
        .await;
    let lonely = app
        .goal(
            t,
            json!({"kind": "goal", "title": "Learn to sail", "topics": ["sailing"]}),
        )
        .await;
    let f = app
        .contact(
            t,
            json!({"full_name": "Fran", "interests": ["photography"], "stage": "prospect"}),
        )
        .await;
    app.contact(t, json!({"full_name": "Ola"})).await;
    let now = chrono::Utc::now();
    app.interaction(
        t,
        json!({"occurred_at": now.to_rfc3339(), "kind": "call", "contact_ids": [f["id"]],
               "gave": "an intro", "received": "a tip"}),
    )
    .await;
    app.interaction(
        t,
        json!({"occurred_at": "2020-01-01T10:00:00Z", "kind": "call", "contact_ids": [f["id"]],
               "gave": "a book"}),
    )
    .await;

    let insights = app.get_json("/api/v1/insights", t).await;
    assert_eq!(insights["contacts"]["total"], 2);
    assert_eq!(insights["contacts"]["by_stage"]["prospect"], 1);
    assert_eq!(insights["contacts"]["by_stage"]["connected"], 1);
    assert_eq!(insights["contacts"]["by_stage"]["archived"], 0);
    assert_eq!(insights["intersections"]["total"], 1);
    assert_eq!(insights["intersections"]["suggested"], 1);
    assert_eq!(insights["intersections"]["confirmed"], 0);
    assert_eq!(insights["intersections"]["by_kind"]["shared_interest"], 1);
    assert_eq!(insights["intersections"]["per_contact"], 0.5);
    assert_eq!(insights["intersections"]["contacts_with_any"], 1);
    assert_eq!(insights["top_contacts"][0]["contact"]["id"], f["id"]);
    assert_eq!(insights["top_contacts"].as_array().unwrap().len(), 1);
    assert_eq!(insights["unmatched_goals"][0]["id"], lonely["id"]);
    assert_eq!(
        insights["reciprocity"]["last_90_days"],
        json!({"gave": 1, "received": 1})
    );
    assert_eq!(
        insights["reciprocity"]["all_time"],
        json!({"gave": 2, "received": 1})
    );
    let months = insights["interactions_per_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"], now.format("%Y-%m").to_string());
    assert_eq!(months[11]["interactions"], 1);
    let total: u64 = months
        .iter()
        .map(|m| m["interactions"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);

    // Another user sees an empty network.
    let other = app.register().await;
    let theirs = app.get_json("/api/v1/insights", &other.access_token).await;
    assert_eq!(theirs["contacts"]["total"], 0);
    assert_eq!(theirs["intersections"]["total"], 0);
    assert_eq!(theirs["top_contacts"], json!([]));
}
