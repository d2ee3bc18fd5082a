//! `/agenda` and `/reconnect`: what to do next, and whom to get back to.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::agenda::{self, AgendaItem, AgendaParams};
use crate::domain::contacts::reconnect::{self, ReconnectItem, ReconnectParams};
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
/// `not_now` contacts whose `revisit_on` came, and what is planned from
/// today on (events, and interactions dated in the future), by date (then
/// in that order). Each item says why it is there.
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

/// Contacts to reconnect with, and why.
///
/// Contacts with no past interaction for `inactive_for_days` (default 180),
/// or none ever; planned (future) interactions do not count. Archived
/// contacts never appear, `not_now` ones only from their `revisit_on`.
/// Ranked by a score in points (a point is a day): days overdue (past
/// `next_touch_due`, or without a cadence 180 days after the last contact),
/// plus 30 per intersection (at most 10), plus 60 when they gave more often
/// than you did. Each item is the contact with its `score`, `overdue_days`
/// and `reasons` (overdue, the best open intersection, what you owe, never
/// contacted since `met_on`, their `why`).
#[utoipa::path(
    tag = "agenda",
    params(ReconnectParams, PreferWait),
    responses((status = 200, description = "A page of contacts to reconnect with.", body = Page<ReconnectItem>))
)]
#[get("/reconnect")]
pub async fn get_reconnect(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<ReconnectParams>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let page = reconnect::reconnect(state.domain.reader(), fresh, params.0).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(page)))
}
