//! `prob_beats(succ_a, n_a, succ_b, n_b)`: Bayesian probability that arm B's rate is
//! higher than arm A's.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::TWO_ARMS;
use super::posterior::{self, Counts, Posterior};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "P(p_b > p_a): the probability that arm B's true success rate exceeds arm A's, with uniform priors, so p ~ Beta(1 + successes, 1 + trials − successes). In [0, 1]; prob_beats(a, b) + prob_beats(b, a) = 1.
Computed exactly with Evan Miller's closed form (a finite sum of Beta-function ratios, evaluated in log space so counts in the millions neither overflow nor underflow), not by simulation. The sum has min(successes, failures) + 1 terms of the smaller arm.
NULL when an argument is NULL, not a whole number, negative, or successes > trials. Zero trials is allowed (the uniform prior).
Reference: Evan Miller (2015), Formulas for Bayesian A/B Testing.",
    syntax_example = "prob_beats(succ_a, n_a, succ_b, n_b)",
    sql_example = r#"```sql
> SELECT prob_beats(30, 200, 45, 210);  -- 0.953021215
```"#,
    argument(name = "succ_a", description = "Successes of arm A."),
    argument(name = "n_a", description = "Trials of arm A."),
    argument(name = "succ_b", description = "Successes of arm B."),
    argument(name = "n_b", description = "Trials of arm B.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ProbBeats;

impl NumericFunction for ProbBeats {
    type Output = f64;

    fn name(&self) -> &'static str {
        "prob_beats"
    }

    fn params(&self) -> &'static [Param] {
        TWO_ARMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let Some((a, b)) = Counts::two_arms(args, true) else {
            return Ok(None);
        };
        Ok(Some(posterior::prob_beats(
            &Posterior::uniform_prior(a),
            &Posterior::uniform_prior(b),
        )))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn beats(args: [f64; 4]) -> f64 {
        ProbBeats.evaluate(&args).unwrap().unwrap()
    }

    /// scipy 1.17 `integrate.quad(lambda x: B.pdf(x) * A.cdf(x), 0, 1)` with
    /// A, B = `stats.beta(1 + s, 1 + n − s)`, epsabs 1e-14.
    #[test]
    fn matches_numerical_integration() {
        let cases = [
            ([30.0, 200.0, 45.0, 210.0], 0.953021215101),
            ([10.0, 100.0, 12.0, 100.0], 0.670720465212),
            ([0.0, 0.0, 0.0, 0.0], 0.5),
            ([3.0, 10.0, 7.0, 10.0], 0.956945531249),
            ([10_000.0, 100_000.0, 10_200.0, 100_000.0], 0.931110279881),
        ];
        for (args, expected) in cases {
            let p = beats(args);
            assert!((p - expected).abs() < 1e-9, "{args:?}: {p}");
        }
    }

    #[test]
    fn impossible_or_fractional_counts_are_null() {
        assert_eq!(ProbBeats.evaluate(&[3.0, 2.0, 1.0, 2.0]).unwrap(), None);
        assert_eq!(ProbBeats.evaluate(&[1.5, 2.0, 1.0, 2.0]).unwrap(), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Continuous posteriors never tie, so exactly one arm is ahead.
        #[test]
        fn the_two_orders_sum_to_one(sa in 0u32..400, fa in 0u32..400, sb in 0u32..400, fb in 0u32..400) {
            let (sa, na, sb, nb) = (sa as f64, (sa + fa) as f64, sb as f64, (sb + fb) as f64);
            let sum = beats([sa, na, sb, nb]) + beats([sb, nb, sa, na]);
            prop_assert!((sum - 1.0).abs() < 1e-9, "{}", sum);
        }

        /// One more success for B (same trials) can only raise P(B > A).
        #[test]
        fn monotone_in_successes(sa in 0u32..300, fa in 0u32..300, sb in 0u32..300, fb in 1u32..300) {
            let (sa, na, sb, nb) = (sa as f64, (sa + fa) as f64, sb as f64, (sb + fb) as f64);
            let before = beats([sa, na, sb, nb]);
            let after = beats([sa, na, sb + 1.0, nb]);
            prop_assert!(after >= before - 1e-12, "{} then {}", before, after);
        }
    }
}
