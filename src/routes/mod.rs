//! HTTP handlers: parse the request, call the domain, answer. Each handler is
//! registered with `.service()` through `utoipa_actix_web`, which is what puts
//! it in the OpenAPI document: a route cannot exist without its spec.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod agenda;
pub mod auth;
pub mod contacts;
pub mod events;
pub mod export;
pub mod goals;
pub mod health;
pub mod imports;
pub mod insights;
pub mod interactions;
pub mod intersections;
pub mod me;
pub mod search;
pub mod tokens;
pub mod vocabulary;
pub mod webhooks;

/// Everything under `/api/v1`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(me::routes)
        .configure(tokens::routes)
        .configure(contacts::routes)
        .configure(interactions::routes)
        .configure(agenda::routes)
        .configure(goals::routes)
        .configure(events::routes)
        .configure(intersections::routes)
        .configure(vocabulary::routes)
        .configure(insights::routes)
        .configure(search::routes)
        .configure(export::routes)
        .configure(imports::routes)
        .configure(webhooks::routes);
}
