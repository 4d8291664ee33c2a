//! The kernel behind the mean KPIs (average talk time, AHT): a sum and a count per group
//! over the rows a KPI selects, with the value of each row computed over whole arrays.
//!
//! The sum is exact: each value is held as a whole number of 2^-64 units in an i128, so
//! adding is associative and the same rows give the same bits whatever order they come in
//! and however DataFusion splits them into partitions. A float sum would not: (a + b) + c
//! and a + (b + c) differ in the last bits, and a report's bytes would change run to run.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Decimal128Array, Float64Array, UInt64Array,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, UInt64Type};
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
            ("sum", DataType::Decimal128(SUM_PRECISION, 0), false),
            ("count", DataType::UInt64, false),
        ]
    }

    fn accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(MeanAccumulator {
            kpi: Arc::clone(&self.0),
            sum: 0,
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

/// 2^64: a value is summed as a whole number of 1/UNIT. Values the kernel keeps are within
/// ±MAX_SECONDS (< 2^30), so a value of 2^-12 or more converts exactly and a smaller one
/// is cut to a multiple of 2^-64 (the same cut whatever the order). The i128 total holds
/// 2^63 (9.2e18) exactly, which no fewer than 9.2e9 rows can exceed; additions wrap, and
/// wrapping addition is exact modulo 2^128, so a partial sum may overflow on the way.
const UNIT: f64 = 18_446_744_073_709_551_616.0;

/// The state's sum is carried as a Decimal128 of scale 0: the i128 as it is.
const SUM_PRECISION: u8 = 38;

fn fixed(value: f64) -> i128 {
    (value * UNIT) as i128
}

fn mean(sum: i128, count: u64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / UNIT) / count as f64)
}

fn sum_array(sums: Vec<i128>) -> Result<ArrayRef> {
    Ok(Arc::new(
        Decimal128Array::from(sums).with_precision_and_scale(SUM_PRECISION, 0)?,
    ))
}

fn state_arrays(states: &[ArrayRef]) -> (&Decimal128Array, &UInt64Array) {
    (
        states[0].as_primitive::<Decimal128Type>(),
        states[1].as_primitive::<UInt64Type>(),
    )
}

/// Sum and count of one group, for `Accumulator` (no GROUP BY, and window frames).
#[derive(Debug)]
struct MeanAccumulator<K> {
    kpi: Arc<K>,
    sum: i128,
    count: u64,
}

impl<K: MeanKpi> Accumulator for MeanAccumulator<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (values, selected) = plausible(self.kpi.as_ref(), values)?;
        for row in selected.set_indices() {
            self.sum = self.sum.wrapping_add(fixed(values[row]));
        }
        self.count += selected.count_set_bits() as u64;
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (values, selected) = plausible(self.kpi.as_ref(), values)?;
        for row in selected.set_indices() {
            self.sum = self.sum.wrapping_sub(fixed(values[row]));
        }
        self.count -= selected.count_set_bits() as u64;
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (sums, counts) = state_arrays(states);
        self.sum = sums
            .values()
            .iter()
            .fold(self.sum, |sum, &part| sum.wrapping_add(part));
        self.count += counts.values().iter().sum::<u64>();
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Decimal128(Some(self.sum), SUM_PRECISION, 0),
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
    groups: Vec<(i128, u64)>,
}

impl<K: MeanKpi> GroupsAccumulator for MeanGroupsAccumulator<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, (0, 0));
        let (values, mut selected) = plausible(self.kpi.as_ref(), values)?;
        if let Some(filter) = opt_filter {
            selected = &selected & &true_bits(filter);
        }
        for row in selected.set_indices() {
            let (sum, count) = &mut self.groups[group_indices[row]];
            *sum = sum.wrapping_add(fixed(values[row]));
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
        self.groups.resize(total_num_groups, (0, 0));
        let (sums, counts) = state_arrays(values);
        for (row, &group) in group_indices.iter().enumerate() {
            let (sum, count) = &mut self.groups[group];
            *sum = sum.wrapping_add(sums.value(row));
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
        let (sums, counts): (Vec<i128>, Vec<u64>) =
            emit_to.take_needed(&mut self.groups).into_iter().unzip();
        Ok(vec![sum_array(sums)?, Arc::new(UInt64Array::from(counts))])
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
        let sums = values
            .iter()
            .zip(selected.iter())
            .map(|(&value, keep)| if keep { fixed(value) } else { 0 })
            .collect();
        let counts = UInt64Array::from_iter_values(selected.iter().map(u64::from));
        Ok(vec![sum_array(sums)?, Arc::new(counts)])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * size_of::<(i128, u64)>() + size_of::<Self>()
    }
}
