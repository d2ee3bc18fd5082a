//! The engine against labelled matching sets: networks written the way
//! people write, with pairs a person judged (`tests/fixtures/matching/`).
//! Prints recall and precision per set and overall.
//! `RAPPORT_MATCHING_SETS=<folder>` measures more sets in the same format
//! (they count in the overall figures too).
//!
//! The target (issue 13) is 0.90 for both, and it is not reached: the test
//! says so, and fails only when the engine falls below what it reaches today
//! (the floors), so that no change to the engine or the vocabulary makes
//! matching worse unnoticed. Raise the floors with every improvement.

use std::path::{Path, PathBuf};

use rapport::domain::intersections::introductions::INTRODUCTIONS_PER_CONTACT;
use rapport::intersections::Network;
use rapport::intersections::labelled::{LabelledSet, Report, evaluate};

/// Where matching should be.
const TARGET: f64 = 0.90;

/// What the engine reaches today over the sets in the repository, less a
/// little: a change that drops below is a regression.
const RECALL_FLOOR: f64 = 0.72;
const PRECISION_FLOOR: f64 = 0.63;

/// Floors of their own for sets that were written before the engine was
/// tuned on them (held out): `(file, recall, precision)`. Their figures
/// are the honest estimate for a network nobody tuned on, so a change
/// that helps the other sets must not lose them.
const HELD_OUT: &[(&str, f64, f64)] = &[("oss_network.json", 0.70, 0.72)];

fn sets_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn measure(path: &Path) -> Report {
    let json = std::fs::read_to_string(path).expect("a readable set");
    let set = LabelledSet::parse(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (items, keys) = set.items();
    let network = Network::build(items);
    evaluate(&set, &network, &keys, INTRODUCTIONS_PER_CONTACT)
}

fn print(report: &Report) {
    println!(
        "{}: recall {:.3} ({}/{}), precision {:.3} ({}/{}), traps fallen for {}",
        report.name,
        report.recall(),
        report.positives - report.false_negatives.len(),
        report.positives,
        report.precision(),
        report.true_positives,
        report.returned(),
        report.traps_fallen_for,
    );
    for ((a, b), score) in &report.false_positives {
        println!("  returned, not a match: {a} / {b} ({score})");
    }
    for ((a, b), note) in &report.false_negatives {
        println!("  missed: {a} / {b} ({note})");
    }
}

#[test]
fn the_engine_keeps_its_recall_and_precision_on_the_labelled_sets() {
    let mut files = sets_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matching"));
    if let Ok(extra) = std::env::var("RAPPORT_MATCHING_SETS") {
        files.extend(sets_in(Path::new(&extra)));
    }
    assert!(!files.is_empty(), "no labelled sets");
    let reports: Vec<Report> = files.iter().map(|path| measure(path)).collect();
    for report in &reports {
        print(report);
    }
    for (file, recall_floor, precision_floor) in HELD_OUT {
        let at = files
            .iter()
            .position(|path| path.file_name().is_some_and(|name| name == *file))
            .unwrap_or_else(|| panic!("the held-out set {file} is missing"));
        let report = &reports[at];
        assert!(
            report.recall() >= *recall_floor && report.precision() >= *precision_floor,
            "{file}: recall {:.3} and precision {:.3} fell below its floors \
             ({recall_floor} and {precision_floor})",
            report.recall(),
            report.precision(),
        );
    }
    let positives: usize = reports.iter().map(|r| r.positives).sum();
    let missed: usize = reports.iter().map(|r| r.false_negatives.len()).sum();
    let returned: usize = reports.iter().map(Report::returned).sum();
    let right: usize = reports.iter().map(|r| r.true_positives).sum();
    let recall = (positives - missed) as f64 / positives as f64;
    let precision = if returned == 0 {
        1.0
    } else {
        right as f64 / returned as f64
    };
    println!(
        "overall: recall {recall:.3} ({}/{positives}), precision {precision:.3} ({right}/{returned})",
        positives - missed
    );
    if recall < TARGET || precision < TARGET {
        println!("the target, {TARGET} for both, is not reached yet");
    }
    assert!(
        recall >= RECALL_FLOOR && precision >= PRECISION_FLOOR,
        "recall {recall:.3} and precision {precision:.3} fell below the floors \
         ({RECALL_FLOOR} and {PRECISION_FLOOR})"
    );
}
