//! A mergeable histogram of durations with logarithmic buckets (the DDSketch mapping,
//! Masson, Rim & Lee 2019): a quantile read from it is within `RELATIVE_ACCURACY` of the
//! exact value, whatever the distribution, and its size is bounded by the range of
//! durations, not by the number of rows.
//!
//! Why this and not exact counts per second or a t-digest: service durations span bot
//! replies in a second to e-mail answers in days, so a fixed absolute resolution is either
//! too coarse for bots or too large for e-mail; and unlike a t-digest, the buckets are
//! plain counts, so merging is addition, any split of the input gives the same answer, and
//! a window frame can remove what it added.

use std::sync::LazyLock;

use crate::common::aggregate::mean::MAX_SECONDS;

/// Each quantile is within this fraction of the exact quantile of the same rows.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// Durations below this (one millisecond, the resolution of the canonical timestamps)
/// count as zero.
const SMALLEST_SECONDS: f64 = 1e-3;

/// Bucket `i` holds durations in (γ^(i−1), γ^i], γ = (1 + α) / (1 − α).
static GAMMA: LazyLock<f64> =
    LazyLock::new(|| (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY));
static LN_GAMMA: LazyLock<f64> = LazyLock::new(|| GAMMA.ln());

/// The bucket of a duration in seconds (0 ≤ seconds ≤ `MAX_SECONDS`); `None` for zero.
pub(crate) fn bucket(seconds: f64) -> Option<i32> {
    (seconds >= SMALLEST_SECONDS).then(|| (seconds.min(MAX_SECONDS).ln() / *LN_GAMMA).ceil() as i32)
}

/// The value reported for bucket `index`: within α of every duration the bucket holds.
fn representative(index: i32) -> f64 {
    2.0 * (f64::from(index) * *LN_GAMMA).exp() / (*GAMMA + 1.0)
}

/// The 0-based rank PERCENTILE_DISC reads: ⌈q · n⌉ − 1, at least 0. The product is
/// nudged down by a few ulps first, so that 0.3 · 10 = 3.0000000000000004 is the 3rd value,
/// not the 4th.
pub(crate) fn discrete_rank(q: f64, n: u64) -> u64 {
    let position = q * n as f64 * (1.0 - 4.0 * f64::EPSILON);
    (position.ceil() as u64).clamp(1, n.max(1)) - 1
}

/// Counts of durations per bucket, for one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LogHistogram {
    /// Durations counted as zero.
    pub zeros: u64,
    /// The bucket of `counts[0]`.
    pub offset: i32,
    pub counts: Vec<u64>,
}

impl LogHistogram {
    pub(crate) fn add(&mut self, bucket: Option<i32>, n: u64) {
        let Some(index) = bucket else {
            self.zeros += n;
            return;
        };
        *self.slot(index) += n;
    }

    /// Takes back what `add` counted (for sliding window frames).
    pub(crate) fn remove(&mut self, bucket: Option<i32>, n: u64) {
        match bucket {
            None => self.zeros = self.zeros.saturating_sub(n),
            Some(index) => {
                let slot = self.slot(index);
                *slot = slot.saturating_sub(n);
            }
        }
    }

    /// Adds another histogram's counts, given as its parts (a state row).
    pub(crate) fn merge(&mut self, zeros: u64, offset: i32, counts: &[u64]) {
        self.zeros += zeros;
        for (index, &n) in (offset..).zip(counts) {
            if n > 0 {
                *self.slot(index) += n;
            }
        }
    }

    /// The count of bucket `index`, growing the bucket range to reach it.
    fn slot(&mut self, index: i32) -> &mut u64 {
        if self.counts.is_empty() {
            self.offset = index;
        } else if index < self.offset {
            let missing = (self.offset - index) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, missing));
            self.offset = index;
        }
        let position = (index - self.offset) as usize;
        if position >= self.counts.len() {
            self.counts.resize(position + 1, 0);
        }
        &mut self.counts[position]
    }

    pub(crate) fn total(&self) -> u64 {
        self.zeros + self.counts.iter().sum::<u64>()
    }

    /// The q-quantile as SQL's PERCENTILE_DISC defines it, the first duration whose
    /// cumulative share reaches q (the ⌈q · n⌉-th smallest of n, at least the first), within
    /// `RELATIVE_ACCURACY`; NULL (`None`) when there are none.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = discrete_rank(q, total);
        if rank < self.zeros {
            return Some(0.0);
        }
        let mut seen = self.zeros;
        for (index, &n) in (self.offset..).zip(&self.counts) {
            seen += n;
            if seen > rank {
                return Some(representative(index));
            }
        }
        None
    }

    /// Bytes held beyond the struct itself.
    pub(crate) fn heap_size(&self) -> usize {
        self.counts.capacity() * size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn histogram(durations: &[f64]) -> LogHistogram {
        let mut histogram = LogHistogram::default();
        for &seconds in durations {
            histogram.add(bucket(seconds), 1);
        }
        histogram
    }

    #[test]
    fn quantiles_are_within_the_relative_accuracy_of_the_exact_rank() {
        // 1, 2, …, 1000 seconds: the ⌈0.9 · 1000⌉ = 900th smallest is 900 s, the
        // ⌈0.5 · 1000⌉ = 500th 500 s, and q = 0 reads the first.
        let durations: Vec<f64> = (1..=1000).map(f64::from).collect();
        let histogram = histogram(&durations);
        for (q, exact) in [(0.0, 1.0), (0.5, 500.0), (0.9, 900.0), (1.0, 1000.0)] {
            let estimate = histogram.quantile(q).unwrap();
            assert!(
                (estimate - exact).abs() <= RELATIVE_ACCURACY * exact,
                "q {q}: {estimate} vs {exact}"
            );
        }
    }

    #[test]
    fn ranks_follow_percentile_disc() {
        // Of 1…4: q 0.9 → ⌈3.6⌉ = 4th, 0.5 → 2nd, 0.25 → 1st, 0 → 1st (DuckDB's
        // quantile_disc gives 4, 2, 1, 1); of 1…10, q 0.3 → 3rd despite 0.3 · 10 > 3 in f64.
        assert_eq!(
            [0.9, 0.5, 0.25, 0.0].map(|q| discrete_rank(q, 4)),
            [3, 1, 0, 0]
        );
        assert_eq!(discrete_rank(0.3, 10), 2);
        assert_eq!(discrete_rank(1.0, 10), 9);
        assert_eq!(discrete_rank(0.5, 1), 0);
    }

    #[test]
    fn zeros_empty_and_extremes() {
        assert_eq!(LogHistogram::default().quantile(0.5), None);
        let histogram = histogram(&[0.0, 0.0, 0.0005, 5.0]);
        assert_eq!(histogram.quantile(0.5), Some(0.0));
        let top = histogram.quantile(1.0).unwrap();
        assert!((top - 5.0).abs() <= 0.05, "{top}");
        let huge = histogram_with(MAX_SECONDS);
        let estimate = huge.quantile(0.5).unwrap();
        assert!((estimate - MAX_SECONDS).abs() <= RELATIVE_ACCURACY * MAX_SECONDS);
    }

    fn histogram_with(seconds: f64) -> LogHistogram {
        histogram(&[seconds])
    }

    #[test]
    fn merging_in_any_order_and_removing_give_the_same_counts() {
        let a = histogram(&[3.0, 400.0, 0.0]);
        let b = histogram(&[0.01, 7200.0, 3.0]);
        let mut ab = a.clone();
        ab.merge(b.zeros, b.offset, &b.counts);
        let mut ba = b.clone();
        ba.merge(a.zeros, a.offset, &a.counts);
        assert_eq!(ab.total(), 6);
        for q in [0.0, 0.2, 0.5, 0.8, 1.0] {
            assert_eq!(ab.quantile(q), ba.quantile(q));
        }
        for seconds in [0.01, 7200.0, 3.0] {
            ab.remove(bucket(seconds), 1);
        }
        for q in [0.0, 0.5, 1.0] {
            assert_eq!(ab.quantile(q), a.quantile(q));
        }
    }

    #[test]
    fn the_bucket_range_is_bounded() {
        let lowest = bucket(SMALLEST_SECONDS).unwrap();
        let highest = bucket(MAX_SECONDS).unwrap();
        // ln(1e12) / ln(1.01 / 0.99) ≈ 1382 buckets, about 11 KB per group at the most.
        assert!((highest - lowest) < 1400, "{lowest}..{highest}");
    }
}
