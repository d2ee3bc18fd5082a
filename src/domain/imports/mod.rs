//! Bringing a network in: LinkedIn's connections export, vCard, CSV, or
//! Rapport's own JSON export. The report counts what was created, merged
//! into existing contacts, or skipped, and names every record that could not
//! be read (the first [`MAX_REPORTED_ERRORS`], and how many more);
//! `dry_run` writes nothing.
//!
//! The file is parsed first, off the async workers and before anything is
//! written. Contact files (LinkedIn, vCard, CSV) are then written in short
//! transactions of about [`CHUNK_TIME`] each, so that on SQLite, whose one
//! writer every user shares, no other write waits long behind an import: if
//! the database fails midway, what was committed stays, and importing the
//! same file again completes it (records already there are skipped). A JSON
//! restore is written the same way ([`Batches`]): run again, it completes
//! what a failure interrupted, since what it finds restored it skips.
//!
//! Contacts are matched to existing ones by email, then LinkedIn profile URL,
//! then normalised name. A match is merged like `POST /contacts/{id}/merge`:
//! empty fields filled, lists united, nothing the user wrote overwritten; a
//! match that adds nothing is skipped, so importing a file twice creates
//! nothing the second time.

pub mod formats;
pub mod restore;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use entity::contact;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use self::formats::Position;
use crate::db;
use crate::domain::contacts::merge::{filled, linkedin_profile, matching_name};
use crate::domain::contacts::{UpdateContact, write};
use crate::domain::context::Domain;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// How long one transaction of a contact import holds the writer, about.
pub const CHUNK_TIME: Duration = Duration::from_millis(40);

/// New contacts one transaction of an import stores at most (a few
/// milliseconds of the writer).
const CHUNK_ROWS: usize = 1_000;

/// Records one import may hold; a larger file is refused before anything is
/// written (split it).
pub const MAX_RECORDS: usize = 100_000;

/// Errors a report lists; beyond, it counts them (`errors_omitted`).
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// The file formats `POST /imports` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// LinkedIn's `Connections.csv` (Settings → Data privacy → Get a copy of
    /// your data → Connections).
    Linkedin,
    /// vCard 3.0 or 4.0, one or many cards.
    Vcard,
    /// CSV with a header row of contact fields (the columns of `GET
    /// /export?format=csv`); lists separated by `;`.
    Csv,
    /// Rapport's own export (`GET /export`).
    Json,
}

/// Parameters of `POST /imports`. Unknown parameters are a 400.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    pub format: ImportFormat,
    /// `true`: report what would happen, write nothing.
    pub dry_run: Option<bool>,
}

/// A record that could not be imported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportError {
    /// The record's first line (CSV formats).
    pub line: Option<u64>,
    /// The card's number, from 1 (vCard).
    pub card: Option<u64>,
    /// Where in the document (JSON), such as `contacts[3]`.
    pub path: Option<String>,
    #[schema(example = "emails[0]: not an email address")]
    pub message: String,
}

impl ImportError {
    fn at(position: Position, message: String) -> Self {
        let (line, card) = match position {
            Position::Line(n) => (Some(n), None),
            Position::Card(n) => (None, Some(n)),
        };
        Self {
            line,
            card,
            path: None,
            message,
        }
    }

    fn at_path(path: String, message: String) -> Self {
        Self {
            line: None,
            card: None,
            path: Some(path),
            message,
        }
    }
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({
    "dry_run": false, "created": 412, "merged": 37, "skipped": 3,
    "errors": [{"line": 88, "card": null, "path": null, "message": "no first or last name"}],
    "errors_omitted": 0, "restored": null
}))]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// New contacts.
    pub created: u64,
    /// Existing contacts that gained something (filled fields, new emails…).
    pub merged: u64,
    /// Records that matched an existing contact and added nothing.
    pub skipped: u64,
    /// Records that could not be imported; the others were. At most 1,000
    /// are listed.
    pub errors: Vec<ImportError>,
    /// Records that could not be imported beyond those listed in `errors`.
    pub errors_omitted: u64,
    /// JSON imports: goals, interactions and intersection decisions restored
    /// (null for other formats).
    pub restored: Option<restore::Restored>,
}

impl ImportReport {
    /// Notes a record that could not be imported.
    fn error(&mut self, error: ImportError) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error);
        } else {
            self.errors_omitted += 1;
        }
    }
}

/// The message of a rejected record: the validation errors, field by field.
fn describe(err: AppError) -> String {
    let problem = err.to_problem();
    if problem.errors.is_empty() {
        return problem.detail;
    }
    problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Finds the existing contact a new one duplicates.
pub(crate) struct Matcher {
    contacts: HashMap<Uuid, contact::Model>,
    by_email: HashMap<String, Vec<Uuid>>,
    by_linkedin: HashMap<String, Vec<Uuid>>,
    by_name: HashMap<String, Vec<Uuid>>,
    /// One-to-one matching (restoring an export): a contact matched once is
    /// not matched again, so two people of the same name stay two.
    exclusive: bool,
    claimed: HashSet<Uuid>,
    /// Contacts a dry run created in a transaction rolled back since: later
    /// records merge into them in memory only.
    imagined: HashSet<Uuid>,
}

impl Matcher {
    /// Every contact of the owner, oldest first (the oldest wins a tie).
    pub(crate) async fn load(
        db: &impl ConnectionTrait,
        owner: Owner,
        exclusive: bool,
    ) -> Result<Self, AppError> {
        let mut matcher = Self {
            contacts: HashMap::new(),
            by_email: HashMap::new(),
            by_linkedin: HashMap::new(),
            by_name: HashMap::new(),
            exclusive,
            claimed: HashSet::new(),
            imagined: HashSet::new(),
        };
        for c in owner
            .find::<contact::Entity>()
            .order_by_asc(contact::Column::CreatedAt)
            .order_by_asc(contact::Column::Id)
            .all(db)
            .await?
        {
            matcher.add(c);
        }
        Ok(matcher)
    }

    pub(crate) fn add(&mut self, c: contact::Model) {
        fn push(map: &mut HashMap<String, Vec<Uuid>>, key: String, id: Uuid) {
            let ids = map.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for email in &c.emails.0 {
            push(&mut self.by_email, email.clone(), c.id);
        }
        for link in c.links.0.iter().filter_map(|l| linkedin_profile(l)) {
            push(&mut self.by_linkedin, link, c.id);
        }
        push(&mut self.by_name, matching_name(&c.full_name), c.id);
        self.contacts.insert(c.id, c);
    }

    /// Email first, then LinkedIn URL, then name.
    fn find(&self, c: &contact::Model) -> Option<&contact::Model> {
        let free = |ids: Option<&Vec<Uuid>>| {
            ids.into_iter()
                .flatten()
                .find(|id| !self.claimed.contains(*id))
                .copied()
        };
        let id = c
            .emails
            .0
            .iter()
            .find_map(|e| free(self.by_email.get(e)))
            .or_else(|| {
                c.links
                    .0
                    .iter()
                    .filter_map(|l| linkedin_profile(l))
                    .find_map(|l| free(self.by_linkedin.get(&l)))
            })
            .or_else(|| free(self.by_name.get(&matching_name(&c.full_name))))?;
        self.contacts.get(&id)
    }

    fn claim(&mut self, id: Uuid) {
        if self.exclusive {
            self.claimed.insert(id);
        }
    }
}

/// New contacts of an import not stored yet: stored together
/// ([`write::insert_many`]) when the transaction's work is done, or before
/// a later record merges into one of them.
#[derive(Default)]
pub(crate) struct Pending {
    rows: Vec<contact::Model>,
    ids: HashSet<Uuid>,
}

impl Pending {
    fn push(&mut self, row: contact::Model) {
        self.ids.insert(row.id);
        self.rows.push(row);
    }

    pub(crate) async fn flush(
        &mut self,
        db: &impl ConnectionTrait,
        owner: Owner,
    ) -> Result<(), AppError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        self.ids.clear();
        write::insert_many(db, owner, std::mem::take(&mut self.rows)).await
    }
}

/// What happened to one contact record.
pub(crate) enum Outcome {
    Created(Uuid),
    Merged(Uuid),
    Skipped(Uuid),
}

impl Outcome {
    pub(crate) fn id(&self) -> Uuid {
        match self {
            Outcome::Created(id) | Outcome::Merged(id) | Outcome::Skipped(id) => *id,
        }
    }

    pub(crate) fn count(&self, report: &mut ImportReport) {
        match self {
            Outcome::Created(_) => report.created += 1,
            Outcome::Merged(_) => report.merged += 1,
            Outcome::Skipped(_) => report.skipped += 1,
        }
    }
}

/// Creates `incoming` (a contact [`write::prepare`]d from a record: in
/// `pending`, stored later), or merges it into the contact it duplicates.
/// `remember` makes a new contact matchable by later records of the same
/// file.
pub(crate) async fn upsert_contact(
    db: &impl ConnectionTrait,
    owner: Owner,
    matcher: &mut Matcher,
    pending: &mut Pending,
    incoming: contact::Model,
    remember: bool,
) -> Result<Outcome, AppError> {
    match matcher.find(&incoming).cloned() {
        None => {
            let id = incoming.id;
            if remember {
                matcher.add(incoming.clone());
            }
            matcher.claim(id);
            pending.push(incoming);
            Ok(Outcome::Created(id))
        }
        Some(mut existing) => {
            matcher.claim(existing.id);
            if pending.ids.contains(&existing.id) {
                // Created earlier in this file: stored first, and read as
                // the database has it.
                pending.flush(db, owner).await?;
                existing = owner.get::<contact::Entity>(db, existing.id).await?;
            }
            let patch = filled(&existing, &[&incoming]);
            if patch == UpdateContact::default() {
                return Ok(Outcome::Skipped(existing.id));
            }
            if matcher.imagined.contains(&existing.id) {
                return Ok(Outcome::Merged(existing.id));
            }
            let merged = write::update(db, owner, existing.id, patch, |_| Ok(())).await?;
            if merged.updated_at == existing.updated_at {
                return Ok(Outcome::Skipped(existing.id));
            }
            if let Some(row) = owner
                .find::<contact::Entity>()
                .filter(contact::Column::Id.eq(existing.id))
                .one(db)
                .await?
            {
                matcher.add(row);
            }
            Ok(Outcome::Merged(existing.id))
        }
    }
}

/// Imports `text` as `format` for `owner`.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), format = ?format))]
pub async fn import(
    domain: &Domain,
    owner: Owner,
    format: ImportFormat,
    dry_run: bool,
    text: &str,
) -> Result<ImportReport, AppError> {
    let invalid = |message: String| AppError::invalid_file(format!("{format:?} import: {message}"));
    // Every card would fail on its account's foreign key otherwise.
    if !domain.account_exists(owner).await? {
        return Err(AppError::account_deleted());
    }
    // Parsed before the write transaction begins, on the blocking pool: a
    // large or hostile file costs this request its time, not the writer's
    // (which every other user's writes wait for on SQLite) nor an async
    // worker's.
    let records = match format {
        ImportFormat::Json => None,
        ImportFormat::Linkedin | ImportFormat::Vcard | ImportFormat::Csv => {
            let owned = text.to_owned();
            let parsed = tokio::task::spawn_blocking(move || match format {
                ImportFormat::Linkedin => formats::linkedin(&owned),
                ImportFormat::Vcard => formats::vcard(&owned),
                _ => formats::csv(&owned),
            })
            .await
            .map_err(AppError::internal)?;
            Some(parsed.map_err(invalid)?)
        }
    };
    let mut report = match records {
        None => {
            let mut batches = Batches::new(domain, owner, dry_run);
            let mut pending = Pending::default();
            let report = restore::restore(&mut batches, &mut pending, owner, text).await?;
            batches.finish(&mut pending).await?;
            report
        }
        Some(records) if records.len() > MAX_RECORDS => {
            return Err(invalid(format!(
                "{} records; an import holds at most {MAX_RECORDS}: split the file",
                records.len()
            )));
        }
        Some(records) => import_contacts(domain, owner, records, dry_run).await?,
    };
    report.dry_run = dry_run;
    tracing::info!(
        created = report.created,
        merged = report.merged,
        skipped = report.skipped,
        errors = report.errors.len() as u64 + report.errors_omitted,
        dry_run,
        "import done"
    );
    Ok(report)
}

/// The transactions a long import writes in: each holds the writer about
/// [`CHUNK_TIME`], then commits, so that other users' writes go in between.
/// A dry run writes in one transaction, rolled back at the end: what it
/// would have created must be visible to the records that refer to it.
pub(crate) struct Batches<'d> {
    domain: &'d Domain,
    owner: Owner,
    dry_run: bool,
    current: Option<(sea_orm::DatabaseTransaction, Instant)>,
}

impl<'d> Batches<'d> {
    pub(crate) fn new(domain: &'d Domain, owner: Owner, dry_run: bool) -> Self {
        Self {
            domain,
            owner,
            dry_run,
            current: None,
        }
    }

    /// The transaction for the next record: a new one once the current has
    /// held the writer for [`CHUNK_TIME`] (the contacts still `pending` are
    /// stored in it first).
    pub(crate) async fn txn(
        &mut self,
        pending: &mut Pending,
    ) -> Result<&sea_orm::DatabaseTransaction, AppError> {
        let expired = !self.dry_run
            && self
                .current
                .as_ref()
                .is_some_and(|(_, started)| started.elapsed() >= CHUNK_TIME);
        if expired {
            self.commit(pending).await?;
        }
        let current = match self.current.take() {
            Some(current) => current,
            None => (db::begin_write(self.domain.writer()).await?, Instant::now()),
        };
        Ok(&self.current.insert(current).0)
    }

    async fn commit(&mut self, pending: &mut Pending) -> Result<(), AppError> {
        if let Some((txn, _)) = self.current.take() {
            pending.flush(&txn, self.owner).await?;
            if self.dry_run {
                txn.rollback().await?;
            } else {
                txn.commit().await?;
                self.domain.network_may_have_changed(self.owner);
            }
        }
        Ok(())
    }

    /// Stores what is pending and ends the last transaction.
    pub(crate) async fn finish(mut self, pending: &mut Pending) -> Result<(), AppError> {
        self.commit(pending).await
    }
}

/// Writes contact records in transactions of about [`CHUNK_TIME`] each
/// (see the module docs); a dry run rolls each back.
async fn import_contacts(
    domain: &Domain,
    owner: Owner,
    records: Vec<formats::Record>,
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let mut matcher = Matcher::load(domain.reader(), owner, false).await?;
    let mut pending = Pending::default();
    let mut records = records.into_iter().peekable();
    // Records validated and shaped into contacts before the writer is taken:
    // a transaction only matches, merges and stores.
    let mut ready = std::collections::VecDeque::with_capacity(CHUNK_ROWS);
    while records.peek().is_some() || !ready.is_empty() {
        if ready.is_empty() {
            ready.extend(records.by_ref().take(CHUNK_ROWS).map(|(position, record)| {
                let prepared =
                    record.and_then(|input| write::prepare(owner, input).map_err(describe));
                (position, prepared)
            }));
        }
        let txn = db::begin_write(domain.writer()).await?;
        let started = Instant::now();
        let mut created = Vec::new();
        while started.elapsed() < CHUNK_TIME && pending.rows.len() < CHUNK_ROWS {
            let Some((position, prepared)) = ready.pop_front() else {
                break;
            };
            let outcome = match prepared {
                Err(message) => Err(message),
                Ok(incoming) => {
                    upsert_contact(&txn, owner, &mut matcher, &mut pending, incoming, true)
                        .await
                        .map_err(describe)
                }
            };
            match outcome {
                Ok(outcome) => {
                    if let Outcome::Created(id) = outcome {
                        created.push(id);
                    }
                    outcome.count(&mut report);
                }
                Err(message) => report.error(ImportError::at(position, message)),
            }
        }
        pending.flush(&txn, owner).await?;
        if dry_run {
            txn.rollback().await?;
            matcher.imagined.extend(created);
        } else {
            txn.commit().await?;
            domain.network_may_have_changed(owner);
        }
    }
    Ok(report)
}
