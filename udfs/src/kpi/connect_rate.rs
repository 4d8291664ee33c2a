//! `connect_rate(disposition)`: the share of dial attempts a person picked up (接通率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::disposition::Dispositions;
use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Connect rate (接通率): live attempts / attempts, in [0, 1].
Numerator: rows whose disposition is `answered` or `abandoned` (a person picked up).
Denominator: rows with a non-NULL disposition; values outside the canonical list count as attempts, never as live.
NULL dispositions are skipped; NULL when a group has no attempts.",
    syntax_example = "connect_rate(disposition)",
    sql_example = r#"```sql
> SELECT campaign_id, connect_rate(disposition) AS connect_rate
  FROM calls GROUP BY campaign_id ORDER BY connect_rate DESC;
```"#,
    argument(
        name = "disposition",
        description = "Call disposition (`answered`, `no_answer`, `busy`, `rejected`, `invalid_number`, `blocked`, `failed`, `voicemail`, `abandoned`); any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ConnectRate;

const PARAMS: &[Param] = &[Param::column("disposition", ArgKind::Text)];

impl CountingKpi for ConnectRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "connect_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["live", "attempts"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let dispositions = Dispositions::new(&args[0])?;
        Ok(vec![dispositions.live(), dispositions.attempts()])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
