//! `complaint_rate(disposition, complaint)`: the share of live calls on which the callee complained (投诉率).

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
    description = "Complaint rate (投诉率): live calls on which the callee complained / live calls, in [0, 1].
Numerator: rows whose disposition is `answered` or `abandoned` and whose complaint is true.
Denominator: rows whose disposition is `answered` or `abandoned` and whose complaint is known (non-NULL); a NULL complaint is unknown and counts in neither.
NULL when a group has no live call with a known complaint.",
    syntax_example = "complaint_rate(disposition, complaint)",
    sql_example = r#"```sql
> SELECT caller_number, complaint_rate(disposition, complaint) AS complaint_rate
  FROM calls GROUP BY caller_number;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "complaint",
        description = "Whether the callee complained (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ComplaintRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("complaint", ArgKind::Boolean),
];

impl CountingKpi for ComplaintRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "complaint_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["complaints", "live"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        flagged_among(Dispositions::new(&args[0])?.live(), args[1].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
