//! `/webhooks`: subscriptions to your own events, their delivery log, and
//! redelivery.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::page::{Page, PageParams};
use crate::domain::webhooks::deliveries::{self, Delivery, DeliveryFilters};
use crate::domain::webhooks::outbox;
use crate::domain::webhooks::{
    self, CreateWebhook, EventType, UpdateWebhook, Webhook, WebhookWithSecret,
};
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret)
        .service(test_webhook)
        .service(list_deliveries)
        .service(redeliver);
}

/// List webhook subscriptions, newest first.
///
/// Each subscription shows its URL, event types, whether it is enabled (and why not) and the first characters
/// of its secret; the secret itself was shown at creation only. Cursor pages.
#[utoipa::path(
    tag = "webhooks",
    params(PageParams),
    responses((status = 200, description = "A page of subscriptions.", body = Page<Webhook>))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    who: Principal,
    page: ApiQuery<PageParams>,
) -> Result<HttpResponse, AppError> {
    let page = webhooks::list(state.domain.reader(), who.owner, &page.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Subscribe to events.
///
/// The answer holds the signing `secret`: keep it, it is not shown again.
/// A URL that is not `https`, holds credentials, or names (or resolves to)
/// a private, loopback, link-local or reserved address is a 422.
#[utoipa::path(
    tag = "webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "The subscription and its signing secret.", body = WebhookWithSecret,
            headers(("ETag" = String, description = "The subscription's entity tag."))),
        (status = 409, description = "The account already holds 20 subscriptions (`too_many_webhooks`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateWebhook>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    // Validated before the transaction: checking the URL may resolve a name.
    let row = webhooks::prepare(&state.webhooks, who.owner, input).await?;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(webhooks::create(txn, who.owner, row)),
    )
    .await
}

/// Get a webhook subscription.
///
/// With its `ETag` for a safe update. Its deliveries are listed at `GET /webhooks/{id}/deliveries`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id.")),
    responses((status = 200, description = "The subscription.", body = Webhook,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let hook = webhooks::get(state.domain.reader(), who.owner, id.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &hook))
}

/// Update a webhook subscription (JSON Merge Patch).
///
/// `enabled: true` on a subscription the service disabled clears its
/// `disabled_reason` and resumes its pending deliveries. `event_types: null`
/// or `[]` subscribes to every event.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateWebhook, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated subscription.", body = Webhook,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateWebhook>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    webhooks::check_update(&state.webhooks, &body.0).await?;
    updated(&state.domain, owner, move |txn| {
        Box::pin(webhooks::update(txn, owner, id, body.0, move |w| {
            if_match.check(w)
        }))
    })
    .await
}

/// Delete a webhook subscription; its pending deliveries are dropped.
///
/// Nothing more is sent to its URL, including retries that were scheduled. Send `If-Match` to delete only
/// the version you read.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(webhooks::delete(txn, owner, id, move |w| if_match.check(w)))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate the signing secret.
///
/// The new secret signs from now on; the old one also signs (a second
/// `v1,` signature) for 24 hours, so receivers can switch without missing
/// an event. The new secret is shown once.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id.")),
    responses((status = 200, description = "The subscription and its new secret.", body = WebhookWithSecret))
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    let rotated = state
        .domain
        .write(owner, move |txn| {
            Box::pin(webhooks::rotate_secret(txn, owner, id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(rotated))
}

/// A test event queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestQueued {
    /// The `webhook.test` event's id; its delivery appears in the log.
    pub event_id: Uuid,
}

/// Send a test event.
///
/// Queues a `webhook.test` event for this subscription only (whatever the
/// types it wants), to check a receiver and its signature check.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id.")),
    responses((status = 202, description = "Queued.", body = TestQueued))
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    let event_id = state
        .domain
        .write(owner, move |txn| {
            Box::pin(async move {
                let data = serde_json::json!({ "webhook_id": id, "message": "A test event from Rapport." });
                outbox::emit_to(txn, owner, id, EventType::WebhookTest, &data)
                    .await?
                    .ok_or_else(|| AppError::internal("a test event without a key was not recorded"))
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(TestQueued { event_id }))
}

/// A subscription's delivery log, newest first.
///
/// Each delivery is one event sent to this subscription: its state, the
/// next attempt while pending, every attempt (status code, latency, error)
/// and the body sent.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id."), DeliveryFilters),
    responses((status = 200, description = "A page of deliveries.", body = Page<Delivery>))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    filters: ApiQuery<DeliveryFilters>,
) -> Result<HttpResponse, AppError> {
    let page =
        deliveries::list(state.domain.reader(), who.owner, id.into_inner(), filters.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a delivery again, now.
///
/// A failed delivery gets a new run of attempts; a pending one is tried at
/// once; a succeeded one is sent once more with the same event id. A 409
/// while the subscription is disabled.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription's id."),
        ("delivery_id" = Uuid, Path, description = "The delivery's id."),
    ),
    responses(
        (status = 202, description = "Queued again.", body = Delivery),
        (status = 409, description = "The subscription is disabled (`webhook_disabled`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let owner = who.owner;
    let (id, delivery_id) = path.into_inner();
    let delivery = state
        .domain
        .write(owner, move |txn| {
            Box::pin(deliveries::redeliver(txn, owner, id, delivery_id))
        })
        .await?;
    Ok(HttpResponse::Accepted().json(delivery))
}
