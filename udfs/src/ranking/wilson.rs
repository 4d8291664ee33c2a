//! The Wilson score interval of a binomial proportion, shared by `wilson_lower` and
//! `wilson_upper`.

use datafusion::common::{Result, exec_err};
use statrs::function::erf::erf_inv;

use super::posterior::Counts;
use crate::common::args::{ArgKind, Param};

pub(super) const PARAMS: &[Param] = &[
    Param::column("successes", ArgKind::Number),
    Param::column("trials", ArgKind::Number),
    Param::optional("confidence", ArgKind::Number),
];

pub(super) const DEFAULT_CONFIDENCE: f64 = 0.95;

/// (lower, upper) for the row's arguments `successes, trials [, confidence]`; `None` when
/// there are no trials or the counts are impossible.
pub(super) fn interval(function: &str, args: &[f64]) -> Result<Option<(f64, f64)>> {
    let confidence = args.get(2).copied().unwrap_or(DEFAULT_CONFIDENCE);
    if !(confidence > 0.0 && confidence < 1.0) {
        return exec_err!(
            "{function}: confidence must be between 0 and 1 (exclusive), got {confidence}"
        );
    }
    let Some(counts) = Counts::new(args[0], args[1], false) else {
        return Ok(None);
    };
    if counts.trials == 0.0 {
        return Ok(None);
    }
    // Two-sided normal quantile: Φ⁻¹((1 + c) / 2) = √2 · erf⁻¹(c).
    let z = std::f64::consts::SQRT_2 * erf_inv(confidence);
    let n = counts.trials;
    let p = counts.successes / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half_width = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p = 0 (p = 1) the bound is 0 (1) exactly; the formula leaves rounding noise.
    let lower = if counts.successes == 0.0 {
        0.0
    } else {
        (centre - half_width).max(0.0)
    };
    let upper = if counts.successes == n {
        1.0
    } else {
        (centre + half_width).min(1.0)
    };
    Ok(Some((lower, upper)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(args: &[f64]) -> (f64, f64) {
        interval("wilson", args).unwrap().unwrap()
    }

    /// statsmodels 0.15 `proportion_confint(count, nobs, alpha, method="wilson")`:
    /// 5/10 → (0.236593091, 0.763406909); 0/20 → (0, 0.161125158);
    /// 47/1000 at 0.99 → (0.032546192, 0.067425404); 20/20 → (0.838874842, 1).
    #[test]
    fn matches_statsmodels() {
        let cases = [
            (vec![5.0, 10.0], (0.236593091, 0.763406909)),
            (vec![0.0, 20.0], (0.0, 0.161125158)),
            (vec![47.0, 1000.0, 0.99], (0.032546192, 0.067425404)),
            (vec![20.0, 20.0], (0.838874842, 1.0)),
        ];
        for (args, (lower, upper)) in cases {
            let (l, u) = bounds(&args);
            assert!((l - lower).abs() < 1e-8, "{args:?}: lower {l}");
            assert!((u - upper).abs() < 1e-8, "{args:?}: upper {u}");
        }
    }

    #[test]
    fn no_trials_or_impossible_counts_have_no_interval() {
        assert_eq!(interval("w", &[0.0, 0.0]).unwrap(), None);
        assert_eq!(interval("w", &[3.0, 2.0]).unwrap(), None);
        assert_eq!(interval("w", &[-1.0, 2.0]).unwrap(), None);
    }

    #[test]
    fn confidence_outside_zero_one_is_an_error() {
        for confidence in [0.0, 1.0, 95.0, -0.5, f64::NAN] {
            let error = interval("wilson_lower", &[1.0, 2.0, confidence]).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("wilson_lower: confidence must be between 0 and 1")
            );
        }
    }
}
