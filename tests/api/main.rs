//! HTTP-level tests: each spawns the real application on port 0 with a fresh
//! database (SQLite, or PostgreSQL when `TEST_POSTGRES_URL` is set) and talks
//! to it over HTTP.

mod helpers;
#[path = "../support/receiver.rs"]
mod receiver;

mod accounts;
mod agenda;
mod brief;
mod calendar;
mod concurrency;
mod contacts;
mod contract;
mod decisions;
mod duplicates;
mod errors;
mod events;
mod export;
mod goals;
mod health;
mod imports;
mod insights;
mod integrators;
mod interactions;
mod intersections;
mod limits;
mod me;
mod openapi;
mod planned;
mod reciprocity;
mod reconnect;
mod search;
mod tenancy;
mod tokens;
mod vocabulary;
mod webhooks;
