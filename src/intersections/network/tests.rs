//! The searches against comparing every pair directly, on synthetic
//! networks that hold concepts, complements and gated concepts as well as
//! words and tags.

use std::collections::HashMap;

use super::super::tests::synthetic;
use super::super::text::{self, Analyzer};
use super::analysis::tag_key;
use super::queries::{MY_RELATIONS, sort_found};
use super::*;
use crate::intersections::{Found, Introduction, Skip};

#[test]
fn tags_are_the_same_once_their_words_are_stemmed() {
    let analyzer = Analyzer::new();
    let key = |tag: &str| tag_key(&analyzer, &text::tag(tag));
    assert_eq!(key("Podcasting"), key("podcast"));
    assert_eq!(key("Project-Management"), key("project management"));
    assert_ne!(key("topic-1"), key("topic-2"));
    assert_ne!(key("marketing"), key("photography"));
}

#[test]
fn a_pair_scores_the_same_in_either_order() {
    let network = Network::build(synthetic(200, 1_000, 11, 1.0));
    for a in 0..network.len() as u32 {
        for b in (a % 17..network.len() as u32).step_by(37) {
            let (x, y) = (network.vector(a), network.vector(b));
            assert_eq!(
                network.score(x, y, Pairing::Goals).score,
                network.score(y, x, Pairing::Goals).score
            );
        }
    }
}

fn unindexed_bounds(network: &Network) -> impl Iterator<Item = f64> + '_ {
    network
        .partitions
        .iter()
        .flat_map(|partition| partition.unindexed_bound.iter().copied())
}

/// What the searches must find, by comparing every pair directly.
fn every_pair_intersections(network: &Network) -> Vec<Found> {
    let mut found = Vec::new();
    for &mine in &network.my_items {
        for theirs in 0..network.len() as u32 {
            if network.item_contact[theirs as usize] == NO_CONTACT {
                continue;
            }
            for &(my_facet, their_facet, kind) in &MY_RELATIONS {
                if network.facets[mine as usize] == my_facet
                    && network.facets[theirs as usize] == their_facet
                {
                    found.extend(network.found(kind, mine, theirs));
                }
            }
        }
    }
    sort_found(&mut found);
    found
}

fn every_pair_introductions(
    network: &Network,
    per_contact: usize,
    skip: &Skip,
) -> Vec<Introduction> {
    let count = network.contacts.len() as u32;
    let skipped = |contact: u32| skip.contacts.contains(&network.contacts[contact as usize]);
    let mut all: HashMap<(u32, u32), Introduction> = HashMap::new();
    for low in 0..count {
        for high in low + 1..count {
            let ids = (
                network.contacts[low as usize],
                network.contacts[high as usize],
            );
            if skipped(low) || skipped(high) || skip.pairs.contains(&ids) {
                continue;
            }
            if let Some(introduction) = network.introduction(low, high) {
                all.insert((low, high), introduction);
            }
        }
    }
    let mut kept: Vec<(u32, u32)> = Vec::new();
    for contact in 0..count {
        let mut partners: Vec<(f64, u32)> = all
            .iter()
            .filter_map(|(&(low, high), introduction)| {
                let partner = match contact {
                    _ if contact == low => high,
                    _ if contact == high => low,
                    _ => return None,
                };
                Some((introduction.score, partner))
            })
            .collect();
        partners.sort_by(|&a, &b| by_score_then(a, b));
        for &(_, partner) in partners.iter().take(per_contact) {
            kept.push((contact.min(partner), contact.max(partner)));
        }
    }
    kept.sort_unstable();
    kept.dedup();
    let mut introductions: Vec<Introduction> = kept.iter().map(|pair| all[pair].clone()).collect();
    introductions.sort_by(|a, b| by_score_then((a.score, a.id), (b.score, b.id)));
    introductions
}

#[test]
fn pruned_index_finds_what_comparing_every_pair_finds() {
    for (seed, skew) in [(3, 1.0), (4, 0.0), (5, 0.5)] {
        let network = Network::build(synthetic(300, 1_500, seed, skew));
        if skew >= 1.0 {
            assert!(unindexed_bounds(&network).any(|bound| bound > 0.0));
        }

        let found = network.intersections();
        assert!(!found.is_empty());
        assert_eq!(found, every_pair_intersections(&network));

        for per_contact in [1, 2, 1_000] {
            let none = Skip::default();
            let introductions = network.introductions(per_contact, &none);
            assert!(!introductions.is_empty());
            assert_eq!(
                introductions,
                every_pair_introductions(&network, per_contact, &none)
            );
            // Leaving out contacts and pairs changes who else makes the top
            // lists, never what is found.
            let skip = Skip {
                contacts: network.contacts.iter().step_by(7).copied().collect(),
                pairs: introductions
                    .iter()
                    .step_by(3)
                    .map(|introduction| introduction.contacts)
                    .collect(),
                items: Default::default(),
            };
            assert_eq!(
                network.introductions(per_contact, &skip),
                every_pair_introductions(&network, per_contact, &skip)
            );
        }
    }
}

#[test]
fn intersections_with_each_contact_add_up_to_all() {
    let network = Network::build(synthetic(200, 1_000, 9, 1.0));
    let mut joined: Vec<Found> = network
        .contacts
        .iter()
        .flat_map(|&contact| network.intersections_with(contact))
        .collect();
    sort_found(&mut joined);
    assert_eq!(joined, network.intersections());
}

#[test]
fn unindexed_terms_stay_below_the_threshold() {
    let network = Network::build(synthetic(100, 500, 1, 1.0));
    assert!(unindexed_bounds(&network).all(|bound| (0.0..PRUNE_LIMIT).contains(&bound)));
}

#[test]
fn pruned_index_finds_what_comparing_every_pair_finds_as_people_write() {
    // Activities, roles and sectors in most items: the rules that lower
    // scores (gates, roles, intents, topics alone) are at work in most pairs.
    let network = Network::build(super::super::tests::people_write(300, 1_500, 17));
    assert_eq!(network.intersections(), every_pair_intersections(&network));
    for per_contact in [1, 3, 1_000] {
        let none = Skip::default();
        let introductions = network.introductions(per_contact, &none);
        assert!(!introductions.is_empty());
        assert_eq!(
            introductions,
            every_pair_introductions(&network, per_contact, &none)
        );
    }
}
