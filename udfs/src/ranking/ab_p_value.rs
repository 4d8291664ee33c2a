//! `ab_p_value(succ_a, n_a, succ_b, n_b)`: two-sided p-value of the two-proportion z-test.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;
use statrs::function::erf::erfc;

use super::TWO_ARMS;
use super::posterior::Counts;
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "Two-sided p-value of the pooled two-proportion z-test of H0: rate A = rate B, in [0, 1].
z = (p_b − p_a) / √(p (1 − p) (1/n_a + 1/n_b)) with the pooled rate p = (succ_a + succ_b) / (n_a + n_b); p-value = 2 (1 − Φ(|z|)).
1 when the pooled rate is 0 or 1 (both arms identical, nothing to test). NULL when a trial count is 0, an argument is NULL, or counts are impossible (negative, successes > trials).
The normal approximation needs roughly 5+ successes and failures per arm; for small samples prefer prob_beats.",
    syntax_example = "ab_p_value(succ_a, n_a, succ_b, n_b)",
    sql_example = r#"```sql
> SELECT ab_p_value(120, 1000, 150, 1000);  -- 0.0496403869
```"#,
    argument(name = "succ_a", description = "Successes of arm A."),
    argument(name = "n_a", description = "Trials of arm A."),
    argument(name = "succ_b", description = "Successes of arm B."),
    argument(name = "n_b", description = "Trials of arm B.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AbPValue;

impl NumericFunction for AbPValue {
    type Output = f64;

    fn name(&self) -> &'static str {
        "ab_p_value"
    }

    fn params(&self) -> &'static [Param] {
        TWO_ARMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let Some((a, b)) = Counts::two_arms(args, false) else {
            return Ok(None);
        };
        if a.trials == 0.0 || b.trials == 0.0 {
            return Ok(None);
        }
        let pooled = (a.successes + b.successes) / (a.trials + b.trials);
        let variance = pooled * (1.0 - pooled) * (1.0 / a.trials + 1.0 / b.trials);
        if variance <= 0.0 {
            return Ok(Some(1.0));
        }
        let z = (b.successes / b.trials - a.successes / a.trials) / variance.sqrt();
        Ok(Some(erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// statsmodels 0.15 `proportions_ztest([succ_a, succ_b], [n_a, n_b])` (pooled, two-sided).
    #[test]
    fn matches_statsmodels() {
        let cases = [
            ([30.0, 200.0, 45.0, 210.0], 0.092379670560),
            ([120.0, 1000.0, 150.0, 1000.0], 0.049640386865),
            ([1.0, 3.0, 50.0, 60.0], 0.031374508192),
            ([5.0, 10.0, 5.0, 10.0], 1.0),
        ];
        for (args, expected) in cases {
            let p = AbPValue.evaluate(&args).unwrap().unwrap();
            assert!((p - expected).abs() < 1e-10, "{args:?}: {p}");
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(
            AbPValue.evaluate(&[0.0, 50.0, 0.0, 60.0]).unwrap(),
            Some(1.0)
        );
        assert_eq!(AbPValue.evaluate(&[0.0, 0.0, 1.0, 60.0]).unwrap(), None);
        assert_eq!(AbPValue.evaluate(&[7.0, 5.0, 1.0, 60.0]).unwrap(), None);
    }
}
