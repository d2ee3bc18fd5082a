//! The intersections engine: where the goals, offers and interests of the
//! user and of their contacts meet.
//!
//! # Model
//!
//! Every goal, offer and interest set is an [`Item`]. Its text and tags are
//! read with a [`Lexicon`] (the vocabulary of `vocabulary/`, plus the user's
//! own): the *concepts* they mention, whatever the words ("seed round",
//! "pre-seed" and "raise capital" are all fundraising; "seed" alone only in
//! the company of "round" or "stage"), the broader concepts those imply, and
//! the words no concept took, stemmed (see [`text`]), generic ones ("find",
//! "new", "better") left out. Tags also count whole, compared once each of
//! their words is stemmed. Concepts, words and tags are separate terms.
//!
//! An item is a TF-IDF vector over those terms:
//!
//! * a word stem weighs `(1 + ln tf) * idf`;
//! * a tag weighs [`TAG_WEIGHT`]` * idf`, because a tag is a deliberate label;
//! * a concept weighs [`CONCEPT_WEIGHT`] times its vocabulary weight (lower
//!   for broad concepts such as "startups") times `(1 + ln tf)` (or
//!   [`TAG_WEIGHT`] when a tag says it) times `idf`, halved for a broader
//!   concept only implied by a narrower one;
//! * `idf(t) = ln(1 + (N + 1) / (df(t) + 1))`, with `N` the number of items in
//!   the network and `df(t)` the number of items holding `t`: a term most of
//!   the network holds weighs a fraction of a rare one.
//!
//! Vectors are L2-normalised. Two items score their dot product, which for
//! goals and offers also counts *complementary* concepts (hiring in one,
//! job seeking in the other) as if they were shared, plus [`TAG_BONUS`] per
//! shared tag, capped at 1 and rounded to 4 decimals. Two rules then lower
//! it: *gated* concepts (hiring, selling, moving) count only when the pair
//! also shares something else ([`GATE_FLOOR`], [`GATE_SHARE`]) and, when
//! both items say a *role* (a craft or profession: design, nursing,
//! cooking), a role (a line cook wanted and a photographer shooting for
//! restaurants share a sector, not the work), two goals or
//! offers whose *activities* neither match nor complete each other (an
//! activity counts for this only when it weighs at least 70 % of the item's
//! main one: an intent read in passing is not its pursuit) keep
//! [`MISMATCH_SHARE`] of it, and those that meet on topics alone (one of
//! them names no activity) keep [`TOPIC_ONLY_SHARE`] ([`SECTOR_ONLY_SHARE`]
//! when they share no role and no tag, [`MISMATCH_SHARE`] when both say a
//! role and they share none). A pair is an intersection when its score
//! reaches [`MIN_SCORE`]. [`Reason`]s are what carried the score: concepts
//! (with the words each side used), pairs of complementary concepts, words
//! and tags, largest contribution first.
//!
//! # Search
//!
//! Candidates come from an inverted index (term → items holding it), one per
//! holder side (the user, the contacts) and facet, so a query only ever
//! touches items it could legally match; a query holds its item's terms and
//! the complements of its concepts. Each item leaves out of the index its
//! lightest terms, as long as they could not reach [`MIN_SCORE`] on their
//! own even together (their L2 norm bounds their cosine with any query of
//! norm one, a bound scaled by the query's own norm; each tag among them adds
//! its bonus). A pair that shares only such terms therefore scores below the
//! threshold, and the pruning changes no result, while the very common, very
//! light terms no longer make every query touch most of the network. The
//! rules that lower a score only ever lower it, so the bounds hold.
//!
//! Introductions need only each contact's best few partners, so that
//! search is a top-k one (MaxScore): query terms are read most promising
//! first, and the rest, mostly common terms with long postings, are skipped
//! once they could not lift an item into the top list even together. Pairs
//! are then scored exactly, so skipping never changes a result. Large
//! networks are searched on all cores.
//!
//! # Determinism
//!
//! Items are sorted by id before anything is built, term ids are given in
//! that order, every score is computed by one function summing in a fixed
//! order (the same whichever item comes first), and every output is fully
//! sorted. The same items in any order give the same results, scores and
//! ids.

pub mod concepts;
pub mod labelled;
mod network;
mod parallel;
pub mod text;
pub mod vocabulary;

#[cfg(test)]
mod concept_tests;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use network::Network;
pub use vocabulary::{Lexicon, UserConcept};

/// How much more a tag weighs than a word with the same idf.
pub const TAG_WEIGHT: f64 = 2.0;

/// Added to the cosine for every shared tag: two people who chose the same
/// label mean the same topic, even when the rest of their text differs.
pub const TAG_BONUS: f64 = 0.05;

/// How much more a concept weighs than a word with the same idf, before its
/// own vocabulary weight: a concept is what the text means, read with the
/// company its words keep, where a word is only what it says.
pub const CONCEPT_WEIGHT: f64 = 2.0;

/// What a description counts for, relative to the title: the title says what
/// the goal is, the description adds context ("for independent grocers").
pub const DETAIL_SHARE: f64 = 0.5;

/// A leftover word's weight relative to a concept's.
pub const WORD_WEIGHT: f64 = 1.0;

/// What a pair must share outside gated concepts before the gated ones
/// count: two people hiring meet only once they also share the field. Both
/// an absolute floor and a share of the gated part, so that one shared
/// common word ("neighbourhood") does not open the gate of a move to another
/// city.
pub const GATE_FLOOR: f64 = 0.02;

/// See [`GATE_FLOOR`].
pub const GATE_SHARE: f64 = 0.35;

/// What is left of the score of two goals (or a goal and an offer) whose
/// activities neither match nor complete each other: selling to grocers and
/// speaking at grocery conferences share a topic, not a pursuit.
pub const MISMATCH_SHARE: f64 = 0.3;

/// What is left of the score of a goal and a goal (or an offer) that meet
/// on topics alone, when one of them names no activity: measured on
/// labelled networks, such pairs are more often a shared theme than a real
/// intersection.
pub const TOPIC_ONLY_SHARE: f64 = 0.6;

/// What is left instead of [`TOPIC_ONLY_SHARE`] when such a pair shares no
/// role (a craft or profession) and no tag either, only sectors, audiences
/// or themes: a museum's new visual identity and a framer's museum glass,
/// a bakery chain's rebrand and a food podcast's guests.
pub const SECTOR_ONLY_SHARE: f64 = 0.5;

/// The lowest score that counts as an intersection, the same for every
/// kind, for introductions and for people: one threshold, in code, spec and
/// README.
pub const MIN_SCORE: f64 = 0.15;

/// The version of the scoring model: raise it with any change to how items
/// are read or scored, so that stored intersections are recomputed.
pub const MODEL_VERSION: i64 = 3;

/// The model and the built-in vocabulary's version, in one number: stored
/// intersections computed with another are stale.
pub fn engine_version() -> i64 {
    (MODEL_VERSION << 32) | i64::from(vocabulary::Vocabulary::builtin().version)
}

/// At most this many reasons are given for one intersection.
pub const MAX_REASONS: usize = 5;

/// At most this many item matches are listed for a pair of people.
pub const MAX_MATCHES: usize = 3;

/// Whose item it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// The user of the relationship manager.
    Me,
    /// One of the user's contacts.
    Contact(Uuid),
}

/// What an item says about its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    /// Something the holder pursues or needs.
    Goal,
    /// Something the holder can give.
    Offer,
    /// All of a person's interest tags, as one item.
    Interests,
}

/// One goal, offer or interest set, as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub holder: Holder,
    pub facet: Facet,
    pub text: String,
    pub tags: Vec<String>,
}

/// How the user and a contact meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The user's goal and the contact's goal are alike.
    SharedGoal,
    /// The user's offer meets the contact's goal.
    ICanHelp,
    /// The contact's offer meets the user's goal.
    TheyCanHelp,
    /// The user's and the contact's interests overlap.
    SharedInterest,
    /// The user's goal and the contact's complete each other: one looks for
    /// what the other offers by pursuing their own goal (hiring and job
    /// seeking, fundraising and investing).
    ComplementaryGoal,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::SharedGoal,
        Kind::ICanHelp,
        Kind::TheyCanHelp,
        Kind::SharedInterest,
        Kind::ComplementaryGoal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SharedGoal => "shared_goal",
            Kind::ICanHelp => "i_can_help",
            Kind::TheyCanHelp => "they_can_help",
            Kind::SharedInterest => "shared_interest",
            Kind::ComplementaryGoal => "complementary_goal",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == s)
    }
}

/// Which namespace a shared term comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Word,
    Tag,
    Concept,
}

/// How the two items relate through a term.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Both hold it (in whatever words).
    #[default]
    Same,
    /// Each holds one of two complementary concepts.
    Complement,
}

/// One shared term (or pair of complementary concepts) and how much it
/// contributed to a score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// A readable form: the concept's label ("fundraising ↔ investing" for
    /// complements), the tag itself, or the shortest word of the network
    /// that has this stem.
    pub term: String,
    pub via: Via,
    #[serde(default)]
    pub relation: Relation,
    /// Concept ids: one for the same concept, two (in item order) for
    /// complements; empty for words and tags.
    #[serde(default)]
    pub concepts: Vec<String>,
    /// What each item wrote for the concept, in item order; empty for words
    /// and tags.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Product of the term's weights in the two items, rounded to 4 decimals.
    pub weight: f64,
}

/// What searches leave out: contacts resting or archived, pairs of contacts
/// whose introduction was dismissed, items whose match was dismissed.
#[derive(Clone, Debug, Default)]
pub struct Skip {
    pub contacts: HashSet<Uuid>,
    /// Unordered pairs of contacts.
    pub pairs: HashSet<(Uuid, Uuid)>,
    /// Items never to match ([`Network::people_for`] only).
    pub items: HashSet<Uuid>,
}

/// An intersection between the user and one contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// Stable: [`intersection_id`] of the kind and the two item ids.
    pub id: Uuid,
    pub kind: Kind,
    pub contact_id: Uuid,
    /// The user's item; `None` for [`Kind::SharedInterest`].
    pub mine: Option<Uuid>,
    /// The contact's item; `None` for [`Kind::SharedInterest`].
    pub theirs: Option<Uuid>,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// How two items of two people meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// `from` is an offer that meets the goal `to`.
    OfferMeetsGoal,
    /// `from` and `to` are alike goals.
    SharedGoal,
    /// `from` and `to` are goals that complete each other.
    ComplementaryGoal,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::OfferMeetsGoal => "offer_meets_goal",
            MatchKind::SharedGoal => "shared_goal",
            MatchKind::ComplementaryGoal => "complementary_goal",
        }
    }

    pub fn parse(s: &str) -> Option<MatchKind> {
        [
            MatchKind::OfferMeetsGoal,
            MatchKind::SharedGoal,
            MatchKind::ComplementaryGoal,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == s)
    }
}

/// One pair of items behind an [`Introduction`] or a [`Person`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub kind: MatchKind,
    /// Item id: the offer for [`MatchKind::OfferMeetsGoal`].
    pub from: Uuid,
    /// Item id: the goal.
    pub to: Uuid,
    pub score: f64,
}

/// Two contacts worth introducing to each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Introduction {
    /// Stable: [`introduction_id`] of the two contacts.
    pub id: Uuid,
    /// Smaller contact id first.
    pub contacts: (Uuid, Uuid),
    /// The best match's score.
    pub score: f64,
    /// The best match's reasons.
    pub reasons: Vec<Reason>,
    /// The pair's best matches, best first, at most [`MAX_MATCHES`].
    pub matches: Vec<Match>,
}

/// A contact ranked for one goal or offer (see [`Network::people_for`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub contact_id: Uuid,
    /// The best match's score.
    pub score: f64,
    /// The best match's reasons.
    pub reasons: Vec<Reason>,
    /// `from` is the contact's item, `to` the asked-about item; best first,
    /// at most [`MAX_MATCHES`].
    pub matches: Vec<Match>,
}

/// The stable id of an intersection between the user's item `mine` and a
/// contact's item `theirs` (for [`Kind::SharedInterest`], the two interest
/// items), so that state kept about it (seen, dismissed) survives rebuilds.
pub fn intersection_id(kind: Kind, mine: Uuid, theirs: Uuid) -> Uuid {
    stable_id(&["rapport/intersection/", kind.as_str()], [mine, theirs])
}

/// The stable id of an introduction between two contacts, whatever their
/// order.
pub fn introduction_id(a: Uuid, b: Uuid) -> Uuid {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    stable_id(&["rapport/introduction"], [low, high])
}

/// A version-8 UUID from the first 16 bytes of the SHA-256 of
/// `prefix` + "/" + `ids[0]` + "/" + `ids[1]` (ids hyphenated, lowercase).
fn stable_id(prefix: &[&str], ids: [Uuid; 2]) -> Uuid {
    let mut hasher = Sha256::new();
    for part in prefix {
        hasher.update(part.as_bytes());
    }
    let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    for id in ids {
        hasher.update(b"/");
        hasher.update(id.hyphenated().encode_lower(&mut buffer).as_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
