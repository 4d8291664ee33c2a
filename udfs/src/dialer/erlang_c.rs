//! `erlang_c(calls, interval_s, aht_s, agents)`: the probability that a call waits.

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{LOAD_AND_AGENTS, load_and_agents};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Dialer and workforce"),
    description = "Erlang C probability that a call has to wait for an agent, in [0, 1], when calls arrive at random over interval_s seconds and each takes aht_s seconds of agent time on average.
With traffic A = calls × aht_s / interval_s Erlangs and N agents: computed through the Erlang B recursion B(k) = A·B(k−1) / (k + A·B(k−1)), C = N·B / (N − A·(1 − B)), so it is exact to rounding for thousands of agents. 1 when N ≤ A (the queue never empties), 0 when there are no calls.
NULL when an argument is NULL, calls < 0, interval_s or aht_s ≤ 0, agents is not a whole number ≥ 0, or A exceeds 10 million Erlangs.
Reference: A. K. Erlang (1917); the standard call-centre staffing model.",
    syntax_example = "erlang_c(calls, interval_s, aht_s, agents)",
    sql_example = r#"```sql
> SELECT erlang_c(100, 1800, 180, 13);  -- 0.285270453 (10 Erlangs, 13 agents)
```"#,
    argument(name = "calls", description = "Calls offered in the interval."),
    argument(name = "interval_s", description = "Length of the interval, seconds."),
    argument(
        name = "aht_s",
        description = "Average handling time (talk + hold + after-call work), seconds."
    ),
    argument(name = "agents", description = "Agents on the queue, a whole number.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ErlangC;

impl NumericFunction for ErlangC {
    type Output = f64;

    fn name(&self) -> &'static str {
        "erlang_c"
    }

    fn params(&self) -> &'static [Param] {
        LOAD_AND_AGENTS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        Ok(load_and_agents(args).map(|(load, agents)| load.waiting_probability(agents)))
    }
}
