//! `quintile_score(value [, direction]) OVER (…)`: RFM-style 1–5 scores by quintile, with
//! equal values always scored alike.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Documentation, PartitionEvaluator, Signature, Volatility, WindowUDFImpl,
};
use datafusion_macros::user_doc;

use crate::common::args::{self, ArgKind, Param};
use crate::common::constants::{constant_arguments, text_constant};

#[user_doc(
    doc_section(label = "Customer value"),
    description = "Window function: a 1–5 score by quintile of `value` within the window partition, for RFM. With direction 'asc' (default) larger values score higher (frequency, monetary); with 'desc' smaller values score higher (recency in days: most recent = 5).
Equals NTILE(5) OVER (ORDER BY value [DESC]) except that equal values always get equal scores: every row of a run of ties takes the score NTILE gives the first row of the run. So the answer does not depend on row order, partitions or runs. Heavy ties leave some scores unused (if 60% of customers bought once, they all score 1 and the next value starts at 4).
NULL and NaN values get NULL and are not counted. The frame clause and any ORDER BY are ignored: the function sorts the partition itself.",
    syntax_example = "quintile_score(value [, direction]) OVER ([PARTITION BY …])",
    sql_example = r#"```sql
> SELECT customer_id,
         quintile_score(days_since, 'desc') OVER () AS r,
         quintile_score(orders) OVER () AS f,
         quintile_score(revenue) OVER () AS m
  FROM (SELECT customer_id, DATE '2025-07-01' - CAST(max(ordered_at) AS DATE) AS days_since,
               count(*) AS orders, sum(amount) AS revenue
        FROM orders GROUP BY customer_id);
```"#,
    argument(
        name = "value",
        description = "The measure to score; any numeric type."
    ),
    argument(
        name = "direction",
        description = "'asc' (default): larger is better; 'desc': smaller is better. A constant."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct QuintileScore {
    signature: Signature,
}

const PARAMS: &[Param] = &[
    Param::column("value", ArgKind::Number),
    Param::optional_constant("direction", ArgKind::Text),
];

const SCORES: usize = 5;

impl QuintileScore {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl WindowUDFImpl for QuintileScore {
    fn name(&self) -> &str {
        "quintile_score"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.name(), PARAMS, arg_types)
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let constants = constant_arguments(self.name(), PARAMS, args.input_exprs())?;
        let direction = text_constant(self.name(), "direction", constants[0].as_ref(), "asc")?;
        let descending = match direction.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return exec_err!(
                    "quintile_score: direction must be 'asc' or 'desc', got '{direction}'"
                );
            }
        };
        Ok(Box::new(QuintileEvaluator { descending }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Int32,
            true,
        )))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[derive(Debug)]
struct QuintileEvaluator {
    descending: bool,
}

impl PartitionEvaluator for QuintileEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let numbers = values[0].as_primitive::<Float64Type>();
        let mut ranked: Vec<(f64, usize)> = (0..num_rows)
            .filter(|&row| numbers.is_valid(row) && !numbers.value(row).is_nan())
            .map(|row| (numbers.value(row), row))
            .collect();
        if self.descending {
            ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        } else {
            ranked.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        }
        let mut scores = vec![None; num_rows];
        let mut run_start = 0;
        for position in 0..ranked.len() {
            // -0.0 and 0.0 are one value: compare with ==, not total order.
            if ranked[position].0 != ranked[run_start].0 {
                run_start = position;
            }
            scores[ranked[position].1] = Some(ntile(run_start, ranked.len()));
        }
        Ok(Arc::new(Int32Array::from(scores)))
    }
}

/// The bucket NTILE(5) puts the row at 0-based `position` of `rows` in: the first
/// `rows % 5` buckets hold one row more than the others.
fn ntile(position: usize, rows: usize) -> i32 {
    let small = rows / SCORES;
    let large_buckets = rows % SCORES;
    let bucket = if small == 0 {
        position
    } else if position < large_buckets * (small + 1) {
        position / (small + 1)
    } else {
        large_buckets + (position - large_buckets * (small + 1)) / small
    };
    bucket as i32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntile_buckets_match_sql_ntile() {
        // NTILE(5) over 7 rows: 1 1 2 2 3 4 5; over 3 rows: 1 2 3; over 10: two each.
        let buckets = |rows| (0..rows).map(|p| ntile(p, rows)).collect::<Vec<_>>();
        assert_eq!(buckets(7), [1, 1, 2, 2, 3, 4, 5]);
        assert_eq!(buckets(3), [1, 2, 3]);
        assert_eq!(buckets(10), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }
}
