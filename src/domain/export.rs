//! Taking the whole account out: one versioned JSON document (what a `json`
//! import restores), or the contacts as vCard 4.0 or CSV. Everything is read
//! in one transaction, so the document is a consistent snapshot.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    contact, goal, interaction, interaction_contact, intersection, introduction_decision,
    own_concept,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contacts::Contact;
use crate::domain::context::Fresh;
use crate::domain::enums::{IntersectionOrigin, IntersectionStatus};
use crate::domain::goals::Goal;
use crate::domain::interactions::Interaction;
use crate::domain::intersections::Intersection;
use crate::domain::intersections::introductions::IntroductionDecision;
use crate::domain::profile::{self, Profile};
use crate::domain::vocabulary::OwnConcept;
use crate::error::AppError;

/// The `format` of an export document.
pub const FORMAT: &str = "rapport.export";
/// The version of the export document's shape; bumped on any change that an
/// older importer could not read.
pub const VERSION: u32 = 1;

/// Everything in an account. Relations are by id: an interaction's
/// `contact_ids` and `goal_ids`, a goal's `contact_id`, an intersection's
/// `contact_id` and goal ids all name objects of the same document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Export {
    /// Always `rapport.export`.
    #[schema(example = "rapport.export")]
    pub format: &'static str,
    /// The document's version (1).
    #[schema(example = 1)]
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    /// Every contact, oldest first.
    pub contacts: Vec<Contact>,
    /// Every goal and offer, yours and your contacts', oldest first.
    pub goals: Vec<Goal>,
    /// Every interaction, oldest first.
    pub interactions: Vec<Interaction>,
    /// Your decisions: confirmed and dismissed intersections, and those you
    /// recorded. Suggestions are left out; the engine finds them again.
    pub intersections: Vec<Intersection>,
    /// Your decisions about introductions, oldest first.
    pub introductions: Vec<IntroductionDecision>,
    /// Your own vocabulary, oldest first.
    pub vocabulary: Vec<OwnConcept>,
}

/// What `GET /export` can produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The whole account as one JSON document.
    #[default]
    Json,
    /// The contacts as vCard 4.0.
    Vcard,
    /// The contacts as CSV, in the columns the `csv` import reads.
    Csv,
}

/// An export as a file: its bytes, media type and file extension.
pub struct Exported {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
}

/// The export in `format`, read in one snapshot so that its parts agree.
pub async fn export_as(
    db: &DatabaseConnection,
    fresh: Fresh,
    format: ExportFormat,
) -> Result<Exported, AppError> {
    let txn = crate::db::begin_snapshot(db).await?;
    let exported = match format {
        ExportFormat::Json => Exported {
            body: serde_json::to_vec(&export(&txn, fresh).await?).map_err(AppError::internal)?,
            content_type: "application/json",
            extension: "json",
        },
        ExportFormat::Vcard => Exported {
            body: to_vcard(&contacts(&txn, fresh).await?).into_bytes(),
            content_type: "text/vcard; charset=utf-8",
            extension: "vcf",
        },
        ExportFormat::Csv => Exported {
            body: to_csv(&contacts(&txn, fresh).await?).into_bytes(),
            content_type: "text/csv; charset=utf-8",
            extension: "csv",
        },
    };
    txn.commit().await?;
    Ok(exported)
}

/// The whole account. Run it in one transaction for a consistent snapshot.
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
pub async fn export(db: &impl ConnectionTrait, fresh: Fresh) -> Result<Export, AppError> {
    let owner = fresh.owner();
    let profile = profile::get(db, owner).await?;
    let contacts = contacts(db, fresh).await?;
    let lexicon = crate::domain::vocabulary::lexicon(db, owner).await?;
    let goals = owner
        .find::<goal::Entity>()
        .order_by_asc(goal::Column::CreatedAt)
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|g| Goal::read(g, &lexicon))
        .collect();
    let mut participants: HashMap<uuid::Uuid, Vec<uuid::Uuid>> = HashMap::new();
    for link in owner
        .find::<interaction_contact::Entity>()
        .order_by_asc(interaction_contact::Column::ContactId)
        .all(db)
        .await?
    {
        participants
            .entry(link.interaction_id)
            .or_default()
            .push(link.contact_id);
    }
    let interactions = owner
        .find::<interaction::Entity>()
        .order_by_asc(interaction::Column::OccurredAt)
        .order_by_asc(interaction::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| {
            let contact_ids = participants.remove(&i.id).unwrap_or_default();
            Interaction::new(i, contact_ids)
        })
        .collect();
    let intersections = owner
        .find::<intersection::Entity>()
        .filter(
            sea_orm::Condition::any()
                .add(intersection::Column::Status.ne(IntersectionStatus::Suggested.as_str()))
                .add(intersection::Column::Origin.eq(IntersectionOrigin::Recorded.as_str())),
        )
        .order_by_asc(intersection::Column::CreatedAt)
        .order_by_asc(intersection::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Intersection::from)
        .collect();
    let introductions = owner
        .find::<introduction_decision::Entity>()
        .order_by_asc(introduction_decision::Column::CreatedAt)
        .order_by_asc(introduction_decision::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(IntroductionDecision::from)
        .collect();
    let vocabulary = owner
        .find::<own_concept::Entity>()
        .order_by_asc(own_concept::Column::CreatedAt)
        .order_by_asc(own_concept::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(OwnConcept::from)
        .collect();
    Ok(Export {
        format: FORMAT,
        version: VERSION,
        exported_at: Utc::now(),
        profile,
        contacts,
        goals,
        interactions,
        intersections,
        introductions,
        vocabulary,
    })
}

/// Every contact, oldest first.
pub async fn contacts(db: &impl ConnectionTrait, fresh: Fresh) -> Result<Vec<Contact>, AppError> {
    let owner = fresh.owner();
    Ok(owner
        .find::<contact::Entity>()
        .order_by_asc(contact::Column::CreatedAt)
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Contact::from)
        .collect())
}

/// The CSV columns, in order: the writable contact fields. Lists (emails,
/// phones, links, interests) are separated by `;`.
pub const CSV_COLUMNS: [&str; 24] = [
    "full_name",
    "headline",
    "company",
    "role",
    "location",
    "emails",
    "phones",
    "links",
    "source",
    "met_on",
    "met_via",
    "interests",
    "why",
    "can_give",
    "can_get",
    "next_step",
    "next_step_due",
    "spends_time_on",
    "relaxes_by",
    "growing_in",
    "stage",
    "revisit_on",
    "keep_in_touch_days",
    "notes",
];

/// A contact's value for each of [`CSV_COLUMNS`].
fn csv_values(c: &Contact) -> [String; 24] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let date = |v: &Option<chrono::NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    [
        c.full_name.clone(),
        text(&c.headline),
        text(&c.company),
        text(&c.role),
        text(&c.location),
        c.emails.join(";"),
        c.phones.join(";"),
        c.links.join(";"),
        c.source.map(|s| s.as_str().to_string()).unwrap_or_default(),
        date(&c.met_on),
        text(&c.met_via),
        c.interests.join(";"),
        text(&c.why),
        text(&c.can_give),
        text(&c.can_get),
        text(&c.next_step),
        date(&c.next_step_due),
        text(&c.spends_time_on),
        text(&c.relaxes_by),
        text(&c.growing_in),
        c.stage.as_str().to_string(),
        date(&c.revisit_on),
        c.keep_in_touch_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        text(&c.notes),
    ]
}

/// First characters that make a spreadsheet read a cell as a formula
/// (CWE-1236; OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// RFC 4180: quoted when it holds a comma, a quote or a line break. A value
/// a spreadsheet would run as a formula is neutralised first with a leading
/// `'` (OWASP), which spreadsheets show as text and the CSV import removes.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(FORMULA_STARTS) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A CSV value as it was before [`csv_field`] neutralised it.
pub(crate) fn unneutralised(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => value,
    }
}

/// The contacts as CSV with a header row, CRLF line ends (RFC 4180).
pub fn to_csv(contacts: &[Contact]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for c in contacts {
        let row: Vec<String> = csv_values(c).iter().map(|v| csv_field(v)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A vCard text value: backslash, comma, semicolon and line breaks escaped
/// (RFC 6350, 3.4). Every line break, a lone CR included, becomes `\n`, so
/// no value can start a property of its own for a parser that splits lines
/// on CR; other control characters (none passes validation) are dropped.
fn vcard_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
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

/// Folds a content line at 75 octets, never inside a character (RFC 6350,
/// 3.2): each continuation starts with a space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
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
    out
}

/// The contacts as vCard 4.0, one card each.
pub fn to_vcard(contacts: &[Contact]) -> String {
    let mut out = String::new();
    for c in contacts {
        let mut lines = vec![
            "BEGIN:VCARD".to_string(),
            "VERSION:4.0".to_string(),
            format!("UID:urn:uuid:{}", c.id),
            format!("FN:{}", vcard_text(&c.full_name)),
        ];
        if let Some(company) = &c.company {
            lines.push(format!("ORG:{}", vcard_text(company)));
        }
        if let Some(role) = &c.role {
            lines.push(format!("TITLE:{}", vcard_text(role)));
        }
        for email in &c.emails {
            lines.push(format!("EMAIL:{}", vcard_text(email)));
        }
        for phone in &c.phones {
            lines.push(format!("TEL:{}", vcard_text(phone)));
        }
        for link in &c.links {
            lines.push(format!("URL:{link}"));
        }
        if !c.interests.is_empty() {
            let tags: Vec<String> = c.interests.iter().map(|t| vcard_text(t)).collect();
            lines.push(format!("CATEGORIES:{}", tags.join(",")));
        }
        if let Some(notes) = &c.notes {
            lines.push(format!("NOTE:{}", vcard_text(notes)));
        }
        lines.push(format!("REV:{}", c.updated_at.format("%Y%m%dT%H%M%SZ")));
        lines.push("END:VCARD".to_string());
        for line in lines {
            out.push_str(&fold(&line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_neutralised() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://evil\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\")\""
        );
        assert_eq!(csv_field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("Ada = Countess"), "Ada = Countess");
        for value in ["=1+1", "+1", "-x", "@a", "plain", "'quoted"] {
            let field = csv_field(value);
            let field = field.trim_matches('"');
            assert_eq!(unneutralised(field), value);
        }
    }

    #[test]
    fn vcard_text_escapes_every_line_break_and_drops_control_characters() {
        assert_eq!(
            vcard_text("Evil\rEMAIL:attacker@evil.example"),
            "Evil\\nEMAIL:attacker@evil.example"
        );
        assert_eq!(vcard_text("a\r\nb\nc\r"), "a\\nb\\nc\\n");
        assert_eq!(vcard_text("a\u{0}b\u{1b}c\td"), "abc\td");
        assert_eq!(vcard_text("x,y;z\\"), "x\\,y\\;z\\\\");
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn vcard_lines_fold_at_75_octets_between_characters() {
        let folded = fold(&format!("NOTE:{}", "é".repeat(60)));
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("NOTE:{}\r\n", "é".repeat(60)));
        assert_eq!(vcard_text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
