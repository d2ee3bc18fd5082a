//! The OpenAPI document, generated from the code: `utoipa_actix_web` collects
//! every handler registered with `.service()`, and [`ErrorResponses`] adds the
//! problem+json answers each operation can give, by rule, so no operation can
//! forget its 400, 401, 404, 422 or 500. The same function builds the document
//! for `/openapi.json`, `rapport openapi` and the check-in test.

mod input_rules;

use actix_web::App;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::domain::contacts::list::ContactSort;
use crate::domain::enums::{GoalKind, GoalStatus, IntersectionKind, IntersectionStatus};
use crate::domain::events::list::EventSort;
use crate::domain::export::ExportFormat;
use crate::domain::goals::list::GoalHolder;
use crate::domain::imports::ImportFormat;
use crate::error::{PROBLEM_JSON, Problem};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "Rapport is a private relationship manager for *smart networking*: \
            keep fewer, deeper, mutually useful relationships. It records contacts, the \
            interactions with them, and the goals and offers of the user and of each contact, \
            and computes the intersections between them.\n\n\
            Conventions: JSON in snake_case; ids are UUIDv7; times RFC 3339 UTC; dates \
            `YYYY-MM-DD`. Lists take `limit` (1-200, default 50) and an opaque `cursor`, and \
            answer `{\"data\": [...], \"next_cursor\": ...}`. `PATCH` is JSON Merge Patch. \
            Errors are `application/problem+json` with a stable `code`. Authenticate with \
            `Authorization: Bearer <token>`: an access token from `/auth/login`, or a \
            personal API token from `/tokens`. `HEAD` is answered wherever `GET` is.",
        license(name = "MIT", identifier = "MIT"),
        version = env!("CARGO_PKG_VERSION"),
    ),
    tags(
        (name = "health", description = "Liveness and readiness probes."),
        (name = "auth", description = "Accounts and sessions: register, log in, refresh, log out."),
        (name = "me", description = "Your own profile."),
        (name = "tokens", description = "Personal API tokens for scripts and integrations."),
        (name = "contacts", description = "The people in your network: why they matter, what you can give and get, what is next."),
        (name = "interactions", description = "What happened with whom, and what was exchanged."),
        (name = "agenda", description = "What needs doing, and whom to reconnect with."),
        (name = "goals", description = "What you and your contacts pursue (goals) and can give (offers)."),
        (name = "events", description = "What you plan to attend: who will be there, how to prepare, and what happened."),
        (name = "intersections", description = include_str!("openapi/intersections.md")),
        (name = "vocabulary", description = "The concepts the intersections engine understands, and your own words for them."),
        (name = "insights", description = "The quality of your network, led by intersections."),
        (name = "search", description = "People found by anything you wrote about them: their fields, your interactions with them, their goals and offers."),
        (name = "export", description = "Your data, whole: JSON, vCard or CSV."),
        (name = "imports", description = "Bring a network in: LinkedIn, vCard, CSV, or a Rapport export."),
        (name = "webhooks", description = include_str!("openapi/webhooks.md")),
    ),
    components(schemas(
        Problem, ContactSort, EventSort, ExportFormat, ImportFormat, GoalHolder, GoalKind, GoalStatus, IntersectionKind, IntersectionStatus
    )),
    modifiers(&BearerAuth, &ErrorResponses),
    security(("bearer" = [])),
)]
struct ApiDoc;

/// The whole document.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::health::routes)
        .service(scope::scope("/api/v1").configure(routes::api))
        .split_for_parts();
    // Modifiers of the derive run before the handlers are collected, so the
    // per-operation rules run again on the complete document.
    ErrorResponses.modify(&mut api);
    FreshnessHeaders.modify(&mut api);
    let mut doc = serde_json::to_value(&api).expect("the document serialises");
    input_rules::apply(&mut doc);
    public_operations_need_nothing(&mut doc);
    page_items_by_reference(&mut doc);
    responses_send_every_field(&mut doc);
    responses_show_an_example(&mut doc);
    responses_name_their_headers(&mut doc);
    header_parameters_are_strings(&mut doc);
    sort_values_have_names(&mut doc);
    // Relative: the document describes the server that serves it.
    doc["servers"] =
        serde_json::json!([{"url": "/", "description": "The server that serves this document."}]);
    serde_json::from_value(doc).expect("the rules keep the document well formed")
}

/// Every operation of the document (each method of each path), for the
/// rules below to change.
fn operations_mut(doc: &mut serde_json::Value) -> impl Iterator<Item = &mut serde_json::Value> {
    doc.get_mut("paths")
        .and_then(|p| p.as_object_mut())
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
}

/// `security: [{}]` (what utoipa writes for `security(())`) reads as "one
/// requirement, empty" and makes client generators ask for credentials;
/// `[]` says a public operation needs none.
fn public_operations_need_nothing(doc: &mut serde_json::Value) {
    for operation in operations_mut(doc) {
        if operation["security"] == serde_json::json!([{}]) {
            operation["security"] = serde_json::json!([]);
        }
    }
}

/// utoipa inlines the item schema of a generic `Page<T>`; generators then
/// make one class per page (`PageContactDataItem`…). Each `Page_T` lists
/// `$ref: T` instead (the component is added when no route names it).
fn page_items_by_reference(doc: &mut serde_json::Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let pages: Vec<String> = schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    for page in pages {
        let item = page.trim_start_matches("Page_").to_string();
        let inlined = schemas[&page]["properties"]["data"]["items"].take();
        if inlined.get("$ref").is_some() {
            schemas[&page]["properties"]["data"]["items"] = inlined;
            continue;
        }
        schemas.entry(item.clone()).or_insert(inlined);
        schemas[&page]["properties"]["data"]["items"] =
            serde_json::json!({"$ref": format!("#/components/schemas/{item}")});
    }
}

/// Every field of a response is always sent (null when it has no value):
/// serde writes `Option` fields as null, and no response type skips one.
/// utoipa marks `Option` fields optional, which makes generated clients
/// type them `T | None | Unset`; a schema that only responses use (no
/// request body or parameter reaches it) lists every property as required.
fn responses_send_every_field(doc: &mut serde_json::Value) {
    let mut reached = std::collections::BTreeSet::new();
    let mut pending = Vec::new();
    for operation in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values())
    {
        schema_refs(&operation["requestBody"], &mut pending);
        schema_refs(&operation["parameters"], &mut pending);
    }
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            schema_refs(&doc["components"]["schemas"][&name], &mut pending);
        }
    }
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        if reached.contains(name) {
            continue;
        }
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        let every: Vec<serde_json::Value> = properties.keys().map(|k| k.as_str().into()).collect();
        schema["required"] = every.into();
    }
}

/// Every response shows an example (Swagger UI, mock servers and readers of
/// the document use it): one the handler declares, else one built from the
/// schema, where each property shows its own example or a plain value of its
/// type, so it cannot drift from the schema. An error an operation declares
/// itself shows the problem of its status with the code its description
/// names.
fn responses_show_an_example(doc: &mut serde_json::Value) {
    let components = doc["components"]["schemas"].clone();
    for operation in operations_mut(doc) {
        let Some(responses) = operation["responses"].as_object_mut() else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            let description = response["description"].as_str().unwrap_or_default();
            let problem = (!status.starts_with('2')).then(|| problem_example(status, description));
            let Some(content) = response.get_mut("content").and_then(|c| c.as_object_mut()) else {
                continue;
            };
            for media in content.values_mut() {
                if media.get("example").is_none() && media.get("examples").is_none() {
                    media["example"] = match &problem {
                        Some(problem) => problem.clone(),
                        None => example_of(&media["schema"], &components, 0),
                    };
                }
            }
        }
    }
}

/// Headers every client may read: `X-Request-Id` on every response (the
/// caller's, when sane, or a fresh UUIDv7: [`crate::http::request_id`]), and
/// `Idempotent-Replayed` on the success of an operation that takes an
/// `Idempotency-Key` ([`crate::http::idempotency`]).
fn responses_name_their_headers(doc: &mut serde_json::Value) {
    use serde_json::json;
    let request_id = json!({
        "schema": {"type": "string"},
        "description": "This request's id, also in the logs and in a problem's `request_id`: \
            the one you sent as `X-Request-Id` (up to 128 letters, digits and `-_.:`), or \
            a fresh UUIDv7.",
    });
    let replayed = json!({
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present when this is the stored answer to an earlier request with \
            the same `Idempotency-Key`: nothing was done again.",
    });
    if let Some(shared) = doc["components"]["responses"].as_object_mut() {
        for response in shared.values_mut() {
            response["headers"]["X-Request-Id"] = request_id.clone();
        }
    }
    for operation in operations_mut(doc) {
        let idempotent = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
        let Some(own) = operation["responses"].as_object_mut() else {
            continue;
        };
        for (status, response) in own.iter_mut() {
            if response.get("$ref").is_some() {
                continue;
            }
            if idempotent && status.starts_with('2') {
                response["headers"]["Idempotent-Replayed"] = replayed.clone();
            }
            response["headers"]["X-Request-Id"] = request_id.clone();
        }
    }
}

/// The problem for `status` ([`ErrorResponses::example`]), with the code a
/// description names in backticks (`email_taken`) and its words as detail.
fn problem_example(status: &str, description: &str) -> serde_json::Value {
    let mut problem = ErrorResponses::example(status);
    let code = description
        .split('`')
        .skip(1)
        .step_by(2)
        .find(|s| s.contains('_') && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    if let Some(code) = code {
        let detail = description.split(" (`").next().unwrap_or(description);
        problem["code"] = code.into();
        problem["type"] = format!("urn:rapport:problem:{code}").into();
        problem["detail"] = format!("{}.", detail.trim_end_matches('.')).into();
    }
    problem
}

/// A value that `schema` accepts, from its examples where it has them.
fn example_of(
    schema: &serde_json::Value,
    components: &serde_json::Value,
    depth: usize,
) -> serde_json::Value {
    use serde_json::{Value, json};
    if depth > 20 {
        return Value::Null;
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return example_of(&components[name], components, depth + 1);
    }
    if let Some(first) = schema["oneOf"]
        .as_array()
        .or(schema["anyOf"].as_array())
        .and_then(|variants| variants.iter().find(|v| v["type"] != "null"))
    {
        return example_of(first, components, depth + 1);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(fields) = example_of(part, components, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        kind => kind.clone(),
    };
    match kind.as_str().unwrap_or("object") {
        "array" => json!([example_of(&schema["items"], components, depth + 1)]),
        "string" => match schema["format"].as_str() {
            Some("uuid") => json!("0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"),
            Some("date-time") => json!("2026-11-21T09:30:00Z"),
            Some("date") => json!("2026-11-21"),
            Some("uri") => json!("https://example.com/"),
            Some("email") => json!("grace@example.com"),
            _ => json!("text"),
        },
        "integer" => schema.get("minimum").cloned().unwrap_or(json!(1)),
        "number" => json!(0.5),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => match schema["properties"].as_object() {
            Some(properties) => Value::Object(
                properties
                    .iter()
                    .map(|(k, p)| (k.clone(), example_of(p, components, depth + 1)))
                    .collect(),
            ),
            None => json!({}),
        },
    }
}

/// The component names `value` refers to (`#/components/schemas/Name`).
fn schema_refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_string());
            }
            map.values().for_each(|v| schema_refs(v, into));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| schema_refs(v, into)),
        _ => {}
    }
}

/// A header is a string or absent: `Option<String>` parameters would read
/// `string | null`, and no client can send a null header.
fn header_parameters_are_strings(doc: &mut serde_json::Value) {
    for operation in operations_mut(doc) {
        let Some(parameters) = operation["parameters"].as_array_mut() else {
            continue;
        };
        for parameter in parameters.iter_mut().filter(|p| p["in"] == "header") {
            if parameter["schema"]["type"] == serde_json::json!(["string", "null"]) {
                parameter["schema"]["type"] = "string".into();
            }
        }
    }
}

/// Sort orders such as `-name` make generators invent names (`VALUE_3`):
/// `x-enum-varnames` names each (`name_asc`, `name_desc`).
fn sort_values_have_names(doc: &mut serde_json::Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        let values: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
        if !values.iter().any(|v| v.starts_with('-')) {
            continue;
        }
        let names: Vec<String> = values
            .iter()
            .map(|v| match v.strip_prefix('-') {
                Some(field) => format!("{field}_desc"),
                None => format!("{v}_asc"),
            })
            .collect();
        schema["x-enum-varnames"] = serde_json::json!(names);
    }
}

pub fn spec_json() -> Result<String, serde_json::Error> {
    spec().to_pretty_json()
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from `/auth/login` (a JWT, 15 minutes) or a personal \
                         API token from `/tokens` (`rpt_…`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "feed_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "A personal API token of scope `feed` in the URL (`?token=rpt_…`), for \
                 calendar apps, which cannot send headers. Accepted by the calendar feed \
                 (`GET /agenda.ics`) only; a feed token is refused everywhere else.",
            ))),
        );
    }
}

/// The reusable error responses: (status, component name, description).
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "Malformed JSON, or an invalid path or query parameter.",
    ),
    (
        "401",
        "Unauthorized",
        "Missing, invalid or expired credentials.",
    ),
    (
        "403",
        "Forbidden",
        "The credential may not do this (a `read` token writing, a `feed` token anywhere but the calendar feed, or a personal token where a login session is needed).",
    ),
    ("404", "NotFound", "No such resource, or not yours."),
    (
        "408",
        "RequestTimeout",
        "The request body did not arrive in time (15 s; 60 s for an import); the connection is closed.",
    ),
    (
        "412",
        "PreconditionFailed",
        "`If-Match` does not match the current `ETag`; nothing was changed.",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The request body is larger than the server accepts.",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not `application/json`.",
    ),
    (
        "422",
        "ValidationFailed",
        "The body is well-formed JSON but invalid; `errors` lists each field.",
    ),
    (
        "429",
        "TooManyRequests",
        "Rate limited; retry after `Retry-After` seconds.",
    ),
    (
        "500",
        "InternalError",
        "An unexpected error; the body carries the request id, never internals.",
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database cannot be reached; retry after `Retry-After` seconds.",
    ),
];

pub struct ErrorResponses;

impl ErrorResponses {
    fn components(api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        for (status, name, description) in ERRORS {
            let mut response = ResponseBuilder::new().description(*description).content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(Self::example(status)))
                    .build(),
            );
            if matches!(*status, "429" | "503") {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                        .description(Some("Seconds to wait before retrying."))
                        .build(),
                );
            }
            if *status == "401" {
                response = response.header(
                    "WWW-Authenticate",
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .description(Some("`Bearer` challenge."))
                        .build(),
                );
            }
            components
                .responses
                .insert((*name).to_string(), RefOr::T(response.build()));
        }
    }

    /// What a client sees for `status`: the problem our own error type
    /// writes, so the example cannot drift from the server.
    fn example(status: &str) -> serde_json::Value {
        use crate::error::{AppError, FieldError};
        let error = match status {
            "400" => AppError::bad_request(
                "malformed_json",
                "Malformed JSON: expected `,` or `}` at line 1 column 28",
            ),
            "401" => AppError::unauthorized("invalid_token", "The access token has expired."),
            "403" => AppError::Forbidden {
                code: "insufficient_scope",
                detail: "This token has the read scope; this request writes.".into(),
            },
            "404" => AppError::not_found("contact"),
            "409" => AppError::Conflict {
                code: "conflict",
                detail: "The request conflicts with the resource's current state.".into(),
            },
            "408" => {
                AppError::RequestTimeout("The request body did not arrive within 15 s.".into())
            }
            "412" => AppError::PreconditionFailed,
            "413" => AppError::PayloadTooLarge(
                "The request body is larger than this server accepts.".into(),
            ),
            "415" => AppError::UnsupportedMediaType(
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ),
            "422" => AppError::Validation(vec![
                FieldError::new("full_name", "is required"),
                FieldError::new("emails[0]", "not an email address"),
            ]),
            "429" => AppError::RateLimited {
                retry_after_secs: 30,
            },
            "503" => AppError::Unavailable("pool timed out".into()),
            _ => AppError::internal("an example"),
        };
        let mut problem = serde_json::to_value(error.to_problem()).expect("a problem serialises");
        problem["request_id"] = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60".into();
        problem
    }

    /// The statuses `operation` can answer with, besides its own.
    fn statuses(path: &str, operation: &Operation) -> Vec<&'static str> {
        let public = operation
            .security
            .as_ref()
            .is_some_and(|reqs| reqs.iter().all(|r| r == &Default::default()));
        let params = operation.parameters.as_deref().unwrap_or_default();
        let has_header = |name: &str| {
            params.iter().any(|p| match p {
                RefOr::T(p) => p.parameter_in == ParameterIn::Header && p.name == name,
                RefOr::Ref(_) => false,
            })
        };
        let mut statuses = vec!["400", "500", "503"];
        if !public {
            // Every method: a feed token reads nothing but the feed.
            statuses.extend(["401", "403", "429"]);
        }
        if path.contains('{') {
            statuses.push("404");
        }
        if operation.request_body.is_some() {
            statuses.extend(["408", "413", "415", "422"]);
        }
        if has_header("If-Match") {
            statuses.push("412");
        }
        statuses
    }
}

impl Modify for ErrorResponses {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        Self::components(api);
        for (path, item) in api.paths.paths.iter_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations {
                let Some(operation) = operation else { continue };
                for status in Self::statuses(path, operation) {
                    let name = ERRORS
                        .iter()
                        .find(|(s, ..)| *s == status)
                        .map(|(_, name, _)| *name)
                        .unwrap_or("InternalError");
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// Reads that take `Prefer: wait` (they show intersection data) say in
/// their 200 whether the intersections caught up ([`crate::http::freshness`]).
struct FreshnessHeaders;

impl Modify for FreshnessHeaders {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ObjectBuilder, Type};

        let header = |kind: Type, description: &str| {
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(kind)))
                    .description(Some(description))
                    .build(),
            )
        };
        for item in api.paths.paths.values_mut() {
            let Some(operation) = item.get.as_mut() else {
                continue;
            };
            let prefers = operation.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if p.name == "Prefer"
                    && p.parameter_in == utoipa::openapi::path::ParameterIn::Header)
            });
            if !prefers {
                continue;
            }
            let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") else {
                continue;
            };
            ok.headers.insert(
                crate::http::freshness::STALE.to_string(),
                header(
                    Type::Boolean,
                    "`true` when a recomputation of the intersections is still pending: what \
                     this response shows of them (intersections, `intersection_count`) is the \
                     last computed state. Ask again, or wait longer with `Prefer: wait=N`.",
                ),
            );
            ok.headers.insert(
                crate::http::freshness::PREFERENCE_APPLIED.to_string(),
                header(Type::String, "`wait=N` when `Prefer: wait=N` was honoured."),
            );
        }
    }
}
