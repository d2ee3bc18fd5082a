//! Creating, changing and deleting contacts. A creation is a merge patch of a
//! blank contact, so both go through one [`apply`] and one set of rules.

use chrono::{Duration, NaiveDate, Utc};
use entity::{contact, contact_tag, interaction, interaction_contact};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::derived;
use super::{Contact, CreateContact, UpdateContact};
use crate::domain::enums::Stage;
use crate::domain::intersections::network_changed;
use crate::domain::patch::{Patch, required};
use crate::domain::search;
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox::{self, Deleted};
use crate::error::AppError;

const SHORT: usize = 200;
const LONG: usize = 1000;
const NOTES: usize = 10_000;

/// A contact with nothing filled in yet.
pub(crate) fn blank(owner: Owner) -> contact::Model {
    let now = Utc::now();
    contact::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        full_name: String::new(),
        sort_name: String::new(),
        headline: None,
        company: None,
        role: None,
        location: None,
        emails: Default::default(),
        phones: Default::default(),
        links: Default::default(),
        source: None,
        met_on: None,
        met_via: None,
        interests: Default::default(),
        why: None,
        can_give: None,
        can_get: None,
        next_step: None,
        next_step_due: None,
        spends_time_on: None,
        relaxes_by: None,
        growing_in: None,
        stage: Stage::Connected.as_str().into(),
        revisit_on: None,
        keep_in_touch_days: None,
        notes: None,
        search_text: String::new(),
        last_interaction_at: None,
        interaction_count: 0,
        gave_count: 0,
        received_count: 0,
        next_touch_due: None,
        intersection_count: 0,
        last_gave_at: None,
        last_received_at: None,
        reconnect_rank: 0,
        created_at: now,
        updated_at: now,
    }
}

/// Applies `patch` to `c`, validating every field; then recomputes what is
/// derived from the fields alone.
fn apply(c: &mut contact::Model, patch: UpdateContact) -> Result<(), AppError> {
    let mut v = Validator::new();
    // What the patch says of the two dates with a rule (see [`dates_follow`]),
    // before its fields are moved into the contact.
    let asked = Asked {
        step_due: matches!(patch.next_step_due, Some(Some(_))),
        revisit: patch.revisit_on,
        was_not_now: c.stage == Stage::NotNow.as_str(),
    };
    macro_rules! text {
        ($field:ident, $max:expr) => {
            if let Some(value) = patch.$field {
                c.$field = v.optional_text(stringify!($field), value.as_deref(), $max);
            }
        };
    }
    macro_rules! date {
        ($field:ident) => {
            if let Some(value) = patch.$field {
                c.$field = value;
            }
        };
    }
    if let Some(name) = required(&mut v, "full_name", patch.full_name) {
        c.full_name = v.text("full_name", &name, SHORT);
    }
    text!(headline, SHORT);
    text!(company, SHORT);
    text!(role, SHORT);
    text!(location, SHORT);
    if let Some(emails) = patch.emails {
        c.emails = entity::Tags(v.emails("emails", &emails.unwrap_or_default()));
    }
    if let Some(phones) = patch.phones {
        c.phones = entity::Tags(v.phones("phones", &phones.unwrap_or_default()));
    }
    if let Some(links) = patch.links {
        c.links = entity::Tags(v.links("links", &links.unwrap_or_default()));
    }
    if let Some(source) = patch.source {
        c.source = source.map(|s| s.as_str().to_string());
    }
    date!(met_on);
    text!(met_via, SHORT);
    if let Some(interests) = patch.interests {
        c.interests = entity::Tags(v.tags("interests", &interests.unwrap_or_default()));
    }
    text!(why, LONG);
    text!(can_give, LONG);
    text!(can_get, LONG);
    text!(next_step, LONG);
    date!(next_step_due);
    text!(spends_time_on, LONG);
    text!(relaxes_by, LONG);
    text!(growing_in, LONG);
    if let Some(stage) = required(&mut v, "stage", patch.stage) {
        c.stage = stage.as_str().into();
    }
    date!(revisit_on);
    if let Some(days) = patch.keep_in_touch_days {
        if let Some(days) = days {
            v.range("keep_in_touch_days", days.into(), 1, 3650);
        }
        c.keep_in_touch_days = days;
    }
    text!(notes, NOTES);
    dates_follow(c, &asked, &mut v, Utc::now().date_naive());
    v.finish()?;

    c.sort_name = c.full_name.to_lowercase();
    c.search_text = search_text(c);
    c.next_touch_due = derived::next_touch_due(c);
    c.reconnect_rank = super::reconnect::rank(c);
    Ok(())
}

/// A `not_now` contact given no revisit date comes back after this many days.
pub const DEFAULT_REVISIT_DAYS: i64 = 90;

/// What a patch asked of `next_step_due` and `revisit_on`.
struct Asked {
    /// A due date was given (not cleared).
    step_due: bool,
    revisit: Patch<NaiveDate>,
    was_not_now: bool,
}

/// The rules of the dates that belong to something else:
///
/// - `next_step_due` is the due date *of* `next_step`: clearing the step
///   clears it, and a due date given without a step is a 422 (the agenda
///   would otherwise show a due item that says nothing).
/// - `revisit_on` is when a `not_now` contact comes back: a `not_now`
///   contact always has one (given, or [`DEFAULT_REVISIT_DAYS`] from today;
///   clearing it is a 422: `archived` is the stage for never), and leaving
///   `not_now` clears it unless the same patch gives a new one.
fn dates_follow(c: &mut contact::Model, asked: &Asked, v: &mut Validator, today: NaiveDate) {
    if c.next_step.is_none() && c.next_step_due.is_some() {
        if asked.step_due {
            v.error("next_step_due", "a due date needs a next_step");
        } else {
            c.next_step_due = None;
        }
    }
    let not_now = c.stage == Stage::NotNow.as_str();
    if asked.was_not_now && !not_now && asked.revisit.is_none() {
        c.revisit_on = None;
    }
    if not_now && c.revisit_on.is_none() {
        if matches!(asked.revisit, Some(None)) {
            v.error(
                "revisit_on",
                "a not_now contact needs a revisit date; archive them to put them away for good",
            );
        } else {
            c.revisit_on = today.checked_add_signed(Duration::days(DEFAULT_REVISIT_DAYS));
        }
    }
}

/// What `q` searches: name, headline, company, notes and tags, lowercased.
fn search_text(c: &contact::Model) -> String {
    [
        Some(c.full_name.as_str()),
        c.headline.as_deref(),
        c.company.as_deref(),
        c.notes.as_deref(),
    ]
    .into_iter()
    .flatten()
    .chain(c.interests.0.iter().map(String::as_str))
    .collect::<Vec<_>>()
    .join("\n")
    .to_lowercase()
}

/// Keeps `contact_tags` equal to the contact's interests.
async fn sync_tags(
    db: &impl ConnectionTrait,
    owner: Owner,
    c: &contact::Model,
) -> Result<(), AppError> {
    let rows = c.interests.0.iter().map(|tag| contact_tag::ActiveModel {
        contact_id: Set(c.id),
        tag: Set(tag.clone()),
        owner_id: Set(owner.id()),
    });
    owner
        .replace_children(db, contact_tag::Column::ContactId, c.id, rows.collect())
        .await
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateContact,
) -> Result<Contact, AppError> {
    let row = insert(db, owner, prepare(owner, input)?).await?;
    tracing::info!(contact_id = %row.id, "contact created");
    let contact: Contact = row.into();
    outbox::emit(db, owner, EventType::ContactCreated, &contact).await?;
    Ok(contact)
}

/// A new contact from `input`, validated, not stored yet.
pub(crate) fn prepare(owner: Owner, input: CreateContact) -> Result<contact::Model, AppError> {
    let mut c = blank(owner);
    apply(&mut c, input.into())?;
    Ok(c)
}

/// Stores a [`prepare`]d contact.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    owner: Owner,
    c: contact::Model,
) -> Result<contact::Model, AppError> {
    let row = c.into_active_model().reset_all().insert(db).await?;
    sync_tags(db, owner, &row).await?;
    search::index::put_contacts(db, owner, std::slice::from_ref(&row)).await?;
    if !row.interests.0.is_empty() {
        network_changed(db, owner).await?;
    }
    Ok(row)
}

/// New contacts per `INSERT` when written together: well under SQLite's
/// limit of bound values with every column.
const ROWS_PER_INSERT: usize = 100;

/// Stores many new contacts ([`prepare`]d) with their tags, a hundred per
/// statement: an import's way, where one at a time cost three statements
/// each.
pub(crate) async fn insert_many(
    db: &impl ConnectionTrait,
    owner: Owner,
    rows: Vec<contact::Model>,
) -> Result<(), AppError> {
    let tags: Vec<contact_tag::ActiveModel> = rows
        .iter()
        .flat_map(|c| {
            c.interests.0.iter().map(|tag| contact_tag::ActiveModel {
                contact_id: Set(c.id),
                tag: Set(tag.clone()),
                owner_id: Set(owner.id()),
            })
        })
        .collect();
    let documents = search::index::new_contact_documents(owner, &rows);
    outbox::emit_each(
        db,
        owner,
        EventType::ContactCreated,
        rows.iter().map(|row| Contact::from(row.clone())),
    )
    .await?;
    let has_tags = !tags.is_empty();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk = rows
            .by_ref()
            .take(ROWS_PER_INSERT)
            .map(|c| c.into_active_model().reset_all());
        contact::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    let mut tags = tags.into_iter().peekable();
    while tags.peek().is_some() {
        let chunk: Vec<_> = tags.by_ref().take(ROWS_PER_INSERT * 4).collect();
        contact_tag::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    search::index::add(db, documents).await?;
    if has_tags {
        network_changed(db, owner).await?;
    }
    Ok(())
}

/// Applies `patch` after `precondition` accepts the stored contact.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), contact_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateContact,
    precondition: impl FnOnce(&Contact) -> Result<(), AppError>,
) -> Result<Contact, AppError> {
    let current = owner.get_for_update::<contact::Entity>(db, id).await?;
    precondition(&current.clone().into())?;
    let mut next = current.clone();
    apply(&mut next, patch)?;
    if next == current {
        return Ok(current.into());
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    if row.interests != current.interests {
        sync_tags(db, owner, &row).await?;
        network_changed(db, owner).await?;
    }
    search::index::put_contacts(db, owner, std::slice::from_ref(&row)).await?;
    let contact: Contact = row.into();
    outbox::emit(db, owner, EventType::ContactUpdated, &contact).await?;
    Ok(contact)
}

/// Deletes a contact. Interactions it shared with others lose it; those left
/// with nobody are deleted with it.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), contact_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&Contact) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = owner.get_for_update::<contact::Entity>(db, id).await?;
    precondition(&current.into())?;
    let touched: Vec<Uuid> = owner
        .find::<interaction_contact::Entity>()
        .select_only()
        .column(interaction_contact::Column::InteractionId)
        .filter(interaction_contact::Column::ContactId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    // Participants and tags go with the contact (ON DELETE CASCADE).
    owner
        .delete::<contact::Entity>()
        .filter(contact::Column::Id.eq(id))
        .exec(db)
        .await?;
    if !touched.is_empty() {
        let still_shared: Vec<Uuid> = owner
            .find::<interaction_contact::Entity>()
            .select_only()
            .column(interaction_contact::Column::InteractionId)
            .filter(interaction_contact::Column::InteractionId.is_in(touched.clone()))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        let orphans: Vec<Uuid> = touched
            .into_iter()
            .filter(|i| !still_shared.contains(i))
            .collect();
        if !orphans.is_empty() {
            owner
                .delete::<interaction::Entity>()
                .filter(interaction::Column::Id.is_in(orphans))
                .exec(db)
                .await?;
        }
    }
    // Its goals and intersections went with it; the rest of the network's
    // weights shift.
    network_changed(db, owner).await?;
    tracing::info!("contact deleted");
    outbox::emit(db, owner, EventType::ContactDeleted, &Deleted { id }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner::new(Uuid::now_v7())
    }

    #[test]
    fn a_creation_fills_derived_text_and_defaults() {
        let mut c = blank(owner());
        let input = CreateContact {
            full_name: " Grace Hopper ".into(),
            notes: Some("Met at the Navy".into()),
            interests: Some(vec!["Compilers".into()]),
            ..Default::default()
        };
        apply(&mut c, input.into()).unwrap();
        assert_eq!(c.full_name, "Grace Hopper");
        assert_eq!(c.sort_name, "grace hopper");
        assert_eq!(c.stage, "connected");
        assert!(c.search_text.contains("navy") && c.search_text.contains("compilers"));
    }

    #[test]
    fn null_clears_and_required_fields_refuse_null() {
        let mut c = blank(owner());
        c.full_name = "Ada".into();
        c.why = Some("because".into());
        let patch: UpdateContact =
            serde_json::from_str(r#"{"why": null, "full_name": null, "stage": null}"#).unwrap();
        let err = apply(&mut c, patch).unwrap_err().to_problem();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["full_name", "stage"]);
        let patch: UpdateContact = serde_json::from_str(r#"{"why": null}"#).unwrap();
        apply(&mut c, patch).unwrap();
        assert_eq!(c.why, None);
    }

    fn patched(c: &mut contact::Model, json: &str) -> Result<(), AppError> {
        apply(c, serde_json::from_str(json).unwrap())
    }

    #[test]
    fn a_next_step_due_date_follows_its_step() {
        let mut c = blank(owner());
        c.full_name = "Ada".into();
        patched(
            &mut c,
            r#"{"next_step": "call", "next_step_due": "2026-12-01"}"#,
        )
        .unwrap();
        patched(&mut c, r#"{"next_step": null}"#).unwrap();
        assert_eq!((c.next_step.clone(), c.next_step_due), (None, None));
        let err = patched(&mut c, r#"{"next_step_due": "2026-12-01"}"#)
            .unwrap_err()
            .to_problem();
        assert_eq!(err.errors[0].field, "next_step_due");
        let err = patched(
            &mut c,
            r#"{"next_step": null, "next_step_due": "2026-12-01"}"#,
        );
        assert!(err.is_err(), "clearing the step while giving a date");
    }

    #[test]
    fn a_not_now_contact_gets_a_revisit_date_and_loses_it_when_it_leaves() {
        let today = Utc::now().date_naive();
        let mut c = blank(owner());
        c.full_name = "Ada".into();
        patched(&mut c, r#"{"stage": "not_now"}"#).unwrap();
        assert_eq!(
            c.revisit_on,
            Some(today + Duration::days(DEFAULT_REVISIT_DAYS))
        );
        let err = patched(&mut c, r#"{"revisit_on": null}"#)
            .unwrap_err()
            .to_problem();
        assert_eq!(err.errors[0].field, "revisit_on");
        patched(&mut c, r#"{"stage": "prospect"}"#).unwrap();
        assert_eq!(c.revisit_on, None);
        // A date given with the new stage is kept as given.
        patched(
            &mut c,
            r#"{"stage": "not_now", "revisit_on": "2027-01-01"}"#,
        )
        .unwrap();
        patched(
            &mut c,
            r#"{"stage": "connected", "revisit_on": "2027-02-01"}"#,
        )
        .unwrap();
        assert_eq!(c.revisit_on, NaiveDate::from_ymd_opt(2027, 2, 1));
    }

    #[test]
    fn keep_in_touch_days_is_bounded() {
        let mut c = blank(owner());
        c.full_name = "Ada".into();
        let patch: UpdateContact = serde_json::from_str(r#"{"keep_in_touch_days": 0}"#).unwrap();
        assert!(apply(&mut c, patch).is_err());
    }
}
