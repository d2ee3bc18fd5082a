//! Why the engine returns or misses the pairs of a labelled set:
//! `cargo run --example matching -- tests/fixtures/matching/founder_network.json`
//! prints recall and precision, then every wrong pair with both items, the
//! concepts read in each, the score and what carried it.

use std::collections::HashMap;

use rapport::intersections::labelled::{LabelledSet, evaluate};
use rapport::intersections::{Item, Lexicon, Network};
use uuid::Uuid;

fn main() {
    let lexicon = Lexicon::builtin();
    for path in std::env::args().skip(1) {
        let set = LabelledSet::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
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
        let show = |key: &str| {
            let item = by_key[key];
            let concepts: Vec<String> = lexicon
                .concepts_in(&item.text, &item.tags)
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
}
