use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, column, spawn_app};

const LINKEDIN: &str = "Notes:\r\n\"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address.\"\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\r\nGrace,Hopper,https://www.linkedin.com/in/grace-hopper,grace@example.com,\"Remington Rand, Inc.\",Rear Admiral,12 Mar 2021\r\nZoë,Ångström,https://www.linkedin.com/in/zoe-angstrom,,Ørsted,\"Engineer, Wind\",01 Feb 2023\r\nJosé,Núñez,https://www.linkedin.com/in/jose-nunez,,,,\r\n,,https://www.linkedin.com/in/nobody,,,,05 Jan 2020\r\nAda,Lovelace,https://www.linkedin.com/in/ada,,Analytical Engines,,31 Foo 2020\r\n";

/// vCard 3.0 as Apple Contacts writes it: grouped properties, several
/// emails, a folded photo, quoted-printable, a birthday.
const VCARD3: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.0//EN\r\nN:Hopper;Grace;Brewster;Rear Admiral;\r\nFN:Grace Hopper\r\nORG:US Navy;Computing\r\nTITLE:Rear Admiral\r\nitem1.EMAIL;type=INTERNET;type=pref:grace@navy.mil\r\nEMAIL;type=INTERNET;type=HOME:grace@example.com\r\nTEL;type=CELL;type=VOICE;type=pref:+1 555 0100\r\nBDAY:1906-12-09\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Invented the compiler=0A=\r\nLikes caf=C3=A9\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\n oeHx4aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nEMAIL:nameless@example.com\r\nEND:VCARD\r\n";

/// vCard 4.0 as a mail address book writes it: folded long lines, UTF-8,
/// categories, a URL.
const VCARD4: &str = "BEGIN:VCARD\nVERSION:4.0\nFN:Zoë Ångström\nN:Ångström;Zoë;;;\nEMAIL;TYPE=work:zoe@orsted.example\nEMAIL;TYPE=home:zoe@example.org\nTEL;VALUE=uri;TYPE=cell:tel:+45-5555-0101\nURL:https://www.linkedin.com/in/zoe-angstrom\nCATEGORIES:wind energy,sailing\nNOTE:A very long note that goes on and on about offshore wind farms and the\n  people who build them\\, folded like RFC 6350 says.\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nFN:Bo Berg\nEND:VCARD\n";

async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.import(token, query, content_type, body).await
}

async fn report(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn contacts(app: &TestApp, token: &str) -> Value {
    app.get_json("/api/v1/contacts?limit=200&sort=created_at", token)
        .await
}

#[tokio::test]
async fn a_linkedin_export_imports_once_and_reports_its_bad_rows() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let first = report(import(&app, t, "format=linkedin", "text/csv", LINKEDIN).await).await;
    assert_eq!(first["created"], 3, "{first}");
    assert_eq!(first["merged"], 0);
    assert_eq!(first["skipped"], 0);
    let errors = first["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{first}");
    // The quoted note spans line 2; the header is line 4.
    assert_eq!(errors[0]["line"], 8);
    assert_eq!(errors[0]["message"], "no first or last name");
    assert_eq!(errors[1]["line"], 9);

    let list = contacts(&app, t).await;
    let grace = &list["data"][0];
    assert_eq!(grace["full_name"], "Grace Hopper");
    assert_eq!(grace["company"], "Remington Rand, Inc.");
    assert_eq!(grace["role"], "Rear Admiral");
    assert_eq!(grace["emails"], json!(["grace@example.com"]));
    assert_eq!(
        grace["links"],
        json!(["https://www.linkedin.com/in/grace-hopper"])
    );
    assert_eq!(grace["met_on"], "2021-03-12");
    assert_eq!(grace["source"], "online");
    let zoe = &list["data"][1];
    assert_eq!(zoe["full_name"], "Zoë Ångström");
    assert_eq!(zoe["emails"], json!([]));
    assert_eq!(zoe["role"], "Engineer, Wind");

    // The same file again: nothing new.
    let again = report(import(&app, t, "format=linkedin", "text/csv", LINKEDIN).await).await;
    assert_eq!(
        (again["created"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(3)),
        "{again}"
    );
    assert_eq!(contacts(&app, t).await["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn vcards_from_two_address_books_import_and_merge() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let three = report(import(&app, t, "format=vcard", "text/vcard", VCARD3).await).await;
    assert_eq!(three["created"], 1, "{three}");
    assert_eq!(
        three["errors"],
        json!([{"card": 2, "line": null, "path": null, "message": "the card has no name (FN or N)"}])
    );
    let list = contacts(&app, t).await;
    let grace = &list["data"][0];
    assert_eq!(grace["full_name"], "Grace Hopper");
    assert_eq!(grace["company"], "US Navy");
    assert_eq!(
        grace["emails"],
        json!(["grace@navy.mil", "grace@example.com"])
    );
    assert_eq!(grace["phones"], json!(["+1 555 0100"]));
    assert_eq!(grace["notes"], "Invented the compiler\nLikes café");

    let four = report(import(&app, t, "format=vcard", "text/x-vcard", VCARD4).await).await;
    assert_eq!(four["created"], 2, "{four}");
    let list = contacts(&app, t).await;
    let zoe = &list["data"][1];
    assert_eq!(zoe["full_name"], "Zoë Ångström");
    assert_eq!(
        zoe["emails"],
        json!(["zoe@orsted.example", "zoe@example.org"])
    );
    assert_eq!(zoe["phones"], json!(["+45-5555-0101"]));
    assert_eq!(zoe["interests"], json!(["wind energy", "sailing"]));
    assert!(
        zoe["notes"]
            .as_str()
            .unwrap()
            .contains("the people who build them, folded")
    );

    // LinkedIn knows Grace by her email and Zoë by her profile URL: both
    // merged, José created.
    let merged = report(import(&app, t, "format=linkedin", "text/csv", LINKEDIN).await).await;
    assert_eq!(merged["merged"], 2, "{merged}");
    assert_eq!(merged["created"], 1, "{merged}");
    let zoe = app
        .get_json(
            &format!("/api/v1/contacts/{}", zoe["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(zoe["company"], "Ørsted");
    assert_eq!(
        zoe["emails"],
        json!(["zoe@orsted.example", "zoe@example.org"])
    );
    // And again: nothing new.
    let again = report(import(&app, t, "format=vcard", "text/vcard", VCARD4).await).await;
    assert_eq!(
        (again["created"].as_u64(), again["merged"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
}

#[tokio::test]
async fn csv_in_rapports_columns_imports_good_rows_and_names_bad_ones() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let file = "full_name,emails,interests,stage,keep_in_touch_days,notes\n\
                Ada Lovelace,ada@example.com;ada@analytical.example,math;poetry,connected,30,\"Likes \"\"engines\"\", and poems\"\n\
                Bad Email,not-an-email,,,,\n\
                ,nobody@example.com,,,,\n\
                Alan Turing,,,prospect,,\n";
    let r = report(import(&app, t, "format=csv", "text/csv", file).await).await;
    assert_eq!(r["created"], 2, "{r}");
    let lines: Vec<u64> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4]);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("emails[0]"),
        "{r}"
    );
    let list = contacts(&app, t).await;
    assert_eq!(list["data"][0]["interests"], json!(["math", "poetry"]));
    assert_eq!(list["data"][0]["keep_in_touch_days"], 30);
    assert_eq!(list["data"][0]["notes"], "Likes \"engines\", and poems");

    // What the CSV export writes, the CSV import reads back unchanged.
    let exported = app
        .get("/api/v1/export?format=csv", t)
        .await
        .text()
        .await
        .unwrap();
    let other = app.register().await;
    let r = report(
        import(
            &app,
            &other.access_token,
            "format=csv",
            "text/csv",
            exported.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(r["created"], 2, "{r}");
    let back = app
        .get("/api/v1/export?format=csv", &other.access_token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(back, exported);

    let res = import(&app, t, "format=csv", "text/csv", "name,email\nAda,a@b.c\n").await;
    let problem = assert_problem(res, 422, "invalid_file").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown column \"name\"")
    );
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let r = report(
        import(
            &app,
            t,
            "format=linkedin&dry_run=true",
            "text/csv",
            LINKEDIN,
        )
        .await,
    )
    .await;
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["created"], 3);
    assert_eq!(contacts(&app, t).await["data"], json!([]));
}

#[tokio::test]
async fn bad_files_are_refused_whole_and_write_nothing() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let truncated = &LINKEDIN[..LINKEDIN.find("Ørsted").unwrap() - 2];
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "format=csv",
            "text/csv",
            b"full_name,notes\nAda,\"never closed\n".to_vec(),
        ),
        ("format=linkedin", "text/csv", VCARD4.as_bytes().to_vec()),
        ("format=vcard", "text/vcard", LINKEDIN.as_bytes().to_vec()),
        (
            "format=json",
            "application/json",
            b"{\"contacts\": []}".to_vec(),
        ),
        ("format=json", "application/json", b"{not json".to_vec()),
        (
            "format=linkedin",
            "text/csv",
            vec![0xff, 0xfe, 0x00, 0x9c, 0x80, 0x81, 0xc3, 0x28],
        ),
    ];
    for (query, content_type, body) in cases {
        let res = import(&app, t, query, content_type, body).await;
        assert_problem(res, 422, "invalid_file").await;
    }
    // A truncated vCard: the cut card is reported, the whole ones imported.
    let cut = &VCARD4[..VCARD4.rfind("END:VCARD").unwrap()];
    let r = report(import(&app, t, "format=vcard", "text/vcard", cut.to_string()).await).await;
    assert_eq!(r["created"], 1);
    assert_eq!(r["errors"][0]["card"], 2);
    let before = contacts(&app, t).await["data"].as_array().unwrap().len();
    // A truncated LinkedIn file still has whole rows before the cut.
    let r = report(
        import(
            &app,
            t,
            "format=linkedin&dry_run=true",
            "text/csv",
            truncated.to_string(),
        )
        .await,
    )
    .await;
    assert_eq!(r["created"], 1, "{r}");

    let res = import(&app, t, "format=csv", "image/png", "x").await;
    assert_problem(res, 415, "unsupported_media_type").await;
    let res = import(&app, t, "format=xlsx", "text/csv", "x").await;
    assert_problem(res, 400, "invalid_query").await;
    let huge = vec![b'a'; 50 * 1024 * 1024];
    let res = import(&app, t, "format=csv", "text/csv", huge).await;
    assert_problem(res, 413, "payload_too_large").await;
    assert_eq!(
        contacts(&app, t).await["data"].as_array().unwrap().len(),
        before
    );
}

#[tokio::test]
async fn a_file_can_come_as_multipart_form_data() {
    let app = spawn_app().await;
    let user = app.register().await;
    let body = format!(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contacts.vcf\"\r\nContent-Type: text/vcard\r\n\r\n{VCARD4}\r\n--BOUNDARY--\r\n"
    );
    let r = report(
        import(
            &app,
            &user.access_token,
            "format=vcard",
            "multipart/form-data; boundary=BOUNDARY",
            body.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(r["created"], 2, "{r}");

    // The form-only operation takes the same form, and nothing else.
    let upload = |content_type: &'static str, body: String| {
        app.request(
            reqwest::Method::POST,
            "/api/v1/imports/upload?format=vcard&dry_run=true",
            Some(&user.access_token),
        )
        .header("Content-Type", content_type)
        .body(body)
        .send()
    };
    let res = upload("multipart/form-data; boundary=BOUNDARY", body.clone())
        .await
        .unwrap();
    let r = report(res).await;
    assert_eq!(
        (r["dry_run"].clone(), r["skipped"].clone()),
        (json!(true), json!(2)),
        "{r}"
    );
    let res = upload("text/vcard", VCARD4.to_string()).await.unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
}

/// Another user's 40 contacts, created one after the other (while an import
/// runs); the statuses they got.
async fn creates_meanwhile(app: &TestApp, token: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for n in 0..40 {
        let res = app
            .post(
                "/api/v1/contacts",
                Some(token),
                &json!({"full_name": format!("Meanwhile {n}")}),
            )
            .await;
        statuses.push(res.status().as_u16());
    }
    statuses
}

/// Everything but what is new in every account: ids, times, the email.
fn comparable(doc: &Value) -> Value {
    match doc {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !(k.as_str() == "id"
                        || k.ends_with("_id")
                        || k.ends_with("_ids")
                        || k.ends_with("_at")
                        || k.as_str() == "email")
                })
                .map(|(k, v)| (k.clone(), comparable(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(comparable).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn export_then_import_into_a_new_account_gives_the_same_document() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.patch(
        "/api/v1/me",
        t,
        &json!({"headline": "the engine person", "interests": ["sailing", "chess"]}),
    )
    .await;
    let grace = app
        .contact(
            t,
            json!({"full_name": "Grace", "emails": ["grace@example.com"], "interests": ["sailing"],
                           "stage": "prospect", "keep_in_touch_days": 30, "why": "tooling"}),
        )
        .await;
    let twin = app.contact(t, json!({"full_name": "Grace"})).await;
    let mine = app
        .goal(t, json!({"kind": "goal", "title": "Launch a sailing podcast", "topics": ["sailing", "podcast"]}))
        .await;
    let theirs = app
        .goal(
            t,
            json!({"contact_id": grace["id"], "kind": "offer", "title": "Produces sailing podcasts",
                        "topics": ["podcast"]}),
        )
        .await;
    app.interaction(
        t,
        json!({"occurred_at": "2026-10-01T09:00:00Z", "kind": "meeting", "contact_ids": [grace["id"], twin["id"]],
               "goal_ids": [mine["id"]], "gave": "an intro", "follow_up": {"due_on": "2026-10-08", "note": "call"}}),
    )
    .await;
    let page = app.get_json("/api/v1/intersections", t).await;
    for item in page["data"].as_array().unwrap() {
        let status = if item["kind"] == "shared_interest" {
            "dismissed"
        } else {
            "confirmed"
        };
        app.patch(
            &format!("/api/v1/intersections/{}", item["id"].as_str().unwrap()),
            t,
            &json!({"status": status, "note": "decided"}),
        )
        .await;
    }
    app.post(
        "/api/v1/intersections",
        Some(t),
        &json!({"contact_id": twin["id"], "note": "same school"}),
    )
    .await;
    assert!(theirs["id"].is_string());
    // A decision about an introduction, and a vocabulary of one's own.
    let hugo = app.contact(t, json!({"full_name": "Hugo"})).await;
    app.goal(
        t,
        json!({"contact_id": hugo["id"], "kind": "goal", "title": "Start a podcast", "topics": ["podcast"]}),
    )
    .await;
    let introduction = &app.get_json("/api/v1/introductions", t).await["data"][0];
    let res = app
        .patch(
            &format!(
                "/api/v1/introductions/{}",
                introduction["id"].as_str().unwrap()
            ),
            t,
            &json!({"status": "dismissed", "note": "they know each other"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for entry in [
        json!({"label": "boat radio", "phrases": ["boat radio", "marine vhf"]}),
        json!({"extends": "fundraising", "phrases": ["sailing fund"]}),
    ] {
        let res = app.post("/api/v1/vocabulary", Some(t), &entry).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    // An event with its attendees and goals.
    let res = app
        .post(
            "/api/v1/events",
            Some(t),
            &json!({"name": "Regatta", "starts_at": "2026-10-02T09:00:00Z", "intent": "meet sailors",
                    "goal_ids": [mine["id"]],
                    "attendees": [{"contact_id": grace["id"], "status": "going"}, {"contact_id": hugo["id"]}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let original = app.get_json("/api/v1/export", t).await;
    assert_eq!(
        original["events"][0]["attendees"].as_array().unwrap().len(),
        2
    );
    let other = app.register().await;
    let body = serde_json::to_string(&original).unwrap();
    let r = report(
        import(
            &app,
            &other.access_token,
            "format=json",
            "application/json",
            body.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(r["created"], 3, "{r}");
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["restored"],
        json!({"goals": 3, "interactions": 1, "intersections": original["intersections"].as_array().unwrap().len(),
               "introductions": 1, "vocabulary": 2, "events": 1})
    );
    let copy = app.get_json("/api/v1/export", &other.access_token).await;
    let mut expected = comparable(&original);
    let mut got = comparable(&copy);
    // The names differ: each account keeps its own.
    expected["profile"]["name"] = Value::Null;
    got["profile"]["name"] = Value::Null;
    // Intersections made in the same instant are ordered by id, and ids are
    // new: compare them as a set.
    for doc in [&mut expected, &mut got] {
        let list = doc["intersections"].as_array_mut().unwrap();
        list.sort_by_key(|i| i.to_string());
    }
    assert_eq!(got, expected);
    // Relations were re-made on the new ids.
    let new_ids: Vec<Value> = column(&json!({"data": copy["contacts"]}), "id");
    assert_eq!(
        copy["interactions"][0]["contact_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for id in copy["interactions"][0]["contact_ids"].as_array().unwrap() {
        assert!(new_ids.contains(id));
    }
    assert_eq!(
        copy["interactions"][0]["goal_ids"][0],
        copy["goals"][0]["id"]
    );
    assert_eq!(copy["events"][0]["goal_ids"][0], copy["goals"][0]["id"]);
    for a in copy["events"][0]["attendees"].as_array().unwrap() {
        assert!(new_ids.contains(&a["contact_id"]));
    }

    // Restoring it again adds nothing.
    let again = report(
        import(
            &app,
            &other.access_token,
            "format=json",
            "application/json",
            body,
        )
        .await,
    )
    .await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(
        again["restored"],
        json!({"goals": 0, "interactions": 0, "intersections": 0, "introductions": 0, "vocabulary": 0,
               "events": 0})
    );
}

/// A report lists the first 1,000 bad records and counts the rest; a file of
/// more than 100,000 records is refused whole.
#[tokio::test]
async fn reports_and_files_have_bounds() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let mut csv = String::from("full_name,emails\n");
    for n in 0..1_500 {
        csv.push_str(&format!("Person {n},not-an-email-{n}\n"));
    }
    let body = report(import(&app, t, "format=csv&dry_run=true", "text/csv", csv).await).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1_000);
    assert_eq!(body["errors_omitted"], 500);
    assert_eq!(body["created"], 0);

    let mut huge = String::from("full_name\n");
    for n in 0..100_001 {
        huge.push_str(&format!("P{n}\n"));
    }
    let res = import(&app, t, "format=csv", "text/csv", huge).await;
    let problem = assert_problem(res, 422, "invalid_file").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("100000"),
        "{problem}"
    );
    assert_eq!(contacts(&app, t).await["data"], json!([]));
}

/// An import is written in short transactions: a dry run over many of them
/// counts what the real run then does, duplicates across transactions
/// included, and another user's writes go on meanwhile (on SQLite they
/// share one writer, and used to get 503 behind a long import).
#[tokio::test]
async fn a_large_import_counts_right_and_does_not_hold_other_writers() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let people = 3_000;
    let mut csv = String::from("full_name,emails,company\n");
    for n in 0..people {
        csv.push_str(&format!("Person {n},p{n}@example.com,\n"));
    }
    // The same people again, each now with a company: merged, not created.
    for n in 0..people {
        csv.push_str(&format!("Person {n},p{n}@example.com,Acme {n}\n"));
    }
    let dry =
        report(import(&app, t, "format=csv&dry_run=true", "text/csv", csv.clone()).await).await;
    assert_eq!(dry["created"], people, "{dry}");
    assert_eq!(dry["merged"], people, "{dry}");
    assert_eq!(dry["errors"], json!([]));
    assert_eq!(contacts(&app, t).await["data"], json!([]));

    let other = app.register().await;
    let writer = creates_meanwhile(&app, &other.access_token);
    let (real, statuses) = tokio::join!(
        async { report(import(&app, t, "format=csv", "text/csv", csv).await).await },
        writer
    );
    assert_eq!(real["created"], dry["created"]);
    assert_eq!(real["merged"], dry["merged"]);
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let page = app
        .get_json("/api/v1/contacts?limit=1&q=Person%202999", t)
        .await;
    assert_eq!(page["data"][0]["company"], "Acme 2999");
}

/// A large JSON restore is written in short transactions, like a contact
/// file: it completes, relations intact, while another user's writes go on.
#[tokio::test]
async fn a_large_restore_does_not_hold_other_writers() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let people = 3_000;
    let mut csv = String::from("full_name,emails\n");
    for n in 0..people {
        csv.push_str(&format!("Person {n},p{n}@example.com\n"));
    }
    report(import(&app, t, "format=csv", "text/csv", csv).await).await;
    let ids = column(
        &app.get_json("/api/v1/contacts?limit=40&sort=created_at", t)
            .await,
        "id",
    );
    for (n, id) in ids.iter().enumerate() {
        app.goal(
            t,
            json!({"contact_id": id, "kind": "offer", "title": format!("Offer number {n}")}),
        )
        .await;
        app.interaction(
            t,
            json!({"kind": "call", "occurred_at": "2026-01-05T10:00:00Z", "contact_ids": [id],
                   "summary": format!("Call {n}")}),
        )
        .await;
    }
    let document = app.get_text("/api/v1/export", t).await;

    let heir = app.register().await;
    let other = app.register().await;
    let writer = creates_meanwhile(&app, &other.access_token);
    let (restored, statuses) = tokio::join!(
        async {
            report(
                import(
                    &app,
                    &heir.access_token,
                    "format=json",
                    "application/json",
                    document,
                )
                .await,
            )
            .await
        },
        writer
    );
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(restored["created"], people, "{restored}");
    assert_eq!(restored["errors"], json!([]));
    assert_eq!(restored["restored"]["goals"], 40);
    assert_eq!(restored["restored"]["interactions"], 40);
    // Each offer is still held by the contact that held it.
    let copy = app.get_json("/api/v1/export", &heir.access_token).await;
    let names: std::collections::HashMap<&str, &str> = copy["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["full_name"].as_str().unwrap()))
        .collect();
    let original = app.get_json("/api/v1/export", t).await;
    let original_names: std::collections::HashMap<&str, &str> = original["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["full_name"].as_str().unwrap()))
        .collect();
    let holders = |doc: &Value, names: &std::collections::HashMap<&str, &str>| {
        let mut pairs: Vec<(String, String)> = doc["goals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let holder = names[g["contact_id"].as_str().unwrap()];
                (g["title"].as_str().unwrap().to_string(), holder.to_string())
            })
            .collect();
        pairs.sort();
        pairs
    };
    assert_eq!(holders(&copy, &names), holders(&original, &original_names));
}

/// A restored document is input like any other: a decision's note, score
/// and reasons obey the rules of `POST` and `PATCH`, and what one database
/// stores the other restores (PostgreSQL refuses NUL; SQLite stored a
/// 200,000-character note and a score of 1e300).
#[tokio::test]
async fn a_restore_validates_what_it_stores() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    app.post(
        "/api/v1/intersections",
        Some(t),
        &json!({"contact_id": ada["id"], "note": "same school"}),
    )
    .await;
    let document = app.get_json("/api/v1/export", t).await;
    assert_eq!(document["intersections"].as_array().unwrap().len(), 1);
    let hostile = [
        json!({"note": "nul \u{0} inside"}),
        json!({"note": "x".repeat(200_000)}),
        json!({"score": 1e300}),
        json!({"score": -1}),
        json!({"reasons": "not a list"}),
        json!({"reasons": [{"why": "\u{0}"}]}),
        json!({"reasons": (0..100).map(|n| json!({"term": n})).collect::<Vec<_>>()}),
    ];
    for (n, change) in hostile.iter().enumerate() {
        let mut doc = document.clone();
        for (field, value) in change.as_object().unwrap() {
            doc["intersections"][0][field] = value.clone();
        }
        let other = app.register().await;
        let res = app
            .request(
                reqwest::Method::POST,
                "/api/v1/imports?format=json",
                Some(&other.access_token),
            )
            .header("Content-Type", "application/json")
            .body(doc.to_string())
            .send()
            .await
            .unwrap();
        let body = report(res).await;
        assert_eq!(body["restored"]["intersections"], 0, "case {n}: {body}");
        assert_eq!(
            body["errors"][0]["path"], "intersections[0]",
            "case {n}: {body}"
        );
        let stored = app
            .get_json(
                "/api/v1/intersections?status=confirmed",
                &other.access_token,
            )
            .await;
        assert_eq!(stored["data"], json!([]), "case {n}");
    }
}
