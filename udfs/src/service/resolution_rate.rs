//! `resolution_rate(resolved)`: the share of sessions whose issue was resolved (解决率).

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
    description = "Resolution rate (解决率): resolved sessions / sessions, in [0, 1].
Numerator: rows with resolved true. Denominator: rows with a non-NULL resolved.
NULL when a group has no such sessions.",
    syntax_example = "resolution_rate(resolved)",
    sql_example = r#"```sql
> SELECT channel, resolution_rate(resolved) AS resolution_rate
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "resolved", description = "The issue was resolved (boolean).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ResolutionRate;

const PARAMS: &[Param] = &[Param::column("resolved", ArgKind::Boolean)];

impl CountingKpi for ResolutionRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "resolution_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["resolved", "sessions"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        flagged_among(is_valid(args[0].as_ref()), args[0].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
