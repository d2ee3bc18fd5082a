//! Builds the application: connects and migrates the database, binds the
//! listener, assembles middleware and routes. Tests use this same
//! [`Application`] (bound to port 0), so they exercise what production runs.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, get, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::jwt::JwtKeys;
use crate::auth::secret;
use crate::config::{RateLimitStore, Settings, redact_url};
use crate::domain::context::Domain;
use crate::domain::intersections::cache::NetworkCache;
use crate::domain::webhooks::Webhooks;
use crate::domain::webhooks::delivery::Deliverer;
use crate::http::cors;
use crate::http::extract::path_config;
use crate::http::fallback::{self, RouteTable};
use crate::http::rate_limit::{self, RateLimiter};
use crate::http::request_id::{self, RapportRootSpan};
use crate::state::AppState;
use crate::{db, openapi, routes};

pub struct Application {
    port: u16,
    server: Server,
}

/// The OpenAPI document, serialised once at start.
struct SpecJson(String);

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)?;
        Self::build_with_listener(settings, listener).await
    }

    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let jwt_secret = secret::resolve(&settings)?;
        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        let writer = db::connect_writer(&settings.database, &db).await?;
        let indexed = crate::domain::search::index::backfill(&writer).await?;
        if indexed > 0 {
            tracing::info!(indexed, "search documents written for rows that had none");
        }
        tracing::info!(database = %redact_url(&settings.database.url), "database ready");

        tokio::spawn(crate::domain::contacts::sweep::run(
            writer.clone(),
            settings.planned_sweep_every,
        ));

        let webhooks = Arc::new(Webhooks::new(settings.webhooks.clone()));
        tokio::spawn(Deliverer::new(writer.clone(), webhooks.clone())?.run());
        tokio::spawn(crate::domain::webhooks::due::run(
            writer.clone(),
            settings.webhooks.due_scan_every,
        ));

        let (auth_limiter, login_limiter, api_limiter) = match settings.rate_limit_store {
            RateLimitStore::Memory => (
                RateLimiter::new(settings.auth_rate_limit_per_minute),
                RateLimiter::new(settings.login_rate_limit_per_minute),
                RateLimiter::new(settings.api_rate_limit_per_minute),
            ),
            RateLimitStore::Database => {
                tokio::spawn(prune_rate_limits(writer.clone()));
                (
                    RateLimiter::shared(
                        settings.auth_rate_limit_per_minute,
                        writer.clone(),
                        "auth",
                    ),
                    RateLimiter::shared(
                        settings.login_rate_limit_per_minute,
                        writer.clone(),
                        "login",
                    ),
                    RateLimiter::shared(settings.api_rate_limit_per_minute, writer.clone(), "api"),
                )
            }
        };
        let state = web::Data::new(AppState {
            domain: Domain::new(db, writer, NetworkCache::new(settings.network_cache_size)),
            jwt: JwtKeys::new(&jwt_secret),
            auth_limiter,
            login_limiter,
            api_limiter,
            import_limit: settings.import_limit,
            webhooks,
        });
        let spec = openapi::spec();
        let routes_table = web::Data::new(RouteTable::from_spec(&spec));
        let spec_json = web::Data::new(SpecJson(spec.to_pretty_json()?));
        let body_limit = settings.body_limit;
        let cors_origins = Arc::new(settings.cors_origins.clone());

        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(routes_table.clone())
                .app_data(spec_json.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(path_config())
                .configure(routes::health::routes)
                .service(scope::scope("/api/v1").configure(routes::api))
                .into_app()
                .service(openapi_json)
                .service(docs_redirect)
                .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/openapi.json"])))
                .default_service(web::to(fallback::not_matched))
                .wrap(Compress::default())
                .wrap(security_headers())
                .wrap(cors::policy(&cors_origins))
                .wrap(from_fn(cors::refusals_as_problems))
                .wrap(TracingLogger::<RapportRootSpan>::new())
                .wrap(from_fn(request_id::assign))
                .wrap(from_fn(cors::head_as_get))
        })
        // Slow or stalled clients cannot hold a worker's connection forever.
        .client_request_timeout(Duration::from_secs(10))
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(30)
        .shutdown_signal(shutdown_signal())
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `rapport migrate`.
pub async fn migrate_only(settings: &Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings.database).await?;
    db::migrate(&db).await?;
    tracing::info!(database = %redact_url(&settings.database.url), "migrations applied");
    Ok(())
}

/// SIGTERM and SIGINT both drain: in-flight requests finish (up to the
/// shutdown timeout) before the process exits.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(err) => {
                    tracing::error!(%err, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down: draining in-flight requests");
}

/// On every response: browsers must not guess a type other than the one
/// declared (an export or an error read as HTML), and nothing a user's
/// token can read (contacts, exports, secrets shown once) is kept by a
/// cache on the way or in the browser. A handler that sets its own
/// `Cache-Control` keeps it.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// The OpenAPI document (the same bytes as `openapi/openapi.json`).
#[get("/openapi.json")]
async fn openapi_json(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.clone())
}

#[get("/docs")]
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Keeps the shared rate-limit table as small as the set of recent clients.
async fn prune_rate_limits(db: sea_orm::DatabaseConnection) {
    let mut every = tokio::time::interval(rate_limit::SHARED_PRUNE_EVERY);
    loop {
        every.tick().await;
        if let Err(err) = rate_limit::prune_shared(&db).await {
            tracing::warn!(error = %err, "forgetting old rate-limit counts failed");
        }
    }
}
