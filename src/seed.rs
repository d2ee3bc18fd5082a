//! A deterministic, realistic-looking network for benchmarks: the same seed
//! gives the same contacts, tags, stages and interactions. It goes through the
//! domain functions, so seeded data obeys every rule real data does.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db;
use crate::domain::contacts::{self, CreateContact};
use crate::domain::enums::{GoalKind, InteractionKind, Source, Stage};
use crate::domain::goals::{self, CreateGoal};
use crate::domain::interactions::{self, CreateInteraction};
use crate::domain::tenancy::Owner;
use crate::error::AppError;

/// xorshift64*: tiny, fast and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Tim",
    "Margaret",
    "Linus",
    "Hedy",
    "John",
    "Katherine",
    "Dennis",
    "Sophie",
    "Niklaus",
    "Leslie",
    "Shafi",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Hamilton",
    "Torvalds",
    "Lamarr",
    "McCarthy",
    "Johnson",
    "Ritchie",
    "Wilson",
    "Wirth",
    "Lamport",
    "Goldwasser",
];
const COMPANIES: &[&str] = &[
    "Analytical Engines",
    "Harbor Podcasts",
    "Northwind",
    "Contoso",
    "Initech",
    "Globex",
    "Umbrella Design",
    "Stark Logistics",
    "Wayne Media",
    "Acme Marketing",
];

/// A vocabulary of 200 tags: `topic-0` … `topic-199`, plus a few real ones.
pub fn tag(i: u64) -> String {
    const REAL: &[&str] = &[
        "podcasting",
        "marketing",
        "project-management",
        "photography",
        "sailing",
        "finance",
        "design",
        "hiring",
        "fundraising",
        "writing",
    ];
    match REAL.get(i as usize) {
        Some(t) => t.to_string(),
        None => format!("topic-{i}"),
    }
}

/// Seeds `contacts` contacts and `interactions` interactions for `user_id`,
/// in batches of one transaction each. Returns the contact ids.
pub async fn network(
    db: &DatabaseConnection,
    user_id: Uuid,
    contacts: usize,
    interactions: usize,
    seed: u64,
) -> Result<Vec<Uuid>, AppError> {
    let owner = Owner::new(user_id);
    let mut rng = Rng::new(seed);
    let mut ids = Vec::with_capacity(contacts);
    let epoch = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    for batch in (0..contacts).collect::<Vec<_>>().chunks(1000) {
        let txn = db::begin_write(db).await?;
        for i in batch {
            let interests = (0..1 + rng.below(4)).map(|_| tag(rng.below(200))).collect();
            let input = CreateContact {
                full_name: format!("{} {} {i}", rng.pick(FIRST), rng.pick(LAST)),
                company: Some(rng.pick(COMPANIES).to_string()),
                emails: Some(vec![format!("person{i}@example.com")]),
                interests: Some(interests),
                stage: Some(*rng.pick(Stage::ALL)),
                source: Some(*rng.pick(Source::ALL)),
                keep_in_touch_days: (rng.below(3) == 0).then(|| 30 + rng.below(60) as i32),
                met_on: Some((epoch + Duration::days(rng.below(700) as i64)).date_naive()),
                ..Default::default()
            };
            ids.push(contacts::write::create(&txn, owner, input).await?.id);
        }
        txn.commit().await?;
    }
    for batch in (0..interactions).collect::<Vec<_>>().chunks(1000) {
        let txn = db::begin_write(db).await?;
        for _ in batch {
            let input = CreateInteraction {
                occurred_at: Some(epoch + Duration::minutes(rng.below(1_000_000) as i64)),
                kind: *rng.pick(InteractionKind::ALL),
                channel: None,
                contact_ids: vec![*rng.pick(&ids)],
                summary: Some("caught up".into()),
                notes: None,
                initiated_by: None,
                gave: (rng.below(2) == 0).then(|| "an introduction".into()),
                received: (rng.below(3) == 0).then(|| "advice".into()),
                goal_ids: Vec::new(),
                follow_up: None,
            };
            interactions::write::create(&txn, owner, input).await?;
        }
        txn.commit().await?;
    }
    Ok(ids)
}

/// Syllables of the generated goal vocabulary: 24 × 24 two-syllable words
/// and some three-syllable ones, all distinct after stemming.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "do", "ga", "zu", "ri", "fa", "bo",
    "le", "nu", "so", "ti", "xa", "ye", "hu", "wo", "qi",
];

/// A word of the generated vocabulary; low numbers are the common words.
fn word(i: u64) -> String {
    let n = SYLLABLES.len() as u64;
    let mut w = String::new();
    let mut rest = i;
    loop {
        w.push_str(SYLLABLES[(rest % n) as usize]);
        rest /= n;
        if rest == 0 {
            break;
        }
    }
    // Two syllables at least, and a consonant ending the stemmer keeps.
    w.push_str("nk");
    w
}

/// Words of the goal vocabulary.
pub const VOCABULARY: u64 = 2_000;
/// Tags of the goal vocabulary.
pub const GOAL_TAGS: u64 = 500;

/// A number in `0..n`, skewed towards 0 as word use is (a few words are
/// common, most are rare).
fn skewed(rng: &mut Rng, n: u64) -> u64 {
    let u = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
    ((u * u * u) * n as f64) as u64
}

/// How seeded goals and offers are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GoalText {
    /// As people write: a phrase of an activity (six goals in ten) and of one
    /// or two topics of the built-in vocabulary, drawn with a skew (some
    /// concepts are common), among 3 to 7 made-up words (names, places,
    /// jargon: the words no concept covers), and a tag on one item in four.
    #[default]
    People,
    /// Only made-up words: 6 to 10 of a 2,000-word vocabulary with a strong
    /// skew (the commonest in half of the goals) and 1 to 3 tags. The worst
    /// case for the inverted index, and the network the first benchmarks
    /// were measured on.
    Words,
}

/// Phrases of the built-in vocabulary, activities and topics apart: the
/// first phrase of each concept that has one.
fn phrases() -> &'static (Vec<&'static str>, Vec<&'static str>) {
    use crate::intersections::vocabulary::{ConceptKind, Vocabulary};
    static PHRASES: std::sync::OnceLock<(Vec<&'static str>, Vec<&'static str>)> =
        std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let (mut activities, mut topics) = (Vec::new(), Vec::new());
        for concept in &Vocabulary::builtin().concepts {
            let Some(phrase) = concept.phrases.first() else {
                continue;
            };
            match concept.kind.unwrap_or_default() {
                ConceptKind::Activity => activities.push(phrase.as_str()),
                ConceptKind::Topic => topics.push(phrase.as_str()),
                ConceptKind::Place => {}
            }
        }
        (activities, topics)
    })
}

fn goal_input(rng: &mut Rng, contact_id: Option<Uuid>, text: GoalText) -> CreateGoal {
    let (title, topics) = match text {
        GoalText::Words => {
            let words: Vec<String> = (0..6 + rng.below(5))
                .map(|_| word(skewed(rng, VOCABULARY)))
                .collect();
            let topics = (0..1 + rng.below(3))
                .map(|_| tag(skewed(rng, GOAL_TAGS)))
                .collect();
            (words.join(" "), topics)
        }
        GoalText::People => {
            let (activities, subjects) = phrases();
            let mut parts: Vec<String> = (0..3 + rng.below(5))
                .map(|_| word(skewed(rng, VOCABULARY)))
                .collect();
            let mut insert = |rng: &mut Rng, phrase: &str| {
                let at = rng.below(parts.len() as u64 + 1) as usize;
                parts.insert(at, phrase.to_owned());
            };
            if rng.below(10) < 6 && !activities.is_empty() {
                let phrase = activities[skewed(rng, activities.len() as u64) as usize];
                insert(rng, phrase);
            }
            for _ in 0..1 + rng.below(2) {
                if !subjects.is_empty() {
                    let phrase = subjects[skewed(rng, subjects.len() as u64) as usize];
                    insert(rng, phrase);
                }
            }
            let topics = if rng.below(4) == 0 {
                vec![tag(skewed(rng, GOAL_TAGS))]
            } else {
                Vec::new()
            };
            (parts.join(" "), topics)
        }
    };
    CreateGoal {
        contact_id,
        kind: if rng.below(2) == 0 {
            GoalKind::Goal
        } else {
            GoalKind::Offer
        },
        title,
        description: None,
        topics: Some(topics),
        horizon: None,
        target_on: None,
        status: None,
        priority: None,
    }
}

/// Seeds `mine` goals and offers of the user and `theirs` spread over
/// `contacts`, in batches of one transaction each.
pub async fn goals(
    db: &DatabaseConnection,
    user_id: Uuid,
    contacts: &[Uuid],
    (mine, theirs): (usize, usize),
    text: GoalText,
    seed: u64,
) -> Result<(), AppError> {
    let owner = Owner::new(user_id);
    let mut rng = Rng::new(seed);
    let holders: Vec<Option<Uuid>> = (0..mine)
        .map(|_| None)
        .chain((0..theirs).map(|_| Some(*rng.pick(contacts))))
        .collect();
    for batch in holders.chunks(1000) {
        let txn = db::begin_write(db).await?;
        for holder in batch {
            goals::write::create(&txn, owner, goal_input(&mut rng, *holder, text)).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn vocabulary_words_are_distinct() {
        let words: std::collections::HashSet<String> = (0..VOCABULARY).map(word).collect();
        assert_eq!(words.len() as u64, VOCABULARY);
    }
}
