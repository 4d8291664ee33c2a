//! `effective_rate(disposition, is_effective)`: the share of answered calls judged
//! effective (有效通话率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::flagged_among;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Effective-call rate (有效通话率): answered calls judged effective / answered calls, in [0, 1].
Numerator: rows with disposition `answered` and is_effective true.
Denominator: rows with disposition `answered` and a known (non-NULL) is_effective; a NULL is_effective (not judged) counts in neither.
NULL when a group has no answered call with a known is_effective.",
    syntax_example = "effective_rate(disposition, is_effective)",
    sql_example = r#"```sql
> SELECT script_id, effective_rate(disposition, is_effective) AS effective_rate
  FROM calls GROUP BY script_id;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "is_effective",
        description = "Whether the call was judged effective (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct EffectiveRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("is_effective", ArgKind::Boolean),
];

impl CountingKpi for EffectiveRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "effective_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["effective", "answered"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let answered = Dispositions::new(&args[0])?.only(Disposition::Answered);
        flagged_among(answered, args[1].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
