//! `/goals`: what you and your contacts pursue and can give, and who meets a
//! goal.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::goals::list::GoalFilters;
use crate::domain::goals::{self, CreateGoal, Goal, UpdateGoal};
use crate::domain::intersections::people::{self, PeopleParams, Person};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_goals)
        .service(create_goal)
        .service(get_goal)
        .service(update_goal)
        .service(delete_goal)
        .service(goal_people);
}

/// List goals and offers, newest first.
///
/// `owner=me` shows yours, `owner=contacts` your contacts'; `contact_id`
/// narrows to one contact.
#[utoipa::path(
    tag = "goals",
    params(GoalFilters),
    responses((status = 200, description = "A page of goals.", body = Page<Goal>))
)]
#[get("/goals")]
pub async fn list_goals(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<GoalFilters>,
) -> Result<HttpResponse, AppError> {
    let page = goals::list::list(state.domain.reader(), who.owner, filters.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Add a goal or an offer, yours or a contact's.
///
/// Without `contact_id` it is yours; with one, it is that contact's. `kind` says whether it is pursued (`goal`) or
/// can be given (`offer`). The intersections engine reads its title, description and topics: the new goal's
/// intersections are computed in the background (reads that show them wait for it with `Prefer: wait=N`), and
/// `GET /goals/{id}` shows the concepts it recognised.
#[utoipa::path(
    tag = "goals",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateGoal,
    responses((status = 201, description = "The new goal.", body = Goal,
        headers(("ETag" = String, description = "The goal's entity tag."))))
)]
#[post("/goals")]
pub async fn create_goal(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateGoal>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(goals::write::create(txn, who.owner, input)),
    )
    .await
}

/// Get a goal.
///
/// With the concepts the intersections engine recognised in it (`concepts`), so you can see how it was
/// understood, and its `ETag` for a safe update.
#[utoipa::path(
    tag = "goals",
    params(("id" = Uuid, Path, description = "The goal's id.")),
    responses((status = 200, description = "The goal.", body = Goal,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/goals/{id}")]
pub async fn get_goal(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let goal = goals::get(state.domain.reader(), who.owner, id.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &goal))
}

/// Update a goal (JSON Merge Patch).
///
/// `contact_id` cannot change; read-only fields are refused with a 422.
#[utoipa::path(
    tag = "goals",
    params(
        ("id" = Uuid, Path, description = "The goal's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateGoal, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated goal.", body = Goal,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/goals/{id}")]
pub async fn update_goal(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateGoal>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(goals::write::update(txn, owner, id, body.0, move |g| {
            if_match.check(g)
        }))
    })
    .await
}

/// Delete a goal.
///
/// Its intersections go with it, and interactions stop naming it.
#[utoipa::path(
    tag = "goals",
    params(
        ("id" = Uuid, Path, description = "The goal's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/goals/{id}")]
pub async fn delete_goal(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(goals::write::delete(txn, owner, id, move |g| {
                if_match.check(g)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who can help with this goal?
///
/// Contacts ranked by how well their goals and offers meet this one: for a
/// goal, their offers (`can_help`), the same pursuits (`same_goal`) and goals
/// that complete it (`complementary_goal`); for an offer, their goals
/// (`needs_this`). Works for any goal, active or not, yours or a contact's
/// (that contact is left out). Resting contacts (archived, or `not_now`
/// before their `revisit_on`) are left out, and so are the pairs you
/// dismissed: intersections with your goal, introductions of the contact
/// whose goal it is.
#[utoipa::path(
    tag = "goals",
    params(("id" = Uuid, Path, description = "The goal's id."), PeopleParams),
    responses((status = 200, description = "A page of contacts, best first.", body = Page<Person>))
)]
#[get("/goals/{id}/people")]
pub async fn goal_people(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    params: ApiQuery<PeopleParams>,
) -> Result<HttpResponse, AppError> {
    let page = people::people(
        state.domain.reader(),
        state.domain.networks(),
        who.owner,
        id.into_inner(),
        params.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
