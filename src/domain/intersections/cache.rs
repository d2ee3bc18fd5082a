//! Built networks kept in memory between requests, per user and network
//! version. Loading and indexing a network of 50,000 goals takes most of a
//! second; introductions over it take longer. Both depend only on the
//! network, so they are reused until a write bumps the user's version (read
//! from the database on every use, so every process sees every write).
//! Bounded: the least recently used network goes first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::refresh::{blocking, load_network, stored_versions};
use crate::domain::tenancy::Owner;
use crate::error::AppError;
use crate::intersections::{Introduction, Network, Skip};

/// A network as of one version, and what was computed from it.
pub struct Snapshot {
    pub network: Network,
    /// The last introductions computed, with the fingerprint of what they
    /// left out (resting contacts, dismissed pairs): a decision or a date
    /// that wakes a contact computes them again, anything else reuses them.
    introductions: Mutex<Option<(u64, Arc<Vec<Introduction>>)>>,
}

impl Snapshot {
    /// The network's introductions (each contact's `per_contact` best),
    /// leaving out what `skip` says; computed once per snapshot and skip.
    pub async fn introductions(
        self: &Arc<Self>,
        per_contact: usize,
        skip: Skip,
    ) -> Result<Arc<Vec<Introduction>>, AppError> {
        let fingerprint = fingerprint(per_contact, &skip);
        if let Some(found) = self.cached_introductions(fingerprint) {
            return Ok(found);
        }
        let snapshot = self.clone();
        blocking(move || {
            let found = Arc::new(snapshot.network.introductions(per_contact, &skip));
            *snapshot
                .introductions
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some((fingerprint, found.clone()));
            found
        })
        .await
    }

    /// Whether introductions were asked of this snapshot: the next one
    /// computes them ahead of the read that will ask again.
    pub fn has_introductions(&self) -> bool {
        self.introductions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    fn cached_introductions(&self, fingerprint: u64) -> Option<Arc<Vec<Introduction>>> {
        let guard = self.introductions.lock().unwrap_or_else(|e| e.into_inner());
        match &*guard {
            Some((cached, found)) if *cached == fingerprint => Some(found.clone()),
            _ => None,
        }
    }
}

/// A hash of what a computation of introductions depends on besides the
/// network, in an order that does not depend on the sets' iteration order.
fn fingerprint(per_contact: usize, skip: &Skip) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut contacts: Vec<&Uuid> = skip.contacts.iter().collect();
    contacts.sort_unstable();
    let mut pairs: Vec<(Uuid, Uuid)> = skip
        .pairs
        .iter()
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect();
    pairs.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (per_contact, contacts, pairs).hash(&mut hasher);
    hasher.finish()
}

struct Entry {
    version: i64,
    snapshot: Arc<Snapshot>,
    last_used: u64,
}

pub struct NetworkCache {
    capacity: usize,
    entries: Mutex<(u64, HashMap<Uuid, Entry>)>,
}

impl NetworkCache {
    /// Keeps at most `capacity` networks (0: none).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new((0, HashMap::new())),
        }
    }

    /// The owner's network as of its current version: cached, or loaded.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        owner: Owner,
    ) -> Result<Arc<Snapshot>, AppError> {
        let version = network_version(db, owner).await?;
        if let Some(snapshot) = self.lookup(owner, version) {
            return Ok(snapshot);
        }
        let network = load_network(db, owner).await?;
        Ok(self.insert(owner, version, network))
    }

    /// Keeps `network`, built as of `version`; returns it as a snapshot.
    pub fn insert(&self, owner: Owner, version: i64, network: Network) -> Arc<Snapshot> {
        let snapshot = Arc::new(Snapshot {
            network,
            introductions: Mutex::new(None),
        });
        if self.capacity == 0 {
            return snapshot;
        }
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (clock, entries) = &mut *guard;
        *clock += 1;
        if entries.len() >= self.capacity
            && !entries.contains_key(&owner.id())
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(id, _)| *id)
        {
            entries.remove(&oldest);
        }
        entries.insert(
            owner.id(),
            Entry {
                version,
                snapshot: snapshot.clone(),
                last_used: *clock,
            },
        );
        snapshot
    }

    /// Forgets the owner's network unless it is as of `version` (a round
    /// about to load a newer one: two large networks need not live at once);
    /// says whether the forgotten one had its introductions computed.
    pub fn forget_older(&self, owner: Owner, version: i64) -> bool {
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match guard.1.get(&owner.id()) {
            Some(entry) if entry.version != version => guard
                .1
                .remove(&owner.id())
                .is_some_and(|e| e.snapshot.has_introductions()),
            _ => false,
        }
    }

    fn lookup(&self, owner: Owner, version: i64) -> Option<Arc<Snapshot>> {
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (clock, entries) = &mut *guard;
        *clock += 1;
        let entry = entries.get_mut(&owner.id())?;
        if entry.version != version {
            return None;
        }
        entry.last_used = *clock;
        Some(entry.snapshot.clone())
    }
}

/// The owner's current network version.
async fn network_version(db: &impl ConnectionTrait, owner: Owner) -> Result<i64, AppError> {
    stored_versions(db, owner)
        .await?
        .map(|(network, _, _)| network)
        .ok_or_else(|| AppError::not_found("user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner::new(Uuid::now_v7())
    }

    #[test]
    fn a_snapshot_is_reused_only_for_its_version_and_the_least_used_goes_first() {
        let cache = NetworkCache::new(2);
        let (a, b, c) = (owner(), owner(), owner());
        cache.insert(a, 1, Network::build(Vec::new()));
        assert!(cache.lookup(a, 1).is_some());
        assert!(cache.lookup(a, 2).is_none());
        cache.insert(b, 1, Network::build(Vec::new()));
        assert!(cache.lookup(a, 1).is_some());
        cache.insert(c, 1, Network::build(Vec::new()));
        assert!(
            cache.lookup(b, 1).is_none(),
            "b was the least recently used"
        );
        assert!(cache.lookup(a, 1).is_some() && cache.lookup(c, 1).is_some());
        let none = NetworkCache::new(0);
        none.insert(a, 1, Network::build(Vec::new()));
        assert!(none.lookup(a, 1).is_none());
    }
}
