//! `/interactions`: what happened with whom.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::interactions::list::InteractionFilters;
use crate::domain::interactions::{self, CreateInteraction, Interaction, UpdateInteraction};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_interactions)
        .service(create_interaction)
        .service(get_interaction)
        .service(update_interaction)
        .service(delete_interaction);
}

/// List interactions, newest first.
///
/// Filter by contact, kind, a time window (`from`, `to`) and open follow-ups; combine filters freely. Planned
/// interactions (in the future) are included. Cursor pages, newest `occurred_at` first.
#[utoipa::path(
    tag = "interactions",
    params(InteractionFilters),
    responses((status = 200, description = "A page of interactions.", body = Page<Interaction>))
)]
#[get("/interactions")]
pub async fn list_interactions(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<InteractionFilters>,
) -> Result<HttpResponse, AppError> {
    let page = interactions::list::list(state.domain.reader(), who.owner, filters.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Record an interaction.
///
/// Updates the participants' `last_interaction_at`, counters and
/// `next_touch_due` in the same transaction.
#[utoipa::path(
    tag = "interactions",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateInteraction,
    responses((status = 201, description = "The recorded interaction.", body = Interaction,
        headers(("ETag" = String, description = "The interaction's entity tag."))))
)]
#[post("/interactions")]
pub async fn create_interaction(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateInteraction>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(interactions::write::create(txn, who.owner, input)),
    )
    .await
}

/// Get an interaction.
///
/// With its participants, what was given and received, its follow-up, and its `ETag` for a safe update.
#[utoipa::path(
    tag = "interactions",
    params(("id" = Uuid, Path, description = "The interaction's id.")),
    responses((status = 200, description = "The interaction.", body = Interaction,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/interactions/{id}")]
pub async fn get_interaction(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let interaction =
        interactions::write::get(state.domain.reader(), who.owner, id.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &interaction))
}

/// Update an interaction (JSON Merge Patch).
///
/// Send only the fields to change; `null` clears an optional one. Changing `occurred_at` or the participants
/// updates the participants' derived fields (last interaction, next touch due, reciprocity) in the same
/// transaction. Send `If-Match` to update only the version you read.
#[utoipa::path(
    tag = "interactions",
    params(
        ("id" = Uuid, Path, description = "The interaction's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateInteraction, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated interaction.", body = Interaction,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/interactions/{id}")]
pub async fn update_interaction(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateInteraction>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(interactions::write::update(
            txn,
            owner,
            id,
            body.0,
            move |i| if_match.check(i),
        ))
    })
    .await
}

/// Delete an interaction.
///
/// The participants' derived fields (last interaction, next touch due, reciprocity) are recomputed in the same
/// transaction. Send `If-Match` to delete only the version you read.
#[utoipa::path(
    tag = "interactions",
    params(
        ("id" = Uuid, Path, description = "The interaction's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted; the participants' derived fields are updated."))
)]
#[delete("/interactions/{id}")]
pub async fn delete_interaction(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(interactions::write::delete(txn, owner, id, move |i| {
                if_match.check(i)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
