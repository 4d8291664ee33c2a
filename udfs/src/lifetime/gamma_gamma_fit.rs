//! `gamma_gamma_fit(frequency, mean_value)`: the Gamma-Gamma spend model's
//! maximum-likelihood parameters.

use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::SPEND;
use super::fit::{Model, Row, Sample, Summary};
use super::gamma_gamma::{GammaGamma, usable};
use crate::common::args::Param;

#[user_doc(
    doc_section(label = "Customer lifetime"),
    description = "Fits the Gamma-Gamma model of spend (Fader, Hardie & Lee 2005, \"RFM and CLV: Using Iso-Value Curves\"; Fader & Hardie 2013) to one row per customer by maximum likelihood and returns the struct {p, q, v, log_likelihood, customers, skipped, converged}.
A customer's purchase values are Gamma(p, ν) with ν Gamma(q, v) across customers, independent of purchase frequency. The likelihood of a customer's mean of x purchases is Fader & Hardie (2013) equation (4), maximised over the logarithms of the parameters with argmin's BFGS on its analytic gradient, Nelder–Mead where BFGS cannot settle (deterministic; converged false and the parameters NULL when the search does not settle or no customer has a repeat purchase).
Only customers with frequency > 0 take part (the mean of no purchases says nothing about spend); rows with a NULL are ignored; rows with a negative or fractional frequency or a mean value ≤ 0 or not finite are skipped and counted in skipped. Following the papers and the lifetimes package, mean_value is the mean of the repeat purchases.",
    syntax_example = "gamma_gamma_fit(frequency, mean_value)",
    sql_example = r#"```sql
> SELECT g['p'], g['q'], g['v'] FROM (SELECT gamma_gamma_fit(frequency, mean_value) AS g FROM summary);
```"#,
    argument(name = "frequency", description = "Repeat purchases."),
    argument(
        name = "mean_value",
        description = "Mean value of the repeat purchases."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct GammaGammaFit;

impl Model for GammaGammaFit {
    fn name(&self) -> &'static str {
        "gamma_gamma_fit"
    }

    fn params(&self) -> &'static [Param] {
        SPEND
    }

    fn parameter_names(&self) -> &'static [&'static str] {
        &["p", "q", "v"]
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn row(&self, [x, mean_value, _]: Summary) -> Row {
        if x == 0.0 {
            Row::Ignore
        } else if usable(x, mean_value) {
            Row::Use([x, mean_value, 0.0])
        } else {
            Row::Bad
        }
    }

    /// p = 1, q = 2 and v from the mean spend, pv/(q − 1) = m̄.
    fn start(&self, sample: &Sample) -> Vec<f64> {
        let [_, mean_value, _] = sample.means();
        vec![1.0, 2.0, mean_value.clamp(1e-6, 1e12)]
    }

    fn log_likelihood(&self, sample: &Sample, parameters: &[f64]) -> Option<Vec<f64>> {
        let &[p, q, v] = parameters else {
            return None;
        };
        let model = GammaGamma::new(p, q, v)?;
        let sums = sample.weighted_sum(
            |x| model.frequency_terms(x),
            |&[x, mean_value, _], terms| {
                let (value, [dp, dq, dv]) = model.log_likelihood(x, mean_value, terms);
                [value, dp, dq, dv]
            },
        );
        Some(sums.to_vec())
    }
}
