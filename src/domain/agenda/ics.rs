//! iCalendar content lines (RFC 5545, 3.1): `NAME;PARAMS:value`, ended by
//! CRLF, folded so that no line is longer than 75 octets. TEXT values are
//! escaped (3.3.11), so nothing a user wrote can end a line, start a
//! property of its own or split a value.

use chrono::{DateTime, NaiveDate, Utc};

/// A calendar being written, line by line.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A property whose value is written as given: fixed words, dates,
    /// times, durations. Never text that came from a user.
    pub fn raw(&mut self, name: &str, value: &str) {
        fold_into(&mut self.out, &format!("{name}:{value}"));
    }

    /// A TEXT property: the value escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        fold_into(&mut self.out, &format!("{name}:{}", escape(value)));
    }

    /// A DATE (an all-day item): `VALUE=DATE` and `YYYYMMDD`.
    pub fn date(&mut self, name: &str, day: NaiveDate) {
        self.raw(
            &format!("{name};VALUE=DATE"),
            &day.format("%Y%m%d").to_string(),
        );
    }

    /// A DATE-TIME in UTC: `YYYYMMDDTHHMMSSZ`.
    pub fn time(&mut self, name: &str, at: DateTime<Utc>) {
        self.raw(name, &utc(at));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A DATE-TIME in UTC, as iCalendar writes it.
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545, 3.3.11): backslash, semicolon and comma escaped,
/// every line break (CRLF, a lone LF, a lone CR) written `\n`. Other control
/// characters, which TEXT may not hold and validation never lets in, are
/// dropped; a tab is kept.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            ch if ch.is_control() => {}
            ch => out.push(ch),
        }
    }
    out
}

/// Appends `line` folded (RFC 5545, 3.1): a CRLF and a space before the
/// octet that would make a line longer than 75, never inside a character;
/// then the closing CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a parser does: drop every CRLF followed by a space.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn text_escapes_its_separators_and_every_line_break() {
        assert_eq!(escape(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape("one\r\ntwo\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape("lone\r"), r"lone\n");
        assert_eq!(escape("tab\there\u{7}bell\u{85}nel"), "tab\therebellnel");
        assert_eq!(escape("Zoë 🎉"), "Zoë 🎉");
    }

    #[test]
    fn a_hostile_value_stays_one_property() {
        let mut w = Writer::default();
        w.text("SUMMARY", "x\r\nEND:VEVENT\rBEGIN:VEVENT\nUID:evil");
        let text = w.finish();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines, [r"SUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil"]);
        assert!(!text.trim_end_matches("\r\n").contains(['\r', '\n']));
    }

    #[test]
    fn lines_fold_at_75_octets_between_characters_and_unfold_to_the_original() {
        for value in [
            "a".repeat(300),
            "é".repeat(150),
            "日本語".repeat(60),
            "🎉".repeat(70),
            format!("{}é{}", "a".repeat(73), "b".repeat(80)),
        ] {
            let mut w = Writer::default();
            w.text("DESCRIPTION", &value);
            let text = w.finish();
            assert!(text.ends_with("\r\n"));
            for (i, line) in text.trim_end_matches("\r\n").split("\r\n").enumerate() {
                assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
                assert_eq!(i > 0, line.starts_with(' '));
            }
            assert_eq!(
                unfold(&text).trim_end_matches("\r\n"),
                format!("DESCRIPTION:{value}")
            );
        }
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let mut w = Writer::default();
        w.text("SUMMARY", &"x".repeat(75 - "SUMMARY:".len()));
        assert_eq!(w.finish().matches("\r\n").count(), 1);
    }

    #[test]
    fn dates_and_times_have_their_value_types() {
        let mut w = Writer::default();
        w.date("DTSTART", NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
        w.time(
            "DTSTAMP",
            DateTime::parse_from_rfc3339("2026-12-01T09:05:07Z")
                .unwrap()
                .to_utc(),
        );
        assert_eq!(
            w.finish(),
            "DTSTART;VALUE=DATE:20261208\r\nDTSTAMP:20261201T090507Z\r\n"
        );
    }
}
