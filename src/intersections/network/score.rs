//! How two items score, and why. Every score of the engine comes from
//! [`Network::score`], summed in a fixed order, so a pair scores the same
//! whichever search found it and in whichever order its items are given.

use super::{Network, Vector, round4};
use crate::intersections::{GATE_FLOOR, MAX_REASONS, Reason, Relation, TAG_BONUS, Via};

/// A pair's score, and which relation carried it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct PairScore {
    /// 0 to 1, rounded to 4 decimals.
    pub score: f64,
    /// What the shared terms gave (counted ones only).
    pub shared: f64,
    /// What the complementary concepts gave (counted ones only).
    pub complement: f64,
}

impl PairScore {
    /// Whether complementary concepts count in the score: two goals that
    /// complete each other (whatever else they share, such as the field of
    /// the job one offers and the other seeks).
    pub fn is_complementary(&self) -> bool {
        self.complement > 0.0
    }
}

/// The parts of a pair's dot product, before gating.
#[derive(Default)]
struct Parts {
    shared_open: f64,
    shared_gated: f64,
    complement_open: f64,
    complement_gated: f64,
    tags: u32,
}

impl Parts {
    /// Gated concepts count only once the open part reaches [`GATE_FLOOR`]:
    /// two people hiring, moving or selling meet only when they also share
    /// the field, the place or the market.
    fn gate_open(&self) -> bool {
        self.shared_open + self.complement_open >= GATE_FLOOR
    }
}

impl Network {
    /// The score of items `a` and `b`, with the complements of their
    /// concepts when `complements` (goals and offers; never interests).
    pub(super) fn score(&self, a: Vector, b: Vector, complements: bool) -> PairScore {
        let mut parts = Parts::default();
        self.for_each_shared(a, b, |term, _, _, contribution| {
            let term = &self.terms[term as usize];
            if term.gated {
                parts.shared_gated += contribution;
            } else {
                parts.shared_open += contribution;
            }
            if term.via == Via::Tag {
                parts.tags += 1;
            }
        });
        if complements {
            self.for_each_complement(a, b, |(x, y), _, contribution| {
                if self.terms[x as usize].gated || self.terms[y as usize].gated {
                    parts.complement_gated += contribution;
                } else {
                    parts.complement_open += contribution;
                }
            });
        }
        let (shared, complement) = if parts.gate_open() {
            (
                parts.shared_open + parts.shared_gated,
                parts.complement_open + parts.complement_gated,
            )
        } else {
            (parts.shared_open, parts.complement_open)
        };
        let bonus = TAG_BONUS * f64::from(parts.tags);
        PairScore {
            score: round4((shared + complement + bonus).min(1.0)),
            shared,
            complement,
        }
    }

    /// What carried the score of `a` and `b`, largest contribution first.
    pub(super) fn reasons(&self, a: Vector, b: Vector, complements: bool) -> Vec<Reason> {
        let mut parts = Parts::default();
        let mut reasons: Vec<Reason> = Vec::new();
        let mut gated: Vec<bool> = Vec::new();
        self.for_each_shared(a, b, |term, (i, j), _, contribution| {
            let t = &self.terms[term as usize];
            if t.gated {
                parts.shared_gated += contribution;
            } else {
                parts.shared_open += contribution;
            }
            let (concepts, phrases) = match t.via {
                Via::Concept => (
                    vec![self.lexicon.concept(t.concept).id.clone()],
                    vec![a.surface(i).to_owned(), b.surface(j).to_owned()],
                ),
                Via::Word | Via::Tag => (Vec::new(), Vec::new()),
            };
            reasons.push(Reason {
                term: t.display.clone(),
                via: t.via,
                relation: Relation::Same,
                concepts,
                phrases,
                weight: contribution,
            });
            gated.push(t.gated);
        });
        if complements {
            self.for_each_complement(a, b, |(x, y), (i, j), contribution| {
                let (x, y) = (&self.terms[x as usize], &self.terms[y as usize]);
                let is_gated = x.gated || y.gated;
                if is_gated {
                    parts.complement_gated += contribution;
                } else {
                    parts.complement_open += contribution;
                }
                reasons.push(Reason {
                    term: format!("{} ↔ {}", x.display, y.display),
                    via: Via::Concept,
                    relation: Relation::Complement,
                    concepts: vec![
                        self.lexicon.concept(x.concept).id.clone(),
                        self.lexicon.concept(y.concept).id.clone(),
                    ],
                    phrases: vec![a.surface(i).to_owned(), b.surface(j).to_owned()],
                    weight: contribution,
                });
                gated.push(is_gated);
            });
        }
        if !parts.gate_open() {
            let mut keep = gated.iter().map(|&is_gated| !is_gated);
            reasons.retain(|_| keep.next().unwrap_or(false));
        }
        // A tag, a word and a concept that read the same ("photography" as an
        // interest and in a title) are one reason, credited to the most
        // deliberate of them.
        reasons.sort_by(|a, b| {
            a.term
                .cmp(&b.term)
                .then(via_rank(b.via).cmp(&via_rank(a.via)))
                .then(b.weight.total_cmp(&a.weight))
        });
        let mut merged: Vec<Reason> = Vec::with_capacity(reasons.len());
        for reason in reasons {
            match merged.last_mut() {
                Some(last) if last.term == reason.term && last.relation == reason.relation => {
                    last.weight += reason.weight;
                }
                _ => merged.push(reason),
            }
        }
        merged.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| (&a.term, via_rank(a.via)).cmp(&(&b.term, via_rank(b.via))))
        });
        merged.truncate(MAX_REASONS);
        for reason in &mut merged {
            reason.weight = round4(reason.weight);
        }
        merged
    }

    /// Every term of `a` also in `b`, ascending: `(term, (index in a, index
    /// in b), weight in a, product of the weights)`.
    fn for_each_shared(
        &self,
        a: Vector,
        b: Vector,
        mut visit: impl FnMut(u32, (usize, usize), f64, f64),
    ) {
        let (mut i, mut j) = (0, 0);
        while i < a.terms.len() && j < b.terms.len() {
            match a.terms[i].cmp(&b.terms[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    visit(
                        a.terms[i],
                        (i, j),
                        a.weights[i],
                        a.weights[i] * b.weights[j],
                    );
                    i += 1;
                    j += 1;
                }
            }
        }
    }

    /// Every concept of `a` whose complement is in `b`: `((term in a, term
    /// in b), (index in a, index in b), product of the weights)`, in an
    /// order that does not depend on which item is `a` (the pair of terms,
    /// smaller first), so that a pair's score is exactly symmetric.
    fn for_each_complement(
        &self,
        a: Vector,
        b: Vector,
        mut visit: impl FnMut((u32, u32), (usize, usize), f64),
    ) {
        let mut found: Vec<((u32, u32), (usize, usize), f64)> = Vec::new();
        for (i, &x) in a.terms.iter().enumerate() {
            for &y in self.complements_of(x) {
                if let Ok(j) = b.terms.binary_search(&y) {
                    found.push(((x, y), (i, j), a.weights[i] * b.weights[j]));
                }
            }
        }
        if found.is_empty() {
            return;
        }
        found.sort_by(|(p, _, u), (q, _, v)| {
            (p.0.min(p.1), p.0.max(p.1))
                .cmp(&(q.0.min(q.1), q.0.max(q.1)))
                .then(u.total_cmp(v))
        });
        for (terms, positions, contribution) in found {
            visit(terms, positions, contribution);
        }
    }
}

fn via_rank(via: Via) -> u8 {
    match via {
        Via::Word => 0,
        Via::Tag => 1,
        Via::Concept => 2,
    }
}
