//! What the network answers: the user's intersections (all, or with one
//! contact), the introductions between contacts, and the people who meet one
//! goal.

use std::collections::HashSet;

use uuid::Uuid;

use super::analysis::{self, NO_SURFACE, Surfaces, Terms};
use super::index::{Partners, Query, Scratch};
use super::{Network, PARALLEL_FROM_ITEMS, Pairing, Side, Vector, by_score_then, map_ranges, slot};
use crate::intersections::{
    Facet, Found, Holder, Introduction, Item, Kind, MAX_MATCHES, MIN_SCORE, Match, MatchKind,
    Person, Skip, intersection_id, introduction_id,
};

/// Which of the user's facets meets which of a contact's, as what (two goals
/// that complete each other become [`Kind::ComplementaryGoal`]).
pub(super) const MY_RELATIONS: [(Facet, Facet, Kind); 4] = [
    (Facet::Goal, Facet::Goal, Kind::SharedGoal),
    (Facet::Offer, Facet::Goal, Kind::ICanHelp),
    (Facet::Goal, Facet::Offer, Kind::TheyCanHelp),
    (Facet::Interests, Facet::Interests, Kind::SharedInterest),
];

/// A match found while ranking people, with the item it came from so that
/// its reasons can be given later.
struct Scored {
    item: u32,
    matched: Match,
}

impl Network {
    /// Everything between the user and each contact:
    ///
    /// | the user's | the contact's | kind |
    /// | --- | --- | --- |
    /// | goal | goal | [`Kind::SharedGoal`], or [`Kind::ComplementaryGoal`] |
    /// | offer | goal | [`Kind::ICanHelp`] |
    /// | goal | offer | [`Kind::TheyCanHelp`] |
    /// | interests | interests | [`Kind::SharedInterest`] |
    ///
    /// Sorted by score (highest first), then id.
    pub fn intersections(&self) -> Vec<Found> {
        let mut found = map_ranges(
            self.my_items.len(),
            self.len() >= PARALLEL_FROM_ITEMS,
            || (Scratch::default(), Query::default(), Vec::new()),
            |(scratch, query, candidates), range| {
                let mut found = Vec::new();
                for &mine in &self.my_items[range] {
                    for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                        if self.facets[mine as usize] != my_facet {
                            continue;
                        }
                        let complements = my_facet != Facet::Interests;
                        self.query(self.vector(mine), complements, query);
                        let index = slot(Side::Contacts, their_facet);
                        self.candidates(query, index, scratch, candidates);
                        for &theirs in candidates.iter() {
                            found.extend(self.found(kind, mine, theirs));
                        }
                    }
                }
                found
            },
        );
        sort_found(&mut found);
        found
    }

    /// [`Network::intersections`] with one contact only; it searches from
    /// the contact's few items into the user's index, so it costs about the
    /// same whatever the size of the network.
    pub fn intersections_with(&self, contact_id: Uuid) -> Vec<Found> {
        let Some(&contact) = self.contact_index.get(&contact_id) else {
            return Vec::new();
        };
        let mut scratch = Scratch::default();
        let mut query = Query::default();
        let mut candidates = Vec::new();
        let mut found = Vec::new();
        for &theirs in self.items_of(contact) {
            for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                if self.facets[theirs as usize] != their_facet {
                    continue;
                }
                let complements = their_facet != Facet::Interests;
                self.query(self.vector(theirs), complements, &mut query);
                let index = slot(Side::Me, my_facet);
                self.candidates(&query, index, &mut scratch, &mut candidates);
                for &mine in &candidates {
                    found.extend(self.found(kind, mine, theirs));
                }
            }
        }
        sort_found(&mut found);
        found
    }

    /// Pairs of contacts whose goals and offers meet: one's offer meets the
    /// other's goal, their goals are alike, or they complete each other.
    /// Interests alone never make an introduction. Contacts and pairs in
    /// `skip` are left out.
    ///
    /// Every contact keeps its `per_contact` best partners (best match
    /// first, then partner id); a pair is given when either side keeps the
    /// other. Sorted by score (highest first), then id.
    pub fn introductions(&self, per_contact: usize, skip: &Skip) -> Vec<Introduction> {
        if per_contact == 0 {
            return Vec::new();
        }
        let skipped: Vec<bool> = self
            .contacts
            .iter()
            .map(|contact| skip.contacts.contains(contact))
            .collect();
        let dismissed: HashSet<(u32, u32)> = skip
            .pairs
            .iter()
            .filter_map(|(a, b)| {
                let (a, b) = (*self.contact_index.get(a)?, *self.contact_index.get(b)?);
                Some((a.min(b), a.max(b)))
            })
            .collect();
        let worth_threads = self.len() >= PARALLEL_FROM_ITEMS;
        let mut pairs: Vec<(u32, u32)> = map_ranges(
            self.contacts.len(),
            worth_threads,
            || {
                let partners = Partners::new(per_contact, &skipped, &dismissed);
                (Scratch::default(), Query::default(), partners)
            },
            |(scratch, query, partners), range| {
                let mut pairs = Vec::new();
                for contact in range.start as u32..range.end as u32 {
                    if skipped[contact as usize] {
                        continue;
                    }
                    for &item in self.items_of(contact) {
                        let searched: &[Facet] = match self.facets[item as usize] {
                            Facet::Goal => &[Facet::Goal, Facet::Offer],
                            Facet::Offer => &[Facet::Goal],
                            Facet::Interests => &[],
                        };
                        if searched.is_empty() {
                            continue;
                        }
                        self.query(self.vector(item), true, query);
                        for &facet in searched {
                            let index = slot(Side::Contacts, facet);
                            self.best_partners((contact, item), query, index, scratch, partners);
                        }
                    }
                    for partner in partners.take_top() {
                        pairs.push((contact.min(partner), contact.max(partner)));
                    }
                }
                pairs
            },
        );
        pairs.sort_unstable();
        pairs.dedup();

        let mut introductions: Vec<Introduction> = map_ranges(
            pairs.len(),
            worth_threads,
            || (),
            |_, range| {
                pairs[range]
                    .iter()
                    .filter_map(|&(low, high)| self.introduction(low, high))
                    .collect()
            },
        );
        introductions.sort_by(|a, b| by_score_then((a.score, a.id), (b.score, b.id)));
        introductions
    }

    /// The introduction of two contacts, computed whatever the top lists
    /// keep; `None` when their goals and offers do not meet.
    pub fn introduction_of(&self, a: Uuid, b: Uuid) -> Option<Introduction> {
        let (a, b) = (*self.contact_index.get(&a)?, *self.contact_index.get(&b)?);
        if a == b {
            return None;
        }
        self.introduction(a.min(b), a.max(b))
    }

    /// The score of items `a` and `b` and what carried it, whether or not it
    /// reaches the threshold (complements count unless one is an interests
    /// item); `None` when either is not in the network. It explains a match,
    /// or why there is none.
    pub fn explain(&self, a: Uuid, b: Uuid) -> Option<(f64, Vec<crate::intersections::Reason>)> {
        let find = |id: Uuid| self.ids.binary_search(&id).ok().map(|i| i as u32);
        let (a, b) = (find(a)?, find(b)?);
        let pairing = self.pairing(a, b).unwrap_or(Pairing::OfferGoal);
        let (x, y) = (self.vector(a), self.vector(b));
        Some((self.score(x, y, pairing).score, self.reasons(x, y, pairing)))
    }

    /// Contacts ranked by how well they meet `goal`, which need not be in the
    /// network: its vector is computed with the network's idf, and its terms
    /// that the network does not know are ignored.
    ///
    /// A goal is met by contacts' offers ([`MatchKind::OfferMeetsGoal`]) and
    /// goals, alike ([`MatchKind::SharedGoal`]) or complementary
    /// ([`MatchKind::ComplementaryGoal`]); an offer by contacts' goals
    /// ([`MatchKind::OfferMeetsGoal`]); interests by nothing. `exclude` (the
    /// holder, when `goal` is a contact's), `goal` itself, the contacts of
    /// `skip` and its items are left out. In each [`Match`], `from` is the
    /// contact's item and `to` is `goal`. Sorted by score (highest first),
    /// then contact id.
    pub fn people_for(&self, goal: &Item, exclude: Option<Uuid>, skip: &Skip) -> Vec<Person> {
        let searched: &[(Facet, MatchKind)] = match goal.facet {
            Facet::Goal => &[
                (Facet::Offer, MatchKind::OfferMeetsGoal),
                (Facet::Goal, MatchKind::SharedGoal),
            ],
            Facet::Offer => &[(Facet::Goal, MatchKind::OfferMeetsGoal)],
            Facet::Interests => &[],
        };
        let read = analysis::read(&self.lexicon, &goal.text, &goal.tags, goal.facet);
        let mut known = KnownTerms {
            network: self,
            surfaces: Surfaces::default(),
        };
        let entries = analysis::entries(&self.lexicon, &read, &mut known);
        let (terms, weights, surfaces) = analysis::weigh(&self.terms, &entries);
        let asked = Vector {
            terms: &terms,
            weights: &weights,
            surfaces: &surfaces,
            table: &known.surfaces,
            flags: self.flags_of(&terms, analysis::says_a_role(&self.terms, &entries)),
        };

        let mut scratch = Scratch::default();
        let mut query = Query::default();
        self.query(asked, true, &mut query);
        let mut candidates = Vec::new();
        let mut scored: Vec<(u32, Scored)> = Vec::new();
        for &(facet, kind) in searched {
            self.candidates(
                &query,
                slot(Side::Contacts, facet),
                &mut scratch,
                &mut candidates,
            );
            for &item in &candidates {
                let contact = self.item_contact[item as usize];
                let contact_id = self.contacts[contact as usize];
                let item_id = self.ids[item as usize];
                if item_id == goal.id
                    || Some(contact_id) == exclude
                    || skip.contacts.contains(&contact_id)
                    || skip.items.contains(&item_id)
                {
                    continue;
                }
                let pairing = Pairing::of(goal.facet, facet).unwrap_or(Pairing::OfferGoal);
                let pair = self.score(asked, self.vector(item), pairing);
                if pair.score >= MIN_SCORE {
                    let kind = match kind {
                        MatchKind::SharedGoal if pair.is_complementary() => {
                            MatchKind::ComplementaryGoal
                        }
                        kind => kind,
                    };
                    let matched = Match {
                        kind,
                        from: item_id,
                        to: goal.id,
                        score: pair.score,
                    };
                    scored.push((contact, Scored { item, matched }));
                }
            }
        }
        scored.sort_by(|(a_contact, a), (b_contact, b)| {
            a_contact.cmp(b_contact).then_with(|| {
                by_score_then(
                    (a.matched.score, (a.matched.from, a.matched.kind)),
                    (b.matched.score, (b.matched.from, b.matched.kind)),
                )
            })
        });

        let mut people: Vec<Person> = Vec::new();
        for group in scored.chunk_by(|(a, _), (b, _)| a == b) {
            let (contact, best) = &group[0];
            people.push(Person {
                contact_id: self.contacts[*contact as usize],
                score: best.matched.score,
                reasons: self.reasons(
                    asked,
                    self.vector(best.item),
                    Pairing::of(goal.facet, self.facets[best.item as usize])
                        .unwrap_or(Pairing::OfferGoal),
                ),
                matches: group
                    .iter()
                    .take(MAX_MATCHES)
                    .map(|(_, scored)| scored.matched)
                    .collect(),
            });
        }
        people.sort_by(|a, b| by_score_then((a.score, a.contact_id), (b.score, b.contact_id)));
        people
    }

    pub(super) fn found(&self, kind: Kind, mine: u32, theirs: u32) -> Option<Found> {
        let pairing = self.pairing(mine, theirs)?;
        let (my_vector, their_vector) = (self.vector(mine), self.vector(theirs));
        let pair = self.score(my_vector, their_vector, pairing);
        if pair.score < MIN_SCORE {
            return None;
        }
        let kind = match kind {
            Kind::SharedGoal if pair.is_complementary() => Kind::ComplementaryGoal,
            kind => kind,
        };
        let (my_id, their_id) = (self.ids[mine as usize], self.ids[theirs as usize]);
        let Holder::Contact(contact_id) = self.holders[theirs as usize] else {
            return None;
        };
        let items = (kind != Kind::SharedInterest).then_some((my_id, their_id));
        Some(Found {
            id: intersection_id(kind, my_id, their_id),
            kind,
            contact_id,
            mine: items.map(|(mine, _)| mine),
            theirs: items.map(|(_, theirs)| theirs),
            score: pair.score,
            reasons: self.reasons(my_vector, their_vector, pairing),
        })
    }

    /// The introduction of contacts `low` < `high`, from every pair of their
    /// goals and offers; `None` when none of them meet.
    pub(super) fn introduction(&self, low: u32, high: u32) -> Option<Introduction> {
        let mut matches: Vec<(Match, u32, u32)> = Vec::new();
        for &a in self.items_of(low) {
            for &b in self.items_of(high) {
                let (kind, from, to) = match (self.facets[a as usize], self.facets[b as usize]) {
                    (Facet::Offer, Facet::Goal) => (MatchKind::OfferMeetsGoal, a, b),
                    (Facet::Goal, Facet::Offer) => (MatchKind::OfferMeetsGoal, b, a),
                    (Facet::Goal, Facet::Goal) => (MatchKind::SharedGoal, a, b),
                    _ => continue,
                };
                let pairing = self.pairing(from, to).unwrap_or(Pairing::Goals);
                let pair = self.score(self.vector(from), self.vector(to), pairing);
                if pair.score >= MIN_SCORE {
                    let kind = match kind {
                        MatchKind::SharedGoal if pair.is_complementary() => {
                            MatchKind::ComplementaryGoal
                        }
                        kind => kind,
                    };
                    let matched = Match {
                        kind,
                        from: self.ids[from as usize],
                        to: self.ids[to as usize],
                        score: pair.score,
                    };
                    matches.push((matched, from, to));
                }
            }
        }
        matches.sort_by(|(a, ..), (b, ..)| {
            by_score_then((a.score, (a.from, a.to)), (b.score, (b.from, b.to)))
        });
        let &(best, from, to) = matches.first()?;
        let contacts = (self.contacts[low as usize], self.contacts[high as usize]);
        Some(Introduction {
            id: introduction_id(contacts.0, contacts.1),
            contacts,
            score: best.score,
            reasons: self.reasons(
                self.vector(from),
                self.vector(to),
                self.pairing(from, to).unwrap_or(Pairing::Goals),
            ),
            matches: matches
                .into_iter()
                .take(MAX_MATCHES)
                .map(|(matched, ..)| matched)
                .collect(),
        })
    }
}

/// Term ids of an item read against a built network: what it does not know
/// is dropped, surfaces are kept aside.
struct KnownTerms<'a> {
    network: &'a Network,
    surfaces: Surfaces,
}

impl Terms for KnownTerms<'_> {
    fn word(&mut self, surface: &str) -> Option<u32> {
        let network = self.network;
        let stem = analysis::meaningful_stem(&network.analyzer, &network.lexicon, surface)?;
        network.word_ids.get(&stem).copied()
    }

    fn tag(&mut self, tag: &str) -> Option<u32> {
        let key = analysis::tag_key(&self.network.analyzer, tag);
        self.network.tag_ids.get(&key).copied()
    }

    fn concept(&mut self, concept: u32) -> Option<u32> {
        self.network.concept_ids.get(&concept).copied()
    }

    fn surface(&mut self, surface: &str) -> u32 {
        if surface.is_empty() {
            return NO_SURFACE;
        }
        self.surfaces.intern(surface)
    }
}

pub(super) fn sort_found(found: &mut [Found]) {
    found.sort_by(|a, b| by_score_then((a.score, a.id), (b.score, b.id)));
}
