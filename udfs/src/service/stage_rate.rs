//! `stage_rate(stage, from_stage, to_stage)`: one step of the conversion ladder
//! visit < consult < lead < order (访客转化率, 咨询转化率, 成交转化率).

use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::constants::text_constant;
use crate::common::strings::Literals;

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Ladder conversion rate (访客转化率 → 咨询转化率 → 成交转化率): sessions that reached to_stage or beyond / sessions that reached from_stage or beyond, in [0, 1], on the ordered ladder `visit` < `consult` < `lead` < `order`.
stage_rate(stage, 'visit', 'consult') is the visitor conversion rate, ('consult', 'lead') the consultation conversion rate, ('lead', 'order') the deal conversion rate.
Stages are matched exactly, in lower case; a NULL or unknown stage in the data is skipped. An unknown from_stage or to_stage, or a to_stage before from_stage, is a planning error.
NULL when no session reached from_stage.",
    syntax_example = "stage_rate(stage, from_stage, to_stage)",
    sql_example = r#"```sql
> SELECT channel,
         stage_rate(stage, 'visit', 'consult') AS visitor_conversion,
         stage_rate(stage, 'consult', 'lead') AS consult_conversion,
         stage_rate(stage, 'lead', 'order') AS deal_conversion
  FROM sessions GROUP BY channel;
```"#,
    argument(
        name = "stage",
        description = "Furthest step the session reached; any string encoding."
    ),
    argument(
        name = "from_stage",
        description = "Constant stage the step starts from."
    ),
    argument(name = "to_stage", description = "Constant stage the step leads to.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct StageRate;

const PARAMS: &[Param] = &[
    Param::column("stage", ArgKind::Text),
    Param::constant("from_stage", ArgKind::Text),
    Param::constant("to_stage", ArgKind::Text),
];

/// The ladder, lowest first; a stage's code is its position + 1 (0: unknown or NULL).
const LADDER: [&str; 4] = ["visit", "consult", "lead", "order"];

static STAGES: LazyLock<Literals> = LazyLock::new(|| {
    let entries: Vec<(&'static str, u8)> = (1u8..).zip(LADDER).map(|(c, s)| (s, c)).collect();
    Literals::new(&entries, 0, 0)
});

/// The codes of the two ends of the step.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Step {
    from: u8,
    to: u8,
}

fn stage_code(argument: &str, value: Option<&ScalarValue>) -> Result<u8> {
    let stage = text_constant("stage_rate", argument, value, "")?;
    match (1u8..).zip(LADDER).find(|(_, name)| *name == stage) {
        Some((code, _)) => Ok(code),
        None => plan_err!(
            "stage_rate: argument `{argument}` must be one of {}, got '{stage}'",
            LADDER.join(", ")
        ),
    }
}

impl CountingKpi for StageRate {
    type Settings = Step;

    fn name(&self) -> &'static str {
        "stage_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["reached_to", "reached_from"]
    }

    fn settings(&self, constants: &[Option<ScalarValue>]) -> Result<Step> {
        let from = stage_code("from_stage", constants.first().and_then(Option::as_ref))?;
        let to = stage_code("to_stage", constants.get(1).and_then(Option::as_ref))?;
        if to < from {
            return plan_err!(
                "stage_rate: to_stage '{}' comes before from_stage '{}' on the ladder {}",
                LADDER[usize::from(to) - 1],
                LADDER[usize::from(from) - 1],
                LADDER.join(" < ")
            );
        }
        Ok(Step { from, to })
    }

    fn masks(&self, step: &Step, args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let codes = STAGES.classify(args[0].as_ref())?;
        let reached =
            |stage: u8| BooleanBuffer::collect_bool(codes.len(), |row| codes[row] >= stage);
        Ok(vec![reached(step.to), reached(step.from)])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
