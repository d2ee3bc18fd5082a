//! Keeping the search documents in step with what they index. Each write
//! that changes a contact, an interaction or a goal puts its document in the
//! same transaction ([`put_contacts`], [`put_interaction`], [`put_goal`]);
//! deletions need nothing (the documents' foreign keys cascade). Rows written
//! before search existed get their documents at start-up ([`backfill`]).

use entity::{contact, goal, interaction, search_document};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::fields::{self, Field};
use super::words::push_terms;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// What a document indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Contact,
    Interaction,
    Goal,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Contact => "contact",
            Kind::Interaction => "interaction",
            Kind::Goal => "goal",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Contact, Kind::Interaction, Kind::Goal]
            .into_iter()
            .find(|kind| kind.as_str() == s)
    }
}

/// Between two fields: a stop word, which no query holds, so that a phrase
/// never spans the end of one field and the start of the next.
const FIELD_BREAK: &str = "the";

/// The terms of a document: each field's words, a break between fields.
fn terms(fields: &[Field<'_>]) -> String {
    let mut terms = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            terms.push(' ');
            terms.push_str(FIELD_BREAK);
        }
        push_terms(&mut terms, field.text);
    }
    terms
}

fn document(
    owner: Uuid,
    kind: Kind,
    id: Uuid,
    fields: &[Field<'_>],
) -> search_document::ActiveModel {
    search_document::ActiveModel {
        owner_id: Set(owner),
        kind: Set(kind.as_str().to_owned()),
        contact_id: Set((kind == Kind::Contact).then_some(id)),
        interaction_id: Set((kind == Kind::Interaction).then_some(id)),
        goal_id: Set((kind == Kind::Goal).then_some(id)),
        terms: Set(terms(fields)),
        ..Default::default()
    }
}

/// Replaces the documents of `ids` (of one kind) with `documents`, in rows of
/// a bounded size.
async fn replace(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: Kind,
    ids: &[Uuid],
    documents: Vec<search_document::ActiveModel>,
) -> Result<(), AppError> {
    let column = match kind {
        Kind::Contact => search_document::Column::ContactId,
        Kind::Interaction => search_document::Column::InteractionId,
        Kind::Goal => search_document::Column::GoalId,
    };
    for chunk in ids.chunks(CHUNK) {
        search_document::Entity::delete_many()
            .filter(search_document::Column::OwnerId.eq(owner.id()))
            .filter(column.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    add(db, documents).await
}

/// Documents per statement: far under both databases' parameter limits.
const CHUNK: usize = 100;

/// Stores `documents`, in rows of a bounded size: the documents of rows
/// just created need nothing deleted first (an import's way).
pub async fn add(
    db: &impl ConnectionTrait,
    documents: Vec<search_document::ActiveModel>,
) -> Result<(), AppError> {
    let mut documents = documents.into_iter().peekable();
    while documents.peek().is_some() {
        let chunk: Vec<_> = documents.by_ref().take(CHUNK).collect();
        search_document::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// Indexes `rows` of one kind (new or changed) as they now stand.
async fn put<T>(
    db: &impl ConnectionTrait,
    owner: Owner,
    kind: Kind,
    rows: &[T],
    id: fn(&T) -> Uuid,
    fields: for<'a> fn(&'a T) -> Vec<Field<'a>>,
) -> Result<(), AppError> {
    let ids: Vec<Uuid> = rows.iter().map(id).collect();
    replace(
        db,
        owner,
        kind,
        &ids,
        documents(owner, kind, rows, id, fields),
    )
    .await
}

/// The documents of `rows` of one kind.
fn documents<T>(
    owner: Owner,
    kind: Kind,
    rows: &[T],
    id: fn(&T) -> Uuid,
    fields: for<'a> fn(&'a T) -> Vec<Field<'a>>,
) -> Vec<search_document::ActiveModel> {
    rows.iter()
        .map(|row| document(owner.id(), kind, id(row), &fields(row)))
        .collect()
}

/// Indexes `contacts` (new or changed) as they now stand.
pub async fn put_contacts(
    db: &impl ConnectionTrait,
    owner: Owner,
    contacts: &[contact::Model],
) -> Result<(), AppError> {
    put(
        db,
        owner,
        Kind::Contact,
        contacts,
        |c| c.id,
        fields::contact,
    )
    .await
}

/// The documents of contacts about to be created, made before they are
/// stored (so the rows can move into their `INSERT`); stored by [`add`]
/// once the contacts are.
pub fn new_contact_documents(
    owner: Owner,
    contacts: &[contact::Model],
) -> Vec<search_document::ActiveModel> {
    let contact_id: fn(&contact::Model) -> Uuid = |c| c.id;
    documents(owner, Kind::Contact, contacts, contact_id, fields::contact)
}

/// Indexes an interaction as it now stands.
pub async fn put_interaction(
    db: &impl ConnectionTrait,
    owner: Owner,
    row: &interaction::Model,
) -> Result<(), AppError> {
    let rows = std::slice::from_ref(row);
    put(
        db,
        owner,
        Kind::Interaction,
        rows,
        |i| i.id,
        fields::interaction,
    )
    .await
}

/// Indexes goals (or offers) as they now stand.
pub async fn put_goals(
    db: &impl ConnectionTrait,
    owner: Owner,
    rows: &[goal::Model],
) -> Result<(), AppError> {
    put(db, owner, Kind::Goal, rows, |g| g.id, fields::goal).await
}

/// Gives a document to every contact, interaction and goal that has none
/// (rows written before search existed), a few hundred per transaction on
/// `writer` (the pool writes go through). Returns how many it wrote.
pub async fn backfill(writer: &DatabaseConnection) -> Result<u64, AppError> {
    let db = writer;
    const BATCH: u64 = 500;
    let mut written = 0;
    loop {
        let missing = |table: &str, column: search_document::Column| {
            Expr::col((Alias::new(table), Alias::new("id"))).not_in_subquery(
                Query::select()
                    .column(column)
                    .from(search_document::Entity)
                    .and_where(Expr::col(column).is_not_null())
                    .to_owned(),
            )
        };
        let contacts = contact::Entity::find()
            .filter(missing("contacts", search_document::Column::ContactId))
            .limit(BATCH)
            .all(db)
            .await?;
        let interactions = interaction::Entity::find()
            .filter(missing(
                "interactions",
                search_document::Column::InteractionId,
            ))
            .limit(BATCH)
            .all(db)
            .await?;
        let goals = goal::Entity::find()
            .filter(missing("goals", search_document::Column::GoalId))
            .limit(BATCH)
            .all(db)
            .await?;
        let count = (contacts.len() + interactions.len() + goals.len()) as u64;
        if count == 0 {
            return Ok(written);
        }
        let txn = crate::db::begin_write(db).await?;
        for c in contacts {
            put_contacts(&txn, Owner::new(c.owner_id), std::slice::from_ref(&c)).await?;
        }
        for i in interactions {
            put_interaction(&txn, Owner::new(i.owner_id), &i).await?;
        }
        for g in goals {
            put_goals(&txn, Owner::new(g.owner_id), std::slice::from_ref(&g)).await?;
        }
        txn.commit().await?;
        written += count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_breaks_between_fields() {
        let fields = [
            Field::new("full_name", "Ana Müller"),
            Field::new("met_via", "RustConf podcasts"),
        ];
        assert_eq!(terms(&fields), "ana muller the rustconf podcast");
    }
}
