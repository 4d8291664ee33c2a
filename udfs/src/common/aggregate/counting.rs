//! The kernel behind every rate KPI: a few row counters per group (e.g. live rows and
//! attempts), each counting the rows a predicate selects, and a final formula over them.
//!
//! A KPI only supplies its predicates, computed over whole arrays as bit masks, and its
//! formula. Counting, FILTER clauses, partial states, merging, sliding windows and the
//! vectorised `GroupsAccumulator` are shared here.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, Float64Array, UInt64Array};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, UInt64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, Documentation, EmitTo, GroupsAccumulator,
};

use super::{AggregateKernel, Udaf};
use crate::common::args::Param;
use crate::common::constants::constant_arguments;
use crate::common::masks::true_bits;

/// The most counters a KPI may use (NPS and Ofcom's abandon rate need three).
const MAX_COUNTERS: usize = 4;

/// A KPI defined by counting rows.
pub(crate) trait CountingKpi: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// Settings read from constant arguments (a regime, a threshold).
    type Settings: Debug + Clone + Default + Send + Sync + 'static;

    fn name(&self) -> &'static str;
    fn params(&self) -> &'static [Param];
    /// One name per counter, for the state fields.
    fn counters(&self) -> &'static [&'static str];
    /// Builds the settings from the constant arguments, in parameter order.
    fn settings(&self, _constants: &[Option<ScalarValue>]) -> Result<Self::Settings> {
        Ok(Self::Settings::default())
    }
    /// One mask per counter: which rows of the batch each counter counts.
    fn masks(&self, settings: &Self::Settings, args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>>;
    /// The KPI from the counters of one group; NULL (`None`) when undefined. Most KPIs
    /// are a share: the first counter over the second.
    fn finish(&self, _settings: &Self::Settings, counts: &[u64]) -> Option<f64> {
        ratio(counts[0], counts[1])
    }
    fn documentation(&self) -> Option<&Documentation>;
}

/// `numerator / denominator`, NULL (`None`) when the denominator is 0.
pub(crate) fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// `kpi` as a function to register.
pub(crate) fn udaf<K: CountingKpi>(kpi: K) -> Arc<AggregateUDF> {
    Udaf::udaf(Counting::new(kpi))
}

/// The aggregate kernel of a counting KPI.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Counting<K>(Arc<K>);

impl<K: CountingKpi> Counting<K> {
    pub(crate) fn new(kpi: K) -> Self {
        Self(Arc::new(kpi))
    }

    fn settings(&self, args: &AccumulatorArgs) -> Result<K::Settings> {
        let constants = constant_arguments(self.0.name(), self.0.params(), args.exprs)?;
        self.0.settings(&constants)
    }
}

impl<K: CountingKpi> AggregateKernel for Counting<K> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn params(&self) -> &'static [Param] {
        self.0.params()
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.0.documentation()
    }

    fn state(&self) -> Vec<(&'static str, DataType, bool)> {
        self.0
            .counters()
            .iter()
            .map(|counter| (*counter, DataType::UInt64, false))
            .collect()
    }

    fn accumulator(&self, args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CountingAccumulator {
            settings: self.settings(args)?,
            kpi: Arc::clone(&self.0),
            counts: [0; MAX_COUNTERS],
        }))
    }

    fn has_groups_accumulator(&self) -> bool {
        true
    }

    fn groups_accumulator(&self, args: &AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(CountingGroupsAccumulator {
            settings: self.settings(args)?,
            width: self.0.counters().len(),
            counts: Vec::new(),
            kpi: Arc::clone(&self.0),
        }))
    }
}

/// Applies a FILTER clause to a predicate mask.
fn filtered(mask: BooleanBuffer, filter: Option<&BooleanArray>) -> BooleanBuffer {
    match filter {
        Some(filter) => &mask & &true_bits(filter),
        None => mask,
    }
}

fn state_counts(state: &ArrayRef) -> &UInt64Array {
    state.as_primitive::<UInt64Type>()
}

/// The counters of one group, for `Accumulator` (no GROUP BY, and window frames).
#[derive(Debug)]
struct CountingAccumulator<K: CountingKpi> {
    kpi: Arc<K>,
    settings: K::Settings,
    counts: [u64; MAX_COUNTERS],
}

impl<K: CountingKpi> Accumulator for CountingAccumulator<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for (count, mask) in self
            .counts
            .iter_mut()
            .zip(self.kpi.masks(&self.settings, values)?)
        {
            *count += mask.count_set_bits() as u64;
        }
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for (count, mask) in self
            .counts
            .iter_mut()
            .zip(self.kpi.masks(&self.settings, values)?)
        {
            *count -= mask.count_set_bits() as u64;
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for (count, state) in self.counts.iter_mut().zip(states) {
            *count += state_counts(state).values().iter().sum::<u64>();
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let used = self.kpi.counters().len();
        Ok(self.counts[..used]
            .iter()
            .map(|&count| ScalarValue::UInt64(Some(count)))
            .collect())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let used = self.kpi.counters().len();
        Ok(ScalarValue::Float64(
            self.kpi.finish(&self.settings, &self.counts[..used]),
        ))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }
}

/// The counters of every group, side by side: group `g`'s counters are
/// `counts[g * width..(g + 1) * width]`, so the counters a row adds to share a cache line
/// (with millions of groups, each random access to a group costs a cache miss).
#[derive(Debug)]
struct CountingGroupsAccumulator<K: CountingKpi> {
    kpi: Arc<K>,
    settings: K::Settings,
    width: usize,
    counts: Vec<u64>,
}

impl<K: CountingKpi> CountingGroupsAccumulator<K> {
    /// Takes the counters of the emitted groups out, renumbering the rest from 0.
    fn take(&mut self, emit_to: EmitTo) -> Vec<u64> {
        match emit_to {
            EmitTo::All => std::mem::take(&mut self.counts),
            EmitTo::First(groups) => {
                let rest = self.counts.split_off(groups * self.width);
                std::mem::replace(&mut self.counts, rest)
            }
        }
    }
}

/// Adds one to counter `counter` of each selected row's group.
fn count_selected(
    counts: &mut [u64],
    width: usize,
    counter: usize,
    group_indices: &[usize],
    selected: &BooleanBuffer,
) {
    if selected.count_set_bits() == selected.len() {
        for &group in group_indices {
            counts[group * width + counter] += 1;
        }
    } else {
        for row in selected.set_indices() {
            counts[group_indices[row] * width + counter] += 1;
        }
    }
}

impl<K: CountingKpi> GroupsAccumulator for CountingGroupsAccumulator<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups * self.width, 0);
        let masks = self.kpi.masks(&self.settings, values)?;
        for (counter, mask) in masks.into_iter().enumerate() {
            let selected = filtered(mask, opt_filter);
            count_selected(
                &mut self.counts,
                self.width,
                counter,
                group_indices,
                &selected,
            );
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let width = self.width;
        self.counts.resize(total_num_groups * width, 0);
        let states: Vec<&[u64]> = values
            .iter()
            .map(|state| state_counts(state).values().as_ref())
            .collect();
        for (row, &group) in group_indices.iter().enumerate() {
            let counters = &mut self.counts[group * width..(group + 1) * width];
            for (count, state) in counters.iter_mut().zip(&states) {
                *count += state[row];
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let counts = self.take(emit_to);
        let rates: Float64Array = counts
            .chunks_exact(self.width)
            .map(|counters| self.kpi.finish(&self.settings, counters))
            .collect();
        Ok(Arc::new(rates))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let counts = self.take(emit_to);
        Ok((0..self.width)
            .map(|counter| {
                let column = counts.iter().skip(counter).step_by(self.width).copied();
                Arc::new(UInt64Array::from_iter_values(column)) as ArrayRef
            })
            .collect())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let masks = self.kpi.masks(&self.settings, values)?;
        Ok(masks
            .into_iter()
            .map(|mask| {
                let selected = filtered(mask, opt_filter);
                Arc::new(UInt64Array::from_iter_values(
                    selected.iter().map(u64::from),
                )) as ArrayRef
            })
            .collect())
    }

    fn size(&self) -> usize {
        self.counts.capacity() * size_of::<u64>() + size_of::<Self>()
    }
}
