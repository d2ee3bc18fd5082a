//! `/concepts` and `/vocabulary`: the concepts the intersections engine
//! understands, and your own words for them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::page::{Page, PageParams};
use crate::domain::vocabulary::{
    self, ConceptFilters, Concepts, CreateOwnConcept, OwnConcept, UpdateOwnConcept,
};
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_concepts)
        .service(list_own_concepts)
        .service(create_own_concept)
        .service(get_own_concept)
        .service(update_own_concept)
        .service(delete_own_concept);
}

/// The built-in vocabulary: the concepts the engine reads in goals, offers
/// and interests, by id.
///
/// Each concept lists the phrases that say it, the ambiguous words that say
/// it only in the right company (`senses`), the concepts that complete it
/// (`complements`) and the broader ones it also counts for. `version` goes up
/// with every change to the vocabulary.
#[utoipa::path(
    tag = "vocabulary",
    params(ConceptFilters),
    responses((status = 200, description = "A page of concepts.", body = Concepts))
)]
#[get("/concepts")]
pub async fn list_concepts(
    _who: Principal,
    filters: ApiQuery<ConceptFilters>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(vocabulary::concepts(filters.0)?))
}

/// Your own vocabulary, oldest first.
///
/// Concepts and synonyms you added for your network only (such as `RetailTech` for grocery technology). The
/// built-in concepts are at `GET /concepts`. Cursor pages.
#[utoipa::path(
    tag = "vocabulary",
    params(PageParams),
    responses((status = 200, description = "A page of your vocabulary.", body = Page<OwnConcept>))
)]
#[get("/vocabulary")]
pub async fn list_own_concepts(
    state: web::Data<AppState>,
    who: Principal,
    page: ApiQuery<PageParams>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(vocabulary::list(state.domain.reader(), who.owner, page.0).await?))
}

/// Teach the engine your words.
///
/// Either more phrases for a built-in concept (`extends`: "staff up" is
/// hiring), or a concept of your own (`label`, `phrases`, and the concepts
/// that complete it). It reads your network only; your intersections are
/// recomputed with it. One entry per concept (a 409 otherwise: add phrases to
/// the entry with `PATCH`); at most 200 entries.
#[utoipa::path(
    tag = "vocabulary",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateOwnConcept,
    responses(
        (status = 201, description = "The new entry.", body = OwnConcept,
            headers(("ETag" = String, description = "The entry's entity tag."))),
        (status = 409, description = "Your vocabulary has this concept already (`concept_exists`: add phrases to that entry with `PATCH`), or 200 entries (`too_many_concepts`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vocabulary")]
pub async fn create_own_concept(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateOwnConcept>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(vocabulary::create(txn, who.owner, input)),
    )
    .await
}

/// Get an entry of your vocabulary.
///
/// Its phrases, the built-in concept it extends (if any), and its `ETag` for a safe update.
#[utoipa::path(
    tag = "vocabulary",
    params(("id" = Uuid, Path, description = "The entry's id.")),
    responses((status = 200, description = "The entry.", body = OwnConcept,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/vocabulary/{id}")]
pub async fn get_own_concept(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let entry = vocabulary::get(state.domain.reader(), who.owner, id.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &entry))
}

/// Update an entry of your vocabulary (JSON Merge Patch).
///
/// `extends` and `concept_id` cannot change (422).
#[utoipa::path(
    tag = "vocabulary",
    params(
        ("id" = Uuid, Path, description = "The entry's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateOwnConcept, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated entry.", body = OwnConcept,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/vocabulary/{id}")]
pub async fn update_own_concept(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateOwnConcept>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(vocabulary::update(txn, owner, id, body.0, move |e| {
            if_match.check(e)
        }))
    })
    .await
}

/// Delete an entry of your vocabulary.
///
/// Its words stop counting in your network; your own concepts that named it
/// as a complement keep the name, without effect.
#[utoipa::path(
    tag = "vocabulary",
    params(
        ("id" = Uuid, Path, description = "The entry's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/vocabulary/{id}")]
pub async fn delete_own_concept(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(vocabulary::delete(txn, owner, id, move |e| {
                if_match.check(e)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
