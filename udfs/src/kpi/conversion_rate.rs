//! `conversion_rate(disposition, outcome)`: the share of live calls that ended in a sale
//! (成交率 / 转化率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::Dispositions;
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::is_valid;
use crate::common::strings;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Conversion rate (转化率): live calls with outcome `success` / live calls, in [0, 1].
Numerator: rows whose disposition is `answered` or `abandoned` and whose outcome is `success`.
Denominator: rows whose disposition is `answered` or `abandoned` and whose outcome is known (non-NULL); a NULL outcome is unknown and counts in neither.
NULL when a group has no live call with a known outcome.",
    syntax_example = "conversion_rate(disposition, outcome)",
    sql_example = r#"```sql
> SELECT agent_id, conversion_rate(disposition, outcome) AS conversion_rate
  FROM calls WHERE agent_id IS NOT NULL GROUP BY agent_id;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "outcome",
        description = "Call outcome: `success`, `callback`, `refused` or `none`; any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ConversionRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("outcome", ArgKind::Text),
];

impl CountingKpi for ConversionRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "conversion_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["converted", "live"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let live = &Dispositions::new(&args[0])?.live() & &is_valid(args[1].as_ref());
        let converted = &live & &strings::equals(args[1].as_ref(), "success")?;
        Ok(vec![converted, live])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
