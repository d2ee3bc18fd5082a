//! The vocabulary of the intersections engine as the API shows it: the
//! built-in concepts (read-only, `GET /concepts`), and each user's own
//! (`/vocabulary`): words added to a built-in concept, or concepts of their
//! own with their phrases and complements. A user's own vocabulary reads only
//! their network, and every change to it marks that network as changed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::own_concept;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Value,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::intersections::network_changed;
use crate::domain::keyset::{self, Key};
use crate::domain::page::{Page, PageParams, encode_cursor, paginate};
use crate::domain::patch::{Patch, required};
use crate::domain::tenancy::Owner;
use crate::domain::validate::{self, Validator};
use crate::error::AppError;
use crate::intersections::vocabulary::{self as engine_vocabulary, Gate, Vocabulary, phrase_keys};
use crate::intersections::{Lexicon, UserConcept};

const LABEL: usize = 100;
/// Longest phrase, in characters.
pub const PHRASE: usize = 100;
/// Longest concept id (the stored column's width).
pub const CONCEPT_ID: usize = 64;
const MAX_PHRASES: usize = 50;
const MAX_COMPLEMENTS: usize = 20;
/// Enough for any real use; bounds what one account adds to every build.
pub const MAX_OWN_CONCEPTS: u64 = 200;

/// The owner's lexicon: the built-in vocabulary with their own on top.
pub async fn lexicon(db: &impl ConnectionTrait, owner: Owner) -> Result<Arc<Lexicon>, AppError> {
    let rows = owner
        .find::<own_concept::Entity>()
        .order_by_asc(own_concept::Column::CreatedAt)
        .order_by_asc(own_concept::Column::Id)
        .all(db)
        .await?;
    let own: Vec<UserConcept> = rows.iter().map(user_concept).collect();
    Ok(Lexicon::with_user(&own))
}

fn user_concept(row: &own_concept::Model) -> UserConcept {
    UserConcept {
        id: row.concept_id.clone(),
        label: row.label.clone(),
        extends: row.extends.clone(),
        phrases: row.phrases.0.clone(),
        complements: row.complements.0.clone(),
    }
}

/// A concept of the built-in vocabulary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Concept {
    #[schema(example = "fundraising")]
    pub id: String,
    #[schema(example = "fundraising")]
    pub label: String,
    /// How much sharing it means on its own (1 for a specific concept, less
    /// for broad ones), before the network's own rarity of it.
    #[schema(example = 1.0)]
    pub weight: f64,
    /// What else two items must share for this concept to count (it is
    /// *gated*): `topic`, anything else (two people hiring meet only if they
    /// hire in the same field); `place`, a place (two people moving meet
    /// only if they move to the same city). `null`: it counts on its own.
    pub needs: Option<ConceptNeeds>,
    /// The words that say it, ambiguous ones excepted.
    #[schema(example = json!(["fundraising", "seed round", "pre-seed", "raise capital"]))]
    pub phrases: Vec<String>,
    /// Words that say it only in the right company (`with` any of these
    /// nearby, none of `without`).
    pub senses: Vec<Sense>,
    /// Concepts that complete this one: a goal with one meets a goal or an
    /// offer with the other.
    #[schema(example = json!(["investing"]))]
    pub complements: Vec<String>,
    /// More general concepts it also counts for, at half its weight.
    #[schema(example = json!(["money"]))]
    pub broader: Vec<String>,
    /// A craft or profession (what someone does, such as design or
    /// nursing), not a sector (for whom, such as restaurants): work sought
    /// and offered must agree on it.
    #[schema(example = false)]
    pub role: bool,
}

/// What a gated concept needs besides itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConceptNeeds {
    Topic,
    Place,
}

/// An ambiguous word and the company it must keep to mean a concept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sense {
    #[schema(example = json!(["raise", "raising"]))]
    pub words: Vec<String>,
    #[schema(example = json!(["round", "seed", "investors"]))]
    pub with: Vec<String>,
    #[schema(example = json!(["chickens", "kids"]))]
    pub without: Vec<String>,
    /// How many words around it are looked at.
    pub window: u32,
}

/// The built-in vocabulary: its version and a page of its concepts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Concepts {
    /// Goes up with every change to the vocabulary.
    #[schema(example = 1)]
    pub version: u32,
    pub data: Vec<Concept>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(example = "eyJrIjoiZnVuZHJhaXNpbmcifQ")]
    pub next_cursor: Option<String>,
}

/// Parameters of `GET /concepts`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConceptFilters {
    /// Only concepts whose id, label or phrases contain this text.
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// The built-in concepts, by id.
pub fn concepts(filters: ConceptFilters) -> Result<Concepts, AppError> {
    let vocabulary = Vocabulary::builtin();
    let page = PageParams {
        limit: filters.limit,
        cursor: filters.cursor,
    };
    let limit = page.limit()? as usize;
    let after = page.cursor::<String>()?;
    let q = match &filters.q {
        Some(q) => Some(crate::intersections::text::fold(
            validate::query_text("q", q, 100)?.trim(),
        )),
        None => None,
    };
    let mut matching: Vec<&engine_vocabulary::ConceptDef> = vocabulary
        .concepts
        .iter()
        .filter(|c| {
            after
                .as_ref()
                .is_none_or(|after| c.id.as_str() > after.as_str())
        })
        .filter(|c| {
            q.as_deref().is_none_or(|q| {
                c.id.contains(q)
                    || crate::intersections::text::fold(&c.label).contains(q)
                    || c.phrases
                        .iter()
                        .any(|p| crate::intersections::text::fold(p).contains(q))
            })
        })
        .collect();
    matching.sort_by(|a, b| a.id.cmp(&b.id));
    let next_cursor = (matching.len() > limit).then(|| encode_cursor(&matching[limit - 1].id));
    matching.truncate(limit);
    let lexicon = Lexicon::builtin();
    let data = matching
        .into_iter()
        .map(|c| {
            let index = lexicon.find(&c.id);
            let names = |ids: &[u32]| ids.iter().map(|&i| lexicon.concept(i).id.clone()).collect();
            Concept {
                id: c.id.clone(),
                label: c.label.clone(),
                weight: c.weight,
                needs: match c.gated.unwrap_or_default() {
                    Gate::Open => None,
                    Gate::Topic => Some(ConceptNeeds::Topic),
                    Gate::Place => Some(ConceptNeeds::Place),
                },
                phrases: c.phrases.clone(),
                senses: c
                    .senses
                    .iter()
                    .map(|s| Sense {
                        words: s.words.clone(),
                        with: s.with.clone(),
                        without: s.without.clone(),
                        window: s.window.unwrap_or(engine_vocabulary::DEFAULT_WINDOW) as u32,
                    })
                    .collect(),
                complements: index
                    .map_or_else(Vec::new, |i| names(&lexicon.concept(i).complements)),
                broader: index.map_or_else(Vec::new, |i| names(&lexicon.concept(i).broader)),
                role: c.role,
            }
        })
        .collect();
    Ok(Concepts {
        version: vocabulary.version,
        data,
        next_cursor,
    })
}

/// An entry of your own vocabulary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnConcept {
    pub id: Uuid,
    /// The concept this entry defines (yours: derived from its label when
    /// created, never changed) or adds words to (a built-in one, = `extends`).
    #[schema(example = "retail_tech")]
    pub concept_id: String,
    /// The built-in concept these phrases also mean; `null` for a concept of
    /// your own.
    #[schema(example = "fundraising")]
    pub extends: Option<String>,
    #[schema(example = "retail tech")]
    pub label: String,
    #[schema(example = json!(["RetailTech", "grocery technology"]))]
    pub phrases: Vec<String>,
    /// Concepts (built-in or yours) that complete this one. Only for a
    /// concept of your own.
    #[schema(example = json!(["selling"]))]
    pub complements: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<own_concept::Model> for OwnConcept {
    fn from(row: own_concept::Model) -> Self {
        Self {
            id: row.id,
            concept_id: row.concept_id,
            extends: row.extends,
            label: row.label,
            phrases: row.phrases.0,
            complements: row.complements.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new entry: words for a built-in concept (`extends`), or a concept of
/// your own (`label`, `phrases`, `complements`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "label": "retail tech",
    "phrases": ["RetailTech", "grocery technology", "store software"],
    "complements": ["selling"]
}))]
pub struct CreateOwnConcept {
    /// A built-in concept (see `GET /concepts`) these phrases also mean. One
    /// entry per concept: add more phrases to it with `PATCH`.
    #[schema(max_length = 64)]
    pub extends: Option<String>,
    /// Required for a concept of your own (its `concept_id` is made from
    /// it); for an extension, the built-in label is used.
    #[schema(min_length = 1, max_length = 100)]
    pub label: Option<String>,
    /// 1 to 50 phrases, each of at most 100 characters, matched like the
    /// built-in ones (case, accents and plurals do not matter).
    #[schema(min_items = 1, max_items = 50)]
    pub phrases: Vec<String>,
    /// For a concept of your own: up to 20 concepts that complete it.
    #[schema(max_items = 20)]
    pub complements: Option<Vec<String>>,
}

/// Changes to an entry, as JSON Merge Patch. `extends` and `concept_id`
/// cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phrases": ["RetailTech", "grocery technology", "shop software"]}))]
pub struct UpdateOwnConcept {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub label: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 50)]
    pub phrases: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub complements: Patch<Vec<String>>,
}

/// The id of a concept of one's own, from its label: ASCII letters and
/// digits in snake_case ("Retail Tech!" is `retail_tech`).
pub fn concept_id_for(label: &str) -> String {
    let folded = crate::intersections::text::fold(label);
    let mut id = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('_') {
            id.push('_');
        }
    }
    let mut id: String = id.trim_end_matches('_').chars().take(60).collect();
    id = id.trim_end_matches('_').to_owned();
    if id.is_empty() || !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id.insert_str(0, "own_");
    }
    id
}

fn check_phrases(v: &mut Validator, phrases: &[String]) -> Vec<String> {
    if phrases.is_empty() || phrases.len() > MAX_PHRASES {
        v.error("phrases", format!("give 1 to {MAX_PHRASES} phrases"));
    }
    let mut kept: Vec<String> = Vec::new();
    for (index, phrase) in phrases.iter().enumerate() {
        let field = format!("phrases[{index}]");
        let phrase = v.text(&field, phrase, PHRASE);
        if phrase.is_empty() {
            continue;
        }
        if phrase_keys(&phrase).is_empty() {
            v.error(
                &field,
                "needs a word (letters or digits, not only little words)",
            );
            continue;
        }
        let folded = crate::intersections::text::fold(&phrase);
        if !kept
            .iter()
            .any(|k| crate::intersections::text::fold(k) == folded)
        {
            kept.push(phrase);
        }
    }
    kept
}

/// Checks `row` as the engine will read it, against the owner's others.
fn check_concept(v: &mut Validator, row: &own_concept::Model, others: &[own_concept::Model]) {
    let others: Vec<UserConcept> = others
        .iter()
        .filter(|o| o.id != row.id)
        .map(user_concept)
        .collect();
    if row.complements.0.len() > MAX_COMPLEMENTS {
        v.error("complements", format!("at most {MAX_COMPLEMENTS}"));
    }
    for (index, complement) in row.complements.0.iter().enumerate() {
        v.text(&format!("complements[{index}]"), complement, CONCEPT_ID);
    }
    if row.extends.is_some() && !row.complements.0.is_empty() {
        v.error(
            "complements",
            "only a concept of your own has complements; the built-in ones have theirs",
        );
        return;
    }
    if let Err((field, message)) =
        engine_vocabulary::check_user_concept(&user_concept(row), &others)
    {
        let field = match field {
            "id" => "label",
            field => field,
        };
        v.error(field, message);
    }
}

async fn all_of(
    db: &impl ConnectionTrait,
    owner: Owner,
) -> Result<Vec<own_concept::Model>, AppError> {
    Ok(owner.find::<own_concept::Entity>().all(db).await?)
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    input: CreateOwnConcept,
) -> Result<OwnConcept, AppError> {
    let mut v = Validator::new();
    let phrases = check_phrases(&mut v, &input.phrases);
    let label = input
        .label
        .as_deref()
        .map(|label| v.text("label", label, LABEL));
    let builtin = Lexicon::builtin();
    let (concept_id, label) = match &input.extends {
        Some(extends) => {
            let label = match (label, builtin.find(extends)) {
                (Some(label), _) => label,
                (None, Some(index)) => builtin.concept(index).label.clone(),
                (None, None) => String::new(),
            };
            (extends.clone(), label)
        }
        None => match label {
            Some(label) => (concept_id_for(&label), label),
            None => {
                v.error("label", "name your concept (or give `extends`)");
                (String::new(), String::new())
            }
        },
    };
    let now = Utc::now();
    let row = own_concept::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        concept_id,
        extends: input.extends,
        label,
        phrases: entity::Tags(phrases),
        complements: entity::Tags(input.complements.unwrap_or_default()),
        created_at: now,
        updated_at: now,
    };
    let others = all_of(db, owner).await?;
    check_concept(&mut v, &row, &others);
    v.finish()?;
    if others.len() as u64 >= MAX_OWN_CONCEPTS {
        return Err(AppError::Conflict {
            code: "too_many_concepts",
            detail: format!("At most {MAX_OWN_CONCEPTS} entries in your vocabulary."),
        });
    }
    if let Some(existing) = others.iter().find(|o| o.concept_id == row.concept_id) {
        return Err(AppError::Conflict {
            code: "concept_exists",
            detail: format!(
                "Your vocabulary already has {:?} (entry {}); add phrases to it with PATCH.",
                row.concept_id, existing.id
            ),
        });
    }
    let row = row.into_active_model().reset_all().insert(db).await?;
    network_changed(db, owner).await?;
    tracing::info!(concept_id = %row.concept_id, "own concept created");
    Ok(row.into())
}

/// One entry, or a 404.
pub async fn get(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<OwnConcept, AppError> {
    owner
        .get::<own_concept::Entity>(db, id)
        .await
        .map(OwnConcept::from)
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), own_concept_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateOwnConcept,
    precondition: impl FnOnce(&OwnConcept) -> Result<(), AppError>,
) -> Result<OwnConcept, AppError> {
    let current = owner.get_for_update::<own_concept::Entity>(db, id).await?;
    precondition(&current.clone().into())?;
    let mut v = Validator::new();
    let mut next = current.clone();
    if let Some(label) = required(&mut v, "label", patch.label) {
        next.label = v.text("label", &label, LABEL);
    }
    if let Some(phrases) = required(&mut v, "phrases", patch.phrases) {
        next.phrases = entity::Tags(check_phrases(&mut v, &phrases));
    }
    if let Some(complements) = patch.complements {
        next.complements = entity::Tags(complements.unwrap_or_default());
    }
    let others = all_of(db, owner).await?;
    check_concept(&mut v, &next, &others);
    v.finish()?;
    if next == current {
        return Ok(current.into());
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    network_changed(db, owner).await?;
    Ok(row.into())
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id(), own_concept_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&OwnConcept) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = owner.get_for_update::<own_concept::Entity>(db, id).await?;
    precondition(&current.into())?;
    owner
        .delete::<own_concept::Entity>()
        .filter(own_concept::Column::Id.eq(id))
        .exec(db)
        .await?;
    network_changed(db, owner).await?;
    tracing::info!("own concept deleted");
    Ok(())
}

fn keys() -> [Key; 2] {
    [
        Key::asc(own_concept::Column::CreatedAt),
        Key::asc(own_concept::Column::Id),
    ]
}

/// Your vocabulary, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    page: PageParams,
) -> Result<Page<OwnConcept>, AppError> {
    let limit = page.limit()?;
    let after = page
        .cursor::<(DateTime<Utc>, Uuid)>()?
        .map(|(at, id)| vec![Value::from(at), Value::from(id)]);
    let rows = keyset::seek(
        owner.find::<own_concept::Entity>(),
        &keys(),
        after.as_deref(),
    )
    .limit(limit + 1)
    .all(db)
    .await?;
    Ok(paginate(
        rows,
        limit,
        |c| (c.created_at, c.id),
        OwnConcept::from,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_concept_ids_are_snake_case_made_from_the_label() {
        assert_eq!(concept_id_for("Retail Tech!"), "retail_tech");
        assert_eq!(concept_id_for("  Café  Culture "), "cafe_culture");
        assert_eq!(concept_id_for("3D printing"), "own_3d_printing");
        assert_eq!(concept_id_for("日本"), "own_");
    }
}
