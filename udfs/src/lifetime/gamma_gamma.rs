//! The Gamma-Gamma model of spend (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
//! Curves"; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): a customer's
//! purchase values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of
//! how often they buy. A customer is summarised by x purchases of mean value m̄.

use statrs::function::gamma::{digamma, ln_gamma};

/// The model's parameters p, q and γ (`v`, in units of money).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl GammaGamma {
    /// The parameters if all are finite and positive.
    pub(crate) fn new(p: f64, q: f64, v: f64) -> Option<Self> {
        [p, q, v]
            .iter()
            .all(|value| value.is_finite() && *value > 0.0)
            .then_some(GammaGamma { p, q, v })
    }

    /// The parts of the log-likelihood and its gradient that depend on x only.
    pub(crate) fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let GammaGamma { p, q, v } = *self;
        let px = p * x;
        let shared = digamma(px + q);
        FrequencyTerms {
            gammas: ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + px * x.ln(),
            gammas_gradient: [
                x * (shared - digamma(px) + x.ln()),
                shared - digamma(q) + v.ln(),
                q / v,
            ],
        }
    }

    /// ln f(m̄ | p, q, γ; x), Fader & Hardie (2013) equation (4): the density of the mean
    /// of x purchases, and its gradient with respect to (p, q, γ).
    pub(crate) fn log_likelihood(
        &self,
        x: f64,
        mean_value: f64,
        terms: &FrequencyTerms,
    ) -> (f64, [f64; 3]) {
        let px = self.p * x;
        let total = self.v + x * mean_value;
        let (ln_mean, ln_total) = (mean_value.ln(), total.ln());
        let value = terms.gammas + (px - 1.0) * ln_mean - (px + self.q) * ln_total;
        let [dp, dq, dv] = terms.gammas_gradient;
        let gradient = [
            dp + x * (ln_mean - ln_total),
            dq - ln_total,
            dv - (px + self.q) / total,
        ];
        (value, gradient)
    }

    /// E[M | x, m̄] = p(γ + x m̄) / (p x + q − 1), the expected value of a future purchase;
    /// for x = 0 the population mean pγ/(q − 1). `None` for q ≤ 1, where the mean is
    /// infinite.
    pub(crate) fn expected_value(&self, x: f64, mean_value: f64) -> Option<f64> {
        let GammaGamma { p, q, v } = *self;
        if q <= 1.0 {
            return None;
        }
        Some(p * (v + x * mean_value) / (p * x + q - 1.0))
    }
}

/// The parts of a customer's log-likelihood shared by one frequency: the Gamma-function
/// terms and their gradient.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrequencyTerms {
    gammas: f64,
    gammas_gradient: [f64; 3],
}

/// A customer the model can describe: x ≥ 1 whole purchases of a positive, finite mean.
pub(crate) fn usable(x: f64, mean_value: f64) -> bool {
    x.is_finite() && x >= 1.0 && x.fract() == 0.0 && mean_value.is_finite() && mean_value > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fader & Hardie (2013), section 4: the CDNOW estimates p = 6.25, q = 3.74,
    /// γ = 15.44, and the population mean pγ/(q − 1) = 35.22.
    #[test]
    fn population_mean_of_the_cdnow_estimates() {
        let model = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let mean = model.expected_value(0.0, 0.0).unwrap();
        assert!((mean - 6.25 * 15.44 / 2.74).abs() < 1e-12, "{mean}");
        assert!((mean - 35.22).abs() < 0.01, "{mean}");
    }

    /// The conditional mean is a weighted average of the population mean and the
    /// customer's own mean, moving towards the latter as x grows.
    #[test]
    fn conditional_means_shrink_towards_the_population() {
        let model = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let population = model.expected_value(0.0, 0.0).unwrap();
        let one = model.expected_value(1.0, 100.0).unwrap();
        let many = model.expected_value(50.0, 100.0).unwrap();
        assert!(population < one && one < many && many < 100.0);
        assert!(
            GammaGamma::new(1.0, 1.0, 1.0)
                .unwrap()
                .expected_value(1.0, 5.0)
                .is_none()
        );
    }

    /// The density integrates to one over m̄ (trapezoid rule on a fine grid).
    #[test]
    fn the_density_of_the_mean_integrates_to_one() {
        let model = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        for x in [1.0, 3.0, 10.0] {
            let terms = model.frequency_terms(x);
            let step = 0.01;
            let total: f64 = (1..200_000)
                .map(|i| model.log_likelihood(x, f64::from(i) * step, &terms).0.exp() * step)
                .sum();
            assert!((total - 1.0).abs() < 1e-3, "x = {x}: {total}");
        }
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let parameters = [6.25, 3.74, 15.44];
        let at = |p: [f64; 3], x: f64, mean_value: f64| {
            let model = GammaGamma::new(p[0], p[1], p[2]).unwrap();
            model.log_likelihood(x, mean_value, &model.frequency_terms(x))
        };
        for (x, mean_value) in [(1.0, 12.5), (3.0, 40.0), (25.0, 300.0)] {
            let (_, gradient) = at(parameters, x, mean_value);
            for (i, analytic) in gradient.iter().enumerate() {
                let h = 1e-6 * parameters[i];
                let (mut up, mut down) = (parameters, parameters);
                up[i] += h;
                down[i] -= h;
                let numeric = (at(up, x, mean_value).0 - at(down, x, mean_value).0) / (2.0 * h);
                assert!(
                    (analytic - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "x={x} m={mean_value} parameter {i}: {analytic} vs {numeric}"
                );
            }
        }
    }
}
