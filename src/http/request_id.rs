//! Every response carries `X-Request-Id`: the caller's, when it sent a sane one,
//! or a fresh UUIDv7. The id is in every log line of the request (the root span)
//! and in every problem body, so a 500 can be traced back to its log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The request id, stored in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// When the request started, for the access log.
#[derive(Clone, Copy)]
struct Started(Instant);

tokio::task_local! {
    /// The current request id, readable where no request is at hand (error
    /// rendering). Actix serves each request inside one task, so it is set for
    /// the whole of the handler and its extractors.
    static CURRENT: String;
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

fn accept(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let sane = !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| s.to_string())
}

/// Middleware: assigns the id, echoes it in the response.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(accept)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(Started(Instant::now()));
    let value = HeaderValue::from_str(&id).expect("request ids are visible ASCII");
    let mut res = CURRENT.scope(id, next.call(req)).await?;
    res.headers_mut().insert(HEADER, value);
    Ok(res)
}

/// Root span of every request: method, path, status and the request id, and
/// one access-log line when the request ends. (Not the route pattern: finding
/// it matches the path against the route patterns a second time, regular
/// expressions included, on every request. Not the query string either: the
/// calendar feed's carries a feed token, which must never reach a log;
/// `.ci/ics_check.sh` checks the log for it.)
pub struct RapportRootSpan;

impl RootSpanBuilder for RapportRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.target = %request.uri().path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(res) = outcome {
            let elapsed_ms = res
                .request()
                .extensions()
                .get::<Started>()
                .map(|s| s.0.elapsed().as_secs_f64() * 1000.0)
                .unwrap_or_default();
            tracing::info!(
                parent: &span,
                status = res.status().as_u16(),
                elapsed_ms = format!("{elapsed_ms:.2}"),
                "request finished"
            );
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids_are_kept_and_odd_ones_replaced() {
        assert_eq!(
            accept(&HeaderValue::from_static("abc-123")),
            Some("abc-123".into())
        );
        assert_eq!(accept(&HeaderValue::from_static("has space")), None);
        assert_eq!(accept(&HeaderValue::from_static("")), None);
        let long = "a".repeat(129);
        assert_eq!(accept(&HeaderValue::from_str(&long).unwrap()), None);
    }
}
