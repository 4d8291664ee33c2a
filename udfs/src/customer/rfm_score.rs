//! `rfm_score(r, f, m)`: the three RFM dimension scores as one three-digit code.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{RFM_PARAMS, rfm_scores};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer value"),
    description = "RFM code 100·r + 10·f + m (111 … 555) from recency, frequency and monetary scores of 1–5 each, e.g. from quintile_score.
NULL when any score is NULL, fractional or outside 1–5.",
    syntax_example = "rfm_score(r, f, m)",
    sql_example = r#"```sql
> SELECT rfm_score(5, 3, 4);  -- 534
```"#,
    argument(name = "r", description = "Recency score, 1–5 (5 = most recent)."),
    argument(name = "f", description = "Frequency score, 1–5."),
    argument(name = "m", description = "Monetary score, 1–5.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RfmScore;

impl NumericFunction for RfmScore {
    type Output = i32;

    fn name(&self) -> &'static str {
        "rfm_score"
    }

    fn params(&self) -> &'static [Param] {
        RFM_PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<i32>> {
        Ok(rfm_scores(args).map(|[r, f, m]| 100 * i32::from(r) + 10 * i32::from(f) + i32::from(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_out_of_range() {
        assert_eq!(RfmScore.evaluate(&[5.0, 3.0, 4.0]).unwrap(), Some(534));
        assert_eq!(RfmScore.evaluate(&[1.0, 1.0, 1.0]).unwrap(), Some(111));
        for bad in [
            [0.0, 3.0, 4.0],
            [5.0, 6.0, 4.0],
            [5.0, 3.0, 4.5],
            [f64::NAN, 1.0, 1.0],
        ] {
            assert_eq!(RfmScore.evaluate(&bad).unwrap(), None, "{bad:?}");
        }
    }
}
