//! What a request that matches no handler gets. Handlers are registered one
//! per method, so actix alone would answer 404 for `PUT /api/v1/me`; this looks
//! the path up in the OpenAPI document (the one list of routes there is) and
//! answers 405 with `Allow` when the path exists under other methods.

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::AppError;

/// Path templates of the API, split into segments, with their methods.
pub struct RouteTable(Vec<(Vec<String>, Vec<&'static str>)>);

impl RouteTable {
    pub fn from_spec(spec: &OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (method, present) in [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ] {
                    if present {
                        methods.push(method);
                    }
                }
                (segments(path), methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods allowed on `path`, if any route template matches it; a
    /// literal path (`/contacts/duplicates`) wins over a template
    /// (`/contacts/{id}`).
    pub fn allowed(&self, path: &str) -> Option<String> {
        self.literal(path).or_else(|| {
            let wanted = segments(path);
            self.0
                .iter()
                .find(|(template, _)| {
                    template.len() == wanted.len()
                        && template
                            .iter()
                            .zip(&wanted)
                            .all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}')))
                })
                .map(|(_, methods)| methods.join(", "))
        })
    }

    /// The methods allowed on `path` when it is a route without parameters.
    pub fn literal(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        self.0
            .iter()
            .find(|(template, _)| *template == wanted)
            .map(|(_, methods)| methods.join(", "))
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

/// The default service: 405 for a known path, 404 otherwise.
pub async fn not_matched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    let path = req.path();
    if path.contains("//") {
        return Err(AppError::NotFound(format!(
            "No route matches {path}: it has an empty segment (an id left out, or a variable \
             that was never set?)."
        )));
    }
    Err(match routes.allowed(path) {
        // The method is allowed: the path only looks like the route.
        Some(allow) if allow.split(", ").any(|m| m == req.method().as_str()) => {
            AppError::NotFound(format!("No route matches {path}."))
        }
        Some(allow) => AppError::MethodNotAllowed { allow },
        None => AppError::NotFound(format!("No route matches {}.", req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_any_segment_value() {
        let table = RouteTable(vec![(segments("/api/v1/tokens/{id}"), vec!["DELETE"])]);
        assert_eq!(table.allowed("/api/v1/tokens/123"), Some("DELETE".into()));
        assert_eq!(table.allowed("/api/v1/tokens"), None);
        assert_eq!(table.allowed("/api/v1/tokens/1/x"), None);
    }
}
