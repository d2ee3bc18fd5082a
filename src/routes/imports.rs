//! `/imports`: bring contacts in from LinkedIn, vCard or CSV, or restore a
//! Rapport export.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::imports::{self, ImportParams, ImportReport};
use crate::error::AppError;
use crate::http::extract::{self, ApiQuery};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(import).service(upload);
}

/// How long an import's body may take to arrive.
const IMPORT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The media types a file may come as.
const ACCEPTED: [&str; 8] = [
    "text/csv",
    "text/vcard",
    "text/x-vcard",
    "text/directory",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "multipart/form-data",
];

/// Import contacts (and, from a Rapport export, everything else).
///
/// Send the file as the body, raw (`application/octet-stream`, or its own
/// media type: `text/csv`, `text/vcard`, `text/x-vcard`, `text/directory`,
/// `text/plain`), as `application/json` (a Rapport export), or as
/// `multipart/form-data` with one file part (`POST /imports/upload` takes
/// only that), and say its `format`:
/// `linkedin` (LinkedIn's `Connections.csv`), `vcard` (3.0 or 4.0, many cards
/// per file), `csv` (a header row of contact fields, as `GET
/// /export?format=csv` writes them; lists separated by `;`), or `json`
/// (`GET /export`). Contacts that match an existing one by email, LinkedIn
/// URL or name are merged into it (empty fields filled, lists united,
/// nothing overwritten); importing the same file twice creates nothing the
/// second time. Good records are imported and bad ones reported; a file that
/// is not the format at all is a 422 and writes nothing. `dry_run=true`
/// reports without writing. At most 20 MiB (`RAPPORT_IMPORT_LIMIT`).
#[utoipa::path(
    tag = "imports",
    params(ImportParams),
    request_body(description = "The file: LinkedIn or Rapport CSV, vCard, a Rapport export, or multipart/form-data with one file part. Raw files may also come as text/csv, text/vcard, text/x-vcard, text/directory or text/plain.", content(
        (String = "application/octet-stream", example = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nGrace,Hopper,https://www.linkedin.com/in/grace-hopper,grace@example.com,\"Remington Rand, Inc.\",Rear Admiral,12 Mar 2021\n"),
        (Object = "application/json", example = json!({"format": "rapport.export", "version": 1, "profile": {"name": "Ada"}, "contacts": [], "goals": [], "interactions": [], "intersections": []})),
        (String = "multipart/form-data"),
    )),
    responses((status = 200, description = "What was imported (or, with `dry_run`, would be).", body = ImportReport))
)]
#[post("/imports")]
pub async fn import(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<ImportParams>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    import_body(&state, who, params.0, &request, payload, &ACCEPTED).await
}

/// Import a file uploaded as `multipart/form-data`.
///
/// The same import as `POST /imports` (see there for the formats, merging,
/// `dry_run` and the limits), for clients that upload files as forms: the
/// body is `multipart/form-data` with one file part named `file`. Generated
/// clients get a typed file upload here, where `POST /imports` takes several
/// media types.
#[utoipa::path(
    tag = "imports",
    params(ImportParams),
    request_body(description = "One file part, named `file`.", content(
        (String = "multipart/form-data"),
    )),
    responses((status = 200, description = "What was imported (or, with `dry_run`, would be).", body = ImportReport))
)]
#[post("/imports/upload")]
pub async fn upload(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<ImportParams>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    import_body(
        &state,
        who,
        params.0,
        &request,
        payload,
        &["multipart/form-data"],
    )
    .await
}

/// Reads the file from the body (sent as one of `accepted` media types) and
/// imports it.
async fn import_body(
    state: &AppState,
    who: Principal,
    params: ImportParams,
    request: &HttpRequest,
    payload: web::Payload,
    accepted: &[&str],
) -> Result<HttpResponse, AppError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if !accepted.contains(&media.as_str()) {
        return Err(AppError::UnsupportedMediaType(format!(
            "Send the file as {} (got {:?}).",
            accepted.join(", "),
            media
        )));
    }
    let limit = state.import_limit;
    let too_large = || AppError::PayloadTooLarge(format!("An import is at most {limit} bytes."));
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    // A file of up to `RAPPORT_IMPORT_LIMIT` gets longer than a JSON body.
    let body = extract::within(IMPORT_BODY_TIMEOUT, payload.to_bytes_limited(limit))
        .await?
        .map_err(|_| too_large())?
        .map_err(|e| AppError::bad_request("invalid_body", e.to_string()))?;
    let file = if media == "multipart/form-data" {
        multipart_file(&content_type, &body)?
    } else {
        &body[..]
    };
    let file = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let text = std::str::from_utf8(file)
        .map_err(|_| AppError::invalid_file("The file is not UTF-8 text."))?;
    let ImportParams { format, dry_run } = params;
    let report = imports::import(
        &state.domain,
        who.owner,
        format,
        dry_run.unwrap_or(false),
        text,
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The content of the first file part of a `multipart/form-data` body (or of
/// its first part, when none names a file).
fn multipart_file<'a>(content_type: &str, body: &'a [u8]) -> Result<&'a [u8], AppError> {
    let bad = |detail: &str| AppError::bad_request("invalid_multipart", detail.to_string());
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
        .ok_or_else(|| bad("multipart/form-data without a boundary"))?;
    let delimiter = format!("--{boundary}");
    let find = |haystack: &[u8], needle: &[u8], from: usize| {
        haystack[from.min(haystack.len())..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or_else(|| bad("no part in the body"))?;
    loop {
        let start = at + delimiter.len();
        if body[start..].starts_with(b"--") {
            break;
        }
        let Some(next) = find(body, delimiter.as_bytes(), start) else {
            break;
        };
        parts.push(&body[start..next]);
        at = next;
    }
    let mut first = None;
    for part in parts {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n", 0) else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_lowercase();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        if headers.contains("filename=") {
            return Ok(content);
        }
        first.get_or_insert(content);
    }
    first.ok_or_else(|| bad("no file part in the body"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_part_of_a_multipart_body_is_found() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.vcf\"\r\nContent-Type: text/vcard\r\n\r\nBEGIN:VCARD\r\nEND:VCARD\r\n\r\n--xyz--\r\n";
        let file = multipart_file("multipart/form-data; boundary=xyz", body).unwrap();
        assert_eq!(file, b"BEGIN:VCARD\r\nEND:VCARD\r\n");
        assert!(multipart_file("multipart/form-data", body).is_err());
    }
}
