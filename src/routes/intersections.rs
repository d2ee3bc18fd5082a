//! `/intersections` and `/introductions`: where you and your contacts meet,
//! and which of your contacts should meet each other.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::intersections::introductions::{
    self, Introduction, IntroductionFilters, UpdateIntroduction,
};
use crate::domain::intersections::{
    self, CreateIntersection, Intersection, IntersectionFilters, UpdateIntersection,
};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::freshness::PreferWait;
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_intersections)
        .service(create_intersection)
        .service(get_intersection)
        .service(update_intersection)
        .service(list_introductions)
        .service(get_introduction)
        .service(update_introduction);
}

/// Where you and your contacts meet, best first.
///
/// Computed from active goals, offers and interests: `shared_goal` (your goal
/// and theirs, alike), `complementary_goal` (your goal and theirs complete
/// each other), `i_can_help` (your offer, their goal), `they_can_help` (their
/// offer, your goal), `shared_interest`. Dismissed ones are left out unless
/// `status=dismissed` asks for them; archived contacts never appear, and
/// resting ones (`not_now` before their `revisit_on`) are not suggested.
#[utoipa::path(
    tag = "intersections",
    params(IntersectionFilters, PreferWait),
    responses((status = 200, description = "A page of intersections.", body = Page<Intersection>))
)]
#[get("/intersections")]
pub async fn list_intersections(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<IntersectionFilters>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let page = intersections::list(state.domain.reader(), fresh, filters.0).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(page)))
}

/// Record an intersection discovered in conversation.
///
/// Either two goals (yours and a contact's; the kind follows from which are
/// goals and which offers) or a contact and a note. It is `confirmed` at once;
/// if the engine had already found the same two goals, that intersection is
/// confirmed in place (same id).
#[utoipa::path(
    tag = "intersections",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateIntersection,
    responses((status = 201, description = "The recorded intersection.", body = Intersection,
        headers(("ETag" = String, description = "The intersection's entity tag."))))
)]
#[post("/intersections")]
pub async fn create_intersection(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateIntersection>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(intersections::create(txn, who.owner, input)),
    )
    .await
}

/// Get an intersection.
///
/// With its kind, score, the reasons (concepts and the phrases each side wrote) and your decision, and its
/// `ETag`: `PATCH` it to confirm or dismiss the match.
#[utoipa::path(
    tag = "intersections",
    params(("id" = Uuid, Path, description = "The intersection's id."), PreferWait),
    responses((status = 200, description = "The intersection.", body = Intersection,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/intersections/{id}")]
pub async fn get_intersection(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let found = intersections::get(state.domain.reader(), fresh, id.into_inner()).await?;
    Ok(prefer.mark(fresh, json_with_etag(StatusCode::OK, &found)))
}

/// Confirm or dismiss an intersection, or note something about it.
///
/// `confirmed` intersections survive every recomputation; `dismissed` ones
/// are never suggested again, whatever changes in the goals behind them.
#[utoipa::path(
    tag = "intersections",
    params(
        ("id" = Uuid, Path, description = "The intersection's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateIntersection, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated intersection.", body = Intersection,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/intersections/{id}")]
pub async fn update_intersection(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateIntersection>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(intersections::update(txn, owner, id, body.0, move |i| {
            if_match.check(i)
        }))
    })
    .await
}

/// Which two of your contacts should meet.
///
/// Pairs where one's offer meets the other's goal, both pursue the same goal,
/// or their goals complete each other, best first; never a pair whose goals
/// and offers do not meet. Each contact keeps its ten best partners.
/// Dismissed introductions are left out unless `status=dismissed` asks for
/// them; confirmed ones stay listed even when the engine stops finding them.
/// Resting contacts (archived, or `not_now` before their `revisit_on`) are
/// not suggested; archived ones never appear.
#[utoipa::path(
    tag = "intersections",
    params(IntroductionFilters),
    responses((status = 200, description = "A page of introductions.", body = Page<Introduction>))
)]
#[get("/introductions")]
pub async fn list_introductions(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<IntroductionFilters>,
) -> Result<HttpResponse, AppError> {
    let domain = &state.domain;
    let page =
        introductions::list(domain.reader(), domain.networks(), who.owner, filters.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Get an introduction: one suggested now, or one you decided about.
///
/// Two of your contacts who should meet, why (the reasons and score), and your decision. Its id is stable
/// across recomputations, so a decision sticks to the pair.
#[utoipa::path(
    tag = "intersections",
    params(("id" = Uuid, Path, description = "The introduction's id.")),
    responses((status = 200, description = "The introduction.", body = Introduction,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/introductions/{id}")]
pub async fn get_introduction(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let domain = &state.domain;
    let found = introductions::get(
        domain.reader(),
        domain.networks(),
        who.owner,
        id.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &found))
}

/// Confirm or dismiss an introduction, or note something about it.
///
/// The decision is kept by the introduction's id (the pair of contacts), so
/// it survives every recomputation: a dismissed pair is never suggested
/// again, whatever changes in their goals.
#[utoipa::path(
    tag = "intersections",
    params(
        ("id" = Uuid, Path, description = "The introduction's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateIntroduction, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The introduction, decided.", body = Introduction,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/introductions/{id}")]
pub async fn update_introduction(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateIntroduction>,
) -> Result<HttpResponse, AppError> {
    let domain = &state.domain;
    let (owner, id) = (who.owner, id.into_inner());
    // Built outside the write transaction, so that it never holds the
    // writer while a network loads.
    domain.networks().get(domain.reader(), owner).await?;
    let networks = domain.networks().clone();
    updated(domain, owner, move |txn| {
        Box::pin(async move {
            introductions::update(txn, &networks, owner, id, body.0, |i| if_match.check(i)).await
        })
    })
    .await
}
