//! `/export`: the whole account out, as JSON, vCard or CSV.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::export::{self, Export, ExportFormat};
use crate::error::AppError;
use crate::http::extract::ApiQuery;
use crate::http::freshness::PreferWait;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_export)
        .service(export_json)
        .service(export_csv)
        .service(export_vcard);
}

/// Parameters of `GET /export`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (default): the whole account; `vcard`: the contacts as vCard
    /// 4.0; `csv`: the contacts as CSV.
    pub format: Option<ExportFormat>,
}

/// What a vCard export looks like, for the spec.
fn vcard_example() -> &'static str {
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nEND:VCARD\r\n"
}

/// What a CSV export looks like, for the spec.
fn csv_example() -> &'static str {
    "full_name,headline,company\r\nGrace Hopper,the compiler person,Remington Rand\r\n"
}

/// Export the account (the format chosen by a parameter).
///
/// `json` is the whole account in one versioned document (`format`
/// `rapport.export`, `version` 1): profile, contacts, goals, interactions and
/// your intersection decisions, related by id. `vcard` gives the contacts as
/// vCard 4.0 (name, organisation, title, emails, phones, links, interests as
/// categories, notes); `csv` the contacts in the columns the CSV import reads,
/// lists separated by `;`. Read from one consistent snapshot. The same files
/// come from `/export.json`, `/export.csv` and `/export.vcf`, one media type
/// each, which suits generated clients better.
#[utoipa::path(
    tag = "export",
    params(ExportParams, PreferWait),
    responses((status = 200, description = "The export, as an attachment.",
        content(
            (Export = "application/json"),
            (String = "text/vcard", example = vcard_example),
            (String = "text/csv", example = csv_example),
        ),
        headers(("Content-Disposition" = String, description = "`attachment` with a file name such as `rapport-export-2026-11-22.json`."))))
)]
#[get("/export")]
pub async fn get_export(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<ExportParams>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let format = params.0.format.unwrap_or_default();
    attachment(&state, who, prefer, format).await
}

/// Export the account as one JSON document.
///
/// The whole account (`format` `rapport.export`, `version` 1): profile,
/// contacts, goals, interactions and your intersection decisions, related by
/// id, read from one consistent snapshot; `POST /imports?format=json`
/// restores it. Same as `GET /export?format=json`.
#[utoipa::path(
    tag = "export",
    params(PreferWait),
    responses((status = 200, description = "The export, as an attachment.", body = Export,
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"rapport-export-2026-11-22.json\"`."))))
)]
#[get("/export.json")]
pub async fn export_json(
    state: web::Data<AppState>,
    who: Principal,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    attachment(&state, who, prefer, ExportFormat::Json).await
}

/// Export the contacts as CSV.
///
/// One row per contact, in the columns the `csv` import reads, lists
/// separated by `;`; cells that a spreadsheet would run as a formula start
/// with `'`. Same as `GET /export?format=csv`.
#[utoipa::path(
    tag = "export",
    params(PreferWait),
    responses((status = 200, description = "The contacts, as an attachment.",
        content((String = "text/csv", example = csv_example)),
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"rapport-export-2026-11-22.csv\"`."))))
)]
#[get("/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    who: Principal,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    attachment(&state, who, prefer, ExportFormat::Csv).await
}

/// Export the contacts as vCard 4.0.
///
/// One card per contact: name, organisation, title, emails, phones, links,
/// interests as categories, notes. Same as `GET /export?format=vcard`.
#[utoipa::path(
    tag = "export",
    params(PreferWait),
    responses((status = 200, description = "The contacts, as an attachment.",
        content((String = "text/vcard", example = vcard_example)),
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"rapport-export-2026-11-22.vcf\"`."))))
)]
#[get("/export.vcf")]
pub async fn export_vcard(
    state: web::Data<AppState>,
    who: Principal,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    attachment(&state, who, prefer, ExportFormat::Vcard).await
}

/// The export in `format`, streamed as a dated attachment.
async fn attachment(
    state: &AppState,
    who: Principal,
    prefer: PreferWait,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let exported = export::export_as(state.domain.reader(), fresh, format).await?;
    let file = format!(
        "rapport-export-{}.{}",
        chrono::Utc::now().format("%Y-%m-%d"),
        exported.extension
    );
    let response = HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, exported.content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .streaming(exported.body);
    Ok(prefer.mark(fresh, response))
}
