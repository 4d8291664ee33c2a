//! `gamma_gamma_expected_value(frequency, mean_value, p, q, v)`: the expected value of a
//! customer's future purchase under a fitted Gamma-Gamma model.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::gamma_gamma::{GammaGamma, usable};
use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer lifetime"),
    description = "E[M | frequency, mean_value] = p(v + x·m̄) / (p·x + q − 1): the expected value of a customer's future purchase under the Gamma-Gamma model with parameters p, q, v (as gamma_gamma_fit returns them), Fader & Hardie (2013) equation (5). It is a weighted average of the population mean p·v/(q−1) and the customer's own mean, which weighs more the more purchases the customer made.
A customer with frequency 0 gets the population mean (pass any mean_value, e.g. 0; a NULL makes the result NULL). NULL when an argument is NULL, q ≤ 1 (the population mean is infinite), a parameter is not positive and finite, or frequency > 0 with a mean value ≤ 0, a negative or fractional frequency.",
    syntax_example = "gamma_gamma_expected_value(frequency, mean_value, p, q, v)",
    sql_example = r#"```sql
> SELECT gamma_gamma_expected_value(0, 0, 6.25, 3.74, 15.44);  -- 35.218978102
```"#,
    argument(name = "frequency", description = "Repeat purchases."),
    argument(
        name = "mean_value",
        description = "Mean value of the repeat purchases."
    ),
    argument(
        name = "p",
        description = "Shape of a customer's purchase values (gamma_gamma_fit's p)."
    ),
    argument(
        name = "q",
        description = "Shape of the purchase-value scales across customers."
    ),
    argument(
        name = "v",
        description = "Scale of the purchase-value scales, in units of money."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct GammaGammaExpectedValue;

const PARAMS: &[Param] = &[
    Param::column("frequency", ArgKind::Number),
    Param::column("mean_value", ArgKind::Number),
    Param::column("p", ArgKind::Number),
    Param::column("q", ArgKind::Number),
    Param::column("v", ArgKind::Number),
];

impl NumericFunction for GammaGammaExpectedValue {
    type Output = f64;

    fn name(&self) -> &'static str {
        "gamma_gamma_expected_value"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let &[x, mean_value, p, q, v] = args else {
            return Ok(None);
        };
        let Some(model) = GammaGamma::new(p, q, v) else {
            return Ok(None);
        };
        if x == 0.0 {
            return Ok(model.expected_value(0.0, 0.0));
        }
        if !usable(x, mean_value) {
            return Ok(None);
        }
        Ok(model.expected_value(x, mean_value))
    }
}
