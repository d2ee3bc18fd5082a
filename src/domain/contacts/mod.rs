//! Contacts: the relationship record. The fields follow the seeds: *why* this
//! person, what I *can give* and *can get*, the *next step*; how they spend
//! time, relax and grow; a one-sentence `headline`; and a keep-in-touch
//! cadence. Counters and due dates are derived from interactions
//! ([`derived`]) and never written by clients.

pub mod derived;
pub mod list;
pub mod merge;
pub mod reciprocity;
pub mod reconnect;
pub mod sweep;
pub mod timeline;
pub mod write;

use chrono::{DateTime, NaiveDate, Utc};
use entity::contact;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Fresh;
use crate::domain::enums::{Source, Stage};
use crate::domain::intersections::refresh::stale_version;
use crate::domain::patch::Patch;
use crate::domain::tenancy::{OwnedById, Owner};
use crate::error::AppError;

/// Whether a contact rests, as a condition on the `contacts` table: archived,
/// or `not_now` until its `revisit_on` comes (with no `revisit_on`, until the
/// stage or the date changes). Resting contacts drop out of suggestions:
/// intersections, introductions, people for a goal, reconnect.
pub(crate) fn resting(today: NaiveDate) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let column = |c: contact::Column| Expr::col((contact::Entity, c));
    let stage = || column(contact::Column::Stage);
    let not_yet = column(contact::Column::RevisitOn)
        .is_null()
        .or(column(contact::Column::RevisitOn).gt(today));
    // The IN comes first and alone, so that the (owner, stage) index finds
    // the few candidates instead of every contact being read.
    stage()
        .is_in([Stage::Archived.as_str(), Stage::NotNow.as_str()])
        .and(stage().eq(Stage::Archived.as_str()).or(not_yet))
}

/// Whether the owner has any resting contact: one indexed probe.
pub(crate) async fn any_resting(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
) -> Result<bool, AppError> {
    use sea_orm::{QueryFilter, QuerySelect};
    let first: Option<Uuid> = owner
        .find::<contact::Entity>()
        .select_only()
        .column(contact::Column::Id)
        .filter(resting(Utc::now().date_naive()))
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.is_some())
}

/// Whether a contact is archived, as a condition on the `contacts` table.
pub(crate) fn archived() -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col((contact::Entity, contact::Column::Stage)).eq(Stage::Archived.as_str())
}

/// The owner's resting contacts (see [`resting`]), and which of them are
/// archived, in one query.
pub(crate) struct Resting {
    pub ids: std::collections::HashSet<Uuid>,
    pub archived: std::collections::HashSet<Uuid>,
}

pub(crate) async fn resting_contacts(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
) -> Result<Resting, AppError> {
    use sea_orm::{QueryFilter, QuerySelect};
    let rows: Vec<(Uuid, String)> = owner
        .find::<contact::Entity>()
        .select_only()
        .columns([contact::Column::Id, contact::Column::Stage])
        .filter(resting(Utc::now().date_naive()))
        .into_tuple()
        .all(db)
        .await?;
    let archived = rows
        .iter()
        .filter(|(_, stage)| stage == Stage::Archived.as_str())
        .map(|(id, _)| *id)
        .collect();
    Ok(Resting {
        ids: rows.into_iter().map(|(id, _)| id).collect(),
        archived,
    })
}

/// One contact, or a 404.
pub async fn get(
    db: &impl sea_orm::ConnectionTrait,
    fresh: Fresh,
    id: Uuid,
) -> Result<Contact, AppError> {
    load(db, fresh.owner(), id).await
}

/// One contact as it is stored, its `intersection_count` possibly behind a
/// pending recomputation: for writes that answer with the contact.
pub(crate) async fn load(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<Contact, AppError> {
    owner
        .get::<contact::Entity>(db, id)
        .await
        .map(Contact::from)
}

/// One contact, or a 404, in the same statement as the owner's intersection
/// versions: `None` when the stored intersections are stale (its
/// `intersection_count` may be too), and the caller refreshes and reads again.
/// The common case, nothing changed, is then one statement instead of two.
pub async fn get_if_fresh(
    db: &impl sea_orm::ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<Option<Contact>, AppError> {
    use sea_orm::{
        ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
        sea_query::Expr,
    };

    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        contact: contact::Model,
        network_version: i64,
        intersections_version: i64,
        intersections_engine: i64,
    }

    let row = owner
        .find::<contact::Entity>()
        .filter(contact::Column::Id.eq(id))
        .join(
            JoinType::InnerJoin,
            contact::Entity::belongs_to(entity::user::Entity)
                .from(contact::Column::OwnerId)
                .to(entity::user::Column::Id)
                .into(),
        )
        .column_as(
            Expr::col((entity::user::Entity, entity::user::Column::NetworkVersion)),
            "network_version",
        )
        .column_as(
            Expr::col((
                entity::user::Entity,
                entity::user::Column::IntersectionsVersion,
            )),
            "intersections_version",
        )
        .column_as(
            Expr::col((
                entity::user::Entity,
                entity::user::Column::IntersectionsEngine,
            )),
            "intersections_engine",
        )
        .into_model::<Row>()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(<contact::Entity as OwnedById>::NAME))?;
    let versions = (
        row.network_version,
        row.intersections_version,
        row.intersections_engine,
    );
    Ok(stale_version(versions)
        .is_none()
        .then(|| Contact::from(row.contact)))
}

/// A contact as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f60")]
    pub id: Uuid,
    #[schema(example = "Grace Hopper")]
    pub full_name: String,
    /// Where you place them, in one sentence.
    #[schema(example = "the compiler person")]
    pub headline: Option<String>,
    #[schema(example = "Remington Rand")]
    pub company: Option<String>,
    #[schema(example = "Senior mathematician")]
    pub role: Option<String>,
    #[schema(example = "Philadelphia")]
    pub location: Option<String>,
    #[schema(example = json!(["grace@example.com"]))]
    pub emails: Vec<String>,
    #[schema(example = json!(["+1 555 0100"]))]
    pub phones: Vec<String>,
    /// LinkedIn, personal sites.
    #[schema(example = json!(["https://www.linkedin.com/in/grace-hopper"]))]
    pub links: Vec<String>,
    pub source: Option<Source>,
    #[schema(example = "2026-09-12")]
    pub met_on: Option<NaiveDate>,
    #[schema(example = "RustConf 2026")]
    pub met_via: Option<String>,
    /// Lowercase tags.
    #[schema(example = json!(["compilers", "teaching"]))]
    pub interests: Vec<String>,
    /// Why this relationship matters.
    #[schema(example = "Knows everyone in developer tools; a mentor for the team")]
    pub why: Option<String>,
    /// What I can give them.
    #[schema(example = "Intros to our grocery pilots")]
    pub can_give: Option<String>,
    /// What I can get from them.
    #[schema(example = "Advice on hiring compiler engineers")]
    pub can_get: Option<String>,
    #[schema(example = "Send her the benchmark write-up")]
    pub next_step: Option<String>,
    #[schema(example = "2026-12-04")]
    pub next_step_due: Option<NaiveDate>,
    /// How they spend their time.
    #[schema(example = "Standards committees")]
    pub spends_time_on: Option<String>,
    /// How they relax.
    #[schema(example = "Sailing")]
    pub relaxes_by: Option<String>,
    /// What they are growing in.
    #[schema(example = "Public speaking")]
    pub growing_in: Option<String>,
    pub stage: Stage,
    /// For `not_now` contacts: when to reconsider.
    pub revisit_on: Option<NaiveDate>,
    /// Desired days between interactions.
    #[schema(example = 60)]
    pub keep_in_touch_days: Option<i32>,
    #[schema(example = "Prefers phone calls")]
    pub notes: Option<String>,
    /// Read-only: the latest past interaction's `occurred_at`; planned
    /// (future) interactions do not count until their time comes.
    #[schema(example = "2026-11-20T16:00:00Z")]
    pub last_interaction_at: Option<DateTime<Utc>>,
    /// Read-only: past interactions with this contact (planned ones do not
    /// count).
    #[schema(example = 4)]
    pub interaction_count: i32,
    /// Read-only: past interactions in which you gave something.
    #[schema(example = 2)]
    pub gave_count: i32,
    /// Read-only: past interactions in which you received something.
    #[schema(example = 1)]
    pub received_count: i32,
    /// Read-only: what `gave_count` and `received_count` mean, and the last
    /// of each.
    pub reciprocity: reciprocity::ContactReciprocity,
    /// Read-only: when to get in touch next, from `keep_in_touch_days` and the
    /// last interaction (or `met_on`, or when the contact was added).
    #[schema(example = "2027-01-19")]
    pub next_touch_due: Option<NaiveDate>,
    /// Read-only: intersections with you that are suggested or confirmed.
    #[schema(example = 2)]
    pub intersection_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In lists searched with `q`: why this contact was found (one of its
    /// own fields, an interaction it took part in, or one of its goals and
    /// offers), with a snippet; null elsewhere.
    pub matched: Option<crate::domain::search::ContactMatch>,
}

impl From<contact::Model> for Contact {
    fn from(c: contact::Model) -> Self {
        let reciprocity = reciprocity::ContactReciprocity::of(&c);
        Self {
            id: c.id,
            full_name: c.full_name,
            headline: c.headline,
            company: c.company,
            role: c.role,
            location: c.location,
            emails: c.emails.0,
            phones: c.phones.0,
            links: c.links.0,
            source: c.source.as_deref().and_then(Source::parse),
            met_on: c.met_on,
            met_via: c.met_via,
            interests: c.interests.0,
            why: c.why,
            can_give: c.can_give,
            can_get: c.can_get,
            next_step: c.next_step,
            next_step_due: c.next_step_due,
            spends_time_on: c.spends_time_on,
            relaxes_by: c.relaxes_by,
            growing_in: c.growing_in,
            stage: Stage::parse(&c.stage).unwrap_or(Stage::Connected),
            revisit_on: c.revisit_on,
            keep_in_touch_days: c.keep_in_touch_days,
            notes: c.notes,
            reciprocity,
            last_interaction_at: c.last_interaction_at,
            interaction_count: c.interaction_count,
            gave_count: c.gave_count,
            received_count: c.received_count,
            next_touch_due: c.next_touch_due,
            intersection_count: c.intersection_count,
            created_at: c.created_at,
            updated_at: c.updated_at,
            matched: None,
        }
    }
}

/// A new contact. Only `full_name` is required.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "full_name": "Grace Hopper",
    "headline": "the compiler person",
    "company": "Remington Rand",
    "emails": ["grace@example.com"],
    "source": "event",
    "met_on": "2026-10-02",
    "interests": ["compilers", "sailing"],
    "why": "Knows everyone in developer tooling",
    "can_give": "Feedback on her podcast's marketing",
    "can_get": "An intro to the COBOL committee",
    "next_step": "Send the article on small-business podcasts",
    "next_step_due": "2026-11-28",
    "keep_in_touch_days": 30
}))]
pub struct CreateContact {
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    #[schema(max_length = 200)]
    pub headline: Option<String>,
    #[schema(max_length = 200)]
    pub company: Option<String>,
    #[schema(max_length = 200)]
    pub role: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// Email addresses (stored lowercased), at most 20.
    #[schema(max_items = 20)]
    pub emails: Option<Vec<String>>,
    /// Phone numbers, at most 20.
    #[schema(max_items = 20)]
    pub phones: Option<Vec<String>>,
    /// `http(s)` URLs, at most 20.
    #[schema(max_items = 20)]
    pub links: Option<Vec<String>>,
    pub source: Option<Source>,
    pub met_on: Option<NaiveDate>,
    #[schema(max_length = 200)]
    pub met_via: Option<String>,
    /// Tags: trimmed, lowercased, de-duplicated; at most 50 of 50 characters.
    #[schema(max_items = 50)]
    pub interests: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    pub why: Option<String>,
    #[schema(max_length = 1000)]
    pub can_give: Option<String>,
    #[schema(max_length = 1000)]
    pub can_get: Option<String>,
    #[schema(max_length = 1000)]
    pub next_step: Option<String>,
    pub next_step_due: Option<NaiveDate>,
    #[schema(max_length = 1000)]
    pub spends_time_on: Option<String>,
    #[schema(max_length = 1000)]
    pub relaxes_by: Option<String>,
    #[schema(max_length = 1000)]
    pub growing_in: Option<String>,
    /// Defaults to `connected`.
    pub stage: Option<Stage>,
    pub revisit_on: Option<NaiveDate>,
    /// 1 to 3650.
    #[serde(default, deserialize_with = "crate::domain::validate::whole")]
    #[schema(minimum = 1, maximum = 3650)]
    pub keep_in_touch_days: Option<i32>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// Changes to a contact, as JSON Merge Patch: an absent field is kept, `null`
/// clears it (`full_name` and `stage` cannot be cleared). Lists are replaced
/// whole. Read-only fields are refused with a 422.
#[derive(Debug, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stage": "not_now", "revisit_on": "2027-03-01", "next_step": null}))]
pub struct UpdateContact {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub full_name: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub headline: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub company: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub role: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub emails: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub phones: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub links: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Source>)]
    pub source: Patch<Source>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub met_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub met_via: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 50)]
    pub interests: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub why: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub can_give: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub can_get: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub next_step: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub next_step_due: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub spends_time_on: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub relaxes_by: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub growing_in: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Stage)]
    pub stage: Patch<Stage>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub revisit_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::whole_field")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 3650)]
    pub keep_in_touch_days: Patch<i32>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Patch<String>,
}

impl From<CreateContact> for UpdateContact {
    /// A creation is a patch of a blank contact.
    fn from(c: CreateContact) -> Self {
        Self {
            full_name: Some(Some(c.full_name)),
            headline: c.headline.map(Some),
            company: c.company.map(Some),
            role: c.role.map(Some),
            location: c.location.map(Some),
            emails: c.emails.map(Some),
            phones: c.phones.map(Some),
            links: c.links.map(Some),
            source: c.source.map(Some),
            met_on: c.met_on.map(Some),
            met_via: c.met_via.map(Some),
            interests: c.interests.map(Some),
            why: c.why.map(Some),
            can_give: c.can_give.map(Some),
            can_get: c.can_get.map(Some),
            next_step: c.next_step.map(Some),
            next_step_due: c.next_step_due.map(Some),
            spends_time_on: c.spends_time_on.map(Some),
            relaxes_by: c.relaxes_by.map(Some),
            growing_in: c.growing_in.map(Some),
            stage: c.stage.map(Some),
            revisit_on: c.revisit_on.map(Some),
            keep_in_touch_days: c.keep_in_touch_days.map(Some),
            notes: c.notes.map(Some),
        }
    }
}
