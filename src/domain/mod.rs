//! Rules and queries. Domain functions take any `ConnectionTrait` (a pool or a
//! transaction) and an [`tenancy::Owner`]; routes never touch entities.

pub mod accounts;
pub mod agenda;
pub mod api_tokens;
pub mod brief;
pub mod contacts;
pub mod context;
pub mod enums;
pub mod events;
pub mod export;
pub mod goals;
pub mod idempotency;
pub mod imports;
pub mod insights;
pub mod interactions;
pub mod intersections;
pub mod keyset;
pub mod page;
pub mod patch;
pub mod profile;
pub mod search;
pub mod tenancy;
pub mod validate;
pub mod vocabulary;
pub mod webhooks;
