//! `intervention_rate(transferred)`: the share of sessions the bot handed to a human (人工介入率 / 转人工率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{flagged_among, is_valid};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "Human-intervention rate (人工介入率): sessions handed from the bot to a human / sessions, in [0, 1].
Numerator: rows with transferred true. Denominator: rows with a non-NULL transferred.
NULL when a group has no such sessions.",
    syntax_example = "intervention_rate(transferred)",
    sql_example = r#"```sql
> SELECT channel, intervention_rate(transferred) AS intervention_rate
  FROM sessions GROUP BY channel;
```"#,
    argument(
        name = "transferred",
        description = "The bot handed the session to a human (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct InterventionRate;

const PARAMS: &[Param] = &[Param::column("transferred", ArgKind::Boolean)];

impl CountingKpi for InterventionRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "intervention_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["transferred", "sessions"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        flagged_among(is_valid(args[0].as_ref()), args[0].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
