//! What integrators and browser front ends rely on beyond the resources:
//! CORS that exposes every header a client reads and refuses in problem+json,
//! HEAD wherever GET, errors that say what to do, a spec that asks no
//! credentials of public operations.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, assert_problem, error_fields, spawn_app, spawn_app_with};

const FRONT_END: &str = "https://app.example.com";

#[tokio::test]
async fn a_configured_origin_gets_every_header_a_client_reads() {
    let app = spawn_app_with(AppOptions {
        env: vec![("RAPPORT_CORS_ORIGINS", FRONT_END.to_string())],
        ..Default::default()
    })
    .await;
    let user = app.register().await;
    let preflight = app
        .request(Method::OPTIONS, "/api/v1/contacts", None)
        .header("Origin", FRONT_END)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, idempotency-key, if-match, prefer",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        FRONT_END
    );
    let res = app
        .request(Method::POST, "/api/v1/contacts", Some(&user.access_token))
        .header("Origin", FRONT_END)
        .header("Idempotency-Key", "cors-1")
        .json(&json!({"full_name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "etag",
        "location",
        "retry-after",
        "x-request-id",
        "idempotent-replayed",
        "content-disposition",
        "intersections-stale",
        "preference-applied",
    ] {
        assert!(exposed.contains(header), "{header} not in {exposed}");
    }
}

#[tokio::test]
async fn an_origin_not_configured_is_refused_in_problem_json() {
    // No RAPPORT_CORS_ORIGINS: no origin may call from a browser.
    let app = spawn_app().await;
    let res = app
        .request(Method::OPTIONS, "/api/v1/contacts", None)
        .header("Origin", FRONT_END)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{:?}",
        res.headers()
    );
    let problem = assert_problem(res, 403, "origin_not_allowed").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("RAPPORT_CORS_ORIGINS")
    );
}

#[tokio::test]
async fn head_is_answered_wherever_get_is() {
    let app = spawn_app().await;
    let user = app.register().await;
    for (path, token) in [
        ("/openapi.json", None),
        ("/health/live", None),
        ("/api/v1/contacts", Some(user.access_token.as_str())),
        ("/api/v1/me", Some(user.access_token.as_str())),
    ] {
        let get = app.request(Method::GET, path, token).send().await.unwrap();
        let head = app.request(Method::HEAD, path, token).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has a body"
        );
    }
    let docs = app
        .request(Method::HEAD, "/docs", None)
        .send()
        .await
        .unwrap();
    assert!(docs.status().is_redirection(), "{}", docs.status());
    // Where GET is not answered, neither is HEAD: 405 with what is allowed.
    let res = app
        .request(Method::HEAD, "/api/v1/auth/login", None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn date_and_time_errors_name_the_expected_format() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let ada = app.contact(t, json!({"full_name": "Ada"})).await;
    let res = app
        .post(
            "/api/v1/interactions",
            Some(t),
            &json!({"occurred_at": "2026-12-08", "kind": "call", "contact_ids": [ada["id"]]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["occurred_at"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected an RFC 3339 date-time such as 2026-11-21T09:30:00Z"),
        "{problem}"
    );
    let res = app
        .patch(
            &format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()),
            t,
            &json!({"next_step": "Call", "next_step_due": "12/08/2026"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["next_step_due"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected a date as YYYY-MM-DD"),
        "{problem}"
    );
}

#[tokio::test]
async fn an_empty_token_and_an_empty_path_segment_say_so() {
    let app = spawn_app().await;
    let user = app.register().await;
    let res = app
        .request(Method::GET, "/api/v1/contacts", None)
        .header("Authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 401, "invalid_token").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("empty"),
        "{problem}"
    );
    // `POST $API/contacts/$KEEP/merge` with $KEEP unset.
    let res = app
        .post(
            "/api/v1/contacts//merge",
            Some(&user.access_token),
            &json!({"from": []}),
        )
        .await;
    let problem = assert_problem(res, 404, "not_found").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("empty segment"),
        "{problem}"
    );
}

#[tokio::test]
async fn public_operations_need_no_credentials_in_the_spec() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    let spec: Value = res.json().await.unwrap();
    assert_eq!(spec["servers"][0]["url"], "/");
    for path in ["/api/v1/auth/register", "/api/v1/auth/login"] {
        assert_eq!(spec["paths"][path]["post"]["security"], json!([]), "{path}");
    }
    assert_eq!(spec["security"], json!([{"bearer": []}]));
    assert!(!spec.to_string().contains("\"security\":[{}]"));
}

#[tokio::test]
async fn the_spec_names_list_items_types_headers_as_strings_and_names_sorts() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    let spec: Value = res.json().await.unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas.iter().filter(|(n, _)| n.starts_with("Page_")) {
        let item = name.trim_start_matches("Page_");
        assert_eq!(
            schema["properties"]["data"]["items"],
            json!({"$ref": format!("#/components/schemas/{item}")}),
            "{name}"
        );
        assert!(schemas.contains_key(item), "{item}");
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "header" {
                    assert_eq!(parameter["schema"]["type"], "string", "{method} {path}");
                }
            }
        }
    }
    assert_eq!(schemas["ContactSort"]["x-enum-varnames"][1], "name_desc");
}

async fn spec(app: &crate::helpers::TestApp) -> Value {
    let res = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

#[tokio::test]
async fn every_field_a_response_carries_is_required_in_the_spec() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let user = app.register().await;
    let t = &user.access_token;
    // A contact with nothing but a name still sends every field (nulls and
    // empty lists), and the schema requires exactly those.
    let contact = app.contact(t, json!({"full_name": "Ada"})).await;
    let contact = app
        .get_json(
            &format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap()),
            t,
        )
        .await;
    let schema = &spec["components"]["schemas"]["Contact"];
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut sent: Vec<&str> = contact
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    required.sort();
    sent.sort();
    assert_eq!(required, sent);
    assert!(contact["matched"].is_null() && contact["company"].is_null());
    // A problem always carries `errors` and `request_id`.
    let res = app
        .get("/api/v1/contacts/0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60", t)
        .await;
    let problem = assert_problem(res, 404, "not_found").await;
    assert_eq!(problem["errors"], json!([]));
    assert!(problem["request_id"].is_string());
    // Request bodies keep their optional fields optional.
    let create = &spec["components"]["schemas"]["CreateContact"];
    assert_eq!(create["required"], json!(["full_name"]));
}

#[tokio::test]
async fn every_operation_is_described_and_every_answer_has_an_example() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty(),
                "{method} {path} has no description"
            );
            let idempotent = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            for (status, response) in operation["responses"].as_object().unwrap() {
                if response.get("$ref").is_some() {
                    continue;
                }
                assert!(
                    response["headers"].get("X-Request-Id").is_some(),
                    "{method} {path} {status} does not name X-Request-Id"
                );
                if idempotent && status.starts_with('2') {
                    assert!(
                        response["headers"].get("Idempotent-Replayed").is_some(),
                        "{method} {path} {status} does not name Idempotent-Replayed"
                    );
                }
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    assert!(
                        content.get("example").is_some() || content.get("examples").is_some(),
                        "{method} {path} {status} {media} has no example"
                    );
                    if media == "application/problem+json" {
                        assert_eq!(
                            content["example"]["status"].to_string(),
                            *status,
                            "{method} {path}"
                        );
                    }
                }
            }
        }
    }
    // A hand-written example of a schema shows every field it requires.
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let (Some(example), Some(required)) =
            (schema["example"].as_object(), schema["required"].as_array())
        else {
            continue;
        };
        for field in required {
            assert!(
                example.contains_key(field.as_str().unwrap()),
                "{name}'s example lacks {field}"
            );
        }
    }
    let taken = &spec["paths"]["/api/v1/auth/register"]["post"]["responses"]["409"]["content"]["application/problem+json"]
        ["example"];
    assert_eq!(taken["code"], "email_taken");
    // Each error status shows its own problem, as the server writes it.
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        assert!(response["headers"].get("X-Request-Id").is_some(), "{name}");
        let example = &response["content"]["application/problem+json"]["example"];
        let status = example["status"].as_u64().unwrap();
        let code = example["code"].as_str().unwrap();
        assert_eq!(
            example["type"],
            format!("urn:rapport:problem:{code}"),
            "{name}"
        );
        let answered = &spec["paths"]["/api/v1/contacts/{id}"]["patch"]["responses"]
            [status.to_string()]["$ref"];
        assert!(
            answered.is_null() || answered == &json!(format!("#/components/responses/{name}")),
            "{name}: {answered}"
        );
    }
    let unprocessable = &spec["components"]["responses"]["ValidationFailed"]["content"]["application/problem+json"]
        ["example"];
    assert_eq!(unprocessable["status"], 422);
    assert_eq!(unprocessable["errors"].as_array().unwrap().len(), 2);
    let not_found = &spec["components"]["responses"]["NotFound"]["content"]["application/problem+json"]
        ["example"];
    assert_eq!(not_found["code"], "not_found");
}

#[tokio::test]
async fn each_export_format_has_an_operation_of_its_own() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    app.contact(
        t,
        json!({"full_name": "Grace Hopper", "emails": ["grace@example.com"]}),
    )
    .await;
    for (path, parameter, media, extension) in [
        ("/api/v1/export.csv", "csv", "text/csv", "csv"),
        ("/api/v1/export.vcf", "vcard", "text/vcard", "vcf"),
        ("/api/v1/export.json", "json", "application/json", "json"),
    ] {
        let res = app.get(path, t).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with(media), "{path}: {content_type}");
        let disposition = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.ends_with(&format!(".{extension}\"")),
            "{disposition}"
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("Grace Hopper"), "{path}");
        let same = app
            .get_text(&format!("/api/v1/export?format={parameter}"), t)
            .await;
        if parameter != "json" {
            // The JSON export carries the time it was taken.
            assert_eq!(body, same, "{path}");
        }
    }
    let spec = spec(&app).await;
    for path in [
        "/api/v1/export.csv",
        "/api/v1/export.vcf",
        "/api/v1/export.json",
    ] {
        let content = spec["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(content.len(), 1, "{path}");
    }
    let file = &spec["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["properties"]["file"];
    assert_eq!(file["format"], "binary");
    // Another user's export is their own.
    let other = app.register().await;
    let theirs = app
        .get_text("/api/v1/export.csv", &other.access_token)
        .await;
    assert!(!theirs.contains("Grace Hopper"));
}

#[tokio::test]
async fn every_wrong_field_of_a_body_is_reported_at_once() {
    let app = spawn_app().await;
    let user = app.register().await;
    let t = &user.access_token;
    let res = app
        .post(
            "/api/v1/contacts",
            Some(t),
            &json!({"full_name": 5, "emails": "grace@example.com", "met_on": "yesterday",
                    "keep_in_touch_days": "often", "colour": "blue"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "colour",
            "emails",
            "full_name",
            "keep_in_touch_days",
            "met_on"
        ]
    );
    assert_eq!(problem["detail"], "The request has 5 invalid fields.");
    // Nothing was written.
    let page = app.get_json("/api/v1/contacts", t).await;
    assert_eq!(page["data"], json!([]));
}
