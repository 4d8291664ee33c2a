//! `repeat_rate(customer_id)`: the share of distinct customers seen more than once; over
//! `orders`, the repurchase rate (复购率).

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::distinct::{DistinctKpi, FlagRule, no_flags};
use crate::common::args::{ArgKind, Param};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Repeat rate (复购率 over orders): distinct customers seen in two or more rows / distinct customers, in [0, 1].
Numerator: distinct non-NULL keys occurring in at least two rows of the group. Denominator: distinct non-NULL keys.
NULL keys are skipped; NULL when a group has none. Keys are compared as stored (exact text).
In callsql sessions a GROUP BY query is planned as rows per (group, key), then the share seen twice (EXPLAIN shows it); the answers are the same.",
    syntax_example = "repeat_rate(customer_id)",
    sql_example = r#"```sql
> SELECT date_trunc('month', ordered_at) AS month, repeat_rate(customer_id) AS repurchase_rate
  FROM orders GROUP BY 1 ORDER BY 1;
```"#,
    argument(
        name = "customer_id",
        description = "Customer key (or any key whose repeats are counted); any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RepeatRate;

const PARAMS: &[Param] = &[Param::column("customer_id", ArgKind::Text)];

impl DistinctKpi for RepeatRate {
    fn name(&self) -> &'static str {
        "repeat_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn rule(&self) -> FlagRule {
        FlagRule::SeenTwice
    }

    fn keys_and_flags(&self, args: &[ArrayRef]) -> Result<(ArrayRef, BooleanBuffer)> {
        Ok((args[0].clone(), no_flags(args[0].len())))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
