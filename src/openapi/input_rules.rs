//! What `domain::validate` accepts, written into the document by rule, so the
//! contract is exact without repeating a regular expression on every field:
//!
//! - text never holds control characters other than tab and line breaks;
//! - text that cannot be null must hold something besides white space;
//! - `email`/`emails` are email addresses, `phones` hold at least three
//!   digits, `links` are `http(s)` URLs, `interests`/`topics` are tags,
//!   vocabulary `phrases` and `complements` are text of their own lengths;
//!   an event's `url` is an `http(s)` URL or blank;
//! - a query parameter is never empty (leave it out instead), and holds no
//!   control characters;
//! - an `Idempotency-Key` is 1 to 255 visible ASCII characters.
//!
//! The rules run on the JSON form of the document, after utoipa built it.

use serde_json::{Map, Value, json};

/// Control characters (Unicode `Cc`) except tab, line feed and carriage return.
const CONTROL: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";
/// White space that `str::trim` removes and that is not a control character.
const SPACE: &str = r"\t\n\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

fn no_control() -> String {
    format!("^[^{CONTROL}]*$")
}

fn not_blank() -> String {
    format!("^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$")
}

fn phone() -> String {
    let any = format!("[^{CONTROL}]*");
    format!("^{any}[0-9]{any}[0-9]{any}[0-9]{any}$")
}

fn web_url() -> String {
    format!(
        "^[{SPACE}]*[Hh][Tt][Tt][Pp][Ss]?://[^{CONTROL}{SPACE}/?#][^{CONTROL}{SPACE}]*[{SPACE}]*$"
    )
}

/// Fields whose text is checked as a whole rather than as free text.
const OPAQUE: [&str; 2] = ["password", "refresh_token"];

pub fn apply(doc: &mut Value) {
    let mut bodies = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                parameters(operation);
                bodies.extend(body_schemas(operation));
            }
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut seen = Vec::new();
    while let Some(name) = bodies.pop() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        if let Some(schema) = schemas.get_mut(&name) {
            bodies.extend(object(schema));
        }
    }
}

/// Query parameters are never empty; `Idempotency-Key` is visible ASCII.
fn parameters(operation: &mut Value) {
    let Some(params) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for param in params {
        let place = param["in"].as_str().unwrap_or_default().to_owned();
        let name = param["name"].as_str().unwrap_or_default().to_owned();
        let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
            continue;
        };
        if place == "query" {
            query_string(schema);
            if is_array(schema)
                && let Some(items) = schema.get_mut("items").and_then(Value::as_object_mut)
            {
                query_string(items);
            }
        }
        if place == "header" && name == "Idempotency-Key" {
            schema.insert("pattern".into(), json!("^[!-~]{1,255}$"));
            schema.insert("maxLength".into(), json!(255));
        }
    }
}

/// A query string is never empty, and free text in it has no control characters.
fn query_string(schema: &mut Map<String, Value>) {
    if !is_string(schema) || schema.contains_key("enum") {
        return;
    }
    schema.insert("minLength".into(), json!(1));
    if is_plain_string(schema) {
        schema.insert("pattern".into(), json!(no_control()));
    }
}

/// The component schemas an operation's JSON bodies refer to; a raw body is
/// bytes, and a multipart body is described as its one file part.
fn body_schemas(operation: &mut Value) -> Vec<String> {
    let Some(content) = operation
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    else {
        return Vec::new();
    };
    if let Some(raw) = content.get_mut("application/octet-stream") {
        raw["schema"] = json!({"type": "string", "format": "binary"});
    }
    if let Some(multipart) = content.get_mut("multipart/form-data") {
        multipart["schema"] = json!({
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}},
        });
    }
    content
        .values()
        .filter_map(|media| media.pointer("/schema/$ref")?.as_str())
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
        .collect()
}

/// Applies the text rules to one object schema's properties; returns the
/// schemas it refers to, which get the same treatment.
fn object(schema: &mut Value) -> Vec<String> {
    let mut refs = Vec::new();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return refs;
    };
    for (name, property) in properties.iter_mut() {
        collect_refs(property, &mut refs);
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        if is_array(property) {
            if let Some(items) = property.get_mut("items").and_then(Value::as_object_mut)
                && is_plain_string(items)
            {
                item(name, items);
            }
        } else if is_plain_string(property) {
            field(name, property);
        }
    }
    refs
}

fn field(name: &str, schema: &mut Map<String, Value>) {
    if OPAQUE.contains(&name) {
        return;
    }
    if name == "email" {
        schema.insert("format".into(), json!("email"));
        return;
    }
    if name == "url" {
        // Blank is no URL at all (stored as null).
        schema.insert(
            "pattern".into(),
            json!(format!("^[{SPACE}]*$|{}", web_url())),
        );
        return;
    }
    let pattern = if is_nullable(schema) {
        no_control()
    } else {
        not_blank()
    };
    schema.insert("pattern".into(), json!(pattern));
}

fn item(list: &str, schema: &mut Map<String, Value>) {
    if list == "emails" {
        schema.insert("format".into(), json!("email"));
        schema.insert("maxLength".into(), json!(254));
        return;
    }
    let (rule, max_length) = match list {
        "phones" => (phone(), 50),
        "links" => (web_url(), 2048),
        "phrases" => (not_blank(), crate::domain::vocabulary::PHRASE),
        "complements" => (not_blank(), crate::domain::vocabulary::CONCEPT_ID),
        _ => (not_blank(), crate::domain::validate::MAX_TAG_CHARS),
    };
    schema.insert("pattern".into(), json!(rule));
    schema.insert("maxLength".into(), json!(max_length));
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                refs.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

fn types(schema: &Map<String, Value>) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_string(schema: &Map<String, Value>) -> bool {
    types(schema).contains(&"string")
}

fn is_array(schema: &Map<String, Value>) -> bool {
    types(schema).contains(&"array")
}

fn is_nullable(schema: &Map<String, Value>) -> bool {
    types(schema).contains(&"null")
}

/// Free text: a string without a format or a fixed set of values.
fn is_plain_string(schema: &Map<String, Value>) -> bool {
    is_string(schema) && !schema.contains_key("format") && !schema.contains_key("enum")
}
