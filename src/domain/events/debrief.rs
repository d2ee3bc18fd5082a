//! After an event, in one call (seed 004: follow up, then keep in touch):
//! whom you met, what was exchanged, what to follow up and when, and the new
//! people you met, created as contacts who remember where you met them.
//!
//! Each person met gets an interaction of their own (kind `event`, at the
//! event's start), not one shared by everyone: what you gave, what you
//! received and the follow-up are per person, and so is the reciprocity
//! they feed. Attendees you did not name become `missed` unless you say
//! otherwise. All of it is one transaction: a failure writes nothing.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::write::set_attendees;
use super::{Event, get};
use crate::domain::contacts::{self, Contact, CreateContact};
use crate::domain::enums::{AttendeeStatus, InteractionKind, Source};
use crate::domain::interactions::{self, CreateInteraction, Interaction, NewFollowUp};
use crate::domain::tenancy::Owner;
use crate::error::{AppError, FieldError};

pub const MAX_MET: usize = 1000;
pub const MAX_NEW_PEOPLE: usize = 200;

/// Someone you met, already a contact.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetContact {
    /// One of your contacts; added to the attendees if not there yet.
    pub contact_id: Uuid,
    /// What you talked about; defaults to "Met at <event>".
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// What you gave them.
    #[schema(max_length = 1000)]
    pub gave: Option<String>,
    /// What you received.
    #[schema(max_length = 1000)]
    pub received: Option<String>,
    pub follow_up: Option<NewFollowUp>,
}

/// Someone new you met: a contact to create. `met_on` defaults to the
/// event's day, `met_via` to its name and `source` to `event`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub contact: CreateContact,
    /// What you talked about; defaults to "Met at <event>".
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    #[schema(max_length = 1000)]
    pub gave: Option<String>,
    #[schema(max_length = 1000)]
    pub received: Option<String>,
    pub follow_up: Option<NewFollowUp>,
}

/// `POST /events/{id}/debrief`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "met": [{
        "contact_id": "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f62",
        "summary": "Talked about our seed round; she leads B2B SaaS rounds",
        "received": "Feedback on the deck",
        "follow_up": {"due_on": "2026-12-10", "note": "Send the deck"}
    }],
    "new_people": [{
        "contact": {"full_name": "Sam Okafor", "headline": "Product designer"},
        "summary": "Designer looking for a seed-stage team",
        "follow_up": {"due_on": "2026-12-11", "note": "Share the job description"}
    }]
}))]
pub struct Debrief {
    /// Contacts you met there, at most 1,000.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub met: Vec<MetContact>,
    /// New people you met there, at most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub new_people: Vec<NewPerson>,
    /// Attendees not named in `met` become `missed` (default `true`).
    pub mark_others_missed: Option<bool>,
}

/// What a debrief recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DebriefResult {
    /// The event, attendees updated.
    pub event: Event,
    /// One interaction per person met, in the order of the request (`met`,
    /// then `new_people`).
    pub interactions: Vec<Interaction>,
    /// The contacts created from `new_people`, in order.
    pub created_contacts: Vec<Contact>,
}

/// What happened with one person.
struct Meeting {
    summary: Option<String>,
    notes: Option<String>,
    gave: Option<String>,
    received: Option<String>,
    follow_up: Option<NewFollowUp>,
}

/// Runs `work`; a validation failure names its fields under `prefix`.
fn under<T>(prefix: &str, result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(|err| match err {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("{prefix}.{}", e.field), e.message))
                .collect(),
        ),
        other => other,
    })
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), event_id = %id))]
pub async fn debrief(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
    id: Uuid,
    input: Debrief,
) -> Result<DebriefResult, AppError> {
    let event = get(db, owner, id).await?;
    if event.starts_at > Utc::now() {
        return Err(AppError::Conflict {
            code: "event_not_started",
            detail: "The event has not started yet: a debrief records what happened.".into(),
        });
    }
    if input.met.len() > MAX_MET {
        return Err(AppError::invalid(
            "met",
            format!("must name at most {MAX_MET} contacts"),
        ));
    }
    if input.new_people.len() > MAX_NEW_PEOPLE {
        return Err(AppError::invalid(
            "new_people",
            format!("must name at most {MAX_NEW_PEOPLE} people"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, m) in input.met.iter().enumerate() {
        if !seen.insert(m.contact_id) {
            return Err(AppError::invalid(
                format!("met[{i}].contact_id"),
                "names a contact already listed",
            ));
        }
    }

    let mut people: Vec<(String, Uuid, Meeting)> = Vec::new();
    for (i, m) in input.met.into_iter().enumerate() {
        let prefix = format!("met[{i}]");
        if !owner
            .owns::<entity::contact::Entity>(db, m.contact_id)
            .await?
        {
            return Err(AppError::invalid(
                format!("{prefix}.contact_id"),
                "no such contact",
            ));
        }
        let meeting = Meeting {
            summary: m.summary,
            notes: m.notes,
            gave: m.gave,
            received: m.received,
            follow_up: m.follow_up,
        };
        people.push((prefix, m.contact_id, meeting));
    }
    let mut created_contacts = Vec::new();
    for (i, p) in input.new_people.into_iter().enumerate() {
        let prefix = format!("new_people[{i}]");
        let mut contact = p.contact;
        contact.met_on = contact.met_on.or(Some(event.starts_at.date_naive()));
        contact.met_via = contact.met_via.or_else(|| Some(event.name.clone()));
        contact.source = contact.source.or(Some(Source::Event));
        let created = under(
            &format!("{prefix}.contact"),
            contacts::write::create(db, owner, contact).await,
        )?;
        let meeting = Meeting {
            summary: p.summary,
            notes: p.notes,
            gave: p.gave,
            received: p.received,
            follow_up: p.follow_up,
        };
        people.push((prefix, created.id, meeting));
        created_contacts.push(created);
    }

    let mut interactions = Vec::with_capacity(people.len());
    for (prefix, contact_id, m) in &people {
        let record = CreateInteraction {
            occurred_at: Some(event.starts_at),
            kind: InteractionKind::Event,
            channel: None,
            contact_ids: vec![*contact_id],
            summary: Some(
                m.summary
                    .clone()
                    .unwrap_or_else(|| format!("Met at {}", event.name)),
            ),
            notes: m.notes.clone(),
            initiated_by: None,
            gave: m.gave.clone(),
            received: m.received.clone(),
            goal_ids: Vec::new(),
            follow_up: m.follow_up.clone(),
        };
        interactions.push(under(
            prefix,
            interactions::write::create(db, owner, record).await,
        )?);
    }

    let met: std::collections::BTreeSet<Uuid> = people.iter().map(|(_, id, _)| *id).collect();
    let others_missed = input.mark_others_missed.unwrap_or(true);
    let mut attendees: Vec<(Uuid, AttendeeStatus)> = event
        .attendees
        .iter()
        .map(|a| {
            let status = if met.contains(&a.contact_id) {
                AttendeeStatus::Met
            } else if others_missed && a.status != AttendeeStatus::Met {
                AttendeeStatus::Missed
            } else {
                a.status
            };
            (a.contact_id, status)
        })
        .collect();
    for id in &met {
        if !attendees.iter().any(|(c, _)| c == id) {
            attendees.push((*id, AttendeeStatus::Met));
        }
    }
    set_attendees(db, owner, event.id, &attendees).await?;
    owner
        .update::<entity::event::Entity>()
        .col_expr(entity::event::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::event::Column::Id.eq(event.id))
        .exec(db)
        .await?;
    tracing::info!(
        met = people.len(),
        created = created_contacts.len(),
        "event debriefed"
    );
    Ok(DebriefResult {
        event: get(db, owner, event.id).await?,
        interactions,
        created_contacts,
    })
}
