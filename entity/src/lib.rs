//! sea-orm entities: the rows as stored. Request and response types live in the
//! `rapport` crate; nothing here is ever deserialized from a request body.

pub mod api_token;
pub mod contact;
pub mod contact_tag;
pub mod event;
pub mod event_attendee;
pub mod event_goal;
pub mod goal;
pub mod goal_topic;
pub mod idempotency_key;
pub mod interaction;
pub mod interaction_contact;
pub mod intersection;
pub mod introduction_decision;
pub mod own_concept;
pub mod refresh_token;
pub mod search_document;
pub mod tags;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
pub mod webhook_event;

pub use tags::Tags;
