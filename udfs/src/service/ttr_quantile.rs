//! `ttr_quantile(started_at, resolved_at, q)`: a quantile of the time to resolution (TTR) (p50, p90).

use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::quantile::DurationQuantile;
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Quantile of the time to resolution (TTR, 解决时长) in seconds: the q-quantile of resolved_at − started_at over sessions with a resolution time, as SQL's PERCENTILE_DISC defines it: the ⌈q · n⌉-th smallest of the n intervals (the smallest for q = 0).
Approximate within 1 % of that value (relative error; intervals under 1 ms count as 0), from a histogram with logarithmic buckets: bounded state (at most about 1,400 counts per group), exact under any split or merge, so partial, grouped and window results agree.
Rows as for the mean: both timestamps non-NULL; an end before the start, or more than 1e9 s after it, is skipped. q must be a constant in [0, 1].
NULL when a group has no such sessions.",
    syntax_example = "ttr_quantile(started_at, resolved_at, q)",
    sql_example = r#"```sql
> SELECT channel, ttr_quantile(started_at, resolved_at, 0.9) / 3600 AS ttr_p90_h
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "started_at", description = "Session start (any timestamp)."),
    argument(
        name = "resolved_at",
        description = "When the issue was marked resolved (any timestamp); NULL when it was not."
    ),
    argument(
        name = "q",
        description = "Constant quantile in [0, 1]: 0.5 for the median, 0.9 for p90."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct TtrQuantile;

const PARAMS: &[Param] = &[
    Param::column("started_at", ArgKind::Timestamp),
    Param::column("resolved_at", ArgKind::Timestamp),
    Param::constant("q", ArgKind::Number),
];

impl DurationQuantile for TtrQuantile {
    fn name(&self) -> &'static str {
        "ttr_quantile"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
