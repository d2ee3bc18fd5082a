//! What every use case runs with: the connections, the network cache and the
//! rule that keeps stored intersections current.
//!
//! A use case that writes runs in [`Domain::write`], which opens the write
//! transaction, commits it when the work succeeds (dropping it rolls back
//! otherwise), and then tells the refresher that the user's network may have
//! moved. A use case that shows intersection data (the intersections, a
//! contact's `intersection_count`, the brief, the insights, the export) takes
//! a [`Fresh`], which only [`Domain::fresh`] makes: forgetting to bring the
//! data up to date does not compile. Reads never open a write transaction;
//! recomputation runs in the background ([`crate::domain::intersections::refresher`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DatabaseConnection, DatabaseTransaction};

use crate::db;
use crate::domain::intersections::cache::NetworkCache;
use crate::domain::intersections::refresher::Refresher;
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// The work of a use case inside a write transaction.
pub type Work<'t, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + 't>>;

pub struct Domain {
    /// Reads, and writes that are one statement.
    reader: DatabaseConnection,
    /// Every transaction that writes begins here ([`db::connect_writer`]).
    writer: DatabaseConnection,
    networks: Arc<NetworkCache>,
    refresher: Refresher,
}

impl Domain {
    pub fn new(
        reader: DatabaseConnection,
        writer: DatabaseConnection,
        networks: NetworkCache,
    ) -> Self {
        let networks = Arc::new(networks);
        let refresher = Refresher::new(reader.clone(), writer.clone(), networks.clone());
        Self {
            reader,
            writer,
            networks,
            refresher,
        }
    }

    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// For use cases that manage their own transactions (accounts, imports).
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    pub fn networks(&self) -> &Arc<NetworkCache> {
        &self.networks
    }

    /// Runs `work` in one write transaction: committed when it succeeds,
    /// rolled back when it fails. Afterwards the user's intersections are
    /// recomputed in the background if the work changed their network.
    pub async fn write<T, F>(&self, owner: Owner, work: F) -> Result<T, AppError>
    where
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, T>,
    {
        let txn = db::begin_write(&self.writer).await?;
        let done = match work(&txn).await {
            Ok(value) => txn.commit().await.map(|()| value).map_err(AppError::from),
            Err(err) => Err(err),
        };
        match done {
            Ok(value) => {
                self.refresher.schedule(owner);
                crate::domain::webhooks::outbox::committed();
                Ok(value)
            }
            Err(err) => Err(self.explain(owner, err).await),
        }
    }

    /// A write refused because a row it refers to is gone is, when that row
    /// is the account itself, a request with a token that outlived its
    /// account: a 401, not a conflict.
    pub async fn explain(&self, owner: Owner, err: AppError) -> AppError {
        if !err.is_reference_gone() {
            return err;
        }
        match self.account_exists(owner).await {
            Ok(false) => AppError::account_deleted(),
            _ => err,
        }
    }

    /// Whether the owner's account still exists.
    pub async fn account_exists(&self, owner: Owner) -> Result<bool, AppError> {
        owner
            .owns::<entity::user::Entity>(&self.reader, owner.id())
            .await
    }

    /// Tells the refresher to look at the user's network: for writes made
    /// outside [`Domain::write`] (an import's own transactions).
    pub fn network_may_have_changed(&self, owner: Owner) {
        self.refresher.schedule(owner);
        crate::domain::webhooks::outbox::committed();
    }

    /// Waits, up to `wait`, for the user's stored intersections to catch up
    /// with their network, and says whether they did.
    pub async fn fresh(&self, owner: Owner, wait: Wait) -> Result<Fresh, AppError> {
        let stale = self.refresher.settled(owner, wait.0).await?;
        Ok(Fresh { owner, stale })
    }
}

/// How long a read may wait for a pending recomputation (`Prefer: wait=N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl Wait {
    /// Without `Prefer: wait`: long enough for every network but the
    /// largest, so reads after writes are exact in practice.
    pub const DEFAULT: Wait = Wait(Duration::from_secs(5));
    /// The longest wait a client may ask for.
    pub const MAX_SECS: u64 = 60;
}

impl Default for Wait {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Proof that the owner's intersections were brought up to date (or waited
/// for) before a read that shows them. Only [`Domain::fresh`] makes one.
#[derive(Clone, Copy, Debug)]
pub struct Fresh {
    owner: Owner,
    stale: bool,
}

impl Fresh {
    pub fn owner(&self) -> Owner {
        self.owner
    }

    /// A recomputation is still pending: the intersections shown are the
    /// last ones computed, from an older state of the network.
    pub fn stale(&self) -> bool {
        self.stale
    }
}
