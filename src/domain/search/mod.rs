//! Search: people found by anything written about them (their own fields,
//! interactions with them, their goals and offers), ranked, with where each
//! hit matched.
//!
//! Every contact, interaction and goal has a document: its words folded and
//! stemmed here ([`words`]), indexed by each database's own full-text engine
//! (SQLite FTS5, PostgreSQL `tsvector` + GIN; see the migration). A query in
//! the small language of [`query`] becomes an FTS5 match expression or a
//! `tsquery`, and every query filters `owner_id`, so another user's rows are
//! never returned. (An owner token in each document, ANDed into the match,
//! was measured: it made a name search four times slower on SQLite, as
//! FTS5 stepped through the owner's whole list of documents.) Scores are the
//! engine's (BM25 on SQLite, `ts_rank_cd` on PostgreSQL): comparable within
//! one list, not across databases. Snippets are computed here from the
//! resources, the same on both.

pub mod fields;
pub mod index;
pub mod query;
pub mod snippet;
pub mod words;

use std::collections::HashMap;

use entity::{contact, goal, interaction};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, QueryFilter, Statement, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::page::{Page, PageParams, encode_cursor, split_page};
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use index::Kind;
pub use query::SearchQuery;
pub use snippet::{Matched, SnippetPart};

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitType {
    Contact,
    Interaction,
    /// A goal or an offer.
    Goal,
}

impl From<Kind> for HitType {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Contact => HitType::Contact,
            Kind::Interaction => HitType::Interaction,
            Kind::Goal => HitType::Goal,
        }
    }
}

impl HitType {
    fn kind(self) -> Kind {
        match self {
            HitType::Contact => Kind::Contact,
            HitType::Interaction => Kind::Interaction,
            HitType::Goal => Kind::Goal,
        }
    }
}

/// `GET /search` parameters. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to find: words (all must match), `"an exact phrase"`, a prefix
    /// `word*`, `-word` or `-"a phrase"` to exclude. Case, accents and word
    /// endings do not matter (`podcasts` finds "podcasting", `Muller`
    /// finds "Müller"). Anything else is a 400 that says why.
    #[param(min_length = 1, max_length = 256, example = "rustconf podcast*")]
    pub q: String,
    /// Only hits of this type; repeat it (`type=contact&type=goal`) for
    /// several. All types by default.
    #[serde(default, rename = "type")]
    #[param(rename = "type", max_items = 3)]
    pub types: Vec<HitType>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (of the same query).
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// One search hit.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "contact",
    "id": "0193a6f0-6a52-7c3e-9b1e-2f4d5c6b7a80",
    "title": "Ana Müller",
    "contact_ids": ["0193a6f0-6a52-7c3e-9b1e-2f4d5c6b7a80"],
    "score": 4.21,
    "matched": {"field": "met_via", "snippet": [
        {"text": "RustConf", "hit": true},
        {"text": " 2025, she runs a ", "hit": false},
        {"text": "podcast", "hit": true}
    ]}
}))]
pub struct SearchHit {
    #[serde(rename = "type")]
    pub kind: HitType,
    /// The contact's, interaction's or goal's id.
    pub id: Uuid,
    /// The contact's name, the interaction's summary (or its kind and
    /// date), the goal's title.
    #[schema(example = "Grace Hopper")]
    pub title: String,
    /// The contacts it is about: the contact itself, an interaction's
    /// participants, a goal's holder (none for your own goals).
    pub contact_ids: Vec<Uuid>,
    /// How well it matched; higher is better. Comparable within one list.
    pub score: f64,
    pub matched: Matched,
}

/// The cursor of a search: what the query means, and the last hit's rank
/// and document.
#[derive(Serialize, Deserialize)]
struct Cursor {
    q: String,
    r: f64,
    d: i64,
}

/// One matching document.
struct Found {
    doc: i64,
    kind: Kind,
    id: Uuid,
    /// Lower is better (negated score on PostgreSQL).
    rank: f64,
}

/// Writes `sql` (with `?` placeholders) for `backend`: PostgreSQL numbers
/// them.
fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The engine's match as SQL over a document alias `d`, with its values:
/// the `FROM` part, the condition and the rank expression (lower is better).
fn matching(
    backend: DatabaseBackend,
    query: &SearchQuery,
) -> (&'static str, &'static str, &'static str, Value) {
    match backend {
        DatabaseBackend::Postgres => (
            "search_documents d",
            "d.tsv @@ to_tsquery('simple', ?)",
            "-(ts_rank_cd(d.tsv, to_tsquery('simple', ?)))::float8",
            Value::from(query.tsquery()),
        ),
        // CROSS JOIN: SQLite keeps the full-text match as the outer loop,
        // rather than walking every document of the owner and probing the
        // index for each.
        _ => (
            "search_index CROSS JOIN search_documents d ON d.id = search_index.rowid",
            "search_index MATCH ?",
            "bm25(search_index)",
            Value::from(query.fts5()),
        ),
    }
}

/// The values of `SELECT {rank} … WHERE {condition} AND d.owner_id = ?`, in
/// that order: on PostgreSQL the rank names the query again.
fn ranked(backend: DatabaseBackend, match_value: Value, owner: Owner) -> Vec<Value> {
    let mut values = Vec::new();
    if backend == DatabaseBackend::Postgres {
        values.push(match_value.clone());
    }
    values.extend([match_value, Value::from(owner.id())]);
    values
}

/// One page of hits for `params`, best first.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn search(
    db: &impl ConnectionTrait,
    owner: Owner,
    params: SearchParams,
) -> Result<Page<SearchHit>, AppError> {
    let query = SearchQuery::parse("q", &params.q)?;
    if params.types.len() > 3 {
        return Err(AppError::bad_request(
            "invalid_query",
            "at most 3 `type` filters",
        ));
    }
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let fingerprint = query.fingerprint();
    let after: Option<Cursor> = page.cursor()?;
    if after.as_ref().is_some_and(|c| c.q != fingerprint) {
        return Err(AppError::bad_request(
            "invalid_cursor",
            "The cursor belongs to another search; start again without it.",
        ));
    }

    let backend = db.get_database_backend();
    let (from, condition, rank, match_value) = matching(backend, &query);
    let mut values = ranked(backend, match_value, owner);
    let mut kinds = String::new();
    if !params.types.is_empty() {
        let mut types = params.types.clone();
        types.sort_by_key(|t| t.kind().as_str());
        types.dedup();
        kinds = format!(" AND d.kind IN ({})", vec!["?"; types.len()].join(", "));
        values.extend(types.iter().map(|t| Value::from(t.kind().as_str())));
    }
    let mut seek = String::from("1 = 1");
    if let Some(cursor) = &after {
        seek = "(rank > ? OR (rank = ? AND doc > ?))".into();
        values.extend([
            Value::from(cursor.r),
            Value::from(cursor.r),
            Value::from(cursor.d),
        ]);
    }
    values.push(Value::from((limit + 1) as i64));
    let sql = format!(
        "SELECT doc, kind, contact_id, interaction_id, goal_id, rank FROM (\
           SELECT d.id AS doc, d.kind AS kind, d.contact_id AS contact_id, \
                  d.interaction_id AS interaction_id, d.goal_id AS goal_id, {rank} AS rank \
           FROM {from} WHERE {condition} AND d.owner_id = ?{kinds}\
         ) hits WHERE {seek} ORDER BY rank, doc LIMIT ?"
    );
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        let id: Option<Uuid> = match kind {
            Kind::Contact => row.try_get("", "contact_id")?,
            Kind::Interaction => row.try_get("", "interaction_id")?,
            Kind::Goal => row.try_get("", "goal_id")?,
        };
        let Some(id) = id else { continue };
        found.push(Found {
            doc: row.try_get("", "doc")?,
            kind,
            id,
            rank: row.try_get("", "rank")?,
        });
    }
    let (found, next_cursor) = split_page(found, limit, |last| {
        encode_cursor(&Cursor {
            q: fingerprint.clone(),
            r: last.rank,
            d: last.doc,
        })
    });
    let data = hits(db, owner, &query, found).await?;
    Ok(Page { data, next_cursor })
}

/// The hits of `found`, with their resources read back for titles and
/// snippets (one query per type).
async fn hits(
    db: &impl ConnectionTrait,
    owner: Owner,
    query: &SearchQuery,
    found: Vec<Found>,
) -> Result<Vec<SearchHit>, AppError> {
    let ids = |kind: Kind| -> Vec<Uuid> {
        found
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.id)
            .collect()
    };
    let contacts: HashMap<Uuid, contact::Model> = owner
        .find::<contact::Entity>()
        .filter(contact::Column::Id.is_in(ids(Kind::Contact)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let interaction_ids = ids(Kind::Interaction);
    let interactions: HashMap<Uuid, interaction::Model> = owner
        .find::<interaction::Entity>()
        .filter(interaction::Column::Id.is_in(interaction_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let participants =
        crate::domain::interactions::participants(db, owner, &interaction_ids).await?;
    let goals: HashMap<Uuid, goal::Model> = owner
        .find::<goal::Entity>()
        .filter(goal::Column::Id.is_in(ids(Kind::Goal)))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();

    let mut hits = Vec::with_capacity(found.len());
    for f in found {
        let (title, contact_ids, fields) = match f.kind {
            Kind::Contact => {
                let Some(c) = contacts.get(&f.id) else {
                    continue;
                };
                (c.full_name.clone(), vec![c.id], fields::contact(c))
            }
            Kind::Interaction => {
                let Some(i) = interactions.get(&f.id) else {
                    continue;
                };
                let with = participants.get(&i.id).cloned().unwrap_or_default();
                (interaction_title(i), with, fields::interaction(i))
            }
            Kind::Goal => {
                let Some(g) = goals.get(&f.id) else { continue };
                (
                    g.title.clone(),
                    g.contact_id.into_iter().collect(),
                    fields::goal(g),
                )
            }
        };
        let Some(matched) = snippet::best_match(query, &fields) else {
            continue;
        };
        hits.push(SearchHit {
            kind: f.kind.into(),
            id: f.id,
            title,
            contact_ids,
            // Unrounded: BM25 gives words most documents hold a weight of
            // about a millionth, and ranks would all read 0.
            score: -f.rank,
            matched,
        });
    }
    Ok(hits)
}

/// Why a contact of a searched list was found.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ContactMatch {
    /// `contact` when one of its own fields matched; otherwise the
    /// interaction or goal (or offer) through which it did.
    #[serde(rename = "type")]
    pub kind: HitType,
    /// The id of what matched: the contact's own, an interaction's or a goal's.
    pub id: Uuid,
    #[serde(flatten)]
    pub matched: Matched,
}

/// Says why each of `contacts` (a page of a list searched with `query`) was
/// found: its own document if it matched, otherwise the best-ranked
/// matching interaction or goal of its.
pub async fn explain_contacts(
    db: &impl ConnectionTrait,
    owner: Owner,
    query: &SearchQuery,
    contacts: &mut [crate::domain::contacts::Contact],
) -> Result<(), AppError> {
    if contacts.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let (from, condition, rank, match_value) = matching(backend, query);
    let mut values = ranked(backend, match_value, owner);
    values.extend(contacts.iter().map(|c| Value::from(c.id)));
    let sql = format!(
        "SELECT d.kind AS kind, COALESCE(d.contact_id, d.interaction_id, d.goal_id) AS resource,                 COALESCE(d.contact_id, g.contact_id, ic.contact_id) AS contact, {rank} AS rank          FROM {from}          LEFT JOIN goals g ON g.id = d.goal_id          LEFT JOIN interaction_contacts ic ON ic.interaction_id = d.interaction_id          WHERE {condition} AND d.owner_id = ?            AND COALESCE(d.contact_id, g.contact_id, ic.contact_id) IN ({})          ORDER BY rank",
        vec!["?"; contacts.len()].join(", ")
    );
    // The best reason per contact: its own fields first, then by rank.
    let mut reasons: HashMap<Uuid, Found> = HashMap::new();
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let kind: String = row.try_get("", "kind")?;
        let (Some(kind), Some(resource), Some(contact)) = (
            Kind::parse(&kind),
            row.try_get::<Option<Uuid>>("", "resource")?,
            row.try_get::<Option<Uuid>>("", "contact")?,
        ) else {
            continue;
        };
        let found = Found {
            doc: 0,
            kind,
            id: resource,
            rank: row.try_get("", "rank")?,
        };
        match reasons.get(&contact) {
            Some(best) if best.kind == Kind::Contact || kind != Kind::Contact => {}
            _ => {
                reasons.insert(contact, found);
            }
        }
    }
    let resource_of: HashMap<Uuid, Uuid> = reasons.iter().map(|(c, f)| (*c, f.id)).collect();
    let explained = hits(db, owner, query, reasons.into_values().collect()).await?;
    let by_resource: HashMap<Uuid, SearchHit> =
        explained.into_iter().map(|hit| (hit.id, hit)).collect();
    for contact in contacts {
        let hit = resource_of
            .get(&contact.id)
            .and_then(|r| by_resource.get(r));
        contact.matched = hit.map(|hit| ContactMatch {
            kind: hit.kind,
            id: hit.id,
            matched: hit.matched.clone(),
        });
    }
    Ok(())
}

fn interaction_title(i: &interaction::Model) -> String {
    match i
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(summary) => summary.to_owned(),
        None => format!("{} on {}", i.kind, i.occurred_at.date_naive()),
    }
}

/// `contacts.id IN (contacts with a matching document of their own, of an
/// interaction they took part in, or of one of their goals)`.
pub fn contacts_matching(
    backend: DatabaseBackend,
    owner: Owner,
    query: &SearchQuery,
) -> SimpleExpr {
    let (from, condition, _, match_value) = matching(backend, query);
    let (condition, owner_placeholder) = match backend {
        DatabaseBackend::Postgres => (condition.replace('?', "$1"), "$2"),
        _ => (condition.to_owned(), "?"),
    };
    Expr::cust_with_values(
        format!(
            "\"contacts\".\"id\" IN (\
               SELECT COALESCE(d.contact_id, g.contact_id, ic.contact_id) FROM {from} \
               LEFT JOIN goals g ON g.id = d.goal_id \
               LEFT JOIN interaction_contacts ic ON ic.interaction_id = d.interaction_id \
               WHERE {condition} AND d.owner_id = {owner_placeholder})"
        ),
        [match_value, Value::from(owner.id())],
    )
}
