//! `bgnbd_fit(frequency, recency, age)`: the BG/NBD model's maximum-likelihood parameters.

use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::CUSTOMER;
use super::bgnbd::{BgNbd, Customer};
use super::fit::{Model, Row, Sample, Summary};
use crate::common::args::Param;

#[user_doc(
    doc_section(label = "Customer lifetime"),
    description = "Fits the BG/NBD model (Fader, Hardie & Lee 2005, \"Counting Your Customers the Easy Way\") to one row per customer by maximum likelihood and returns the struct {r, alpha, a, b, log_likelihood, customers, skipped, converged}.
While alive a customer buys as a Poisson process whose rate is Gamma(r, alpha) across customers, and after each purchase drops out with a probability that is Beta(a, b) across customers. frequency, recency and age are counted from each customer's first purchase in one unit of your choice (days or weeks): alpha is in that unit, r, a and b are not.
The log-likelihood is the paper's equation (6), in log space; it is maximised over the logarithms of the parameters with argmin's BFGS on its analytic gradient (and with Nelder–Mead from the best point found where BFGS cannot settle), so the result is deterministic and does not depend on row order or parallelism. converged is false (and the parameters and log_likelihood NULL) when the search does not settle or there are no customers.
Rows with a NULL are ignored; rows that cannot be a customer (frequency negative or not whole, recency < 0 or > age, a value not finite) are skipped and counted in skipped. The state is the distinct (frequency, recency, age) triples with their counts, so it is as large as the number of distinct summaries, not of customers.",
    syntax_example = "bgnbd_fit(frequency, recency, age)",
    sql_example = r#"```sql
> SELECT f['r'], f['alpha'], f['a'], f['b'] FROM (SELECT bgnbd_fit(frequency, recency, age) AS f FROM summary);
```"#,
    argument(
        name = "frequency",
        description = "Repeat purchases: purchase periods after the first."
    ),
    argument(
        name = "recency",
        description = "Time from the first to the last purchase (0 without repeat purchases)."
    ),
    argument(
        name = "age",
        description = "Time from the first purchase to the end of the calibration period."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdFit;

impl Model for BgNbdFit {
    fn name(&self) -> &'static str {
        "bgnbd_fit"
    }

    fn params(&self) -> &'static [Param] {
        CUSTOMER
    }

    fn parameter_names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn row(&self, [x, t_x, age]: Summary) -> Row {
        match Customer::new(x, t_x, age) {
            // Recency says nothing for customers without repeat purchases.
            Some(_) if x == 0.0 => Row::Use([0.0, 0.0, age]),
            Some(_) => Row::Use([x, t_x, age]),
            None => Row::Bad,
        }
    }

    /// r = a = b = 1, and alpha from the mean rate of repeat purchases r/alpha ≈ x̄/T̄.
    fn start(&self, sample: &Sample) -> Vec<f64> {
        let [x, _, age] = sample.means();
        let alpha = (age.max(1e-3) / x.max(0.1)).clamp(1e-3, 1e6);
        vec![1.0, alpha, 1.0, 1.0]
    }

    fn log_likelihood(&self, sample: &Sample, parameters: &[f64]) -> Option<Vec<f64>> {
        let &[r, alpha, a, b] = parameters else {
            return None;
        };
        let model = BgNbd::new(r, alpha, a, b)?;
        let sums = sample.weighted_sum(
            |x| model.frequency_terms(x),
            |&[x, t_x, age], terms| {
                let (value, [dr, dalpha, da, db]) =
                    model.log_likelihood(&Customer { x, t_x, age }, terms);
                [value, dr, dalpha, da, db]
            },
        );
        Some(sums.to_vec())
    }
}
