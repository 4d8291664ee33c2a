//! `early_hangup_rate(disposition, hangup_by, talk_s [, within_s])`: the share of answered
//! calls the callee hung up on within the first seconds (秒挂率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::constants::number_constant;
use crate::common::masks::{is_valid, number_where};
use crate::common::strings;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Early hang-up rate (秒挂率): answered calls the callee ended within `within_s` seconds of talk / answered calls, in [0, 1].
Numerator: rows with disposition `answered`, hangup_by `callee` and talk_s < within_s.
Denominator: rows with disposition `answered` whose hangup_by and talk_s are both known (non-NULL); a row with either NULL is unknown and counts in neither.
within_s is a constant, default 10, and must be a finite number ≥ 0. NULL when a group has no answered call with both known.",
    syntax_example = "early_hangup_rate(disposition, hangup_by, talk_s [, within_s])",
    sql_example = r#"```sql
> SELECT script_id, early_hangup_rate(disposition, hangup_by, talk_s, 5) AS hangup_within_5s
  FROM calls GROUP BY script_id;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "hangup_by",
        description = "Who ended the call: `callee`, `bot`, `agent` or `system`; any string encoding."
    ),
    argument(name = "talk_s", description = "Talk seconds (any numeric type)."),
    argument(
        name = "within_s",
        description = "Constant threshold in seconds; default 10."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct EarlyHangupRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("hangup_by", ArgKind::Text),
    Param::column("talk_s", ArgKind::Number),
    Param::optional_constant("within_s", ArgKind::Number),
];

const DEFAULT_WITHIN_S: f64 = 10.0;

/// The talk-time threshold in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WithinSeconds(f64);

impl Default for WithinSeconds {
    fn default() -> Self {
        WithinSeconds(DEFAULT_WITHIN_S)
    }
}

impl CountingKpi for EarlyHangupRate {
    type Settings = WithinSeconds;

    fn name(&self) -> &'static str {
        "early_hangup_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["early_hangups", "answered"]
    }

    fn settings(&self, constants: &[Option<ScalarValue>]) -> Result<WithinSeconds> {
        let within_s = number_constant(
            self.name(),
            "within_s",
            constants[0].as_ref(),
            DEFAULT_WITHIN_S,
        )?;
        if within_s < 0.0 {
            return plan_err!("early_hangup_rate: argument `within_s` must be ≥ 0, got {within_s}");
        }
        Ok(WithinSeconds(within_s))
    }

    fn masks(&self, within: &WithinSeconds, args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let answered = &(&Dispositions::new(&args[0])?.only(Disposition::Answered)
            & &is_valid(args[1].as_ref()))
            & &is_valid(args[2].as_ref());
        let by_callee = strings::equals(args[1].as_ref(), "callee")?;
        let short = number_where(&args[2], |talk_s| talk_s < within.0)?;
        let early = &(&answered & &by_callee) & &short;
        Ok(vec![early, answered])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
