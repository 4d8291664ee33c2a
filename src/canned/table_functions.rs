//! Every canned query as a table function, `SELECT * FROM kpi_daily('cmp003')`, and the
//! `callsql_queries` table listing them, so that a SQL client (a BI panel, a notebook, a
//! `serve` connection) can run one with typed arguments.
//!
//! Arguments are positional, in the order of the query's parameters; trailing ones may be
//! left out and take their defaults. Each is a constant or a `$n` parameter of a prepared
//! statement. Values replace the query's placeholders in its planned form, typed as the
//! header declares: they are bound, never spliced into the SQL text.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{MemTable, view::ViewTable};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue, plan_datafusion_err, plan_err};
use datafusion::logical_expr::expr::Placeholder;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::prelude::SessionContext;

use super::{CannedQuery, QueryParam};

/// The name of the table listing the canned queries.
pub const QUERIES_TABLE: &str = "callsql_queries";

/// Registers `queries` as table functions of `ctx`, each planned against the session's
/// tables now, and the `callsql_queries` table. A query may call another canned query:
/// those that fail are planned again while each round plans more of them. A query whose
/// tables the session lacks is still registered: calling it reports why it cannot be
/// planned.
pub async fn register(ctx: &SessionContext, queries: &[CannedQuery]) -> Result<()> {
    let mut pending: Vec<&CannedQuery> = queries.iter().collect();
    loop {
        let mut failed = Vec::new();
        for query in &pending {
            let plan = match ctx.state().create_logical_plan(&query.sql).await {
                Ok(plan) => Ok(plan),
                Err(error) => {
                    failed.push(*query);
                    Err(format!(
                        "query {} cannot run on this data: {}",
                        query.name,
                        error.strip_backtrace()
                    ))
                }
            };
            let function = CannedFunction {
                query: (*query).clone(),
                plan,
            };
            ctx.register_udtf(&query.name, Arc::new(function));
        }
        if failed.is_empty() || failed.len() == pending.len() {
            break;
        }
        pending = failed;
    }
    ctx.register_table(QUERIES_TABLE, Arc::new(listing(queries)?))?;
    Ok(())
}

/// One canned query, planned with its placeholders unbound.
#[derive(Debug)]
struct CannedFunction {
    query: CannedQuery,
    plan: std::result::Result<LogicalPlan, String>,
}

impl TableFunctionImpl for CannedFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let plan = self
            .plan
            .as_ref()
            .map_err(|e| plan_datafusion_err!("{e}"))?;
        let query = &self.query;
        if args.exprs().len() > query.params.len() {
            return plan_err!(
                "{} takes at most {} arguments, got {}; {}",
                query.name,
                query.params.len(),
                args.exprs().len(),
                call_signature(query)
            );
        }
        let mut values = HashMap::new();
        for (index, param) in query.params.iter().enumerate() {
            let value = match args.exprs().get(index) {
                Some(expr) => argument(query, param, index + 1, expr)?,
                None => Expr::Literal(default_value(query, param)?, None),
            };
            values.insert(format!("${}", param.name), value);
        }
        let bound = bind(plan.clone(), &values)?;
        Ok(Arc::new(ViewTable::new(bound, Some(query.sql.clone()))))
    }
}

/// The expression standing for `param` given as the `position`th argument `expr`.
fn argument(query: &CannedQuery, param: &QueryParam, position: usize, expr: &Expr) -> Result<Expr> {
    let data_type = param.param_type.data_type();
    match expr {
        Expr::Placeholder(placeholder) => Ok(Expr::Placeholder(Placeholder::new_with_field(
            placeholder.id.clone(),
            Some(Arc::new(Field::new(&param.name, data_type, true))),
        ))),
        _ => {
            let value = constant(expr).ok_or_else(|| {
                plan_datafusion_err!(
                    "argument {position} of {} (`{}`) must be a constant or a $n parameter, \
                     got {expr}; {}",
                    query.name,
                    param.name,
                    call_signature(query)
                )
            })?;
            Ok(Expr::Literal(typed(query, param, &value)?, None))
        }
    }
}

/// The value of a constant argument: a literal, a negated one, or a cast of one
/// (`DATE '2025-06-01'`).
fn constant(expr: &Expr) -> Option<ScalarValue> {
    match expr {
        Expr::Literal(value, _) => Some(value.clone()),
        Expr::Negative(inner) => constant(inner)?.arithmetic_negate().ok(),
        Expr::Cast(cast) => constant(&cast.expr)?.cast_to(cast.field.data_type()).ok(),
        Expr::TryCast(cast) => constant(&cast.expr)?.cast_to(cast.field.data_type()).ok(),
        _ => None,
    }
}

/// `value` as the parameter's declared type: text is read as `callsql run --param` reads
/// it, other values are cast.
fn typed(query: &CannedQuery, param: &QueryParam, value: &ScalarValue) -> Result<ScalarValue> {
    let text = match value {
        ScalarValue::Utf8(Some(text))
        | ScalarValue::LargeUtf8(Some(text))
        | ScalarValue::Utf8View(Some(text)) => Some(text.clone()),
        _ if value.is_null() => Some("NULL".to_string()),
        _ => None,
    };
    let converted = match text {
        Some(text) => param.param_type.value(&text),
        None => value.cast_to(&param.param_type.data_type()).ok(),
    };
    converted.ok_or_else(|| {
        plan_datafusion_err!(
            "{}: `{}` must be {}, got {value}; {}",
            query.name,
            param.name,
            param.param_type,
            call_signature(query)
        )
    })
}

fn default_value(query: &CannedQuery, param: &QueryParam) -> Result<ScalarValue> {
    let Some(default) = &param.default else {
        return plan_err!(
            "{} needs argument `{}`; {}",
            query.name,
            param.name,
            call_signature(query)
        );
    };
    param.param_type.value(default).ok_or_else(|| {
        plan_datafusion_err!(
            "{}: the default of `{}` is not {}",
            query.name,
            param.name,
            param.param_type
        )
    })
}

/// `plan` with each placeholder named in `values` replaced by its expression. Expressions
/// keep their names, which the nodes above refer to them by.
fn bind(plan: LogicalPlan, values: &HashMap<String, Expr>) -> Result<LogicalPlan> {
    let bound = plan.transform_up_with_subqueries(|node| {
        let names = NamePreserver::new(&node);
        node.map_expressions(|expr| {
            let name = names.save(&expr);
            let replaced = expr.transform_up(|expr| match expr {
                Expr::Placeholder(placeholder) => match values.get(&placeholder.id) {
                    Some(value) => Ok(Transformed::yes(value.clone())),
                    None => Ok(Transformed::no(Expr::Placeholder(placeholder))),
                },
                other => Ok(Transformed::no(other)),
            })?;
            Ok(replaced.update_data(|expr| name.restore(expr)))
        })
    })?;
    Ok(bound.data)
}

/// How to call a query: `kpi_daily(campaign VARCHAR = NULL, since DATE = NULL, …)`.
pub fn call_signature(query: &CannedQuery) -> String {
    let params: Vec<String> = query.params.iter().map(ToString::to_string).collect();
    format!("{}({})", query.name, params.join(", "))
}

/// The `callsql_queries` table: one row per canned query.
fn listing(queries: &[CannedQuery]) -> Result<MemTable> {
    let text = |values: Vec<String>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let schema = Arc::new(Schema::new(
        ["name", "description", "columns", "call"]
            .map(|name| Field::new(name, DataType::Utf8, false))
            .to_vec(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(queries.iter().map(|q| q.name.clone()).collect()),
            text(queries.iter().map(|q| q.description.clone()).collect()),
            text(queries.iter().map(|q| q.columns.join(", ")).collect()),
            text(queries.iter().map(call_signature).collect()),
        ],
    )?;
    MemTable::try_new(schema, vec![vec![batch]])
}
