//! `asa(calls, interval_s, aht_s, agents)`: the average speed of answer under Erlang C.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{LOAD_AND_AGENTS, load_and_agents};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Dialer and workforce"),
    description = "Average speed of answer in seconds under Erlang C: the mean wait over all calls, C × aht_s / (N − A), with A = calls × aht_s / interval_s Erlangs, N agents and C = erlang_c(…).
Infinity when N ≤ A (the queue grows without bound), 0 when there are no calls. NULL for the inputs erlang_c refuses.",
    syntax_example = "asa(calls, interval_s, aht_s, agents)",
    sql_example = r#"```sql
> SELECT asa(100, 1800, 180, 13);  -- 17.116227 seconds
```"#,
    argument(name = "calls", description = "Calls offered in the interval."),
    argument(name = "interval_s", description = "Length of the interval, seconds."),
    argument(name = "aht_s", description = "Average handling time, seconds."),
    argument(name = "agents", description = "Agents on the queue, a whole number.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Asa;

impl NumericFunction for Asa {
    type Output = f64;

    fn name(&self) -> &'static str {
        "asa"
    }

    fn params(&self) -> &'static [Param] {
        LOAD_AND_AGENTS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        Ok(load_and_agents(args).map(|(load, agents)| load.average_speed_of_answer(agents)))
    }
}
