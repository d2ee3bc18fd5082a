//! The concept vocabulary: what it says (read from the TOML files in
//! `vocabulary/`, whose README describes the format and the matching rules),
//! checked, and compiled into a [`Lexicon`] that reads text.
//!
//! The built-in vocabulary is parsed and compiled once per process. A user's
//! own vocabulary ([`UserConcept`]) is compiled on top of it into a lexicon
//! of their own, so it changes only their network.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use serde::Deserialize;

use super::text::Analyzer;

/// The files of the built-in vocabulary, in the order they are read.
const FILES: [(&str, &str); 5] = [
    (
        "activities.toml",
        include_str!("vocabulary/activities.toml"),
    ),
    ("fields.toml", include_str!("vocabulary/fields.toml")),
    ("life.toml", include_str!("vocabulary/life.toml")),
    ("places.toml", include_str!("vocabulary/places.toml")),
    ("generic.toml", include_str!("vocabulary/generic.toml")),
];

const HEADER: &str = include_str!("vocabulary/vocabulary.toml");

/// Tokens to look around a sense word for its cues, when the sense does not
/// say.
pub const DEFAULT_WINDOW: usize = 6;

/// What a broader concept counts for, relative to the narrower one found.
pub const BROADER_SHARE: f64 = 0.5;

/// One concept as the vocabulary files write it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConceptDef {
    pub id: String,
    pub label: String,
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// `true` (needs a shared topic) or `"place"` (needs a shared place); by
    /// default, the file's, or `false`.
    pub gated: Option<Gate>,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub senses: Vec<SenseDef>,
    #[serde(default)]
    pub complements: Vec<String>,
    #[serde(default)]
    pub broader: Vec<String>,
    /// The concept this one is read as in an offer: an offer is what its
    /// holder gives, so the seeking side of a relation read there ("Mentoring
    /// PMs who want to become leaders" read as wanting a mentor) is its
    /// giving side.
    #[serde(default)]
    pub offered_as: Option<String>,
    /// `activity` or `topic` (or `place`); by default, the file's.
    pub kind: Option<ConceptKind>,
    /// A topic that is a craft or a profession, what someone does (design,
    /// nursing, cooking, data science), rather than a sector or an audience,
    /// for whom (restaurants, fintech, healthcare): work that one side offers
    /// and the other seeks must agree on it (see `Gate::Topic`).
    #[serde(default)]
    pub role: bool,
}

/// What company a concept needs to make a match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gate {
    /// None: it matches on its own.
    #[default]
    Open,
    /// Something else shared (`gated = true`): two people hiring meet only
    /// when they hire in the same field.
    Topic,
    /// A shared place (`gated = "place"`): two people moving meet only when
    /// they move to the same city, and a move meets local knowledge only of
    /// that place.
    Place,
}

impl<'de> Deserialize<'de> for Gate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Gate, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Flag(bool),
            Kind(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Flag(false) => Ok(Gate::Open),
            Written::Flag(true) => Ok(Gate::Topic),
            Written::Kind(kind) if kind == "place" => Ok(Gate::Place),
            Written::Kind(other) => Err(serde::de::Error::custom(format!(
                "gated is true, false or \"place\", not {other:?}"
            ))),
        }
    }
}

/// What a concept names.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    /// What something is about: a field, a craft, a cause, a hobby.
    #[default]
    Topic,
    /// What someone is doing about it: raising money, hiring, selling,
    /// looking for advice. Two goals whose activities neither match nor
    /// complete each other are not the same pursuit, whatever their topics.
    Activity,
    /// A city, region or country.
    Place,
}

fn default_weight() -> f64 {
    1.0
}

/// Ambiguous words that mean a concept only in the right company.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SenseDef {
    pub words: Vec<String>,
    #[serde(default)]
    pub with: Vec<String>,
    #[serde(default)]
    pub without: Vec<String>,
    pub window: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptFile {
    /// The kind of the file's concepts that do not say theirs.
    kind: Option<ConceptKind>,
    /// The gate of the file's concepts that do not say theirs.
    gated: Option<Gate>,
    #[serde(default)]
    concept: Vec<ConceptDef>,
    #[serde(default)]
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    version: u32,
}

/// The built-in vocabulary, as written.
#[derive(Debug)]
pub struct Vocabulary {
    pub version: u32,
    pub concepts: Vec<ConceptDef>,
    pub generic: Vec<String>,
}

impl Vocabulary {
    /// Parses and checks the vocabulary files.
    pub fn parse(header: &str, files: &[(&str, &str)]) -> Result<Vocabulary, String> {
        let header: Header = toml::from_str(header).map_err(|e| format!("vocabulary.toml: {e}"))?;
        let mut concepts = Vec::new();
        let mut generic = Vec::new();
        for (name, source) in files {
            let file: ConceptFile = toml::from_str(source).map_err(|e| format!("{name}: {e}"))?;
            concepts.extend(file.concept.into_iter().map(|mut concept| {
                concept.kind = concept.kind.or(file.kind);
                concept.gated = concept.gated.or(file.gated);
                concept
            }));
            generic.extend(file.words);
        }
        let vocabulary = Vocabulary {
            version: header.version,
            concepts,
            generic,
        };
        vocabulary.check()?;
        Ok(vocabulary)
    }

    /// The built-in vocabulary; a broken one stops the process at once (and
    /// fails the test suite before that).
    pub fn builtin() -> &'static Vocabulary {
        static BUILTIN: LazyLock<Vocabulary> = LazyLock::new(|| {
            Vocabulary::parse(HEADER, &FILES).unwrap_or_else(|e| panic!("vocabulary: {e}"))
        });
        &BUILTIN
    }

    fn check(&self) -> Result<(), String> {
        let mut ids = HashSet::new();
        for concept in &self.concepts {
            check_definition(concept)?;
            if !ids.insert(concept.id.as_str()) {
                return Err(format!("concept {} is defined twice", concept.id));
            }
        }
        for concept in &self.concepts {
            let relations = concept.complements.iter().chain(&concept.broader);
            for other in relations.chain(&concept.offered_as) {
                if !ids.contains(other.as_str()) {
                    return Err(format!("concept {} names unknown {other}", concept.id));
                }
                if *other == concept.id {
                    return Err(format!("concept {} names itself", concept.id));
                }
            }
        }
        Ok(())
    }
}

/// What must hold of one concept, built-in or a user's.
fn check_definition(concept: &ConceptDef) -> Result<(), String> {
    let id = &concept.id;
    let snake = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        return Err(format!("concept id {id:?} is not snake_case"));
    }
    if concept.label.trim().is_empty() {
        return Err(format!("concept {id} has no label"));
    }
    if !(0.05..=3.0).contains(&concept.weight) {
        return Err(format!("concept {id}: weight must be between 0.05 and 3"));
    }
    if concept.phrases.is_empty() && concept.senses.is_empty() {
        return Err(format!("concept {id} has no phrase"));
    }
    if concept.role && concept.kind.unwrap_or_default() != ConceptKind::Topic {
        return Err(format!("concept {id}: only a topic can be a role"));
    }
    let phrases = concept
        .phrases
        .iter()
        .chain(concept.senses.iter().flat_map(|s| &s.words));
    for phrase in phrases {
        if phrase_keys(phrase).is_empty() {
            return Err(format!("concept {id}: phrase {phrase:?} has no word"));
        }
    }
    for sense in &concept.senses {
        if sense.words.is_empty() {
            return Err(format!("concept {id}: a sense has no words"));
        }
        if sense.window == Some(0) {
            return Err(format!("concept {id}: a sense window must be above 0"));
        }
    }
    Ok(())
}

/// A concept of one user's own: new words for a built-in concept
/// (`extends`), or a concept of their own with its phrases and complements.
#[derive(Clone, Debug, PartialEq)]
pub struct UserConcept {
    /// For a concept of their own: its id (unique among the user's concepts
    /// and the built-in ones).
    pub id: String,
    pub label: String,
    /// A built-in concept these phrases also mean.
    pub extends: Option<String>,
    pub phrases: Vec<String>,
    pub complements: Vec<String>,
}

/// Words skipped inside phrases, in the phrase and in the text, so that "raise
/// a round" is also "raise our round". Sorted.
const LITTLE_WORDS: &[&str] = &[
    "a", "an", "her", "his", "its", "my", "our", "some", "that", "the", "their", "these", "this",
    "those", "your",
];

pub fn is_little_word(token: &str) -> bool {
    LITTLE_WORDS.binary_search(&token).is_ok()
}

/// The form tokens are compared in: folded, with plural and third-person
/// endings removed and nothing else, so that "designers" is "designer" but
/// "marketing" stays apart from "market" (Snowball stemming would join them).
pub fn key(token: &str) -> Cow<'_, str> {
    let n = token.len();
    let ends = |suffix: &str| token.ends_with(suffix);
    if n > 4 && ends("ies") && !ends("eies") {
        Cow::Owned(format!("{}y", &token[..n - 3]))
    } else if n > 4 && (ends("sses") || ends("shes") || ends("ches") || ends("xes") || ends("zzes"))
    {
        Cow::Borrowed(&token[..n - 2])
    } else if n > 3
        && ends("s")
        && !ends("ss")
        && !ends("us")
        && !ends("is")
        && !NOT_PLURALS.contains(&token)
    {
        Cow::Borrowed(&token[..n - 1])
    } else {
        Cow::Borrowed(token)
    }
}

/// Words ending in a plural-looking `s` that are not plurals.
const NOT_PLURALS: &[&str] = &[
    "news",
    "series",
    "species",
    "analytics",
    "physics",
    "ethics",
    "economics",
    "politics",
    "logistics",
    "athletics",
    "aws",
    "saas",
    "paas",
    "iaas",
    "kubernetes",
    "ios",
    "macos",
    "js",
    "css",
];

/// The keys of a phrase as the matcher sees it: tokens, little words left out.
pub fn phrase_keys(phrase: &str) -> Vec<String> {
    super::text::fold(phrase)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty() && !is_little_word(token))
        .map(|token| key(token).into_owned())
        .collect()
}

/// A concept as the engine uses it.
#[derive(Clone, Debug)]
pub struct ConceptInfo {
    pub id: String,
    pub label: String,
    pub weight: f64,
    pub gated: Gate,
    /// Concept indexes; symmetric (a complement of b means b of a).
    pub complements: Vec<u32>,
    pub broader: Vec<u32>,
    /// See [`ConceptDef::offered_as`].
    pub offered_as: Option<u32>,
    pub kind: ConceptKind,
    /// See [`ConceptDef::role`].
    pub role: bool,
    /// Defined by the user rather than the built-in vocabulary.
    pub own: bool,
}

#[derive(Debug)]
pub(super) struct PhraseRule {
    pub keys: Box<[u32]>,
    pub concepts: Vec<u32>,
}

#[derive(Debug)]
pub(super) struct SenseRule {
    pub keys: Box<[u32]>,
    pub concept: u32,
    pub with: Box<[u32]>,
    pub without: Box<[u32]>,
    pub window: usize,
    /// A sense of stop words ("need", "more", "looking for"): its `with` cue
    /// must follow it closely, as the object of the verb ("need a designer",
    /// "more customers"), not stand anywhere near ("the restaurant needs
    /// more press" is not selling).
    pub forward: bool,
}

/// How near a `without` cue must be to block a sense that has no `with`
/// cues and no window of its own.
pub const WITHOUT_ALONE: usize = 2;

/// How far after a sense of weak words its cue may come.
pub const FORWARD_WINDOW: usize = 3;

/// A vocabulary compiled for reading text: phrases and senses indexed by
/// their first key, longest first.
#[derive(Debug)]
pub struct Lexicon {
    pub version: u32,
    concepts: Vec<ConceptInfo>,
    index: HashMap<String, u32>,
    pub(super) keys: HashMap<String, u32>,
    pub(super) phrases: HashMap<u32, Vec<PhraseRule>>,
    pub(super) senses: HashMap<u32, Vec<SenseRule>>,
    /// Snowball stems of the generic words.
    generic: HashSet<String>,
}

impl Lexicon {
    /// The built-in vocabulary, compiled once.
    pub fn builtin() -> Arc<Lexicon> {
        static BUILTIN: LazyLock<Arc<Lexicon>> =
            LazyLock::new(|| Arc::new(Lexicon::compile(Vocabulary::builtin(), &[])));
        BUILTIN.clone()
    }

    /// The built-in vocabulary with one user's own on top. Entries that name
    /// unknown concepts are skipped (they are checked when written; a
    /// built-in concept may have been renamed since).
    pub fn with_user(own: &[UserConcept]) -> Arc<Lexicon> {
        if own.is_empty() {
            return Lexicon::builtin();
        }
        Arc::new(Lexicon::compile(Vocabulary::builtin(), own))
    }

    pub fn compile(vocabulary: &Vocabulary, own: &[UserConcept]) -> Lexicon {
        let mut definitions: Vec<(ConceptDef, bool)> = vocabulary
            .concepts
            .iter()
            .map(|concept| (concept.clone(), false))
            .collect();
        let builtin_ids: HashMap<String, usize> = definitions
            .iter()
            .enumerate()
            .map(|(index, (concept, _))| (concept.id.clone(), index))
            .collect();
        let mut own_ids: HashSet<&str> = HashSet::new();
        for concept in own {
            match &concept.extends {
                Some(extended) => {
                    if let Some(&index) = builtin_ids.get(extended) {
                        definitions[index]
                            .0
                            .phrases
                            .extend(concept.phrases.iter().cloned());
                    }
                }
                None => {
                    if builtin_ids.contains_key(&concept.id) || !own_ids.insert(&concept.id) {
                        continue;
                    }
                    let definition = ConceptDef {
                        id: concept.id.clone(),
                        label: concept.label.clone(),
                        weight: 1.0,
                        gated: None,
                        phrases: concept.phrases.clone(),
                        senses: Vec::new(),
                        complements: concept.complements.clone(),
                        broader: Vec::new(),
                        offered_as: None,
                        kind: None,
                        role: false,
                    };
                    definitions.push((definition, true));
                }
            }
        }

        let index: HashMap<String, u32> = definitions
            .iter()
            .enumerate()
            .map(|(i, (concept, _))| (concept.id.clone(), i as u32))
            .collect();
        let mut concepts: Vec<ConceptInfo> = definitions
            .iter()
            .map(|(concept, own)| ConceptInfo {
                id: concept.id.clone(),
                label: concept.label.clone(),
                weight: concept.weight,
                gated: concept.gated.unwrap_or_default(),
                complements: Vec::new(),
                broader: concept
                    .broader
                    .iter()
                    .filter_map(|id| index.get(id).copied())
                    .collect(),
                offered_as: concept
                    .offered_as
                    .as_ref()
                    .and_then(|id| index.get(id).copied()),
                kind: concept.kind.unwrap_or_default(),
                role: concept.role,
                own: *own,
            })
            .collect();
        for (i, (concept, _)) in definitions.iter().enumerate() {
            for other in &concept.complements {
                if let Some(&j) = index.get(other)
                    && j != i as u32
                {
                    concepts[i].complements.push(j);
                    concepts[j as usize].complements.push(i as u32);
                }
            }
        }
        for concept in &mut concepts {
            concept.complements.sort_unstable();
            concept.complements.dedup();
        }

        let analyzer = Analyzer::new();
        let generic: HashSet<String> = vocabulary
            .generic
            .iter()
            .map(|word| analyzer.stem(&super::text::fold(word)))
            .collect();
        let mut compiler = Compiler {
            keys: HashMap::new(),
            phrases: HashMap::new(),
            senses: Vec::new(),
            generic,
        };
        for (i, (concept, _)) in definitions.iter().enumerate() {
            let i = i as u32;
            for phrase in &concept.phrases {
                compiler.phrase(phrase, i);
            }
            for sense in &concept.senses {
                for word in &sense.words {
                    compiler.sense(word, i, sense);
                }
            }
        }
        compiler.finish(vocabulary.version, concepts, index)
    }

    pub fn concepts(&self) -> &[ConceptInfo] {
        &self.concepts
    }

    pub fn concept(&self, index: u32) -> &ConceptInfo {
        &self.concepts[index as usize]
    }

    /// A concept's index by its id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Whether a Snowball stem is a generic word.
    pub fn is_generic(&self, stem: &str) -> bool {
        self.generic.contains(stem)
    }

    pub(super) fn key_id(&self, key: &str) -> Option<u32> {
        self.keys.get(key).copied()
    }
}

struct Compiler {
    keys: HashMap<String, u32>,
    phrases: HashMap<Vec<u32>, Vec<u32>>,
    senses: Vec<SenseRule>,
    /// Snowball stems of the generic words.
    generic: HashSet<String>,
}

impl Compiler {
    fn intern(&mut self, key: String) -> u32 {
        let next = self.keys.len() as u32;
        *self.keys.entry(key).or_insert(next)
    }

    fn keys_of(&mut self, phrase: &str) -> Vec<u32> {
        phrase_keys(phrase)
            .into_iter()
            .map(|key| self.intern(key))
            .collect()
    }

    fn phrase(&mut self, phrase: &str, concept: u32) {
        let keys = self.keys_of(phrase);
        if keys.is_empty() {
            return;
        }
        let concepts = self.phrases.entry(keys).or_default();
        if !concepts.contains(&concept) {
            concepts.push(concept);
        }
    }

    /// Whether a folded token says nothing alone and governs what follows
    /// it: a stop word ("need", "looking", "more", "new") or a little word.
    /// Generic nouns ("role", "job") take their cue before them too ("next
    /// role"), so they are not weak in this sense.
    fn is_weak(&self, token: &str) -> bool {
        super::text::is_stop_word(token) || is_little_word(token)
    }

    fn sense(&mut self, word: &str, concept: u32, sense: &SenseDef) {
        let keys = self.keys_of(word);
        if keys.is_empty() {
            return;
        }
        let forward = super::text::fold(word)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|token| !token.is_empty())
            .all(|token| self.is_weak(token));
        let cues = |this: &mut Compiler, cues: &[String]| -> Box<[u32]> {
            let mut ids: Vec<u32> = cues.iter().flat_map(|cue| this.keys_of(cue)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into()
        };
        let with = cues(self, &sense.with);
        let without = cues(self, &sense.without);
        self.senses.push(SenseRule {
            keys: keys.into(),
            concept,
            with,
            without,
            // Without `with` cues, only a `without` cue right by the word
            // blocks it, unless the sense says how far to look.
            window: sense.window.unwrap_or(if sense.with.is_empty() {
                WITHOUT_ALONE
            } else {
                DEFAULT_WINDOW
            }),
            forward,
        });
    }

    fn finish(
        self,
        version: u32,
        concepts: Vec<ConceptInfo>,
        index: HashMap<String, u32>,
    ) -> Lexicon {
        let mut phrases: HashMap<u32, Vec<PhraseRule>> = HashMap::new();
        for (keys, concepts) in self.phrases {
            phrases.entry(keys[0]).or_default().push(PhraseRule {
                keys: keys.into(),
                concepts,
            });
        }
        // Longest first; equal lengths in key order, so matching does not
        // depend on hash order.
        for rules in phrases.values_mut() {
            rules.sort_by(|a, b| b.keys.len().cmp(&a.keys.len()).then(a.keys.cmp(&b.keys)));
        }
        let mut senses: HashMap<u32, Vec<SenseRule>> = HashMap::new();
        for rule in self.senses {
            senses.entry(rule.keys[0]).or_default().push(rule);
        }
        for rules in senses.values_mut() {
            rules.sort_by(|a, b| {
                b.keys
                    .len()
                    .cmp(&a.keys.len())
                    .then(a.keys.cmp(&b.keys))
                    .then(a.concept.cmp(&b.concept))
            });
        }
        Lexicon {
            version,
            concepts,
            index,
            keys: self.keys,
            phrases,
            senses,
            generic: self.generic,
        }
    }
}

/// Checks a user's concept against the built-in vocabulary and their other
/// concepts: the message says what is wrong, for a 422.
pub fn check_user_concept(
    concept: &UserConcept,
    others: &[UserConcept],
) -> Result<(), (&'static str, String)> {
    let builtin = Lexicon::builtin();
    match &concept.extends {
        Some(extended) => {
            if builtin.find(extended).is_none() {
                return Err(("extends", format!("no built-in concept {extended:?}")));
            }
        }
        None => {
            let definition = ConceptDef {
                id: concept.id.clone(),
                label: concept.label.clone(),
                weight: 1.0,
                gated: None,
                phrases: concept.phrases.clone(),
                senses: Vec::new(),
                complements: Vec::new(),
                broader: Vec::new(),
                offered_as: None,
                kind: None,
                role: false,
            };
            check_definition(&definition).map_err(|message| ("id", message))?;
            if builtin.find(&concept.id).is_some() {
                return Err((
                    "id",
                    format!(
                        "{:?} is a built-in concept: add words to it with `extends`",
                        concept.id
                    ),
                ));
            }
        }
    }
    for (index, phrase) in concept.phrases.iter().enumerate() {
        if phrase_keys(phrase).is_empty() {
            return Err(("phrases", format!("phrase {index} has no word")));
        }
    }
    for complement in &concept.complements {
        let known = builtin.find(complement).is_some()
            || others
                .iter()
                .any(|other| other.extends.is_none() && &other.id == complement);
        if !known || *complement == concept.id {
            return Err((
                "complements",
                format!("no concept {complement:?} to complement"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_vocabulary_parses_and_holds_enough_concepts() {
        let vocabulary = Vocabulary::builtin();
        assert!(
            vocabulary.concepts.len() >= 150,
            "{}",
            vocabulary.concepts.len()
        );
        assert!(vocabulary.generic.len() >= 150);
        let lexicon = Lexicon::builtin();
        for concept in lexicon.concepts() {
            for &other in &concept.complements {
                assert!(
                    lexicon
                        .concept(other)
                        .complements
                        .contains(&lexicon.find(&concept.id).unwrap())
                );
            }
        }
    }

    #[test]
    fn keys_fold_plurals_and_nothing_else() {
        assert_eq!(key("designers"), "designer");
        assert_eq!(key("companies"), "company");
        assert_eq!(key("coaches"), "coach");
        assert_eq!(key("businesses"), "business");
        assert_eq!(key("marketing"), "marketing");
        assert_eq!(key("news"), "news");
        assert_eq!(key("bus"), "bus");
        assert_eq!(key("analysis"), "analysis");
        assert_eq!(phrase_keys("Raise a Round"), vec!["raise", "round"]);
        assert_eq!(phrase_keys("Pre-Seed"), vec!["pre", "seed"]);
    }

    #[test]
    fn little_words_are_sorted_for_binary_search() {
        assert!(LITTLE_WORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    fn concept(id: &str, phrases: &[&str]) -> ConceptDef {
        ConceptDef {
            id: id.into(),
            label: id.replace('_', " "),
            weight: 1.0,
            gated: None,
            phrases: phrases.iter().map(|p| (*p).into()).collect(),
            senses: Vec::new(),
            complements: Vec::new(),
            broader: Vec::new(),
            offered_as: None,
            kind: None,
            role: false,
        }
    }

    #[test]
    fn a_broken_vocabulary_is_refused_with_the_reason() {
        let mut vocabulary = Vocabulary {
            version: 1,
            concepts: vec![concept("a", &["alpha"]), concept("a", &["beta"])],
            generic: Vec::new(),
        };
        assert!(vocabulary.check().unwrap_err().contains("twice"));
        vocabulary.concepts[1].id = "b".into();
        vocabulary.concepts[1].complements = vec!["c".into()];
        assert!(vocabulary.check().unwrap_err().contains("unknown c"));
        vocabulary.concepts[1].complements = vec!["a".into()];
        assert_eq!(vocabulary.check(), Ok(()));
        vocabulary.concepts[0].id = "Not Snake".into();
        assert!(vocabulary.check().unwrap_err().contains("snake_case"));
        vocabulary.concepts[0].id = "a".into();
        vocabulary.concepts[0].phrases = vec!["the".into()];
        assert!(vocabulary.check().unwrap_err().contains("no word"));
        assert!(
            Vocabulary::parse(
                "version = 1",
                &[(
                    "x.toml",
                    "[[concept]]\nid = \"x\"\nlabel = \"x\"\nphrases = [\"x\"]\nunknown = 1"
                )]
            )
            .is_err()
        );
    }

    #[test]
    fn complements_are_symmetric_and_user_concepts_compile_on_top() {
        let vocabulary = Vocabulary {
            version: 7,
            concepts: vec![concept("hiring", &["hire"]), {
                let mut seeking = concept("job_seeking", &["job search"]);
                seeking.complements = vec!["hiring".into()];
                seeking
            }],
            generic: vec!["find".into()],
        };
        let own = [
            UserConcept {
                id: "retail_tech".into(),
                label: "retail tech".into(),
                extends: None,
                phrases: vec!["RetailTech".into(), "grocery technology".into()],
                complements: vec!["hiring".into()],
            },
            UserConcept {
                id: String::new(),
                label: String::new(),
                extends: Some("hiring".into()),
                phrases: vec!["staff up".into()],
                complements: Vec::new(),
            },
        ];
        let lexicon = Lexicon::compile(&vocabulary, &own);
        assert_eq!(lexicon.version, 7);
        let hiring = lexicon.find("hiring").unwrap();
        let seeking = lexicon.find("job_seeking").unwrap();
        let retail = lexicon.find("retail_tech").unwrap();
        assert_eq!(lexicon.concept(hiring).complements, vec![seeking, retail]);
        assert_eq!(lexicon.concept(seeking).complements, vec![hiring]);
        assert!(lexicon.concept(retail).own && !lexicon.concept(hiring).own);
        assert!(lexicon.is_generic("find"));
        let staff = lexicon.key_id("staff").unwrap();
        assert_eq!(lexicon.phrases[&staff][0].concepts, vec![hiring]);
    }
}
