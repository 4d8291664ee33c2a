//! The kernel behind the fitting aggregates (`bgnbd_fit`, `gamma_gamma_fit`): the state is
//! the set of distinct customer summaries with how many customers share each (mergeable as
//! lists, memory-accounted), and evaluating maximises the model's log-likelihood over it
//! in log-parameter space with argmin's BFGS on the models' analytic gradients (Nelder–Mead
//! where BFGS cannot settle), deterministically.

use std::cell::RefCell;
use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::BFGS;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListArray, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue, exec_datafusion_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, Documentation};
use hashbrown::HashMap;

use crate::common::aggregate::AggregateKernel;
use crate::common::args::Param;

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
    /// Σ customers · `row(summary, terms)` over the sample, element by element, with
    /// `terms` computed once per distinct frequency (the first value), which rows of one
    /// frequency share. The rows are summed in pieces of PIECE_ROWS on all cores, and the
    /// pieces' sums added in order, so the result does not depend on the number of cores.
    pub(crate) fn weighted_sum<T, const N: usize>(
        &self,
        terms: impl Fn(f64) -> T + Sync,
        row: impl Fn(&Summary, &T) -> [f64; N] + Sync,
    ) -> [f64; N] {
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        self.weighted_sum_on(cores, terms, row)
    }

    fn weighted_sum_on<T, const N: usize>(
        &self,
        threads: usize,
        terms: impl Fn(f64) -> T + Sync,
        row: impl Fn(&Summary, &T) -> [f64; N] + Sync,
    ) -> [f64; N] {
        let pieces: Vec<&[(Summary, f64)]> = self.rows.chunks(PIECE_ROWS).collect();
        let mut sums = vec![[0.0; N]; pieces.len()];
        let per_thread = pieces.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            for (own_sums, own_pieces) in sums.chunks_mut(per_thread).zip(pieces.chunks(per_thread))
            {
                let (terms, row) = (&terms, &row);
                scope.spawn(move || {
                    for (sum, piece) in own_sums.iter_mut().zip(own_pieces) {
                        *sum = piece_sum(piece, terms, row);
                    }
                });
            }
        });
        sums.iter().fold([0.0; N], |mut total, sum| {
            for (total, value) in total.iter_mut().zip(sum) {
                *total += value;
            }
            total
        })
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

/// Rows per piece of a parallel pass over a sample.
const PIECE_ROWS: usize = 16_384;

/// Σ customers · `row(summary, terms)` over consecutive rows.
fn piece_sum<T, const N: usize>(
    rows: &[(Summary, f64)],
    terms: impl Fn(f64) -> T,
    row: impl Fn(&Summary, &T) -> [f64; N],
) -> [f64; N] {
    let mut total = [0.0; N];
    let mut current: Option<(f64, T)> = None;
    for (summary, customers) in rows {
        let frequency = summary[0];
        if current.as_ref().is_none_or(|(seen, _)| *seen != frequency) {
            current = Some((frequency, terms(frequency)));
        }
        if let Some((_, shared)) = &current {
            for (sum, value) in total.iter_mut().zip(row(summary, shared)) {
                *sum += customers * value;
            }
        }
    }
    total
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
    /// The total log-likelihood of `sample` followed by its gradient with respect to the
    /// parameters; `None` for parameters the model refuses.
    fn log_likelihood(&self, sample: &Sample, parameters: &[f64]) -> Option<Vec<f64>>;
}

/// The aggregate kernel of a model fit.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Fit<M>(Arc<M>);

impl<M: Model> Fit<M> {
    pub(crate) fn new(model: M) -> Self {
        Self(Arc::new(model))
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

impl<M: Model> AggregateKernel for Fit<M> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn params(&self) -> &'static [Param] {
        self.0.params()
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.0.documentation()
    }

    fn return_type(&self) -> DataType {
        DataType::Struct(result_fields(self.0.parameter_names()))
    }

    fn state(&self) -> Vec<(&'static str, DataType, bool)> {
        vec![
            ("first", list_of_float64(), true),
            ("second", list_of_float64(), true),
            ("third", list_of_float64(), true),
            ("customers", list_of_float64(), true),
            ("skipped", DataType::UInt64, true),
        ]
    }

    fn accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FitAccumulator {
            model: Arc::clone(&self.0),
            customers: HashMap::new(),
            skipped: 0,
        }))
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
/// whatever the number of customers. The last evaluation is kept, as the line search asks
/// for the cost and the gradient at the same points and one pass computes both; and the
/// best one, as a search that fails near the optimum (where rounding makes the gradient
/// disagree with the cost, and a line search finds no descent) has still found it.
struct Objective<'a, M> {
    model: &'a M,
    sample: &'a Sample,
    last: RefCell<Option<Evaluation>>,
    best: &'a RefCell<Option<Evaluation>>,
}

/// The cost and its gradient at one point of the search.
#[derive(Clone)]
struct Evaluation {
    at: Vec<f64>,
    cost: f64,
    gradient: Vec<f64>,
}

/// Log-parameters beyond ±LOG_BOUND (e^40 ≈ 2·10¹⁷) are out of the search.
const LOG_BOUND: f64 = 40.0;

impl<'a, M: Model> Objective<'a, M> {
    fn new(model: &'a M, sample: &'a Sample, best: &'a RefCell<Option<Evaluation>>) -> Self {
        Objective {
            model,
            sample,
            last: RefCell::new(None),
            best,
        }
    }

    /// The cost and its gradient at `logs`; an infinite cost (and no gradient) outside the
    /// search or where the model refuses the parameters.
    fn evaluate(&self, logs: &[f64]) -> (f64, Vec<f64>) {
        if let Some(last) = self.last.borrow().as_ref()
            && last.at.as_slice() == logs
        {
            return (last.cost, last.gradient.clone());
        }
        let outside = (f64::INFINITY, vec![f64::NAN; logs.len()]);
        let evaluation = if logs.iter().any(|l| !l.is_finite() || l.abs() > LOG_BOUND) {
            outside
        } else {
            let parameters: Vec<f64> = logs.iter().map(|l| l.exp()).collect();
            match self.model.log_likelihood(self.sample, &parameters) {
                Some(sums) if sums.iter().all(|v| v.is_finite()) => {
                    let n = self.sample.customers;
                    let gradient = sums
                        .iter()
                        .skip(1)
                        .zip(&parameters)
                        .map(|(d, parameter)| -d * parameter / n)
                        .collect();
                    (-sums.first().copied().unwrap_or(f64::NAN) / n, gradient)
                }
                _ => outside,
            }
        };
        let current = Evaluation {
            at: logs.to_vec(),
            cost: evaluation.0,
            gradient: evaluation.1.clone(),
        };
        let mut best = self.best.borrow_mut();
        if current.cost.is_finite() && best.as_ref().is_none_or(|best| current.cost < best.cost) {
            *best = Some(current.clone());
        }
        *self.last.borrow_mut() = Some(current);
        evaluation
    }
}

impl<M: Model> CostFunction for Objective<'_, M> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, logs: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(logs).0)
    }
}

impl<M: Model> Gradient for Objective<'_, M> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, logs: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(logs).1)
    }
}

/// BFGS stops when the gradient's norm is below BFGS_GRADIENT_TOLERANCE or an iteration
/// changes the cost by less than BFGS_COST_TOLERANCE, which is rounding (sums of millions
/// of terms agree to about 1e-13 of the mean log-likelihood); a fit counts as converged
/// when it ends within CONVERGED_GRADIENT (in mean log-likelihood per unit of
/// log-parameter).
const BFGS_GRADIENT_TOLERANCE: f64 = 1e-7;
const BFGS_COST_TOLERANCE: f64 = 1e-13;
const CONVERGED_GRADIENT: f64 = 1e-6;
const BFGS_ITERATIONS: u64 = 500;

/// Nelder–Mead runs, where BFGS fails (a likelihood flat or unbounded in some direction):
/// each from the best point so far with a fresh simplex, until one barely moves
/// (restarting guards against a simplex that collapsed early).
const RUNS: usize = 3;
const ITERATIONS_PER_RUN: u64 = 1000;
const SIMPLEX_STEP: f64 = 0.5;
const TOLERANCE: f64 = 1e-12;

/// Maximises the likelihood: BFGS with the model's analytic gradient (tens of passes
/// over the sample), and Nelder–Mead from the best point found when BFGS does not end at
/// a stationary point.
pub(crate) fn fit<M: Model>(model: &M, sample: &Sample) -> Result<Option<Fitted>> {
    let start: Vec<f64> = model.start(sample).iter().map(|v| v.ln()).collect();
    let best = RefCell::new(None);
    let start_cost = Objective::new(model, sample, &best).evaluate(&start).0;
    if !start_cost.is_finite() {
        return Ok(None);
    }
    let (point, cost) = match quasi_newton(model, sample, &start, &best) {
        Some((point, cost, gradient_norm)) if gradient_norm < CONVERGED_GRADIENT => {
            return Ok(Some(Fitted {
                parameters: point.iter().map(|l| l.exp()).collect(),
                log_likelihood: -cost * sample.customers,
                converged: true,
            }));
        }
        Some((point, cost, _)) if cost < start_cost => (point, cost),
        _ => (start, start_cost),
    };
    simplex_search(model, sample, &best, point, cost)
}

/// BFGS with a Moré–Thuente line search from `start`: the best point evaluated so far
/// (`best`), its cost and the norm of the gradient there, whether or not the search ended
/// normally; `None` when none had a finite cost.
fn quasi_newton<M: Model>(
    model: &M,
    sample: &Sample,
    start: &[f64],
    best: &RefCell<Option<Evaluation>>,
) -> Option<(Vec<f64>, f64, f64)> {
    let dimension = start.len();
    let identity: Vec<Vec<f64>> = (0..dimension)
        .map(|i| {
            (0..dimension)
                .map(|j| if i == j { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let solver = BFGS::new(MoreThuenteLineSearch::new())
        .with_tolerance_grad(BFGS_GRADIENT_TOLERANCE)
        .ok()?
        .with_tolerance_cost(BFGS_COST_TOLERANCE)
        .ok()?;
    // An error ends the search (a line search that found no descent); what it reached is
    // in `best` either way.
    let _ended = Executor::new(Objective::new(model, sample, best), solver)
        .configure(|state| {
            state
                .param(start.to_vec())
                .inv_hessian(identity)
                .max_iters(BFGS_ITERATIONS)
        })
        .run();
    let Evaluation { at, cost, gradient } = best.borrow().clone()?;
    let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
    norm.is_finite().then_some((at, cost, norm))
}

/// Nelder–Mead restarts from `best`.
fn simplex_search<M: Model>(
    model: &M,
    sample: &Sample,
    evaluated: &RefCell<Option<Evaluation>>,
    mut best: Vec<f64>,
    mut best_cost: f64,
) -> Result<Option<Fitted>> {
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
        let result = Executor::new(Objective::new(model, sample, evaluated), solver)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample of several pieces, rows sorted as `evaluate` sorts them.
    fn sample() -> Sample {
        let rows: Vec<(Summary, f64)> = (0..100_003u32)
            .map(|i| {
                let i = f64::from(i);
                (
                    [(i / 7_000.0).floor(), (i * 0.37) % 50.0, 50.0 + i % 13.0],
                    1.0 + i % 3.0,
                )
            })
            .collect();
        let customers = rows.iter().map(|(_, weight)| weight).sum();
        Sample { rows, customers }
    }

    #[test]
    fn sums_are_the_same_bits_on_any_number_of_threads() {
        let sample = sample();
        let terms = |x: f64| (x + 0.5).ln();
        let row = |s: &Summary, shared: &f64| [shared * s[1].ln_1p() / s[2], s[1].sqrt()];
        let one = sample.weighted_sum_on(1, terms, row);
        for threads in [2, 3, 7, 64] {
            assert_eq!(
                sample.weighted_sum_on(threads, terms, row),
                one,
                "{threads}"
            );
        }
        let direct: f64 = sample
            .rows
            .iter()
            .map(|(s, weight)| weight * s[1].sqrt())
            .sum();
        assert!(
            (one[1] - direct).abs() < 1e-9 * direct,
            "{} vs {direct}",
            one[1]
        );
    }
}
