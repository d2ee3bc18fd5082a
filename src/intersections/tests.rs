use std::time::Instant;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn item(id: Uuid, holder: Holder, facet: Facet, text: &str, tags: &[&str]) -> Item {
    Item {
        id,
        holder,
        facet,
        text: text.to_owned(),
        tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
    }
}

/// The seeds' example network.
///
/// * Me: a podcast goal, a project-management offer, photography and cycling.
/// * P, a podcast producer: offers production and audio editing; wants
///   clients for the studio (worded so it does not also look like my podcast
///   goal: "grow my podcast studio" would add a second, weaker shared goal).
/// * L: wants to learn project management ("lead" rather than "run" a team,
///   since "run" would tie L to U's marathon).
/// * F: interested in photography only.
/// * M, a sales coach: meets P's goal of winning clients, nobody else.
/// * U: unrelated goal and offer.
struct Seeds {
    my_podcast_goal: Uuid,
    my_pm_offer: Uuid,
    my_interests: Uuid,
    p: Uuid,
    p_offer: Uuid,
    p_goal: Uuid,
    l: Uuid,
    l_goal: Uuid,
    f: Uuid,
    f_interests: Uuid,
    m: Uuid,
    m_offer: Uuid,
    u: Uuid,
    items: Vec<Item>,
}

fn seeds() -> Seeds {
    let (p, l, f, m, u) = (id(0x100), id(0x200), id(0x300), id(0x500), id(0x400));
    let s = Seeds {
        my_podcast_goal: id(1),
        my_pm_offer: id(2),
        my_interests: id(3),
        p,
        p_offer: id(0x101),
        p_goal: id(0x102),
        l,
        l_goal: id(0x201),
        f,
        f_interests: id(0x301),
        m,
        m_offer: id(0x501),
        u,
        items: Vec::new(),
    };
    let (contact_p, contact_l, contact_f, contact_m, contact_u) = (
        Holder::Contact(p),
        Holder::Contact(l),
        Holder::Contact(f),
        Holder::Contact(m),
        Holder::Contact(u),
    );
    let items = vec![
        item(
            s.my_podcast_goal,
            Holder::Me,
            Facet::Goal,
            "Launch a podcast about small-business marketing",
            &["podcasting", "marketing"],
        ),
        item(
            s.my_pm_offer,
            Holder::Me,
            Facet::Offer,
            "I can teach project management",
            &["project management"],
        ),
        item(
            s.my_interests,
            Holder::Me,
            Facet::Interests,
            "",
            &["photography", "cycling"],
        ),
        item(
            s.p_offer,
            contact_p,
            Facet::Offer,
            "I produce podcasts and edit audio for small shows",
            &["podcast", "audio"],
        ),
        item(
            s.p_goal,
            contact_p,
            Facet::Goal,
            "Find more clients for my production studio",
            &["clients"],
        ),
        item(
            s.l_goal,
            contact_l,
            Facet::Goal,
            "Learn project management to lead my team",
            &["project management"],
        ),
        item(
            s.f_interests,
            contact_f,
            Facet::Interests,
            "",
            &["photography"],
        ),
        item(
            s.m_offer,
            contact_m,
            Facet::Offer,
            "Coaching on winning clients for studios and agencies",
            &["sales"],
        ),
        item(
            id(0x401),
            contact_u,
            Facet::Goal,
            "Run a marathon",
            &["running"],
        ),
        item(
            id(0x402),
            contact_u,
            Facet::Offer,
            "Bake sourdough bread",
            &["baking"],
        ),
    ];
    Seeds { items, ..s }
}

fn has_reason(reasons: &[Reason], term: &str, via: Via) -> bool {
    reasons
        .iter()
        .any(|reason| reason.term == term && reason.via == via)
}

/// A deterministic generator (SplitMix64), so that the synthetic networks
/// are the same on every run.
pub(super) struct Random(u64);

impl Random {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn uuid(&mut self) -> Uuid {
        Uuid::from_u128((u128::from(self.next()) << 64) | u128::from(self.next()))
    }

    fn shuffle<T>(&mut self, values: &mut [T]) {
        for index in (1..values.len()).rev() {
            values.swap(index, self.below(index + 1));
        }
    }
}

/// Picks indices with a Zipf distribution: rank `r` is drawn in proportion
/// to `1 / r^skew`. Skew 1 is word use in real text (a few terms everywhere,
/// most rare); skew 0 is uniform.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, skew: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(skew);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn pick(&self, random: &mut Random) -> usize {
        let total = self.cumulative[self.cumulative.len() - 1];
        let target = (random.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative
            .partition_point(|&value| value < target)
            .min(self.cumulative.len() - 1)
    }
}

/// Made-up words from syllables: real words would make the test depend on
/// a word list, and these still go through the folding and stemming path.
fn made_up_words(count: usize, syllables: &[&str], parts: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::with_capacity(count);
    let mut number = 0usize;
    while words.len() < count {
        let mut rest = number * 7919 + 13;
        let word: String = (0..parts)
            .map(|_| {
                let syllable = syllables[rest % syllables.len()];
                rest /= syllables.len();
                syllable
            })
            .collect();
        if !words.contains(&word) && !text::is_stop_word(&word) {
            words.push(word);
        }
        number += 1;
    }
    words
}

/// A network of `contacts` contacts holding `goals_and_offers` goals and
/// offers (each 6-10 words from a 2,000-word vocabulary and 1-3 tags out of
/// 500, drawn with [`Zipf`] `skew`, and in every second one a phrase of the
/// built-in vocabulary, so that concepts, complements and gated concepts
/// take part), every second contact with an interests item, plus 20 items of
/// the user.
pub(super) fn synthetic(
    contacts: usize,
    goals_and_offers: usize,
    seed: u64,
    skew: f64,
) -> Vec<Item> {
    const WORD_SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "fe", "go", "ha", "ju", "pe", "ri",
        "so", "tu", "we", "ba", "ce", "di", "fo", "la", "mo",
    ];
    const TAG_SYLLABLES: &[&str] = &[
        "bra", "cle", "dro", "fli", "gra", "ple", "sto", "tri", "zan", "qui", "vex", "wol",
    ];
    let mut random = Random(seed);
    let vocabulary = made_up_words(2_000, WORD_SYLLABLES, 3);
    let tag_names = made_up_words(500, TAG_SYLLABLES, 3);
    let phrases: Vec<&str> = vocabulary::Vocabulary::builtin()
        .concepts
        .iter()
        .flat_map(|concept| concept.phrases.iter().take(3).map(String::as_str))
        .collect();
    let phrase_distribution = Zipf::new(phrases.len(), skew / 2.0);
    let word_distribution = Zipf::new(vocabulary.len(), skew);
    let tag_distribution = Zipf::new(tag_names.len(), skew);
    let contact_ids: Vec<Uuid> = (0..contacts).map(|_| random.uuid()).collect();

    let make = |random: &mut Random, holder: Holder, facet: Facet| {
        let words = if facet == Facet::Interests {
            0
        } else {
            6 + random.below(5)
        };
        let mut text: Vec<&str> = (0..words)
            .map(|_| vocabulary[word_distribution.pick(random)].as_str())
            .collect();
        if words > 0 && random.below(2) == 0 {
            let at = random.below(text.len());
            text.insert(at, phrases[phrase_distribution.pick(random)]);
        }
        let tags = (0..1 + random.below(3))
            .map(|_| tag_names[tag_distribution.pick(random)].clone())
            .collect();
        Item {
            id: random.uuid(),
            holder,
            facet,
            text: text.join(" "),
            tags,
        }
    };

    let mut items = Vec::new();
    for index in 0..goals_and_offers {
        // Every contact holds at least one item; the rest are spread at random.
        let contact = if index < contacts {
            index
        } else {
            random.below(contacts)
        };
        let facet = if random.below(2) == 0 {
            Facet::Goal
        } else {
            Facet::Offer
        };
        items.push(make(
            &mut random,
            Holder::Contact(contact_ids[contact]),
            facet,
        ));
    }
    for &contact in contact_ids.iter().step_by(2) {
        items.push(make(
            &mut random,
            Holder::Contact(contact),
            Facet::Interests,
        ));
    }
    for index in 0..20 {
        let facet = match index % 10 {
            0 => Facet::Interests,
            1..=5 => Facet::Goal,
            _ => Facet::Offer,
        };
        items.push(make(&mut random, Holder::Me, facet));
    }
    items
}

#[test]
fn seeds_give_exactly_the_expected_intersections() {
    let s = seeds();
    let network = Network::build(s.items.clone());
    let found = network.intersections();
    for f in &found {
        println!("{f:?}");
    }

    // Expected, and nothing else:
    // 1. they can help: P's podcast production offer meets my podcast goal;
    // 2. I can help: my project-management offer meets L's goal;
    // 3. shared interest: F and I both like photography.
    let mut got: Vec<(Kind, Uuid, Option<Uuid>, Option<Uuid>)> = found
        .iter()
        .map(|f| (f.kind, f.contact_id, f.mine, f.theirs))
        .collect();
    got.sort();
    let mut expected = vec![
        (
            Kind::TheyCanHelp,
            s.p,
            Some(s.my_podcast_goal),
            Some(s.p_offer),
        ),
        (Kind::ICanHelp, s.l, Some(s.my_pm_offer), Some(s.l_goal)),
        (Kind::SharedInterest, s.f, None, None),
    ];
    expected.sort();
    assert_eq!(got, expected);

    let by_kind = |kind: Kind| found.iter().find(|f| f.kind == kind).unwrap();
    let they_can_help = by_kind(Kind::TheyCanHelp);
    // "podcast", "podcasts" and the tags "podcasting" and "podcast" are one
    // concept, credited as such.
    assert!(has_reason(
        &they_can_help.reasons,
        "podcasting",
        Via::Concept
    ));
    assert_eq!(
        they_can_help.id,
        intersection_id(Kind::TheyCanHelp, s.my_podcast_goal, s.p_offer)
    );
    let i_can_help = by_kind(Kind::ICanHelp);
    assert!(has_reason(
        &i_can_help.reasons,
        "project management",
        Via::Concept
    ));
    assert_eq!(
        i_can_help.id,
        intersection_id(Kind::ICanHelp, s.my_pm_offer, s.l_goal)
    );
    let shared_interest = by_kind(Kind::SharedInterest);
    assert!(has_reason(
        &shared_interest.reasons,
        "photography",
        Via::Concept
    ));
    assert_eq!(
        shared_interest.id,
        intersection_id(Kind::SharedInterest, s.my_interests, s.f_interests)
    );

    for f in &found {
        assert!(f.score >= MIN_SCORE && f.score <= 1.0);
        assert!(!f.reasons.is_empty() && f.reasons.len() <= MAX_REASONS);
        assert!(
            f.reasons
                .windows(2)
                .all(|pair| pair[0].weight >= pair[1].weight)
        );
    }
    assert!(found.windows(2).all(|pair| pair[0].score >= pair[1].score));
    assert!(network.intersections_with(s.u).is_empty());
    assert!(network.intersections_with(s.m).is_empty());
    assert!(network.intersections_with(Uuid::nil()).is_empty());
}

#[test]
fn intersections_with_one_contact_are_that_contacts_part_of_all() {
    let s = seeds();
    let network = Network::build(s.items);
    let all = network.intersections();
    for contact in [s.p, s.l, s.f, s.m, s.u] {
        let expected: Vec<Found> = all
            .iter()
            .filter(|f| f.contact_id == contact)
            .cloned()
            .collect();
        assert_eq!(network.intersections_with(contact), expected);
    }
}

#[test]
fn seeds_give_exactly_one_introduction() {
    let s = seeds();
    let network = Network::build(s.items);
    let introductions = network.introductions(10, &Skip::default());
    println!("{introductions:?}");
    // Only M's coaching on winning clients for studios meets a contact's goal
    // (P's: more clients for the studio).
    assert_eq!(introductions.len(), 1);
    let introduction = &introductions[0];
    let expected_pair = if s.m < s.p { (s.m, s.p) } else { (s.p, s.m) };
    assert_eq!(introduction.contacts, expected_pair);
    assert_eq!(introduction.id, introduction_id(s.p, s.m));
    assert_eq!(introduction.id, introduction_id(s.m, s.p));
    assert_eq!(introduction.matches.len(), 1);
    let matched = introduction.matches[0];
    assert_eq!(matched.kind, MatchKind::OfferMeetsGoal);
    assert_eq!((matched.from, matched.to), (s.m_offer, s.p_goal));
    assert_eq!(matched.score, introduction.score);
    assert!(!introduction.reasons.is_empty());
    assert!(
        introductions
            .iter()
            .all(|i| i.contacts.0 != s.u && i.contacts.1 != s.u)
    );
    assert!(network.introductions(0, &Skip::default()).is_empty());
}

#[test]
fn people_for_ranks_contacts_that_meet_a_goal() {
    let s = seeds();
    let network = Network::build(s.items.clone());

    let my_goal = s
        .items
        .iter()
        .find(|item| item.id == s.my_podcast_goal)
        .unwrap();
    let people = network.people_for(my_goal, None, &Skip::default());
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].contact_id, s.p);
    assert_eq!(people[0].matches[0].kind, MatchKind::OfferMeetsGoal);
    assert_eq!(
        (people[0].matches[0].from, people[0].matches[0].to),
        (s.p_offer, s.my_podcast_goal)
    );
    let found = network.intersections_with(s.p);
    assert_eq!(people[0].score, found[0].score);
    assert_eq!(people[0].reasons, found[0].reasons);

    // A goal that is not in the network; "sourdough" is unknown to P's offer
    // and "xylophone" to the whole network.
    let outside = item(
        id(9),
        Holder::Me,
        Facet::Goal,
        "Edit the audio of my xylophone podcast",
        &[],
    );
    let people = network.people_for(&outside, None, &Skip::default());
    assert_eq!(people[0].contact_id, s.p);
    assert!(
        network
            .people_for(&outside, Some(s.p), &Skip::default())
            .is_empty()
    );

    // A contact's goal: the holder is excluded, M's coaching is found.
    let p_goal = s.items.iter().find(|item| item.id == s.p_goal).unwrap();
    let people = network.people_for(p_goal, Some(s.p), &Skip::default());
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].contact_id, s.m);
    assert_eq!(people[0].matches[0].from, s.m_offer);

    // An offer is met by goals: my project-management offer and L.
    let my_offer = s
        .items
        .iter()
        .find(|item| item.id == s.my_pm_offer)
        .unwrap();
    let people = network.people_for(my_offer, None, &Skip::default());
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].contact_id, s.l);
    assert_eq!(people[0].matches[0].from, s.l_goal);
}

#[test]
fn a_word_that_every_item_has_makes_no_intersection() {
    let (a, b) = (id(0x10), id(0x20));
    let items = vec![
        item(id(1), Holder::Me, Facet::Goal, "Business growth", &[]),
        item(id(2), Holder::Me, Facet::Offer, "Business taxes", &[]),
        item(
            id(3),
            Holder::Contact(a),
            Facet::Goal,
            "Business hiring",
            &[],
        ),
        item(id(4), Holder::Contact(a), Facet::Offer, "Business law", &[]),
        item(
            id(5),
            Holder::Contact(b),
            Facet::Goal,
            "Businesses abroad",
            &[],
        ),
        item(
            id(6),
            Holder::Contact(b),
            Facet::Offer,
            "Business design",
            &[],
        ),
    ];
    let network = Network::build(items);
    assert!(network.intersections().is_empty());
    assert!(network.introductions(10, &Skip::default()).is_empty());
}

#[test]
fn word_forms_accents_and_tag_words_meet() {
    let contact = id(0x10);
    let items = vec![
        item(
            id(1),
            Holder::Me,
            Facet::Goal,
            "Start tessellating tiles with Müller",
            &[],
        ),
        item(
            id(2),
            Holder::Me,
            Facet::Offer,
            "Marketing for kayak clubs",
            &[],
        ),
        item(
            id(3),
            Holder::Contact(contact),
            Facet::Offer,
            "Tessellation workshops by MULLER",
            &[],
        ),
        item(
            id(4),
            Holder::Contact(contact),
            Facet::Goal,
            "Find a market",
            &[],
        ),
        item(
            id(5),
            Holder::Contact(id(0x20)),
            Facet::Goal,
            "",
            &["Podcasting"],
        ),
        item(id(6), Holder::Me, Facet::Goal, "Start a podcast", &[]),
    ];
    // Unrelated items, so that the shared words are not common ones.
    let fillers = [
        "Gardens", "Kayaks", "Chess", "Violins", "Pottery", "Sailing",
    ];
    let items: Vec<Item> = items
        .into_iter()
        .chain(fillers.iter().enumerate().map(|(index, text)| {
            item(
                id(0x100 + index as u128),
                Holder::Contact(id(0x30)),
                Facet::Offer,
                text,
                &[],
            )
        }))
        .collect();
    let network = Network::build(items);
    let found = network.intersections();
    // Words no concept knows still meet across word forms, case and accents.
    let they_can_help = found
        .iter()
        .find(|f| f.kind == Kind::TheyCanHelp && f.theirs == Some(id(3)))
        .expect("tessellating meets tessellation");
    assert!(has_reason(&they_can_help.reasons, "muller", Via::Word));
    assert!(has_reason(
        &they_can_help.reasons,
        "tessellating",
        Via::Word
    ));
    // A market is not marketing: words are compared whole, plurals aside.
    assert!(found.iter().all(|f| f.theirs != Some(id(4))), "{found:?}");
    // The tag "Podcasting" and the words "a podcast" are one concept.
    let shared_goal = found
        .iter()
        .find(|f| f.kind == Kind::SharedGoal && f.theirs == Some(id(5)))
        .expect("the tag podcasting meets the word podcast");
    assert!(has_reason(&shared_goal.reasons, "podcasting", Via::Concept));
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.as_str()), Some(kind));
    }
    for kind in [MatchKind::OfferMeetsGoal, MatchKind::SharedGoal] {
        assert_eq!(MatchKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(Kind::parse("nope"), None);
}

#[test]
fn ids_are_stable_version_8_uuids() {
    let (a, b) = (id(1), id(2));
    let first = intersection_id(Kind::SharedGoal, a, b);
    assert_eq!(first, intersection_id(Kind::SharedGoal, a, b));
    assert_eq!(first.get_version_num(), 8);
    assert_ne!(first, intersection_id(Kind::SharedGoal, b, a));
    assert_ne!(first, intersection_id(Kind::ICanHelp, a, b));
    assert_eq!(introduction_id(a, b), introduction_id(b, a));
    assert_ne!(introduction_id(a, b), first);

    let from_key = |key: String| {
        let digest = Sha256::digest(key.as_bytes());
        uuid::Builder::from_custom_bytes(digest[..16].try_into().unwrap()).into_uuid()
    };
    assert_eq!(
        first,
        from_key(format!("rapport/intersection/shared_goal/{a}/{b}"))
    );
    assert_eq!(
        introduction_id(b, a),
        from_key(format!("rapport/introduction/{a}/{b}"))
    );
}

#[test]
fn shuffled_inputs_give_identical_results() {
    let mut items = seeds().items;
    items.extend(synthetic(300, 1_500, 7, 1.0));
    let network = Network::build(items.clone());
    let found = network.intersections();
    let introductions = network.introductions(3, &Skip::default());
    let asked = items[0].clone();
    let people = network.people_for(&asked, None, &Skip::default());
    assert!(!found.is_empty() && !introductions.is_empty() && !people.is_empty());

    let mut random = Random(42);
    for _ in 0..3 {
        random.shuffle(&mut items);
        let shuffled = Network::build(items.clone());
        assert_eq!(shuffled.intersections(), found);
        assert_eq!(shuffled.introductions(3, &Skip::default()), introductions);
        assert_eq!(shuffled.people_for(&asked, None, &Skip::default()), people);
    }
    for f in &found {
        let (mine, theirs) = match (f.mine, f.theirs) {
            (Some(mine), Some(theirs)) => (mine, theirs),
            _ => continue,
        };
        assert_eq!(f.id, intersection_id(f.kind, mine, theirs));
    }
}

#[test]
fn people_for_does_not_depend_on_input_order() {
    let mut items = synthetic(200, 1_000, 11, 1.0);
    let network = Network::build(items.clone());
    let goals: Vec<Item> = items
        .iter()
        .filter(|item| item.facet != Facet::Interests)
        .take(20)
        .cloned()
        .collect();
    let before: Vec<Vec<Person>> = goals
        .iter()
        .map(|goal| network.people_for(goal, None, &Skip::default()))
        .collect();
    Random(5).shuffle(&mut items);
    let shuffled = Network::build(items);
    for (goal, expected) in goals.iter().zip(before) {
        assert_eq!(shuffled.people_for(goal, None, &Skip::default()), expected);
    }
}

#[test]
fn duplicate_ids_are_kept_once_whatever_the_order() {
    let contact = id(0x10);
    let first = item(
        id(3),
        Holder::Contact(contact),
        Facet::Offer,
        "Podcast editing",
        &[],
    );
    let second = item(
        id(3),
        Holder::Contact(contact),
        Facet::Offer,
        "Bread baking",
        &[],
    );
    let mine = item(id(1), Holder::Me, Facet::Goal, "Podcast launch", &[]);
    let other = item(
        id(2),
        Holder::Contact(id(0x20)),
        Facet::Goal,
        "Gardens",
        &[],
    );
    let a = Network::build(vec![
        mine.clone(),
        first.clone(),
        second.clone(),
        other.clone(),
    ]);
    let b = Network::build(vec![second, other, first, mine]);
    assert_eq!(a.len(), 3);
    assert_eq!(a.intersections(), b.intersections());
    assert!(!a.is_empty());
}

#[test]
fn an_empty_network_finds_nothing() {
    let network = Network::build(Vec::new());
    assert!(network.is_empty());
    assert!(network.intersections().is_empty());
    assert!(network.introductions(5, &Skip::default()).is_empty());
    let goal = item(id(1), Holder::Me, Facet::Goal, "Anything", &[]);
    assert!(network.people_for(&goal, None, &Skip::default()).is_empty());
}

/// Builds the benchmark network and prints how long each search takes.
fn benchmark(skew: f64) {
    run_benchmark(
        &format!("skew {skew}"),
        synthetic(10_000, 50_000, 2024, skew),
    );
}

/// A network written as people write: in each goal or offer, a phrase of an
/// activity (six in ten) and of one or two topics of the built-in
/// vocabulary, drawn with a skew, among 3 to 7 made-up words (names, places,
/// jargon), and a tag on one in four; the benchmark service seeds the same
/// (`seed::GoalText::People`).
pub(super) fn people_write(contacts: usize, goals_and_offers: usize, seed: u64) -> Vec<Item> {
    let (mut activities, mut topics) = (Vec::new(), Vec::new());
    for concept in &vocabulary::Vocabulary::builtin().concepts {
        if let Some(phrase) = concept.phrases.first() {
            match concept.kind.unwrap_or_default() {
                vocabulary::ConceptKind::Activity => activities.push(phrase.as_str()),
                vocabulary::ConceptKind::Topic => topics.push(phrase.as_str()),
                vocabulary::ConceptKind::Place => {}
            }
        }
    }
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "fe", "go", "ha", "ju", "pe", "ri",
        "so", "tu", "we", "ba", "ce", "di", "fo", "la", "mo",
    ];
    let words = made_up_words(2_000, SYLLABLES, 3);
    let mut random = Random(seed);
    let (word_pick, activity_pick, topic_pick) = (
        Zipf::new(words.len(), 1.0),
        Zipf::new(activities.len(), 1.0),
        Zipf::new(topics.len(), 1.0),
    );
    let contact_ids: Vec<Uuid> = (0..contacts).map(|_| random.uuid()).collect();
    let mut items = Vec::new();
    for index in 0..goals_and_offers + 20 {
        let holder = if index < 20 {
            Holder::Me
        } else if index - 20 < contacts {
            Holder::Contact(contact_ids[index - 20])
        } else {
            Holder::Contact(contact_ids[random.below(contacts)])
        };
        let mut parts: Vec<&str> = (0..3 + random.below(5))
            .map(|_| words[word_pick.pick(&mut random)].as_str())
            .collect();
        if random.below(10) < 6 {
            parts.push(activities[activity_pick.pick(&mut random)]);
        }
        for _ in 0..1 + random.below(2) {
            parts.push(topics[topic_pick.pick(&mut random)]);
        }
        random.shuffle(&mut parts);
        let tags = if random.below(4) == 0 {
            vec![words[word_pick.pick(&mut random)].clone()]
        } else {
            Vec::new()
        };
        let facet = if random.below(2) == 0 {
            Facet::Goal
        } else {
            Facet::Offer
        };
        items.push(Item {
            id: random.uuid(),
            holder,
            facet,
            text: parts.join(" "),
            tags,
        });
    }
    items
}

fn run_benchmark(name: &str, items: Vec<Item>) {
    let item_count = items.len();
    let sample = network_text_sample(&items);

    let started = Instant::now();
    let network = Network::build(items);
    let build = started.elapsed();

    let started = Instant::now();
    let found = network.intersections();
    let all = started.elapsed();

    let contact = found.first().map(|f| f.contact_id).unwrap_or_default();
    let started = Instant::now();
    let with_one = network.intersections_with(contact);
    let one = started.elapsed();

    let started = Instant::now();
    let introductions = network.introductions(10, &Skip::default());
    let introduce = started.elapsed();

    let goal = Item {
        id: Uuid::nil(),
        holder: Holder::Me,
        facet: Facet::Goal,
        text: sample,
        tags: Vec::new(),
    };
    let started = Instant::now();
    let people = network.people_for(&goal, None, &Skip::default());
    let rank = started.elapsed();

    println!("{name}: {item_count} items");
    println!("  build: {build:?}");
    println!("  intersections(): {all:?} ({} found)", found.len());
    println!(
        "  intersections_with(one contact): {one:?} ({} found)",
        with_one.len()
    );
    println!(
        "  introductions(10): {introduce:?} ({} introductions)",
        introductions.len()
    );
    println!("  people_for(goal): {rank:?} ({} people)", people.len());
    assert!(!found.is_empty() && !with_one.is_empty() && !introductions.is_empty());
}

/// The text of one synthetic goal, to rank people for.
fn network_text_sample(items: &[Item]) -> String {
    items
        .iter()
        .find(|item| item.facet == Facet::Goal && item.holder == Holder::Me)
        .map(|item| item.text.clone())
        .unwrap_or_default()
}

/// 10,000 contacts, words and tags drawn uniformly.
/// `cargo test --release -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run in release"]
fn benchmark_ten_thousand_contacts() {
    benchmark(0.0);
}

/// The same with words and tags drawn as in real text (Zipf, skew 1): the
/// most common tag is on one item in seven, which makes every search read
/// long posting lists.
#[test]
#[ignore = "benchmark: run in release"]
fn benchmark_ten_thousand_contacts_skewed() {
    benchmark(1.0);
}

/// 10,000 contacts whose goals and offers are written as people write.
#[test]
#[ignore = "benchmark: run in release"]
fn benchmark_ten_thousand_contacts_as_people_write() {
    run_benchmark("as people write", people_write(10_000, 50_000, 2024));
}

#[test]
fn network_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Network>();
}
