//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"):
//! while alive a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each
//! purchase they drop out with probability p ~ Beta(a, b). A customer is summarised by
//! x (repeat purchases), t_x (time of the last purchase) and T (time observed), all counted
//! from their first purchase.

use statrs::function::gamma::{digamma, ln_gamma};

use super::hypergeometric::ln_hyp2f1;

/// The model's parameters: r and α of the purchase rates, a and b of the dropout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// One customer: repeat purchases, recency and age.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Customer {
    pub x: f64,
    pub t_x: f64,
    pub age: f64,
}

impl Customer {
    /// The customer if the triple is one the model can describe: x a whole number ≥ 0,
    /// 0 ≤ t_x ≤ T, all finite.
    pub(crate) fn new(x: f64, t_x: f64, age: f64) -> Option<Self> {
        let valid = x.is_finite()
            && x >= 0.0
            && x.fract() == 0.0
            && t_x.is_finite()
            && age.is_finite()
            && t_x >= 0.0
            && t_x <= age;
        valid.then_some(Customer { x, t_x, age })
    }
}

impl BgNbd {
    /// The parameters if all are finite and positive.
    pub(crate) fn new(r: f64, alpha: f64, a: f64, b: f64) -> Option<Self> {
        [r, alpha, a, b]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            .then_some(BgNbd { r, alpha, a, b })
    }

    /// The parts of the log-likelihood and its gradient that depend on x only (the
    /// Gamma-function terms and their derivatives), so a fit computes them once per
    /// distinct frequency.
    pub(crate) fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let BgNbd { r, alpha, a, b } = *self;
        let gammas =
            ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
                - ln_gamma(b)
                - ln_gamma(a + b + x);
        let (dropped, inverse_b) = if x > 0.0 {
            (a.ln() - (b + x - 1.0).ln(), 1.0 / (b + x - 1.0))
        } else {
            (f64::NEG_INFINITY, 0.0)
        };
        let shared = digamma(a + b) - digamma(a + b + x);
        FrequencyTerms {
            gammas,
            dropped,
            gammas_gradient: [
                digamma(r + x) - digamma(r) + alpha.ln(),
                r / alpha,
                shared,
                shared + digamma(b + x) - digamma(b),
            ],
            inverse_a: 1.0 / a,
            inverse_b,
        }
    }

    /// ln L(r, α, a, b | x, t_x, T), the paper's equation (6),
    /// ln A₁ + ln A₂ + ln(A₃ + δ(x>0) A₄), and its gradient with respect to (r, α, a, b).
    pub(crate) fn log_likelihood(
        &self,
        customer: &Customer,
        terms: &FrequencyTerms,
    ) -> (f64, [f64; 4]) {
        let power = self.r + customer.x;
        let at_age = self.alpha + customer.age;
        let at_last = self.alpha + customer.t_x;
        let (ln_age, ln_last) = (at_age.ln(), at_last.ln());
        let alive = -power * ln_age;
        let dropped = terms.dropped - power * ln_last;
        // The share w of the likelihood from having dropped out after the last purchase:
        // each derivative is the alive and dropped cases' derivatives weighted by 1 − w, w.
        let (high, low) = if alive >= dropped {
            (alive, dropped)
        } else {
            (dropped, alive)
        };
        let ratio = (low - high).exp();
        let value = terms.gammas + high + ratio.ln_1p();
        let w = if alive >= dropped {
            ratio / (1.0 + ratio)
        } else {
            1.0 / (1.0 + ratio)
        };
        let [dr, dalpha, da, db] = terms.gammas_gradient;
        let gradient = [
            dr - (1.0 - w) * ln_age - w * ln_last,
            dalpha - power * ((1.0 - w) / at_age + w / at_last),
            da + w * terms.inverse_a,
            db - w * terms.inverse_b,
        ];
        (value, gradient)
    }

    /// ln of the odds that the customer has dropped out: δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x).
    fn log_dropout_odds(&self, customer: &Customer) -> f64 {
        if customer.x == 0.0 {
            return f64::NEG_INFINITY;
        }
        let BgNbd { r, alpha, a, b } = *self;
        a.ln() - (b + customer.x - 1.0).ln()
            + (r + customer.x) * ((alpha + customer.age).ln() - (alpha + customer.t_x).ln())
    }

    /// P(alive | x, t_x, T) = 1 / (1 + odds), the paper's equation (13); 1 for x = 0.
    pub(crate) fn p_alive(&self, customer: &Customer) -> f64 {
        let odds = self.log_dropout_odds(customer);
        if odds > 0.0 {
            let inverse = (-odds).exp();
            inverse / (1.0 + inverse)
        } else {
            1.0 / (1.0 + odds.exp())
        }
    }

    /// E[Y(t) | x, t_x, T], the expected purchases in the next t units, the paper's
    /// equation (10); `None` where the hypergeometric series does not converge or a = 1.
    pub(crate) fn expected_purchases(&self, t: f64, customer: &Customer) -> Option<f64> {
        if t == 0.0 {
            return Some(0.0);
        }
        let BgNbd { r, alpha, a, b } = *self;
        if a == 1.0 {
            return None;
        }
        let x = customer.x;
        let horizon = alpha + customer.age + t;
        let z = t / horizon;
        let ln_f = ln_hyp2f1(r + x, b + x, a + b + x - 1.0, z)?;
        let ln_rest = (r + x) * ((alpha + customer.age).ln() - horizon.ln()) + ln_f;
        // 1 − exp(ln_rest), exactly even when ln_rest is near 0.
        let bracket = -ln_rest.exp_m1();
        let expected = (a + b + x - 1.0) / (a - 1.0) * bracket * self.p_alive(customer);
        expected.is_finite().then_some(expected)
    }
}

/// The parts of a customer's log-likelihood shared by one frequency: the Gamma-function
/// terms, ln(a/(b+x−1)) (−∞ for x = 0), the Gamma terms' gradient, 1/a and 1/(b+x−1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrequencyTerms {
    gammas: f64,
    dropped: f64,
    gammas_gradient: [f64; 4],
    inverse_a: f64,
    inverse_b: f64,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cdnow() -> BgNbd {
        // The paper's estimates for the CDNOW sample (weeks).
        BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap()
    }

    #[test]
    fn p_alive_is_one_without_repeat_purchases_and_grows_with_recency() {
        let model = cdnow();
        assert_eq!(model.p_alive(&Customer::new(0.0, 0.0, 38.86).unwrap()), 1.0);
        let mut last = 0.0;
        for t_x in [1.0, 5.0, 10.0, 20.0, 30.0, 38.0] {
            let p = model.p_alive(&Customer::new(3.0, t_x, 38.86).unwrap());
            assert!(p > last && p <= 1.0, "{t_x}: {p}");
            last = p;
        }
    }

    /// Reference values from mpmath 1.3 at 30 digits, equations (13) and (10) written out
    /// with `mpmath.hyp2f1`, for x = 2, t_x = 30.43, T = 38.86. The paper (section 5)
    /// reports the same customer's 39-week expectation as 1.226.
    #[test]
    fn p_alive_and_expected_purchases_match_the_closed_forms() {
        let model = cdnow();
        let customer = Customer::new(2.0, 30.43, 38.86).unwrap();
        let p = model.p_alive(&customer);
        assert!((p - 0.726_578_570_080_673).abs() < 1e-12, "{p}");
        let one = model.expected_purchases(1.0, &customer).unwrap();
        assert!((one - 0.037_447_969_741_732_3).abs() < 1e-12, "{one}");
        let year = model.expected_purchases(39.0, &customer).unwrap();
        assert!((year - 1.226_028_174_767_14).abs() < 1e-11, "{year}");
    }

    #[test]
    fn large_frequencies_and_ages_stay_finite() {
        let model = BgNbd::new(2.0, 10.0, 0.5, 3.0).unwrap();
        let customer = Customer::new(5000.0, 3000.0, 3650.0).unwrap();
        let p = model.p_alive(&customer);
        assert!((0.0..=1.0).contains(&p), "{p}");
        let e = model.expected_purchases(365.0, &customer).unwrap();
        assert!(e.is_finite() && e >= 0.0, "{e}");
        let terms = model.frequency_terms(customer.x);
        let (value, gradient) = model.log_likelihood(&customer, &terms);
        assert!(value.is_finite() && gradient.iter().all(|g| g.is_finite()));
    }

    /// The analytic gradient against central differences, for customers with and without
    /// repeat purchases, recent and lapsed.
    #[test]
    fn the_gradient_matches_finite_differences() {
        let parameters = [0.243, 4.414, 0.793, 2.426];
        let at = |p: [f64; 4], customer: &Customer| {
            let model = BgNbd::new(p[0], p[1], p[2], p[3]).unwrap();
            model.log_likelihood(customer, &model.frequency_terms(customer.x))
        };
        for (x, t_x, age) in [
            (0.0, 0.0, 30.0),
            (1.0, 2.0, 38.0),
            (7.0, 37.5, 38.0),
            (40.0, 3.0, 300.0),
        ] {
            let customer = Customer::new(x, t_x, age).unwrap();
            let (_, gradient) = at(parameters, &customer);
            for (i, analytic) in gradient.iter().enumerate() {
                let h = 1e-6 * parameters[i];
                let (mut up, mut down) = (parameters, parameters);
                up[i] += h;
                down[i] -= h;
                let numeric = (at(up, &customer).0 - at(down, &customer).0) / (2.0 * h);
                assert!(
                    (analytic - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "x={x} t_x={t_x} T={age} parameter {i}: {analytic} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn impossible_customers_and_parameters_are_refused() {
        assert!(Customer::new(-1.0, 0.0, 1.0).is_none());
        assert!(Customer::new(1.5, 0.0, 1.0).is_none());
        assert!(Customer::new(1.0, 2.0, 1.0).is_none());
        assert!(Customer::new(1.0, f64::NAN, 1.0).is_none());
        assert!(BgNbd::new(0.0, 1.0, 1.0, 1.0).is_none());
        assert!(BgNbd::new(1.0, f64::INFINITY, 1.0, 1.0).is_none());
    }

    fn parameters() -> impl Strategy<Value = BgNbd> {
        (0.01f64..20.0, 0.01f64..500.0, 0.01f64..20.0, 0.01f64..20.0)
            .prop_map(|(r, alpha, a, b)| BgNbd { r, alpha, a, b })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// P(alive) is a probability, 1 without repeat purchases (the model lets customers
        /// drop out only after a repeat purchase), rises with recency and falls with age.
        #[test]
        fn p_alive_is_a_probability_monotone_in_recency_and_age(
            model in parameters(),
            x in 0u32..500,
            recency_share in 0.0f64..1.0,
            age in 0.0f64..5000.0,
        ) {
            let x = f64::from(x);
            let t_x = if x == 0.0 { 0.0 } else { recency_share * age };
            let customer = Customer::new(x, t_x, age).unwrap();
            let p = model.p_alive(&customer);
            prop_assert!((0.0..=1.0).contains(&p), "{}", p);
            if x == 0.0 {
                prop_assert_eq!(p, 1.0);
            } else {
                let later = Customer::new(x, (t_x + 1.0).min(age), age).unwrap();
                prop_assert!(model.p_alive(&later) >= p, "recency {} → {}", p, model.p_alive(&later));
                let older = Customer::new(x, t_x, age + 1.0).unwrap();
                prop_assert!(model.p_alive(&older) <= p, "age {} → {}", p, model.p_alive(&older));
            }
        }

        /// Expected purchases are ≥ 0 and grow with the horizon, wherever the series
        /// converges.
        #[test]
        fn expected_purchases_grow_with_the_horizon(
            model in parameters(),
            x in 0u32..200,
            recency_share in 0.0f64..1.0,
            age in 0.0f64..1000.0,
            t in 0.0f64..500.0,
        ) {
            let x = f64::from(x);
            let t_x = if x == 0.0 { 0.0 } else { recency_share * age };
            let customer = Customer::new(x, t_x, age).unwrap();
            if let (Some(now), Some(later)) = (
                model.expected_purchases(t, &customer),
                model.expected_purchases(t + 10.0, &customer),
            ) {
                prop_assert!(now >= 0.0, "{}", now);
                prop_assert!(later >= now * (1.0 - 1e-9), "{} then {}", now, later);
            }
        }
    }
}
