//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"):
//! while alive a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each
//! purchase they drop out with probability p ~ Beta(a, b). A customer is summarised by
//! x (repeat purchases), t_x (time of the last purchase) and T (time observed), all counted
//! from their first purchase.

use statrs::function::gamma::ln_gamma;

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

    /// The parts of the log-likelihood that depend on x only (the Gamma-function terms),
    /// so a fit computes them once per distinct frequency.
    pub(crate) fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let BgNbd { r, alpha, a, b } = *self;
        let gammas =
            ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
                - ln_gamma(b)
                - ln_gamma(a + b + x);
        let dropped = if x > 0.0 {
            a.ln() - (b + x - 1.0).ln()
        } else {
            f64::NEG_INFINITY
        };
        FrequencyTerms { gammas, dropped }
    }

    /// ln L(r, α, a, b | x, t_x, T), the paper's equation (6):
    /// ln A₁ + ln A₂ + ln(A₃ + δ(x>0) A₄).
    pub(crate) fn log_likelihood(&self, customer: &Customer, terms: &FrequencyTerms) -> f64 {
        let power = self.r + customer.x;
        let alive = -power * (self.alpha + customer.age).ln();
        let dropped = terms.dropped - power * (self.alpha + customer.t_x).ln();
        terms.gammas + log_add_exp(alive, dropped)
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

/// The Gamma-function part of a customer's log-likelihood and ln(a/(b+x−1)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrequencyTerms {
    gammas: f64,
    dropped: f64,
}

/// ln(eᵃ + eᵇ) without overflow.
fn log_add_exp(a: f64, b: f64) -> f64 {
    let (high, low) = if a >= b { (a, b) } else { (b, a) };
    if low == f64::NEG_INFINITY {
        return high;
    }
    high + (low - high).exp().ln_1p()
}

#[cfg(test)]
mod tests {
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
        assert!(model.log_likelihood(&customer, &terms).is_finite());
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
}
