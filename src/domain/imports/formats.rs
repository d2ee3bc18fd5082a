//! Reading contacts out of files: LinkedIn's `Connections.csv`, vCard 3.0 and
//! 4.0, and CSV in Rapport's own columns. Pure text in, contacts out: a file
//! that is not the format at all is an error for the whole file; a bad record
//! is an error for that record only.

use chrono::NaiveDate;

use crate::domain::contacts::CreateContact;
use crate::domain::enums::{Source, Stage};
use crate::domain::export::CSV_COLUMNS;

/// Where a record starts in its file: a 1-based line, or card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Line(u64),
    Card(u64),
}

/// One record read: a contact, or why it could not be read.
pub type Record = (Position, Result<CreateContact, String>);

/// Splits CSV text into records of fields (RFC 4180: quoted fields may hold
/// commas, quotes doubled, and line breaks), each with its first line.
pub fn csv_records(text: &str) -> Result<Vec<(u64, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1u64;
    let mut start = 1u64;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                // CRLF is one line break; a lone CR is the value's own.
                '\r' if chars.peek() == Some(&'\n') => {}
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(format!(
            "a quoted field opened on line {start} never closes"
        ));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    // Blank lines are not records.
    records.retain(|(_, f)| !(f.len() == 1 && f[0].trim().is_empty()));
    Ok(records)
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// LinkedIn's `Connections.csv`: a few lines of notes, then the header
/// `First Name,Last Name,URL,Email Address,Company,Position,Connected On`.
pub fn linkedin(text: &str) -> Result<Vec<Record>, String> {
    let records = csv_records(text)?;
    let header_at = records
        .iter()
        .position(|(_, fields)| {
            let names: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
            names.contains(&"first name".to_string()) && names.contains(&"last name".to_string())
        })
        .ok_or("no header row with First Name and Last Name: not a LinkedIn connections export")?;
    let header: Vec<String> = records[header_at]
        .1
        .iter()
        .map(|f| f.trim().to_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (first, last) = (column("first name"), column("last name"));
    let (url, email, company, position, connected) = (
        column("url"),
        column("email address"),
        column("company"),
        column("position"),
        column("connected on"),
    );
    let get = |fields: &[String], at: Option<usize>| {
        at.and_then(|i| fields.get(i)).and_then(|v| non_empty(v))
    };
    Ok(records[header_at + 1..]
        .iter()
        .map(|(line, fields)| {
            let name = [get(fields, first), get(fields, last)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let result = if name.is_empty() {
                Err("no first or last name".to_string())
            } else {
                let met_on = match get(fields, connected) {
                    None => Ok(None),
                    Some(date) => NaiveDate::parse_from_str(&date, "%d %b %Y")
                        .map(Some)
                        .map_err(|_| {
                            format!("Connected On {date:?} is not a date like 12 Mar 2021")
                        }),
                };
                met_on.map(|met_on| CreateContact {
                    full_name: name,
                    links: get(fields, url).map(|u| vec![u]),
                    emails: get(fields, email).map(|e| vec![e]),
                    company: get(fields, company),
                    role: get(fields, position),
                    met_on,
                    source: Some(Source::Online),
                    ..Default::default()
                })
            };
            (Position::Line(*line), result)
        })
        .collect())
}

/// CSV with a header row of Rapport's contact fields (any subset, any order;
/// `full_name` required). Lists are separated by `;`.
pub fn csv(text: &str) -> Result<Vec<Record>, String> {
    let records = csv_records(text)?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Err("the file is empty: a header row is expected".into());
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    if let Some(unknown) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(format!(
            "unknown column {unknown:?}; the columns are {}",
            CSV_COLUMNS.join(", ")
        ));
    }
    if !header.iter().any(|h| h == "full_name") {
        return Err("the header has no full_name column".into());
    }
    Ok(rows
        .iter()
        .map(|(line, fields)| {
            let mut object = serde_json::Map::new();
            for (name, value) in header.iter().zip(fields) {
                let Some(value) = non_empty(crate::domain::export::unneutralised(value)) else {
                    continue;
                };
                let json = match name.as_str() {
                    "emails" | "phones" | "links" | "interests" => serde_json::Value::from(
                        value.split(';').filter_map(non_empty).collect::<Vec<_>>(),
                    ),
                    "keep_in_touch_days" => match value.parse::<i64>() {
                        Ok(days) => days.into(),
                        Err(_) => value.into(),
                    },
                    _ => value.into(),
                };
                object.insert(name.clone(), json);
            }
            let result =
                serde_json::from_value::<CreateContact>(object.into()).map_err(|e| e.to_string());
            (Position::Line(*line), result)
        })
        .collect())
}

/// Decodes quoted-printable text (soft line breaks already joined).
fn quoted_printable(value: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A vCard text value unescaped (`\,` `\;` `\\` `\n`).
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits on `sep` where it is not escaped with a backslash.
fn split_unescaped(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            if let Some(p) = parts.last_mut() {
                p.push('\\');
                p.push(c);
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(String::new());
        } else if let Some(p) = parts.last_mut() {
            p.push(c);
        }
    }
    parts
}

/// A content line being unfolded. Whether it is quoted-printable is decided
/// once, from its name and parameters (what comes before the first `:`), so
/// that unfolding stays linear however many continuations a line has.
struct Unfolding {
    text: String,
    /// The `:` that ends the name and parameters has been seen.
    named: bool,
    quoted_printable: bool,
}

impl Unfolding {
    fn start(raw: &str) -> Self {
        let mut line = Self {
            text: String::new(),
            named: false,
            quoted_printable: false,
        };
        line.push(raw);
        line
    }

    fn push(&mut self, part: &str) {
        let at = self.text.len();
        self.text.push_str(part);
        if !self.named
            && let Some(colon) = part.find(':')
        {
            self.named = true;
            self.quoted_printable = self.text[..at + colon]
                .to_ascii_uppercase()
                .contains("QUOTED-PRINTABLE");
        }
    }
}

/// vCard 3.0 and 4.0 (RFC 2426, RFC 6350), several cards per file: folded
/// lines, quoted-printable (vCard 2.1-style exports), UTF-8.
pub fn vcard(text: &str) -> Result<Vec<Record>, String> {
    // Unfold: a line break followed by a space or tab continues the line;
    // quoted-printable values continue after a trailing `=`.
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<Unfolding> = None;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match current.as_mut() {
            Some(line) if raw.starts_with([' ', '\t']) => line.push(&raw[1..]),
            Some(line) if line.quoted_printable && line.text.ends_with('=') => {
                line.text.pop();
                line.push(raw);
            }
            _ => {
                lines.extend(current.take().map(|line| line.text));
                current = Some(Unfolding::start(raw));
            }
        }
    }
    lines.extend(current.map(|line| line.text));
    if !lines
        .iter()
        .any(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        return Err("no BEGIN:VCARD: not a vCard file".into());
    }
    let mut records = Vec::new();
    let mut card: Option<Vec<String>> = None;
    let mut number = 0;
    for line in lines {
        let trimmed = line.trim();
        if trimmed.eq_ignore_ascii_case("BEGIN:VCARD") {
            number += 1;
            card = Some(Vec::new());
        } else if trimmed.eq_ignore_ascii_case("END:VCARD") {
            if let Some(properties) = card.take() {
                records.push((Position::Card(number), read_card(&properties)));
            }
        } else if let Some(properties) = card.as_mut()
            && !trimmed.is_empty()
        {
            properties.push(line);
        }
    }
    if card.is_some() {
        records.push((
            Position::Card(number),
            Err("the card has no END:VCARD (truncated file?)".into()),
        ));
    }
    Ok(records)
}

fn read_card(properties: &[String]) -> Result<CreateContact, String> {
    let mut contact = CreateContact::default();
    let mut structured_name = None;
    let (mut emails, mut phones, mut links, mut interests) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for property in properties {
        let Some((head, value)) = property.split_once(':') else {
            continue;
        };
        let mut params = head.split(';');
        let name = params.next().unwrap_or_default();
        // Grouped properties (`item1.EMAIL`) name their group first.
        let name = name.rsplit('.').next().unwrap_or(name).to_uppercase();
        let params: Vec<String> = params.map(str::to_uppercase).collect();
        let value = if params
            .iter()
            .any(|p| p == "ENCODING=QUOTED-PRINTABLE" || p == "QUOTED-PRINTABLE")
        {
            quoted_printable(value)
        } else {
            value.to_string()
        };
        match name.as_str() {
            "FN" => contact.full_name = unescape(&value).trim().to_string(),
            "N" => {
                let parts: Vec<String> = split_unescaped(&value, ';')
                    .iter()
                    .map(|p| unescape(p).trim().to_string())
                    .collect();
                // Family; Given; Additional; Prefix; Suffix.
                let order = [3, 1, 2, 0, 4];
                let name: Vec<&str> = order
                    .iter()
                    .filter_map(|&i| parts.get(i).map(String::as_str))
                    .filter(|p| !p.is_empty())
                    .collect();
                structured_name = Some(name.join(" "));
            }
            "EMAIL" => emails.extend(non_empty(&unescape(&value))),
            "TEL" => {
                let tel = value.trim().trim_start_matches("tel:").to_string();
                phones.extend(non_empty(&tel));
            }
            "URL" => links.extend(non_empty(&unescape(&value))),
            "ORG" => {
                contact.company = split_unescaped(&value, ';')
                    .first()
                    .and_then(|o| non_empty(&unescape(o)))
            }
            "TITLE" => contact.role = non_empty(&unescape(&value)),
            "NOTE" => contact.notes = non_empty(&unescape(&value)),
            "CATEGORIES" => interests.extend(
                split_unescaped(&value, ',')
                    .iter()
                    .filter_map(|c| non_empty(&unescape(c))),
            ),
            // BDAY, PHOTO, ADR and the rest have no place in a contact here.
            _ => {}
        }
    }
    if contact.full_name.is_empty() {
        contact.full_name = structured_name.unwrap_or_default();
    }
    if contact.full_name.is_empty() {
        return Err("the card has no name (FN or N)".into());
    }
    contact.emails = (!emails.is_empty()).then_some(emails);
    contact.phones = (!phones.is_empty()).then_some(phones);
    contact.links = (!links.is_empty()).then_some(links);
    contact.interests = (!interests.is_empty()).then_some(interests);
    contact.stage = contact.stage.or(Some(Stage::Connected));
    Ok(contact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_quoted_commas_quotes_and_line_breaks() {
        let records = csv_records("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\n\n").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0],
            (1, vec!["a".into(), "b, c".into(), "say \"hi\"".into()])
        );
        assert_eq!(records[1], (2, vec!["two\nlines".into(), "x".into()]));
        assert!(csv_records("\"never closed").is_err());
    }

    #[test]
    fn unfolding_a_quoted_printable_bomb_is_linear() {
        // 2 MB of soft line breaks: each used to upper-case and search the
        // whole line so far (about 110 s in a release build).
        let mut text = String::from("BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE:");
        for _ in 0..700_000 {
            text.push_str("A=\r\n");
        }
        text.push_str("B\r\nEND:VCARD\r\n");
        let started = std::time::Instant::now();
        let records = vcard(&text).unwrap();
        assert_eq!(records.len(), 1);
        let name = records[0].1.as_ref().unwrap().full_name.clone();
        assert_eq!(name.len(), 700_001);
        // Linear: well under a second even unoptimised.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn folded_parameters_still_say_quoted_printable() {
        let text =
            "BEGIN:VCARD\r\nFN;ENCODING=QUOTED-\r\n PRINTABLE:Zo=\r\n=C3=AB\r\nEND:VCARD\r\n";
        let records = vcard(text).unwrap();
        assert_eq!(records[0].1.as_ref().unwrap().full_name, "Zoë");
    }

    #[test]
    fn vcard_values_unescape_and_decode() {
        assert_eq!(unescape("a\\,b\\;c\\nd"), "a,b;c\nd");
        assert_eq!(quoted_printable("Zo=C3=AB"), "Zoë");
    }
}
