//! The floor: the least a `GET /api/v1/contacts/{id}` can cost on Rapport's
//! stack, to measure what Rapport adds per request. actix-web 4 with its
//! default workers, sea-orm over sqlx with the pool Rapport would open (8
//! SQLite connections, 10 on PostgreSQL), an HS256 JWT check, one
//! owner-scoped SELECT of the contact's columns, JSON out. Nothing else: no
//! middleware, no access log, no rate limit, no freshness check.
//!
//! `bench load` starts it on the same database as Rapport and drives both
//! with the same wrk script, in the same run, and prints the ratio. By hand:
//!
//!   RAPPORT_DATABASE_URL=sqlite://rapport.db RAPPORT_JWT_SECRET=... \
//!   RAPPORT_BIND=127.0.0.1:8081 target/release/floor

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, web};
use entity::contact;
use rapport::auth::jwt::JwtKeys;
use rapport::config::Settings;
use rapport::domain::contacts::Contact;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

struct Floor {
    db: DatabaseConnection,
    jwt: JwtKeys,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let secret = rapport::auth::secret::resolve(&settings)?;
    let db = rapport::db::connect(&settings.database).await?;
    let state = web::Data::new(Floor {
        db,
        jwt: JwtKeys::new(&secret),
    });
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(get_contact)
            .service(ready)
    })
    .bind(settings.bind)?
    .run()
    .await?;
    Ok(())
}

#[get("/api/v1/contacts/{id}")]
async fn get_contact(
    floor: web::Data<Floor>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let owner = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .and_then(|token| floor.jwt.verify(token).ok());
    let Some(owner) = owner else {
        return HttpResponse::Unauthorized().finish();
    };
    let found = contact::Entity::find_by_id(id.into_inner())
        .filter(contact::Column::OwnerId.eq(owner))
        .one(&floor.db)
        .await;
    match found {
        Ok(Some(model)) => HttpResponse::Ok().json(Contact::from(model)),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[get("/health/ready")]
async fn ready() -> HttpResponse {
    HttpResponse::Ok().finish()
}
