//! The kernel behind the fitting aggregates (`bgnbd_fit`, `gamma_gamma_fit`): the state is
//! the set of distinct customer summaries with how many customers share each (mergeable as
//! lists, memory-accounted), and evaluating maximises the model's log-likelihood over it
//! with argmin's Nelder–Mead in log-parameter space, deterministically.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use argmin::core::{CostFunction, Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::neldermead::NelderMead;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListArray, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue, exec_datafusion_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};
use hashbrown::HashMap;

use crate::common::args::{self, Param};

/// Summary values per customer, padded with zeros for models that take fewer.
pub(crate) type Summary = [f64; 3];

/// What a fit does with one row of non-NULL arguments.
pub(crate) enum Row {
    /// A customer the model describes.
    Use(Summary),
    /// A valid customer the model has nothing to learn from (no repeat purchases, for
    /// spend); neither used nor counted as skipped.
    Ignore,
    /// Impossible values: skipped and counted.
    Bad,
}

/// The distinct summaries of a fit's customers, sorted, with how many customers share each.
pub(crate) struct Sample {
    pub rows: Vec<(Summary, f64)>,
    pub customers: f64,
}

impl Sample {
    /// Σ customers · `row(summary, terms)` over the sample, with `terms` computed once per
    /// distinct frequency (the first value), which rows of one frequency share.
    pub(crate) fn weighted_sum<T: Copy>(
        &self,
        terms: impl Fn(f64) -> T,
        row: impl Fn(&Summary, T) -> f64,
    ) -> f64 {
        let mut total = 0.0;
        let mut current: Option<(f64, T)> = None;
        for (summary, customers) in &self.rows {
            let frequency = summary[0];
            let shared = match current {
                Some((seen, shared)) if seen == frequency => shared,
                _ => {
                    let shared = terms(frequency);
                    current = Some((frequency, shared));
                    shared
                }
            };
            total += customers * row(summary, shared);
        }
        total
    }

    /// The weighted mean of each summary value.
    pub(crate) fn means(&self) -> Summary {
        let mut means = [0.0; 3];
        for (summary, weight) in &self.rows {
            for (mean, value) in means.iter_mut().zip(summary) {
                *mean += value * weight;
            }
        }
        means.map(|sum| sum / self.customers)
    }
}

/// A model fitted by maximum likelihood.
pub(crate) trait Model: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn params(&self) -> &'static [Param];
    /// The fitted parameters' names, as fields of the result.
    fn parameter_names(&self) -> &'static [&'static str];
    fn documentation(&self) -> Option<&Documentation>;
    fn row(&self, values: Summary) -> Row;
    /// Where the search starts, on the parameters' own scale.
    fn start(&self, sample: &Sample) -> Vec<f64>;
    /// The total log-likelihood of `sample`; `None` for parameters the model refuses.
    fn log_likelihood(&self, sample: &Sample, parameters: &[f64]) -> Option<f64>;
}

/// The SQL aggregate of a model fit.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FitUdaf<M> {
    model: Arc<M>,
    signature: Signature,
}

impl<M: Model> FitUdaf<M> {
    pub(crate) fn new(model: M) -> Self {
        Self {
            model: Arc::new(model),
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The result's fields: the parameters, then how the fit went.
fn result_fields(parameter_names: &[&str]) -> Fields {
    let parameters = parameter_names
        .iter()
        .map(|name| Field::new(*name, DataType::Float64, true));
    parameters
        .chain([
            Field::new("log_likelihood", DataType::Float64, true),
            Field::new("customers", DataType::Int64, false),
            Field::new("skipped", DataType::Int64, false),
            Field::new("converged", DataType::Boolean, false),
        ])
        .collect()
}

fn list_of_float64() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

impl<M: Model> AggregateUDFImpl for FitUdaf<M> {
    fn name(&self) -> &str {
        self.model.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.model.name(), self.model.params(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields(
            self.model.parameter_names(),
        )))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if args.is_distinct {
            return plan_err!("{} does not take DISTINCT", self.model.name());
        }
        Ok(Box::new(FitAccumulator {
            model: Arc::clone(&self.model),
            customers: HashMap::new(),
            skipped: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = |part: &str| {
            Arc::new(Field::new(
                format_state_name(args.name, part),
                list_of_float64(),
                true,
            ))
        };
        Ok(vec![
            list("first"),
            list("second"),
            list("third"),
            list("customers"),
            Arc::new(Field::new(
                format_state_name(args.name, "skipped"),
                DataType::UInt64,
                true,
            )),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.model.documentation()
    }
}

/// Distinct summaries (by their bits) and how many customers share each.
#[derive(Debug)]
struct FitAccumulator<M> {
    model: Arc<M>,
    customers: HashMap<[u64; 3], f64>,
    skipped: u64,
}

impl<M: Model> FitAccumulator<M> {
    fn add(&mut self, summary: Summary, customers: f64) {
        // -0.0 and 0.0 are one summary.
        let key = summary.map(|value| (value + 0.0).to_bits());
        *self.customers.entry(key).or_insert(0.0) += customers;
    }
}

impl<M: Model> Accumulator for FitAccumulator<M> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let columns = values
            .iter()
            .map(|array| array.as_primitive_opt::<Float64Type>())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| exec_datafusion_err!("{} takes numbers", self.model.name()))?;
        let rows = columns.first().map_or(0, |column| column.len());
        for row in 0..rows {
            let mut summary = [0.0; 3];
            let mut complete = true;
            for (value, column) in summary.iter_mut().zip(&columns) {
                if column.is_null(row) {
                    complete = false;
                    break;
                }
                *value = column.value(row);
            }
            if !complete {
                continue;
            }
            match self.model.row(summary) {
                Row::Use(summary) => self.add(summary, 1.0),
                Row::Ignore => {}
                Row::Bad => self.skipped += 1,
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut parts: [Vec<f64>; 4] = Default::default();
        for (key, customers) in &self.customers {
            for (part, bits) in parts.iter_mut().zip(key) {
                part.push(f64::from_bits(*bits));
            }
            parts[3].push(*customers);
        }
        let mut state: Vec<ScalarValue> = parts
            .into_iter()
            .map(|values| {
                ScalarValue::List(Arc::new(
                    ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
                        values.into_iter().map(Some),
                    )]),
                ))
            })
            .collect();
        state.push(ScalarValue::UInt64(Some(self.skipped)));
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [first, second, third, customers, skipped] = states else {
            return Err(exec_datafusion_err!(
                "{}: expected five state columns",
                self.model.name()
            ));
        };
        let lists = [first, second, third, customers].map(|state| state.as_list_opt::<i32>());
        let [Some(first), Some(second), Some(third), Some(customers)] = lists else {
            return Err(exec_datafusion_err!(
                "{}: state is not lists",
                self.model.name()
            ));
        };
        let skipped = skipped
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| exec_datafusion_err!("{}: skipped is not UInt64", self.model.name()))?;
        for row in 0..first.len() {
            self.skipped += if skipped.is_null(row) {
                0
            } else {
                skipped.value(row)
            };
            if first.is_null(row) {
                continue;
            }
            let values = [first, second, third, customers].map(|list| list.value(row));
            let columns = values
                .iter()
                .map(|array| array.as_primitive_opt::<Float64Type>())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    exec_datafusion_err!("{}: state is not numbers", self.model.name())
                })?;
            let [first, second, third, weight] = columns.as_slice() else {
                continue;
            };
            for i in 0..weight.len() {
                self.add(
                    [first.value(i), second.value(i), third.value(i)],
                    weight.value(i),
                );
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut rows: Vec<(Summary, f64)> = self
            .customers
            .iter()
            .map(|(key, customers)| (key.map(f64::from_bits), *customers))
            .collect();
        // Sorted, so that the fit is the same whatever order rows and partitions came in,
        // and rows of one frequency are adjacent for the models' per-frequency terms.
        rows.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        let customers = rows.iter().map(|(_, weight)| weight).sum();
        let sample = Sample { rows, customers };
        let fitted = if sample.rows.is_empty() {
            None
        } else {
            fit(self.model.as_ref(), &sample)?
        };
        self.result(fitted, sample.customers)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.customers.capacity() * (size_of::<([u64; 3], f64)>() + 1)
    }
}

impl<M: Model> FitAccumulator<M> {
    fn result(&self, fitted: Option<Fitted>, customers: f64) -> Result<ScalarValue> {
        let names = self.model.parameter_names();
        let (parameters, log_likelihood, converged) = match fitted {
            Some(Fitted {
                parameters,
                log_likelihood,
                converged: true,
            }) => (
                parameters.into_iter().map(Some).collect(),
                Some(log_likelihood),
                true,
            ),
            _ => (vec![None; names.len()], None, false),
        };
        let mut columns: Vec<ArrayRef> = parameters
            .into_iter()
            .map(|value| Arc::new(Float64Array::from(vec![value])) as ArrayRef)
            .collect();
        columns.push(Arc::new(Float64Array::from(vec![log_likelihood])));
        columns.push(Arc::new(Int64Array::from(vec![customers as i64])));
        columns.push(Arc::new(Int64Array::from(vec![self.skipped as i64])));
        columns.push(Arc::new(BooleanArray::from(vec![converged])));
        let array = StructArray::try_new(result_fields(names), columns, None)?;
        Ok(ScalarValue::Struct(Arc::new(array)))
    }
}

/// The maximum-likelihood parameters and whether the search converged.
pub(crate) struct Fitted {
    pub parameters: Vec<f64>,
    pub log_likelihood: f64,
    pub converged: bool,
}

/// −(mean log-likelihood) over log-parameters: unconstrained, and of the same scale
/// whatever the number of customers.
struct Objective<'a, M> {
    model: &'a M,
    sample: &'a Sample,
}

/// Log-parameters beyond ±LOG_BOUND (e^40 ≈ 2·10¹⁷) are out of the search.
const LOG_BOUND: f64 = 40.0;

impl<M: Model> CostFunction for Objective<'_, M> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, logs: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        if logs.iter().any(|l| !l.is_finite() || l.abs() > LOG_BOUND) {
            return Ok(f64::INFINITY);
        }
        let parameters: Vec<f64> = logs.iter().map(|l| l.exp()).collect();
        Ok(match self.model.log_likelihood(self.sample, &parameters) {
            Some(ll) if ll.is_finite() => -ll / self.sample.customers,
            _ => f64::INFINITY,
        })
    }
}

/// Nelder–Mead runs: each from the best point so far with a fresh simplex, until one
/// barely moves (restarting guards against a simplex that collapsed early).
const RUNS: usize = 3;
const ITERATIONS_PER_RUN: u64 = 1000;
const SIMPLEX_STEP: f64 = 0.5;
const TOLERANCE: f64 = 1e-12;

pub(crate) fn fit<M: Model>(model: &M, sample: &Sample) -> Result<Option<Fitted>> {
    let objective = Objective { model, sample };
    let mut best: Vec<f64> = model.start(sample).iter().map(|v| v.ln()).collect();
    let mut best_cost = objective.cost(&best).unwrap_or(f64::INFINITY);
    if !best_cost.is_finite() {
        return Ok(None);
    }
    let mut converged = false;
    for _ in 0..RUNS {
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut vertex = best.clone();
            if let Some(value) = vertex.get_mut(i) {
                *value += SIMPLEX_STEP;
            }
            simplex.push(vertex);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(TOLERANCE)
            .map_err(|e| exec_datafusion_err!("{}: {e}", model.name()))?;
        let result = Executor::new(Objective { model, sample }, solver)
            .configure(|state| state.max_iters(ITERATIONS_PER_RUN))
            .run()
            .map_err(|e| exec_datafusion_err!("{}: {e}", model.name()))?;
        let state = result.state();
        let cost = state.get_best_cost();
        let Some(point) = state.get_best_param().cloned() else {
            break;
        };
        let settled = matches!(
            state.get_termination_status(),
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        );
        let improvement = best_cost - cost;
        if cost < best_cost {
            best = point;
            best_cost = cost;
        }
        if settled && improvement.abs() < 1e-10 {
            converged = true;
            break;
        }
    }
    Ok(Some(Fitted {
        parameters: best.iter().map(|l| l.exp()).collect(),
        log_likelihood: -best_cost * sample.customers,
        converged: converged && best_cost.is_finite(),
    }))
}
