//! Validation of user input. A [`Validator`] collects every problem of a
//! request, so a client learns all of them in one 422, and hands back the
//! cleaned values (trimmed text, normalised emails and tags).
//!
//! Text never contains NUL or other control characters (PostgreSQL rejects NUL,
//! and the rest only ever arrive by accident); line breaks and tabs are fine.

use serde::{Deserialize, Deserializer, de::Error as _};

use crate::error::{AppError, FieldError};

pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_CHARS: usize = 50;

#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Ok when nothing failed; otherwise a 422 listing every failure.
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.errors))
        }
    }

    /// Required text: at most `max` characters as sent, then trimmed, and not
    /// empty.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.error(field, "must not be empty");
        } else {
            self.check_chars(field, value, max);
        }
        trimmed.to_string()
    }

    /// Optional text: at most `max` characters as sent, then trimmed; blank
    /// becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let value = value?;
        self.check_chars(field, value, max);
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    }

    /// Checked on the text as sent, so the limits are the ones the OpenAPI
    /// document states (`maxLength`, and a `pattern` without control
    /// characters; see `openapi::input_rules`).
    fn check_chars(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.error(field, format!("must be at most {max} characters"));
        }
        if has_control(value) {
            self.error(field, "must not contain control characters");
        }
    }

    /// An email address, lowercased and trimmed.
    pub fn email(&mut self, field: &str, value: &str) -> String {
        let email = value.trim().to_lowercase();
        if !is_email(&email) {
            self.error(field, "must be a valid email address");
        }
        email
    }

    /// Tags: trimmed, lowercased, de-duplicated in order of first appearance.
    pub fn tags(&mut self, field: &str, values: &[String]) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        if values.len() > MAX_TAGS {
            self.error(field, format!("must have at most {MAX_TAGS} tags"));
        }
        for (i, raw) in values.iter().enumerate() {
            let path = format!("{field}[{i}]");
            let tag = self.text(&path, raw, MAX_TAG_CHARS).to_lowercase();
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }
}

impl Validator {
    /// A list of at most `max` items, each cleaned by `item` (which reports
    /// its own errors), de-duplicated.
    fn list(
        &mut self,
        field: &str,
        values: &[String],
        max: usize,
        mut item: impl FnMut(&mut Self, &str, &str) -> String,
    ) -> Vec<String> {
        if values.len() > max {
            self.error(field, format!("must have at most {max} items"));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, raw) in values.iter().enumerate() {
            let clean = item(self, &format!("{field}[{i}]"), raw);
            if !out.contains(&clean) {
                out.push(clean);
            }
        }
        out
    }

    pub fn emails(&mut self, field: &str, values: &[String]) -> Vec<String> {
        self.list(field, values, 20, |v, path, raw| v.email(path, raw))
    }

    /// Phone numbers: free-form (extensions, spaces) but with digits in them.
    pub fn phones(&mut self, field: &str, values: &[String]) -> Vec<String> {
        self.list(field, values, 20, |v, path, raw| {
            let phone = v.text(path, raw, 50);
            if !phone.is_empty() && phone.chars().filter(char::is_ascii_digit).count() < 3 {
                v.error(path, "must be a phone number (at least 3 digits)");
            }
            phone
        })
    }

    /// `http` or `https` URLs with a host.
    pub fn links(&mut self, field: &str, values: &[String]) -> Vec<String> {
        self.list(field, values, 20, |v, path, raw| {
            let link = v.text(path, raw, 2048);
            if !link.is_empty() && !is_web_url(&link) {
                v.error(path, "must be an http(s) URL");
            }
            link
        })
    }

    /// An integer within `min..=max`.
    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if !(min..=max).contains(&value) {
            self.error(field, format!("must be between {min} and {max}"));
        }
    }
}

/// A control character other than tab and line breaks: never in text (see the
/// module docs), and the OpenAPI document's patterns say the same.
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// A query parameter's text within its documented `maxLength`, as sent.
pub fn query_text<'q>(name: &str, value: &'q str, max: usize) -> Result<&'q str, AppError> {
    if value.chars().count() > max {
        return Err(AppError::bad_request(
            "invalid_query",
            format!("{name} must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// A query parameter's number within its documented `minimum` and `maximum`.
pub fn query_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: T,
    min: T,
    max: T,
) -> Result<T, AppError> {
    if value < min || value > max {
        return Err(AppError::bad_request(
            "invalid_query",
            format!("{name} must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

/// An optional integer field that also takes a whole number written as a float.
/// JSON Schema counts `3.0` as an integer, and so does every client that keeps
/// numbers as doubles (JavaScript); `3.5` and out-of-range values are refused.
/// Use with `#[serde(default, deserialize_with = "crate::domain::validate::whole")]`.
pub fn whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    // 2^53: beyond it a double no longer holds every integer exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let integer = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= EXACT)
            .map(|f| f as i64)
    });
    let integer =
        integer.ok_or_else(|| D::Error::custom(format!("expected an integer, found {number}")))?;
    T::try_from(integer)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("integer {integer} is out of range")))
}

/// An optional nested object that must be a JSON object. serde would also
/// build a struct from an array of its fields in order (`[null, "x"]`), which
/// no client means and the schema does not allow.
/// Use with `#[serde(default, deserialize_with = "crate::domain::validate::object")]`.
pub fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let Some(map) =
        Option::<serde_json::Map<String, serde_json::Value>>::deserialize(deserializer)?
    else {
        return Ok(None);
    };
    serde_json::from_value(serde_json::Value::Object(map))
        .map(Some)
        .map_err(|err| D::Error::custom(err.to_string()))
}

/// `http://` or `https://`, a host without spaces, anything after.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !url.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no
/// spaces, at most 254 characters. Deliverability is not our business.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let mut v = Validator::new();
        assert_eq!(v.text("name", "  Ada  ", 10), "Ada");
        v.text("title", "x".repeat(11).as_str(), 10);
        v.text("blank", "   ", 10);
        v.text("nul", "a\0b", 10);
        let err = v.finish().unwrap_err().to_problem();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "blank", "nul"]);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        let mut v = Validator::new();
        assert_eq!(v.email("email", " Ada@Example.COM "), "ada@example.com");
        assert!(v.finish().is_ok());
        for bad in ["ada", "ada@", "@x.com", "a b@x.com", "a@x", "a@@x.com"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn lists_are_cleaned_item_by_item_with_paths() {
        let mut v = Validator::new();
        let emails = v.emails(
            "emails",
            &["A@x.com".into(), "a@x.com".into(), "bad".into()],
        );
        assert_eq!(emails, ["a@x.com", "bad"]);
        v.links(
            "links",
            &["https://linkedin.com/in/ada".into(), "ftp://x".into()],
        );
        v.phones("phones", &["+44 20 7946 0958".into(), "call me".into()]);
        let fields: Vec<_> = v
            .finish()
            .unwrap_err()
            .to_problem()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["emails[2]", "links[1]", "phones[1]"]);
        assert!(is_web_url("http://example.com"));
        assert!(!is_web_url("https://"));
    }

    #[test]
    fn tags_are_lowercased_and_deduplicated() {
        let mut v = Validator::new();
        let tags = v.tags(
            "interests",
            &[" Podcast".into(), "podcast".into(), "Jazz".into()],
        );
        assert_eq!(tags, ["podcast", "jazz"]);
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        v.tags("interests", &["".into()]);
        assert_eq!(
            v.finish().unwrap_err().to_problem().errors[0].field,
            "interests[0]"
        );
    }
}
