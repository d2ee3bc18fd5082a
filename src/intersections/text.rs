//! Text normalisation shared by every item, tag and query of the engine.
//!
//! Two strings that a person would read as the same word must end up as the
//! same term, or the similarity model silently misses matches. So text is
//! folded (compatibility-decomposed, combining marks dropped, lowercased),
//! cut on anything that is not a letter or a digit, cleared of words that
//! carry no topic (stop words, and the filler that every goal is written
//! with, such as "want" or "looking"), and stemmed with the Snowball English
//! stemmer so that "podcasting" and "podcast" meet.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words that say nothing about what a goal, offer or interest is about.
///
/// A classic English list (close to NLTK's), plus the fragments left when an
/// apostrophe splits a contraction ("doesn't" gives "doesn"), plus the filler
/// that people write goals with: kept in, these would make every pair of
/// goals look alike. Sorted, so lookups can binary-search.
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "couldn",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "else",
    "etc",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "good",
    "had",
    "hadn",
    "has",
    "hasn",
    "have",
    "haven",
    "having",
    "he",
    "help",
    "helping",
    "helps",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "itself",
    "just",
    "like",
    "ll",
    "looking",
    "make",
    "makes",
    "making",
    "may",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "need",
    "needed",
    "needing",
    "needs",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "really",
    "same",
    "shall",
    "she",
    "should",
    "shouldn",
    "so",
    "some",
    "someone",
    "something",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "ve",
    "very",
    "want",
    "wanted",
    "wanting",
    "wants",
    "was",
    "wasn",
    "we",
    "were",
    "weren",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Folds `s` so that case, accents and compatibility variants do not matter:
/// "Café", "CAFE" and "ｃａｆé" all give "cafe".
pub fn fold(s: &str) -> String {
    // Lowercasing can itself produce combining marks ("İ" gives "i" + U+0307),
    // so marks are dropped after it, not before.
    s.nfkd()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_combining_mark(c))
        .collect()
}

/// The normalised form of a tag: folded, trimmed, inner whitespace collapsed,
/// so "  Project   Management " and "project management" are one tag.
pub fn tag(s: &str) -> String {
    fold(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a folded token is too common to say what a text is about.
pub fn is_stop_word(token: &str) -> bool {
    STOP_WORDS.binary_search(&token).is_ok()
}

/// The folded tokens of `text` that can carry meaning, in order of
/// appearance: single characters, pure numbers and stop words are left out
/// ("2024" or "a" would otherwise tie unrelated items together).
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| is_meaningful(token))
        .map(str::to_owned)
        .collect()
}

/// Whether a folded token can say what a text is about: not a single
/// character, not a number or an amount ("2024", "5m", "10k", "3rd"), not a
/// stop word.
pub fn is_meaningful(token: &str) -> bool {
    token.chars().nth(1).is_some() && !is_number_like(token) && !is_stop_word(token)
}

fn is_number_like(token: &str) -> bool {
    let digits = token.chars().take_while(|c| c.is_numeric()).count();
    let rest = &token[token
        .char_indices()
        .nth(digits)
        .map_or(token.len(), |(i, _)| i)..];
    digits > 0
        && [
            "", "k", "m", "mm", "bn", "b", "x", "s", "st", "nd", "rd", "th",
        ]
        .contains(&rest)
}

/// Turns text into word stems, keeping the surface word each came from so
/// that explanations can show a readable word rather than a stem.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// The stem of an already folded token.
    pub fn stem(&self, token: &str) -> String {
        self.stemmer.stem(token).into_owned()
    }

    /// `(stem, surface)` for every meaningful word of `text`, in order,
    /// repeats included (the caller counts term frequency from them).
    pub fn words(&self, text: &str) -> Vec<(String, String)> {
        tokens(text)
            .into_iter()
            .map(|surface| (self.stem(&surface), surface))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        Analyzer::new()
            .words(text)
            .into_iter()
            .map(|(stem, _)| stem)
            .collect()
    }

    #[test]
    fn stop_word_list_is_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(STOP_WORDS.len() >= 150);
    }

    #[test]
    fn fold_removes_case_accents_and_compatibility_forms() {
        assert_eq!(fold("Café Owners"), "cafe owners");
        assert_eq!(fold("ÉCOLE Naïve"), "ecole naive");
        assert_eq!(fold("ｃａｆé"), "cafe");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn tag_is_folded_trimmed_and_collapsed() {
        assert_eq!(tag("  Project   Management "), "project management");
        assert_eq!(tag("Photographie Café"), "photographie cafe");
        assert_eq!(tag("   "), "");
    }

    #[test]
    fn case_and_accents_fold_before_stemming() {
        assert_eq!(stems("Café Owners"), vec!["cafe", "owner"]);
        assert_eq!(stems("CAFE owner"), stems("café OWNERS"));
    }

    #[test]
    fn punctuation_splits_words() {
        assert_eq!(
            tokens("small-business/marketing,podcast!"),
            vec!["small", "business", "marketing", "podcast"]
        );
    }

    #[test]
    fn numbers_single_letters_and_stop_words_are_dropped() {
        assert_eq!(tokens("2024 a x 42 q3 budget"), vec!["q3", "budget"]);
        assert_eq!(tokens("$1.5M 10k 3rd 1990s b2b k8s"), vec!["b2b", "k8s"]);
        assert_eq!(tokens("The cats and the dogs"), vec!["cats", "dogs"]);
        assert_eq!(
            tokens("I want someone to help me get new clients"),
            vec!["clients"]
        );
    }

    #[test]
    fn stemming_joins_word_forms() {
        let analyzer = Analyzer::new();
        assert_eq!(analyzer.stem("podcasting"), analyzer.stem("podcast"));
        assert_eq!(analyzer.stem("podcasts"), analyzer.stem("podcast"));
        assert_eq!(analyzer.stem("marketing"), analyzer.stem("market"));
        assert_ne!(analyzer.stem("marketing"), analyzer.stem("podcast"));
    }

    #[test]
    fn words_keep_the_surface_form() {
        assert_eq!(
            Analyzer::new().words("Podcasting podcasts"),
            vec![
                ("podcast".to_owned(), "podcasting".to_owned()),
                ("podcast".to_owned(), "podcasts".to_owned()),
            ]
        );
    }
}
