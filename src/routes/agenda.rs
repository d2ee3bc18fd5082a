//! `/agenda` and `/reconnect`: what to do next, and whom to get back to.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::agenda::{self, AgendaItem, AgendaParams};
use crate::domain::contacts::Contact;
use crate::domain::contacts::list::{self as contacts, ReconnectParams};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::extract::ApiQuery;
use crate::http::freshness::PreferWait;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_agenda).service(get_reconnect);
}

/// What needs doing by `until`.
///
/// Open follow-ups, next steps due, contacts past their keep-in-touch date,
/// and `not_now` contacts whose `revisit_on` came, by date (then in that
/// order). Each item says why it is there.
#[utoipa::path(
    tag = "agenda",
    params(AgendaParams),
    responses((status = 200, description = "A page of agenda items.", body = Page<AgendaItem>))
)]
#[get("/agenda")]
pub async fn get_agenda(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<AgendaParams>,
) -> Result<HttpResponse, AppError> {
    let page = agenda::agenda(state.domain.reader(), who.owner, params.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Contacts to reconnect with.
///
/// No interaction for `inactive_for_days` (default 180), or never; archived
/// contacts excluded. Ranked by `intersection_count`, then by how long it has
/// been (never first).
#[utoipa::path(
    tag = "agenda",
    params(ReconnectParams, PreferWait),
    responses((status = 200, description = "A page of contacts.", body = Page<Contact>))
)]
#[get("/reconnect")]
pub async fn get_reconnect(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<ReconnectParams>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let page = contacts::reconnect(state.domain.reader(), fresh, params.0).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(page)))
}
