//! Duplicates: finding contacts that are likely the same person, and merging
//! them into one. A merge fills the empty fields of the contact kept, unites
//! its lists, moves interactions, goals and intersection decisions over, and
//! deletes the others, in the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use entity::{contact, goal, interaction_contact, intersection};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Contact, UpdateContact, derived, write};
use crate::domain::enums::{IntersectionKind, IntersectionOrigin, IntersectionStatus};
use crate::domain::intersections::matching::ContactRef;
use crate::domain::intersections::{network_changed, recount};
use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox::{self, Deleted};
use crate::error::AppError;
use crate::intersections::{self as engine, text};

/// At most this many contacts merge into one at a time.
pub const MAX_MERGED: usize = 50;

/// Why contacts look like the same person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    /// The same email address.
    Email,
    /// The same LinkedIn profile URL.
    Linkedin,
    /// The same name, ignoring case, accents and spacing.
    Name,
}

/// One shared value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
pub struct DuplicateReason {
    pub matched_on: MatchedOn,
    #[schema(example = "grace@example.com")]
    pub value: String,
}

/// Contacts that are likely the same person, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateGroup {
    pub contacts: Vec<ContactRef>,
    /// The shared values that tie them together.
    pub reasons: Vec<DuplicateReason>,
}

/// A LinkedIn profile URL reduced to `linkedin.com/in/<name>`, or `None`.
pub fn linkedin_profile(url: &str) -> Option<String> {
    let lower = url.trim().to_lowercase();
    let path = lower.split_once("linkedin.com/in/")?.1;
    let name = path.split(['/', '?', '#']).next()?;
    (!name.is_empty()).then(|| format!("linkedin.com/in/{name}"))
}

/// A name for matching: folded (case, accents) with single spaces.
pub fn matching_name(name: &str) -> String {
    text::fold(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keys a contact is matched on.
fn keys(c: &contact::Model) -> Vec<DuplicateReason> {
    let mut keys: Vec<DuplicateReason> = c
        .emails
        .0
        .iter()
        .map(|e| DuplicateReason {
            matched_on: MatchedOn::Email,
            value: e.to_lowercase(),
        })
        .collect();
    keys.extend(
        c.links
            .0
            .iter()
            .filter_map(|l| linkedin_profile(l))
            .map(|value| DuplicateReason {
                matched_on: MatchedOn::Linkedin,
                value,
            }),
    );
    let name = matching_name(&c.full_name);
    if !name.is_empty() {
        keys.push(DuplicateReason {
            matched_on: MatchedOn::Name,
            value: name,
        });
    }
    keys
}

fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups of contacts that share an email, a LinkedIn URL or a name, ordered
/// by their oldest contact.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn duplicates(
    db: &impl ConnectionTrait,
    owner: Owner,
    page: PageParams,
) -> Result<Page<DuplicateGroup>, AppError> {
    let limit = page.limit()? as usize;
    let after: Option<(chrono::DateTime<chrono::Utc>, Uuid)> = page.cursor()?;
    let contacts = owner
        .find::<contact::Entity>()
        .order_by_asc(contact::Column::CreatedAt)
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    // Union-find over shared keys: contacts tied through a chain are one group.
    let mut parent: Vec<usize> = (0..contacts.len()).collect();
    let mut first_with: HashMap<DuplicateReason, usize> = HashMap::new();
    let mut shared: Vec<(usize, DuplicateReason)> = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        for key in keys(c) {
            match first_with.get(&key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                    shared.push((j, key));
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, (Vec<usize>, Vec<DuplicateReason>)> = BTreeMap::new();
    for i in 0..contacts.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().0.push(i);
    }
    for (j, key) in shared {
        let r = root(&mut parent, j);
        if let Some(group) = groups.get_mut(&r) {
            group.1.push(key);
        }
    }
    // Groups are keyed by their oldest contact, which is also the cursor.
    let rows: Vec<(&contact::Model, Vec<usize>, Vec<DuplicateReason>)> = groups
        .into_values()
        .filter(|(members, _)| members.len() > 1)
        .map(|(members, reasons)| (&contacts[members[0]], members, reasons))
        .filter(|(oldest, ..)| after.is_none_or(|cursor| (oldest.created_at, oldest.id) > cursor))
        .take(limit + 1)
        .collect();
    let (rows, next_cursor) = split_page(rows, limit as u64, |(oldest, ..)| {
        encode_cursor(&(oldest.created_at, oldest.id))
    });
    let data = rows
        .into_iter()
        .map(|(_, members, mut reasons)| {
            reasons.sort();
            reasons.dedup();
            DuplicateGroup {
                contacts: members
                    .iter()
                    .map(|&i| ContactRef {
                        id: contacts[i].id,
                        full_name: contacts[i].full_name.clone(),
                        headline: contacts[i].headline.clone(),
                    })
                    .collect(),
                reasons,
            }
        })
        .collect();
    Ok(Page { data, next_cursor })
}

/// Contacts to merge into the one named in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": ["0193a5f2-9d3a-7c11-8e0f-6a5b4c3d2e1f"]}))]
pub struct MergeContacts {
    /// The duplicates, 1 to 50; they are deleted once merged.
    #[schema(min_items = 1, max_items = 50)]
    pub from: Vec<Uuid>,
}

/// The lists of `target` followed by those of `sources`, without repeats.
fn united(
    target: &[String],
    sources: &[&contact::Model],
    list: fn(&contact::Model) -> &[String],
) -> Vec<String> {
    let mut all: Vec<String> = target.to_vec();
    for s in sources {
        for value in list(s) {
            if !all.contains(value) {
                all.push(value.clone());
            }
        }
    }
    all
}

/// What merging `sources` into `target` changes in it: empty fields filled
/// from the first source that has them, lists united. Nothing the target
/// holds is overwritten.
pub(crate) fn filled(target: &contact::Model, sources: &[&contact::Model]) -> UpdateContact {
    let mut patch = UpdateContact::default();
    macro_rules! fill {
        ($($field:ident),+) => {
            $(
                if target.$field.is_none()
                    && let Some(value) = sources.iter().find_map(|s| s.$field.clone())
                {
                    patch.$field = Some(Some(value.into()));
                }
            )+
        };
    }
    fill!(
        headline,
        company,
        role,
        location,
        met_on,
        met_via,
        why,
        can_give,
        can_get,
        next_step,
        next_step_due,
        spends_time_on,
        relaxes_by,
        growing_in,
        revisit_on,
        keep_in_touch_days,
        notes
    );
    if target.source.is_none()
        && let Some(source) = sources.iter().find_map(|s| s.source.as_deref())
    {
        patch.source = Some(crate::domain::enums::Source::parse(source));
    }
    macro_rules! unite {
        ($($field:ident: $max:expr),+) => {
            $(
                let all = united(&target.$field.0, sources, |c| &c.$field.0);
                if all.len() > target.$field.0.len() {
                    patch.$field = Some(Some(all.into_iter().take($max).collect()));
                }
            )+
        };
    }
    unite!(emails: 20, phones: 20, links: 20, interests: 50);
    patch
}

/// Merges `input.from` into contact `id` (see the module docs).
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), contact_id = %id))]
pub async fn merge(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    input: MergeContacts,
    precondition: impl FnOnce(&Contact) -> Result<(), AppError>,
) -> Result<Contact, AppError> {
    let target = owner.get_for_update::<contact::Entity>(db, id).await?;
    let mut v = Validator::new();
    if input.from.is_empty() || input.from.len() > MAX_MERGED {
        v.error("from", format!("must name 1 to {MAX_MERGED} contacts"));
    }
    let found: HashMap<Uuid, contact::Model> = owner
        .find::<contact::Entity>()
        .filter(contact::Column::Id.is_in(input.from.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut sources: Vec<&contact::Model> = Vec::new();
    for (i, from) in input.from.iter().enumerate() {
        if *from == id {
            v.error(&format!("from[{i}]"), "is the contact merged into");
        } else if input.from[..i].contains(from) {
            v.error(&format!("from[{i}]"), "is named twice");
        } else {
            match found.get(from) {
                Some(c) => sources.push(c),
                None => v.error(&format!("from[{i}]"), "no such contact"),
            }
        }
    }
    v.finish()?;
    let source_ids: Vec<Uuid> = sources.iter().map(|s| s.id).collect();
    let patch = filled(&target, &sources);

    // Interactions: a source's become the target's; one the target already
    // takes part in just loses the source.
    for source in &source_ids {
        let with_target = Query::select()
            .column(interaction_contact::Column::InteractionId)
            .from(interaction_contact::Entity)
            .and_where(Expr::col(interaction_contact::Column::ContactId).eq(id))
            .to_owned();
        owner
            .delete::<interaction_contact::Entity>()
            .filter(interaction_contact::Column::ContactId.eq(*source))
            .filter(interaction_contact::Column::InteractionId.in_subquery(with_target))
            .exec(db)
            .await?;
        owner
            .update::<interaction_contact::Entity>()
            .col_expr(interaction_contact::Column::ContactId, Expr::value(id))
            .filter(interaction_contact::Column::ContactId.eq(*source))
            .exec(db)
            .await?;
    }
    owner
        .update::<goal::Entity>()
        .col_expr(goal::Column::ContactId, Expr::value(id))
        .filter(goal::Column::ContactId.is_in(source_ids.iter().copied()))
        .exec(db)
        .await?;
    move_decisions(db, owner, id, &source_ids).await?;
    owner
        .delete::<contact::Entity>()
        .filter(contact::Column::Id.is_in(source_ids.iter().copied()))
        .exec(db)
        .await?;
    let gone: Vec<Deleted> = source_ids.iter().map(|&id| Deleted { id }).collect();
    outbox::emit_each(db, owner, EventType::ContactDeleted, gone.iter()).await?;
    let merged = write::update(db, owner, id, patch, precondition).await?;
    derived::refresh(db, owner, &[id]).await?;
    // The sources' intersections are the target's now.
    recount(db, owner, &[id]).await?;
    network_changed(db, owner).await?;
    tracing::info!(merged = source_ids.len(), "contacts merged");
    super::load(db, owner, merged.id).await
}

/// Intersections of the sources move to the target. Goal-based ones keep
/// their ids (the goals moved with them); a shared interest's id is derived
/// from the contact, so a decision about one is carried to the target's id,
/// unless the target has its own.
async fn move_decisions(
    db: &impl ConnectionTrait,
    owner: Owner,
    target: Uuid,
    sources: &[Uuid],
) -> Result<(), AppError> {
    let interests = owner
        .find::<intersection::Entity>()
        .filter(intersection::Column::ContactId.is_in(sources.iter().copied()))
        .filter(intersection::Column::Kind.eq(IntersectionKind::SharedInterest.as_str()))
        .filter(intersection::Column::Origin.eq(IntersectionOrigin::Computed.as_str()))
        .all(db)
        .await?;
    let target_id = engine::intersection_id(engine::Kind::SharedInterest, owner.id(), target);
    let mut target_has_one = owner
        .find::<intersection::Entity>()
        .filter(intersection::Column::Id.eq(target_id))
        .one(db)
        .await?
        .is_some_and(|i| i.status != IntersectionStatus::Suggested.as_str());
    for row in interests {
        let old_id = row.id;
        owner
            .delete::<intersection::Entity>()
            .filter(intersection::Column::Id.eq(old_id))
            .exec(db)
            .await?;
        if row.status == IntersectionStatus::Suggested.as_str() || target_has_one {
            continue;
        }
        owner
            .delete::<intersection::Entity>()
            .filter(intersection::Column::Id.eq(target_id))
            .exec(db)
            .await?;
        let mut moved = row.into_active_model();
        moved.id = Set(target_id);
        moved.contact_id = Set(target);
        moved.reset_all().insert(db).await?;
        target_has_one = true;
    }
    owner
        .update::<intersection::Entity>()
        .col_expr(intersection::Column::ContactId, Expr::value(target))
        .filter(intersection::Column::ContactId.is_in(sources.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkedin_urls_and_names_are_normalised_for_matching() {
        assert_eq!(
            linkedin_profile("https://www.LinkedIn.com/in/grace-hopper/?trk=x").as_deref(),
            Some("linkedin.com/in/grace-hopper")
        );
        assert_eq!(linkedin_profile("https://example.com/grace"), None);
        assert_eq!(matching_name("  Zoë   ÅNGSTRÖM "), "zoe angstrom");
    }
}
