//! The built network: term vectors, the inverted indexes and the searches
//! over them. The model is described in the parent module; this file builds
//! the network, [`queries`] answers from it, [`index`] searches it and
//! [`score`] scores pairs.

mod analysis;
mod index;
mod queries;
mod score;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use self::analysis::{NO_CONCEPT, Surfaces, Term, TermInterner};
use self::index::{Partition, choose_indexed, fill_postings};
use super::parallel::map_ranges;
use super::text::Analyzer;
use super::vocabulary::{ConceptKind, Gate, Lexicon};
use super::{Facet, Holder, Item, MIN_SCORE, Via};

/// Terms an item leaves out of the index must stay below this together.
/// It sits under [`MIN_SCORE`] by more than the rounding to 4 decimals can
/// add, so a pair that shares only unindexed terms cannot round up to an
/// intersection.
const PRUNE_LIMIT: f64 = MIN_SCORE - 1e-4;

const NO_CONTACT: u32 = u32::MAX;

/// Networks smaller than this are built and searched on the caller's
/// thread only.
const PARALLEL_FROM_ITEMS: usize = 5_000;

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

/// What two items are to each other, which decides what counts between
/// them: complementary concepts between goals and offers only, and for two
/// goals, a shared pursuit or complementary ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pairing {
    /// Two people's interests.
    Interests,
    /// An offer and a goal.
    OfferGoal,
    /// Two goals.
    Goals,
}

impl Pairing {
    /// `None` for facets that never pair (two offers; interests with goals
    /// or offers).
    fn of(a: Facet, b: Facet) -> Option<Pairing> {
        match (a, b) {
            (Facet::Interests, Facet::Interests) => Some(Pairing::Interests),
            (Facet::Goal, Facet::Goal) => Some(Pairing::Goals),
            (Facet::Goal, Facet::Offer) | (Facet::Offer, Facet::Goal) => Some(Pairing::OfferGoal),
            _ => None,
        }
    }

    fn complements(self) -> bool {
        self != Pairing::Interests
    }
}

/// One item's normalised vector, term ids ascending, with the words the
/// item used for each of its concepts.
#[derive(Clone, Copy)]
struct Vector<'a> {
    terms: &'a [u32],
    weights: &'a [f64],
    surfaces: &'a [u32],
    table: &'a Surfaces,
    /// Whether any term is an activity, or has complements: most items
    /// have neither, and scoring skips what cannot apply.
    flags: Flags,
}

/// What the scoring loop asks of a term, packed in one byte per term so that
/// the hot path reads a small array instead of the terms themselves.
#[derive(Clone, Copy, Default)]
struct Bits(u8);

impl Bits {
    const TAG: u8 = 1;
    const PLACE: u8 = 2;
    const ACTIVITY: u8 = 4;
    const GATE_SHIFT: u8 = 3;
    /// Above the two bits of the gate.
    const ROLE: u8 = 32;

    fn of(term: &Term) -> Bits {
        let mut bits = (term.gate as u8) << Bits::GATE_SHIFT;
        if term.via == Via::Tag {
            bits |= Bits::TAG;
        }
        if term.place {
            bits |= Bits::PLACE;
        }
        if term.activity {
            bits |= Bits::ACTIVITY;
        }
        if term.role {
            bits |= Bits::ROLE;
        }
        Bits(bits)
    }

    fn tag(self) -> bool {
        self.0 & Bits::TAG != 0
    }

    fn place(self) -> bool {
        self.0 & Bits::PLACE != 0
    }

    fn activity(self) -> bool {
        self.0 & Bits::ACTIVITY != 0
    }

    fn role(self) -> bool {
        self.0 & Bits::ROLE != 0
    }

    fn gate(self) -> Gate {
        match (self.0 >> Bits::GATE_SHIFT) & 3 {
            0 => Gate::Open,
            1 => Gate::Topic,
            _ => Gate::Place,
        }
    }
}

/// What an item's terms hold, for [`Vector::flags`].
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    activity: bool,
    /// Whether the item says a role (a craft or profession) itself.
    role: bool,
    /// Whether any term is a role, said or implied: without one, an item
    /// shares no role with any other.
    any_role: bool,
    complements: bool,
    /// Tag terms, at most 255: what tag bonuses a pair can get.
    tags: u8,
}

impl Vector<'_> {
    fn surface(&self, index: usize) -> &str {
        self.table.get(self.surfaces[index])
    }
}

/// How much a term held by `df` of `n` items says: `ln(1 + (n + 1) / (df +
/// 1))`. Rare terms weigh most; a term every item holds still weighs
/// something (ln 2), so that two items of a small network that share their
/// one concept still meet, while "business" in a network of business goals
/// weighs a fraction of "podcast".
fn idf(n: f64, df: u32) -> f64 {
    (1.0 + (n + 1.0) / (f64::from(df) + 1.0)).ln()
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn by_score_then<T: Ord>(a: (f64, T), b: (f64, T)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// All the items of the user and their contacts, indexed for search.
pub struct Network {
    ids: Vec<Uuid>,
    holders: Vec<Holder>,
    facets: Vec<Facet>,
    /// Index into `contacts`, or [`NO_CONTACT`] for the user's items.
    item_contact: Vec<u32>,
    terms: Vec<Term>,
    /// [`Bits`] of each term.
    bits: Vec<Bits>,
    word_ids: HashMap<String, u32>,
    tag_ids: HashMap<String, u32>,
    /// Concept index in the lexicon → term id.
    concept_ids: HashMap<u32, u32>,
    /// Per term, the terms of its complementary concepts (CSR).
    complement_starts: Vec<u32>,
    complement_terms: Vec<u32>,
    vector_starts: Vec<u32>,
    vector_terms: Vec<u32>,
    vector_weights: Vec<f64>,
    vector_surfaces: Vec<u32>,
    item_flags: Vec<Flags>,
    surfaces: Surfaces,
    partitions: [Partition; 6],
    /// Sorted, so a contact's index orders like its id.
    contacts: Vec<Uuid>,
    contact_index: HashMap<Uuid, u32>,
    contact_item_starts: Vec<u32>,
    contact_items: Vec<u32>,
    my_items: Vec<u32>,
    analyzer: Analyzer,
    lexicon: Arc<Lexicon>,
}

impl Network {
    /// Builds the network with the built-in vocabulary.
    pub fn build(items: Vec<Item>) -> Network {
        Network::build_with(items, Lexicon::builtin())
    }

    /// Builds the network, reading items with `lexicon`. Items are
    /// deduplicated by id; when two items share an id, the smaller one (by
    /// holder, facet, text, tags) is kept, so the choice does not depend on
    /// input order.
    pub fn build_with(mut items: Vec<Item>, lexicon: Arc<Lexicon>) -> Network {
        items.sort_by(|a, b| {
            (a.id, a.holder, a.facet, &a.text, &a.tags)
                .cmp(&(b.id, b.holder, b.facet, &b.text, &b.tags))
        });
        items.dedup_by_key(|item| item.id);

        // Reading is pure and per item: all cores on a large network. Term
        // ids are then given in item order, on one thread, to stay
        // deterministic.
        let reads = map_ranges(
            items.len(),
            items.len() >= PARALLEL_FROM_ITEMS,
            || (),
            |_, range| {
                items[range]
                    .iter()
                    .map(|item| analysis::read(&lexicon, &item.text, &item.tags, item.facet))
                    .collect()
            },
        );
        let analyzer = Analyzer::new();
        let mut interner = TermInterner::new(&analyzer, &lexicon);
        let entries: Vec<Vec<analysis::Entry>> = reads
            .iter()
            .map(|read| analysis::entries(&lexicon, read, &mut interner))
            .collect();
        drop(reads);
        let TermInterner {
            word_ids,
            tag_ids,
            concept_ids,
            terms: interned,
            surfaces,
            ..
        } = interner;

        let mut document_frequency = vec![0u32; interned.len()];
        for item_entries in &entries {
            for entry in item_entries {
                document_frequency[entry.term as usize] += 1;
            }
        }
        let item_count = items.len() as f64;
        let mut final_ids = vec![None; interned.len()];
        let mut terms = Vec::new();
        for (id, (via, display, concept)) in interned.into_iter().enumerate() {
            let idf = idf(item_count, document_frequency[id]);
            if idf > 0.0 {
                final_ids[id] = Some(terms.len() as u32);
                let (base, gate, kind, role) = match via {
                    Via::Concept => {
                        let info = lexicon.concept(concept);
                        (info.weight, info.gated, info.kind, info.role)
                    }
                    Via::Word | Via::Tag => (1.0, Gate::Open, ConceptKind::Topic, false),
                };
                terms.push(Term {
                    via,
                    display,
                    idf,
                    concept,
                    base,
                    gate,
                    activity: kind == ConceptKind::Activity,
                    place: kind == ConceptKind::Place,
                    role,
                });
            }
        }
        let keep_final = |map: HashMap<String, u32>| -> HashMap<String, u32> {
            map.into_iter()
                .filter_map(|(key, id)| final_ids[id as usize].map(|id| (key, id)))
                .collect()
        };
        let word_ids = keep_final(word_ids);
        let tag_ids = keep_final(tag_ids);
        let concept_ids: HashMap<u32, u32> = concept_ids
            .into_iter()
            .filter_map(|(concept, id)| final_ids[id as usize].map(|id| (concept, id)))
            .collect();
        let (complement_starts, complement_terms) = complements(&terms, &lexicon, &concept_ids);

        let mut vector_starts = Vec::with_capacity(items.len() + 1);
        vector_starts.push(0u32);
        let mut vector_terms = Vec::new();
        let mut vector_weights = Vec::new();
        let mut vector_surfaces = Vec::new();
        let mut indexed = Vec::new();
        let mut unindexed_bound = Vec::with_capacity(items.len());
        let mut says_a_role = Vec::with_capacity(items.len());
        for item_entries in &entries {
            // Dropping terms keeps the order, so ids stay ascending.
            let remapped: Vec<analysis::Entry> = item_entries
                .iter()
                .filter_map(|entry| {
                    final_ids[entry.term as usize].map(|term| analysis::Entry { term, ..*entry })
                })
                .collect();
            let (ids, weights, item_surfaces) = analysis::weigh(&terms, &remapped);
            says_a_role.push(analysis::says_a_role(&terms, &remapped));
            let (item_indexed, bound) = choose_indexed(&terms, &ids, &weights);
            vector_terms.extend_from_slice(&ids);
            vector_weights.extend_from_slice(&weights);
            vector_surfaces.extend_from_slice(&item_surfaces);
            indexed.extend(item_indexed);
            unindexed_bound.push(bound);
            vector_starts.push(vector_terms.len() as u32);
        }
        drop(entries);

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

        let bits = terms.iter().map(Bits::of).collect();
        let mut network = Network {
            ids: items.iter().map(|item| item.id).collect(),
            bits,
            holders: items.iter().map(|item| item.holder).collect(),
            facets: items.iter().map(|item| item.facet).collect(),
            item_contact,
            terms,
            word_ids,
            tag_ids,
            concept_ids,
            complement_starts,
            complement_terms,
            vector_starts,
            vector_terms,
            vector_weights,
            vector_surfaces,
            surfaces,
            partitions,
            contacts,
            contact_index,
            contact_item_starts,
            contact_items,
            my_items,
            analyzer,
            lexicon,
            item_flags: Vec::new(),
        };
        network.item_flags = (0..network.len())
            .map(|item| {
                let range =
                    network.vector_starts[item] as usize..network.vector_starts[item + 1] as usize;
                network.flags_of(&network.vector_terms[range], says_a_role[item])
            })
            .collect();
        network
    }

    /// Number of items (after deduplication by id).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The lexicon the network was read with.
    pub fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }

    fn vector(&self, item: u32) -> Vector<'_> {
        let range = self.vector_starts[item as usize] as usize
            ..self.vector_starts[item as usize + 1] as usize;
        Vector {
            terms: &self.vector_terms[range.clone()],
            weights: &self.vector_weights[range.clone()],
            surfaces: &self.vector_surfaces[range],
            table: &self.surfaces,
            flags: self.item_flags[item as usize],
        }
    }

    /// The [`Flags`] of a vector's terms.
    fn flags_of(&self, terms: &[u32], says_a_role: bool) -> Flags {
        Flags {
            activity: terms.iter().any(|&t| self.terms[t as usize].activity),
            role: says_a_role,
            any_role: terms.iter().any(|&t| self.terms[t as usize].role),
            complements: terms.iter().any(|&t| !self.complements_of(t).is_empty()),
            tags: terms
                .iter()
                .filter(|&&t| self.terms[t as usize].via == Via::Tag)
                .count()
                .min(255) as u8,
        }
    }

    /// How items `a` and `b` pair (see [`Pairing::of`]).
    fn pairing(&self, a: u32, b: u32) -> Option<Pairing> {
        Pairing::of(self.facets[a as usize], self.facets[b as usize])
    }

    fn items_of(&self, contact: u32) -> &[u32] {
        let start = self.contact_item_starts[contact as usize] as usize;
        let end = self.contact_item_starts[contact as usize + 1] as usize;
        &self.contact_items[start..end]
    }

    /// The terms of the concepts complementary to `term`'s (none for words
    /// and tags).
    fn complements_of(&self, term: u32) -> &[u32] {
        let start = self.complement_starts[term as usize] as usize;
        let end = self.complement_starts[term as usize + 1] as usize;
        &self.complement_terms[start..end]
    }
}

/// Per term, the terms of the concepts complementary to its concept that
/// the network holds, ascending.
fn complements(
    terms: &[Term],
    lexicon: &Lexicon,
    concept_ids: &HashMap<u32, u32>,
) -> (Vec<u32>, Vec<u32>) {
    let mut starts = Vec::with_capacity(terms.len() + 1);
    starts.push(0u32);
    let mut list = Vec::new();
    for term in terms {
        if term.concept != NO_CONCEPT {
            let mut others: Vec<u32> = lexicon
                .concept(term.concept)
                .complements
                .iter()
                .filter_map(|other| concept_ids.get(other).copied())
                .collect();
            others.sort_unstable();
            list.extend(others);
        }
        starts.push(list.len() as u32);
    }
    (starts, list)
}
