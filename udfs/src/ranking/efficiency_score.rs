//! `efficiency_score(avg_duration_s)`: seed 001's script efficiency score.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "Script efficiency score as the seed article defines it: 1 / (avg_duration_s + 0.1), in (0, 10].
Flaw: it rewards short calls whatever their outcome, so a script that makes people hang up at once scores highest. Read it only next to a success rate (e.g. wilson_lower), never alone.
NULL for a NULL, negative or non-finite duration.",
    syntax_example = "efficiency_score(avg_duration_s)",
    sql_example = r#"```sql
> SELECT script_id, efficiency_score(avg(talk_s)) AS efficiency
  FROM calls WHERE disposition = 'answered' GROUP BY script_id;
> SELECT efficiency_score(9.9);  -- 0.1
```"#,
    argument(
        name = "avg_duration_s",
        description = "Average call duration in seconds; any numeric type."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct EfficiencyScore;

const PARAMS: &[Param] = &[Param::column("avg_duration_s", ArgKind::Number)];

impl NumericFunction for EfficiencyScore {
    type Output = f64;

    fn name(&self) -> &'static str {
        "efficiency_score"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let duration = args[0];
        Ok((duration.is_finite() && duration >= 0.0).then(|| 1.0 / (duration + 0.1)))
    }
}
