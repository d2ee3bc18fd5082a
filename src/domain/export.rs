//! Taking the whole account out: one versioned JSON document (what a `json`
//! import restores), or the contacts as vCard 4.0 or CSV. Everything is read
//! in one snapshot, so the document is consistent, and a page at a time,
//! written as it is read, so memory does not grow with the account.

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use entity::{contact, event, goal, interaction, intersection, introduction_decision, own_concept};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::contacts::Contact;
use crate::domain::context::Fresh;
use crate::domain::enums::{IntersectionOrigin, IntersectionStatus};
use crate::domain::events::Event;
use crate::domain::goals::Goal;
use crate::domain::interactions::Interaction;
use crate::domain::intersections::Intersection;
use crate::domain::intersections::introductions::IntroductionDecision;
use crate::domain::profile::{self, Profile};
use crate::domain::tenancy::{Owned, Owner};
use crate::domain::vocabulary::OwnConcept;
use crate::error::AppError;

/// The `format` of an export document.
pub const FORMAT: &str = "rapport.export";
/// The version of the export document's shape; bumped on any change that an
/// older importer could not read.
pub const VERSION: u32 = 1;

/// Everything in an account: the shape of the JSON export, which
/// [`export_as`] writes section by section rather than building (so this
/// type describes it in the OpenAPI document). Relations are by id: an interaction's
/// `contact_ids` and `goal_ids`, a goal's `contact_id`, an intersection's
/// `contact_id` and goal ids all name objects of the same document.
#[allow(dead_code)] // described, never built: see above
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
    /// Every event, with its attendees and goals, oldest first.
    pub events: Vec<Event>,
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

/// An export as a file: its media type, file extension, and its bytes as
/// they are written.
pub struct Exported {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub body: ExportBody,
}

/// The bytes of an export, a chunk at a time (a few dozen kilobytes),
/// written by a task that reads the account a page at a time: memory stays
/// the same whatever the account's size. An error after the first chunk
/// ends the body early (the response has begun; it is logged).
pub struct ExportBody(mpsc::Receiver<Result<Bytes, AppError>>);

impl futures_core::Stream for ExportBody {
    type Item = Result<Bytes, AppError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Rows read per query while exporting.
const PAGE: u64 = 500;
/// Bytes gathered before a chunk is handed to the response.
const CHUNK: usize = 64 * 1024;

/// Where an export writes: a buffer handed to the response in chunks.
struct Sink {
    tx: mpsc::Sender<Result<Bytes, AppError>>,
    buffer: Vec<u8>,
}

/// The client went away: stop reading.
struct Gone;

impl Sink {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn json<T: Serialize>(&mut self, value: &T) -> Result<(), AppError> {
        let bytes = serde_json::to_vec(value).map_err(AppError::internal)?;
        self.write(&bytes).await.or(Ok(()))
    }

    async fn flush(&mut self) -> Result<(), Gone> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.tx.send(Ok(chunk)).await.map_err(|_| Gone)
    }

    fn gone(&self) -> bool {
        self.tx.is_closed()
    }
}

/// The export in `format`, read in one snapshot so that its parts agree,
/// and written as it is read.
pub async fn export_as(
    db: &DatabaseConnection,
    fresh: Fresh,
    format: ExportFormat,
) -> Result<Exported, AppError> {
    let txn = crate::db::begin_snapshot(db).await?;
    // The profile is read now: a deleted account, or a database that does
    // not answer, is still an error response rather than a cut body.
    let profile = profile::get(&txn, fresh.owner()).await?;
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(async move {
        let mut sink = Sink {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        };
        let written = match format {
            ExportFormat::Json => write_json(&txn, fresh, profile, &mut sink).await,
            ExportFormat::Vcard | ExportFormat::Csv => {
                write_contacts(&txn, fresh, format, &mut sink).await
            }
        };
        let finished = match written {
            Ok(()) => sink.flush().await.ok().map(|()| Ok(())),
            Err(err) => Some(Err(err)),
        };
        let _ = txn.commit().await;
        if let Some(Err(err)) = finished {
            tracing::error!(user_id = %fresh.owner().id(), error = %err, "an export broke off");
            let _ = sink.tx.send(Err(err)).await;
        }
    });
    let (content_type, extension) = match format {
        ExportFormat::Json => ("application/json", "json"),
        ExportFormat::Vcard => ("text/vcard; charset=utf-8", "vcf"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    Ok(Exported {
        content_type,
        extension,
        body: ExportBody(rx),
    })
}

/// One page of `E` in (`time`, `id`) order, after `after`.
async fn page<E>(
    db: &impl ConnectionTrait,
    owner: Owner,
    filter: Condition,
    (time, id): (E::Column, E::Column),
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<E::Model>, AppError>
where
    E: Owned,
{
    let mut query = owner.find::<E>().filter(filter);
    if let Some((at, last)) = after {
        query = query.filter(
            Condition::any()
                .add(time.gt(at))
                .add(Condition::all().add(time.eq(at)).add(id.gt(last))),
        );
    }
    Ok(query
        .order_by_asc(time)
        .order_by_asc(id)
        .limit(PAGE)
        .all(db)
        .await?)
}

/// Writes every `E` of the owner as `write` has it, page by page, in
/// (`time`, `id`) order; `key` gives a row's place in that order. Stops
/// reading once the client has gone.
macro_rules! each_page {
    ($sink:expr, $db:expr, $owner:expr, $entity:ty, $filter:expr, $columns:expr, $key:expr, |$rows:ident| $body:block) => {{
        let mut after = None;
        loop {
            if $sink.gone() {
                break;
            }
            let $rows = page::<$entity>($db, $owner, $filter, $columns, after).await?;
            let full = $rows.len() as u64 == PAGE;
            after = $rows.last().map($key);
            $body
            if !full {
                break;
            }
        }
    }};
}

/// `[a,b,…]` of `items`, the comma before all but the first.
async fn json_items<T: Serialize>(
    sink: &mut Sink,
    first: &mut bool,
    items: impl IntoIterator<Item = T>,
) -> Result<(), AppError> {
    for item in items {
        if !std::mem::take(first) {
            sink.write(b",").await.ok();
        }
        sink.json(&item).await?;
    }
    Ok(())
}

/// The JSON document ([`Export`]), section by section.
#[tracing::instrument(skip_all, fields(user_id = %fresh.owner().id()))]
async fn write_json(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    profile: Profile,
    sink: &mut Sink,
) -> Result<(), AppError> {
    let owner = fresh.owner();
    let everything = Condition::all;
    let head = serde_json::json!({"format": FORMAT, "version": VERSION, "exported_at": Utc::now()});
    let head = head.to_string();
    sink.write(&head.as_bytes()[..head.len() - 1]).await.ok();
    sink.write(b",\"profile\":").await.ok();
    sink.json(&profile).await?;

    sink.write(b",\"contacts\":[").await.ok();
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        contact::Entity,
        everything(),
        (contact::Column::CreatedAt, contact::Column::Id),
        |c: &contact::Model| (c.created_at, c.id),
        |rows| {
            json_items(sink, &mut first, rows.into_iter().map(Contact::from)).await?;
        }
    );

    sink.write(b"],\"goals\":[").await.ok();
    let lexicon = crate::domain::vocabulary::lexicon(db, owner).await?;
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        goal::Entity,
        everything(),
        (goal::Column::CreatedAt, goal::Column::Id),
        |g: &goal::Model| (g.created_at, g.id),
        |rows| {
            let goals = rows.into_iter().map(|g| Goal::read(g, &lexicon));
            json_items(sink, &mut first, goals).await?;
        }
    );

    sink.write(b"],\"interactions\":[").await.ok();
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        interaction::Entity,
        everything(),
        (interaction::Column::OccurredAt, interaction::Column::Id),
        |i: &interaction::Model| (i.occurred_at, i.id),
        |rows| {
            let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
            let mut participants =
                crate::domain::interactions::participants(db, owner, &ids).await?;
            let items = rows.into_iter().map(|i| {
                let contact_ids = participants.remove(&i.id).unwrap_or_default();
                Interaction::new(i, contact_ids)
            });
            json_items(sink, &mut first, items).await?;
        }
    );

    sink.write(b"],\"intersections\":[").await.ok();
    let decided = Condition::any()
        .add(intersection::Column::Status.ne(IntersectionStatus::Suggested.as_str()))
        .add(intersection::Column::Origin.eq(IntersectionOrigin::Recorded.as_str()));
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        intersection::Entity,
        decided.clone(),
        (intersection::Column::CreatedAt, intersection::Column::Id),
        |x: &intersection::Model| (x.created_at, x.id),
        |rows| {
            json_items(sink, &mut first, rows.into_iter().map(Intersection::from)).await?;
        }
    );

    sink.write(b"],\"introductions\":[").await.ok();
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        introduction_decision::Entity,
        everything(),
        (
            introduction_decision::Column::CreatedAt,
            introduction_decision::Column::Id
        ),
        |d: &introduction_decision::Model| (d.created_at, d.id),
        |rows| {
            let items = rows.into_iter().map(IntroductionDecision::from);
            json_items(sink, &mut first, items).await?;
        }
    );

    sink.write(b"],\"vocabulary\":[").await.ok();
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        own_concept::Entity,
        everything(),
        (own_concept::Column::CreatedAt, own_concept::Column::Id),
        |o: &own_concept::Model| (o.created_at, o.id),
        |rows| {
            json_items(sink, &mut first, rows.into_iter().map(OwnConcept::from)).await?;
        }
    );

    sink.write(b"],\"events\":[").await.ok();
    let mut first = true;
    each_page!(
        sink,
        db,
        owner,
        event::Entity,
        everything(),
        (event::Column::CreatedAt, event::Column::Id),
        |e: &event::Model| (e.created_at, e.id),
        |rows| {
            let events = crate::domain::events::render(db, owner, rows).await?;
            json_items(sink, &mut first, events).await?;
        }
    );
    sink.write(b"]}").await.ok();
    Ok(())
}

/// The contacts as vCard or CSV, oldest first.
async fn write_contacts(
    db: &impl ConnectionTrait,
    fresh: Fresh,
    format: ExportFormat,
    sink: &mut Sink,
) -> Result<(), AppError> {
    let owner = fresh.owner();
    if format == ExportFormat::Csv {
        sink.write(csv_header().as_bytes()).await.ok();
    }
    each_page!(
        sink,
        db,
        owner,
        contact::Entity,
        Condition::all(),
        (contact::Column::CreatedAt, contact::Column::Id),
        |c: &contact::Model| (c.created_at, c.id),
        |rows| {
            let contacts: Vec<Contact> = rows.into_iter().map(Contact::from).collect();
            let text = match format {
                ExportFormat::Csv => csv_rows(&contacts),
                _ => to_vcard(&contacts),
            };
            sink.write(text.as_bytes()).await.ok();
        }
    );
    Ok(())
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

/// The CSV header row, CRLF-ended (RFC 4180).
fn csv_header() -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    out
}

/// One CSV row per contact, CRLF line ends (RFC 4180).
fn csv_rows(contacts: &[Contact]) -> String {
    let mut out = String::new();
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
