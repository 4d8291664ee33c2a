//! `csat(score)`: the share of satisfied survey answers (满意度) on the 1–5 scale.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::number_where;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Customer satisfaction (CSAT, 满意度): scores ≥ 4 / scores, in [0, 1], on the 1–5 scale.
Numerator: non-NULL scores of 4 or 5. Denominator: non-NULL scores.
NULL scores are skipped; scores outside 1–5 (a malformed survey answer) are skipped like NULL. NULL when a group has no scores.",
    syntax_example = "csat(score)",
    sql_example = r#"```sql
> SELECT agent_id, csat(csat) AS csat FROM calls GROUP BY agent_id;
```"#,
    argument(name = "score", description = "Survey score 1–5 (any numeric type).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Csat;

const PARAMS: &[Param] = &[Param::column("score", ArgKind::Number)];

impl CountingKpi for Csat {
    type Settings = ();

    fn name(&self) -> &'static str {
        "csat"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["satisfied", "responses"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        Ok(vec![
            number_where(&args[0], |score| (4.0..=5.0).contains(&score))?,
            number_where(&args[0], |score| (1.0..=5.0).contains(&score))?,
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
