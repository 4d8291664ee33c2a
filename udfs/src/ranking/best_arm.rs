//! The probability that each arm of an experiment has the highest true success rate:
//! P(arm k is best) = ∫ f_k(x) · Π_{j≠k} F_j(x) dx over the arms' Beta posteriors, by
//! deterministic adaptive Gauss–Legendre quadrature.

use std::cell::Cell;

use super::posterior::Posterior;

/// How far past its mean, in standard deviations, an arm's posterior is treated as having
/// no mass. Even the most skewed posterior with a uniform prior (α = 1) keeps under 1e-7 of
/// its mass beyond 16 σ.
const TAIL_SDS: f64 = 16.0;

/// Gauss–Legendre nodes and weights of order 8 on [−1, 1] (positive half; symmetric).
const GAUSS_NODES: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GAUSS_WEIGHTS: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];

/// Absolute error allowed over the whole integration range, per arm.
const TOLERANCE: f64 = 1e-8;
/// Bisection depth past which a panel is accepted as it is.
const MAX_DEPTH: u32 = 24;
/// Bisections one call may make in all. Posteriors of counts near 2^63 are narrower than
/// the regularized beta resolves, so their integrand is noise that never meets the
/// tolerance; without a budget each panel would bisect to `MAX_DEPTH` (2^24 panels).
const MAX_BISECTIONS: usize = 20_000;

/// P(best) for each arm, in the order given; the result sums to 1.
pub(crate) fn probabilities(arms: &[Posterior]) -> Vec<f64> {
    match arms.len() {
        0 => return Vec::new(),
        1 => return vec![1.0],
        _ => {}
    }
    let bulk = |arm: &Posterior| {
        let (mean, spread) = (arm.mean(), TAIL_SDS * arm.std_dev());
        ((mean - spread).max(0.0), (mean + spread).min(1.0))
    };
    // The best arm's rate is at least every arm's lower bulk edge, so the integral starts at
    // the highest of them; an arm whose bulk ends before that point is never best.
    let start = arms.iter().map(|arm| bulk(arm).0).fold(0.0, f64::max);
    let end = arms.iter().map(|arm| bulk(arm).1).fold(0.0, f64::max);
    let contenders: Vec<Contender> = arms
        .iter()
        .enumerate()
        .filter(|(_, arm)| bulk(arm).1 > start)
        .map(|(index, arm)| Contender {
            index,
            posterior: *arm,
            bulk: bulk(arm),
        })
        .collect();
    let mut mass = vec![0.0; arms.len()];
    if let [only] = contenders.as_slice() {
        mass[only.index] = 1.0;
        return mass;
    }
    if contenders.is_empty() || end <= start {
        // Posteriors narrower than f64 resolves near 1 (counts near 2^63): no range is
        // left to integrate over, and the highest mean is best.
        return highest_means(arms);
    }
    let integrand = Integrand {
        contenders: &contenders,
        bisections: Cell::new(0),
    };
    let tolerance_per_unit = TOLERANCE / (end - start);
    let mut left = start;
    while left < end {
        // Panels start no wider than the narrowest posterior covering them, so no peak is
        // stepped over before bisection can see it.
        let width = contenders
            .iter()
            .filter(|c| c.bulk.0 <= left && left < c.bulk.1)
            .map(|c| c.posterior.std_dev())
            .fold(end - left, f64::min);
        let right = (left + width).min(end);
        let coarse = integrand.gauss(left, right);
        let panel = integrand.adaptive(left, right, coarse, tolerance_per_unit, 0);
        for (contender, part) in contenders.iter().zip(panel) {
            mass[contender.index] += part;
        }
        left = right;
    }
    let total: f64 = mass.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return highest_means(arms);
    }
    mass.iter_mut().for_each(|m| *m /= total);
    mass
}

/// All the mass, shared evenly, on the arms with the highest posterior mean.
fn highest_means(arms: &[Posterior]) -> Vec<f64> {
    let top = arms.iter().map(Posterior::mean).fold(f64::MIN, f64::max);
    let leaders = arms.iter().filter(|arm| arm.mean() == top).count();
    arms.iter()
        .map(|arm| {
            if arm.mean() == top {
                1.0 / leaders as f64
            } else {
                0.0
            }
        })
        .collect()
}

struct Contender {
    index: usize,
    posterior: Posterior,
    bulk: (f64, f64),
}

struct Integrand<'a> {
    contenders: &'a [Contender],
    bisections: Cell<usize>,
}

impl Integrand<'_> {
    /// Each contender's f_k(x) · Π_{j≠k} F_j(x), added into `out` with `weight`.
    fn add_at(&self, x: f64, weight: f64, out: &mut [f64]) {
        let mut ln_cdfs = Vec::with_capacity(self.contenders.len());
        let mut ln_product = 0.0;
        let mut zero_cdfs = 0;
        let mut zero_at = 0;
        for (k, contender) in self.contenders.iter().enumerate() {
            let ln_cdf = if x >= contender.bulk.1 {
                0.0
            } else {
                contender.posterior.cdf(x).ln()
            };
            if ln_cdf == f64::NEG_INFINITY {
                zero_cdfs += 1;
                zero_at = k;
            } else {
                ln_product += ln_cdf;
            }
            ln_cdfs.push(ln_cdf);
        }
        match zero_cdfs {
            // Only the arm whose CDF vanishes can be best here.
            1 => {
                let ln_pdf = self.contenders[zero_at].posterior.ln_pdf(x);
                out[zero_at] += weight * (ln_pdf + ln_product).exp();
            }
            0 => {
                for ((total, contender), ln_cdf) in
                    out.iter_mut().zip(self.contenders).zip(&ln_cdfs)
                {
                    *total += weight * (contender.posterior.ln_pdf(x) + ln_product - ln_cdf).exp();
                }
            }
            _ => {}
        }
    }

    /// Order-8 Gauss–Legendre over [a, b], per contender.
    fn gauss(&self, a: f64, b: f64) -> Vec<f64> {
        let (mid, half) = ((a + b) / 2.0, (b - a) / 2.0);
        let mut out = vec![0.0; self.contenders.len()];
        for (node, weight) in GAUSS_NODES.iter().zip(GAUSS_WEIGHTS) {
            self.add_at(mid - half * node, half * weight, &mut out);
            self.add_at(mid + half * node, half * weight, &mut out);
        }
        out
    }

    /// Bisects [a, b] until the two halves agree with the whole within the panel's share of
    /// the tolerance, for every contender.
    fn adaptive(
        &self,
        a: f64,
        b: f64,
        whole: Vec<f64>,
        tolerance_per_unit: f64,
        depth: u32,
    ) -> Vec<f64> {
        let mid = (a + b) / 2.0;
        let left = self.gauss(a, mid);
        let right = self.gauss(mid, b);
        let error = whole
            .iter()
            .zip(left.iter().zip(&right))
            .map(|(w, (l, r))| (l + r - w).abs())
            .fold(0.0, f64::max);
        let spent = self.bisections.get();
        if error <= tolerance_per_unit * (b - a) || depth >= MAX_DEPTH || spent >= MAX_BISECTIONS {
            return left.iter().zip(&right).map(|(l, r)| l + r).collect();
        }
        self.bisections.set(spent + 1);
        let mut left = self.adaptive(a, mid, left, tolerance_per_unit, depth + 1);
        let right = self.adaptive(mid, b, right, tolerance_per_unit, depth + 1);
        left.iter_mut().zip(right).for_each(|(l, r)| *l += r);
        left
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ranking::posterior::{self, Counts};

    fn arms(counts: &[(u32, u32)]) -> Vec<Posterior> {
        counts
            .iter()
            .map(|&(s, n)| Posterior::uniform_prior(Counts::new(s.into(), n.into(), true).unwrap()))
            .collect()
    }

    /// With two arms, P(best) is P(beats the other), which has an exact closed form.
    #[test]
    fn two_arms_match_the_exact_comparison() {
        for pair in [
            [(30, 200), (45, 210)],
            [(0, 0), (3, 4)],
            [(1, 2), (2, 1000)],
            [(500, 5000), (520, 5000)],
            [(0, 1000), (0, 10)],
        ] {
            let posteriors = arms(&pair);
            let best = probabilities(&posteriors);
            let exact = posterior::prob_beats(&posteriors[0], &posteriors[1]);
            assert!(
                (best[1] - exact).abs() < 1e-6,
                "{pair:?}: {} vs {exact}",
                best[1]
            );
        }
    }

    /// Three arms, against mpmath 1.4 `quad` at 30 digits of
    /// ∫ f_k(x) Π_{j≠k} F_j(x) dx with scipy's Beta pdf/cdf formulas:
    /// (5/50, 9/60, 12/70) → 0.0859803661, 0.3451372641, 0.5688823698.
    #[test]
    fn three_arms_match_high_precision_integration() {
        let best = probabilities(&arms(&[(5, 50), (9, 60), (12, 70)]));
        for (p, expected) in best.iter().zip([0.0859803661, 0.3451372641, 0.5688823698]) {
            assert!((p - expected).abs() < 1e-6, "{best:?}");
        }
    }

    #[test]
    fn identical_arms_share_evenly_and_dominated_arms_get_nothing() {
        let best = probabilities(&arms(&[(10, 100); 200]));
        assert!(best.iter().all(|p| (p - 1.0 / 200.0).abs() < 1e-12));
        let best = probabilities(&arms(&[(10, 100_000), (9_000, 10_000)]));
        assert_eq!(best, vec![0.0, 1.0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn sums_to_one_and_swapping_arms_swaps_results(
            counts in prop::collection::vec((0u32..200, 0u32..2000), 2..12),
        ) {
            let counts: Vec<(u32, u32)> = counts.into_iter().map(|(s, f)| (s, s + f)).collect();
            let best = probabilities(&arms(&counts));
            prop_assert!((best.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let mut reversed = counts.clone();
            reversed.reverse();
            let mut best_reversed = probabilities(&arms(&reversed));
            best_reversed.reverse();
            for (a, b) in best.iter().zip(&best_reversed) {
                prop_assert!((a - b).abs() < 1e-9, "{:?} vs {:?}", best, best_reversed);
            }
        }
    }

    /// Counts near 2^63 beside small ones (found by the fuzzer): the integrand of the
    /// narrow posteriors is noise, and the work stays bounded by the bisection budget.
    #[test]
    fn huge_and_small_counts_end_and_sum_to_one() {
        let top = i64::MAX as f64;
        let arms: Vec<Posterior> = [
            (9_007_199_254_740_993.0, top),
            (1.0, top),
            (5.0, 10.0),
            (0.0, 1.0),
        ]
        .into_iter()
        .map(|(s, n)| Posterior::uniform_prior(posterior::Counts::new(s, n, true).unwrap()))
        .collect();
        let p = probabilities(&arms);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
    }
}
