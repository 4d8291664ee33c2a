//! `dnc_request_rate(disposition, dnc_requested)`: the share of live calls on which the callee asked not to be called again (拉黑率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::Dispositions;
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::flagged_among;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Do-not-call request rate (拉黑率): live calls on which the callee asked not to be called again / live calls, in [0, 1].
Numerator: rows whose disposition is `answered` or `abandoned` and whose dnc_requested is true.
Denominator: rows whose disposition is `answered` or `abandoned` and whose dnc_requested is known (non-NULL); a NULL dnc_requested is unknown and counts in neither.
NULL when a group has no live call with a known dnc_requested.",
    syntax_example = "dnc_request_rate(disposition, dnc_requested)",
    sql_example = r#"```sql
> SELECT caller_number, dnc_request_rate(disposition, dnc_requested) AS dnc_request_rate
  FROM calls GROUP BY caller_number;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "dnc_requested",
        description = "Whether the callee asked not to be called again (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DncRequestRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("dnc_requested", ArgKind::Boolean),
];

impl CountingKpi for DncRequestRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "dnc_request_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["dnc_requests", "live"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        flagged_among(Dispositions::new(&args[0])?.live(), args[1].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
