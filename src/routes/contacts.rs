//! `/contacts`: the relationship records, and a contact's timeline.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::brief::{self, Brief};
use crate::domain::contacts::list::ContactFilters;
use crate::domain::contacts::merge::{self, DuplicateGroup, MergeContacts};
use crate::domain::contacts::timeline::{self, TimelineEntry, TimelineParams};
use crate::domain::contacts::{self, Contact, CreateContact, UpdateContact};
use crate::domain::page::{Page, PageParams};
use crate::error::AppError;
use crate::http::conditional::{IfMatch, json_with_etag, updated};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::freshness::{PreferWait, mark_stale};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    // `/contacts/duplicates` before `/contacts/{id}`, which would take it
    // for a malformed id.
    cfg.service(list_contacts)
        .service(contact_duplicates)
        .service(create_contact)
        .service(get_contact)
        .service(update_contact)
        .service(delete_contact)
        .service(contact_timeline)
        .service(contact_brief)
        .service(merge_contacts);
}

/// List contacts, filtered and sorted.
///
/// `q` searches name, headline, company, notes and tags; `tag` may repeat
/// (all must match). Sort by `name`, `last_interaction_at`, `created_at`,
/// `next_touch_due` or `intersection_count`, prefixed with `-` for descending.
#[utoipa::path(
    tag = "contacts",
    params(ContactFilters, PreferWait),
    responses((status = 200, description = "A page of contacts.", body = Page<Contact>))
)]
#[get("/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    who: Principal,
    filters: ApiQuery<ContactFilters>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let page = contacts::list::list(state.domain.reader(), fresh, filters.0).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(page)))
}

/// Add a contact.
///
/// Only `full_name` is required. What you write in `why`, `can_give`, `can_get`, `interests` and the rest feeds
/// the intersections engine; derived fields (`last_interaction_at`, `next_touch_due`, counts) are kept by the
/// server. A contact that looks like an existing one is still created: `GET /contacts/duplicates` finds such
/// pairs and `POST /contacts/{id}/merge` joins them.
#[utoipa::path(
    tag = "contacts",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body get the first response; the same key with another body is a 422. Kept 24 hours.")),
    request_body = CreateContact,
    responses((status = 201, description = "The new contact.", body = Contact,
        headers(("ETag" = String, description = "The contact's entity tag."))))
)]
#[post("/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateContact>,
) -> Result<HttpResponse, AppError> {
    let ApiJson(input, digest) = body;
    key.create(
        &state.domain,
        who.owner,
        &digest,
        StatusCode::CREATED,
        move |txn| Box::pin(contacts::write::create(txn, who.owner, input)),
    )
    .await
}

/// Get a contact.
///
/// With its derived fields (last interaction, next touch due, reciprocity, `intersection_count`) and its
/// `ETag` for a safe update. `GET /contacts/{id}/brief` prepares a conversation with them.
#[utoipa::path(
    tag = "contacts",
    params(("id" = Uuid, Path, description = "The contact's id."), PreferWait),
    responses((status = 200, description = "The contact.", body = Contact,
        headers(("ETag" = String, description = "Send as `If-Match` to update safely."))))
)]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reader = state.domain.reader();
    // The common case, nothing recomputing, is one statement.
    if let Some(contact) = contacts::get_if_fresh(reader, who.owner, id).await? {
        let mut response = json_with_etag(StatusCode::OK, &contact);
        mark_stale(&mut response, false);
        return Ok(response);
    }
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let contact = contacts::get(reader, fresh, id).await?;
    Ok(prefer.mark(fresh, json_with_etag(StatusCode::OK, &contact)))
}

/// Update a contact (JSON Merge Patch).
///
/// Absent fields are kept, `null` clears. Read-only fields (`id`, the counters,
/// `next_touch_due`, timestamps) are refused with a 422.
#[utoipa::path(
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "The contact's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    request_body(content = UpdateContact, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated contact.", body = Contact,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UpdateContact>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(contacts::write::update(txn, owner, id, body.0, move |c| {
            if_match.check(c)
        }))
    })
    .await
}

/// Delete a contact.
///
/// Interactions shared with other contacts stay, without this one; those with
/// only this contact are deleted too.
#[utoipa::path(
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "The contact's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read; 412 if it changed since."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    state
        .domain
        .write(owner, move |txn| {
            Box::pin(contacts::write::delete(txn, owner, id, move |c| {
                if_match.check(c)
            }))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A contact's timeline: the interactions with them and the events they
/// attend, newest first.
///
/// Each entry has a `kind` and the matching object (`interaction` or
/// `event`). At the same instant an event comes before the interactions
/// its debrief recorded.
#[utoipa::path(
    tag = "contacts",
    params(("id" = Uuid, Path, description = "The contact's id."), TimelineParams),
    responses((status = 200, description = "A page of timeline entries.", body = Page<TimelineEntry>))
)]
#[get("/contacts/{id}/timeline")]
pub async fn contact_timeline(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    params: ApiQuery<TimelineParams>,
) -> Result<HttpResponse, AppError> {
    let page =
        timeline::timeline(state.domain.reader(), who.owner, id.into_inner(), params.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Prepare to meet a contact.
///
/// A summary of the person in at most three sentences (who they are, why
/// they matter to you, where you stand), the contact, their active goals and
/// offers, common ground (intersections with their reasons, shared interests
/// and topics, whatever the contact's stage), the reciprocity balance with
/// the last thing given each way, the last three past interactions, open
/// follow-ups, the next step, and questions: "How can I help?" first, then
/// one for each thing not on record yet.
#[utoipa::path(
    tag = "contacts",
    params(("id" = Uuid, Path, description = "The contact's id."), PreferWait),
    responses((status = 200, description = "The brief.", body = Brief))
)]
#[get("/contacts/{id}/brief")]
pub async fn contact_brief(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    prefer: PreferWait,
) -> Result<HttpResponse, AppError> {
    let fresh = state.domain.fresh(who.owner, prefer.wait()).await?;
    let brief = brief::brief(state.domain.reader(), fresh, id.into_inner()).await?;
    Ok(prefer.mark(fresh, HttpResponse::Ok().json(brief)))
}

/// Likely duplicates.
///
/// Groups of contacts that share an email address, a LinkedIn profile URL, or
/// a name (ignoring case, accents and spacing), with the shared values; a
/// chain of shared values makes one group. Ordered by each group's oldest
/// contact. Merge a group with `POST /contacts/{id}/merge`.
#[utoipa::path(
    tag = "contacts",
    params(PageParams),
    responses((status = 200, description = "A page of duplicate groups.", body = Page<DuplicateGroup>))
)]
#[get("/contacts/duplicates")]
pub async fn contact_duplicates(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<PageParams>,
) -> Result<HttpResponse, AppError> {
    let page = merge::duplicates(state.domain.reader(), who.owner, params.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Merge duplicates into this contact.
///
/// The contacts in `from` are merged into this one, then deleted: its empty
/// fields are filled from them (in the order given), its lists (emails,
/// phones, links, interests) united, and their interactions, goals and
/// intersection decisions moved over. Nothing this contact holds is
/// overwritten. One transaction: all of it or nothing.
#[utoipa::path(
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "The contact to keep."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you last read of the contact kept; 412 if it changed since."),
    ),
    request_body = MergeContacts,
    responses((status = 200, description = "The merged contact.", body = Contact,
        headers(("ETag" = String, description = "The new tag."))))
)]
#[post("/contacts/{id}/merge")]
pub async fn merge_contacts(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<MergeContacts>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (who.owner, id.into_inner());
    updated(&state.domain, owner, move |txn| {
        Box::pin(merge::merge(txn, owner, id, body.0, move |c| {
            if_match.check(c)
        }))
    })
    .await
}
