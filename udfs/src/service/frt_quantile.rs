//! `frt_quantile(started_at, first_response_at, q)`: a quantile of the first response time (FRT) (p50, p90).

use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::quantile::DurationQuantile;
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Quantile of the first response time (FRT, 首次响应时长) in seconds: the q-quantile of first_response_at − started_at over sessions with a response, as SQL's PERCENTILE_DISC defines it: the ⌈q · n⌉-th smallest of the n intervals (the smallest for q = 0).
Approximate within 1 % of that value (relative error; intervals under 1 ms count as 0), from a histogram with logarithmic buckets: bounded state (at most about 1,400 counts per group), exact under any split or merge, so partial, grouped and window results agree.
Rows as for the mean: both timestamps non-NULL; an end before the start, or more than 1e9 s after it, is skipped. q must be a constant in [0, 1].
NULL when a group has no such sessions.",
    syntax_example = "frt_quantile(started_at, first_response_at, q)",
    sql_example = r#"```sql
> SELECT channel, frt_quantile(started_at, first_response_at, 0.5) AS frt_p50_s,
         frt_quantile(started_at, first_response_at, 0.9) AS frt_p90_s
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "started_at", description = "Session start (any timestamp)."),
    argument(
        name = "first_response_at",
        description = "First reply by bot or human (any timestamp); NULL when nobody answered."
    ),
    argument(
        name = "q",
        description = "Constant quantile in [0, 1]: 0.5 for the median, 0.9 for p90."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FrtQuantile;

const PARAMS: &[Param] = &[
    Param::column("started_at", ArgKind::Timestamp),
    Param::column("first_response_at", ArgKind::Timestamp),
    Param::constant("q", ArgKind::Number),
];

impl DurationQuantile for FrtQuantile {
    fn name(&self) -> &'static str {
        "frt_quantile"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
