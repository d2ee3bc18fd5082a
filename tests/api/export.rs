use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn the_json_export_holds_the_whole_account_with_its_relations() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.patch("/api/v1/me", t, &json!({"interests": ["photography"]}))
        .await;
    let c = app
        .contact(t, json!({"full_name": "Fran", "interests": ["photography"], "emails": ["fran@example.com"]}))
        .await;
    let g = app
        .goal(
            t,
            json!({"contact_id": c["id"], "kind": "goal", "title": "Open a studio"}),
        )
        .await;
    let i = app
        .interaction(
            t,
            json!({"occurred_at": "2026-11-01T10:00:00Z", "kind": "call", "contact_ids": [c["id"]],
                   "goal_ids": [g["id"]], "gave": "a lead"}),
        )
        .await;
    let page = app.get_json("/api/v1/intersections", t).await;
    let shared = page["data"][0]["id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/intersections/{shared}"),
        t,
        &json!({"status": "confirmed"}),
    )
    .await;

    let res = app.get("/api/v1/export", t).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment; filename=\"rapport-export-"));
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["format"], "rapport.export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["profile"]["interests"], json!(["photography"]));
    assert_eq!(doc["contacts"][0]["id"], c["id"]);
    assert_eq!(doc["contacts"][0]["emails"], json!(["fran@example.com"]));
    assert_eq!(doc["goals"][0]["contact_id"], c["id"]);
    assert_eq!(doc["interactions"][0]["id"], i["id"]);
    assert_eq!(doc["interactions"][0]["contact_ids"], json!([c["id"]]));
    assert_eq!(doc["interactions"][0]["goal_ids"], json!([g["id"]]));
    assert_eq!(doc["intersections"][0]["id"], shared.as_str());
    assert_eq!(doc["intersections"][0]["status"], "confirmed");

    // Another user's export has none of it.
    let other = app.register().await;
    let theirs = app.get_json("/api/v1/export", &other.access_token).await;
    for list in ["contacts", "goals", "interactions", "intersections"] {
        assert_eq!(theirs[list], json!([]), "{list}");
    }
}

#[tokio::test]
async fn contacts_export_as_vcard_and_csv() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.contact(
        t,
        json!({"full_name": "Zoë Ångström", "company": "Acme, Inc.", "role": "CTO",
               "emails": ["zoe@example.com", "z@example.org"], "phones": ["+1 555 0100"],
               "links": ["https://example.com/zoe"], "interests": ["sailing", "chess"],
               "notes": format!("Met at the fair; {}", "long note ".repeat(20))}),
    )
    .await;
    app.contact(t, json!({"full_name": "Bo"})).await;

    let res = app.get("/api/v1/export?format=vcard", t).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/vcard; charset=utf-8");
    let vcard = res.text().await.unwrap();
    assert_eq!(vcard.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 2);
    for line in vcard.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
    }
    let unfolded = vcard.replace("\r\n ", "");
    for expected in [
        "FN:Zoë Ångström",
        "ORG:Acme\\, Inc.",
        "TITLE:CTO",
        "EMAIL:zoe@example.com",
        "EMAIL:z@example.org",
        "TEL:+1 555 0100",
        "URL:https://example.com/zoe",
        "CATEGORIES:sailing,chess",
        "NOTE:Met at the fair\\; long note",
        "FN:Bo",
    ] {
        assert!(unfolded.contains(expected), "{expected} in {unfolded}");
    }

    let res = app.get("/api/v1/export?format=csv", t).await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "full_name,headline,company,role,location,emails,phones,links,source,met_on,met_via,\
         interests,why,can_give,can_get,next_step,next_step_due,spends_time_on,relaxes_by,\
         growing_in,stage,revisit_on,keep_in_touch_days,notes"
    );
    let zoe = lines.next().unwrap();
    assert!(
        zoe.starts_with("Zoë Ångström,,\"Acme, Inc.\",CTO,,zoe@example.com;z@example.org,"),
        "{zoe}"
    );
    assert!(lines.next().unwrap().starts_with("Bo,"));

    let res = app.get("/api/v1/export?format=pdf", t).await;
    assert_problem(res, 400, "invalid_query").await;
}

/// CWE-1236 and vCard property injection: what a contact holds cannot run
/// as a formula in a spreadsheet, nor add a property to a vCard reader.
#[tokio::test]
async fn exports_cannot_attack_their_reader() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3",
    ];
    for name in names {
        app.contact(t, json!({"full_name": name})).await;
    }
    app.contact(
        t,
        json!({"full_name": "Evil\rEMAIL:attacker@evil.example", "notes": "a\rTEL:+1 555 0199"}),
    )
    .await;

    let csv = app.get_text("/api/v1/export?format=csv", t).await;
    for line in csv.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        let cell = line.trim_start_matches('"');
        assert!(
            !cell.starts_with(['=', '+', '-', '@']),
            "a cell a spreadsheet would run: {line}"
        );
    }
    // The CSV import reads the export back as it was.
    let other = app.register().await;
    let res = app
        .import(&other.access_token, "format=csv", "text/csv", csv)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed = app
        .get_json("/api/v1/contacts?limit=50", &other.access_token)
        .await;
    let mut imported: Vec<String> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap().to_string())
        .collect();
    imported.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.push("Evil\rEMAIL:attacker@evil.example".into());
    expected.sort();
    assert_eq!(imported, expected);

    let vcard = app.get_text("/api/v1/export?format=vcard", t).await;
    let unfolded = vcard.replace("\r\n ", "");
    for line in unfolded.split(['\r', '\n']) {
        assert!(
            !line.starts_with("EMAIL:attacker") && !line.starts_with("TEL:+1 555 0199"),
            "an injected property: {line:?}"
        );
    }
    assert!(unfolded.contains("FN:Evil\\nEMAIL:attacker@evil.example"));
}

/// Exports are written a page at a time: across pages nothing is lost,
/// repeated or out of order, in every format.
#[tokio::test]
async fn exports_of_many_pages_hold_every_contact_once_in_order() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let people = 1_234;
    let mut csv = String::from("full_name\n");
    for n in 0..people {
        csv.push_str(&format!("Person {n:04}\n"));
    }
    let res = app.import(t, "format=csv", "text/csv", csv).await;
    assert_eq!(res.status(), StatusCode::OK);

    let document = app.get_json("/api/v1/export", t).await;
    let contacts = document["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), people);
    let ids: std::collections::HashSet<&str> =
        contacts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), people);
    let created: Vec<chrono::DateTime<chrono::Utc>> = contacts
        .iter()
        .map(|c| c["created_at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert_eq!(document["format"], "rapport.export");
    assert!(document["profile"].is_object() && document["vocabulary"].is_array());

    let csv = app.get_text("/api/v1/export?format=csv", t).await;
    assert_eq!(
        csv.split("\r\n").filter(|l| !l.is_empty()).count(),
        people + 1
    );
    let vcard = app.get_text("/api/v1/export?format=vcard", t).await;
    assert_eq!(vcard.matches("BEGIN:VCARD").count(), people);
    assert_eq!(vcard.matches("END:VCARD").count(), people);
}
