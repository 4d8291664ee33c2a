//! `automation_rate(bot_only, resolved)`: the share of sessions the bot resolved with no human (自动化率 / 机器人解决率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{is_true, is_valid};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Automation rate (自动化率): sessions resolved with no human joining / sessions, in [0, 1].
Numerator: rows with bot_only true and resolved true.
Denominator: rows where neither bot_only nor resolved is NULL.
NULL when a group has no such sessions.",
    syntax_example = "automation_rate(bot_only, resolved)",
    sql_example = r#"```sql
> SELECT channel, automation_rate(bot_only, resolved) AS automation_rate
  FROM sessions GROUP BY channel;
```"#,
    argument(
        name = "bot_only",
        description = "No human joined the session (boolean)."
    ),
    argument(name = "resolved", description = "The issue was resolved (boolean).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AutomationRate;

const PARAMS: &[Param] = &[
    Param::column("bot_only", ArgKind::Boolean),
    Param::column("resolved", ArgKind::Boolean),
];

impl CountingKpi for AutomationRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "automation_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["automated", "sessions"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let sessions = &is_valid(args[0].as_ref()) & &is_valid(args[1].as_ref());
        let automated = &is_true(args[0].as_ref())? & &is_true(args[1].as_ref())?;
        Ok(vec![automated, sessions])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
