//! Labelled matching sets (`tests/fixtures/matching/README.md` has the
//! format): a network written the way people write, with pairs a person
//! judged. [`evaluate`] runs the engine over one and measures it: precision
//! over every pair the engine returns (intersections with the user, and the
//! item pairs of introductions), recall over every pair labelled a match.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Facet, Holder, Item, Kind, Network, Skip};

#[derive(Debug, Deserialize)]
pub struct LabelledSet {
    pub name: String,
    pub me: Person,
    pub contacts: Vec<Contact>,
    pub pairs: Vec<Pair>,
}

#[derive(Debug, Deserialize)]
pub struct Person {
    #[serde(default)]
    pub interests: Vec<String>,
    #[serde(default)]
    pub items: Vec<LabelledItem>,
}

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub interests: Vec<String>,
    #[serde(default)]
    pub items: Vec<LabelledItem>,
}

#[derive(Debug, Deserialize)]
pub struct LabelledItem {
    pub key: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub topics: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    #[serde(rename = "match")]
    pub is_match: bool,
    #[serde(default)]
    pub note: String,
}

/// An unordered pair of item keys.
pub type Key = (String, String);

fn key(a: &str, b: &str) -> Key {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// How the engine did on one set.
#[derive(Debug, Default)]
pub struct Report {
    pub name: String,
    /// Pairs the engine returned that are labelled a match.
    pub true_positives: usize,
    /// Pairs the engine returned, with their score, that are not labelled a
    /// match (labelled traps and unlabelled pairs alike).
    pub false_positives: Vec<(Key, f64)>,
    /// Pairs labelled a match that the engine did not return, with the
    /// labeller's note.
    pub false_negatives: Vec<(Key, String)>,
    /// Pairs labelled a match.
    pub positives: usize,
    /// Of the false positives, those labelled as traps.
    pub traps_fallen_for: usize,
}

impl Report {
    pub fn returned(&self) -> usize {
        self.true_positives + self.false_positives.len()
    }

    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.returned())
    }

    pub fn recall(&self) -> f64 {
        ratio(self.positives - self.false_negatives.len(), self.positives)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// A stable id per key, so the same set always builds the same network.
fn id_of(key: &str) -> Uuid {
    let digest = Sha256::digest(format!("rapport/labelled/{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

fn interests_key(person: &str) -> String {
    format!("{person}:interests")
}

impl LabelledSet {
    pub fn parse(json: &str) -> Result<LabelledSet, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// The set as engine items, and the key of each item and contact id.
    pub fn items(&self) -> (Vec<Item>, HashMap<Uuid, String>) {
        let mut items = Vec::new();
        let mut keys: HashMap<Uuid, String> = self
            .contacts
            .iter()
            .map(|c| (id_of(&c.key), c.key.clone()))
            .collect();
        let mut add =
            |key: String, holder: Holder, facet: Facet, text: String, tags: Vec<String>| {
                let id = id_of(&key);
                keys.insert(id, key);
                items.push(Item {
                    id,
                    holder,
                    facet,
                    text,
                    tags,
                });
            };
        let people = std::iter::once(("me", Holder::Me, &self.me.interests, &self.me.items)).chain(
            self.contacts.iter().map(|c| {
                (
                    c.key.as_str(),
                    Holder::Contact(id_of(&c.key)),
                    &c.interests,
                    &c.items,
                )
            }),
        );
        for (person, holder, interests, person_items) in people {
            if !interests.is_empty() {
                add(
                    interests_key(person),
                    holder,
                    Facet::Interests,
                    String::new(),
                    interests.clone(),
                );
            }
            for item in person_items {
                let facet = if item.kind == "offer" {
                    Facet::Offer
                } else {
                    Facet::Goal
                };
                let text = match &item.description {
                    Some(description) => format!("{}\n{description}", item.title),
                    None => item.title.clone(),
                };
                add(item.key.clone(), holder, facet, text, item.topics.clone());
            }
        }
        (items, keys)
    }
}

/// Runs the engine over `set` and compares what it returns with the labels.
/// `per_contact` is the introductions' top-list size (the API keeps 10).
pub fn evaluate(
    set: &LabelledSet,
    network: &Network,
    keys: &HashMap<Uuid, String>,
    per_contact: usize,
) -> Report {
    let name_of = |id: &Uuid| keys.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut returned: HashMap<Key, f64> = HashMap::new();
    for found in network.intersections() {
        let pair = match (found.kind, found.mine, found.theirs) {
            (Kind::SharedInterest, ..) => key(
                &interests_key("me"),
                &interests_key(&name_of(&found.contact_id)),
            ),
            (_, Some(mine), Some(theirs)) => key(&name_of(&mine), &name_of(&theirs)),
            _ => continue,
        };
        returned.insert(pair, found.score);
    }
    for introduction in network.introductions(per_contact, &Skip::default()) {
        for matched in &introduction.matches {
            returned.insert(
                key(&name_of(&matched.from), &name_of(&matched.to)),
                matched.score,
            );
        }
    }
    let positives: HashMap<Key, &str> = set
        .pairs
        .iter()
        .filter(|p| p.is_match)
        .map(|p| (key(&p.a, &p.b), p.note.as_str()))
        .collect();
    let traps: BTreeSet<Key> = set
        .pairs
        .iter()
        .filter(|p| !p.is_match)
        .map(|p| key(&p.a, &p.b))
        .collect();
    let mut report = Report {
        name: set.name.clone(),
        positives: positives.len(),
        ..Report::default()
    };
    for (pair, score) in &returned {
        if positives.contains_key(pair) {
            report.true_positives += 1;
        } else {
            report.traps_fallen_for += usize::from(traps.contains(pair));
            report.false_positives.push((pair.clone(), *score));
        }
    }
    for (pair, note) in positives {
        if !returned.contains_key(&pair) {
            report.false_negatives.push((pair, note.to_owned()));
        }
    }
    report
        .false_positives
        .sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    report.false_negatives.sort();
    report
}
