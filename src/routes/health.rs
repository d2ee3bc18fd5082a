//! Liveness and readiness, for load balancers and orchestrators. No auth.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready);
}

/// Health status.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up.
///
/// Answers 200 as long as the process serves requests, whatever the database does: for a liveness probe
/// that restarts a stuck process. Needs no credentials.
#[utoipa::path(
    tag = "health",
    security(()),
    responses((status = 200, description = "The process is serving requests.", body = Health))
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The service can reach its database.
///
/// Runs one query on the database: 200 when it answers, 503 (with `Retry-After`) when it does not. For a
/// readiness probe that routes traffic only to instances that can serve it. Needs no credentials.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database answers.", body = Health),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::ping(state.domain.reader())
        .await
        .map_err(|err| AppError::Unavailable(err.to_string()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
