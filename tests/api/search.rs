use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

/// The `(type, id)` of every hit of a search, in order.
fn hits(page: &Value) -> Vec<(String, String)> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["type"].as_str().unwrap().to_owned(),
                h["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The words of a hit's (or a searched contact's) snippet that matched.
fn marked(hit: &Value) -> Vec<String> {
    hit["matched"]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["hit"] == true)
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect()
}

/// `q` percent-encoded for a query string.
fn encoded(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn search(q: &str) -> String {
    format!("/api/v1/search?q={}", encoded(q))
}

fn contacts_q(q: &str) -> String {
    format!("/api/v1/contacts?q={}", encoded(q))
}

#[tokio::test]
async fn people_are_found_by_anything_written_about_them() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ana = app
        .contact(
            t,
            json!({"full_name": "Ana Müller", "met_via": "RustConf 2025",
                   "notes": "Runs a podcast about compilers"}),
        )
        .await;
    let ben = app
        .contact(t, json!({"full_name": "Ben Okafor", "company": "Acme"}))
        .await;
    let cleo = app
        .contact(
            t,
            json!({"full_name": "Cleo Park", "met_via": "RustConf 2024"}),
        )
        .await;
    let coffee = app
        .interaction(
            t,
            json!({"occurred_at": "2026-10-01T09:00:00Z", "kind": "meeting",
                   "contact_ids": [ben["id"]], "summary": "Coffee",
                   "notes": "He mentioned Kubernetes migrations at work"}),
        )
        .await;
    let goal = app
        .goal(
            t,
            json!({"kind": "goal", "contact_id": cleo["id"], "title": "Start podcasting about design"}),
        )
        .await;

    // A word in an interaction's notes finds the interaction, and the
    // contact through it.
    let page = app.get_json(&search("kubernetes"), t).await;
    assert_eq!(
        hits(&page),
        vec![("interaction".into(), coffee["id"].as_str().unwrap().into())]
    );
    let hit = &page["data"][0];
    assert_eq!(hit["title"], "Coffee");
    assert_eq!(hit["contact_ids"], json!([ben["id"]]));
    assert_eq!(hit["matched"]["field"], "notes");
    assert_eq!(marked(hit), vec!["Kubernetes"]);
    let contacts = app.get_json(&contacts_q("kubernetes"), t).await;
    assert_eq!(ids(&contacts), vec![ben["id"].as_str().unwrap()]);
    // The list says why, when it is not the contact's own field.
    let why = &contacts["data"][0]["matched"];
    assert_eq!(why["type"], "interaction", "{contacts}");
    assert_eq!(why["id"], coffee["id"]);
    assert_eq!(why["field"], "notes");
    assert_eq!(marked(&contacts["data"][0]), vec!["Kubernetes"]);
    let own = app.get_json(&contacts_q("acme"), t).await;
    assert_eq!(own["data"][0]["matched"]["type"], "contact");
    assert_eq!(own["data"][0]["matched"]["field"], "company");
    // A list without q says `matched: null`.
    let plain = app.get_json("/api/v1/contacts", t).await;
    assert!(plain["data"][0]["matched"].is_null());

    // A stem: "podcasts" finds "podcast" and "podcasting", in a contact's
    // notes and in a goal.
    let page = app.get_json(&search("podcasts"), t).await;
    let found = hits(&page);
    assert_eq!(found.len(), 2, "{page}");
    assert!(found.contains(&("contact".into(), ana["id"].as_str().unwrap().into())));
    assert!(found.contains(&("goal".into(), goal["id"].as_str().unwrap().into())));
    let scores: Vec<f64> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // An accent folded away, and a prefix.
    let page = app.get_json(&search("muller"), t).await;
    assert_eq!(
        hits(&page),
        vec![("contact".into(), ana["id"].as_str().unwrap().into())]
    );
    assert_eq!(page["data"][0]["matched"]["field"], "full_name");
    assert_eq!(marked(&page["data"][0]), vec!["Müller"]);
    let page = app.get_json(&search("kube*"), t).await;
    assert_eq!(hits(&page).len(), 1);

    // met_via finds every contact met there; a phrase and an exclusion.
    let contacts = app.get_json(&contacts_q("rustconf"), t).await;
    let mut met = ids(&contacts);
    met.sort();
    let mut expected = vec![
        ana["id"].as_str().unwrap().to_owned(),
        cleo["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(met, expected);
    let page = app.get_json(&search("\"rustconf 2024\""), t).await;
    assert_eq!(
        hits(&page),
        vec![("contact".into(), cleo["id"].as_str().unwrap().into())]
    );
    let page = app.get_json(&search("rustconf -2024"), t).await;
    assert_eq!(
        hits(&page),
        vec![("contact".into(), ana["id"].as_str().unwrap().into())]
    );
    // Other filters still apply; type filters.
    let page = app
        .get_json(&format!("{}&type=goal", search("podcast")), t)
        .await;
    assert_eq!(
        hits(&page),
        vec![("goal".into(), goal["id"].as_str().unwrap().into())]
    );

    // Updates and deletes are reflected at once.
    app.patch(
        &format!("/api/v1/contacts/{}", ana["id"].as_str().unwrap()),
        t,
        &json!({"notes": "Writes about databases now"}),
    )
    .await;
    let page = app.get_json(&search("podcast"), t).await;
    assert_eq!(
        hits(&page),
        vec![("goal".into(), goal["id"].as_str().unwrap().into())]
    );
    assert_eq!(
        hits(&app.get_json(&search("databases"), t).await),
        vec![("contact".into(), ana["id"].as_str().unwrap().into())]
    );
    app.delete(
        &format!("/api/v1/contacts/{}", cleo["id"].as_str().unwrap()),
        t,
    )
    .await;
    assert_eq!(hits(&app.get_json(&search("podcast"), t).await), vec![]);
    assert_eq!(hits(&app.get_json(&search("2024"), t).await), vec![]);

    // Nobody else finds any of it.
    let other = app.register().await;
    for q in ["kubernetes", "muller", "rustconf", "databases"] {
        let page = app.get_json(&search(q), &other.access_token).await;
        assert_eq!(hits(&page), vec![], "{q}");
        let page = app.get_json(&contacts_q(q), &other.access_token).await;
        assert_eq!(ids(&page), Vec::<String>::new(), "{q}");
    }
}

#[tokio::test]
async fn pages_follow_the_ranking_and_cursors_belong_to_their_query() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    for i in 0..7 {
        let notes = "podcast ".repeat(i + 1);
        app.contact(
            t,
            json!({"full_name": format!("Person {i}"), "notes": notes}),
        )
        .await;
    }
    let all = app.get_json(&search("podcast"), t).await;
    assert_eq!(hits(&all).len(), 7);
    let mut paged = Vec::new();
    let mut url = format!("{}&limit=3", search("podcast"));
    loop {
        let page = app.get_json(&url, t).await;
        paged.extend(hits(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{}&limit=3&cursor={cursor}", search("podcast")),
            None => break,
        }
    }
    assert_eq!(paged, hits(&all));
    let first = app
        .get_json(&format!("{}&limit=3", search("podcast")), t)
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let res = app
        .get(&format!("{}&cursor={cursor}", search("person")), t)
        .await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn imports_and_merges_keep_the_index_right() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let csv = "First Name,Last Name,Email Address,Company,Position,Connected On\n\
               Zoë,Quint,zoe@example.com,Fermata,Sound engineer,01 Jan 2024\n";
    let res = app
        .import(t, "format=linkedin", "text/csv", csv.as_bytes().to_vec())
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let page = app.get_json(&search("fermata"), t).await;
    assert_eq!(hits(&page).len(), 1);
    let zoe = page["data"][0]["id"].as_str().unwrap().to_owned();
    let twin = app
        .contact(
            t,
            json!({"full_name": "Zoe Quint", "notes": "Plays the theremin"}),
        )
        .await;
    let res = app
        .post(
            &format!("/api/v1/contacts/{zoe}/merge"),
            Some(t),
            &json!({"from": [twin["id"]]}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let page = app.get_json(&search("theremin"), t).await;
    assert_eq!(hits(&page), vec![("contact".into(), zoe.clone())]);

    // A Rapport export restored into another account is searchable there.
    app.interaction(
        t,
        json!({"occurred_at": "2026-10-01T09:00:00Z", "kind": "call",
               "contact_ids": [zoe], "notes": "Talked about modular synths"}),
    )
    .await;
    let export = app.get_text("/api/v1/export", t).await;
    let other = app.register().await;
    let res = app
        .import(
            &other.access_token,
            "format=json",
            "application/json",
            export,
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    for (q, kind) in [
        ("theremin", "contact"),
        ("synths", "interaction"),
        ("fermata", "contact"),
    ] {
        let page = app.get_json(&search(q), &other.access_token).await;
        let found = hits(&page);
        assert_eq!(found.len(), 1, "{q}: {page}");
        assert_eq!(found[0].0, kind);
        assert_ne!(found[0].1, zoe, "{q}: the restored copy has its own id");
    }
}

#[tokio::test]
async fn hostile_queries_get_a_400_that_says_why() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.contact(t, json!({"full_name": "Ana"})).await;
    let thousand = vec!["word"; 1000].join(" ");
    for q in [
        "\"unbalanced",
        "a\"b",
        "ana OR ben",
        "NEAR(ana ben)",
        "name:ana",
        "(ana)",
        "ana^2",
        "*",
        "a*b",
        "-ana",
        "the and of",
        thousand.as_str(),
    ] {
        let res = app.get(&search(q), t).await;
        let problem = assert_problem(res, 400, "invalid_query").await;
        assert!(!problem["detail"].as_str().unwrap_or("").is_empty(), "{q}");
        let res = app.get(&contacts_q(q), t).await;
        assert_problem(res, 400, "invalid_query").await;
    }
    // A NUL never reaches the database.
    let res = app.get("/api/v1/search?q=ana%00", t).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.get("/api/v1/search?q=ana&type=people", t).await;
    assert_eq!(res.status(), 400);
    let res = app.get("/api/v1/search", t).await;
    assert_eq!(res.status(), 400);
}
