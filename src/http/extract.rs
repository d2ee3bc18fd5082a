//! Extractors that fail in problem+json. Actix's own extractors answer in
//! `text/plain` and treat a wrong `Content-Type` as a 400; these give the
//! statuses the API promises: malformed JSON 400, wrong media type 415, body
//! too large 413, unknown or invalid fields 422 (with the field's path), bad
//! query or path 400.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::{PathError, PayloadError};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::domain::validate;
use crate::error::{AppError, FieldError};
use crate::http::fallback::RouteTable;

/// How long a JSON body may take to arrive once its head is in (the head has
/// `client_request_timeout`): a client that stalls or trickles its body gets
/// a 408 and the connection is closed, instead of holding it open for ever.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(15);

/// A JSON request body (`application/json`, or any `application/*+json` such
/// as `application/merge-patch+json`), with the SHA-256 of its bytes (what an
/// `Idempotency-Key` is checked against).
pub struct ApiJson<T>(pub T, pub BodyDigest);

/// SHA-256 of a request body, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyDigest(pub String);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type_ok = is_json(req);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !media_type_ok {
                return Err(AppError::UnsupportedMediaType(
                    "Send the body as JSON with `Content-Type: application/json`.".into(),
                ));
            }
            let bytes = within(BODY_TIMEOUT, body).await?.map_err(payload_error)?;
            let digest = BodyDigest(hex::encode(Sha256::digest(&bytes)));
            parse_json(&bytes).map(|value| ApiJson(value, digest))
        })
    }
}

/// Reads a request body, or answers 408 when it has not all arrived within
/// `limit`: actix times out only the request head, so a client trickling its
/// body would otherwise hold a connection (and a worker's buffer) forever.
pub async fn within<T>(limit: Duration, read: impl Future<Output = T>) -> Result<T, AppError> {
    tokio::time::timeout(limit, read).await.map_err(|_| {
        AppError::RequestTimeout(format!(
            "The request body did not arrive within {} s.",
            limit.as_secs()
        ))
    })
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Maps a failure to read the body. Actix reports a body over the
/// `PayloadConfig` limit as `PayloadError::Overflow`.
pub fn payload_error(err: actix_web::Error) -> AppError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            AppError::PayloadTooLarge("The request body is larger than this server accepts.".into())
        }
        _ => AppError::bad_request("unreadable_body", format!("Could not read the body: {err}")),
    }
}

/// Parses a JSON document into `T`, naming the field that is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request(
            "malformed_json",
            "The request body is empty; send a JSON document.",
        ));
    }
    // Every body is an object; serde alone would also build a struct from an
    // array of its fields in order.
    let is_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !is_object && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        return Err(AppError::Validation(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        Err(err) if err.inner().is_data() => {
            return Err(AppError::Validation(every_wrong_field::<T>(bytes, err)));
        }
        Err(err) => {
            let inner = err.into_inner();
            return Err(AppError::bad_request(
                "malformed_json",
                format!("Malformed JSON: {inner}"),
            ));
        }
    };
    de.end().map_err(|inner| {
        AppError::bad_request("malformed_json", format!("Malformed JSON: {inner}"))
    })?;
    Ok(value)
}

/// At most this many fields are reported for one body.
const MAX_FIELD_ERRORS: usize = 50;

/// serde stops at the first wrong field; a client fixing a form wants them
/// all. The document is read again as a JSON value with the wrong field
/// taken out (or, for a missing field, the object that lacks it), until it
/// reads or nothing more can be taken out: a field inside a list is not
/// removed, since that would renumber the fields after it.
fn every_wrong_field<T: DeserializeOwned>(
    bytes: &[u8],
    first: serde_path_to_error::Error<serde_json::Error>,
) -> Vec<FieldError> {
    let (mut error, mut culprit) = wrong_field(first);
    let mut errors = vec![error];
    let Ok(mut document) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return errors;
    };
    while errors.len() < MAX_FIELD_ERRORS && remove(&mut document, &culprit) {
        match serde_path_to_error::deserialize::<_, T>(&document) {
            Err(err) if err.inner().is_data() => (error, culprit) = wrong_field(err),
            _ => break,
        }
        if !errors.iter().any(|e| e.field == error.field) {
            errors.push(error);
        }
    }
    errors
}

/// The field error a serde data error stands for, and the path of what to
/// take out of the document to read past it.
fn wrong_field(
    err: serde_path_to_error::Error<serde_json::Error>,
) -> (FieldError, Vec<serde_path_to_error::Segment>) {
    // For a missing field the path ends at the object that lacks it, which
    // is what must go.
    let culprit: Vec<_> = err.path().iter().cloned().collect();
    let path = err.path().to_string();
    let message = err.into_inner().to_string();
    let field = if path == "." { String::new() } else { path };
    (data_error(field, &message), culprit)
}

/// Takes the value at `path` out of its object; false when it is the whole
/// document, an element of a list, or not there.
fn remove(document: &mut serde_json::Value, path: &[serde_path_to_error::Segment]) -> bool {
    use serde_path_to_error::Segment;
    let Some((Segment::Map { key }, parents)) = path.split_last() else {
        return false;
    };
    let mut value = document;
    for segment in parents {
        value = match (segment, value) {
            (Segment::Map { key }, serde_json::Value::Object(map)) => match map.get_mut(key) {
                Some(v) => v,
                None => return false,
            },
            (Segment::Seq { index }, serde_json::Value::Array(items)) => {
                match items.get_mut(*index) {
                    Some(v) => v,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    value
        .as_object_mut()
        .is_some_and(|map| map.remove(key).is_some())
}

/// A serde data error: an unknown field (read-only or misspelt), a missing one,
/// or a value of the wrong type. serde_json appends " at line L column C",
/// which means nothing to a field-level message.
fn data_error(path: String, message: &str) -> FieldError {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = join_path(&path, name);
        return FieldError::new(
            field,
            "is not a field of this request (unknown or read-only)",
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return FieldError::new(join_path(&path, name), "is required");
    }
    if let Some(expected) = expected_time_format(&path, message) {
        return FieldError::new(path, expected);
    }
    FieldError::new(path, message)
}

/// chrono's parse errors say what went wrong, not what was expected: for a
/// date or a time, say the format. Times are the fields named `…_at`; other
/// fields that chrono parses are dates.
fn expected_time_format(path: &str, message: &str) -> Option<String> {
    const CHRONO: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    if !CHRONO.contains(&message) {
        return None;
    }
    let field = path.rsplit('.').next().unwrap_or(path);
    Some(if field.ends_with("_at") {
        format!("{message}: expected an RFC 3339 date-time such as 2026-11-21T09:30:00Z")
    } else {
        format!("{message}: expected a date as YYYY-MM-DD, such as 2026-11-21")
    })
}

fn join_path(parent: &str, name: &str) -> String {
    // For an unknown field, serde_path_to_error's path already ends at the
    // field's name; for a missing one it stops at the parent.
    if parent.is_empty() || parent == "." {
        name.to_string()
    } else if parent.ends_with(name) {
        parent.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// Query string parameters. Repeated keys fill a `Vec` (`?tag=a&tag=b`);
/// unknown parameters are refused when `T` denies unknown fields.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses the query string. A parameter given with no value is a 400 rather
/// than absent (`?format=` would otherwise mean the default format): leave it
/// out instead. The OpenAPI document says so with `minLength: 1`.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs: Vec<(String, String)> = serde_html_form::from_str(query).unwrap_or_default();
    if let Some((name, _)) = pairs.iter().find(|(_, value)| value.is_empty()) {
        return Err(AppError::bad_request(
            "invalid_query",
            format!("Invalid query string: `{name}` is empty; leave it out instead"),
        ));
    }
    // Stored text never holds them, so no filter could match one, and
    // PostgreSQL refuses a NUL in any text parameter.
    if let Some((name, _)) = pairs.iter().find(|(_, value)| validate::has_control(value)) {
        return Err(AppError::bad_request(
            "invalid_query",
            format!("Invalid query string: `{name}` contains a control character"),
        ));
    }
    serde_html_form::from_str(query).map_err(|err| {
        let text = err.to_string();
        let text = match text.strip_prefix("unknown field `") {
            Some(rest) => format!(
                "unknown query parameter `{}`",
                rest.split('`').next().unwrap_or_default()
            ),
            None => text,
        };
        AppError::bad_request("invalid_query", format!("Invalid query string: {text}"))
    })
}

/// Problem+json for actix's `web::Path` errors (a malformed id in the path).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, req| {
        // `PATCH /contacts/duplicates` reaches `PATCH /contacts/{id}`; the
        // path exists, just not for this method.
        let routes = req.app_data::<web::Data<RouteTable>>();
        if let Some(allow) = routes.and_then(|r| r.literal(req.path())) {
            return AppError::MethodNotAllowed { allow }.into();
        }
        AppError::bad_request("invalid_path", format!("Invalid path parameter: {err}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        day: u8,
    }

    fn field_of(err: AppError) -> (u16, String) {
        let p = err.to_problem();
        (
            p.status,
            p.errors
                .first()
                .map(|e| e.field.clone())
                .unwrap_or_default(),
        )
    }

    #[test]
    fn malformed_json_is_a_400() {
        let err = parse_json::<Body>(b"{\"name\": ").unwrap_err();
        assert_eq!(err.to_problem().status, 400);
        let err = parse_json::<Body>(b"{\"name\": \"a\"} trailing").unwrap_err();
        assert_eq!(err.to_problem().status, 400);
    }

    #[test]
    fn unknown_nested_field_is_a_422_with_its_path() {
        let err = parse_json::<Body>(br#"{"name":"a","inner":{"day":1,"x":2}}"#).unwrap_err();
        assert_eq!(field_of(err), (422, "inner.x".into()));
        let err = parse_json::<Body>(br#"{"name":"a","id":"x"}"#).unwrap_err();
        assert_eq!(field_of(err), (422, "id".into()));
    }

    #[test]
    fn missing_and_mistyped_fields_name_the_field() {
        let err = parse_json::<Body>(br#"{}"#).unwrap_err();
        assert_eq!(field_of(err), (422, "name".into()));
        let err = parse_json::<Body>(br#"{"name":"a","inner":{"day":"x"}}"#).unwrap_err();
        assert_eq!(field_of(err), (422, "inner.day".into()));
    }

    fn fields_of(err: AppError) -> Vec<String> {
        err.to_problem()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let err =
            parse_json::<Body>(br#"{"name":5,"inner":{"day":"x","y":1},"z":true}"#).unwrap_err();
        let mut fields = fields_of(err);
        fields.sort();
        assert_eq!(fields, ["inner.day", "inner.y", "name", "z"]);
        // A missing field and a mistyped sibling object.
        let err = parse_json::<Body>(br#"{"inner":{"day":300}}"#).unwrap_err();
        let mut fields = fields_of(err);
        fields.sort();
        assert_eq!(fields, ["inner.day", "name"]);
    }
}
