//! `prob_best(successes, trials) OVER (PARTITION BY …)`: each arm's posterior probability
//! of being the best arm of its partition.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Documentation, PartitionEvaluator, Signature, Volatility, WindowUDFImpl,
};
use datafusion_macros::user_doc;

use super::best_arm;
use super::posterior::{Counts, Posterior};
use crate::common::args::{self, ArgKind, Param};

#[user_doc(
    doc_section(label = "Script ranking"),
    description = "Window function: the probability that this row's arm (script, offer, time slot) has the highest true success rate among the rows of its window partition, with uniform priors p ~ Beta(1 + successes, 1 + trials − successes). This is also the arm's Thompson-sampling allocation share for the next round.
Deterministic: computed by adaptive Gauss–Legendre integration of f_k(x) Π_{j≠k} F_j(x), accurate to 1e-6, not by Monte Carlo; the same rows give the same answer in any order. Sums to 1 over the valid rows of a partition. Arms whose posterior is more than 16 standard deviations below the leaders get 0.
Rows with a NULL, negative, fractional or impossible count (successes > trials) get NULL and do not compete. The frame clause is ignored: the whole partition competes.",
    syntax_example = "prob_best(successes, trials) OVER (PARTITION BY experiment)",
    sql_example = r#"```sql
> SELECT campaign_id, script_id, successes, trials,
         prob_best(successes, trials) OVER (PARTITION BY campaign_id) AS p_best
  FROM (SELECT campaign_id, script_id,
               count(*) FILTER (WHERE outcome = 'success') AS successes, count(*) AS trials
        FROM calls WHERE disposition = 'answered' GROUP BY campaign_id, script_id);
```"#,
    argument(name = "successes", description = "Successes of the row's arm."),
    argument(name = "trials", description = "Trials of the row's arm.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ProbBest {
    signature: Signature,
}

const PARAMS: &[Param] = &[
    Param::column("successes", ArgKind::Number),
    Param::column("trials", ArgKind::Number),
];

impl ProbBest {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl WindowUDFImpl for ProbBest {
    fn name(&self) -> &str {
        "prob_best"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.name(), PARAMS, arg_types)
    }

    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(ProbBestEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Float64,
            true,
        )))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[derive(Debug)]
struct ProbBestEvaluator;

impl PartitionEvaluator for ProbBestEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let successes = values[0].as_primitive::<Float64Type>();
        let trials = values[1].as_primitive::<Float64Type>();
        let mut arms: Vec<(usize, Counts)> = (0..num_rows)
            .filter(|&row| successes.is_valid(row) && trials.is_valid(row))
            .filter_map(|row| {
                Counts::new(successes.value(row), trials.value(row), true)
                    .map(|counts| (row, counts))
            })
            .collect();
        // A canonical order makes the floating-point sums, and so the answer, independent of
        // the order rows arrive in.
        arms.sort_by(|(_, a), (_, b)| {
            a.successes
                .total_cmp(&b.successes)
                .then(a.trials.total_cmp(&b.trials))
        });
        let posteriors: Vec<Posterior> = arms
            .iter()
            .map(|(_, counts)| Posterior::uniform_prior(*counts))
            .collect();
        let mut result = vec![None; num_rows];
        for ((row, _), probability) in arms.iter().zip(best_arm::probabilities(&posteriors)) {
            result[*row] = Some(probability);
        }
        Ok(Arc::new(Float64Array::from(result)))
    }
}
