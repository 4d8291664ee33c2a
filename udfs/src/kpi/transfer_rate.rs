//! `transfer_rate(disposition, transferred)`: the share of answered calls the bot handed
//! to a human agent (转人工率).

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
    description = "Transfer rate (转人工率): answered calls transferred to an agent / answered calls, in [0, 1].
Numerator: rows with disposition `answered` and transferred true.
Denominator: rows with disposition `answered` and a known (non-NULL) transferred; a NULL transferred is unknown and counts in neither.
NULL when a group has no answered call with a known transferred.",
    syntax_example = "transfer_rate(disposition, transferred)",
    sql_example = r#"```sql
> SELECT campaign_id, transfer_rate(disposition, transferred) AS transfer_rate
  FROM calls GROUP BY campaign_id;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition; any string encoding."
    ),
    argument(
        name = "transferred",
        description = "Whether the bot handed the call to a human (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct TransferRate;

const PARAMS: &[Param] = &[
    Param::column("disposition", ArgKind::Text),
    Param::column("transferred", ArgKind::Boolean),
];

impl CountingKpi for TransferRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "transfer_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["transferred", "answered"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let answered = Dispositions::new(&args[0])?.only(Disposition::Answered);
        flagged_among(answered, args[1].as_ref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
