//! `/insights`: the quality of the network, led by intersections.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::insights::{self, Insights};
use crate::error::AppError;
use crate::http::freshness::PreferWait;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_insights);
}

/// How your network is doing.
///
/// Intersections (total, confirmed, suggested, per kind, per contact), the
/// contacts with the most, your active goals no contact meets yet,
/// reciprocity (gave and received, last 90 days and all time, the contacts
/// you owe and those you keep giving to without hearing back; past
/// interactions only), contacts by
/// stage, and interactions per month over the last twelve.
#[utoipa::path(
    tag = "insights",
    params(PreferWait),
    responses((status = 200, description = "The insights.", body = Insights))
)]
#[get("/insights")]
pub async fn get_insights(
    state: web::Data<AppState>,
    who: Principal,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let insights = insights::insights(state.domain.reader(), fresh).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(insights)))
}
