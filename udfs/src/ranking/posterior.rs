//! Beta posteriors of success rates: an arm with `s` successes in `n` trials and a uniform
//! prior has rate ~ Beta(1 + s, 1 + n − s).

use statrs::function::beta::{beta_reg, ln_beta};

use super::best_arm;

/// The longest of Evan Miller's sums evaluated term by term; past it (both arms with tens
/// of thousands of successes and of failures) the two-arm quadrature of [`best_arm`] is
/// as exact (1e-8) and its cost does not grow with the counts.
const MAX_EXACT_TERMS: f64 = 20_000.0;

/// Successes and trials of one arm, checked: finite, 0 ≤ successes ≤ trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Counts {
    pub successes: f64,
    pub trials: f64,
}

impl Counts {
    /// `None` for counts no experiment can produce (negative, successes above trials,
    /// NaN or infinite); with `whole`, also for fractional counts.
    pub(crate) fn new(successes: f64, trials: f64, whole: bool) -> Option<Self> {
        let valid = successes.is_finite()
            && trials.is_finite()
            && successes >= 0.0
            && successes <= trials
            && (!whole || (successes.fract() == 0.0 && trials.fract() == 0.0));
        valid.then_some(Self { successes, trials })
    }

    /// Arms A and B from a row's `succ_a, n_a, succ_b, n_b`, if both are valid.
    pub(crate) fn two_arms(args: &[f64], whole: bool) -> Option<(Self, Self)> {
        Some((
            Self::new(args[0], args[1], whole)?,
            Self::new(args[2], args[3], whole)?,
        ))
    }
}

/// Beta(alpha, beta).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Posterior {
    pub alpha: f64,
    pub beta: f64,
    ln_norm: f64,
}

impl Posterior {
    pub(crate) fn new(alpha: f64, beta: f64) -> Self {
        Self {
            alpha,
            beta,
            ln_norm: ln_beta(alpha, beta),
        }
    }

    /// The posterior of `counts` under a uniform Beta(1, 1) prior.
    pub(crate) fn uniform_prior(counts: Counts) -> Self {
        // Failures first: at counts near 2^63, `1 + trials` rounds to `trials` and
        // `1 + trials − successes` would become 0, which no Beta distribution has.
        let failures = counts.trials - counts.successes;
        Self::new(1.0 + counts.successes, 1.0 + failures)
    }

    pub(crate) fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    pub(crate) fn std_dev(&self) -> f64 {
        let total = self.alpha + self.beta;
        (self.alpha * self.beta / (total * total * (total + 1.0))).sqrt()
    }

    /// ln of the density at `x` in (0, 1).
    pub(crate) fn ln_pdf(&self, x: f64) -> f64 {
        (self.alpha - 1.0) * x.ln() + (self.beta - 1.0) * (-x).ln_1p() - self.ln_norm
    }

    pub(crate) fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else if x >= 1.0 {
            1.0
        } else {
            beta_reg(self.alpha, self.beta, x)
        }
    }

    /// The same distribution of 1 − p.
    fn mirrored(&self) -> Self {
        Self {
            alpha: self.beta,
            beta: self.alpha,
            ln_norm: self.ln_norm,
        }
    }
}

/// P(p_b > p_a) for p_a ~ `a`, p_b ~ `b` with whole-number parameters, exactly.
///
/// Evan Miller's closed form ("Formulas for Bayesian A/B testing", 2015) sums α_b terms:
/// P(p_b > p_a) = Σ_{i=0}^{α_b−1} B(α_a+i, β_a+β_b) / ((β_b+i) B(1+i, β_b) B(α_a, β_a)).
/// The same probability is also 1 − P(p_a > p_b) (α_a terms) and, mirroring both rates to
/// 1 − p, a sum of β_a or β_b terms, so the shortest of the four sums is taken. Terms are
/// added in log space: B(·) of large counts underflows, their ratios do not.
pub(crate) fn prob_beats(a: &Posterior, b: &Posterior) -> f64 {
    let (shortest, terms) = [b.alpha, a.alpha, a.beta, b.beta]
        .into_iter()
        .enumerate()
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap_or((0, 0.0));
    if terms > MAX_EXACT_TERMS {
        return match best_arm::probabilities(&[*a, *b]).as_slice() {
            [_, b_best] => b_best.clamp(0.0, 1.0),
            _ => 0.5,
        };
    }
    let probability = match shortest {
        0 => miller_sum(a, b),
        1 => 1.0 - miller_sum(b, a),
        // p_b > p_a ⇔ 1 − p_a > 1 − p_b.
        2 => miller_sum(&b.mirrored(), &a.mirrored()),
        _ => 1.0 - miller_sum(&a.mirrored(), &b.mirrored()),
    };
    probability.clamp(0.0, 1.0)
}

/// Evan Miller's sum for P(p_b > p_a); α_b terms.
fn miller_sum(a: &Posterior, b: &Posterior) -> f64 {
    let terms = b.alpha as u64;
    let mut max_term = f64::NEG_INFINITY;
    let ln_terms: Vec<f64> = (0..terms)
        .map(|i| {
            let i = i as f64;
            let term = ln_beta(a.alpha + i, a.beta + b.beta)
                - (b.beta + i).ln()
                - ln_beta(1.0 + i, b.beta)
                - a.ln_norm;
            max_term = max_term.max(term);
            term
        })
        .collect();
    if max_term == f64::NEG_INFINITY {
        return 0.0;
    }
    let scaled: f64 = ln_terms.iter().map(|term| (term - max_term).exp()).sum();
    (max_term + scaled.ln()).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posterior(successes: f64, trials: f64) -> Posterior {
        Posterior::uniform_prior(Counts::new(successes, trials, true).unwrap())
    }

    #[test]
    fn counts_reject_impossible_experiments() {
        assert!(Counts::new(3.0, 2.0, false).is_none());
        assert!(Counts::new(-1.0, 2.0, false).is_none());
        assert!(Counts::new(f64::NAN, 2.0, false).is_none());
        assert!(Counts::new(1.5, 2.0, true).is_none());
        assert!(Counts::new(1.5, 2.0, false).is_some());
        assert!(Counts::new(0.0, 0.0, true).is_some());
    }

    /// Two arms with no data are uniform: each beats the other half the time.
    #[test]
    fn equal_arms_are_even() {
        for (s, n) in [(0.0, 0.0), (5.0, 10.0), (300.0, 10_000.0)] {
            let p = prob_beats(&posterior(s, n), &posterior(s, n));
            assert!((p - 0.5).abs() < 1e-9, "{s}/{n}: {p}");
        }
    }

    /// Every one of the four sums gives the same probability.
    #[test]
    fn the_four_sums_agree() {
        let a = posterior(12.0, 40.0);
        let b = posterior(20.0, 45.0);
        let direct = miller_sum(&a, &b);
        let complement = 1.0 - miller_sum(&b, &a);
        let mirrored = miller_sum(&b.mirrored(), &a.mirrored());
        let mirrored_complement = 1.0 - miller_sum(&a.mirrored(), &b.mirrored());
        for other in [complement, mirrored, mirrored_complement] {
            assert!((direct - other).abs() < 1e-12, "{direct} vs {other}");
        }
    }

    /// Counts past the exact sums' length go through quadrature and stay continuous with
    /// the exact answer just below the switch.
    #[test]
    fn huge_counts_switch_to_quadrature_seamlessly() {
        let exact = prob_beats(
            &posterior(19_000.0, 40_000.0),
            &posterior(19_200.0, 40_000.0),
        );
        let a = posterior(19_000.0, 40_000.0);
        let b = posterior(19_200.0, 40_000.0);
        let quadrature = best_arm::probabilities(&[a, b])[1];
        assert!((exact - quadrature).abs() < 1e-7, "{exact} vs {quadrature}");
        let p = prob_beats(&posterior(4e17, 1e18), &posterior(4.000_001e17, 1e18));
        assert!((0.0..=1.0).contains(&p), "{p}");
    }

    /// At i64::MAX, `1 + trials − successes` rounds to 0 unless failures are taken first.
    #[test]
    fn counts_near_two_to_the_63_keep_a_valid_posterior() {
        let top = i64::MAX as f64;
        let arm = posterior(top, top);
        assert_eq!((arm.alpha, arm.beta), (1.0 + top, 1.0));
        let p = prob_beats(&arm, &posterior(1.0, 2.0));
        assert!(p < 1e-6, "{p}");
    }

    /// Large counts: no overflow, and the answer matches the normal approximation closely
    /// (p_a = 0.10 ± 0.000949, p_b = 0.102 ± 0.000957 at n = 100 000: z = 1.4836,
    /// Φ(z) = 0.93104; scipy.stats.norm.cdf).
    #[test]
    fn large_counts_stay_finite() {
        let p = prob_beats(
            &posterior(10_000.0, 100_000.0),
            &posterior(10_200.0, 100_000.0),
        );
        assert!((p - 0.93104).abs() < 2e-3, "{p}");
    }
}
