//! `aht(talk_s, hold_s, acw_s)`: average handle time, the workforce-planning measure of how
//! long a handled call occupies an agent.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::mean::MeanKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{number_where, numbers_or_zero};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Average handle time (AHT, 平均处理时长) in seconds: the mean of talk_s + hold_s + acw_s over handled calls.
Rows: talk_s > 0 (a NULL talk_s is not handled). A NULL hold_s or acw_s counts as 0. A row whose talk + hold + acw is malformed (NaN, infinite, or beyond ±1e9 s) is skipped.
NULL when a group has no handled calls.",
    syntax_example = "aht(talk_s, hold_s, acw_s)",
    sql_example = r#"```sql
> SELECT agent_id, aht(talk_s, hold_s, acw_s) AS aht_s
  FROM calls WHERE agent_id IS NOT NULL GROUP BY agent_id;
```"#,
    argument(name = "talk_s", description = "Talk seconds (any numeric type)."),
    argument(name = "hold_s", description = "Hold seconds (any numeric type)."),
    argument(
        name = "acw_s",
        description = "After-call-work seconds (any numeric type)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Aht;

const PARAMS: &[Param] = &[
    Param::column("talk_s", ArgKind::Number),
    Param::column("hold_s", ArgKind::Number),
    Param::column("acw_s", ArgKind::Number),
];

impl MeanKpi for Aht {
    fn name(&self) -> &'static str {
        "aht"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn values(&self, args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)> {
        let handled = number_where(&args[0], |talk_s| talk_s > 0.0)?;
        let mut handle_s = numbers_or_zero(&args[0])?;
        for part in &args[1..] {
            for (total, seconds) in handle_s.iter_mut().zip(numbers_or_zero(part)?) {
                *total += seconds;
            }
        }
        Ok((handle_s, handled))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
