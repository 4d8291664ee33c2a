//! `service_level(calls, interval_s, aht_s, agents, target_s)`: the share of calls
//! answered within a target time under Erlang C.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{AGENTS, AHT_S, CALLS, INTERVAL_S, load_and_agents};
use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Dialer and workforce"),
    description = "Erlang C service level: the share of calls answered within target_s seconds, 1 − C·e^(−(N − A)·target_s / aht_s), with A = calls × aht_s / interval_s Erlangs, N agents and C = erlang_c(…).
0 when N ≤ A, 1 when there are no calls. NULL for the inputs erlang_c refuses and for a negative target_s.",
    syntax_example = "service_level(calls, interval_s, aht_s, agents, target_s)",
    sql_example = r#"```sql
> SELECT service_level(100, 1800, 180, 14, 20);  -- 0.888350019 (88% answered within 20 s)
```"#,
    argument(name = "calls", description = "Calls offered in the interval."),
    argument(name = "interval_s", description = "Length of the interval, seconds."),
    argument(name = "aht_s", description = "Average handling time, seconds."),
    argument(name = "agents", description = "Agents on the queue, a whole number."),
    argument(
        name = "target_s",
        description = "Answer-time target, seconds (the 20 of 80/20)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ServiceLevel;

const PARAMS: &[Param] = &[
    CALLS,
    INTERVAL_S,
    AHT_S,
    AGENTS,
    Param::column("target_s", ArgKind::Number),
];

impl NumericFunction for ServiceLevel {
    type Output = f64;

    fn name(&self) -> &'static str {
        "service_level"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let target_s = args[4];
        if target_s < 0.0 {
            return Ok(None);
        }
        Ok(load_and_agents(args).map(|(load, agents)| load.service_level(agents, target_s)))
    }
}
