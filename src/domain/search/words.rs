//! The words search compares: folded (case, accents and compatibility forms
//! dropped, as the intersections engine folds them), cut on anything that is
//! not a letter or a digit, stop words left out, and stemmed with the same
//! Snowball English stemmer ("podcasts", "podcasting" and "Podcast" are all
//! `podcast`; "Müller" is `muller`). Documents and queries go through the
//! same function, so both databases index and look up the same terms.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::intersections::text::{self, Analyzer};

thread_local! {
    static ANALYZER: Analyzer = Analyzer::new();
    /// Stems already computed on this thread: imports index the same words
    /// over and over.
    static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Beyond this many cached stems, the cache starts again.
const MAX_CACHED: usize = 50_000;

/// The stem of a folded token.
pub fn stem(folded: &str) -> String {
    STEMS.with_borrow_mut(|cache| {
        if let Some(stem) = cache.get(folded) {
            return stem.clone();
        }
        let stem = ANALYZER.with(|analyzer| analyzer.stem(folded));
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(folded.to_owned(), stem.clone());
        stem
    })
}

/// Whether a folded token is searchable: not empty, not a stop word.
pub fn searchable(folded: &str) -> bool {
    !folded.is_empty() && !text::is_stop_word(folded)
}

/// The searchable folded tokens of `text`, in order.
pub fn folded_tokens(text: &str) -> impl Iterator<Item = String> {
    text::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| searchable(token))
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// Appends the terms of `text` to `out`, space-separated.
pub fn push_terms(out: &mut String, text: &str) {
    for token in folded_tokens(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&stem(&token));
    }
}

/// The words of `text` as they stand in it: `(byte range, stem)` of each
/// searchable word, for highlighting what matched in the original text.
pub fn words_in(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut words = Vec::new();
    let mut start = None;
    let flush = |from: usize, to: usize, words: &mut Vec<_>| {
        let folded = text::fold(&text[from..to]);
        // One original word may fold into several ("ﬁnance" stays one,
        // "Saint‐Jean" was cut already): its first searchable part speaks
        // for it.
        if let Some(token) = folded
            .split(|c: char| !c.is_alphanumeric())
            .find(|token| searchable(token))
        {
            words.push((from..to, stem(token)));
        }
    };
    for (at, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                flush(from, at, &mut words);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        flush(from, text.len(), &mut words);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> String {
        let mut out = String::new();
        push_terms(&mut out, text);
        out
    }

    #[test]
    fn stems_fold_accents_and_drop_stop_words() {
        assert_eq!(
            terms("Podcasts about the Müller café"),
            "podcast muller cafe"
        );
        assert_eq!(terms("podcasting"), "podcast");
        assert_eq!(terms("ana@example.com"), "ana exampl com");
    }

    #[test]
    fn words_keep_their_place_in_the_original_text() {
        let text = "Met at RustConf — does podcasts";
        let words = words_in(text);
        let found: Vec<(&str, &str)> = words
            .iter()
            .map(|(range, stem)| (&text[range.clone()], stem.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("Met", "met"),
                ("RustConf", "rustconf"),
                ("podcasts", "podcast")
            ]
        );
    }
}
