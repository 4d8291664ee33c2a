//! `avg_talk_time(talk_s, disposition)`: mean talk seconds of answered calls (平均通话时长).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use crate::common::aggregate::mean::MeanKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{is_valid, numbers_or_zero};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Average talk time (平均通话时长) in seconds: the mean of talk_s over answered calls.
Rows: disposition `answered` and talk_s not NULL; other dispositions (including `abandoned`) and NULL talk_s are skipped, and so is a malformed talk_s (NaN, infinite, or beyond ±1e9 s).
NULL when a group has no such rows.",
    syntax_example = "avg_talk_time(talk_s, disposition)",
    sql_example = r#"```sql
> SELECT script_id, avg_talk_time(talk_s, disposition) AS avg_talk_s
  FROM calls GROUP BY script_id;
```"#,
    argument(name = "talk_s", description = "Talk seconds (any numeric type)."),
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AvgTalkTime;

const PARAMS: &[Param] = &[
    Param::column("talk_s", ArgKind::Number),
    Param::column("disposition", ArgKind::Text),
];

impl MeanKpi for AvgTalkTime {
    fn name(&self) -> &'static str {
        "avg_talk_time"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn values(&self, args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)> {
        let answered = Dispositions::new(&args[1])?.only(Disposition::Answered);
        let selected = &answered & &is_valid(args[0].as_ref());
        Ok((numbers_or_zero(&args[0])?, selected))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
