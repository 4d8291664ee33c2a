//! `wilson_lower(successes, trials [, confidence])`: the lower bound of the Wilson score
//! interval of a success rate.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::wilson;
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "Lower bound of the Wilson score interval for a success rate (successes / trials), in [0, 1].
Unlike the raw rate, it accounts for sample size: a script with 2 successes in 3 trials does not outrank one with 200 in 400. Rank scripts by it to be conservative about small samples.
NULL when trials is 0, when any argument is NULL, or when the counts are impossible (negative, or successes > trials). A confidence outside (0, 1) is an error.
Reference: E. B. Wilson (1927), Probable inference, the law of succession, and statistical inference.",
    syntax_example = "wilson_lower(successes, trials [, confidence])",
    sql_example = r#"```sql
> SELECT script_id, wilson_lower(count(*) FILTER (WHERE outcome = 'success'), count(*)) AS lower_bound
  FROM calls WHERE disposition = 'answered' GROUP BY script_id ORDER BY lower_bound DESC;
> SELECT wilson_lower(5, 10);  -- 0.236593091
```"#,
    argument(
        name = "successes",
        description = "Number of successes; any numeric type."
    ),
    argument(name = "trials", description = "Number of trials; any numeric type."),
    argument(
        name = "confidence",
        description = "Two-sided confidence level in (0, 1); default 0.95."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct WilsonLower;

impl NumericFunction for WilsonLower {
    type Output = f64;

    fn name(&self) -> &'static str {
        "wilson_lower"
    }

    fn params(&self) -> &'static [Param] {
        wilson::PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        Ok(wilson::interval(self.name(), args)?.map(|(lower, _)| lower))
    }
}
