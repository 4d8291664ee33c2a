//! `ttr(started_at, resolved_at)`: mean time to resolution (解决时长).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::intervals::Intervals;
use crate::common::aggregate::mean::MeanKpi;
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Time to resolution (TTR, 解决时长) in seconds: the mean of resolved_at − started_at over sessions with a resolution time.
Rows: both timestamps non-NULL. A resolution before the start, or more than 1e9 s after it, is bad data and skipped.
NULL when a group has no resolved sessions.",
    syntax_example = "ttr(started_at, resolved_at)",
    sql_example = r#"```sql
> SELECT channel, ttr(started_at, resolved_at) / 60 AS ttr_min
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "started_at", description = "Session start (any timestamp)."),
    argument(
        name = "resolved_at",
        description = "When the issue was marked resolved (any timestamp); NULL when it was not."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Ttr;

const PARAMS: &[Param] = &[
    Param::column("started_at", ArgKind::Timestamp),
    Param::column("resolved_at", ArgKind::Timestamp),
];

impl MeanKpi for Ttr {
    fn name(&self) -> &'static str {
        "ttr"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn values(&self, args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)> {
        Intervals::measured_seconds(args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
