//! The inverted indexes and the two searches over them: every item that may
//! reach the threshold with a query ([`Network::candidates`]), and each
//! contact's best partners ([`Network::best_partners`]). Both read an
//! expanded query ([`Query`]): its own terms plus the complements of its
//! concepts, so that an item is found by what it completes as well as by
//! what it shares. Pruning only ever skips what provably scores below the
//! threshold, so the searches find exactly what comparing every pair finds.

use std::collections::HashSet;

use super::analysis::Term;
use super::{MIN_SCORE, Network, PRUNE_LIMIT, Pairing, Vector, by_score_then};
use crate::intersections::{SECTOR_ONLY_SHARE, TAG_BONUS, TOPIC_ONLY_SHARE, Via};

/// A search's query: an item's vector plus, where they apply, the
/// complements of its concepts (each weighing what the concept weighs), so
/// that the dot product with an item is the pair's shared part plus its
/// complementary part. Reused between searches.
#[derive(Default)]
pub(super) struct Query {
    pub terms: Vec<u32>,
    pub weights: Vec<f64>,
    /// The query's L2 norm: 1 without complements, more with them. Bounds
    /// made for unit queries are scaled by it.
    pub norm: f64,
}

impl Network {
    /// Fills `query` from `vector`, with the complements of its concepts
    /// when `complements`.
    pub(super) fn query(&self, vector: Vector, complements: bool, query: &mut Query) {
        query.terms.clear();
        query.weights.clear();
        let mut pairs: Vec<(u32, f64)> = vector
            .terms
            .iter()
            .copied()
            .zip(vector.weights.iter().copied())
            .collect();
        if complements {
            for (&term, &weight) in vector.terms.iter().zip(vector.weights) {
                for &other in self.complements_of(term) {
                    pairs.push((other, weight));
                }
            }
            pairs.sort_by_key(|&(term, _)| term);
        }
        for (term, weight) in pairs {
            if query.terms.last() == Some(&term) {
                if let Some(last) = query.weights.last_mut() {
                    *last += weight;
                }
            } else {
                query.terms.push(term);
                query.weights.push(weight);
            }
        }
        query.norm = query
            .weights
            .iter()
            .map(|w| w * w)
            .sum::<f64>()
            .sqrt()
            .max(1.0);
    }
}

/// Postings of every term for the items of one side and facet. Items are
/// numbered locally (`members[local]` is the item index) so that the
/// accumulators of a search are only as large as the partition searched.
#[derive(Default)]
pub(super) struct Partition {
    pub(super) members: Vec<u32>,
    pub(super) starts: Vec<u32>,
    pub(super) posting_members: Vec<u32>,
    pub(super) posting_weights: Vec<f64>,
    /// Largest indexed weight of each term: bounds what the term can add to
    /// any member's score.
    pub(super) max_weight: Vec<f64>,
    /// Per member: the most its unindexed terms can add to a score (see
    /// [`choose_indexed`]).
    pub(super) unindexed_bound: Vec<f64>,
    /// The largest of them.
    pub(super) max_unindexed: f64,
    /// Largest unindexed weight of each term (0 when it is always indexed):
    /// what a query holding the term can get from members' unindexed parts.
    pub(super) max_unindexed_weight: Vec<f64>,
}

impl Partition {
    pub(super) fn postings(&self, term: u32) -> (&[u32], &[f64]) {
        let range = self.starts[term as usize] as usize..self.starts[term as usize + 1] as usize;
        (
            &self.posting_members[range.clone()],
            &self.posting_weights[range],
        )
    }
}

/// Reusable state of the searches: a dense accumulator indexed by partition
/// member (faster than a map), plus the list of members touched so that
/// resetting costs only what was used.
#[derive(Default)]
pub(super) struct Scratch {
    /// Per member: the part of its score from the terms read so far, tag
    /// bonuses included.
    read: Vec<f64>,
    touched: Vec<u32>,
    /// [`Network::best_partners`] only: members whose part read crossed the
    /// threshold since they were last looked at.
    ready: Vec<u32>,
    /// [`Network::best_partners`] only: the query's terms, most promising
    /// first, as (term, query weight).
    terms: Vec<(u32, f64)>,
    /// [`Network::best_partners`] only: `left[i]` bounds what `terms[i..]`
    /// can add to any item's score.
    left: Vec<f64>,
}

impl Scratch {
    fn fit(&mut self, members: usize) {
        if self.read.len() < members {
            self.read.resize(members, 0.0);
        }
    }
}

/// The best partners found so far for one contact in
/// [`Network::introductions`], with the score a new match must beat to
/// matter.
pub(super) struct Partners<'a> {
    wanted: usize,
    /// Contacts never to offer.
    skipped: &'a [bool],
    /// Pairs (smaller index first) never to offer.
    dismissed: &'a HashSet<(u32, u32)>,
    /// Best score per contact index; 0 for contacts not met yet.
    best: Vec<f64>,
    met: Vec<u32>,
    /// Reused by [`Partners::tighten`].
    scores: Vec<f64>,
    /// Searches may skip whatever is bounded below this.
    threshold: f64,
}

impl<'a> Partners<'a> {
    pub(super) fn new(
        wanted: usize,
        skipped: &'a [bool],
        dismissed: &'a HashSet<(u32, u32)>,
    ) -> Partners<'a> {
        let contacts = skipped.len();
        Partners {
            wanted,
            skipped,
            dismissed,
            best: vec![0.0; contacts],
            met: Vec::new(),
            scores: Vec::new(),
            threshold: PRUNE_LIMIT,
        }
    }

    /// Whether `contact` and `partner` may be introduced at all.
    pub(super) fn allows(&self, contact: u32, partner: u32) -> bool {
        partner != contact
            && !self.skipped[partner as usize]
            && !self
                .dismissed
                .contains(&(contact.min(partner), contact.max(partner)))
    }

    fn offer(&mut self, partner: u32, score: f64) {
        let best = &mut self.best[partner as usize];
        if *best == 0.0 {
            self.met.push(partner);
        }
        if score > *best {
            *best = score;
        }
    }

    /// Raises the threshold to the `wanted`-th best partner score: a match
    /// below it cannot bring a new partner into the top list. The margin
    /// keeps matches that round to a tie with it.
    fn tighten(&mut self) {
        if self.met.len() < self.wanted {
            return;
        }
        self.scores.clear();
        self.scores
            .extend(self.met.iter().map(|&partner| self.best[partner as usize]));
        let (_, &mut kth, _) = self
            .scores
            .select_nth_unstable_by(self.wanted - 1, |a, b| b.total_cmp(a));
        self.threshold = self.threshold.max(kth - 1e-4);
    }

    /// The top partners, best first (ties by contact id), and a reset.
    pub(super) fn take_top(&mut self) -> Vec<u32> {
        let best = &self.best;
        self.met
            .sort_unstable_by(|&a, &b| by_score_then((best[a as usize], a), (best[b as usize], b)));
        let top = self.met.iter().copied().take(self.wanted).collect();
        for &partner in &self.met {
            self.best[partner as usize] = 0.0;
        }
        self.met.clear();
        self.threshold = PRUNE_LIMIT;
        top
    }
}

impl Network {
    /// Items of partition `index` that may score at least [`MIN_SCORE`]
    /// with `query`, into `out`. Only items sharing an indexed term with the
    /// query are touched; of those, only the ones whose upper bound reaches
    /// the threshold are kept, so the exact score is computed for few.
    pub(super) fn candidates(
        &self,
        query: &Query,
        index: usize,
        scratch: &mut Scratch,
        out: &mut Vec<u32>,
    ) {
        let partition = &self.partitions[index];
        scratch.fit(partition.members.len());
        for (&term, &query_weight) in query.terms.iter().zip(&query.weights) {
            let (members, weights) = partition.postings(term);
            let bonus = self.bonus(term);
            for (&member, &weight) in members.iter().zip(weights) {
                let read_part = &mut scratch.read[member as usize];
                if *read_part == 0.0 {
                    scratch.touched.push(member);
                }
                *read_part += query_weight * weight + bonus;
            }
        }
        out.clear();
        for &member in &scratch.touched {
            let read_part = std::mem::take(&mut scratch.read[member as usize]);
            // The indexed terms' part is exact; the rest is bounded.
            if read_part + partition.unindexed_bound[member as usize] * query.norm >= PRUNE_LIMIT {
                out.push(partition.members[member as usize]);
            }
        }
        scratch.touched.clear();
    }

    /// Offers to `partners` the contacts whose items in partition `index`
    /// meet `item` (of `contact`) well enough to enter its top list.
    ///
    /// A top-k search in the MaxScore manner: the query's terms are read
    /// most promising first, and once the terms left could not lift an item
    /// to the threshold even together, they are not read at all. Those are
    /// the light, common terms with the longest postings. Before reading a
    /// long posting list, the items already known to pass the threshold are
    /// scored, so that it is as high as it can be by then.
    pub(super) fn best_partners(
        &self,
        (contact, item): (u32, u32),
        query: &Query,
        index: usize,
        scratch: &mut Scratch,
        partners: &mut Partners,
    ) {
        /// Scoring early only pays off before postings longer than this.
        const SCORE_EARLY_BEFORE: usize = 64;
        /// Scoring an item costs about as much as reading this many
        /// postings, so a posting list that may spare as many scorings as
        /// it is long, divided by this, is worth reading.
        const READ_RATHER_THAN_SCORE: usize = 8;

        let partition = &self.partitions[index];
        scratch.fit(partition.members.len());
        self.order_terms(query, partition, scratch);
        // What any member's unindexed part can add for this query: at most
        // its own bound, and at most what the query's terms weigh there.
        let unindexed: f64 = query
            .terms
            .iter()
            .zip(&query.weights)
            .map(|(&term, &query_weight)| {
                let weight = partition.max_unindexed_weight[term as usize];
                if weight > 0.0 {
                    query_weight * weight + self.bonus(term)
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            .min(partition.max_unindexed * query.norm);

        // A query that names no activity and has no tag meets every item on
        // topics alone: whatever it reads keeps TOPIC_ONLY_SHARE (or, with no
        // role either, SECTOR_ONLY_SHARE), so it needs that much more to
        // count.
        let flags = self.item_flags[item as usize];
        let scale = match (flags.activity, flags.tags, flags.any_role) {
            (false, 0, false) => SECTOR_ONLY_SHARE,
            (false, 0, true) => TOPIC_ONLY_SHARE,
            _ => 1.0,
        };
        let needed = |partners: &Partners| partners.threshold / scale;
        let mut read = 0;
        let mut unsettled = 0;
        while read < scratch.terms.len() {
            let (term, query_weight) = scratch.terms[read];
            let (members, weights) = partition.postings(term);
            let left = scratch.left[read];
            let not_worth_reading = |unsettled: usize, threshold: f64| {
                left + unindexed < threshold && members.len() > READ_RATHER_THAN_SCORE * unsettled
            };
            if not_worth_reading(unsettled, needed(partners)) {
                break;
            }
            if members.len() > SCORE_EARLY_BEFORE && !scratch.ready.is_empty() {
                unsettled -= self.score_ready((contact, item), partition, scratch, partners, scale);
                if not_worth_reading(unsettled, needed(partners)) {
                    break;
                }
            }
            let bonus = self.bonus(term);
            let threshold = needed(partners);
            for (&member, &weight) in members.iter().zip(weights) {
                let read_part = &mut scratch.read[member as usize];
                if *read_part == 0.0 {
                    scratch.touched.push(member);
                    unsettled += 1;
                }
                let before = *read_part;
                *read_part += query_weight * weight + bonus;
                if before < threshold && *read_part >= threshold {
                    scratch.ready.push(member);
                }
            }
            read += 1;
        }

        // Whatever is still unsettled either reaches the threshold with the
        // bound of the unread terms, or cannot enter the top list.
        let left = scratch.left[read];
        let threshold = needed(partners) - left;
        for &member in &scratch.touched {
            let read_part = scratch.read[member as usize];
            // Most fail on the partition's largest unindexed bound already,
            // without loading their own.
            if read_part + unindexed >= threshold
                && read_part + partition.unindexed_bound[member as usize] * query.norm >= threshold
            {
                let other = partition.members[member as usize];
                let bound = read_part
                    + left
                    + unindexed.min(partition.unindexed_bound[member as usize] * query.norm);
                if self.discounted_bound(item, other, bound) >= partners.threshold {
                    self.offer_match((contact, item), other, partners);
                }
            }
        }
        partners.tighten();
        for &member in &scratch.touched {
            scratch.read[member as usize] = 0.0;
        }
        scratch.touched.clear();
        scratch.ready.clear();
    }

    /// Scores the touched items whose part read so far already reaches the
    /// threshold, to raise it before reading on; returns how many.
    fn score_ready(
        &self,
        (contact, item): (u32, u32),
        partition: &Partition,
        scratch: &mut Scratch,
        partners: &mut Partners,
        scale: f64,
    ) -> usize {
        let mut settled = 0;
        for &member in &scratch.ready {
            let read_part = &mut scratch.read[member as usize];
            if *read_part >= partners.threshold / scale {
                // Settled items never reach the threshold again.
                *read_part = f64::NEG_INFINITY;
                settled += 1;
                self.offer_match(
                    (contact, item),
                    partition.members[member as usize],
                    partners,
                );
            }
        }
        scratch.ready.clear();
        partners.tighten();
        settled
    }

    /// A bound of the score of items `item` and `other` from `bound`, a bound
    /// of it before the rules that lower scores: a goal or offer pair with no
    /// activity on one side meets on topics alone and keeps at most
    /// [`TOPIC_ONLY_SHARE`] of its dot product (its tag bonuses stay whole).
    /// Introductions skip scoring most such pairs with it.
    fn discounted_bound(&self, item: u32, other: u32, bound: f64) -> f64 {
        let (a, b) = (
            self.item_flags[item as usize],
            self.item_flags[other as usize],
        );
        if a.activity && b.activity {
            return bound;
        }
        let tags = a.tags.min(b.tags);
        // Without a tag and a role on both sides, they share neither.
        let share = if tags == 0 && !(a.any_role && b.any_role) {
            SECTOR_ONLY_SHARE
        } else {
            TOPIC_ONLY_SHARE
        };
        let bonuses = TAG_BONUS * f64::from(tags);
        share * bound + (1.0 - share) * bonuses
    }

    fn offer_match(&self, (contact, item): (u32, u32), other: u32, partners: &mut Partners) {
        let partner = self.item_contact[other as usize];
        if partners.allows(contact, partner) {
            let pairing = self.pairing(item, other).unwrap_or(Pairing::Goals);
            let score = self
                .score(self.vector(item), self.vector(other), pairing)
                .score;
            if score >= MIN_SCORE {
                partners.offer(partner, score);
            }
        }
    }

    pub(super) fn bonus(&self, term: u32) -> f64 {
        match self.terms[term as usize].via {
            Via::Tag => TAG_BONUS,
            Via::Word | Via::Concept => 0.0,
        }
    }

    /// Puts the query's terms that partition holds into `scratch.terms`,
    /// most promising first, and into `scratch.left[i]` a bound of what
    /// terms `i..` can add to any item's score: the lesser of the sum of
    /// their largest contributions and their L2 norm (Cauchy-Schwarz), plus
    /// the bonus of their tags.
    fn order_terms(&self, query: &Query, partition: &Partition, scratch: &mut Scratch) {
        let promise = |term: u32, query_weight: f64| {
            query_weight * partition.max_weight[term as usize] + self.bonus(term)
        };
        scratch.terms.clear();
        for (&term, &query_weight) in query.terms.iter().zip(&query.weights) {
            if partition.max_weight[term as usize] > 0.0 {
                scratch.terms.push((term, query_weight));
            }
        }
        scratch
            .terms
            .sort_unstable_by(|&(a, a_weight), &(b, b_weight)| {
                promise(b, b_weight)
                    .total_cmp(&promise(a, a_weight))
                    .then(a.cmp(&b))
            });
        scratch.left.clear();
        scratch.left.resize(scratch.terms.len() + 1, 0.0);
        let (mut linear, mut squares, mut bonus) = (0.0f64, 0.0f64, 0.0f64);
        for position in (0..scratch.terms.len()).rev() {
            let (term, query_weight) = scratch.terms[position];
            linear += query_weight * partition.max_weight[term as usize];
            squares += query_weight * query_weight;
            bonus += self.bonus(term);
            scratch.left[position] = linear.min(squares.sqrt()) + bonus;
        }
    }
}

/// Which terms of one item go into the index (`true`), and the bound of the
/// score that the others can give together.
///
/// The lightest terms are left out while the bound stays below
/// [`PRUNE_LIMIT`]: their L2 norm bounds their cosine with any unit vector
/// (Cauchy-Schwarz), and each tag among them may add [`TAG_BONUS`].
pub(super) fn choose_indexed(terms: &[Term], ids: &[u32], weights: &[f64]) -> (Vec<bool>, f64) {
    let mut lightest: Vec<usize> = (0..ids.len()).collect();
    lightest.sort_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(ids[a].cmp(&ids[b])));
    let mut indexed = vec![true; ids.len()];
    let (mut squares, mut tags, mut bound) = (0.0f64, 0u32, 0.0f64);
    for position in lightest {
        let is_tag = terms[ids[position] as usize].via == Via::Tag;
        let next_squares = squares + weights[position] * weights[position];
        let next_tags = tags + u32::from(is_tag);
        let next_bound = next_squares.sqrt() + TAG_BONUS * f64::from(next_tags);
        if next_bound < PRUNE_LIMIT {
            indexed[position] = false;
            (squares, tags, bound) = (next_squares, next_tags, next_bound);
        }
    }
    (indexed, bound)
}

pub(super) fn fill_postings(
    partition: &mut Partition,
    term_count: usize,
    vector_starts: &[u32],
    vector_terms: &[u32],
    vector_weights: &[f64],
    indexed: &[bool],
    unindexed_bound: &[f64],
) {
    let entries = |item: u32| {
        let range =
            vector_starts[item as usize] as usize..vector_starts[item as usize + 1] as usize;
        range.filter(|&entry| indexed[entry])
    };
    let mut starts = vec![0u32; term_count + 1];
    for &item in &partition.members {
        for entry in entries(item) {
            starts[vector_terms[entry] as usize + 1] += 1;
        }
    }
    for term in 1..starts.len() {
        starts[term] += starts[term - 1];
    }
    let total = starts[term_count] as usize;
    let mut posting_members = vec![0u32; total];
    let mut posting_weights = vec![0.0f64; total];
    let mut next = starts.clone();
    for (member, &item) in partition.members.iter().enumerate() {
        for entry in entries(item) {
            let position = &mut next[vector_terms[entry] as usize];
            posting_members[*position as usize] = member as u32;
            posting_weights[*position as usize] = vector_weights[entry];
            *position += 1;
        }
    }
    let mut max_weight = vec![0.0f64; term_count];
    for term in 0..term_count {
        let range = starts[term] as usize..starts[term + 1] as usize;
        max_weight[term] = posting_weights[range].iter().copied().fold(0.0, f64::max);
    }
    let mut max_unindexed_weight = vec![0.0f64; term_count];
    for &item in &partition.members {
        let range =
            vector_starts[item as usize] as usize..vector_starts[item as usize + 1] as usize;
        for entry in range.filter(|&entry| !indexed[entry]) {
            let max = &mut max_unindexed_weight[vector_terms[entry] as usize];
            *max = max.max(vector_weights[entry]);
        }
    }
    partition.max_unindexed_weight = max_unindexed_weight;
    partition.unindexed_bound = partition
        .members
        .iter()
        .map(|&item| unindexed_bound[item as usize])
        .collect();
    partition.max_unindexed = partition
        .unindexed_bound
        .iter()
        .copied()
        .fold(0.0, f64::max);
    partition.starts = starts;
    partition.posting_members = posting_members;
    partition.posting_weights = posting_weights;
    partition.max_weight = max_weight;
}
