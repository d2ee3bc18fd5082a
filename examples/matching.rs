//! Why the engine returns or misses the pairs of a labelled set:
//! `cargo run --example matching -- tests/fixtures/matching/founder_network.json`
//! prints recall and precision, then every wrong pair with both items, the
//! concepts read in each, the score and what carried it. With `--sweep`
//! first, it prints recall and precision over all the sets at thresholds
//! from 0.05 to 0.5 instead (scoring every pair that may meet directly).

use std::collections::HashMap;

use rapport::intersections::labelled::{LabelledSet, evaluate};
use rapport::intersections::{Item, Lexicon, Network};
use uuid::Uuid;

fn main() {
    let lexicon = Lexicon::builtin();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--sweep") {
        return sweep(&args[1..]);
    }
    let mut totals = (0usize, 0usize, 0usize);
    for path in &args {
        let set = LabelledSet::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (items, keys) = set.items();
        let by_key: HashMap<&str, &Item> = items
            .iter()
            .map(|item| (keys[&item.id].as_str(), item))
            .collect();
        let network = Network::build(items.clone());
        let report = evaluate(&set, &network, &keys, 10);
        println!(
            "{}: recall {:.3}, precision {:.3}",
            report.name,
            report.recall(),
            report.precision()
        );
        totals.0 += report.positives;
        totals.1 += report.positives - report.false_negatives.len();
        totals.2 += report.returned();
        let show = |key: &str| {
            let item = by_key[key];
            let concepts: Vec<String> = lexicon
                .concepts_in(&item.text, &item.tags, item.facet)
                .iter()
                .map(|m| lexicon.concept(m.concept).id.clone())
                .collect();
            format!(
                "{:?} {:?} [{}]",
                item.facet,
                item.text.replace('\n', " | "),
                concepts.join(" ")
            )
        };
        let explain = |a: &str, b: &str| {
            let id = |k: &str| by_key[k].id;
            let (score, reasons) = network.explain(id(a), id(b)).unwrap_or((0.0, Vec::new()));
            let reasons: Vec<String> = reasons
                .iter()
                .map(|r| format!("{}:{:.2}", r.term, r.weight))
                .collect();
            format!("{score:.3} {}", reasons.join(", "))
        };
        let _ = Uuid::nil();
        // What kind of pair each returned one is, right or wrong.
        let activities: std::collections::HashSet<String> = lexicon
            .concepts()
            .iter()
            .filter(|c| c.kind == rapport::intersections::vocabulary::ConceptKind::Activity)
            .map(|c| c.id.clone())
            .collect();
        let mut table: std::collections::BTreeMap<(String, &str), usize> = Default::default();
        let right: Vec<(String, String)> = set
            .pairs
            .iter()
            .filter(|p| p.is_match)
            .map(|p| {
                if p.a <= p.b {
                    (p.a.clone(), p.b.clone())
                } else {
                    (p.b.clone(), p.a.clone())
                }
            })
            .collect();
        let mut returned: Vec<((String, String), bool)> = report
            .false_positives
            .iter()
            .map(|(k, _)| (k.clone(), false))
            .collect();
        returned.extend(
            right
                .iter()
                .filter(|k| !report.false_negatives.iter().any(|(f, _)| f == *k))
                .map(|k| (k.clone(), true)),
        );
        for ((a, b), ok) in &returned {
            let facets = format!(
                "{:?}-{:?}",
                by_key[a.as_str()].facet,
                by_key[b.as_str()].facet
            );
            let (_, reasons) = network
                .explain(by_key[a.as_str()].id, by_key[b.as_str()].id)
                .unwrap_or((0.0, Vec::new()));
            let class = if reasons
                .iter()
                .any(|r| r.relation == rapport::intersections::Relation::Complement)
            {
                "complement"
            } else if reasons
                .iter()
                .any(|r| r.concepts.iter().any(|c| activities.contains(c)))
            {
                "shared activity"
            } else {
                "topic only"
            };
            if *ok && std::env::var("SHOW_TP").is_ok() {
                println!(
                    "TP {a} / {b} [{class}]: {}\n   {}\n   {}",
                    explain(a, b),
                    show(a),
                    show(b)
                );
            }
            let who = if a.starts_with("me") || b.starts_with("me") {
                "me"
            } else {
                "intro"
            };
            *table
                .entry((
                    format!("{who} {facets} {class}"),
                    if *ok { "right" } else { "wrong" },
                ))
                .or_default() += 1;
        }
        for ((class, verdict), count) in &table {
            println!("  {class:40} {verdict}: {count}");
        }
        for ((a, b), _) in &report.false_positives {
            println!(
                "FP {a} / {b}: {}\n   {}\n   {}",
                explain(a, b),
                show(a),
                show(b)
            );
        }
        for ((a, b), note) in &report.false_negatives {
            println!(
                "FN {a} / {b} ({note}): {}\n   {}\n   {}",
                explain(a, b),
                show(a),
                show(b)
            );
        }
    }
    println!(
        "overall: recall {:.3} precision {:.3} ({} of {} positives, {} returned)",
        totals.1 as f64 / totals.0 as f64,
        totals.1 as f64 / totals.2 as f64,
        totals.1,
        totals.0,
        totals.2
    );
}

/// Recall and precision at several thresholds, from every pair that may meet
/// (the user's items with a contact's, and two contacts' goals and offers;
/// never two offers, interests only with interests).
fn sweep(paths: &[String]) {
    use rapport::intersections::{Facet, Holder};
    let mut scored: Vec<(f64, bool)> = Vec::new();
    let mut positives = 0usize;
    for path in paths {
        let set = LabelledSet::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (items, keys) = set.items();
        let network = Network::build(items.clone());
        let label = |a: &str, b: &str| {
            set.pairs
                .iter()
                .any(|p| p.is_match && ((p.a == a && p.b == b) || (p.a == b && p.b == a)))
        };
        positives += set.pairs.iter().filter(|p| p.is_match).count();
        for (i, x) in items.iter().enumerate() {
            for y in &items[i + 1..] {
                let pairable = match (x.holder, y.holder) {
                    (Holder::Me, Holder::Me) => false,
                    (Holder::Contact(a), Holder::Contact(b)) => {
                        a != b && x.facet != Facet::Interests && y.facet != Facet::Interests
                    }
                    _ => true,
                };
                let facets = match (x.facet, y.facet) {
                    (Facet::Offer, Facet::Offer) => false,
                    (Facet::Interests, Facet::Interests) => true,
                    (Facet::Interests, _) | (_, Facet::Interests) => false,
                    _ => true,
                };
                if pairable && facets {
                    let (score, _) = network.explain(x.id, y.id).unwrap_or((0.0, Vec::new()));
                    scored.push((score, label(&keys[&x.id], &keys[&y.id])));
                }
            }
        }
    }
    for step in 1..=10 {
        let threshold = 0.05 * f64::from(step);
        let returned: Vec<&(f64, bool)> = scored.iter().filter(|(s, _)| *s >= threshold).collect();
        let right = returned.iter().filter(|(_, m)| *m).count();
        println!(
            "threshold {threshold:.2}: recall {:.3} precision {:.3} ({right}/{} returned, {positives} positives)",
            right as f64 / positives as f64,
            right as f64 / returned.len().max(1) as f64,
            returned.len()
        );
    }
}
