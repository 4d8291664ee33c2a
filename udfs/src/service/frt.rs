//! `frt(started_at, first_response_at)`: mean first response time (首次响应时长).

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
    description = "First response time (FRT, 首次响应时长) in seconds: the mean of first_response_at − started_at over sessions with a response.
Rows: both timestamps non-NULL (a session nobody answered has no response time; see answered_within_rate for a measure that counts it).
A response before the start, or more than 1e9 s after it, is bad data and skipped.
NULL when a group has no answered sessions.",
    syntax_example = "frt(started_at, first_response_at)",
    sql_example = r#"```sql
> SELECT channel, frt(started_at, first_response_at) AS frt_s
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "started_at", description = "Session start (any timestamp)."),
    argument(
        name = "first_response_at",
        description = "First reply by bot or human (any timestamp); NULL when nobody answered."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Frt;

const PARAMS: &[Param] = &[
    Param::column("started_at", ArgKind::Timestamp),
    Param::column("first_response_at", ArgKind::Timestamp),
];

impl MeanKpi for Frt {
    fn name(&self) -> &'static str {
        "frt"
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
