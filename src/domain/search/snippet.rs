//! Where a hit matched: the field whose words meet the query most, and a
//! short snippet of it in parts, each marked as a hit or not, so that a
//! client highlights without parsing markup (and nothing a user wrote is
//! ever interpreted as HTML).

use serde::Serialize;
use utoipa::ToSchema;

use super::fields::Field;
use super::query::SearchQuery;
use super::words::words_in;

/// Words of context shown before the first hit.
const BEFORE: usize = 6;

/// Most words a snippet shows.
const WORDS: usize = 24;

/// Most bytes of text a snippet shows after its start (more only to reach
/// the end of the first hit).
const MAX_BYTES: usize = 240;

/// Where a search hit matched.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Matched {
    /// The field, as the API names it (`met_via`, `notes`, `summary`…).
    #[schema(example = "met_via")]
    pub field: String,
    /// The field's text around the first hit, in parts; `hit` marks the
    /// words that matched. `…` marks text left out.
    pub snippet: Vec<SnippetPart>,
}

/// A run of a snippet's text.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SnippetPart {
    #[schema(example = "RustConf")]
    pub text: String,
    /// Whether these words matched the query.
    pub hit: bool,
}

/// The words of a field, each with whether it matched.
type Marked = Vec<(std::ops::Range<usize>, bool)>;

/// The field of `fields` that meets `query` most (the first on a tie), with
/// its snippet; the first field, unmarked, when none does (a prefix of a
/// word the document stems differently).
pub fn best_match(query: &SearchQuery, fields: &[Field<'_>]) -> Option<Matched> {
    let mut best: Option<(usize, &Field<'_>, Marked)> = None;
    for field in fields {
        let words: Marked = words_in(field.text)
            .into_iter()
            .map(|(range, stem)| (range, query.highlights(&stem)))
            .collect();
        let hits = words.iter().filter(|(_, hit)| *hit).count();
        if best.as_ref().is_none_or(|(most, ..)| hits > *most) {
            best = Some((hits, field, words));
        }
    }
    let (_, field, words) = best?;
    Some(Matched {
        field: field.name.to_owned(),
        snippet: snippet(field.text, &words),
    })
}

fn snippet(text: &str, words: &[(std::ops::Range<usize>, bool)]) -> Vec<SnippetPart> {
    let first_hit = words.iter().position(|(_, hit)| *hit).unwrap_or(0);
    let start = first_hit.saturating_sub(BEFORE);
    let end = (start + WORDS).min(words.len());
    let from = if start == 0 { 0 } else { words[start].0.start };
    let mut to = if end == words.len() {
        text.len()
    } else {
        words[end - 1].0.end
    };
    // Words are counted without stop words and punctuation runs, so the
    // text they span is bounded too.
    let first_hit_end = words.get(first_hit).map_or(0, |(range, _)| range.end);
    if to - from > MAX_BYTES {
        to = first_hit_end.max(from + MAX_BYTES).min(to);
        while !text.is_char_boundary(to) {
            to -= 1;
        }
    }
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: &str, hit: bool| {
        let text = text.replace(['\r', '\n', '\t'], " ");
        if text.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&text),
            _ => parts.push(SnippetPart { text, hit }),
        }
    };
    if from > 0 {
        push("…", false);
    }
    let mut at = from;
    for (range, hit) in words.get(start..end).unwrap_or_default() {
        if *hit && range.end <= to {
            push(&text[at..range.start], false);
            push(&text[range.clone()], true);
            at = range.end;
        }
    }
    push(&text[at..to], false);
    if to < text.len() {
        push("…", false);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(m: &Matched) -> Vec<(&str, bool)> {
        m.snippet.iter().map(|p| (p.text.as_str(), p.hit)).collect()
    }

    #[test]
    fn the_field_that_meets_the_query_most_with_its_hits_marked() {
        let query = SearchQuery::parse("q", "podcasts rustconf").unwrap();
        let fields = [
            Field::new("full_name", "Ana Müller"),
            Field::new("met_via", "RustConf 2025, she does podcasting"),
            Field::new("notes", "Podcast host"),
        ];
        let found = best_match(&query, &fields).unwrap();
        assert_eq!(found.field, "met_via");
        assert_eq!(
            parts(&found),
            vec![
                ("RustConf", true),
                (" 2025, she does ", false),
                ("podcasting", true)
            ]
        );
    }

    #[test]
    fn long_text_is_cut_around_the_first_hit() {
        let query = SearchQuery::parse("q", "kubernetes").unwrap();
        let text = format!(
            "{} mentioned Kubernetes over coffee {}",
            "word ".repeat(40),
            "more ".repeat(40)
        );
        let found = best_match(&query, &[Field::new("notes", &text)]).unwrap();
        let parts = parts(&found);
        assert!(parts[0].0.starts_with('…'), "{parts:?}");
        assert!(parts.iter().any(|p| p == &("Kubernetes", true)));
        assert!(parts.last().unwrap().0.ends_with("…"), "{parts:?}");
        let shown: usize = parts.iter().map(|p| p.0.len()).sum();
        assert!(shown < 300, "{parts:?}");
    }
}
