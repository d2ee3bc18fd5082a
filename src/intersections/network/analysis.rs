//! From an item's text and tags to its terms: the concepts the lexicon reads
//! in them (and their broader concepts), the words left over, and the tags;
//! then to a TF-IDF vector over those terms.

use std::collections::HashMap;

use super::super::concepts::{Mention, Reading};
use super::super::text::{self, Analyzer};
use super::super::vocabulary::{BROADER_SHARE, Gate, Lexicon};
use super::super::{CONCEPT_WEIGHT, DETAIL_SHARE, Facet, TAG_WEIGHT, Via, WORD_WEIGHT};

/// No surface: the term is a word or a tag, named by the term itself.
pub(super) const NO_SURFACE: u32 = u32::MAX;

/// No concept: the term is a word or a tag.
pub(super) const NO_CONCEPT: u32 = u32::MAX;

/// What an item's text and tags say, before it is given term ids: read once
/// per item (on all cores for a large network).
pub(super) struct Read {
    /// The first line of the text: a goal's title.
    title: Reading,
    /// The rest: a goal's description.
    detail: Reading,
    /// Normalised tags, sorted and unique, each with its own reading.
    tags: Vec<(String, Reading)>,
}

pub(super) fn read(lexicon: &Lexicon, item_text: &str, tags: &[String], facet: Facet) -> Read {
    let mut normalised: Vec<String> = tags
        .iter()
        .map(|raw| text::tag(raw))
        .filter(|tag| !tag.is_empty())
        .collect();
    normalised.sort_unstable();
    normalised.dedup();
    let (title, detail) = item_text.split_once('\n').unwrap_or((item_text, ""));
    let read = |text: &str| lexicon.read_as(text, facet);
    Read {
        title: read(title),
        detail: read(detail),
        tags: normalised
            .into_iter()
            .map(|tag| {
                let reading = read(&tag);
                (tag, reading)
            })
            .collect(),
    }
}

/// One term of one item, before weighing.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub term: u32,
    pub count: u32,
    /// A concept read in a tag weighs like a tag.
    pub tagged: bool,
    /// What a mention counts: 1 in a title or tag, [`DETAIL_SHARE`] in a
    /// description, times [`BROADER_SHARE`] for a broader concept only
    /// implied by a narrower one.
    pub scale: f64,
    /// The item's own words for a concept, or [`NO_SURFACE`].
    pub surface: u32,
    /// Said by the item, rather than only implied as a broader concept.
    pub said: bool,
}

/// Where an item's terms get their ids: given as met while building the
/// network, or looked up in a built network (unknown terms are dropped).
pub(super) trait Terms {
    fn word(&mut self, surface: &str) -> Option<u32>;
    fn tag(&mut self, tag: &str) -> Option<u32>;
    fn concept(&mut self, concept: u32) -> Option<u32>;
    fn surface(&mut self, surface: &str) -> u32;
}

/// The entries of one item, term ids ascending.
pub(super) fn entries(lexicon: &Lexicon, read: &Read, terms: &mut impl Terms) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut concepts: Vec<Implied> = Vec::new();
    take(
        &mut entries,
        &mut concepts,
        &read.title,
        (false, 1.0),
        terms,
    );
    take(
        &mut entries,
        &mut concepts,
        &read.detail,
        (false, DETAIL_SHARE),
        terms,
    );
    for (tag, reading) in &read.tags {
        take(&mut entries, &mut concepts, reading, (true, 1.0), terms);
        if let Some(term) = terms.tag(tag) {
            entries.push(Entry::new(term, false, 1.0, NO_SURFACE));
        }
    }
    // Broader concepts, at a share of the narrower one's weight, unless the
    // item names them itself. The narrower concept's words say the broader
    // one too ("UX" is why an item is about design): a reason shows what
    // each side wrote, never an empty phrase.
    for (concept, tagged, scale, surface) in concepts {
        for &broader in &lexicon.concept(concept).broader {
            if let Some(term) = terms.concept(broader) {
                entries.push(Entry {
                    said: false,
                    ..Entry::new(term, tagged, scale * BROADER_SHARE, surface)
                });
            }
        }
    }
    merge(entries)
}

/// A concept read in an item, whose broader concepts it implies: the
/// concept, whether a tag said it, its scale, and the words that said it.
type Implied = (u32, bool, f64, u32);

/// Adds the terms of `reading`, each counting `scale` (less in a
/// description than in a title); `tagged` when it is a tag's.
fn take(
    entries: &mut Vec<Entry>,
    concepts: &mut Vec<Implied>,
    reading: &Reading,
    (tagged, scale): (bool, f64),
    terms: &mut impl Terms,
) {
    // The fullest words name a concept: "seed round" rather than "raise"
    // (the merge keeps the first surface of a term, and sorts stably).
    let mut mentions: Vec<&Mention> = reading.mentions.iter().collect();
    mentions.sort_by_key(|mention| std::cmp::Reverse(mention.surface.split(' ').count()));
    for mention in mentions {
        let surface = terms.surface(&mention.surface);
        if let Some(term) = terms.concept(mention.concept) {
            entries.push(Entry::new(term, tagged, scale, surface));
        }
        concepts.push((mention.concept, tagged, scale, surface));
    }
    for word in &reading.words {
        if let Some(term) = terms.word(word) {
            entries.push(Entry::new(term, false, scale, NO_SURFACE));
        }
    }
}

impl Entry {
    fn new(term: u32, tagged: bool, scale: f64, surface: u32) -> Entry {
        Entry {
            term,
            count: 1,
            tagged,
            scale,
            surface,
            said: true,
        }
    }
}

/// Whether an item says a role itself (see `ConceptDef::role`): a role only
/// implied ("taxes" is accounting, "press" public relations) says what the
/// item is about, not the work someone does.
pub(super) fn says_a_role(terms: &[Term], entries: &[Entry]) -> bool {
    entries
        .iter()
        .any(|entry| entry.said && terms[entry.term as usize].role)
}

/// Sorts by term (stably) and merges repeats: the largest scale stands, its
/// mentions are counted, a tag wins, and the first surface stays.
fn merge(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by_key(|entry| entry.term);
    let mut merged: Vec<Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        match merged.last_mut() {
            Some(last) if last.term == entry.term => {
                if entry.scale > last.scale {
                    last.count = entry.count;
                    last.scale = entry.scale;
                    if entry.surface != NO_SURFACE {
                        last.surface = entry.surface;
                    }
                } else if entry.scale == last.scale {
                    last.count += entry.count;
                }
                last.tagged |= entry.tagged;
                last.said |= entry.said;
                if last.surface == NO_SURFACE {
                    last.surface = entry.surface;
                }
            }
            _ => merged.push(entry),
        }
    }
    merged
}

/// A term of the network.
pub(super) struct Term {
    pub via: Via,
    /// The tag, the concept's label, or the shortest surface word of the stem.
    pub display: String,
    pub idf: f64,
    /// For a concept: its index in the lexicon; [`NO_CONCEPT`] otherwise.
    pub concept: u32,
    /// For a concept: its vocabulary weight; 1 otherwise.
    pub base: f64,
    /// What company it needs to count (see [`Gate`]).
    pub gate: Gate,
    /// An activity concept (see `ConceptKind::Activity`).
    pub activity: bool,
    /// A place concept (see `ConceptKind::Place`).
    pub place: bool,
    /// A craft or profession (see `ConceptDef::role`).
    pub role: bool,
}

/// The normalised TF-IDF vector of an item's entries: term ids ascending,
/// their weights, their surfaces.
pub(super) fn weigh(terms: &[Term], entries: &[Entry]) -> (Vec<u32>, Vec<f64>, Vec<u32>) {
    let ids: Vec<u32> = entries.iter().map(|entry| entry.term).collect();
    let surfaces: Vec<u32> = entries.iter().map(|entry| entry.surface).collect();
    let mut weights: Vec<f64> = entries
        .iter()
        .map(|entry| {
            let term = &terms[entry.term as usize];
            let frequency = 1.0 + f64::from(entry.count).ln();
            match term.via {
                Via::Word => WORD_WEIGHT * entry.scale * frequency * term.idf,
                Via::Tag => TAG_WEIGHT * term.idf,
                Via::Concept => {
                    let emphasis = if entry.tagged { TAG_WEIGHT } else { frequency };
                    CONCEPT_WEIGHT * term.base * entry.scale * emphasis * term.idf
                }
            }
        })
        .collect();
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        for weight in &mut weights {
            *weight /= norm;
        }
    }
    (ids, weights, surfaces)
}

/// Gives term ids while items are analysed, in the order terms are first
/// met; as items are sorted by id first, the ids are deterministic.
pub(super) struct TermInterner<'a> {
    pub analyzer: &'a Analyzer,
    pub lexicon: &'a Lexicon,
    pub word_ids: HashMap<String, u32>,
    pub tag_ids: HashMap<String, u32>,
    pub concept_ids: HashMap<u32, u32>,
    /// Via, display, concept index.
    pub terms: Vec<(Via, String, u32)>,
    pub surfaces: Surfaces,
    /// Stemming is the costliest step of a build and most tokens repeat;
    /// `None` for generic words.
    stems: HashMap<String, Option<String>>,
}

impl<'a> TermInterner<'a> {
    pub fn new(analyzer: &'a Analyzer, lexicon: &'a Lexicon) -> Self {
        Self {
            analyzer,
            lexicon,
            word_ids: HashMap::new(),
            tag_ids: HashMap::new(),
            concept_ids: HashMap::new(),
            terms: Vec::new(),
            surfaces: Surfaces::default(),
            stems: HashMap::new(),
        }
    }

    fn fresh(&mut self, via: Via, display: String, concept: u32) -> u32 {
        let id = self.terms.len() as u32;
        self.terms.push((via, display, concept));
        id
    }
}

/// The stem of a folded word, or `None` for a generic one.
pub(super) fn meaningful_stem(
    analyzer: &Analyzer,
    lexicon: &Lexicon,
    surface: &str,
) -> Option<String> {
    let stem = analyzer.stem(surface);
    (!lexicon.is_generic(&stem)).then_some(stem)
}

impl Terms for TermInterner<'_> {
    fn word(&mut self, surface: &str) -> Option<u32> {
        let stem = match self.stems.get(surface) {
            Some(stem) => stem.clone()?,
            None => {
                let stem = meaningful_stem(self.analyzer, self.lexicon, surface);
                self.stems.insert(surface.to_owned(), stem.clone());
                stem?
            }
        };
        Some(match self.word_ids.get(&stem) {
            Some(&id) => {
                let display = &mut self.terms[id as usize].1;
                if is_better_display(surface, display) {
                    *display = surface.to_owned();
                }
                id
            }
            None => {
                let id = self.fresh(Via::Word, surface.to_owned(), NO_CONCEPT);
                self.word_ids.insert(stem, id);
                id
            }
        })
    }

    fn tag(&mut self, tag: &str) -> Option<u32> {
        let key = tag_key(self.analyzer, tag);
        Some(match self.tag_ids.get(&key) {
            Some(&id) => {
                let display = &mut self.terms[id as usize].1;
                if is_better_display(tag, display) {
                    *display = tag.to_owned();
                }
                id
            }
            None => {
                let id = self.fresh(Via::Tag, tag.to_owned(), NO_CONCEPT);
                self.tag_ids.insert(key, id);
                id
            }
        })
    }

    fn concept(&mut self, concept: u32) -> Option<u32> {
        Some(match self.concept_ids.get(&concept) {
            Some(&id) => id,
            None => {
                let label = self.lexicon.concept(concept).label.clone();
                let id = self.fresh(Via::Concept, label, concept);
                self.concept_ids.insert(concept, id);
                id
            }
        })
    }

    fn surface(&mut self, surface: &str) -> u32 {
        self.surfaces.intern(surface)
    }
}

/// Interned surfaces of concepts, as items wrote them.
#[derive(Default)]
pub(super) struct Surfaces {
    ids: HashMap<Box<str>, u32>,
    pub list: Vec<Box<str>>,
}

impl Surfaces {
    pub fn intern(&mut self, surface: &str) -> u32 {
        if let Some(&id) = self.ids.get(surface) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(surface.into());
        self.ids.insert(surface.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        self.list.get(id as usize).map_or("", |s| s)
    }
}

/// What makes two normalised tags the same: their words stemmed, numbers
/// kept, so "podcasting" is "podcast" and "Project-Management" is "project
/// management", while "topic-1" and "topic-2" stay apart.
pub(super) fn tag_key(analyzer: &Analyzer, tag: &str) -> String {
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
