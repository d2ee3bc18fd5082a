//! Restoring Rapport's own export (`GET /export`): the profile, contacts,
//! goals, interactions, intersection decisions and events, with the
//! relations between them re-made on the new ids. Contacts are matched to
//! existing ones like any import (so restoring a document twice adds
//! nothing); goals, interactions and events that already exist (same holder
//! and title; same time, kind and people; same name and start) are skipped.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{event, goal, interaction, interaction_contact, intersection};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, Set};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Batches, ImportError, ImportReport, Matcher, Pending, describe, upsert_contact};
use crate::domain::contacts::{CreateContact, write};
use crate::domain::enums::{IntersectionKind, IntersectionOrigin, IntersectionStatus};
use crate::domain::events::{self, CreateEvent};
use crate::domain::export::{CSV_COLUMNS, FORMAT, VERSION};
use crate::domain::goals::{self, CreateGoal};
use crate::domain::interactions::{self, CreateInteraction};
use crate::domain::intersections::{introductions, network_changed, recount};
use crate::domain::profile::{self, UpdateProfile};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::vocabulary::{self, CreateOwnConcept};
use crate::error::AppError;
use crate::intersections as engine;

/// What a JSON import restored besides contacts.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Restored {
    pub goals: u64,
    pub interactions: u64,
    pub intersections: u64,
    /// Decisions about introductions.
    pub introductions: u64,
    /// Entries of your own vocabulary.
    pub vocabulary: u64,
    pub events: u64,
}

/// `object`'s `fields` that are set, as a new object.
fn pick(object: &Value, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            object
                .get(*f)
                .filter(|v| !v.is_null())
                .map(|v| (f.to_string(), v.clone()))
        })
        .collect()
}

fn old_id(object: &Value, field: &str) -> Option<Uuid> {
    object.get(field)?.as_str()?.parse().ok()
}

/// Ids of the document mapped to ids in the account.
fn mapped(ids: &HashMap<Uuid, Uuid>, object: &Value, field: &str) -> Result<Vec<Value>, String> {
    object
        .get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .and_then(|s| s.parse::<Uuid>().ok())
                .and_then(|id| ids.get(&id))
                .map(|id| Value::from(id.to_string()))
                .ok_or_else(|| format!("{field}[{i}] names nothing in the document"))
        })
        .collect()
}

fn list<'a>(doc: &'a Value, name: &str) -> &'a [Value] {
    doc.get(name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Restores the document `text` in `batches` (see [`Batches`]); contacts
/// wait in `pending` to be stored together.
pub(crate) async fn restore(
    batches: &mut Batches<'_>,
    pending: &mut Pending,
    owner: Owner,
    text: &str,
) -> Result<ImportReport, AppError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| AppError::invalid_file(format!("not JSON: {e}")))?;
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(AppError::invalid_file(format!(
            "not a Rapport export: its \"format\" is not \"{FORMAT}\""
        )));
    }
    if doc.get("version").and_then(Value::as_u64) != Some(u64::from(VERSION)) {
        return Err(AppError::invalid_file(format!(
            "this server reads export version {VERSION}"
        )));
    }
    let mut report = ImportReport::default();
    let mut restored = Restored::default();

    let db = batches.txn(pending).await?;
    let profile_fields = pick(
        doc.get("profile").unwrap_or(&Value::Null),
        &["name", "headline", "summary", "special", "interests"],
    );
    if !profile_fields.is_empty() {
        match serde_json::from_value::<UpdateProfile>(profile_fields.into()) {
            Ok(patch) => {
                profile::update(db, owner, patch, |_| Ok(()))
                    .await
                    .map_err(|e| report.error(ImportError::at_path("profile".into(), describe(e))))
                    .ok();
            }
            Err(e) => report.error(ImportError::at_path("profile".into(), e.to_string())),
        }
    }

    // Contacts match those that existed before, not each other, and each
    // existing one at most once: two people of the same name stay two.
    let mut matcher = Matcher::load(db, owner, true).await?;
    let mut contacts: HashMap<Uuid, Uuid> = HashMap::new();
    for (i, c) in list(&doc, "contacts").iter().enumerate() {
        let path = format!("contacts[{i}]");
        let db = batches.txn(pending).await?;
        let input = serde_json::from_value::<CreateContact>(pick(c, &CSV_COLUMNS).into())
            .map_err(|e| e.to_string());
        let outcome = match input {
            Err(message) => Err(message),
            Ok(input) => match write::prepare(owner, input) {
                Ok(incoming) => upsert_contact(db, owner, &mut matcher, pending, incoming, false)
                    .await
                    .map_err(describe),
                Err(e) => Err(describe(e)),
            },
        };
        match outcome {
            Ok(outcome) => {
                outcome.count(&mut report);
                if let Some(old) = old_id(c, "id") {
                    contacts.insert(old, outcome.id());
                }
            }
            Err(message) => report.error(ImportError::at_path(path, message)),
        }
    }

    // What follows refers to the contacts.
    let db = batches.txn(pending).await?;
    pending.flush(db, owner).await?;

    let mut goals_map: HashMap<Uuid, Uuid> = HashMap::new();
    for (i, g) in list(&doc, "goals").iter().enumerate() {
        let path = format!("goals[{i}]");
        let db = batches.txn(pending).await?;
        let mut fields = pick(
            g,
            &[
                "kind",
                "title",
                "description",
                "topics",
                "horizon",
                "target_on",
                "status",
                "priority",
            ],
        );
        let holder = match old_id(g, "contact_id") {
            None => None,
            Some(old) => match contacts.get(&old) {
                Some(new) => Some(*new),
                None => {
                    report.error(ImportError::at_path(
                        path,
                        "contact_id names a contact that is not in the document".into(),
                    ));
                    continue;
                }
            },
        };
        if let Some(holder) = holder {
            fields.insert("contact_id".into(), holder.to_string().into());
        }
        let input = match serde_json::from_value::<CreateGoal>(fields.into()) {
            Ok(input) => input,
            Err(e) => {
                report.error(ImportError::at_path(path, e.to_string()));
                continue;
            }
        };
        let existing = owner
            .find::<goal::Entity>()
            .filter(match holder {
                Some(h) => goal::Column::ContactId.eq(h),
                None => goal::Column::ContactId.is_null(),
            })
            .filter(goal::Column::Title.eq(input.title.trim()))
            .filter(goal::Column::Kind.eq(input.kind.as_str()))
            .one(db)
            .await?;
        let new_id = match existing {
            Some(found) => found.id,
            None => match goals::write::create(db, owner, input).await {
                Ok(created) => {
                    restored.goals += 1;
                    created.id
                }
                Err(e) => {
                    report.error(ImportError::at_path(path, describe(e)));
                    continue;
                }
            },
        };
        if let Some(old) = old_id(g, "id") {
            goals_map.insert(old, new_id);
        }
    }

    for (i, it) in list(&doc, "interactions").iter().enumerate() {
        let path = format!("interactions[{i}]");
        let db = batches.txn(pending).await?;
        let mut fields = pick(
            it,
            &[
                "occurred_at",
                "kind",
                "channel",
                "summary",
                "notes",
                "initiated_by",
                "gave",
                "received",
                "follow_up",
            ],
        );
        let (people, goal_ids) = match (
            mapped(&contacts, it, "contact_ids"),
            mapped(&goals_map, it, "goal_ids"),
        ) {
            (Ok(people), Ok(goal_ids)) => (people, goal_ids),
            (Err(message), _) | (_, Err(message)) => {
                report.error(ImportError::at_path(path, message));
                continue;
            }
        };
        fields.insert("contact_ids".into(), people.clone().into());
        fields.insert("goal_ids".into(), goal_ids.into());
        let input = match serde_json::from_value::<CreateInteraction>(fields.into()) {
            Ok(input) => input,
            Err(e) => {
                report.error(ImportError::at_path(path, e.to_string()));
                continue;
            }
        };
        if already_recorded(db, owner, &input, &people).await? {
            continue;
        }
        match interactions::write::create(db, owner, input).await {
            Ok(_) => restored.interactions += 1,
            Err(e) => report.error(ImportError::at_path(path, describe(e))),
        }
    }

    for (i, e) in list(&doc, "events").iter().enumerate() {
        let path = format!("events[{i}]");
        let db = batches.txn(pending).await?;
        match restore_event(db, owner, e, &contacts, &goals_map).await? {
            Ok(true) => restored.events += 1,
            Ok(false) => {}
            Err(message) => report.error(ImportError::at_path(path, message)),
        }
    }

    for (i, x) in list(&doc, "intersections").iter().enumerate() {
        let path = format!("intersections[{i}]");
        let db = batches.txn(pending).await?;
        match restore_decision(db, owner, x, &contacts, &goals_map).await {
            Ok(true) => restored.intersections += 1,
            Ok(false) => {}
            Err(message) => report.error(ImportError::at_path(path, message)),
        }
    }
    for (i, x) in list(&doc, "introductions").iter().enumerate() {
        let path = format!("introductions[{i}]");
        let db = batches.txn(pending).await?;
        match restore_introduction(db, owner, x, &contacts).await {
            Ok(true) => restored.introductions += 1,
            Ok(false) => {}
            Err(message) => report.error(ImportError::at_path(path, message)),
        }
    }
    for (i, entry) in list(&doc, "vocabulary").iter().enumerate() {
        let path = format!("vocabulary[{i}]");
        let db = batches.txn(pending).await?;
        let fields = pick(entry, &["extends", "label", "phrases", "complements"]);
        let input = match serde_json::from_value::<CreateOwnConcept>(fields.into()) {
            Ok(input) => input,
            Err(e) => {
                report.error(ImportError::at_path(path, e.to_string()));
                continue;
            }
        };
        match vocabulary::create(db, owner, input).await {
            Ok(_) => restored.vocabulary += 1,
            // The same concept is in the account already.
            Err(AppError::Conflict {
                code: "concept_exists",
                ..
            }) => {}
            Err(e) => report.error(ImportError::at_path(path, describe(e))),
        }
    }
    let db = batches.txn(pending).await?;
    recount(db, owner, &[]).await?;
    network_changed(db, owner).await?;
    report.restored = Some(restored);
    Ok(report)
}

/// Restores one decision about an introduction: `Ok(false)` when one is
/// recorded for that pair already.
/// One event of the document, its attendees and goals on the new ids;
/// `Ok(false)` when the account has it (same name and start).
async fn restore_event(
    db: &impl ConnectionTrait,
    owner: Owner,
    e: &Value,
    contacts: &HashMap<Uuid, Uuid>,
    goals_map: &HashMap<Uuid, Uuid>,
) -> Result<Result<bool, String>, AppError> {
    let mut fields = pick(
        e,
        &[
            "name",
            "starts_at",
            "ends_at",
            "location",
            "url",
            "intent",
            "notes",
        ],
    );
    let goal_ids = match mapped(goals_map, e, "goal_ids") {
        Ok(ids) => ids,
        Err(message) => return Ok(Err(message)),
    };
    let mut attendees = Vec::new();
    for (i, a) in list(e, "attendees").iter().enumerate() {
        match old_id(a, "contact_id").and_then(|old| contacts.get(&old)) {
            Some(new) => attendees.push(serde_json::json!({
                "contact_id": new, "status": a.get("status").cloned().unwrap_or(Value::Null)
            })),
            None => return Ok(Err(format!("attendees[{i}] names nothing in the document"))),
        }
    }
    fields.insert("goal_ids".into(), goal_ids.into());
    fields.insert("attendees".into(), attendees.into());
    let input = match serde_json::from_value::<CreateEvent>(fields.into()) {
        Ok(input) => input,
        Err(err) => return Ok(Err(err.to_string())),
    };
    let exists = owner
        .find::<event::Entity>()
        .filter(event::Column::Name.eq(input.name.trim()))
        .filter(event::Column::StartsAt.eq(input.starts_at))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(Ok(false));
    }
    Ok(events::write::create(db, owner, input)
        .await
        .map(|_| true)
        .map_err(describe))
}

async fn restore_introduction(
    db: &impl ConnectionTrait,
    owner: Owner,
    x: &Value,
    contacts: &HashMap<Uuid, Uuid>,
) -> Result<bool, String> {
    let ids = mapped(contacts, x, "contact_ids")?;
    let [a, b] = ids.as_slice() else {
        return Err("contact_ids must name two contacts".into());
    };
    let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<Uuid>().ok());
    let (Some(a), Some(b)) = (parse(a), parse(b)) else {
        return Err("contact_ids must name two contacts".into());
    };
    if a == b {
        return Err("contact_ids must name two different contacts".into());
    }
    let status = match x
        .get("status")
        .and_then(Value::as_str)
        .and_then(IntersectionStatus::parse)
    {
        Some(status) => status,
        None => return Err("status must be suggested, confirmed or dismissed".into()),
    };
    let note = x.get("note").and_then(Value::as_str).map(str::to_owned);
    introductions::record(db, owner, (a, b), status, note)
        .await
        .map_err(describe)
}

/// Whether the same interaction (time, kind, first participant) is stored.
async fn already_recorded(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: &CreateInteraction,
    people: &[Value],
) -> Result<bool, AppError> {
    let (Some(at), Some(first)) = (
        input.occurred_at,
        people
            .first()
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok()),
    ) else {
        return Ok(false);
    };
    let with_first = Query::select()
        .column(interaction_contact::Column::InteractionId)
        .from(interaction_contact::Entity)
        .and_where(Expr::col(interaction_contact::Column::ContactId).eq(first))
        .to_owned();
    Ok(owner
        .find::<interaction::Entity>()
        .filter(interaction::Column::OccurredAt.eq(at))
        .filter(interaction::Column::Kind.eq(input.kind.as_str()))
        .filter(interaction::Column::Id.in_subquery(with_first))
        .one(db)
        .await?
        .is_some())
}

/// Reasons as the export writes them: a short list of small objects of
/// text and numbers, with no NUL (which PostgreSQL's JSON refuses). The
/// engine writes them again at its next recomputation.
fn plausible_reasons(reasons: &Value) -> bool {
    const MAX_REASONS: usize = 20;
    const MAX_BYTES: usize = 4096;
    let Some(items) = reasons.as_array() else {
        return false;
    };
    let text = reasons.to_string();
    items.len() <= MAX_REASONS
        && text.len() <= MAX_BYTES
        && !text.contains("\\u0000")
        && items.iter().all(Value::is_object)
}

/// Restores one decided or recorded intersection; `false` when the account
/// already had it decided.
async fn restore_decision(
    db: &impl ConnectionTrait,
    owner: Owner,
    x: &Value,
    contacts: &HashMap<Uuid, Uuid>,
    goals: &HashMap<Uuid, Uuid>,
) -> Result<bool, String> {
    let text = |f: &str| {
        x.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let kind = IntersectionKind::parse(&text("kind")).ok_or("unknown kind")?;
    let status = IntersectionStatus::parse(&text("status")).ok_or("unknown status")?;
    let origin = IntersectionOrigin::parse(&text("origin")).ok_or("unknown origin")?;
    let contact = old_id(x, "contact_id")
        .and_then(|old| contacts.get(&old).copied())
        .ok_or("contact_id names a contact that is not in the document")?;
    let goal = |field: &str| -> Result<Option<Uuid>, String> {
        match old_id(x, field) {
            None => Ok(None),
            Some(old) => goals
                .get(&old)
                .copied()
                .map(Some)
                .ok_or_else(|| format!("{field} names a goal that is not in the document")),
        }
    };
    let (mine, theirs) = (goal("my_goal_id")?, goal("their_goal_id")?);
    let engine_kind = crate::domain::intersections::engine_kind(kind);
    // Computed ones take the id the engine will give them in this account.
    let id = match (origin, mine, theirs) {
        (IntersectionOrigin::Computed, Some(m), Some(t)) => {
            engine::intersection_id(engine_kind, m, t)
        }
        (IntersectionOrigin::Computed, _, _) => {
            engine::intersection_id(engine_kind, owner.id(), contact)
        }
        (IntersectionOrigin::Recorded, ..) => Uuid::now_v7(),
    };
    // The same rules as `POST /intersections` and `PATCH`: a document is
    // input like any other, and one written on SQLite must restore on
    // PostgreSQL.
    let mut v = Validator::new();
    let note = v.optional_text(
        "note",
        x.get("note").and_then(Value::as_str),
        crate::domain::intersections::NOTE,
    );
    let score = match x.get("score") {
        None | Some(Value::Null) => 1.0,
        Some(score) => match score.as_f64().filter(|s| (0.0..=1.0).contains(s)) {
            Some(score) => score,
            None => {
                v.error("score", "must be a number from 0 to 1");
                1.0
            }
        },
    };
    let reasons = match x.get("reasons") {
        None | Some(Value::Null) => Value::Array(vec![]),
        Some(reasons) if plausible_reasons(reasons) => reasons.clone(),
        Some(_) => {
            v.error(
                "reasons",
                "must be a list of at most 20 reasons as the export writes them",
            );
            Value::Array(vec![])
        }
    };
    v.finish().map_err(describe)?;
    let same = match origin {
        IntersectionOrigin::Computed => intersection::Column::Id.eq(id),
        // A recorded one has no derived id: the same contact, kind and note
        // make it the same.
        IntersectionOrigin::Recorded => intersection::Column::ContactId
            .eq(contact)
            .and(intersection::Column::Origin.eq(origin.as_str()))
            .and(intersection::Column::Kind.eq(kind.as_str()))
            .and(match &note {
                Some(note) => intersection::Column::Note.eq(note.as_str()),
                None => intersection::Column::Note.is_null(),
            }),
    };
    let existing = owner
        .find::<intersection::Entity>()
        .filter(same)
        .one(db)
        .await
        .map_err(|e| e.to_string())?;
    let now = Utc::now();
    let result = match existing {
        Some(row) if row.status != IntersectionStatus::Suggested.as_str() => return Ok(false),
        Some(row) => {
            let mut active = row.into_active_model();
            active.status = Set(status.as_str().into());
            active.note = Set(note);
            active.updated_at = Set(now);
            active.update(db).await.map(|_| ())
        }
        None => {
            let time = |f: &str| {
                x.get(f)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<DateTime<Utc>>().ok())
                    .unwrap_or(now)
            };
            intersection::ActiveModel {
                id: Set(id),
                owner_id: Set(owner.id()),
                contact_id: Set(contact),
                kind: Set(kind.as_str().into()),
                my_goal_id: Set(mine),
                their_goal_id: Set(theirs),
                score: Set(score),
                reasons: Set(reasons),
                status: Set(status.as_str().into()),
                note: Set(note),
                origin: Set(origin.as_str().into()),
                created_at: Set(time("created_at")),
                updated_at: Set(time("updated_at")),
            }
            .insert(db)
            .await
            .map(|_| ())
        }
    };
    result.map_err(|e| e.to_string())?;
    Ok(true)
}
