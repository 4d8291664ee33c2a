//! `agents_required(calls, interval_s, aht_s, target_sl, target_s [, max_occupancy])`:
//! the fewest agents that meet a service-level target under Erlang C.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::erlang::Load;
use super::{AHT_S, CALLS, INTERVAL_S};
use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Dialer and workforce"),
    description = "The fewest agents N for which service_level(calls, interval_s, aht_s, N, target_s) ≥ target_sl and occupancy A / N ≤ max_occupancy, with traffic A = calls × aht_s / interval_s Erlangs. Agents on the phones, before shrinkage (breaks, training, absence): divide by (1 − shrinkage) for heads on the rota.
0 when there are no calls. NULL when an argument is NULL, for the loads erlang_c refuses, or unless 0 < target_sl < 1 (a fraction: 0.8, not 80), target_s ≥ 0 and 0 < max_occupancy ≤ 1 (default 1: no cap).",
    syntax_example = "agents_required(calls, interval_s, aht_s, target_sl, target_s [, max_occupancy])",
    sql_example = r#"```sql
> SELECT agents_required(100, 1800, 180, 0.8, 20);  -- 14 (80% of calls answered within 20 s)
> SELECT agents_required(100, 1800, 180, 0.8, 20, 0.6);  -- 17 (at most 60% occupancy)
```"#,
    argument(name = "calls", description = "Calls offered in the interval."),
    argument(name = "interval_s", description = "Length of the interval, seconds."),
    argument(name = "aht_s", description = "Average handling time, seconds."),
    argument(
        name = "target_sl",
        description = "Service-level target, a fraction in (0, 1)."
    ),
    argument(name = "target_s", description = "Answer-time target, seconds."),
    argument(
        name = "max_occupancy",
        description = "Highest acceptable occupancy, in (0, 1]; default 1."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct AgentsRequired;

const PARAMS: &[Param] = &[
    CALLS,
    INTERVAL_S,
    AHT_S,
    Param::column("target_sl", ArgKind::Number),
    Param::column("target_s", ArgKind::Number),
    Param::optional("max_occupancy", ArgKind::Number),
];

impl NumericFunction for AgentsRequired {
    type Output = i32;

    fn name(&self) -> &'static str {
        "agents_required"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<i32>> {
        let Some(load) = Load::new(args[0], args[1], args[2]) else {
            return Ok(None);
        };
        let max_occupancy = args.get(5).copied().unwrap_or(1.0);
        Ok(load
            .agents_required(args[3], args[4], max_occupancy)
            .and_then(|agents| i32::try_from(agents).ok()))
    }
}
