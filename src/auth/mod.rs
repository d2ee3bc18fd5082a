//! Authentication: who is calling, and with what rights.
//!
//! A caller presents `Authorization: Bearer <credential>`, either a short-lived
//! JWT from login (full access) or a personal API token (`rpt_…`, scope `read`,
//! `write` or `feed`). The [`Principal`] extractor checks it, enforces the scope
//! and the per-caller rate limit, and hands the handler the [`Owner`] that scopes
//! every query. A handler that takes no `Principal` is public, except the
//! calendar feed, whose [`FeedReader`] also takes a feed token from the URL.
//!
//! [`Owner`]: crate::domain::tenancy::Owner

pub mod jwt;
pub mod password;
pub mod principal;
pub mod secret;
pub mod token;

pub use principal::{Credential, FeedReader, Principal, Scope};
