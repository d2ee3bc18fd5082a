//! The built network: term vectors, the inverted indexes and the searches
//! over them. The model is described in the parent module.

use std::collections::HashMap;

use uuid::Uuid;

use super::parallel::map_ranges;
use super::text::{self, Analyzer};
use super::{
    Facet, Found, Holder, Introduction, Item, Kind, MAX_MATCHES, MAX_REASONS, MIN_SCORE, Match,
    MatchKind, Person, Reason, TAG_BONUS, TAG_WEIGHT, Via, intersection_id, introduction_id,
};

/// Terms an item leaves out of the index must stay below this together.
/// It sits under [`MIN_SCORE`] by more than the rounding to 4 decimals can
/// add, so a pair that shares only unindexed terms cannot round up to an
/// intersection.
const PRUNE_LIMIT: f64 = MIN_SCORE - 1e-4;

const NO_CONTACT: u32 = u32::MAX;

/// Networks smaller than this are searched on the caller's thread only.
const PARALLEL_FROM_ITEMS: usize = 5_000;

/// Which of the user's facets meets which of a contact's, and as what.
const MY_RELATIONS: [(Facet, Facet, Kind); 4] = [
    (Facet::Goal, Facet::Goal, Kind::SharedGoal),
    (Facet::Offer, Facet::Goal, Kind::ICanHelp),
    (Facet::Goal, Facet::Offer, Kind::TheyCanHelp),
    (Facet::Interests, Facet::Interests, Kind::SharedInterest),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Me,
    Contacts,
}

/// Index of the inverted index holding one side's items of one facet.
fn slot(side: Side, facet: Facet) -> usize {
    let side = match side {
        Side::Me => 0,
        Side::Contacts => 1,
    };
    let facet = match facet {
        Facet::Goal => 0,
        Facet::Offer => 1,
        Facet::Interests => 2,
    };
    side * 3 + facet
}

struct Term {
    via: Via,
    /// The tag, or the shortest surface word of the stem.
    display: String,
    idf: f64,
}

/// One item's normalised vector, term ids ascending.
#[derive(Clone, Copy)]
struct Vector<'a> {
    terms: &'a [u32],
    weights: &'a [f64],
}

/// Postings of every term for the items of one side and facet. Items are
/// numbered locally (`members[local]` is the item index) so that the
/// accumulators of a search are only as large as the partition searched.
#[derive(Default)]
struct Partition {
    members: Vec<u32>,
    starts: Vec<u32>,
    posting_members: Vec<u32>,
    posting_weights: Vec<f64>,
    /// Largest indexed weight of each term: bounds what the term can add to
    /// any member's score.
    max_weight: Vec<f64>,
    /// Per member: the most its unindexed terms can add to a score (see
    /// [`choose_indexed`]).
    unindexed_bound: Vec<f64>,
    /// The largest of them.
    max_unindexed: f64,
    /// Largest unindexed weight of each term (0 when it is always indexed):
    /// what a query holding the term can get from members' unindexed parts.
    max_unindexed_weight: Vec<f64>,
}

impl Partition {
    fn postings(&self, term: u32) -> (&[u32], &[f64]) {
        let range = self.starts[term as usize] as usize..self.starts[term as usize + 1] as usize;
        (
            &self.posting_members[range.clone()],
            &self.posting_weights[range],
        )
    }
}

/// Reusable state of the searches: a dense accumulator indexed by partition
/// member (faster than a map), plus the list of members touched so that
/// resetting costs only what was used.
#[derive(Default)]
struct Scratch {
    /// Per member: the part of its score from the terms read so far, tag
    /// bonuses included.
    read: Vec<f64>,
    touched: Vec<u32>,
    /// [`Network::best_partners`] only: members whose part read crossed the
    /// threshold since they were last looked at.
    ready: Vec<u32>,
    /// [`Network::best_partners`] only: the query's terms, most promising
    /// first, as (term, query weight).
    terms: Vec<(u32, f64)>,
    /// [`Network::best_partners`] only: `left[i]` bounds what `terms[i..]`
    /// can add to any item's score.
    left: Vec<f64>,
}

impl Scratch {
    fn fit(&mut self, members: usize) {
        if self.read.len() < members {
            self.read.resize(members, 0.0);
        }
    }
}

/// The best partners found so far for one contact in
/// [`Network::introductions`], with the score a new match must beat to
/// matter.
struct Partners {
    wanted: usize,
    /// Best score per contact index; 0 for contacts not met yet.
    best: Vec<f64>,
    met: Vec<u32>,
    /// Reused by [`Partners::tighten`].
    scores: Vec<f64>,
    /// Searches may skip whatever is bounded below this.
    threshold: f64,
}

impl Partners {
    fn new(wanted: usize, contacts: usize) -> Partners {
        Partners {
            wanted,
            best: vec![0.0; contacts],
            met: Vec::new(),
            scores: Vec::new(),
            threshold: PRUNE_LIMIT,
        }
    }

    fn offer(&mut self, partner: u32, score: f64) {
        let best = &mut self.best[partner as usize];
        if *best == 0.0 {
            self.met.push(partner);
        }
        if score > *best {
            *best = score;
        }
    }

    /// Raises the threshold to the `wanted`-th best partner score: a match
    /// below it cannot bring a new partner into the top list. The margin
    /// keeps matches that round to a tie with it.
    fn tighten(&mut self) {
        if self.met.len() < self.wanted {
            return;
        }
        self.scores.clear();
        self.scores
            .extend(self.met.iter().map(|&partner| self.best[partner as usize]));
        let (_, &mut kth, _) = self
            .scores
            .select_nth_unstable_by(self.wanted - 1, |a, b| b.total_cmp(a));
        self.threshold = self.threshold.max(kth - 1e-4);
    }

    /// The top partners, best first (ties by contact id), and a reset.
    fn take_top(&mut self) -> Vec<u32> {
        let best = &self.best;
        self.met
            .sort_unstable_by(|&a, &b| by_score_then((best[a as usize], a), (best[b as usize], b)));
        let top = self.met.iter().copied().take(self.wanted).collect();
        for &partner in &self.met {
            self.best[partner as usize] = 0.0;
        }
        self.met.clear();
        self.threshold = PRUNE_LIMIT;
        top
    }
}

/// Gives term ids while items are analysed, in the order terms are first
/// met; as items are sorted by id first, the ids are deterministic.
#[derive(Default)]
struct TermInterner {
    word_ids: HashMap<String, u32>,
    tag_ids: HashMap<String, u32>,
    terms: Vec<(Via, String)>,
    /// Stemming is the costliest step of a build and most tokens repeat.
    stems: HashMap<String, String>,
}

impl TermInterner {
    fn word(&mut self, analyzer: &Analyzer, surface: String) -> u32 {
        let stem = match self.stems.get(&surface) {
            Some(stem) => stem.clone(),
            None => {
                let stem = analyzer.stem(&surface);
                self.stems.insert(surface.clone(), stem.clone());
                stem
            }
        };
        match self.word_ids.get(&stem) {
            Some(&id) => {
                let display = &mut self.terms[id as usize].1;
                if is_better_display(&surface, display) {
                    *display = surface;
                }
                id
            }
            None => {
                let id = self.terms.len() as u32;
                self.terms.push((Via::Word, surface));
                self.word_ids.insert(stem, id);
                id
            }
        }
    }

    fn tag(&mut self, analyzer: &Analyzer, tag: String) -> u32 {
        let key = tag_key(analyzer, &tag);
        match self.tag_ids.get(&key) {
            Some(&id) => {
                let display = &mut self.terms[id as usize].1;
                if is_better_display(&tag, display) {
                    *display = tag;
                }
                id
            }
            None => {
                let id = self.terms.len() as u32;
                self.terms.push((Via::Tag, tag));
                self.tag_ids.insert(key, id);
                id
            }
        }
    }
}

/// What makes two normalised tags the same: their words stemmed, numbers
/// kept, so "podcasting" is "podcast" and "Project-Management" is "project
/// management", while "topic-1" and "topic-2" stay apart.
fn tag_key(analyzer: &Analyzer, tag: &str) -> String {
    tag.split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            if part.chars().all(|c| c.is_ascii_digit()) {
                part.to_string()
            } else {
                analyzer.stem(part)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shortest surface word names a stem, ties broken alphabetically, so
/// that the name does not depend on which item was read first.
fn is_better_display(candidate: &str, current: &str) -> bool {
    let (candidate_len, current_len) = (candidate.chars().count(), current.chars().count());
    candidate_len < current_len || (candidate_len == current_len && candidate < current)
}

/// Term frequencies of an item, term ids ascending. `word` and `tag` map a
/// surface word or a normalised tag to a term id, or to `None` to ignore it.
fn term_frequencies(
    text: &str,
    tags: &[String],
    mut word: impl FnMut(String) -> Option<u32>,
    mut tag: impl FnMut(String) -> Option<u32>,
) -> Vec<(u32, u32)> {
    let mut ids: Vec<u32> = text::tokens(text)
        .into_iter()
        .filter_map(&mut word)
        .collect();
    let mut tags: Vec<String> = tags
        .iter()
        .map(|raw| text::tag(raw))
        .filter(|tag| !tag.is_empty())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    for normalised in tags {
        ids.extend(text::tokens(&normalised).into_iter().filter_map(&mut word));
        ids.extend(tag(normalised));
    }
    ids.sort_unstable();
    let mut frequencies: Vec<(u32, u32)> = Vec::with_capacity(ids.len());
    for id in ids {
        match frequencies.last_mut() {
            Some((last, count)) if *last == id => *count += 1,
            _ => frequencies.push((id, 1)),
        }
    }
    frequencies
}

/// The normalised TF-IDF vector of term frequencies over final term ids.
fn weigh(terms: &[Term], frequencies: &[(u32, u32)]) -> (Vec<u32>, Vec<f64>) {
    let ids: Vec<u32> = frequencies.iter().map(|&(id, _)| id).collect();
    let mut weights: Vec<f64> = frequencies
        .iter()
        .map(|&(id, tf)| {
            let term = &terms[id as usize];
            match term.via {
                Via::Word => (1.0 + f64::from(tf).ln()) * term.idf,
                Via::Tag => TAG_WEIGHT * term.idf,
            }
        })
        .collect();
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        for weight in &mut weights {
            *weight /= norm;
        }
    }
    (ids, weights)
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn by_score_then<T: Ord>(a: (f64, T), b: (f64, T)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// A match found while ranking people, with the item it came from so that
/// its reasons can be given later.
struct Scored {
    item: u32,
    matched: Match,
}

/// All the items of the user and their contacts, indexed for search.
pub struct Network {
    ids: Vec<Uuid>,
    holders: Vec<Holder>,
    facets: Vec<Facet>,
    /// Index into `contacts`, or [`NO_CONTACT`] for the user's items.
    item_contact: Vec<u32>,
    terms: Vec<Term>,
    word_ids: HashMap<String, u32>,
    tag_ids: HashMap<String, u32>,
    vector_starts: Vec<u32>,
    vector_terms: Vec<u32>,
    vector_weights: Vec<f64>,
    partitions: [Partition; 6],
    /// Sorted, so a contact's index orders like its id.
    contacts: Vec<Uuid>,
    contact_index: HashMap<Uuid, u32>,
    contact_item_starts: Vec<u32>,
    contact_items: Vec<u32>,
    my_items: Vec<u32>,
    analyzer: Analyzer,
}

impl Network {
    /// Builds the network. Items are deduplicated by id; when two items share
    /// an id, the smaller one (by holder, facet, text, tags) is kept, so the
    /// choice does not depend on input order.
    pub fn build(mut items: Vec<Item>) -> Network {
        items.sort_by(|a, b| {
            (a.id, a.holder, a.facet, &a.text, &a.tags)
                .cmp(&(b.id, b.holder, b.facet, &b.text, &b.tags))
        });
        items.dedup_by_key(|item| item.id);

        let analyzer = Analyzer::new();
        let interner = std::cell::RefCell::new(TermInterner::default());
        let frequencies: Vec<Vec<(u32, u32)>> = items
            .iter()
            .map(|item| {
                term_frequencies(
                    &item.text,
                    &item.tags,
                    |surface| Some(interner.borrow_mut().word(&analyzer, surface)),
                    |tag| Some(interner.borrow_mut().tag(&analyzer, tag)),
                )
            })
            .collect();
        let interner = interner.into_inner();

        let mut document_frequency = vec![0u32; interner.terms.len()];
        for item_frequencies in &frequencies {
            for &(id, _) in item_frequencies {
                document_frequency[id as usize] += 1;
            }
        }
        let item_count = items.len() as f64;
        let mut final_ids = vec![None; interner.terms.len()];
        let mut terms = Vec::new();
        for (id, (via, display)) in interner.terms.into_iter().enumerate() {
            let idf = ((item_count + 1.0) / (f64::from(document_frequency[id]) + 1.0)).ln();
            // A term every item holds weighs nothing: drop it everywhere.
            if idf > 0.0 {
                final_ids[id] = Some(terms.len() as u32);
                terms.push(Term { via, display, idf });
            }
        }
        let keep_final = |map: HashMap<String, u32>| -> HashMap<String, u32> {
            map.into_iter()
                .filter_map(|(key, id)| final_ids[id as usize].map(|id| (key, id)))
                .collect()
        };
        let word_ids = keep_final(interner.word_ids);
        let tag_ids = keep_final(interner.tag_ids);

        let mut vector_starts = Vec::with_capacity(items.len() + 1);
        vector_starts.push(0u32);
        let mut vector_terms = Vec::new();
        let mut vector_weights = Vec::new();
        let mut indexed = Vec::new();
        let mut unindexed_bound = Vec::with_capacity(items.len());
        for item_frequencies in &frequencies {
            // Dropping terms keeps the order, so ids stay ascending.
            let remapped: Vec<(u32, u32)> = item_frequencies
                .iter()
                .filter_map(|&(id, tf)| final_ids[id as usize].map(|id| (id, tf)))
                .collect();
            let (ids, weights) = weigh(&terms, &remapped);
            let (item_indexed, bound) = choose_indexed(&terms, &ids, &weights);
            vector_terms.extend_from_slice(&ids);
            vector_weights.extend_from_slice(&weights);
            indexed.extend(item_indexed);
            unindexed_bound.push(bound);
            vector_starts.push(vector_terms.len() as u32);
        }

        let mut contacts: Vec<Uuid> = items
            .iter()
            .filter_map(|item| match item.holder {
                Holder::Contact(id) => Some(id),
                Holder::Me => None,
            })
            .collect();
        contacts.sort_unstable();
        contacts.dedup();
        let contact_index: HashMap<Uuid, u32> = contacts
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index as u32))
            .collect();
        let item_contact: Vec<u32> = items
            .iter()
            .map(|item| match item.holder {
                Holder::Contact(id) => contact_index[&id],
                Holder::Me => NO_CONTACT,
            })
            .collect();
        let mut contact_item_starts = vec![0u32; contacts.len() + 1];
        for &contact in item_contact.iter().filter(|&&c| c != NO_CONTACT) {
            contact_item_starts[contact as usize + 1] += 1;
        }
        for index in 1..contact_item_starts.len() {
            contact_item_starts[index] += contact_item_starts[index - 1];
        }
        let mut contact_items = vec![0u32; contact_item_starts[contacts.len()] as usize];
        let mut next = contact_item_starts.clone();
        for (item, &contact) in item_contact.iter().enumerate() {
            if contact != NO_CONTACT {
                contact_items[next[contact as usize] as usize] = item as u32;
                next[contact as usize] += 1;
            }
        }
        let my_items: Vec<u32> = (0..items.len() as u32)
            .filter(|&item| item_contact[item as usize] == NO_CONTACT)
            .collect();

        let mut partitions: [Partition; 6] = Default::default();
        for (item, source) in items.iter().enumerate() {
            let side = match source.holder {
                Holder::Me => Side::Me,
                Holder::Contact(_) => Side::Contacts,
            };
            partitions[slot(side, source.facet)]
                .members
                .push(item as u32);
        }
        for partition in &mut partitions {
            fill_postings(
                partition,
                terms.len(),
                &vector_starts,
                &vector_terms,
                &vector_weights,
                &indexed,
                &unindexed_bound,
            );
        }

        Network {
            ids: items.iter().map(|item| item.id).collect(),
            holders: items.iter().map(|item| item.holder).collect(),
            facets: items.iter().map(|item| item.facet).collect(),
            item_contact,
            terms,
            word_ids,
            tag_ids,
            vector_starts,
            vector_terms,
            vector_weights,
            partitions,
            contacts,
            contact_index,
            contact_item_starts,
            contact_items,
            my_items,
            analyzer,
        }
    }

    /// Number of items (after deduplication by id).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Everything between the user and each contact:
    ///
    /// | the user's | the contact's | kind |
    /// | --- | --- | --- |
    /// | goal | goal | [`Kind::SharedGoal`] |
    /// | offer | goal | [`Kind::ICanHelp`] |
    /// | goal | offer | [`Kind::TheyCanHelp`] |
    /// | interests | interests | [`Kind::SharedInterest`] |
    ///
    /// Sorted by score (highest first), then id.
    pub fn intersections(&self) -> Vec<Found> {
        let mut found = map_ranges(
            self.my_items.len(),
            self.len() >= PARALLEL_FROM_ITEMS,
            || (Scratch::default(), Vec::new()),
            |(scratch, candidates), range| {
                let mut found = Vec::new();
                for &mine in &self.my_items[range] {
                    for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                        if self.facets[mine as usize] != my_facet {
                            continue;
                        }
                        let index = slot(Side::Contacts, their_facet);
                        self.candidates(self.vector(mine), index, scratch, candidates);
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
        let mut candidates = Vec::new();
        let mut found = Vec::new();
        for &theirs in self.items_of(contact) {
            for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                if self.facets[theirs as usize] != their_facet {
                    continue;
                }
                let index = slot(Side::Me, my_facet);
                self.candidates(self.vector(theirs), index, &mut scratch, &mut candidates);
                for &mine in &candidates {
                    found.extend(self.found(kind, mine, theirs));
                }
            }
        }
        sort_found(&mut found);
        found
    }

    /// Pairs of contacts whose goals and offers meet: one's offer meets the
    /// other's goal, or their goals are alike. Interests alone never make an
    /// introduction.
    ///
    /// Every contact keeps its `per_contact` best partners (best match
    /// first, then partner id); a pair is given when either side keeps the
    /// other. Sorted by score (highest first), then id.
    pub fn introductions(&self, per_contact: usize) -> Vec<Introduction> {
        if per_contact == 0 {
            return Vec::new();
        }
        let worth_threads = self.len() >= PARALLEL_FROM_ITEMS;
        let mut pairs: Vec<(u32, u32)> = map_ranges(
            self.contacts.len(),
            worth_threads,
            || {
                let partners = Partners::new(per_contact, self.contacts.len());
                (Scratch::default(), partners)
            },
            |(scratch, partners), range| {
                let mut pairs = Vec::new();
                for contact in range.start as u32..range.end as u32 {
                    for &item in self.items_of(contact) {
                        let searched: &[Facet] = match self.facets[item as usize] {
                            Facet::Goal => &[Facet::Goal, Facet::Offer],
                            Facet::Offer => &[Facet::Goal],
                            Facet::Interests => &[],
                        };
                        for &facet in searched {
                            let index = slot(Side::Contacts, facet);
                            self.best_partners(contact, item, index, scratch, partners);
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

    /// Contacts ranked by how well they meet `goal`, which need not be in the
    /// network: its vector is computed with the network's idf, and its terms
    /// that the network does not know are ignored.
    ///
    /// A goal is met by contacts' offers ([`MatchKind::OfferMeetsGoal`]) and
    /// alike goals ([`MatchKind::SharedGoal`]); an offer by contacts' goals
    /// ([`MatchKind::OfferMeetsGoal`]); interests by nothing. `exclude` (the
    /// holder, when `goal` is a contact's) is left out, and so is `goal`
    /// itself. In each [`Match`], `from` is the contact's item and `to` is
    /// `goal`. Sorted by score (highest first), then contact id.
    pub fn people_for(&self, goal: &Item, exclude: Option<Uuid>) -> Vec<Person> {
        let searched: &[(Facet, MatchKind)] = match goal.facet {
            Facet::Goal => &[
                (Facet::Offer, MatchKind::OfferMeetsGoal),
                (Facet::Goal, MatchKind::SharedGoal),
            ],
            Facet::Offer => &[(Facet::Goal, MatchKind::OfferMeetsGoal)],
            Facet::Interests => &[],
        };
        let frequencies = term_frequencies(
            &goal.text,
            &goal.tags,
            |surface| self.word_ids.get(&self.analyzer.stem(&surface)).copied(),
            |tag| self.tag_ids.get(&tag_key(&self.analyzer, &tag)).copied(),
        );
        let (query_terms, query_weights) = weigh(&self.terms, &frequencies);
        let query = Vector {
            terms: &query_terms,
            weights: &query_weights,
        };

        let mut scratch = Scratch::default();
        let mut candidates = Vec::new();
        let mut scored: Vec<(u32, Scored)> = Vec::new();
        for &(facet, kind) in searched {
            self.candidates(
                query,
                slot(Side::Contacts, facet),
                &mut scratch,
                &mut candidates,
            );
            for &item in &candidates {
                let contact = self.item_contact[item as usize];
                if self.ids[item as usize] == goal.id
                    || Some(self.contacts[contact as usize]) == exclude
                {
                    continue;
                }
                let score = self.score(query, self.vector(item));
                if score >= MIN_SCORE {
                    let matched = Match {
                        kind,
                        from: self.ids[item as usize],
                        to: goal.id,
                        score,
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
                reasons: self.reasons(query, self.vector(best.item)),
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

    fn vector(&self, item: u32) -> Vector<'_> {
        let range = self.vector_starts[item as usize] as usize
            ..self.vector_starts[item as usize + 1] as usize;
        Vector {
            terms: &self.vector_terms[range.clone()],
            weights: &self.vector_weights[range],
        }
    }

    fn items_of(&self, contact: u32) -> &[u32] {
        let start = self.contact_item_starts[contact as usize] as usize;
        let end = self.contact_item_starts[contact as usize + 1] as usize;
        &self.contact_items[start..end]
    }

    /// Items of partition `index` that may score at least [`MIN_SCORE`]
    /// with `query`, into `out`. Only items sharing an indexed term with the
    /// query are touched; of those, only the ones whose upper bound reaches
    /// the threshold are kept, so the exact score is computed for few.
    fn candidates(&self, query: Vector, index: usize, scratch: &mut Scratch, out: &mut Vec<u32>) {
        let partition = &self.partitions[index];
        scratch.fit(partition.members.len());
        for (&term, &query_weight) in query.terms.iter().zip(query.weights) {
            let (members, weights) = partition.postings(term);
            let bonus = self.bonus(term);
            for (&member, &weight) in members.iter().zip(weights) {
                let read_part = &mut scratch.read[member as usize];
                if *read_part == 0.0 {
                    scratch.touched.push(member);
                }
                *read_part += query_weight * weight + bonus;
            }
        }
        out.clear();
        for &member in &scratch.touched {
            let read_part = std::mem::take(&mut scratch.read[member as usize]);
            // The indexed terms' part is exact; the rest is bounded.
            if read_part + partition.unindexed_bound[member as usize] >= PRUNE_LIMIT {
                out.push(partition.members[member as usize]);
            }
        }
        scratch.touched.clear();
    }

    /// Offers to `partners` the contacts whose items in partition `index`
    /// meet `item` (of `contact`) well enough to enter its top list.
    ///
    /// A top-k search in the MaxScore manner: the query's terms are read
    /// most promising first, and once the terms left could not lift an item
    /// to the threshold even together, they are not read at all. Those are
    /// the light, common terms with the longest postings. Before reading a
    /// long posting list, the items already known to pass the threshold are
    /// scored, so that it is as high as it can be by then.
    fn best_partners(
        &self,
        contact: u32,
        item: u32,
        index: usize,
        scratch: &mut Scratch,
        partners: &mut Partners,
    ) {
        /// Scoring early only pays off before postings longer than this.
        const SCORE_EARLY_BEFORE: usize = 64;
        /// Scoring an item costs about as much as reading this many
        /// postings, so a posting list that may spare as many scorings as
        /// it is long, divided by this, is worth reading.
        const READ_RATHER_THAN_SCORE: usize = 8;

        let partition = &self.partitions[index];
        scratch.fit(partition.members.len());
        let query = self.vector(item);
        self.order_terms(query, partition, scratch);
        // What any member's unindexed part can add for this query: at most
        // its own bound, and at most what the query's terms weigh there.
        let unindexed: f64 = query
            .terms
            .iter()
            .zip(query.weights)
            .map(|(&term, &query_weight)| {
                let weight = partition.max_unindexed_weight[term as usize];
                if weight > 0.0 {
                    query_weight * weight + self.bonus(term)
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            .min(partition.max_unindexed);

        let mut read = 0;
        let mut unsettled = 0;
        while read < scratch.terms.len() {
            let (term, query_weight) = scratch.terms[read];
            let (members, weights) = partition.postings(term);
            let left = scratch.left[read];
            let not_worth_reading = |unsettled: usize, threshold: f64| {
                left + unindexed < threshold && members.len() > READ_RATHER_THAN_SCORE * unsettled
            };
            if not_worth_reading(unsettled, partners.threshold) {
                break;
            }
            if members.len() > SCORE_EARLY_BEFORE && !scratch.ready.is_empty() {
                unsettled -= self.score_ready(contact, query, partition, scratch, partners);
                if not_worth_reading(unsettled, partners.threshold) {
                    break;
                }
            }
            let bonus = self.bonus(term);
            let threshold = partners.threshold;
            for (&member, &weight) in members.iter().zip(weights) {
                let read_part = &mut scratch.read[member as usize];
                if *read_part == 0.0 {
                    scratch.touched.push(member);
                    unsettled += 1;
                }
                let before = *read_part;
                *read_part += query_weight * weight + bonus;
                if before < threshold && *read_part >= threshold {
                    scratch.ready.push(member);
                }
            }
            read += 1;
        }

        // Whatever is still unsettled either reaches the threshold with the
        // bound of the unread terms, or cannot enter the top list.
        let left = scratch.left[read];
        let threshold = partners.threshold - left;
        for &member in &scratch.touched {
            let read_part = scratch.read[member as usize];
            // Most fail on the partition's largest unindexed bound already,
            // without loading their own.
            if read_part + unindexed >= threshold
                && read_part + partition.unindexed_bound[member as usize] >= threshold
            {
                let other = partition.members[member as usize];
                self.offer_match(contact, query, other, partners);
            }
        }
        partners.tighten();
        for &member in &scratch.touched {
            scratch.read[member as usize] = 0.0;
        }
        scratch.touched.clear();
        scratch.ready.clear();
    }

    /// Scores the touched items whose part read so far already reaches the
    /// threshold, to raise it before reading on; returns how many.
    fn score_ready(
        &self,
        contact: u32,
        query: Vector,
        partition: &Partition,
        scratch: &mut Scratch,
        partners: &mut Partners,
    ) -> usize {
        let mut settled = 0;
        for &member in &scratch.ready {
            let read_part = &mut scratch.read[member as usize];
            if *read_part >= partners.threshold {
                // Settled items never reach the threshold again.
                *read_part = f64::NEG_INFINITY;
                settled += 1;
                self.offer_match(contact, query, partition.members[member as usize], partners);
            }
        }
        scratch.ready.clear();
        partners.tighten();
        settled
    }

    fn offer_match(&self, contact: u32, query: Vector, other: u32, partners: &mut Partners) {
        let partner = self.item_contact[other as usize];
        if partner != contact {
            let score = self.score(query, self.vector(other));
            if score >= MIN_SCORE {
                partners.offer(partner, score);
            }
        }
    }

    fn bonus(&self, term: u32) -> f64 {
        match self.terms[term as usize].via {
            Via::Tag => TAG_BONUS,
            Via::Word => 0.0,
        }
    }

    /// Puts the query's terms that partition holds into `scratch.terms`,
    /// most promising first, and into `scratch.left[i]` a bound of what
    /// terms `i..` can add to any item's score: the lesser of the sum of
    /// their largest contributions and their L2 norm (Cauchy-Schwarz), plus
    /// the bonus of their tags.
    fn order_terms(&self, query: Vector, partition: &Partition, scratch: &mut Scratch) {
        let promise = |term: u32, query_weight: f64| {
            query_weight * partition.max_weight[term as usize] + self.bonus(term)
        };
        scratch.terms.clear();
        for (&term, &query_weight) in query.terms.iter().zip(query.weights) {
            if partition.max_weight[term as usize] > 0.0 {
                scratch.terms.push((term, query_weight));
            }
        }
        scratch
            .terms
            .sort_unstable_by(|&(a, a_weight), &(b, b_weight)| {
                promise(b, b_weight)
                    .total_cmp(&promise(a, a_weight))
                    .then(a.cmp(&b))
            });
        scratch.left.clear();
        scratch.left.resize(scratch.terms.len() + 1, 0.0);
        let (mut linear, mut squares, mut bonus) = (0.0f64, 0.0f64, 0.0f64);
        for position in (0..scratch.terms.len()).rev() {
            let (term, query_weight) = scratch.terms[position];
            linear += query_weight * partition.max_weight[term as usize];
            squares += query_weight * query_weight;
            bonus += self.bonus(term);
            scratch.left[position] = linear.min(squares.sqrt()) + bonus;
        }
    }

    /// The score of two vectors. Every score of the engine comes from here,
    /// summed in term order, so a pair scores the same whichever search
    /// found it.
    fn score(&self, a: Vector, b: Vector) -> f64 {
        let mut dot = 0.0;
        let mut shared_tags = 0u32;
        self.for_each_shared(a, b, |term, contribution| {
            dot += contribution;
            if self.terms[term as usize].via == Via::Tag {
                shared_tags += 1;
            }
        });
        round4((dot + TAG_BONUS * f64::from(shared_tags)).min(1.0))
    }

    /// The shared terms that carried the score, largest contribution first.
    fn reasons(&self, a: Vector, b: Vector) -> Vec<Reason> {
        let mut shared: Vec<(u32, f64)> = Vec::new();
        self.for_each_shared(a, b, |term, contribution| shared.push((term, contribution)));
        shared.sort_by(|&(a_term, a_weight), &(b_term, b_weight)| {
            let (a_term, b_term) = (&self.terms[a_term as usize], &self.terms[b_term as usize]);
            by_score_then(
                (a_weight, (&a_term.display, a_term.via)),
                (b_weight, (&b_term.display, b_term.via)),
            )
        });
        // A tag and a word that read the same ("photography" as an interest
        // and in a title) are one reason, credited to the tag.
        let mut reasons: Vec<Reason> = Vec::new();
        for (term, contribution) in shared {
            let term = &self.terms[term as usize];
            match reasons.iter_mut().find(|r| r.term == term.display) {
                Some(reason) => {
                    reason.weight += contribution;
                    if term.via == Via::Tag {
                        reason.via = Via::Tag;
                    }
                }
                None => reasons.push(Reason {
                    term: term.display.clone(),
                    via: term.via,
                    weight: contribution,
                }),
            }
        }
        reasons.sort_by(|a, b| by_score_then((a.weight, &a.term), (b.weight, &b.term)));
        reasons.truncate(MAX_REASONS);
        for reason in &mut reasons {
            reason.weight = round4(reason.weight);
        }
        reasons
    }

    fn for_each_shared(&self, a: Vector, b: Vector, mut visit: impl FnMut(u32, f64)) {
        let (mut i, mut j) = (0, 0);
        while i < a.terms.len() && j < b.terms.len() {
            match a.terms[i].cmp(&b.terms[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    visit(a.terms[i], a.weights[i] * b.weights[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
    }

    fn found(&self, kind: Kind, mine: u32, theirs: u32) -> Option<Found> {
        let (my_vector, their_vector) = (self.vector(mine), self.vector(theirs));
        let score = self.score(my_vector, their_vector);
        if score < MIN_SCORE {
            return None;
        }
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
            score,
            reasons: self.reasons(my_vector, their_vector),
        })
    }

    /// The introduction of contacts `low` < `high`, from every pair of their
    /// goals and offers; `None` when none of them meet.
    fn introduction(&self, low: u32, high: u32) -> Option<Introduction> {
        let mut matches: Vec<(Match, u32, u32)> = Vec::new();
        for &a in self.items_of(low) {
            for &b in self.items_of(high) {
                let (kind, from, to) = match (self.facets[a as usize], self.facets[b as usize]) {
                    (Facet::Offer, Facet::Goal) => (MatchKind::OfferMeetsGoal, a, b),
                    (Facet::Goal, Facet::Offer) => (MatchKind::OfferMeetsGoal, b, a),
                    (Facet::Goal, Facet::Goal) => (MatchKind::SharedGoal, a, b),
                    _ => continue,
                };
                let score = self.score(self.vector(from), self.vector(to));
                if score >= MIN_SCORE {
                    let matched = Match {
                        kind,
                        from: self.ids[from as usize],
                        to: self.ids[to as usize],
                        score,
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
            reasons: self.reasons(self.vector(from), self.vector(to)),
            matches: matches
                .into_iter()
                .take(MAX_MATCHES)
                .map(|(matched, ..)| matched)
                .collect(),
        })
    }
}

/// Which terms of one item go into the index (`true`), and the bound of the
/// score that the others can give together.
///
/// The lightest terms are left out while the bound stays below
/// [`PRUNE_LIMIT`]: their L2 norm bounds their cosine with any unit vector
/// (Cauchy-Schwarz), and each tag among them may add [`TAG_BONUS`].
fn choose_indexed(terms: &[Term], ids: &[u32], weights: &[f64]) -> (Vec<bool>, f64) {
    let mut lightest: Vec<usize> = (0..ids.len()).collect();
    lightest.sort_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(ids[a].cmp(&ids[b])));
    let mut indexed = vec![true; ids.len()];
    let (mut squares, mut tags, mut bound) = (0.0f64, 0u32, 0.0f64);
    for position in lightest {
        let is_tag = terms[ids[position] as usize].via == Via::Tag;
        let next_squares = squares + weights[position] * weights[position];
        let next_tags = tags + u32::from(is_tag);
        let next_bound = next_squares.sqrt() + TAG_BONUS * f64::from(next_tags);
        if next_bound < PRUNE_LIMIT {
            indexed[position] = false;
            (squares, tags, bound) = (next_squares, next_tags, next_bound);
        }
    }
    (indexed, bound)
}

fn fill_postings(
    partition: &mut Partition,
    term_count: usize,
    vector_starts: &[u32],
    vector_terms: &[u32],
    vector_weights: &[f64],
    indexed: &[bool],
    unindexed_bound: &[f64],
) {
    let entries = |item: u32| {
        let range =
            vector_starts[item as usize] as usize..vector_starts[item as usize + 1] as usize;
        range.filter(|&entry| indexed[entry])
    };
    let mut starts = vec![0u32; term_count + 1];
    for &item in &partition.members {
        for entry in entries(item) {
            starts[vector_terms[entry] as usize + 1] += 1;
        }
    }
    for term in 1..starts.len() {
        starts[term] += starts[term - 1];
    }
    let total = starts[term_count] as usize;
    let mut posting_members = vec![0u32; total];
    let mut posting_weights = vec![0.0f64; total];
    let mut next = starts.clone();
    for (member, &item) in partition.members.iter().enumerate() {
        for entry in entries(item) {
            let position = &mut next[vector_terms[entry] as usize];
            posting_members[*position as usize] = member as u32;
            posting_weights[*position as usize] = vector_weights[entry];
            *position += 1;
        }
    }
    let mut max_weight = vec![0.0f64; term_count];
    for term in 0..term_count {
        let range = starts[term] as usize..starts[term + 1] as usize;
        max_weight[term] = posting_weights[range].iter().copied().fold(0.0, f64::max);
    }
    let mut max_unindexed_weight = vec![0.0f64; term_count];
    for &item in &partition.members {
        let range =
            vector_starts[item as usize] as usize..vector_starts[item as usize + 1] as usize;
        for entry in range.filter(|&entry| !indexed[entry]) {
            let max = &mut max_unindexed_weight[vector_terms[entry] as usize];
            *max = max.max(vector_weights[entry]);
        }
    }
    partition.max_unindexed_weight = max_unindexed_weight;
    partition.unindexed_bound = partition
        .members
        .iter()
        .map(|&item| unindexed_bound[item as usize])
        .collect();
    partition.max_unindexed = partition
        .unindexed_bound
        .iter()
        .copied()
        .fold(0.0, f64::max);
    partition.starts = starts;
    partition.posting_members = posting_members;
    partition.posting_weights = posting_weights;
    partition.max_weight = max_weight;
}

fn sort_found(found: &mut [Found]) {
    found.sort_by(|a, b| by_score_then((a.score, a.id), (b.score, b.id)));
}

#[cfg(test)]
mod tests {
    use super::super::tests::synthetic;
    use super::*;

    #[test]
    fn tags_are_the_same_once_their_words_are_stemmed() {
        let analyzer = Analyzer::new();
        let key = |tag: &str| tag_key(&analyzer, &text::tag(tag));
        assert_eq!(key("Podcasting"), key("podcast"));
        assert_eq!(key("Project-Management"), key("project management"));
        assert_ne!(key("topic-1"), key("topic-2"));
        assert_ne!(key("marketing"), key("photography"));
    }

    fn unindexed_bounds(network: &Network) -> impl Iterator<Item = f64> + '_ {
        network
            .partitions
            .iter()
            .flat_map(|partition| partition.unindexed_bound.iter().copied())
    }

    /// What the searches must find, by comparing every pair directly.
    fn every_pair_intersections(network: &Network) -> Vec<Found> {
        let mut found = Vec::new();
        for &mine in &network.my_items {
            for theirs in 0..network.len() as u32 {
                if network.item_contact[theirs as usize] == NO_CONTACT {
                    continue;
                }
                for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                    if network.facets[mine as usize] == my_facet
                        && network.facets[theirs as usize] == their_facet
                    {
                        found.extend(network.found(kind, mine, theirs));
                    }
                }
            }
        }
        sort_found(&mut found);
        found
    }

    fn every_pair_introductions(network: &Network, per_contact: usize) -> Vec<Introduction> {
        let count = network.contacts.len() as u32;
        let mut all: HashMap<(u32, u32), Introduction> = HashMap::new();
        for low in 0..count {
            for high in low + 1..count {
                if let Some(introduction) = network.introduction(low, high) {
                    all.insert((low, high), introduction);
                }
            }
        }
        let mut kept: Vec<(u32, u32)> = Vec::new();
        for contact in 0..count {
            let mut partners: Vec<(f64, u32)> = all
                .iter()
                .filter_map(|(&(low, high), introduction)| {
                    let partner = match contact {
                        _ if contact == low => high,
                        _ if contact == high => low,
                        _ => return None,
                    };
                    Some((introduction.score, partner))
                })
                .collect();
            partners.sort_by(|&a, &b| by_score_then(a, b));
            for &(_, partner) in partners.iter().take(per_contact) {
                kept.push((contact.min(partner), contact.max(partner)));
            }
        }
        kept.sort_unstable();
        kept.dedup();
        let mut introductions: Vec<Introduction> =
            kept.iter().map(|pair| all[pair].clone()).collect();
        introductions.sort_by(|a, b| by_score_then((a.score, a.id), (b.score, b.id)));
        introductions
    }

    #[test]
    fn pruned_index_finds_what_comparing_every_pair_finds() {
        for (seed, skew) in [(3, 1.0), (4, 0.0), (5, 0.5)] {
            let network = Network::build(synthetic(300, 1_500, seed, skew));
            if skew >= 1.0 {
                assert!(unindexed_bounds(&network).any(|bound| bound > 0.0));
            }

            let found = network.intersections();
            assert!(!found.is_empty());
            assert_eq!(found, every_pair_intersections(&network));

            for per_contact in [1, 2, 1_000] {
                let introductions = network.introductions(per_contact);
                assert!(!introductions.is_empty());
                assert_eq!(
                    introductions,
                    every_pair_introductions(&network, per_contact)
                );
            }
        }
    }

    #[test]
    fn intersections_with_each_contact_add_up_to_all() {
        let network = Network::build(synthetic(200, 1_000, 9, 1.0));
        let mut joined: Vec<Found> = network
            .contacts
            .iter()
            .flat_map(|&contact| network.intersections_with(contact))
            .collect();
        sort_found(&mut joined);
        assert_eq!(joined, network.intersections());
    }

    #[test]
    fn unindexed_terms_stay_below_the_threshold() {
        let network = Network::build(synthetic(100, 500, 1, 1.0));
        assert!(unindexed_bounds(&network).all(|bound| (0.0..PRUNE_LIMIT).contains(&bound)));
    }
}
