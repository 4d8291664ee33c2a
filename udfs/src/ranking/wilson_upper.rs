//! `wilson_upper(successes, trials [, confidence])`: the upper bound of the Wilson score
//! interval of a success rate.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::wilson;
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "Upper bound of the Wilson score interval for a success rate (successes / trials), in [0, 1].
A script whose upper bound is below another script's lower bound is worse at the chosen confidence; an upper bound still above the leader's rate means the script cannot be ruled out yet.
NULL when trials is 0, when any argument is NULL, or when the counts are impossible (negative, or successes > trials). A confidence outside (0, 1) is an error.
Reference: E. B. Wilson (1927), Probable inference, the law of succession, and statistical inference.",
    syntax_example = "wilson_upper(successes, trials [, confidence])",
    sql_example = r#"```sql
> SELECT script_id, wilson_upper(count(*) FILTER (WHERE outcome = 'success'), count(*)) AS upper_bound
  FROM calls WHERE disposition = 'answered' GROUP BY script_id ORDER BY upper_bound;
> SELECT wilson_upper(5, 10);  -- 0.763406909
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
pub(crate) struct WilsonUpper;

impl NumericFunction for WilsonUpper {
    type Output = f64;

    fn name(&self) -> &'static str {
        "wilson_upper"
    }

    fn params(&self) -> &'static [Param] {
        wilson::PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        Ok(wilson::interval(self.name(), args)?.map(|(_, upper)| upper))
    }
}
