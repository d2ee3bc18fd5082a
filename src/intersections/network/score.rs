//! How two items score, and why. Every score of the engine comes from
//! [`Network::score`], summed in a fixed order, so a pair scores the same
//! whichever search found it and in whichever order its items are given.

use super::{Network, Pairing, Vector, round4};
use crate::intersections::vocabulary::Gate;
use crate::intersections::{
    GATE_FLOOR, GATE_SHARE, MAX_REASONS, MISMATCH_SHARE, Reason, Relation, SECTOR_ONLY_SHARE,
    TAG_BONUS, TOPIC_ONLY_SHARE, Via,
};

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

/// One term (or pair of complementary terms) the two items meet on.
#[derive(Clone, Copy)]
struct Contribution {
    /// The term of `a` and of `b` (the same term unless a complement).
    terms: (u32, u32),
    /// Their positions in the two vectors.
    positions: (usize, usize),
    relation: Relation,
    /// What company it needs to count (the stricter of a complement's two).
    gate: Gate,
    amount: f64,
}

/// The parts of a pair's dot product, by relation and gate, and which gates
/// they open.
#[derive(Default)]
struct Parts {
    /// By [`Gate`] (as an index): what shared terms carry.
    same: [f64; 3],
    /// By [`Gate`]: what complementary pairs carry.
    complement: [f64; 3],
    /// The open part that shared places carry.
    places: f64,
    tags: u32,
    /// Both items name a role (a craft or profession) and they share none.
    roles_disagree: bool,
    /// The pair shares a role.
    roles_shared: bool,
}

impl Parts {
    /// Which gates are open. Gated concepts count only once what else the
    /// pair shares reaches [`GATE_FLOOR`] and [`GATE_SHARE`] of the gated
    /// part: two people moving meet only when they also share the place
    /// (shared places are the company of place-gated concepts, whatever
    /// their own gate); two people hiring or selling, or living in the same
    /// city, only when they also share a field or a market, or a move there
    /// (place-gated concepts that count are company for the others).
    fn gates(&self) -> [bool; 3] {
        let gated = |gate: Gate| self.same[gate as usize] + self.complement[gate as usize];
        let opens =
            |company: f64, gated: f64| company >= GATE_FLOOR && company >= GATE_SHARE * gated;
        let place = opens(self.places, gated(Gate::Place));
        let open = self.same[Gate::Open as usize] + self.complement[Gate::Open as usize];
        let company = open + if place { gated(Gate::Place) } else { 0.0 };
        // Work one side offers and the other seeks (hiring, freelancing,
        // mentoring...) is about a role: a line cook wanted and a
        // photographer shooting for restaurants share the sector only.
        let topic = opens(company, gated(Gate::Topic)) && !self.roles_disagree;
        [true, topic, place]
    }

    fn add(&mut self, network: &Network, c: &Contribution) {
        let bits = network.bits[c.terms.0 as usize];
        match c.relation {
            Relation::Same => {
                self.same[c.gate as usize] += c.amount;
                if bits.place() {
                    self.places += c.amount;
                }
                self.roles_shared |= bits.role();
                if bits.tag() {
                    self.tags += 1;
                }
            }
            Relation::Complement => self.complement[c.gate as usize] += c.amount,
        }
    }

    /// What counts of the shared and the complementary parts.
    fn counted(&self) -> (f64, f64) {
        let gates = self.gates();
        let (mut same, mut complement) = (0.0, 0.0);
        for gate in [Gate::Open, Gate::Topic, Gate::Place] {
            if gates[gate as usize] {
                same += self.same[gate as usize];
                complement += self.complement[gate as usize];
            }
        }
        (same, complement)
    }
}

impl Network {
    /// The score of items `a` and `b`, which pair as `pairing`.
    pub(super) fn score(&self, a: Vector, b: Vector, pairing: Pairing) -> PairScore {
        let mut parts = Parts {
            roles_disagree: self.roles_disagree(a, b, pairing),
            ..Parts::default()
        };
        self.for_each_contribution(a, b, pairing.complements(), |c| parts.add(self, &c));
        let (shared, complement) = parts.counted();
        let bonus = TAG_BONUS * f64::from(parts.tags);
        let share = self.intent_share(a, b, pairing, &parts);
        PairScore {
            score: round4(((shared + complement) * share + bonus).min(1.0)),
            shared,
            complement,
        }
    }

    /// [`MISMATCH_SHARE`] when the pair's activities do not meet: two goals
    /// that neither share an activity nor complete each other (two goals are
    /// the same pursuit or complementary ones, never a shared topic alone:
    /// selling to grocers and speaking at grocery conferences), or a goal
    /// and an offer whose activities both named differ, or whose roles
    /// disagree when one names no activity ("I write podcast jingles" and
    /// a food podcast looking for chefs); [`TOPIC_ONLY_SHARE`] when one
    /// names no activity, [`SECTOR_ONLY_SHARE`] when, besides, they share
    /// no role and no tag; 1 otherwise.
    fn intent_share(&self, a: Vector, b: Vector, pairing: Pairing, parts: &Parts) -> f64 {
        let roles_disagree = parts.roles_disagree;
        if pairing == Pairing::Interests {
            return 1.0;
        }
        match self.intents_meet(a, b, roles_disagree) {
            Some(true) => 1.0,
            Some(false) => MISMATCH_SHARE,
            None if roles_disagree => MISMATCH_SHARE,
            None if !parts.roles_shared && parts.tags == 0 => SECTOR_ONLY_SHARE,
            None => TOPIC_ONLY_SHARE,
        }
    }

    /// Whether two goals or offers each name a role and share none: the
    /// work one seeks is not the work the other offers (or seeks).
    fn roles_disagree(&self, a: Vector, b: Vector, pairing: Pairing) -> bool {
        if pairing == Pairing::Interests || !a.flags.role || !b.flags.role {
            return false;
        }
        let mut shared = false;
        self.for_each_shared(a, b, |term, _, _, _| {
            shared |= self.bits[term as usize].role();
        });
        !shared
    }

    /// Whether the activities of two items meet: they share one, or one
    /// completes the other; `None` when either has none. When their roles
    /// disagree, activities about work (gated by a shared topic) do not
    /// meet. (On the hot path of every search: no allocation.)
    fn intents_meet(&self, a: Vector, b: Vector, roles_disagree: bool) -> Option<bool> {
        if !a.flags.activity || !b.flags.activity {
            return None;
        }
        let activity = |t: &u32| self.bits[*t as usize].activity();
        let may_meet = |t: &u32| !roles_disagree || self.bits[*t as usize].gate() != Gate::Topic;
        let strongest = |v: &Vector| {
            v.terms
                .iter()
                .zip(v.weights)
                .filter(|(t, _)| activity(t))
                .fold(0.0, |max: f64, (_, &w)| max.max(w))
        };
        let (a_min, b_min) = (MEET_MIN * strongest(&a), MEET_MIN * strongest(&b));
        // Whether b holds activity `t`, may meet on it, and holds it as one
        // of its main ones.
        let held_by_b = |t: &u32| {
            activity(t)
                && may_meet(t)
                && b.terms
                    .binary_search(t)
                    .is_ok_and(|j| b.weights[j] >= b_min)
        };
        let mut a_has_one = false;
        for (i, x) in a.terms.iter().enumerate().filter(|(_, t)| activity(t)) {
            a_has_one = true;
            if !may_meet(x) || a.weights[i] < a_min {
                continue;
            }
            if held_by_b(x) || self.complements_of(*x).iter().any(held_by_b) {
                return Some(true);
            }
        }
        (a_has_one && b.terms.iter().any(activity)).then_some(false)
    }

    /// What carried the score of `a` and `b`, largest contribution first.
    pub(super) fn reasons(&self, a: Vector, b: Vector, pairing: Pairing) -> Vec<Reason> {
        let mut parts = Parts {
            roles_disagree: self.roles_disagree(a, b, pairing),
            ..Parts::default()
        };
        let mut all: Vec<Contribution> = Vec::new();
        self.for_each_contribution(a, b, pairing.complements(), |c| {
            parts.add(self, &c);
            all.push(c);
        });
        let share = self.intent_share(a, b, pairing, &parts);
        let gates = parts.gates();
        let mut reasons: Vec<Reason> = all
            .into_iter()
            .filter(|c| gates[c.gate as usize])
            .map(|c| {
                let (x, y) = (
                    &self.terms[c.terms.0 as usize],
                    &self.terms[c.terms.1 as usize],
                );
                let phrases = || {
                    vec![
                        a.surface(c.positions.0).to_owned(),
                        b.surface(c.positions.1).to_owned(),
                    ]
                };
                let id = |t: &super::analysis::Term| self.lexicon.concept(t.concept).id.clone();
                let (term, concepts, phrases) = match (c.relation, x.via) {
                    (Relation::Complement, _) => (
                        format!("{} ↔ {}", x.display, y.display),
                        vec![id(x), id(y)],
                        phrases(),
                    ),
                    (Relation::Same, Via::Concept) => (x.display.clone(), vec![id(x)], phrases()),
                    (Relation::Same, Via::Word | Via::Tag) => {
                        (x.display.clone(), Vec::new(), Vec::new())
                    }
                };
                let scaled = if x.via == Via::Tag { 1.0 } else { share };
                Reason {
                    term,
                    via: x.via,
                    relation: c.relation,
                    concepts,
                    phrases,
                    weight: c.amount * scaled,
                }
            })
            .collect();
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

    /// Every term the two items share, ascending, then (with `complements`)
    /// every pair of complementary concepts between them, in an order that
    /// does not depend on which item is `a`: the sums over them are exactly
    /// symmetric.
    fn for_each_contribution(
        &self,
        a: Vector,
        b: Vector,
        complements: bool,
        mut visit: impl FnMut(Contribution),
    ) {
        self.for_each_shared(a, b, |term, positions, _, amount| {
            visit(Contribution {
                terms: (term, term),
                positions,
                relation: Relation::Same,
                gate: self.bits[term as usize].gate(),
                amount,
            })
        });
        // Complements are symmetric: both sides hold concepts that have
        // some, or there are none to find.
        if complements && a.flags.complements && b.flags.complements {
            self.for_each_complement(a, b, |terms, positions, amount| {
                let gate = self.bits[terms.0 as usize]
                    .gate()
                    .max(self.bits[terms.1 as usize].gate());
                visit(Contribution {
                    terms,
                    positions,
                    relation: Relation::Complement,
                    gate,
                    amount,
                })
            });
        }
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
        let mut found: Vec<Complementary> = Vec::new();
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

/// What an activity two items meet on must weigh in each, relative to the
/// item's main activity, to make them one pursuit or complementary ones: an
/// intent read in passing ("probably need a better deal") does not.
const MEET_MIN: f64 = 0.7;

/// A pair of complementary terms between two items: the terms, their
/// positions, the product of their weights.
type Complementary = ((u32, u32), (usize, usize), f64);

fn via_rank(via: Via) -> u8 {
    match via {
        Via::Word => 0,
        Via::Tag => 1,
        Via::Concept => 2,
    }
}
