//! The concept layer on a small vocabulary written here, so each rule is
//! pinned whatever the built-in vocabulary says: synonyms, complements,
//! gated concepts, word senses, generic words, a user's own vocabulary,
//! determinism. A few tests at the end check the built-in vocabulary on the
//! examples people write.

use std::sync::Arc;

use uuid::Uuid;

use super::vocabulary::{Lexicon, UserConcept, Vocabulary};
use super::*;

const CONCEPTS: &str = r#"
[[concept]]
id = "fundraising"
label = "fundraising"
phrases = ["fundraising", "seed round", "raise capital"]
senses = [
  { words = ["raise", "raising"], with = ["round", "seed", "capital", "investors"] },
  { words = ["seed"], with = ["round", "stage", "funding"], without = ["garden", "swap"] },
]
complements = ["investing"]

[[concept]]
id = "investing"
label = "investing"
phrases = ["angel investor", "first checks", "invest in"]

[[concept]]
id = "hiring"
label = "hiring"
gated = true
phrases = ["hire", "hiring", "recruit", "place designers"]
complements = ["job_seeking"]

[[concept]]
id = "job_seeking"
label = "job seeking"
gated = true
phrases = ["job search"]
senses = [{ words = ["role"], with = ["looking", "next", "new"], without = ["hire", "fill"] }]

[[concept]]
id = "design"
label = "design"
phrases = ["ux", "product design"]
senses = [{ words = ["designer", "design"], without = ["furniture", "handbags"] }]

[[concept]]
id = "nursing"
label = "nursing"
phrases = ["nurse", "nursing"]

[[concept]]
id = "gardening"
label = "gardening"
phrases = ["gardening", "seed swap"]

[[concept]]
id = "relocating"
label = "relocating"
gated = "place"
phrases = ["moving to", "relocate to"]
complements = ["local_knowledge"]

[[concept]]
id = "local_knowledge"
label = "local knowledge"
gated = "place"
phrases = ["i know", "lived in"]
"#;

const PLACES: &str = r#"
kind = "place"

[[concept]]
id = "city_lisbon"
label = "Lisbon"
phrases = ["lisbon", "lisboa"]
broader = ["country_portugal"]

[[concept]]
id = "country_portugal"
label = "Portugal"
phrases = ["portugal"]

[[concept]]
id = "city_oslo"
label = "Oslo"
phrases = ["oslo"]
"#;

const GENERIC: &str =
    r#"words = ["find", "new", "better", "small", "early", "run", "help", "looking", "good"]"#;

fn vocabulary() -> Vocabulary {
    Vocabulary::parse(
        "version = 1",
        &[
            ("concepts.toml", CONCEPTS),
            ("places.toml", PLACES),
            ("generic.toml", GENERIC),
        ],
    )
    .expect("the test vocabulary parses")
}

fn lexicon() -> Arc<Lexicon> {
    Arc::new(Lexicon::compile(&vocabulary(), &[]))
}

/// Builds items from `(holder, facet, text)`, ids in order from 1.
struct Network2 {
    network: Network,
    ids: Vec<Uuid>,
}

fn contact(n: u128) -> Holder {
    Holder::Contact(Uuid::from_u128(1_000 + n))
}

fn build(lexicon: Arc<Lexicon>, items: &[(Holder, Facet, &str)]) -> Network2 {
    let ids: Vec<Uuid> = (1..=items.len() as u128).map(Uuid::from_u128).collect();
    let items = items
        .iter()
        .zip(&ids)
        .map(|(&(holder, facet, text), &id)| Item {
            id,
            holder,
            facet,
            text: text.to_owned(),
            tags: Vec::new(),
        })
        .collect();
    Network2 {
        network: Network::build_with(items, lexicon),
        ids,
    }
}

/// `(kind, mine, theirs)` of every intersection, as item positions.
fn found(n: &Network2) -> Vec<(Kind, usize, usize)> {
    let position = |id: Option<Uuid>| id.and_then(|id| n.ids.iter().position(|&i| i == id));
    let mut found: Vec<(Kind, usize, usize)> = n
        .network
        .intersections()
        .iter()
        .map(|f| {
            (
                f.kind,
                position(f.mine).unwrap_or(usize::MAX),
                position(f.theirs).unwrap_or(usize::MAX),
            )
        })
        .collect();
    found.sort();
    found
}

fn introduced(n: &Network2) -> Vec<(MatchKind, usize, usize)> {
    let position = |id: Uuid| n.ids.iter().position(|&i| i == id).unwrap();
    let mut found: Vec<(MatchKind, usize, usize)> = n
        .network
        .introductions(10, &Skip::default())
        .iter()
        .flat_map(|i| i.matches.iter())
        .map(|m| (m.kind, position(m.from), position(m.to)))
        .collect();
    found.sort();
    found
}

const ME: Holder = Holder::Me;
const GOAL: Facet = Facet::Goal;
const OFFER: Facet = Facet::Offer;

#[test]
fn synonyms_meet_as_one_concept_and_reasons_name_it_with_both_sides_words() {
    let n = build(
        lexicon(),
        &[
            (ME, GOAL, "Fundraising for our app"),
            (contact(1), GOAL, "Raise capital this spring"),
        ],
    );
    assert_eq!(found(&n), vec![(Kind::SharedGoal, 0, 1)]);
    let reason = &n.network.intersections()[0].reasons[0];
    assert_eq!(reason.term, "fundraising");
    assert_eq!(reason.via, Via::Concept);
    assert_eq!(reason.relation, Relation::Same);
    assert_eq!(reason.concepts, vec!["fundraising"]);
    assert_eq!(reason.phrases, vec!["fundraising", "raise capital"]);
}

#[test]
fn complements_meet_goals_with_offers_and_goals_with_goals() {
    let n = build(
        lexicon(),
        &[
            (ME, GOAL, "Raise a seed round"),
            (ME, GOAL, "Hire a designer"),
            (contact(1), OFFER, "Angel investor writing first checks"),
            (contact(2), GOAL, "Looking for my next designer role"),
        ],
    );
    assert_eq!(
        found(&n),
        vec![(Kind::TheyCanHelp, 0, 2), (Kind::ComplementaryGoal, 1, 3)]
    );
    let all = n.network.intersections();
    let funding = all.iter().find(|f| f.kind == Kind::TheyCanHelp).unwrap();
    let reason = &funding.reasons[0];
    assert_eq!(reason.term, "fundraising ↔ investing");
    assert_eq!(reason.relation, Relation::Complement);
    assert_eq!(reason.concepts, vec!["fundraising", "investing"]);
    assert_eq!(reason.phrases, vec!["seed round", "angel investor"]);
    // The same between two contacts: an introduction of complementary goals.
    let n = build(
        lexicon(),
        &[
            (contact(1), GOAL, "Hire a designer"),
            (contact(2), GOAL, "Looking for my next designer role"),
        ],
    );
    assert_eq!(introduced(&n), vec![(MatchKind::ComplementaryGoal, 0, 1)]);
}

#[test]
fn gated_concepts_meet_only_with_something_else_in_common() {
    let n = build(
        lexicon(),
        &[
            (contact(1), GOAL, "Hire a designer"),
            (contact(2), GOAL, "Hire a nurse"),
            (contact(3), GOAL, "Moving to Lisbon in May"),
            (contact(4), GOAL, "Moving to Oslo"),
            (contact(5), OFFER, "I know Oslo, lived in Lisbon"),
        ],
    );
    // Hiring meets hiring only in the same field; a move meets a move (or
    // knowing a place) only for the same place, whatever else they share.
    assert_eq!(
        introduced(&n),
        vec![
            (MatchKind::OfferMeetsGoal, 4, 2),
            (MatchKind::OfferMeetsGoal, 4, 3),
        ]
    );
    let n = build(
        lexicon(),
        &[
            (contact(1), GOAL, "Hire a designer"),
            (contact(2), GOAL, "Recruit a UX designer"),
            (contact(3), GOAL, "Moving to Lisbon in May"),
            (contact(4), OFFER, "I know Lisboa well"),
        ],
    );
    assert_eq!(
        introduced(&n),
        vec![
            (MatchKind::OfferMeetsGoal, 3, 2),
            (MatchKind::SharedGoal, 0, 1)
        ]
    );
}

#[test]
fn an_ambiguous_word_counts_in_the_sense_its_company_gives_it() {
    let n = build(
        lexicon(),
        &[
            (ME, GOAL, "Raise a seed round"),
            (ME, GOAL, "Designer furniture for the new office"),
            (
                contact(1),
                OFFER,
                "Heirloom seed swaps and gardening workshops",
            ),
            (contact(2), OFFER, "Tips on raising chickens"),
            (contact(3), OFFER, "UX designer"),
            (contact(4), OFFER, "Seed-stage angel investor"),
        ],
    );
    assert_eq!(found(&n), vec![(Kind::TheyCanHelp, 0, 5)]);
}

#[test]
fn generic_words_never_make_a_match() {
    let n = build(
        lexicon(),
        &[
            (ME, GOAL, "Find a better accountant"),
            (ME, OFFER, "Happy to help early founders"),
            (contact(1), GOAL, "Find new clients for my small bakery"),
            (
                contact(2),
                GOAL,
                "Looking for good help to run the early shift",
            ),
        ],
    );
    assert_eq!(found(&n), vec![]);
    assert_eq!(introduced(&n), vec![]);
}

#[test]
fn a_users_own_vocabulary_reads_their_network_only() {
    let items = [
        (ME, GOAL, "Build RetailTech for corner shops"),
        (contact(1), OFFER, "Ten years in grocery technology"),
    ];
    assert_eq!(found(&build(lexicon(), &items)), vec![]);
    let own = [UserConcept {
        id: "retail_tech".into(),
        label: "retail tech".into(),
        extends: None,
        phrases: vec!["RetailTech".into(), "grocery technology".into()],
        complements: Vec::new(),
    }];
    let theirs = Arc::new(Lexicon::compile(&vocabulary(), &own));
    let n = build(theirs, &items);
    assert_eq!(found(&n), vec![(Kind::TheyCanHelp, 0, 1)]);
    assert_eq!(n.network.intersections()[0].reasons[0].term, "retail tech");
    // Words added to a built-in concept, and a complement of one's own.
    let own = [
        UserConcept {
            id: String::new(),
            label: String::new(),
            extends: Some("fundraising".into()),
            phrases: vec!["friends and family money".into()],
            complements: Vec::new(),
        },
        UserConcept {
            id: "bakeries".into(),
            label: "bakeries".into(),
            extends: None,
            phrases: vec!["bakery".into()],
            complements: vec!["nursing".into()],
        },
    ];
    let n = build(
        Arc::new(Lexicon::compile(&vocabulary(), &own)),
        &[
            (ME, GOAL, "Friends and family money by June"),
            (contact(1), OFFER, "I invest in consumer apps"),
            (ME, GOAL, "Open a bakery"),
            (contact(2), GOAL, "Nursing school applications"),
        ],
    );
    assert_eq!(
        found(&n),
        vec![(Kind::TheyCanHelp, 0, 1), (Kind::ComplementaryGoal, 2, 3)]
    );
}

#[test]
fn the_same_items_in_any_order_give_the_same_ids_and_scores() {
    let items: Vec<(Holder, Facet, &str)> = vec![
        (ME, GOAL, "Raise a seed round"),
        (ME, GOAL, "Hire a designer"),
        (contact(1), OFFER, "Angel investor writing first checks"),
        (contact(2), GOAL, "Looking for my next designer role"),
        (contact(3), GOAL, "Recruit a UX designer"),
        (contact(4), GOAL, "Raising capital for a clinic"),
        (contact(5), OFFER, "I know Lisbon well"),
        (contact(6), GOAL, "Moving to Lisbon"),
    ];
    let n = build(lexicon(), &items);
    let (all, introductions) = (
        n.network.intersections(),
        n.network.introductions(10, &Skip::default()),
    );
    assert!(!all.is_empty() && !introductions.is_empty());
    let mut reversed: Vec<Item> = items
        .iter()
        .zip(&n.ids)
        .map(|(&(holder, facet, text), &id)| Item {
            id,
            holder,
            facet,
            text: text.to_owned(),
            tags: Vec::new(),
        })
        .collect();
    reversed.reverse();
    let again = Network::build_with(reversed, lexicon());
    assert_eq!(again.intersections(), all);
    assert_eq!(again.introductions(10, &Skip::default()), introductions);
}

/// The built-in vocabulary on what people write.
mod builtin {
    use super::*;

    fn builtin(items: &[(Holder, Facet, &str)]) -> Network2 {
        build(Lexicon::builtin(), items)
    }

    #[test]
    fn a_seed_round_is_not_a_seed_swap_and_raising_chickens_is_not_fundraising() {
        let n = builtin(&[
            (ME, GOAL, "Raise a $1.5M seed round"),
            (
                contact(1),
                OFFER,
                "Heirloom seed swaps and gardening workshops",
            ),
            (contact(2), OFFER, "I can teach you to raise chickens"),
            (
                contact(3),
                OFFER,
                "Angel investor, I write first checks into B2B SaaS",
            ),
        ]);
        assert_eq!(found(&n), vec![(Kind::TheyCanHelp, 0, 3)]);
    }

    #[test]
    fn hiring_meets_job_seeking_in_the_same_field_only() {
        let n = builtin(&[
            (ME, GOAL, "Hire a product designer"),
            (contact(1), GOAL, "Looking for my next UX design role"),
            (contact(2), GOAL, "Looking for a new nursing job"),
            (contact(3), GOAL, "We are hiring nurses for the night shift"),
        ]);
        let found = found(&n);
        assert!(
            found.contains(&(Kind::ComplementaryGoal, 0, 1)),
            "{found:?}"
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let introduced = introduced(&n);
        assert!(
            introduced
                .iter()
                .any(|&(_, a, b)| (a, b) == (2, 3) || (a, b) == (3, 2)),
            "{introduced:?}"
        );
    }

    #[test]
    fn speakers_meet_speaking_and_stores_meet_shops() {
        let n = builtin(&[
            (ME, GOAL, "Find speakers for our meetup"),
            (
                ME,
                GOAL,
                "Sell our forecasting software to independent stores",
            ),
            (contact(1), GOAL, "Get better at public speaking"),
            (contact(2), GOAL, "Evaluate inventory tools for my shops"),
        ]);
        let found = found(&n);
        assert!(
            found.contains(&(Kind::ComplementaryGoal, 0, 2)),
            "{found:?}"
        );
        assert!(
            found.contains(&(Kind::ComplementaryGoal, 1, 3)),
            "{found:?}"
        );
    }

    /// The concepts the built-in vocabulary reads in an item.
    fn read(text: &str, facet: Facet) -> Vec<String> {
        let lexicon = Lexicon::builtin();
        lexicon
            .concepts_in(text, &[], facet)
            .iter()
            .map(|m| lexicon.concept(m.concept).id.clone())
            .collect()
    }

    #[test]
    fn an_offer_gives_what_its_words_might_read_as_sought() {
        let words = "Mentoring 2-3 PMs who want to become product leaders";
        assert!(read(words, GOAL).contains(&"seeking_mentorship".to_owned()));
        let offered = read(words, OFFER);
        assert!(offered.contains(&"mentoring".to_owned()), "{offered:?}");
        assert!(!offered.contains(&"seeking_mentorship".to_owned()));
        let n = builtin(&[
            (ME, GOAL, "Looking for a mentor as a new product manager"),
            (contact(1), OFFER, words),
        ]);
        assert_eq!(found(&n), vec![(Kind::TheyCanHelp, 0, 1)]);
    }

    #[test]
    fn a_role_wanted_is_hiring_though_the_role_names_a_field_too() {
        let wanted = read("Part-time barista wanted", GOAL);
        assert!(wanted.contains(&"hiring".to_owned()), "{wanted:?}");
        assert!(wanted.contains(&"coffee".to_owned()), "{wanted:?}");
        assert!(!read("I love a good barista", GOAL).contains(&"hiring".to_owned()));
    }

    #[test]
    fn working_on_ones_speaking_meets_coaching_not_every_lineup() {
        let n = builtin(&[
            (ME, GOAL, "Sharpen my speaking before budget debates"),
            (
                contact(1),
                OFFER,
                "Coaching for first-time speakers, two free sessions",
            ),
            (
                contact(2),
                GOAL,
                "Looking for speakers for our health equity summit",
            ),
            (
                contact(3),
                GOAL,
                "Give a talk at a health conference this year",
            ),
        ]);
        let found = found(&n);
        assert!(found.contains(&(Kind::TheyCanHelp, 0, 1)), "{found:?}");
        assert!(
            !found.iter().any(|&(_, _, theirs)| theirs == 2),
            "{found:?}"
        );
        let introduced = introduced(&n);
        assert!(
            introduced
                .iter()
                .any(|&(_, a, b)| (a, b) == (2, 3) || (a, b) == (3, 2)),
            "{introduced:?}"
        );
    }

    #[test]
    fn interests_meet_across_genres_words_and_languages() {
        let interests = |n: u128, holder: Holder, tags: &[&str]| Item {
            id: Uuid::from_u128(n),
            holder,
            facet: Facet::Interests,
            text: String::new(),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
        };
        let network = Network::build_with(
            vec![
                interests(1, ME, &["sci-fi novels", "bouldering", "mystery novels"]),
                interests(2, contact(1), &["science fiction"]),
                interests(3, contact(2), &["Klettern"]),
                interests(4, contact(3), &["Scandi crime"]),
                interests(5, contact(4), &["jazz"]),
            ],
            Lexicon::builtin(),
        );
        let met: Vec<Holder> = network
            .intersections()
            .iter()
            .map(|found| Holder::Contact(found.contact_id))
            .collect();
        for someone in [contact(1), contact(2), contact(3)] {
            assert!(met.contains(&someone), "{someone:?} in {met:?}");
        }
        assert!(!met.contains(&contact(4)), "{met:?}");
    }

    #[test]
    fn generic_words_tie_nothing_together() {
        let n = builtin(&[
            (ME, GOAL, "Find a better point-of-sale system"),
            (contact(1), GOAL, "Find a new job in a small startup"),
            (contact(2), GOAL, "Run an early-morning running club"),
            (contact(3), GOAL, "Get help to grow my team"),
        ]);
        assert_eq!(found(&n), vec![]);
        assert_eq!(introduced(&n), vec![]);
    }
}

#[test]
fn the_threshold_is_the_same_in_code_spec_and_readme() {
    let threshold = format!("{MIN_SCORE}");
    let spec = include_str!("../openapi/intersections.md");
    let readme = include_str!("../../README.md");
    assert!(
        spec.contains(&format!("from a score of **{threshold}**")),
        "the spec's intersections tag names the threshold {threshold}"
    );
    assert!(
        readme.contains(&format!("counts from a score of {threshold}")),
        "the README names the threshold {threshold}"
    );
}

/// A vocabulary of work: two activities that complete each other, two
/// crafts (roles) and a sector, and a broad craft implied by narrower ones.
const WORK: &str = r#"
[[concept]]
id = "hiring"
label = "hiring"
kind = "activity"
gated = true
phrases = ["hiring", "hire"]
complements = ["job_seeking"]

[[concept]]
id = "job_seeking"
label = "job seeking"
kind = "activity"
gated = true
phrases = ["job search"]

[[concept]]
id = "selling"
label = "selling"
kind = "activity"
phrases = ["selling"]

[[concept]]
id = "cooking"
label = "cooking"
role = true
phrases = ["cook", "line cook"]

[[concept]]
id = "photography"
label = "photography"
role = true
phrases = ["photographer"]

[[concept]]
id = "restaurants"
label = "restaurants"
phrases = ["restaurant"]

[[concept]]
id = "design"
label = "design"
role = true
phrases = ["design"]

[[concept]]
id = "ux_design"
label = "UX design"
weight = 0.3
role = true
phrases = ["ux"]
broader = ["design"]

[[concept]]
id = "graphic_design"
label = "graphic design"
weight = 0.3
role = true
phrases = ["logo design"]
broader = ["design"]
"#;

fn work() -> Arc<Lexicon> {
    let vocabulary = Vocabulary::parse("version = 1", &[("work.toml", WORK)])
        .expect("the work vocabulary parses");
    Arc::new(Lexicon::compile(&vocabulary, &[]))
}

#[test]
fn work_sought_and_offered_must_agree_on_the_role_not_only_the_sector() {
    let n = build(
        work(),
        &[
            (contact(1), GOAL, "Hiring a line cook for our restaurant"),
            (contact(2), GOAL, "Job search: photographer for restaurants"),
            (contact(3), GOAL, "Job search: cook in a restaurant"),
        ],
    );
    // The photographer shares the sector with both, the role with neither.
    assert_eq!(introduced(&n), vec![(MatchKind::ComplementaryGoal, 0, 2)]);
}

#[test]
fn a_concept_implied_by_narrower_ones_names_the_words_each_side_used() {
    let n = build(
        work(),
        &[
            (ME, Facet::Interests, "ux"),
            (contact(1), Facet::Interests, "logo design"),
        ],
    );
    let all = n.network.intersections();
    assert_eq!(all.len(), 1, "the two meet as design");
    let reason = &all[0].reasons[0];
    assert_eq!(reason.term, "design");
    assert_eq!(reason.relation, Relation::Same);
    // Neither wrote "design": each side's words for the narrower concept
    // say it, never an empty phrase.
    assert_eq!(reason.phrases, vec!["ux", "logo design"]);
    assert!(
        all.iter()
            .flat_map(|found| &found.reasons)
            .all(|reason| reason.phrases.iter().all(|phrase| !phrase.is_empty()))
    );
}

#[test]
fn an_intent_read_in_passing_does_not_make_one_pursuit() {
    let score = |second: &str| {
        let n = build(
            work(),
            &[
                (contact(1), GOAL, "Job search: cook in a restaurant"),
                (contact(2), GOAL, second),
            ],
        );
        n.network.explain(n.ids[0], n.ids[1]).expect("both items").0
    };
    // Hiring said as much as selling: the job search completes it.
    let said = score("Selling our restaurant's cookbook, and hiring a cook");
    // Hiring only in the details of a goal about selling: the two are not
    // one pursuit, and keep the share of a mismatch.
    let in_passing = score("Selling our restaurant's cookbook\nWe may be hiring a cook too");
    assert!(
        in_passing < said * MISMATCH_SHARE * 1.5,
        "{in_passing} should be far below {said}"
    );
}

#[test]
fn a_topic_alone_counts_less_when_it_is_only_a_sector() {
    let score = |first: &str, second: &str| {
        let n = build(
            work(),
            &[(contact(1), GOAL, first), (contact(2), GOAL, second)],
        );
        n.network.explain(n.ids[0], n.ids[1]).expect("both items").0
    };
    // The same words on both sides (cosine 1), no activity on either: a
    // shared craft keeps the share of a pair that meets on topics alone, a
    // shared sector less.
    assert_eq!(score("Our cook", "The cook"), TOPIC_ONLY_SHARE);
    assert_eq!(score("Our restaurant", "The restaurant"), SECTOR_ONLY_SHARE);
}
