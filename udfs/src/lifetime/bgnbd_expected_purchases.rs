//! `bgnbd_expected_purchases(t, frequency, recency, age, r, alpha, a, b)`: the purchases a
//! customer is expected to make in the next t units under a fitted BG/NBD model.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::scored_customer;
use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer lifetime"),
    description = "E[Y(t) | frequency, recency, age]: the expected number of purchases in the next t units under the BG/NBD model with parameters r, alpha, a, b, Fader, Hardie & Lee (2005) equation (10): P(alive) · (a+b+x−1)/(a−1) · [1 − ((alpha+T)/(alpha+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(alpha+T+t))].
The Gauss hypergeometric function is summed as its power series, which converges for every t ≥ 0 because its argument is below 1; it is summed in log space, so large frequencies do not overflow, and until the remaining terms are below 1e-16 of the sum. Where 10⁶ terms do not get there (t many times alpha + age) the result is NULL rather than an inaccurate number; it is NULL for a = 1 too, where the formula is 0/0.
NULL when an argument is NULL, t < 0, the customer is impossible or a parameter is not positive and finite; 0 for t = 0.",
    syntax_example = "bgnbd_expected_purchases(t, frequency, recency, age, r, alpha, a, b)",
    sql_example = r#"```sql
> SELECT bgnbd_expected_purchases(39, 2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426);  -- 1.226028175
```"#,
    argument(
        name = "t",
        description = "The horizon, in the time unit of the other arguments."
    ),
    argument(name = "frequency", description = "Repeat purchases."),
    argument(
        name = "recency",
        description = "Time from the first to the last purchase."
    ),
    argument(
        name = "age",
        description = "Time from the first purchase to the end of the calibration period."
    ),
    argument(
        name = "r",
        description = "Shape of the purchase rates (bgnbd_fit's r)."
    ),
    argument(
        name = "alpha",
        description = "Scale of the purchase rates (bgnbd_fit's alpha)."
    ),
    argument(name = "a", description = "Dropout parameter a."),
    argument(name = "b", description = "Dropout parameter b.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdExpectedPurchases;

const PARAMS: &[Param] = &[
    Param::column("t", ArgKind::Number),
    Param::column("frequency", ArgKind::Number),
    Param::column("recency", ArgKind::Number),
    Param::column("age", ArgKind::Number),
    Param::column("r", ArgKind::Number),
    Param::column("alpha", ArgKind::Number),
    Param::column("a", ArgKind::Number),
    Param::column("b", ArgKind::Number),
];

impl NumericFunction for BgNbdExpectedPurchases {
    type Output = f64;

    fn name(&self) -> &'static str {
        "bgnbd_expected_purchases"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let Some((&t, rest)) = args.split_first() else {
            return Ok(None);
        };
        let Some((customer, model)) = scored_customer(rest) else {
            return Ok(None);
        };
        if !(t.is_finite() && t >= 0.0) {
            return Ok(None);
        }
        Ok(model.expected_purchases(t, &customer))
    }
}
