//! `dialing_rate(agent_availability, answer_rate [, buffer [, max_rate]])`: how many
//! numbers a predictive dialer should dial (seed 003).

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Dialer and workforce"),
    description = "Predictive-dialer pacing from seed 003: agent_availability × (1 / answer_rate) × buffer, capped at max_rate. With 3 idle agents and a 30% answer rate it dials 3 / 0.3 × 1.2 = 12 numbers, so that agents are free when callees pick up; the buffer (default 1.2, the seed's 20% margin) covers answer-rate noise, and raising it raises the abandoned-call risk (see abandon_rate).
At answer_rate 0 the formula has no finite value: the result is max_rate when given, else NULL (never a division by zero).
NULL when an argument is NULL, agent_availability < 0, answer_rate outside [0, 1], buffer ≤ 0 or max_rate < 0.",
    syntax_example = "dialing_rate(agent_availability, answer_rate [, buffer [, max_rate]])",
    sql_example = r#"```sql
> SELECT dialing_rate(3, 0.3);  -- 12
> SELECT campaign_id, dialing_rate(5, connect_rate(disposition), 1.2, 40) FROM calls GROUP BY 1;
```"#,
    argument(
        name = "agent_availability",
        description = "Idle agents (or agent capacity) to feed."
    ),
    argument(
        name = "answer_rate",
        description = "Share of dials a person answers, in [0, 1]."
    ),
    argument(
        name = "buffer",
        description = "Safety margin multiplier > 0; default 1.2."
    ),
    argument(
        name = "max_rate",
        description = "Upper limit on the result, ≥ 0; default none."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DialingRate;

const PARAMS: &[Param] = &[
    Param::column("agent_availability", ArgKind::Number),
    Param::column("answer_rate", ArgKind::Number),
    Param::optional("buffer", ArgKind::Number),
    Param::optional("max_rate", ArgKind::Number),
];

/// The seed's 20% safety margin.
const DEFAULT_BUFFER: f64 = 1.2;

impl NumericFunction for DialingRate {
    type Output = f64;

    fn name(&self) -> &'static str {
        "dialing_rate"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let (availability, answer_rate) = (args[0], args[1]);
        let buffer = args.get(2).copied().unwrap_or(DEFAULT_BUFFER);
        let max_rate = args.get(3).copied();
        let valid = availability >= 0.0
            && (0.0..=1.0).contains(&answer_rate)
            && buffer > 0.0
            && max_rate.is_none_or(|cap| cap >= 0.0);
        if !valid {
            return Ok(None);
        }
        if answer_rate == 0.0 {
            return Ok(max_rate);
        }
        let rate = availability / answer_rate * buffer;
        Ok(Some(max_rate.map_or(rate, |cap| rate.min(cap))))
    }
}
