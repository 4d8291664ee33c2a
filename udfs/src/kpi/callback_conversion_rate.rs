//! `callback_conversion_rate(is_callback, disposition, outcome)`: the share of live
//! scheduled re-contacts (回访) that ended in a sale.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::Dispositions;
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{is_true, is_valid};
use crate::common::strings;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Callback conversion rate (回访转化率): live callbacks with outcome `success` / live callbacks, in [0, 1].
Numerator: rows with is_callback true, disposition `answered` or `abandoned`, and outcome `success`.
Denominator: rows with is_callback true, disposition `answered` or `abandoned` and a known (non-NULL) outcome. A NULL is_callback is not known to be a callback and a NULL outcome is unknown: such rows count in neither.
NULL when a group has no live callback with a known outcome.",
    syntax_example = "callback_conversion_rate(is_callback, disposition, outcome)",
    sql_example = r#"```sql
> SELECT campaign_id, callback_conversion_rate(is_callback, disposition, outcome) AS callback_conversion
  FROM calls GROUP BY campaign_id;
```"#,
    argument(
        name = "is_callback",
        description = "Whether the call was a scheduled re-contact (boolean)."
    ),
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "outcome",
        description = "Call outcome (`success`, …); any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct CallbackConversionRate;

const PARAMS: &[Param] = &[
    Param::column("is_callback", ArgKind::Boolean),
    Param::column("disposition", ArgKind::Text),
    Param::column("outcome", ArgKind::Text),
];

impl CountingKpi for CallbackConversionRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "callback_conversion_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["converted", "live_callbacks"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let live = Dispositions::new(&args[1])?.live();
        let live_callbacks = &(&is_true(args[0].as_ref())? & &live) & &is_valid(args[2].as_ref());
        let converted = &live_callbacks & &strings::equals(args[2].as_ref(), "success")?;
        Ok(vec![converted, live_callbacks])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
