//! `/events`: what you plan to attend, who will be there, how to prepare,
//! and what happened.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::events::debrief::{self, Debrief, DebriefResult};
use crate::domain::events::list::EventFilters;
use crate::domain::events::prep::{self, EventPrep, PrepParams};
use crate::domain::events::{self, CreateEvent, Event, UpdateEvent};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::freshness::PreferWait;
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_events)
        .service(create_event)
        .service(get_event)
        .service(update_event)
        .service(delete_event)
        .service(event_prep)
        .service(event_debrief);
}

/// List events.
///
/// Latest first by default; `from=<now>&sort=starts_at` lists what is
/// coming, soonest first. `contact_id` keeps the events a contact attends.
#[utoipa::path(
    tag = "events",
    params(EventFilters),
    responses((status = 200, description = "A page of events.", body = Page<Event>))
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<EventFilters>,
) -> Result<HttpResponse, AppError> {
    let page = events::list::list(state.domain.reader(), who.owner, filters.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Plan an event: when, where, why you go, the goals it could advance and
/// who will be there.
///
/// An event is a plan: it never counts as contact with its attendees (last
/// interaction, keep-in-touch, reconnect). Record what happened with
/// `POST /events/{id}/debrief`.
#[utoipa::path(
    tag = "events",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateEvent,
    responses((status = 201, description = "The new event.", body = Event,
        headers(("ETag" = String, description = "The event's entity tag."))))
)]
#[post("/events")]
pub async fn create_event(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateEvent>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(events::write::create(txn, who.owner, input)),
    )
    .await
}

/// Get an event.
///
/// With its attendees (contact ids and statuses), the goals it serves and its `ETag` for a safe update.
/// `GET /events/{id}/prep` ranks the attendees for preparation.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event's id.")),
    responses((status = 200, description = "The event.", body = Event,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let event = events::get(state.domain.reader(), who.owner, id.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &event))
}

/// Update an event (JSON Merge Patch).
///
/// `attendees` and `goal_ids` are replaced as a whole.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateEvent, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated event.", body = Event,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/events/{id}")]
pub async fn update_event(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateEvent>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(events::write::update(txn, owner, id, body.0, move |e| {
            if_match.check(e)
        }))
    })
    .await
}

/// Delete an event.
///
/// Interactions its debrief recorded stay: they happened.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/events/{id}")]
pub async fn delete_event(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(events::write::delete(txn, owner, id, move |e| {
                if_match.check(e)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Prepare an event: whom to meet, what to say.
///
/// The attendees (`missed` ones left out) ranked by how much you intersect:
/// the sum of the scores of your intersections with each (confirmed ones
/// count double, dismissed ones not at all), then `going` before `invited`,
/// then by name. Each comes with one line on why, what to ask, what you
/// could offer and the follow-ups still open. Also your three-sentence
/// pitch from your profile (with the fields missing for it) and your goals
/// the event could advance. The attendees are paginated.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event's id."), PrepParams, PreferWait),
    responses((status = 200, description = "The preparation.", body = EventPrep))
)]
#[get("/events/{id}/prep")]
pub async fn event_prep(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    params: ApiQuery<PrepParams>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let prep = prep::prep(state.domain.reader(), fresh, id.into_inner(), params.0).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(prep)))
}

/// Record what happened at an event, in one call.
///
/// For each person met (`met`: your contacts; `new_people`: contacts to
/// create, who remember the event as `met_via`/`met_on`), one interaction of
/// kind `event` at the event's start, with what was exchanged and its
/// follow-up. Attendees met become `met`; the others `missed` unless
/// `mark_others_missed` is `false`. All or nothing; a 409 before the event
/// has started.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours."),
    ),
    request_body = Debrief,
    responses(
        (status = 200, description = "What was recorded.", body = DebriefResult),
        (status = 409, description = "The event has not started yet (`event_not_started`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/events/{id}/debrief")]
pub async fn event_debrief(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    body: ApiJson<Debrief>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    let (owner, id) = (who.owner, id.into_inner());
    key.create(&state.domain, owner, &digest, StatusCode::OK, move |txn| {
        Box::pin(debrief::debrief(txn, owner, id, input))
    })
    .await
}
