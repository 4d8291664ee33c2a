//! The kernel behind the duration quantiles (`frt_quantile`, `ttr_quantile`): one
//! `LogHistogram` per group over the intervals a session measures, read at the quantile
//! the call asks for.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, ListArray, UInt64Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, UInt64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, Documentation, EmitTo, GroupsAccumulator};

use super::histogram::{LogHistogram, bucket};
use super::intervals::Intervals;
use crate::common::aggregate::AggregateKernel;
use crate::common::args::Param;
use crate::common::constants::{constant_arguments, number_constant};
use crate::common::masks::true_bits;

/// A quantile of the interval between two timestamps of a session.
pub(crate) trait DurationQuantile:
    Debug + PartialEq + Eq + Hash + Send + Sync + 'static
{
    fn name(&self) -> &'static str;
    /// The start, the end and the constant quantile `q`, in that order.
    fn params(&self) -> &'static [Param];
    fn documentation(&self) -> Option<&Documentation>;
}

/// The aggregate kernel of a duration quantile.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Quantile<K>(K);

impl<K: DurationQuantile> Quantile<K> {
    pub(crate) fn new(kpi: K) -> Self {
        Self(kpi)
    }

    fn quantile(&self, args: &AccumulatorArgs) -> Result<f64> {
        let name = self.0.name();
        let constants = constant_arguments(name, self.0.params(), args.exprs)?;
        let q = number_constant(name, "q", constants.first().and_then(Option::as_ref), 0.5)?;
        if !(0.0..=1.0).contains(&q) {
            return plan_err!("{name}: argument `q` must be between 0 and 1, got {q}");
        }
        Ok(q)
    }
}

impl<K: DurationQuantile> AggregateKernel for Quantile<K> {
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
            ("zeros", DataType::UInt64, false),
            ("offset", DataType::Int32, false),
            (
                "counts",
                DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, true))),
                false,
            ),
        ]
    }

    fn accumulator(&self, args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(QuantileAccumulator {
            q: self.quantile(args)?,
            histogram: LogHistogram::default(),
        }))
    }

    fn has_groups_accumulator(&self) -> bool {
        true
    }

    fn groups_accumulator(&self, args: &AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(QuantileGroupsAccumulator {
            q: self.quantile(args)?,
            histograms: Vec::new(),
            heap_bytes: 0,
        }))
    }
}

/// The measured intervals of a batch as buckets, with the rows that take part.
fn buckets(values: &[ArrayRef], filter: Option<&BooleanArray>) -> Result<Vec<Option<Option<i32>>>> {
    let intervals = Intervals::new(&values[0], &values[1])?;
    let selected = match filter {
        Some(filter) => &intervals.measured & &true_bits(filter),
        None => intervals.measured,
    };
    Ok(selected
        .iter()
        .zip(&intervals.seconds)
        .map(|(keep, &seconds)| keep.then(|| bucket(seconds)))
        .collect())
}

struct StateArrays<'a> {
    zeros: &'a UInt64Array,
    offsets: &'a Int32Array,
    counts: &'a ListArray,
}

impl<'a> StateArrays<'a> {
    fn new(states: &'a [ArrayRef]) -> Self {
        Self {
            zeros: states[0].as_primitive::<UInt64Type>(),
            offsets: states[1].as_primitive::<Int32Type>(),
            counts: states[2].as_list::<i32>(),
        }
    }

    fn merge_row_into(&self, row: usize, histogram: &mut LogHistogram) {
        let counts = self.counts.value(row);
        histogram.merge(
            self.zeros.value(row),
            self.offsets.value(row),
            counts.as_primitive::<UInt64Type>().values(),
        );
    }
}

/// The states of `histograms`, one row each.
fn state_arrays(histograms: &[LogHistogram]) -> Vec<ArrayRef> {
    let zeros = UInt64Array::from_iter_values(histograms.iter().map(|h| h.zeros));
    let offsets = Int32Array::from_iter_values(histograms.iter().map(|h| h.offset));
    let counts = UInt64Array::from_iter_values(histograms.iter().flat_map(|h| h.counts.clone()));
    let lists = ListArray::new(
        Arc::new(Field::new_list_field(DataType::UInt64, true)),
        OffsetBuffer::from_lengths(histograms.iter().map(|h| h.counts.len())),
        Arc::new(counts),
        None,
    );
    vec![Arc::new(zeros), Arc::new(offsets), Arc::new(lists)]
}

/// One group's histogram, for `Accumulator` (no GROUP BY, and window frames).
#[derive(Debug)]
struct QuantileAccumulator {
    q: f64,
    histogram: LogHistogram,
}

impl Accumulator for QuantileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for bucket in buckets(values, None)?.into_iter().flatten() {
            self.histogram.add(bucket, 1);
        }
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for bucket in buckets(values, None)?.into_iter().flatten() {
            self.histogram.remove(bucket, 1);
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = StateArrays::new(states);
        for row in 0..states.zeros.len() {
            states.merge_row_into(row, &mut self.histogram);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        state_arrays(std::slice::from_ref(&self.histogram))
            .iter()
            .map(|array| ScalarValue::try_from_array(array, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.histogram.quantile(self.q)))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.histogram.heap_size()
    }
}

/// The histogram of every group, indexed by group.
#[derive(Debug)]
struct QuantileGroupsAccumulator {
    q: f64,
    histograms: Vec<LogHistogram>,
    /// Bytes the histograms' buckets hold, kept as they grow so `size` stays O(1).
    heap_bytes: usize,
}

impl QuantileGroupsAccumulator {
    fn take(&mut self, emit_to: EmitTo) -> Vec<LogHistogram> {
        let taken = emit_to.take_needed(&mut self.histograms);
        self.heap_bytes = self.histograms.iter().map(LogHistogram::heap_size).sum();
        taken
    }

    fn grow(&mut self, total_num_groups: usize) {
        self.histograms
            .resize_with(total_num_groups, LogHistogram::default);
    }
}

impl GroupsAccumulator for QuantileGroupsAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        for (bucket, &group) in buckets(values, opt_filter)?.into_iter().zip(group_indices) {
            if let Some(bucket) = bucket {
                let histogram = &mut self.histograms[group];
                let before = histogram.heap_size();
                histogram.add(bucket, 1);
                self.heap_bytes += histogram.heap_size() - before;
            }
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let states = StateArrays::new(values);
        for (row, &group) in group_indices.iter().enumerate() {
            let histogram = &mut self.histograms[group];
            let before = histogram.heap_size();
            states.merge_row_into(row, histogram);
            self.heap_bytes += histogram.heap_size() - before;
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let quantiles: Float64Array = self
            .take(emit_to)
            .iter()
            .map(|histogram| histogram.quantile(self.q))
            .collect();
        Ok(Arc::new(quantiles))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(state_arrays(&self.take(emit_to)))
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let histograms: Vec<LogHistogram> = buckets(values, opt_filter)?
            .into_iter()
            .map(|bucket| {
                let mut histogram = LogHistogram::default();
                if let Some(bucket) = bucket {
                    histogram.add(bucket, 1);
                }
                histogram
            })
            .collect();
        Ok(state_arrays(&histograms))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.histograms.capacity() * size_of::<LogHistogram>() + self.heap_bytes
    }
}
