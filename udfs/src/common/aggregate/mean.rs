//! The kernel behind the mean KPIs (average talk time, AHT): a sum and a count per group
//! over the rows a KPI selects, with the value of each row computed over whole arrays.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, Float64Array, UInt64Array};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, Documentation, EmitTo, GroupsAccumulator};

use super::AggregateKernel;
use crate::common::args::Param;
use crate::common::masks::true_bits;

/// A KPI defined as the mean of a per-row value over selected rows.
pub(crate) trait MeanKpi: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn params(&self) -> &'static [Param];
    /// Each row's value and which rows take part (a value outside the mask is ignored).
    fn values(&self, args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)>;
    fn documentation(&self) -> Option<&Documentation>;
}

/// The aggregate kernel of a mean KPI.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Mean<K>(Arc<K>);

impl<K: MeanKpi> Mean<K> {
    pub(crate) fn new(kpi: K) -> Self {
        Self(Arc::new(kpi))
    }
}

impl<K: MeanKpi> AggregateKernel for Mean<K> {
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
        vec![
            ("sum", DataType::Float64, false),
            ("count", DataType::UInt64, false),
        ]
    }

    fn accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(MeanAccumulator {
            kpi: Arc::clone(&self.0),
            sum: 0.0,
            count: 0,
        }))
    }

    fn has_groups_accumulator(&self) -> bool {
        true
    }

    fn groups_accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(MeanGroupsAccumulator {
            kpi: Arc::clone(&self.0),
            groups: Vec::new(),
        }))
    }
}

/// Seconds beyond which a duration is malformed (31 years). Keeping every summed value
/// within it keeps sums finite and lets a sliding window subtract what it added: with
/// ±inf, NaN or 1e308 among the rows, `sum − value` would not undo `sum + value`.
pub(crate) const MAX_SECONDS: f64 = 1e9;

/// The KPI's rows, without those whose value is NaN, infinite or beyond ±`MAX_SECONDS`.
fn plausible<K: MeanKpi>(kpi: &K, args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)> {
    let (values, selected) = kpi.values(args)?;
    let within = BooleanBuffer::collect_bool(values.len(), |row| {
        values.get(row).is_some_and(|v| v.abs() <= MAX_SECONDS)
    });
    Ok((values, &selected & &within))
}

fn mean(sum: f64, count: u64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

fn state_arrays(states: &[ArrayRef]) -> (&Float64Array, &UInt64Array) {
    (
        states[0].as_primitive::<Float64Type>(),
        states[1].as_primitive::<UInt64Type>(),
    )
}

/// Sum and count of one group, for `Accumulator` (no GROUP BY, and window frames).
#[derive(Debug)]
struct MeanAccumulator<K> {
    kpi: Arc<K>,
    sum: f64,
    count: u64,
}

impl<K: MeanKpi> Accumulator for MeanAccumulator<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (values, selected) = plausible(self.kpi.as_ref(), values)?;
        for row in selected.set_indices() {
            self.sum += values[row];
        }
        self.count += selected.count_set_bits() as u64;
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (values, selected) = plausible(self.kpi.as_ref(), values)?;
        for row in selected.set_indices() {
            self.sum -= values[row];
        }
        self.count -= selected.count_set_bits() as u64;
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (sums, counts) = state_arrays(states);
        self.sum += sums.values().iter().sum::<f64>();
        self.count += counts.values().iter().sum::<u64>();
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Float64(Some(self.sum)),
            ScalarValue::UInt64(Some(self.count)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(mean(self.sum, self.count)))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }
}

/// The sum and count of every group, indexed by group. They sit side by side so that a
/// row touches one cache line (with millions of groups, each access is a cache miss).
#[derive(Debug)]
struct MeanGroupsAccumulator<K> {
    kpi: Arc<K>,
    groups: Vec<(f64, u64)>,
}

impl<K: MeanKpi> GroupsAccumulator for MeanGroupsAccumulator<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, (0.0, 0));
        let (values, mut selected) = plausible(self.kpi.as_ref(), values)?;
        if let Some(filter) = opt_filter {
            selected = &selected & &true_bits(filter);
        }
        for row in selected.set_indices() {
            let (sum, count) = &mut self.groups[group_indices[row]];
            *sum += values[row];
            *count += 1;
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, (0.0, 0));
        let (sums, counts) = state_arrays(values);
        for (row, &group) in group_indices.iter().enumerate() {
            let (sum, count) = &mut self.groups[group];
            *sum += sums.value(row);
            *count += counts.value(row);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let means: Float64Array = emit_to
            .take_needed(&mut self.groups)
            .into_iter()
            .map(|(sum, count)| mean(sum, count))
            .collect();
        Ok(Arc::new(means))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (sums, counts): (Vec<f64>, Vec<u64>) =
            emit_to.take_needed(&mut self.groups).into_iter().unzip();
        Ok(vec![
            Arc::new(Float64Array::from(sums)),
            Arc::new(UInt64Array::from(counts)),
        ])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let (values, mut selected) = plausible(self.kpi.as_ref(), values)?;
        if let Some(filter) = opt_filter {
            selected = &selected & &true_bits(filter);
        }
        let sums = Float64Array::from_iter_values(
            values
                .iter()
                .zip(selected.iter())
                .map(|(&value, keep)| if keep { value } else { 0.0 }),
        );
        let counts = UInt64Array::from_iter_values(selected.iter().map(u64::from));
        Ok(vec![Arc::new(sums), Arc::new(counts)])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * size_of::<(f64, u64)>() + size_of::<Self>()
    }
}
