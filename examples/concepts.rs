//! How the engine reads text: `cargo run --example concepts -- "Raise a seed
//! round" "Heirloom seed swaps"` prints the concepts and the words left over
//! for each argument, with the built-in vocabulary.

use rapport::intersections::Lexicon;

fn main() {
    let lexicon = Lexicon::builtin();
    eprintln!(
        "{} concepts, version {}",
        lexicon.concepts().len(),
        lexicon.version
    );
    for text in std::env::args().skip(1) {
        let reading = lexicon.read(&text);
        let concepts: Vec<String> = reading
            .mentions
            .iter()
            .map(|m| format!("{} ({:?})", lexicon.concept(m.concept).id, m.surface))
            .collect();
        println!(
            "{text}\n  concepts: {}\n  words: {}",
            concepts.join(", "),
            reading.words.join(" ")
        );
    }
}
