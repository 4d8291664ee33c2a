//! `fcr_rate(resolved, reopened)`: first-contact resolution, the share of sessions resolved for good the first time (一次解决率).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{is_false, is_true, is_valid};

#[user_doc(
    doc_section(label = "Service desk"),
    description = "First-contact resolution rate (FCR, 一次解决率): sessions resolved and not reopened / sessions, in [0, 1].
Numerator: rows with resolved true and reopened false.
Denominator: rows where neither resolved nor reopened is NULL.
NULL when a group has no such sessions.",
    syntax_example = "fcr_rate(resolved, reopened)",
    sql_example = r#"```sql
> SELECT channel, fcr_rate(resolved, reopened) AS fcr_rate
  FROM sessions GROUP BY channel;
```"#,
    argument(name = "resolved", description = "The issue was resolved (boolean)."),
    argument(
        name = "reopened",
        description = "The same issue came back within the reopen window (boolean)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FcrRate;

const PARAMS: &[Param] = &[
    Param::column("resolved", ArgKind::Boolean),
    Param::column("reopened", ArgKind::Boolean),
];

impl CountingKpi for FcrRate {
    type Settings = ();

    fn name(&self) -> &'static str {
        "fcr_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["first_contact_resolved", "sessions"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let sessions = &is_valid(args[0].as_ref()) & &is_valid(args[1].as_ref());
        let for_good = &is_true(args[0].as_ref())? & &is_false(args[1].as_ref())?;
        Ok(vec![for_good, sessions])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
