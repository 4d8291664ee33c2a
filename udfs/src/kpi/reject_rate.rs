//! `reject_rate(disposition)`: the share of dial attempts the callee rejected (拒接率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Reject rate (拒接率): rejected attempts / attempts, in [0, 1].
Numerator: rows whose disposition is `rejected`.
Denominator: rows with a non-NULL disposition; values outside the canonical list count as attempts.
NULL dispositions are skipped; NULL when a group has no attempts.",
    syntax_example = "reject_rate(disposition)",
    sql_example = r#"```sql
> SELECT caller_number, reject_rate(disposition) AS reject_rate
  FROM calls GROUP BY caller_number ORDER BY reject_rate DESC;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RejectRate;

const PARAMS: &[Param] = &[Param::column("disposition", ArgKind::Text)];

impl CountingKpi for RejectRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "reject_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["rejected", "attempts"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let dispositions = Dispositions::new(&args[0])?;
        Ok(vec![
            dispositions.only(Disposition::Rejected),
            dispositions.attempts(),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
