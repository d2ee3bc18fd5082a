//! The query language, kept small: words (all must match), `"an exact
//! phrase"`, a prefix `word*`, and `-word` or `-"a phrase"` to exclude.
//! Words are folded and stemmed like the documents ([`super::words`]), so
//! `podcasts` finds "podcasting" and `Muller` finds "Müller". A word written
//! with inner punctuation (`ana@example.com`, `O'Brien`) is the phrase of its
//! parts. Anything else (operators such as `OR`, `AND`, `NEAR`, parentheses,
//! `:` `^` `|` `&` `~` `<` `>` `{` `}` `[` `]` `!` `+`, an unbalanced quote, a
//! `*` that does not end a word, control characters, more than
//! [`MAX_CLAUSES`] clauses) is refused with the reason, never passed to the
//! database.

use super::words::{folded_tokens, stem};
use crate::error::AppError;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// Most words, phrases and prefixes in one query.
pub const MAX_CLAUSES: usize = 16;

/// Most words in one phrase.
const MAX_PHRASE_WORDS: usize = 8;

/// Shortest prefix, in characters: `a*` would match most of an index.
const MIN_PREFIX_CHARS: usize = 2;

/// One thing a document must (or must not) hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// A stemmed word.
    Word(String),
    /// Stemmed words, one after the other.
    Phrase(Vec<String>),
    /// A folded prefix of a word's stem.
    Prefix(String),
}

/// A parsed query: every clause of `all` matches, none of `none` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub all: Vec<Clause>,
    pub none: Vec<Clause>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request("invalid_query", message)
}

const OPERATORS: &[&str] = &["AND", "OR", "NOT", "NEAR"];
const RESERVED: &[char] = &[
    '(', ')', ':', '^', '|', '&', '~', '<', '>', '{', '}', '[', ']', '!', '+',
];

impl SearchQuery {
    /// Parses `q` (the `q` parameter, named `field` in errors).
    pub fn parse(field: &str, q: &str) -> Result<SearchQuery, AppError> {
        let q = q.trim();
        if q.is_empty() {
            return Err(invalid(format!(
                "`{field}` is empty: give words to search for"
            )));
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(invalid(format!(
                "{field} must be at most {MAX_QUERY_CHARS} characters"
            )));
        }
        if q.chars().any(char::is_control) {
            return Err(invalid(format!(
                "`{field}` holds a control character (such as NUL or a line break)"
            )));
        }
        if let Some(c) = q.chars().find(|c| RESERVED.contains(c)) {
            return Err(invalid(format!(
                "`{c}` is not part of the search language: words (all must match), \
                 \"a phrase\", prefix* and -exclude"
            )));
        }

        let mut query = SearchQuery {
            all: Vec::new(),
            none: Vec::new(),
        };
        let mut rest = q;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (exclude, body) = match rest.strip_prefix('-') {
                Some(body) => (true, body),
                None => (false, rest),
            };
            let (clause, next) = if let Some(after_quote) = body.strip_prefix('"') {
                let end = after_quote
                    .find('"')
                    .ok_or_else(|| invalid("a quote is not closed: write \"an exact phrase\""))?;
                let phrase = &after_quote[..end];
                if phrase.contains('*') {
                    return Err(invalid("`*` marks a prefix of one word, not of a phrase"));
                }
                (phrase_of(phrase), &after_quote[end + 1..])
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                let word = &body[..end];
                if word.contains('"') {
                    return Err(invalid(
                        "a quote may only open or close a phrase: write \"an exact phrase\"",
                    ));
                }
                if OPERATORS.contains(&word) {
                    return Err(invalid(format!(
                        "`{word}` is not an operator here: all words must match; \
                         exclude with -word"
                    )));
                }
                (word_clause(word)?, &body[end..])
            };
            rest = next;
            let Some(clause) = clause else { continue };
            if exclude {
                query.none.push(clause);
            } else {
                query.all.push(clause);
            }
            if query.all.len() + query.none.len() > MAX_CLAUSES {
                return Err(invalid(format!(
                    "at most {MAX_CLAUSES} words, phrases and prefixes in one search"
                )));
            }
        }
        if query.all.is_empty() {
            return Err(invalid(if query.none.is_empty() {
                "only common words (such as \"the\" or \"and\"): give a word that says what you look for"
            } else {
                "give at least one word to find: -word only excludes"
            }));
        }
        Ok(query)
    }

    /// The stems (and prefixes) that make a word of a document a hit, for
    /// highlighting.
    pub fn highlights(&self, word_stem: &str) -> bool {
        self.all.iter().any(|clause| match clause {
            Clause::Word(stem) => stem == word_stem,
            Clause::Phrase(stems) => stems.iter().any(|s| s == word_stem),
            Clause::Prefix(prefix) => word_stem.starts_with(prefix.as_str()),
        })
    }

    /// An FTS5 match expression.
    pub fn fts5(&self) -> String {
        let quote = |word: &str| format!("\"{word}\"");
        let clause = |clause: &Clause| match clause {
            Clause::Word(stem) => quote(stem),
            Clause::Phrase(stems) => quote(&stems.join(" ")),
            Clause::Prefix(prefix) => format!("{}*", quote(prefix)),
        };
        let mut expression = self
            .all
            .iter()
            .map(clause)
            .collect::<Vec<_>>()
            .join(" AND ");
        for excluded in &self.none {
            expression = format!("({expression}) NOT {}", clause(excluded));
        }
        expression
    }

    /// A PostgreSQL `tsquery` (for `to_tsquery('simple', …)`).
    pub fn tsquery(&self) -> String {
        let quote = |word: &str| format!("'{word}'");
        let clause = |clause: &Clause| match clause {
            Clause::Word(stem) => quote(stem),
            Clause::Phrase(stems) => format!(
                "({})",
                stems
                    .iter()
                    .map(|s| quote(s))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
            Clause::Prefix(prefix) => format!("{}:*", quote(prefix)),
        };
        self.all
            .iter()
            .map(clause)
            .chain(self.none.iter().map(|c| format!("!{}", clause(c))))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// A stable key of what the query means (two spellings of one query share
    /// it), for cursors.
    pub fn fingerprint(&self) -> String {
        self.fts5()
    }
}

/// One word as typed: a word, a prefix, or (with inner punctuation) the
/// phrase of its parts; `None` when it holds only common words.
fn word_clause(word: &str) -> Result<Option<Clause>, AppError> {
    match word.find('*') {
        None => Ok(phrase_of(word)),
        Some(at) if at + 1 == word.len() => {
            let tokens: Vec<String> = folded_tokens(&word[..at]).collect();
            match tokens.as_slice() {
                [prefix] if prefix.chars().count() >= MIN_PREFIX_CHARS => {
                    Ok(Some(Clause::Prefix(prefix.clone())))
                }
                [_] | [] => Err(invalid(format!(
                    "a prefix needs at least {MIN_PREFIX_CHARS} letters before `*`"
                ))),
                _ => Err(invalid("`*` marks a prefix of one word, not of a phrase")),
            }
        }
        Some(_) => Err(invalid("`*` may only end a word, as in podcast*")),
    }
}

/// The clause of `text`'s searchable words: one word, or a phrase.
fn phrase_of(text: &str) -> Option<Clause> {
    let mut stems: Vec<String> = folded_tokens(text).map(|token| stem(&token)).collect();
    stems.truncate(MAX_PHRASE_WORDS);
    match stems.len() {
        0 => None,
        1 => stems.pop().map(Clause::Word),
        _ => Some(Clause::Phrase(stems)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<SearchQuery, String> {
        SearchQuery::parse("q", q).map_err(|e| e.to_string())
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        let query = parse(r#"Podcasts "met at RustConf" kube* -recruiter"#).unwrap();
        assert_eq!(
            query.all,
            vec![
                Clause::Word("podcast".into()),
                Clause::Phrase(vec!["met".into(), "rustconf".into()]),
                Clause::Prefix("kube".into()),
            ]
        );
        assert_eq!(query.none, vec![Clause::Word("recruit".into())]);
        assert_eq!(
            query.fts5(),
            r#"("podcast" AND "met rustconf" AND "kube"*) NOT "recruit""#
        );
        assert_eq!(
            query.tsquery(),
            "'podcast' & ('met' <-> 'rustconf') & 'kube':* & !'recruit'"
        );
    }

    #[test]
    fn accents_and_inner_punctuation() {
        assert_eq!(
            parse("Müller").unwrap().all,
            vec![Clause::Word("muller".into())]
        );
        assert_eq!(
            parse("ana@example.com").unwrap().all,
            vec![Clause::Phrase(vec![
                "ana".into(),
                "exampl".into(),
                "com".into()
            ])]
        );
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for hostile in [
            "",
            "   ",
            "\"unbalanced",
            "a\"b",
            "podcast OR kubernetes",
            "NEAR(a b)",
            "name:ana",
            "a^2",
            "*",
            "a*b",
            "k*",
            "\"phrase*\"",
            "nul\0byte",
            "the and of",
            "-only -excluded",
        ] {
            assert!(parse(hostile).is_err(), "{hostile:?} was accepted");
        }
        let many = vec!["word"; 1000].join(" ");
        assert!(parse(&many).is_err());
        let words: Vec<String> = (0..20).map(|i| format!("w{i}x")).collect();
        assert!(parse(&words.join(" ")).unwrap_err().contains("at most 16"));
    }
}
