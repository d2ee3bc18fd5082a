//! Keeping the stored intersections equal to what the engine finds, in the
//! background, never on a request's path.
//!
//! A write that changes a user's network schedules a round for them
//! ([`Refresher::schedule`]); rounds are debounced and coalesced, one per
//! user at a time in this process, and claimed per user across processes on
//! PostgreSQL (an advisory lock). A round:
//!
//! 1. reads the network and the stored findings in one read-only snapshot;
//! 2. runs the engine outside any transaction, on the blocking pool;
//! 3. applies the difference in batches of [`BATCH`] rows, each its own
//!    short write transaction that commits only if the network version has
//!    not moved since the snapshot (otherwise the round starts again): new
//!    findings are inserted as `suggested`, changed ones replaced (same id,
//!    same `created_at`), decided ones updated in place (status and note
//!    kept), and findings that are gone deleted only while still
//!    `suggested`. So a decision survives every recomputation and a
//!    dismissed intersection never returns as a suggestion. Rows the user
//!    recorded are never touched;
//! 4. recounts the contacts each batch touched, and finally records the
//!    version and engine the stored set now matches.
//!
//! Readers see the last computed state until the final step; those that
//! show intersection data wait for it first ([`Refresher::settled`]), up to
//! the time they allow.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{intersection, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use tokio::sync::{Semaphore, watch};
use uuid::Uuid;

use super::cache::NetworkCache;
use super::refresh::{blocking, load_network, stale, stored_versions};
use super::{introductions, recount};
use crate::db;
use crate::domain::enums::{IntersectionOrigin, IntersectionStatus};
use crate::domain::tenancy::Owner;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::outbox;
use crate::error::AppError;
use crate::intersections as engine;

/// A step of a round inside one of its write transactions.
type Step<'t> = Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 't>>;

/// Rows per write transaction at most: well under both databases'
/// parameter limits, and a few milliseconds of the writer on SQLite.
pub(crate) const BATCH: usize = 500;

/// What a batch's write transaction should last: batches shrink (to
/// [`MIN_BATCH`] rows) when one takes longer, and grow back when they take
/// much less, so a slow disk or a busy database does not make the writer
/// wait long behind a recomputation.
const BATCH_TARGET: Duration = Duration::from_millis(40);
const MIN_BATCH: usize = 25;

/// How long a round waits for more writes before it starts.
const DEBOUNCE: Duration = Duration::from_millis(20);

/// The longest pause between rounds that keep finding the network moved:
/// under a steady stream of writes no result could be applied, so rounds
/// back off rather than compute for nothing.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// How often a round checks whether another process finished the work it
/// could not claim, and how long it keeps checking.
const CLAIM_POLL: Duration = Duration::from_millis(100);
const CLAIM_PATIENCE: Duration = Duration::from_secs(120);

/// Rounds computing at once: each holds a network in memory and keeps a core
/// busy.
const CONCURRENT_ROUNDS: usize = 1;

/// Networks from which a round hands its freed memory back to the system
/// (below it, the memory is small and soon reused).
const LARGE_NETWORK: usize = 10_000;

pub struct Refresher {
    inner: Arc<Inner>,
}

struct Inner {
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    networks: Arc<NetworkCache>,
    rounds: Mutex<HashMap<Uuid, Round>>,
    computing: Semaphore,
    /// Users whose introductions were computed on a network a round has
    /// since forgotten: computed again ahead once the round is done.
    warm_introductions: Mutex<HashSet<Uuid>>,
}

/// A user's rounds: whether one is running, whether another was asked for
/// meanwhile, and a counter bumped after each, which waiters watch.
struct Round {
    running: bool,
    again: bool,
    finished: watch::Sender<u64>,
}

/// How a round ended.
enum Outcome {
    /// The stored intersections match the network (now, or already).
    Current,
    /// The network moved while the round worked: start again.
    Moved,
    /// Another process holds the user's claim.
    Claimed,
}

impl Refresher {
    pub fn new(
        reader: DatabaseConnection,
        writer: DatabaseConnection,
        networks: Arc<NetworkCache>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                reader,
                writer,
                networks,
                rounds: Mutex::new(HashMap::new()),
                computing: Semaphore::new(CONCURRENT_ROUNDS),
                warm_introductions: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Asks for a round for `owner`: started after a short pause, or, if one
    /// is running, run once more after it.
    pub fn schedule(&self, owner: Owner) {
        self.start(owner, DEBOUNCE);
    }

    /// Starts a round after `pause`, unless one is running: then it runs
    /// once more after that one.
    fn start(&self, owner: Owner, pause: Duration) {
        let mut rounds = self.inner.rounds();
        let round = rounds.entry(owner.id()).or_insert_with(Round::idle);
        if round.running {
            round.again = true;
            return;
        }
        round.running = true;
        drop(rounds);
        let inner = self.inner.clone();
        tokio::spawn(async move { inner.run(owner, pause).await });
    }

    /// Waits up to `wait` for the owner's stored intersections to match
    /// their network, scheduling a round if they do not. `true` when they
    /// still lag behind (a round is pending or failed).
    pub async fn settled(&self, owner: Owner, wait: Duration) -> Result<bool, AppError> {
        if stale(&self.inner.reader, owner).await?.is_none() {
            return Ok(false);
        }
        let mut finished = self.inner.watch(owner);
        // A reader is waiting: no pause for more writes.
        self.start(owner, Duration::ZERO);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if tokio::time::timeout_at(deadline, finished.changed())
                .await
                .is_err()
            {
                return Ok(stale(&self.inner.reader, owner).await?.is_some());
            }
            if stale(&self.inner.reader, owner).await?.is_none() {
                return Ok(false);
            }
            if !self.inner.is_running(owner) {
                // The round failed (it logged why); the next read tries again.
                return Ok(true);
            }
        }
    }
}

impl Round {
    fn idle() -> Self {
        Self {
            running: false,
            again: false,
            finished: watch::channel(0).0,
        }
    }
}

impl Inner {
    fn rounds(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Round>> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn watch(&self, owner: Owner) -> watch::Receiver<u64> {
        self.rounds()
            .entry(owner.id())
            .or_insert_with(Round::idle)
            .finished
            .subscribe()
    }

    fn is_running(&self, owner: Owner) -> bool {
        self.rounds()
            .get(&owner.id())
            .is_some_and(|round| round.running)
    }

    /// Runs rounds for `owner` until one finds nothing more to do.
    async fn run(self: Arc<Self>, owner: Owner, first_pause: Duration) {
        let mut pause = first_pause;
        let claim_deadline = Instant::now() + CLAIM_PATIENCE;
        loop {
            tokio::time::sleep(pause).await;
            if let Some(round) = self.rounds().get_mut(&owner.id()) {
                round.again = false;
            }
            let began = Instant::now();
            let outcome = match self.computing.acquire().await {
                Ok(_permit) => self.round(owner).await,
                Err(closed) => Err(AppError::internal(closed)),
            };
            pause = match &outcome {
                Ok(Outcome::Current) => DEBOUNCE,
                // At least as long as the round took: under a stream of
                // writes, rounds that cannot apply take half a core at most.
                Ok(Outcome::Moved) => (pause.max(DEBOUNCE) * 2)
                    .max(began.elapsed())
                    .min(MAX_BACKOFF),
                Ok(Outcome::Claimed) if Instant::now() < claim_deadline => CLAIM_POLL,
                Ok(Outcome::Claimed) => {
                    tracing::warn!(user_id = %owner.id(), "another process kept the claim on these intersections; giving up for now");
                    DEBOUNCE
                }
                Err(err) => {
                    tracing::error!(user_id = %owner.id(), error = %err, "recomputing intersections failed");
                    DEBOUNCE
                }
            };
            let go_on = matches!(outcome, Ok(Outcome::Moved))
                || (matches!(outcome, Ok(Outcome::Claimed)) && Instant::now() < claim_deadline);
            let mut rounds = self.rounds();
            let Some(round) = rounds.get_mut(&owner.id()) else {
                return;
            };
            round.finished.send_modify(|n| *n += 1);
            if go_on || round.again {
                continue;
            }
            round.running = false;
            if round.finished.receiver_count() == 0 {
                rounds.remove(&owner.id());
            }
            return;
        }
    }

    /// One round: see the module docs.
    #[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
    async fn round(&self, owner: Owner) -> Result<Outcome, AppError> {
        if stale(&self.reader, owner).await?.is_none() {
            return Ok(Outcome::Current);
        }
        let Some(claim) = Claim::take(&self.reader, owner).await? else {
            return Ok(Outcome::Claimed);
        };
        let started = Instant::now();
        if let Some(version) = stale(&self.reader, owner).await? {
            // The cached network is older than what this round loads.
            if self.networks.forget_older(owner, version) {
                self.warm_introductions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(owner.id());
            }
        }
        let snapshot = db::begin_snapshot(&self.reader).await?;
        // Read first, so that the snapshot's version is the one its rows
        // belong to.
        let Some(version) = stale(&snapshot, owner).await? else {
            snapshot.commit().await?;
            claim.release().await?;
            return Ok(Outcome::Current);
        };
        let network = load_network(&snapshot, owner).await?;
        let stored = Stored::load(&snapshot, owner).await?;
        snapshot.commit().await?;
        let loaded = started.elapsed();
        let (network, found) = blocking(move || {
            let found = network.intersections();
            (network, found)
        })
        .await?;
        let computed = started.elapsed();
        let items = network.len();
        if network_version(&self.reader, owner).await? != Some(version) {
            claim.release().await?;
            drop(network);
            release_if_large(items);
            tracing::info!(
                items,
                "the network moved during the recomputation; starting again"
            );
            return Ok(Outcome::Moved);
        }
        let mut apply = Apply {
            writer: &self.writer,
            owner,
            version,
            longest: Duration::ZERO,
            batch_size: BATCH,
            changes: Changes::default(),
        };
        let outcome = apply.all(stored, found).await;
        claim.release().await?;
        if !outcome? {
            drop(network);
            release_if_large(items);
            tracing::info!(
                items,
                applied = apply.changes.total(),
                longest_write_ms = apply.longest.as_millis() as u64,
                "the network moved during the recomputation; starting again"
            );
            return Ok(Outcome::Moved);
        }
        let warm = self
            .warm_introductions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&owner.id());
        let snapshot = self.networks.insert(owner, version, network);
        release_if_large(items);
        tracing::info!(
            items,
            version,
            inserted = apply.changes.inserted,
            updated = apply.changes.updated,
            deleted = apply.changes.deleted,
            load_ms = loaded.as_millis() as u64,
            compute_ms = (computed - loaded).as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            longest_write_ms = apply.longest.as_millis() as u64,
            "intersections recomputed"
        );
        // Apart, so that readers waiting for the intersections do not wait
        // for the introductions too.
        let (reader, writer) = (self.reader.clone(), self.writer.clone());
        tokio::spawn(async move {
            if warm && let Err(err) = introductions::warm(&reader, owner, &snapshot).await {
                tracing::warn!(user_id = %owner.id(), error = %err, "computing introductions ahead failed");
            }
            if let Err(err) = introductions::announce(&reader, &writer, owner, &snapshot).await {
                tracing::warn!(user_id = %owner.id(), error = %err, "announcing new introductions failed");
            }
        });
        Ok(Outcome::Current)
    }
}

/// Records `intersection.found` for new suggestions, in the transaction
/// that stores them, when a subscription wants it.
async fn announce_found(
    txn: &DatabaseTransaction,
    owner: Owner,
    found: Vec<Uuid>,
) -> Result<(), AppError> {
    if found.is_empty() || !outbox::wanted(txn, owner, EventType::IntersectionFound).await? {
        return Ok(());
    }
    let mut new = Vec::with_capacity(found.len());
    for ids in found.chunks(500) {
        new.extend(
            owner
                .find::<intersection::Entity>()
                .filter(intersection::Column::Id.is_in(ids.iter().copied()))
                .filter(intersection::Column::Status.eq(IntersectionStatus::Suggested.as_str()))
                .all(txn)
                .await?
                .into_iter()
                .map(super::Intersection::from),
        );
    }
    new.sort_by_key(|i| i.id);
    outbox::emit_each(txn, owner, EventType::IntersectionFound, new.iter()).await
}

/// Hands a large network's freed memory back to the system.
fn release_if_large(items: usize) {
    if items >= LARGE_NETWORK {
        tokio::task::spawn_blocking(crate::memory::release_free_memory);
    }
}

/// One process's claim on a user's recomputation. On PostgreSQL, a
/// transaction-scoped advisory lock, held by an otherwise idle transaction
/// for the round's duration (released with it, also if the process dies);
/// on SQLite, one process serves the database, and [`Inner::run`] already
/// keeps one round per user.
struct Claim(Option<DatabaseTransaction>);

impl Claim {
    async fn take(db: &DatabaseConnection, owner: Owner) -> Result<Option<Claim>, AppError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Some(Claim(None)));
        }
        let txn = db.begin().await?;
        let claimed = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS claimed",
                [lock_key(owner).into()],
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "claimed"))
            .transpose()?
            .unwrap_or(false);
        if claimed {
            Ok(Some(Claim(Some(txn))))
        } else {
            txn.rollback().await?;
            Ok(None)
        }
    }

    async fn release(self) -> Result<(), AppError> {
        if let Some(txn) = self.0 {
            txn.commit().await?;
        }
        Ok(())
    }
}

/// The advisory lock key of a user: 64 bits of their (random) id.
fn lock_key(owner: Owner) -> i64 {
    let bytes = owner.id().into_bytes();
    i64::from_be_bytes(bytes[8..].try_into().unwrap_or_default())
}

/// What is stored of the engine's findings: enough to tell what changed.
struct Stored(HashMap<Uuid, StoredRow>);

struct StoredRow {
    contact_id: Uuid,
    suggested: bool,
    /// [`fingerprint`] of the score and reasons.
    fingerprint: u64,
    created_at: DateTime<Utc>,
}

impl Stored {
    /// Read a page at a time: reasons are parsed to a fingerprint and
    /// dropped, so only the fingerprints stay in memory.
    async fn load(db: &impl ConnectionTrait, owner: Owner) -> Result<Self, AppError> {
        type Row = (Uuid, Uuid, String, f64, serde_json::Value, DateTime<Utc>);
        let suggested = IntersectionStatus::Suggested.as_str();
        let mut rows = HashMap::new();
        let mut after: Option<Uuid> = None;
        loop {
            let mut query = owner
                .find::<intersection::Entity>()
                .select_only()
                .columns([
                    intersection::Column::Id,
                    intersection::Column::ContactId,
                    intersection::Column::Status,
                    intersection::Column::Score,
                    intersection::Column::Reasons,
                    intersection::Column::CreatedAt,
                ])
                .filter(intersection::Column::Origin.eq(IntersectionOrigin::Computed.as_str()))
                .order_by_asc(intersection::Column::Id)
                .limit(STORED_PAGE);
            if let Some(after) = after {
                query = query.filter(intersection::Column::Id.gt(after));
            }
            let page: Vec<Row> = query.into_tuple().all(db).await?;
            let full = page.len() as u64 == STORED_PAGE;
            for (id, contact_id, status, score, reasons, created_at) in page {
                after = Some(id);
                rows.insert(
                    id,
                    StoredRow {
                        contact_id,
                        suggested: status == suggested,
                        fingerprint: fingerprint(score, &reasons),
                        created_at,
                    },
                );
            }
            if !full {
                return Ok(Self(rows));
            }
        }
    }
}

const STORED_PAGE: u64 = 5_000;

/// A hash of a finding's score and reasons (as JSON, the way they are
/// stored), to compare a new finding with the stored one without keeping
/// every stored reason in memory. Object keys are hashed in sorted order:
/// PostgreSQL's `jsonb` gives them back in an order of its own.
fn fingerprint(score: f64, reasons: &serde_json::Value) -> u64 {
    fn feed(value: &serde_json::Value, hasher: &mut impl Hasher) {
        use serde_json::Value;
        match value {
            Value::Null => 0u8.hash(hasher),
            Value::Bool(b) => (1u8, b).hash(hasher),
            Value::Number(n) => (2u8, n.to_string()).hash(hasher),
            Value::String(s) => (3u8, s).hash(hasher),
            Value::Array(items) => {
                (4u8, items.len()).hash(hasher);
                items.iter().for_each(|item| feed(item, hasher));
            }
            Value::Object(map) => {
                (5u8, map.len()).hash(hasher);
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_unstable();
                for key in keys {
                    key.hash(hasher);
                    feed(&map[key], hasher);
                }
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    score.to_bits().hash(&mut hasher);
    feed(reasons, &mut hasher);
    hasher.finish()
}

#[derive(Default)]
struct Changes {
    inserted: usize,
    updated: usize,
    deleted: usize,
}

impl Changes {
    fn total(&self) -> usize {
        self.inserted + self.updated + self.deleted
    }
}

/// The difference between stored and found, applied batch by batch.
struct Apply<'a> {
    writer: &'a DatabaseConnection,
    owner: Owner,
    /// The network version the findings were computed from.
    version: i64,
    /// The longest write transaction so far.
    longest: Duration,
    /// Rows in the next batch (see [`BATCH_TARGET`]).
    batch_size: usize,
    changes: Changes,
}

/// One batch: what to delete (only while still suggested), insert, and
/// update in place.
#[derive(Default)]
struct Batch {
    delete: Vec<Uuid>,
    insert: Vec<intersection::ActiveModel>,
    update: Vec<(Uuid, f64, serde_json::Value)>,
    contacts: HashSet<Uuid>,
    /// Inserted ids that are new suggestions (not replacements).
    found: Vec<Uuid>,
}

impl Batch {
    fn len(&self) -> usize {
        self.delete.len() + self.insert.len() + self.update.len()
    }
}

impl Apply<'_> {
    /// Applies every change; `false` when the network moved first.
    async fn all(
        &mut self,
        mut stored: Stored,
        found: Vec<engine::Found>,
    ) -> Result<bool, AppError> {
        let now = Utc::now();
        let suggested = IntersectionStatus::Suggested.as_str();
        let mut batch = Batch::default();
        for f in found {
            let reasons = serde_json::to_value(&f.reasons).map_err(AppError::internal)?;
            let created_at = match stored.0.remove(&f.id) {
                None => {
                    self.changes.inserted += 1;
                    batch.found.push(f.id);
                    now
                }
                Some(row) if row.fingerprint == fingerprint(f.score, &reasons) => continue,
                // Replaced: in batches, cheaper than one UPDATE per row
                // when, after a change, most weights shift a little.
                Some(row) if row.suggested => {
                    self.changes.updated += 1;
                    batch.delete.push(f.id);
                    row.created_at
                }
                // A decided one keeps its status and note.
                Some(_) => {
                    self.changes.updated += 1;
                    batch.contacts.insert(f.contact_id);
                    batch.update.push((f.id, f.score, reasons));
                    continue;
                }
            };
            batch.contacts.insert(f.contact_id);
            batch.insert.push(intersection::ActiveModel {
                id: Set(f.id),
                owner_id: Set(self.owner.id()),
                contact_id: Set(f.contact_id),
                kind: Set(f.kind.as_str().into()),
                my_goal_id: Set(f.mine),
                their_goal_id: Set(f.theirs),
                score: Set(f.score),
                reasons: Set(reasons),
                status: Set(suggested.into()),
                note: Set(None),
                origin: Set(IntersectionOrigin::Computed.as_str().into()),
                created_at: Set(created_at),
                updated_at: Set(now),
            });
            if batch.len() >= self.batch_size && !self.batch(std::mem::take(&mut batch)).await? {
                return Ok(false);
            }
        }
        // Gone from the engine's findings: only undecided ones go (the
        // delete checks the status again, in its transaction).
        for (id, row) in stored.0 {
            if row.suggested {
                self.changes.deleted += 1;
                batch.contacts.insert(row.contact_id);
                batch.delete.push(id);
                if batch.len() >= self.batch_size && !self.batch(std::mem::take(&mut batch)).await?
                {
                    return Ok(false);
                }
            }
        }
        if batch.len() > 0 && !self.batch(batch).await? {
            return Ok(false);
        }
        self.finish().await
    }

    /// Applies one batch in its own write transaction; `false` (and nothing
    /// written) when the network moved since the snapshot.
    async fn batch(&mut self, batch: Batch) -> Result<bool, AppError> {
        let mut contacts: Vec<Uuid> = batch.contacts.iter().copied().collect();
        let rows = batch.len();
        let before = self.longest;
        self.longest = Duration::ZERO;
        let applied = self
            .timed(move |txn, owner| {
                Box::pin(async move {
                    if !batch.delete.is_empty() {
                        owner
                            .delete::<intersection::Entity>()
                            .filter(intersection::Column::Id.is_in(batch.delete.iter().copied()))
                            .filter(
                                intersection::Column::Status
                                    .eq(IntersectionStatus::Suggested.as_str()),
                            )
                            .exec(txn)
                            .await?;
                    }
                    if !batch.insert.is_empty() {
                        // A row may exist already under the same id: recorded by
                        // the user meanwhile, or a replaced one decided meanwhile.
                        intersection::Entity::insert_many(batch.insert)
                            .on_conflict_do_nothing()
                            .exec_without_returning(txn)
                            .await?;
                    }
                    announce_found(txn, owner, batch.found).await?;
                    for (id, score, reasons) in batch.update {
                        owner
                            .update::<intersection::Entity>()
                            .set(intersection::ActiveModel {
                                score: Set(score),
                                reasons: Set(reasons),
                                updated_at: Set(Utc::now()),
                                ..Default::default()
                            })
                            .filter(intersection::Column::Id.eq(id))
                            .exec(txn)
                            .await?;
                    }
                    contacts.sort_unstable();
                    recount(txn, owner, &contacts).await?;
                    Ok(())
                })
            })
            .await;
        let took = self.longest;
        self.longest = before.max(took);
        if took > BATCH_TARGET {
            self.batch_size = (rows / 2).max(MIN_BATCH);
        } else if took < BATCH_TARGET / 4 && rows >= self.batch_size {
            self.batch_size = (self.batch_size * 2).min(BATCH);
        }
        applied
    }

    /// Records the version the stored set now matches, if it still is the
    /// network's.
    async fn finish(&mut self) -> Result<bool, AppError> {
        let version = self.version;
        self.timed(move |txn, owner| {
            Box::pin(async move {
                owner
                    .update::<user::Entity>()
                    .col_expr(user::Column::IntersectionsVersion, version.into())
                    .col_expr(
                        user::Column::IntersectionsEngine,
                        engine::engine_version().into(),
                    )
                    .exec(txn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Runs `work` in a write transaction that commits only if the network
    /// version is still the snapshot's; `false` (and nothing written) when
    /// it moved. Records how long the transaction took.
    async fn timed<F>(&mut self, work: F) -> Result<bool, AppError>
    where
        F: for<'t> FnOnce(&'t DatabaseTransaction, Owner) -> Step<'t>,
    {
        let txn = db::begin_write(self.writer).await?;
        // From the moment this transaction holds the writer (SQLite) or
        // begins (PostgreSQL): the wait for it is other writers' time.
        let started = Instant::now();
        // On SQLite this transaction holds the only write lock: checked here,
        // the version cannot move before it commits, and a moved network
        // costs no work. On PostgreSQL it is checked again at the end, under
        // a lock (first would deadlock: writers lock the user's row after
        // the rows they change).
        let postgres = txn.get_database_backend() == DbBackend::Postgres;
        let outcome = match self.moved(&txn, false).await {
            Ok(true) => Ok(false),
            Ok(false) => match work(&txn, self.owner).await {
                Ok(()) if postgres => self.moved(&txn, true).await.map(|moved| !moved),
                Ok(()) => Ok(true),
                Err(err) => Err(err),
            },
            Err(err) => Err(err),
        };
        let committed = match outcome {
            Ok(true) => {
                txn.commit().await?;
                true
            }
            Ok(false) => {
                txn.rollback().await?;
                false
            }
            Err(err) => {
                txn.rollback().await?;
                // A contact or goal deleted meanwhile fails a foreign key:
                // the network moved, and the round starts again.
                if network_version(self.writer, self.owner).await? == Some(self.version) {
                    return Err(err);
                }
                false
            }
        };
        self.longest = self.longest.max(started.elapsed());
        Ok(committed)
    }

    /// Whether the network version moved away from the snapshot's; `lock`:
    /// read under a share lock, so no writer changes it before this
    /// transaction commits (PostgreSQL).
    async fn moved(&self, txn: &DatabaseTransaction, lock: bool) -> Result<bool, AppError> {
        let mut query = self
            .owner
            .find::<user::Entity>()
            .select_only()
            .column(user::Column::NetworkVersion);
        if lock {
            query = query.lock_shared();
        }
        let version: Option<i64> = query.into_tuple().one(txn).await?;
        Ok(version != Some(self.version))
    }
}

async fn network_version(db: &impl ConnectionTrait, owner: Owner) -> Result<Option<i64>, AppError> {
    Ok(stored_versions(db, owner)
        .await?
        .map(|(network, ..)| network))
}

#[cfg(test)]
mod tests {
    use entity::contact;
    use sea_orm::{ActiveModelTrait, PaginatorTrait};

    use super::*;
    use crate::config::DatabaseSettings;
    use crate::domain::enums::IntersectionStatus;
    use crate::domain::intersections::network_changed;
    use crate::seed::{self, GoalText};

    /// A migrated SQLite database in a temporary file, with one user and a
    /// small network: the reader pool and the writer.
    async fn network() -> (
        DatabaseConnection,
        DatabaseConnection,
        Owner,
        std::path::PathBuf,
    ) {
        let path = std::env::temp_dir().join(format!("rapport-refresher-{}.db", Uuid::now_v7()));
        let settings = DatabaseSettings {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            pool_size: 2,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        };
        let reader = db::connect(&settings).await.unwrap();
        db::migrate(&reader).await.unwrap();
        let writer = db::connect_writer(&settings, &reader).await.unwrap();
        let id = Uuid::now_v7();
        let now = Utc::now();
        user::ActiveModel {
            id: Set(id),
            email: Set(format!("{id}@example.com")),
            password_hash: Set(String::new()),
            name: Set("Ada".into()),
            headline: Set(None),
            summary: Set(None),
            special: Set(None),
            interests: Set(entity::Tags(vec!["sailing".into()])),
            created_at: Set(now),
            updated_at: Set(now),
            network_version: Set(1),
            intersections_version: Set(0),
            intersections_engine: Set(0),
        }
        .insert(&writer)
        .await
        .unwrap();
        let contacts = seed::network(&writer, id, 300, 0, 7).await.unwrap();
        seed::goals(&writer, id, &contacts, (30, 500), GoalText::Words, 7)
            .await
            .unwrap();
        (reader, writer, Owner::new(id), path)
    }

    async fn versions(db: &DatabaseConnection, owner: Owner) -> (i64, i64) {
        let (network, computed, _) = stored_versions(db, owner).await.unwrap().unwrap();
        (network, computed)
    }

    async fn stored(db: &DatabaseConnection, owner: Owner) -> u64 {
        owner
            .find::<intersection::Entity>()
            .count(db)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_round_applies_nothing_when_the_network_moved_and_settles_exactly_after() {
        let (reader, writer, owner, path) = network().await;
        let version = stale(&reader, owner)
            .await
            .unwrap()
            .expect("never computed");
        let network = load_network(&reader, owner).await.unwrap();
        let stored_before = Stored::load(&reader, owner).await.unwrap();
        let found = network.intersections();
        assert!(
            found.len() > BATCH,
            "{} found: enough to need several batches",
            found.len()
        );

        // A write lands between the snapshot and the first batch.
        let txn = db::begin_write(&writer).await.unwrap();
        network_changed(&txn, owner).await.unwrap();
        txn.commit().await.unwrap();
        let mut apply = Apply {
            writer: &writer,
            owner,
            version,
            longest: Duration::ZERO,
            batch_size: BATCH,
            changes: Changes::default(),
        };
        assert!(!apply.all(stored_before, found).await.unwrap());
        assert_eq!(stored(&reader, owner).await, 0, "nothing applied");

        // A whole round against the new version.
        let refresher = Refresher::new(
            reader.clone(),
            writer.clone(),
            Arc::new(NetworkCache::new(1)),
        );
        assert!(matches!(
            refresher.inner.round(owner).await.unwrap(),
            Outcome::Current
        ));
        let (network_version, computed) = versions(&reader, owner).await;
        assert_eq!(network_version, computed);
        let expected = load_network(&reader, owner).await.unwrap().intersections();
        assert_eq!(stored(&reader, owner).await, expected.len() as u64);

        // Counts are exact: each contact's count is its stored rows.
        let counts: Vec<(Uuid, i32)> = owner
            .find::<contact::Entity>()
            .select_only()
            .columns([contact::Column::Id, contact::Column::IntersectionCount])
            .into_tuple()
            .all(&reader)
            .await
            .unwrap();
        for (id, count) in counts {
            let rows = expected.iter().filter(|f| f.contact_id == id).count();
            assert_eq!(count as usize, rows, "contact {id}");
        }

        // A dismissed one survives the next recomputation, dismissed; the
        // rest are recomputed.
        let dismissed = expected[0].id;
        owner
            .update::<intersection::Entity>()
            .col_expr(
                intersection::Column::Status,
                IntersectionStatus::Dismissed.as_str().into(),
            )
            .filter(intersection::Column::Id.eq(dismissed))
            .exec(&writer)
            .await
            .unwrap();
        let txn = db::begin_write(&writer).await.unwrap();
        network_changed(&txn, owner).await.unwrap();
        txn.commit().await.unwrap();
        assert!(matches!(
            refresher.inner.round(owner).await.unwrap(),
            Outcome::Current
        ));
        let status: Option<String> = owner
            .find::<intersection::Entity>()
            .select_only()
            .column(intersection::Column::Status)
            .filter(intersection::Column::Id.eq(dismissed))
            .into_tuple()
            .one(&reader)
            .await
            .unwrap();
        assert_eq!(status.as_deref(), Some("dismissed"));
        // Nothing changed since: the next round finds it current at once.
        assert!(matches!(
            refresher.inner.round(owner).await.unwrap(),
            Outcome::Current
        ));
        drop((reader, writer));
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn readers_wait_for_the_background_round_or_say_it_is_pending() {
        let (reader, writer, owner, path) = network().await;
        let refresher = Refresher::new(
            reader.clone(),
            writer.clone(),
            Arc::new(NetworkCache::new(1)),
        );
        assert!(
            refresher.settled(owner, Duration::ZERO).await.unwrap(),
            "not computed yet, and no time to wait"
        );
        assert!(
            !refresher
                .settled(owner, Duration::from_secs(30))
                .await
                .unwrap()
        );
        let (network_version, computed) = versions(&reader, owner).await;
        assert_eq!(network_version, computed);
        drop((reader, writer));
        let _ = std::fs::remove_file(&path);
    }
}
