//! Refuses `FILTER (WHERE …)` on window functions in a cluster's statements.
//!
//! DataFusion 55's physical plan serialization has no field for a window function's
//! filter: the scheduler would send the executors `sum(x) OVER (…)` for `sum(x) FILTER
//! (WHERE c) OVER (…)`, and the query would answer wrongly without a word. The client
//! refuses such a statement instead, naming the rewrite that works everywhere.

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, plan_err};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// Fails on a plan holding a window function with a FILTER clause.
#[derive(Debug, Default)]
pub struct RefuseWindowFilters;

impl AnalyzerRule for RefuseWindowFilters {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let mut filtered = None;
        plan.apply_with_subqueries(|node| {
            node.apply_expressions(|expr| {
                expr.apply(|expr| {
                    if let Expr::WindowFunction(window) = expr
                        && window.params.filter.is_some()
                    {
                        filtered = Some(window.fun.name().to_string());
                        return Ok(TreeNodeRecursion::Stop);
                    }
                    Ok(TreeNodeRecursion::Continue)
                })
            })
        })?;
        match filtered {
            Some(function) => plan_err!(
                "{function}(…) FILTER (WHERE …) OVER (…) cannot run on a cluster (Ballista 55 \
                 drops a window function's FILTER on its way to the executors); write \
                 {function}(CASE WHEN … THEN … END) OVER (…) instead"
            ),
            None => Ok(plan),
        }
    }

    fn name(&self) -> &str {
        "refuse_window_filters"
    }
}
