//! One error type for the whole service, rendered as RFC 9457
//! `application/problem+json`. Every failure a client can see goes through
//! [`AppError`], including actix's own extractor errors (see `http::extract`).
//! A 5xx never carries internals: the cause is logged with the request id, and
//! the body carries only that id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request (`emails[1]`, `follow_up.due_on`);
    /// empty for the body as a whole.
    #[schema(example = "email")]
    pub field: String,
    /// What is wrong, for people.
    #[schema(example = "must be a valid email address")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error, as described by RFC 9457 (problem details).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:rapport:problem:validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request body has 1 invalid field.",
    "code": "validation_failed",
    "errors": [{"field": "email", "message": "must be a valid email address"}],
    "request_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60"
}))]
pub struct Problem {
    /// A URN naming the kind of problem: `urn:rapport:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened, for people.
    pub detail: String,
    /// A stable snake_case code, for programs.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// The fields that failed validation (on 422); empty otherwise.
    pub errors: Vec<FieldError>,
    /// The request's `X-Request-Id`; quote it when reporting a problem.
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("unauthorized: {detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("forbidden: {detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("conflict: {detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("precondition failed")]
    PreconditionFailed,
    /// The request body did not arrive in time (a stalled or trickling client).
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// Well-formed request, content that cannot be processed (a file that is
    /// not in the format it claims).
    #[error("unprocessable: {detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// An uploaded file that is not what it claims to be.
    pub fn invalid_file(detail: impl Into<String>) -> Self {
        Self::Unprocessable {
            code: "invalid_file",
            detail: detail.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PreconditionFailed => "precondition_failed",
            Self::RequestTimeout(_) => "request_timeout",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest { detail, .. }
            | Self::Unauthorized { detail, .. }
            | Self::Forbidden { detail, .. }
            | Self::Conflict { detail, .. }
            | Self::Unprocessable { detail, .. } => detail.clone(),
            Self::NotFound(detail)
            | Self::RequestTimeout(detail)
            | Self::PayloadTooLarge(detail)
            | Self::UnsupportedMediaType(detail) => detail.clone(),
            Self::MethodNotAllowed { allow } => {
                format!("This resource does not support that method; it allows {allow}.")
            }
            Self::PreconditionFailed => {
                "The resource changed since you read it (If-Match does not match its ETag). \
                 Fetch it again and retry."
                    .into()
            }
            Self::Validation(errors) => match errors.len() {
                1 => format!("{}: {}", errors[0].field, errors[0].message),
                n => format!("The request has {n} invalid fields."),
            },
            Self::RateLimited { retry_after_secs } => {
                format!("Too many requests. Retry in {retry_after_secs} s.")
            }
            Self::Unavailable(_) => {
                "The service cannot reach its database right now. Retry shortly.".into()
            }
            Self::Internal(_) => "An unexpected error occurred. It has been logged; quote the \
                                  request id when reporting it."
                .into(),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        Problem {
            type_: format!("urn:rapport:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail(),
            code: code.to_string(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            request_id: request_id::current(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::Unauthorized { .. } => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="rapport", error="invalid_token""#,
                ));
            }
            Self::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::RateLimited { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.to_problem()).unwrap_or_default();
        res.body(body)
    }
}

/// Database errors map here, in one place: a lost or exhausted database is a
/// 503, a unique-key violation a 409, anything else a 500.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        // In our own words: the database's text names its constraints and
        // tables, which are no business of a client.
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                tracing::info!(%detail, "unique constraint refused a write");
                return Self::Conflict {
                    code: "conflict",
                    detail: "This would duplicate an existing record.".into(),
                };
            }
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => {
                tracing::info!(%detail, "foreign key refused a write");
                return Self::reference_gone();
            }
            _ => {}
        }
        let text = err.to_string();
        let unavailable = is_unavailable(&err);
        if unavailable {
            Self::Unavailable(text)
        } else {
            Self::Internal(text)
        }
    }
}

/// Whether the database is gone, busy or out of time (a 503: try again)
/// rather than refusing this request: decided by the driver's error kind and
/// the databases' own codes, not by their messages.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error;
    let driver = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match driver.as_ref() {
        Error::PoolTimedOut
        | Error::PoolClosed
        | Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::WorkerCrashed => true,
        Error::Database(db) => db.code().is_some_and(|code| {
            matches!(
                code.as_ref(),
                // SQLite: busy, locked (and their extended codes).
                "5" | "6" | "261" | "262" | "517" | "773"
                // PostgreSQL: statement timeout or cancel, shutting down,
                // cannot connect now, too many connections, lock timeout.
                | "57014" | "57P01" | "57P02" | "57P03" | "53300" | "55P03"
            ) || code.starts_with("08") // PostgreSQL: connection exception
        }),
        _ => false,
    }
}

impl AppError {
    /// A write referred to a row deleted meanwhile (a foreign key refused it).
    pub fn reference_gone() -> Self {
        Self::Conflict {
            code: "reference_gone",
            detail: "Something this change refers to was deleted meanwhile; read it again.".into(),
        }
    }

    pub fn is_reference_gone(&self) -> bool {
        matches!(
            self,
            Self::Conflict {
                code: "reference_gone",
                ..
            }
        )
    }

    /// An access token that outlived its account (deleted in the last 15
    /// minutes).
    pub fn account_deleted() -> Self {
        Self::unauthorized("account_deleted", "This account no longer exists.")
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_hides_its_cause() {
        let problem = AppError::internal("password=hunter2 at db.rs:42").to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("hunter2"));
    }

    /// Database text names constraints and tables: clients get our words.
    #[actix_web::test]
    async fn database_errors_are_told_in_our_own_words() {
        use sea_orm::{ConnectionTrait, Database};
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            "PRAGMA foreign_keys = ON; \
             CREATE TABLE owners (id INTEGER PRIMARY KEY); \
             CREATE TABLE secret_things (id INTEGER PRIMARY KEY, \
               owner INTEGER NOT NULL REFERENCES owners (id)); \
             INSERT INTO owners VALUES (1); INSERT INTO secret_things VALUES (1, 1);",
        )
        .await
        .unwrap();
        let duplicate = db
            .execute_unprepared("INSERT INTO secret_things VALUES (1, 1)")
            .await
            .unwrap_err();
        let problem = AppError::from(duplicate).to_problem();
        assert_eq!((problem.status, problem.code.as_str()), (409, "conflict"));
        let orphan = db
            .execute_unprepared("INSERT INTO secret_things VALUES (2, 99)")
            .await
            .unwrap_err();
        let gone = AppError::from(orphan);
        assert!(gone.is_reference_gone());
        let problem = gone.to_problem();
        assert_eq!(problem.status, 409);
        for problem in [
            problem,
            AppError::from(DbErr::Custom("x".into())).to_problem(),
        ] {
            let text = format!("{} {}", problem.title, problem.detail).to_lowercase();
            for leak in [
                "secret_things",
                "constraint",
                "unique",
                "foreign key",
                "sqlite",
            ] {
                assert!(!text.contains(leak), "{leak} in {text}");
            }
        }
    }

    /// A database busy with another writer is a 503 (try again), known by
    /// SQLite's code rather than its message.
    #[actix_web::test]
    async fn a_busy_database_is_unavailable_not_an_internal_error() {
        use sea_orm::{ConnectOptions, ConnectionTrait, Database, TransactionTrait};
        let path = std::env::temp_dir().join(format!("rapport-busy-{}.db", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let connect = || {
            let mut options = ConnectOptions::new(url.clone());
            options.max_connections(1).sqlx_logging(false);
            Database::connect(options)
        };
        let (holder, other) = (connect().await.unwrap(), connect().await.unwrap());
        holder
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        other
            .execute_unprepared("PRAGMA busy_timeout = 0")
            .await
            .unwrap();
        let txn = holder.begin().await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let busy = other
            .execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .unwrap_err();
        assert!(matches!(AppError::from(busy), AppError::Unavailable(_)));
        txn.rollback().await.unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn validation_errors_list_their_fields() {
        let problem = AppError::invalid("email", "must be a valid email address").to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.errors[0].field, "email");
        assert_eq!(problem.type_, "urn:rapport:problem:validation_failed");
    }
}
