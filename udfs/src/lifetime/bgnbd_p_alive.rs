//! `bgnbd_p_alive(frequency, recency, age, r, alpha, a, b)`: the probability that a
//! customer is still active under a fitted BG/NBD model.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{BGNBD_SCORE, scored_customer};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer lifetime"),
    description = "P(alive | frequency, recency, age) under the BG/NBD model with parameters r, alpha, a, b (as bgnbd_fit returns them): 1 / (1 + δ(x>0) · a/(b+x−1) · ((alpha+T)/(alpha+t_x))^(r+x)), Fader, Hardie & Lee (2005) equation (13), computed in log space so that large frequencies and ages neither overflow nor underflow. 1 − P(alive) is the churn risk.
A customer without repeat purchases has P(alive) = 1: in the model a customer can only drop out right after a purchase. For x > 0, P(alive) rises with recency (a recent purchase is evidence of activity) and falls with age.
NULL when an argument is NULL, the customer is impossible (frequency negative or not whole, recency < 0 or > age) or a parameter is not positive and finite.",
    syntax_example = "bgnbd_p_alive(frequency, recency, age, r, alpha, a, b)",
    sql_example = r#"```sql
> SELECT bgnbd_p_alive(2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426);  -- 0.726578570
```"#,
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
        description = "Scale of the purchase rates, in the time unit (bgnbd_fit's alpha)."
    ),
    argument(name = "a", description = "Dropout parameter a."),
    argument(name = "b", description = "Dropout parameter b.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdPAlive;

impl NumericFunction for BgNbdPAlive {
    type Output = f64;

    fn name(&self) -> &'static str {
        "bgnbd_p_alive"
    }

    fn params(&self) -> &'static [Param] {
        BGNBD_SCORE
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let Some((customer, model)) = scored_customer(args) else {
            return Ok(None);
        };
        Ok(Some(model.p_alive(&customer)))
    }
}
