//! How long a read may wait for intersections being recomputed, and whether
//! it got them current.
//!
//! Reads that show intersection data wait for a pending recomputation up to
//! [`Wait::DEFAULT`], or what the client prefers with `Prefer: wait=N`
//! (RFC 7240; seconds, 0 to [`Wait::MAX_SECS`], larger values are taken as
//! the maximum, values that are not a number are ignored as the RFC asks).
//! Every such response says `Intersections-Stale: true` when the wait ran
//! out first (it shows the last computed state) and `false` otherwise, and
//! echoes an honoured preference in `Preference-Applied`.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::domain::context::{Fresh, Wait};
use crate::error::AppError;

pub const PREFER: HeaderName = HeaderName::from_static("prefer");
pub const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");
pub const STALE: HeaderName = HeaderName::from_static("intersections-stale");

/// The wait a client asked for with `Prefer: wait=N`, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PreferWait(Option<u64>);

impl PreferWait {
    pub fn wait(&self) -> Wait {
        self.0
            .map_or(Wait::DEFAULT, |secs| Wait(Duration::from_secs(secs)))
    }

    /// Adds `Intersections-Stale` (and `Preference-Applied`) to a response
    /// built from data read after `fresh`.
    pub fn mark(&self, fresh: Fresh, mut response: HttpResponse) -> HttpResponse {
        mark_stale(&mut response, fresh.stale());
        if let Some(secs) = self.0
            && let Ok(value) = HeaderValue::from_str(&format!("wait={secs}"))
        {
            response.headers_mut().insert(PREFERENCE_APPLIED, value);
        }
        response
    }

    fn parse(req: &HttpRequest) -> Self {
        let wait = req
            .headers()
            .get_all(PREFER)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|preference| {
                let (name, value) = preference.split_once('=')?;
                let value = value.split(';').next()?.trim().trim_matches('"');
                name.trim()
                    .eq_ignore_ascii_case("wait")
                    .then(|| value.parse::<u64>().ok())?
            })
            .next();
        Self(wait.map(|secs| secs.min(Wait::MAX_SECS)))
    }
}

/// Says whether the intersections in a response lag behind the network.
pub fn mark_stale(response: &mut HttpResponse, stale: bool) {
    response.headers_mut().insert(
        STALE,
        HeaderValue::from_static(if stale { "true" } else { "false" }),
    );
}

impl FromRequest for PreferWait {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::parse(req)))
    }
}

impl IntoParams for PreferWait {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Prefer")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "`wait=N`: wait up to N seconds (0 to 60; 5 without it) for intersections \
                     being recomputed after a change. When the wait runs out, the response shows \
                     the last computed state and says `Intersections-Stale: true`. Other \
                     preferences, and a `wait` that is not a number, are ignored (RFC 7240).",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .examples([serde_json::json!("wait=0")]),
                ))
                .build(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn parsed(values: &[&str]) -> PreferWait {
        let mut req = TestRequest::default();
        for value in values {
            req = req.append_header((PREFER, *value));
        }
        PreferWait::parse(&req.to_http_request())
    }

    #[test]
    fn wait_is_read_among_other_preferences_and_capped() {
        assert_eq!(parsed(&[]), PreferWait(None));
        assert_eq!(parsed(&["wait=0"]), PreferWait(Some(0)));
        assert_eq!(parsed(&["respond-async, WAIT = 7"]), PreferWait(Some(7)));
        assert_eq!(
            parsed(&["return=minimal", "wait=\"3\""]),
            PreferWait(Some(3))
        );
        assert_eq!(parsed(&["wait=3600"]), PreferWait(Some(Wait::MAX_SECS)));
        assert_eq!(parsed(&["wait=soon"]), PreferWait(None));
        assert_eq!(parsed(&["wait=2"]).wait(), Wait(Duration::from_secs(2)));
        assert_eq!(parsed(&[]).wait(), Wait::DEFAULT);
    }
}
