//! `/agenda`, `/agenda.ics` and `/reconnect`: what to do next (as a page or
//! as a calendar feed), and whom to get back to.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{FeedReader, Principal};
use crate::domain::agenda::{self, AgendaItem, AgendaParams};
use crate::domain::contacts::reconnect::{self, ReconnectItem, ReconnectParams};
use crate::domain::page::Page;
use crate::error::AppError;
use crate::http::conditional::etag_of_json;
use crate::http::extract::ApiQuery;
use crate::http::freshness::PreferWait;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_agenda)
        .service(get_agenda_feed)
        .service(get_reconnect);
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

/// A calendar app may keep the feed and ask again with `If-None-Match`; the
/// token in its URL keeps it out of shared caches.
const FEED_CACHE_CONTROL: &str = "private, no-cache";

/// The agenda as a calendar feed (iCalendar), to subscribe to by URL.
///
/// Follow-ups, next steps, keep-in-touch and revisit dates (all-day), events
/// (with their start, and their end when known) and interactions (at their
/// time), from 30 days back to 365 days ahead, at most 5,000 items, the
/// earliest first; each a `VEVENT` whose `UID` stays the same from one fetch
/// to the next (`<kind>-<id>-<YYYYMMDD>@rapport`), so calendar apps update
/// items instead of duplicating them. Done or deleted items leave the feed.
///
/// Calendar apps cannot send an `Authorization` header: give them the URL
/// with a **feed token** as `?token=rpt_…` (a personal token of scope
/// `feed`, created with `POST /tokens`, revoked with `DELETE /tokens/{id}`).
/// A feed token reads this feed and nothing else (403 anywhere else), and no
/// other credential is accepted in the URL (403 `feed_token_required` for a
/// `read` or `write` token, 401 for anything else). With the header, any
/// credential reads the feed: a login session, a `read`, `write` or `feed`
/// token. Both at once are a 400 `ambiguous_credentials`.
///
/// The `ETag` is a hash of the body; send it back as `If-None-Match` to get a
/// 304 while nothing changed.
#[utoipa::path(
    tag = "agenda",
    params(
        ("If-None-Match" = Option<String>, Header,
            description = "The `ETag` of the feed you have; 304 if it is still current. A value that is not a header-safe string never matches."),
    ),
    security(("bearer" = []), ("feed_token" = [])),
    responses(
        (status = 200, description = "The feed, iCalendar (RFC 5545), UTF-8.",
            content_type = "text/calendar", body = String,
            headers(
                ("ETag" = String, description = "A hash of the body."),
                ("Cache-Control" = String, description = "`private, no-cache`: keep it, but ask again with `If-None-Match`."),
            ),
            example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rapport//Agenda feed//EN\r\nCALSCALE:GREGORIAN\r\nNAME:Rapport agenda\r\nX-WR-CALNAME:Rapport agenda\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\nBEGIN:VEVENT\r\nUID:follow_up-0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60-20261127@rapport\r\nDTSTAMP:20261121T093000Z\r\nDTSTART;VALUE=DATE:20261127\r\nDTEND;VALUE=DATE:20261128\r\nTRANSP:TRANSPARENT\r\nSUMMARY:Follow up with Grace Hopper: Ask how the intro went\r\nDESCRIPTION:Ask how the intro went\\nWith: Grace Hopper\r\nCATEGORIES:follow_up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
        (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`.",
            headers(
                ("ETag" = String, description = "The current `ETag`."),
                ("Cache-Control" = String, description = "`private, no-cache`."),
            )),
        (status = 400, description = "An unknown query parameter, an empty `token`, or both a `token` and an `Authorization` header (`ambiguous_credentials`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No credential, or one that is not valid (unknown, revoked, expired), or something other than a personal token in `token`.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer` challenge."))),
        (status = 403, description = "A `read` or `write` token in the URL (`feed_token_required`): only a feed token may be sent there.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agenda.ics")]
pub async fn get_agenda_feed(
    state: web::Data<AppState>,
    who: FeedReader,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let body = agenda::feed::feed(state.domain.reader(), who.owner).await?;
    let etag = etag_of_json(body.as_bytes());
    let current = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
        });
    let mut response = if current {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, FEED_CACHE_CONTROL));
    Ok(if current {
        response.finish()
    } else {
        response
            .content_type("text/calendar; charset=utf-8")
            .body(body)
    })
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
