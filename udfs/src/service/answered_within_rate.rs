//! `answered_within_rate(started_at, first_response_at, target_s)`: the service level of a
//! service desk, the share of sessions answered within a target (the "80/20" metric).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::intervals::Intervals;
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::constants::number_constant;

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Answered-within rate (服务水平, the 80/20 service level of a service desk): sessions first answered at most target_s seconds after their start / sessions, in [0, 1].
Numerator: rows with 0 ≤ first_response_at − started_at ≤ target_s.
Denominator: rows with a non-NULL started_at, answered or not: a session nobody answered (NULL first_response_at) counts against the rate. A response before the start (or more than 1e9 s after it) is bad data and the row is skipped.
NULL when a group has no sessions. Not the Erlang C `service_level(calls, interval_s, aht_s, agents, target_s)`, which predicts this share for a staffing level.",
    syntax_example = "answered_within_rate(started_at, first_response_at, target_s)",
    sql_example = r#"```sql
> SELECT channel, answered_within_rate(started_at, first_response_at, 20) AS within_20s
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "started_at", description = "Session start (any timestamp)."),
    argument(
        name = "first_response_at",
        description = "First reply by bot or human (any timestamp); NULL when nobody answered."
    ),
    argument(
        name = "target_s",
        description = "Constant target in seconds, ≥ 0 (20 for the 80/20 phone standard)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AnsweredWithinRate;

const PARAMS: &[Param] = &[
    Param::column("started_at", ArgKind::Timestamp),
    Param::column("first_response_at", ArgKind::Timestamp),
    Param::constant("target_s", ArgKind::Number),
];

/// The target in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TargetSeconds(f64);

impl CountingKpi for AnsweredWithinRate {
    type Settings = TargetSeconds;

    fn name(&self) -> &'static str {
        "answered_within_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["answered_within", "sessions"]
    }

    fn settings(&self, constants: &[Option<ScalarValue>]) -> Result<TargetSeconds> {
        let Some(value) = constants.first().and_then(Option::as_ref) else {
            return plan_err!("answered_within_rate: argument `target_s` is required");
        };
        let target_s = number_constant(self.name(), "target_s", Some(value), 0.0)?;
        if target_s < 0.0 {
            return plan_err!(
                "answered_within_rate: argument `target_s` must be ≥ 0, got {target_s}"
            );
        }
        Ok(TargetSeconds(target_s))
    }

    fn masks(&self, target: &TargetSeconds, args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let intervals = Intervals::new(&args[0], &args[1])?;
        let seconds = &intervals.seconds;
        let soon = BooleanBuffer::collect_bool(seconds.len(), |row| seconds[row] <= target.0);
        let within = &intervals.measured & &soon;
        let sessions = &intervals.started & &!&intervals.malformed;
        Ok(vec![within, sessions])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
