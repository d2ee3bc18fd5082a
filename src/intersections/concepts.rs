//! Reading text with a [`Lexicon`]: the concepts it mentions, and the words
//! left over for the lexical part of the model. The rules are those of
//! `vocabulary/README.md`: phrases longest first, each token used by one
//! phrase; then ambiguous words, each counting only in the company its sense
//! asks for; what is left are words.

use super::Facet;
use super::text;
use super::vocabulary::{FORWARD_WINDOW, Lexicon, SenseRule, is_little_word, key};

/// One concept found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The concept's index in the lexicon.
    pub concept: u32,
    /// The words that said it, folded ("seed round").
    pub surface: String,
}

/// What a text says, as the engine reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// In order of appearance, repeats included.
    pub mentions: Vec<Mention>,
    /// Folded words no concept took, in order, that can carry meaning (stop
    /// words, numbers and single letters left out; generic words are the
    /// caller's to drop, by stem).
    pub words: Vec<String>,
}

struct Token {
    folded: String,
    key: Option<u32>,
    clause: u32,
    little: bool,
    used: bool,
}

/// Words a dot abbreviates rather than ends a sentence after ("St. Louis",
/// "Dr. Okafor", "Acme Co. in Leeds").
const ABBREVIATIONS: &[&str] = &[
    "co", "corp", "dr", "e", "eg", "etc", "ft", "g", "i", "ie", "inc", "jr", "ltd", "mr", "mrs",
    "ms", "mt", "no", "prof", "sr", "st", "vs",
];

/// Folded tokens with the clause each belongs to. A clause ends at `.` `!`
/// `?` `;` and line breaks, but not at a dot inside a word or number
/// ("node.js", "1.5m").
fn tokenize(lexicon: &Lexicon, text: &str) -> Vec<Token> {
    let folded = text::fold(text);
    let mut tokens = Vec::new();
    let mut clause = 0u32;
    let mut current = String::new();
    let mut chars = folded.chars().peekable();
    let push = |current: &mut String, clause: u32, tokens: &mut Vec<Token>| {
        if !current.is_empty() {
            let word = std::mem::take(current);
            tokens.push(Token {
                key: lexicon.key_id(&key(&word)),
                little: is_little_word(&word),
                folded: word,
                clause,
                used: false,
            });
        }
    };
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        let abbreviation = c == '.' && ABBREVIATIONS.contains(&current.as_str());
        push(&mut current, clause, &mut tokens);
        let ends_clause = match c {
            '.' => !abbreviation && chars.peek().is_none_or(|next| !next.is_alphanumeric()),
            '!' | '?' | ';' | '\n' | '\r' | '•' | '·' | '|' => true,
            _ => false,
        };
        if ends_clause {
            clause += 1;
        }
    }
    push(&mut current, clause, &mut tokens);
    tokens
}

impl Lexicon {
    /// Reads `text` (a title and description, or one tag).
    pub fn read(&self, text: &str) -> Reading {
        let mut tokens = tokenize(self, text);
        // Positions of the tokens phrases are matched on: little words skipped.
        let content: Vec<usize> = (0..tokens.len()).filter(|&i| !tokens[i].little).collect();
        let mut found: Vec<(usize, Mention)> = Vec::new();
        // The span (first content position, length) of the phrase that took
        // each content position: a sense word may still read a phrase of the
        // same span ("barista" is coffee, and in "barista wanted" hiring too),
        // never part of a longer one.
        let mut phrase_at: Vec<Option<(usize, usize)>> = vec![None; content.len()];

        let mut at = 0;
        while at < content.len() {
            let matched = tokens[content[at]].key.and_then(|first| {
                self.phrases
                    .get(&first)?
                    .iter()
                    .find(|rule| span_matches(&tokens, &content, at, &rule.keys))
            });
            let Some(rule) = matched else {
                at += 1;
                continue;
            };
            let span = content[at]..=content[at + rule.keys.len() - 1];
            let surface = surface(&tokens, span.clone());
            for &concept in &rule.concepts {
                found.push((
                    *span.start(),
                    Mention {
                        concept,
                        surface: surface.clone(),
                    },
                ));
            }
            for position in &content[at..at + rule.keys.len()] {
                tokens[*position].used = true;
            }
            phrase_at[at..at + rule.keys.len()].fill(Some((at, rule.keys.len())));
            at += rule.keys.len();
        }

        for at in 0..content.len() {
            let Some(rules) = tokens[content[at]].key.and_then(|k| self.senses.get(&k)) else {
                continue;
            };
            let mut taken = 0;
            let mut fired: Vec<u32> = Vec::new();
            for rule in rules {
                // A concept counts once per word, however many of its senses
                // the word has ("bank" and "banks" are one key).
                let same_span = phrase_at[at] == Some((at, rule.keys.len()));
                let free = span_matches(&tokens, &content, at, &rule.keys)
                    || (same_span && span_keys_match(&tokens, &content, at, &rule.keys));
                if fired.contains(&rule.concept) || !free {
                    continue;
                }
                let (first, last) = (content[at], content[at + rule.keys.len() - 1]);
                if !in_company(&tokens, (first, last), rule, rule.forward) {
                    continue;
                }
                found.push((
                    first,
                    Mention {
                        concept: rule.concept,
                        surface: surface(&tokens, first..=last),
                    },
                ));
                taken = taken.max(rule.keys.len());
                fired.push(rule.concept);
            }
            for position in &content[at..at + taken] {
                tokens[*position].used = true;
            }
        }

        found.sort_by_key(|(position, mention)| (*position, mention.concept));
        let words = tokens
            .into_iter()
            .filter(|token| !token.used && !token.little && text::is_meaningful(&token.folded))
            .map(|token| token.folded)
            .collect();
        Reading {
            mentions: found.into_iter().map(|(_, mention)| mention).collect(),
            words,
        }
    }
}

impl Lexicon {
    /// What a text of an item with `facet` says: in an offer, a concept with
    /// an `offered_as` reads as that one (an offer gives what the words
    /// alone might read as sought).
    pub fn read_as(&self, text: &str, facet: Facet) -> Reading {
        let mut reading = self.read(text);
        if facet == Facet::Offer {
            for mention in &mut reading.mentions {
                if let Some(given) = self.concept(mention.concept).offered_as {
                    mention.concept = given;
                }
            }
        }
        reading
    }

    /// The concepts read in the text and tags of an item with `facet`, each
    /// once with the first words that said it, in order of appearance (text
    /// first): how the item was understood.
    pub fn concepts_in(&self, text: &str, tags: &[String], facet: Facet) -> Vec<Mention> {
        let mut seen = std::collections::HashSet::new();
        std::iter::once(text)
            .chain(tags.iter().map(String::as_str))
            .flat_map(|part| self.read_as(part, facet).mentions)
            .filter(|mention| seen.insert(mention.concept))
            .collect()
    }
}

/// Whether `keys` match the content tokens from `at` on, used or not, all in
/// one clause.
fn span_keys_match(tokens: &[Token], content: &[usize], at: usize, keys: &[u32]) -> bool {
    let Some(positions) = content.get(at..at + keys.len()) else {
        return false;
    };
    let clause = tokens[positions[0]].clause;
    positions.iter().zip(keys).all(|(&position, &wanted)| {
        let token = &tokens[position];
        token.clause == clause && token.key == Some(wanted)
    })
}

/// Whether `keys` match the unused content tokens from `at` on, all in one
/// clause.
fn span_matches(tokens: &[Token], content: &[usize], at: usize, keys: &[u32]) -> bool {
    let Some(positions) = content.get(at..at + keys.len()) else {
        return false;
    };
    let clause = tokens[positions[0]].clause;
    positions.iter().zip(keys).all(|(&position, &wanted)| {
        let token = &tokens[position];
        !token.used && token.clause == clause && token.key == Some(wanted)
    })
}

/// Whether the words around `first..=last` (within the rule's window, in
/// the same clause) keep the right company: a `with` cue (unless `with` is
/// empty) and no `without` cue, or a `with` cue nearer than any `without`
/// one ("I place designers: product, brand" is hiring, though "product" may
/// say otherwise further off). For a `forward` rule, the `with` cue must
/// follow within [`FORWARD_WINDOW`] tokens.
fn in_company(
    tokens: &[Token],
    (first, last): (usize, usize),
    rule: &SenseRule,
    forward: bool,
) -> bool {
    let (with, without, window) = (&rule.with, &rule.without, rule.window);
    let clause = tokens[first].clause;
    let around = first.saturating_sub(window)..(last + window + 1).min(tokens.len());
    let (mut nearest_with, mut nearest_without) = (usize::MAX, usize::MAX);
    let mut with_at = usize::MAX;
    for position in around {
        if (first..=last).contains(&position) || tokens[position].clause != clause {
            continue;
        }
        let Some(key) = tokens[position].key else {
            continue;
        };
        let distance = if position < first {
            first - position
        } else {
            position - last
        };
        if without.binary_search(&key).is_ok() {
            nearest_without = nearest_without.min(distance);
        }
        let cue_may_stand_here = !forward || (position > last && distance <= FORWARD_WINDOW);
        if cue_may_stand_here && with.binary_search(&key).is_ok() && distance < nearest_with {
            nearest_with = distance;
            with_at = position;
        }
    }
    // The object of a weak verb is the head of its phrase: in "looking for a
    // data analyst role" the cue "analyst" only qualifies "role", which says
    // otherwise.
    let qualifies_a_without = |at: usize| {
        tokens.get(at + 1).is_some_and(|next| {
            next.clause == clause && next.key.is_some_and(|k| without.binary_search(&k).is_ok())
        })
    };
    if forward && with_at != usize::MAX && qualifies_a_without(with_at) {
        return false;
    }
    if with.is_empty() {
        // Without any cue to look for, only what stands right by the word
        // (within the rule's window, by default `WITHOUT_ALONE`) says it
        // means something else ("designer furniture", "designer brand"),
        // not what a list goes on to name.
        nearest_without > window
    } else {
        nearest_with < nearest_without
    }
}

fn surface(tokens: &[Token], span: std::ops::RangeInclusive<usize>) -> String {
    tokens[span]
        .iter()
        .map(|token| token.folded.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::vocabulary::{ConceptDef, SenseDef, Vocabulary};
    use super::*;

    fn sense(words: &[&str], with: &[&str], without: &[&str]) -> SenseDef {
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        SenseDef {
            words: strings(words),
            with: strings(with),
            without: strings(without),
            window: None,
        }
    }

    fn lexicon() -> Lexicon {
        let concept = |id: &str, phrases: &[&str], senses: Vec<SenseDef>| ConceptDef {
            id: id.into(),
            label: id.replace('_', " "),
            weight: 1.0,
            gated: None,
            phrases: phrases.iter().map(|p| (*p).into()).collect(),
            senses,
            complements: Vec::new(),
            broader: Vec::new(),
            offered_as: None,
            kind: None,
            role: false,
        };
        let vocabulary = Vocabulary {
            version: 1,
            concepts: vec![
                concept(
                    "fundraising",
                    &["seed round", "raise a round", "pre-seed"],
                    vec![
                        sense(
                            &["raise", "raising"],
                            &["round", "seed", "capital", "investor"],
                            &[],
                        ),
                        sense(
                            &["seed"],
                            &["round", "stage", "funding", "investor"],
                            &["garden", "swap"],
                        ),
                    ],
                ),
                concept("gardening", &["seed swap", "gardening"], vec![]),
                concept("product_design", &["product design"], vec![]),
                concept(
                    "product_management",
                    &["product", "product manager"],
                    vec![],
                ),
                concept(
                    "design",
                    &["ux"],
                    vec![sense(&["designer"], &[], &["furniture", "handbag"])],
                ),
            ],
            generic: Vec::new(),
        };
        Lexicon::compile(&vocabulary, &[])
    }

    fn concepts(lexicon: &Lexicon, text: &str) -> Vec<(String, String)> {
        lexicon
            .read(text)
            .mentions
            .into_iter()
            .map(|m| (lexicon.concept(m.concept).id.clone(), m.surface))
            .collect()
    }

    fn pair(id: &str, surface: &str) -> (String, String) {
        (id.to_owned(), surface.to_owned())
    }

    #[test]
    fn phrases_match_after_folding_plurals_and_little_words() {
        let lexicon = lexicon();
        assert_eq!(
            concepts(&lexicon, "Closing our Seed Rounds"),
            vec![pair("fundraising", "seed rounds")]
        );
        assert_eq!(
            concepts(&lexicon, "Raise the round, PRE-SEED"),
            vec![
                pair("fundraising", "raise the round"),
                pair("fundraising", "pre seed")
            ]
        );
    }

    #[test]
    fn the_longest_phrase_takes_its_words() {
        let lexicon = lexicon();
        assert_eq!(
            concepts(&lexicon, "Head of product design"),
            vec![pair("product_design", "product design")]
        );
        assert_eq!(
            concepts(&lexicon, "Senior product manager"),
            vec![pair("product_management", "product manager")]
        );
    }

    #[test]
    fn an_ambiguous_word_counts_only_in_the_right_company() {
        let lexicon = lexicon();
        assert_eq!(
            concepts(&lexicon, "Raising money from an investor"),
            vec![pair("fundraising", "raising")]
        );
        assert!(concepts(&lexicon, "Raising chickens in the backyard").is_empty());
        assert_eq!(
            concepts(&lexicon, "Seed-stage B2B"),
            vec![pair("fundraising", "seed")]
        );
        assert_eq!(
            concepts(&lexicon, "Heirloom seed swaps and gardening"),
            vec![
                pair("gardening", "seed swaps"),
                pair("gardening", "gardening")
            ]
        );
        // The cue must be in the same clause.
        assert!(concepts(&lexicon, "Buying seed. Next round is on me").is_empty());
        assert_eq!(
            concepts(&lexicon, "A UX designer"),
            vec![pair("design", "ux"), pair("design", "designer")]
        );
        assert_eq!(concepts(&lexicon, "Designer furniture for offices"), vec![]);
    }

    #[test]
    fn words_left_over_are_the_ones_no_concept_took() {
        let lexicon = lexicon();
        let reading = lexicon.read("Raise a $1.5M seed round in Lisbon, for 2027");
        assert_eq!(reading.words, vec!["lisbon"]);
        assert_eq!(
            concepts(&lexicon, "Raise a $1.5M seed round"),
            vec![
                pair("fundraising", "raise"),
                pair("fundraising", "seed round")
            ]
        );
        assert_eq!(
            concepts(&lexicon, "Raise in St. Louis, a seed round"),
            vec![
                pair("fundraising", "raise"),
                pair("fundraising", "seed round")
            ]
        );
        let reading = lexicon.read("Node.js and Müller's café");
        assert_eq!(reading.words, vec!["node", "js", "muller", "cafe"]);
    }
}
