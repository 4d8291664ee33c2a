//! `ban_rate(caller_number, disposition)`: the share of outbound display numbers that
//! carriers blocked (封号率 / 外显号码封禁率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::{Disposition, Dispositions};
use super::distinct::{DistinctKpi, FlagRule};
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Ban rate (封号率): distinct caller numbers with at least one `blocked` attempt / distinct caller numbers, in [0, 1].
Numerator: distinct non-NULL caller numbers with a row whose disposition is `blocked`.
Denominator: distinct non-NULL caller numbers. Rows with a NULL caller number are skipped; a NULL disposition is not blocked.
NULL when a group has no caller numbers. Numbers are compared as stored (exact text).",
    syntax_example = "ban_rate(caller_number, disposition)",
    sql_example = r#"```sql
> SELECT campaign_id, ban_rate(caller_number, disposition) AS ban_rate
  FROM calls GROUP BY campaign_id;
```"#,
    argument(
        name = "caller_number",
        description = "Outbound display number used; any string encoding."
    ),
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct BanRate;

const PARAMS: &[Param] = &[
    Param::column("caller_number", ArgKind::Text),
    Param::column("disposition", ArgKind::Text),
];

impl DistinctKpi for BanRate {
    fn name(&self) -> &'static str {
        "ban_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn rule(&self) -> FlagRule {
        FlagRule::AnyRowFlagged
    }

    fn keys_and_flags(&self, args: &[ArrayRef]) -> Result<(ArrayRef, BooleanBuffer)> {
        let blocked = Dispositions::new(&args[1])?.only(Disposition::Blocked);
        Ok((args[0].clone(), blocked))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
