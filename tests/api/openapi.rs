//! The OpenAPI document is a contract: the checked-in copy must be what the
//! code generates, and what the server serves.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::spawn_app;

const CHECKED_IN: &str = include_str!("../../openapi/openapi.json");

#[tokio::test]
async fn the_checked_in_spec_is_the_generated_and_served_one() {
    let generated = rapport::openapi::spec_json().unwrap();
    if generated.trim() != CHECKED_IN.trim() {
        if std::env::var("UPDATE_OPENAPI").is_ok() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"),
                format!("{generated}\n"),
            )
            .unwrap();
        } else {
            panic!(
                "openapi/openapi.json is out of date. Regenerate it with \
                 `cargo run -- openapi > openapi/openapi.json` (or run the tests with \
                 UPDATE_OPENAPI=1) and commit it."
            );
        }
    }
    let app = spawn_app().await;
    let served = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served.trim(), generated.trim());
}

fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.insert(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn the_spec_is_openapi_3_1_and_every_reference_resolves() {
    let spec: Value = serde_json::from_str(&rapport::openapi::spec_json().unwrap()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let mut found = BTreeSet::new();
    refs(&spec, &mut found);
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(spec.pointer(pointer).is_some(), "unresolved {r}");
    }
}

#[test]
fn every_operation_documents_its_errors_as_problem_json() {
    let spec: Value = serde_json::from_str(&rapport::openapi::spec_json().unwrap()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "500"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            let secured = op.get("security").is_none();
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{method} {path} lacks 422");
            }
            assert!(op["tags"].is_array(), "{method} {path} has no tag");
            assert!(
                op.get("summary").is_some(),
                "{method} {path} has no summary"
            );
        }
    }
}
