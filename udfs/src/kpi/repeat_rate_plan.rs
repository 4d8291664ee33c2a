//! An optimizer rule that plans `repeat_rate(key)` as two plain aggregations: rows per
//! (group, key), then per group the share of keys with two or more rows.
//!
//! The accumulator keeps every distinct key of every group, and its partial states carry
//! them as lists that the final stage hashes again. When keys are customers (millions of
//! them) that costs about 2.5× the two-level plan, whose first level DataFusion
//! repartitions once by (group, key) and can skip pre-aggregating. The rule is what
//! DataFusion's `SingleDistinctToGroupBy` does for `count(DISTINCT …)`: the other
//! aggregates of the same `GROUP BY` stay in one aggregation, joined back on the group
//! columns (NULL groups match NULL groups). The accumulator still serves the shapes the
//! rule leaves alone: FILTER, several different keys, grouping sets, windows.

use std::sync::Arc;

use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, NullEquality, Result};
use datafusion::functions_aggregate::expr_fn::{avg, count};
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, Expr, JoinType, LogicalPlan, LogicalPlanBuilder, col, lit, when,
};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

use super::distinct::Distinct;
use super::repeat_rate::RepeatRate;
use crate::common::aggregate::Udaf;

/// Rewrites aggregations holding `repeat_rate` into the two-level plan.
#[derive(Debug, Default)]
pub struct RepeatRateToGroupBy;

const KEY: &str = "__callsql_repeat_key";
const ROWS: &str = "__callsql_repeat_rows";
const RATE: &str = "__callsql_repeat_rate";

fn group_alias(index: usize) -> String {
    format!("__callsql_repeat_group_{index}")
}

impl OptimizerRule for RepeatRateToGroupBy {
    fn name(&self) -> &str {
        "repeat_rate_to_group_by"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Aggregate(aggregate) = &plan else {
            return Ok(Transformed::no(plan));
        };
        match repeat_rate_key(aggregate) {
            Some(key) => Ok(Transformed::yes(two_level(aggregate, key)?)),
            None => Ok(Transformed::no(plan)),
        }
    }
}

/// `key` when `call` is `repeat_rate(key)` without DISTINCT, FILTER or ORDER BY.
fn plain_repeat_rate(call: &Expr) -> Option<&Expr> {
    let Expr::AggregateFunction(AggregateFunction { func, params }) = call else {
        return None;
    };
    func.inner().downcast_ref::<Udaf<Distinct<RepeatRate>>>()?;
    let plain = !params.distinct && params.filter.is_none() && params.order_by.is_empty();
    match params.args.as_slice() {
        [key] if plain => Some(key),
        _ => None,
    }
}

fn is_repeat_rate(call: &Expr) -> bool {
    matches!(call, Expr::AggregateFunction(AggregateFunction { func, .. })
        if func.inner().downcast_ref::<Udaf<Distinct<RepeatRate>>>().is_some())
}

/// The one key every `repeat_rate` of the aggregation counts, when the rule applies.
fn repeat_rate_key(aggregate: &Aggregate) -> Option<Expr> {
    if matches!(aggregate.group_expr.first(), Some(Expr::GroupingSet(_))) {
        return None;
    }
    let mut key: Option<&Expr> = None;
    for call in aggregate
        .aggr_expr
        .iter()
        .filter(|call| is_repeat_rate(call))
    {
        let this = plain_repeat_rate(call)?;
        if key.is_some_and(|key| key != this) {
            return None;
        }
        key = Some(this);
    }
    key.cloned()
}

/// The plan computing `aggregate` with its `repeat_rate(key)` calls done in two levels.
fn two_level(aggregate: &Aggregate, key: Expr) -> Result<LogicalPlan> {
    let groups = aggregate.group_expr.len();
    let per_key = Aggregate::try_new(
        Arc::clone(&aggregate.input),
        aggregate
            .group_expr
            .iter()
            .enumerate()
            .map(|(index, group)| group.clone().alias(group_alias(index)))
            .chain([key.clone().alias(KEY)])
            .collect(),
        vec![count(key).alias(ROWS)],
    )?;
    // A NULL key's (group, NULL) row has 0 rows counted and takes no part in the mean.
    let repeated = when(col(ROWS).gt_eq(lit(2_i64)), lit(1.0_f64))
        .when(col(ROWS).eq(lit(1_i64)), lit(0.0_f64))
        .end()?;
    let per_group = LogicalPlan::Aggregate(Aggregate::try_new(
        Arc::new(LogicalPlan::Aggregate(per_key)),
        (0..groups).map(|index| col(group_alias(index))).collect(),
        vec![avg(repeated).alias(RATE)],
    )?);

    let others: Vec<Expr> = aggregate
        .aggr_expr
        .iter()
        .filter(|call| !is_repeat_rate(call))
        .cloned()
        .collect();
    let schema = &aggregate.schema;
    let renamed = |expr: Expr, index: usize| {
        let (qualifier, field) = schema.qualified_field(index);
        expr.alias_qualified(qualifier.cloned(), field.name())
    };
    if others.is_empty() {
        // Every aggregate is this `repeat_rate`.
        let columns: Vec<Expr> = (0..groups)
            .map(|index| renamed(col(group_alias(index)), index))
            .chain((0..aggregate.aggr_expr.len()).map(|index| renamed(col(RATE), groups + index)))
            .collect();
        return LogicalPlanBuilder::from(per_group)
            .project(columns)?
            .build();
    }

    let rest = LogicalPlan::Aggregate(Aggregate::try_new(
        Arc::clone(&aggregate.input),
        aggregate.group_expr.clone(),
        others,
    )?);
    let rest_column =
        |index: usize| Expr::Column(Column::from(rest.schema().qualified_field(index)));
    let mut columns: Vec<Expr> = (0..groups)
        .map(|index| renamed(rest_column(index), index))
        .collect();
    let mut next_other = groups;
    for (index, call) in aggregate.aggr_expr.iter().enumerate() {
        let value = if is_repeat_rate(call) {
            col(RATE)
        } else {
            next_other += 1;
            rest_column(next_other - 1)
        };
        columns.push(renamed(value, groups + index));
    }

    let joined = if groups == 0 {
        // Both sides have exactly one row.
        LogicalPlanBuilder::from(rest).cross_join(per_group)?
    } else {
        let left: Vec<Column> = (0..groups)
            .map(|index| Column::from(schema.qualified_field(index)))
            .collect();
        let right: Vec<Column> = (0..groups)
            .map(|index| Column::new_unqualified(group_alias(index)))
            .collect();
        LogicalPlanBuilder::from(rest).join_detailed(
            per_group,
            JoinType::Left,
            (left, right),
            None,
            NullEquality::NullEqualsNull,
        )?
    };
    joined.project(columns)?.build()
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use super::*;

    /// Calls in three partitions: groups and keys with NULLs, repeats, keys past 12 bytes.
    fn calls() -> Result<Vec<Vec<RecordBatch>>> {
        let mut seed: u64 = 7;
        let mut next = move |bound: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % bound
        };
        let mut partitions = Vec::new();
        for _ in 0..3 {
            let rows = 700;
            let mut groups = Vec::with_capacity(rows);
            let mut keys = Vec::with_capacity(rows);
            let mut dispositions = Vec::with_capacity(rows);
            let mut months = Vec::with_capacity(rows);
            for _ in 0..rows {
                groups.push(["a", "b", "c", "d"].get(next(5) as usize).copied());
                keys.push(match next(10) {
                    0 => None,
                    1 => Some(format!("a customer key past twelve bytes {}", next(40))),
                    _ => Some(format!("c{}", next(400))),
                });
                dispositions.push(
                    ["answered", "blocked", "busy"]
                        .get(next(4) as usize)
                        .copied(),
                );
                months.push(next(6) as i64);
            }
            let batch = RecordBatch::try_from_iter([
                ("g", Arc::new(StringArray::from(groups)) as ArrayRef),
                ("k", Arc::new(StringArray::from(keys)) as ArrayRef),
                ("d", Arc::new(StringArray::from(dispositions)) as ArrayRef),
                ("m", Arc::new(Int64Array::from(months)) as ArrayRef),
            ])?;
            partitions.push(vec![batch]);
        }
        Ok(partitions)
    }

    async fn context(with_rule: bool) -> Result<SessionContext> {
        let mut builder = SessionStateBuilder::new()
            .with_default_features()
            .with_config(SessionConfig::new().with_target_partitions(3));
        if with_rule {
            builder = builder.with_optimizer_rule(Arc::new(RepeatRateToGroupBy));
        }
        let mut state = builder.build();
        crate::register_all(&mut state)?;
        let ctx = SessionContext::new_with_state(state);
        let partitions = calls()?;
        let table = MemTable::try_new(partitions[0][0].schema(), partitions)?;
        ctx.register_table("t", Arc::new(table))?;
        Ok(ctx)
    }

    async fn answer(ctx: &SessionContext, sql: &str) -> Result<(String, bool)> {
        let frame = ctx.sql(sql).await?;
        let plan = frame.clone().into_optimized_plan()?;
        let rewritten = plan.display_indent().to_string().contains(RATE);
        let batches = frame.collect().await?;
        Ok((pretty_format_batches(&batches)?.to_string(), rewritten))
    }

    #[tokio::test]
    async fn rewritten_plans_give_the_accumulators_answers() -> Result<()> {
        let (planned, plain) = (context(true).await?, context(false).await?);
        // (query, whether the rule applies to it)
        let cases = [
            (
                "SELECT g, repeat_rate(k) FROM t GROUP BY g ORDER BY g NULLS FIRST",
                true,
            ),
            (
                "SELECT g, count(*), repeat_rate(k), ban_rate(k, d), connect_rate(d), \
                 repeat_rate(k) AS again, max(k) FROM t GROUP BY g ORDER BY g NULLS FIRST",
                true,
            ),
            ("SELECT repeat_rate(k), count(k) FROM t", true),
            ("SELECT repeat_rate(k) FROM t", true),
            ("SELECT repeat_rate(k), count(*) FROM t WHERE m > 100", true),
            (
                "SELECT g, repeat_rate(k) FROM t WHERE m > 100 GROUP BY g",
                true,
            ),
            (
                "SELECT g, m % 3 AS r, repeat_rate(k), sum(m) FROM t GROUP BY g, m % 3 \
                 ORDER BY g NULLS FIRST, r",
                true,
            ),
            (
                "SELECT k, repeat_rate(k) FROM t GROUP BY k ORDER BY k NULLS FIRST",
                true,
            ),
            (
                "SELECT g FROM t GROUP BY g HAVING repeat_rate(k) > 0.4 ORDER BY g NULLS FIRST",
                true,
            ),
            (
                "SELECT m, x FROM (SELECT m, repeat_rate(k) AS x FROM t WHERE g IS NOT NULL \
                 GROUP BY m) WHERE x IS NOT NULL ORDER BY m",
                true,
            ),
            (
                "SELECT g, repeat_rate(k) FILTER (WHERE m > 2), repeat_rate(k) FROM t \
                 GROUP BY g ORDER BY g NULLS FIRST",
                false,
            ),
            (
                "SELECT g, repeat_rate(k), repeat_rate(d) FROM t GROUP BY g ORDER BY g NULLS FIRST",
                false,
            ),
            (
                "SELECT g, m, repeat_rate(k) FROM t GROUP BY ROLLUP (g, m) \
                 ORDER BY g NULLS FIRST, m NULLS FIRST",
                false,
            ),
        ];
        for (sql, applies) in cases {
            let (expected, accumulator_planned) = answer(&plain, sql).await?;
            let (actual, rewritten) = answer(&planned, sql).await?;
            assert!(!accumulator_planned, "{sql}");
            assert_eq!(rewritten, applies, "{sql}");
            assert_eq!(actual, expected, "{sql}");
        }
        Ok(())
    }
}
