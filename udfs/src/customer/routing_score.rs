//! `routing_score(value, engagement, timeliness [, wv, we, wt])`: seed 004's weighted lead
//! routing score.

use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer value"),
    description = "Lead routing score (seed 004): wv·value + we·engagement + wt·timeliness, with default weights 0.4 / 0.3 / 0.3. Put the three inputs on one scale first (e.g. 0–1 or RFM-style 1–5 scores), or the largest-scaled input dominates.
Weights are passed all three or not at all; they need not sum to 1, but a negative or non-finite weight is an error. NULL when any input is NULL.",
    syntax_example = "routing_score(value, engagement, timeliness [, wv, we, wt])",
    sql_example = r#"```sql
> SELECT routing_score(0.9, 0.5, 0.2);  -- 0.4·0.9 + 0.3·0.5 + 0.3·0.2 = 0.57
> SELECT routing_score(0.9, 0.5, 0.2, 0.5, 0.25, 0.25);  -- 0.625
```"#,
    argument(
        name = "value",
        description = "Customer value score (e.g. monetary score)."
    ),
    argument(
        name = "engagement",
        description = "Engagement score (history of interaction)."
    ),
    argument(
        name = "timeliness",
        description = "Timeliness score (current state, recency)."
    ),
    argument(name = "wv", description = "Weight of value; default 0.4."),
    argument(name = "we", description = "Weight of engagement; default 0.3."),
    argument(name = "wt", description = "Weight of timeliness; default 0.3.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RoutingScore;

const PARAMS: &[Param] = &[
    Param::column("value", ArgKind::Number),
    Param::column("engagement", ArgKind::Number),
    Param::column("timeliness", ArgKind::Number),
    Param::optional("wv", ArgKind::Number),
    Param::optional("we", ArgKind::Number),
    Param::optional("wt", ArgKind::Number),
];

const DEFAULT_WEIGHTS: [f64; 3] = [0.4, 0.3, 0.3];

impl NumericFunction for RoutingScore {
    type Output = f64;

    fn name(&self) -> &'static str {
        "routing_score"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn check_arity(&self, count: usize) -> Result<()> {
        match count {
            3 | 6 => Ok(()),
            _ => plan_err!(
                "routing_score takes 3 inputs and either no weights or all three (wv, we, wt); got {count} arguments"
            ),
        }
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<f64>> {
        let weights = if args.len() == 6 {
            [args[3], args[4], args[5]]
        } else {
            DEFAULT_WEIGHTS
        };
        if let Some(bad) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return exec_err!("routing_score: weights must be finite and non-negative, got {bad}");
        }
        Ok(Some(
            args[..3]
                .iter()
                .zip(weights)
                .map(|(input, weight)| input * weight)
                .sum(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_explicit_weights() {
        let default = RoutingScore.evaluate(&[0.9, 0.5, 0.2]).unwrap().unwrap();
        assert!((default - 0.57).abs() < 1e-12);
        let explicit = RoutingScore
            .evaluate(&[0.9, 0.5, 0.2, 0.5, 0.25, 0.25])
            .unwrap()
            .unwrap();
        assert!((explicit - 0.625).abs() < 1e-12);
    }

    #[test]
    fn partial_or_negative_weights_are_errors() {
        assert!(RoutingScore.check_arity(4).is_err());
        assert!(RoutingScore.check_arity(6).is_ok());
        let error = RoutingScore
            .evaluate(&[0.9, 0.5, 0.2, -0.5, 0.25, 0.25])
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("weights must be finite and non-negative")
        );
    }
}
