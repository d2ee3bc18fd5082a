//! Rapport: a private relationship manager, as a JSON REST API.
//!
//! Modules are laid out by layer: `routes` parse and answer HTTP, `domain` holds
//! the rules and queries, `intersections` is the matching engine (pure: no
//! HTTP, no database), `entity` (its own crate) the stored rows.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod intersections;
pub mod memory;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
