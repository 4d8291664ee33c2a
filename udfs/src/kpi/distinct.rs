//! The kernel behind the distinct-key KPIs (`ban_rate`, `repeat_rate`): per group, the set
//! of distinct keys, each with a flag, and the share of flagged keys.
//!
//! The state is mergeable (keys and flags as two lists), and its memory is accounted in
//! `size()` as keys are added, so DataFusion can spill or fail cleanly at high cardinality.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Float64Array, ListBuilder,
    StringBuilder,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::hash_map::EntryRef;
use datafusion::common::{HashMap, Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use crate::common::args::{self, Param};
use crate::common::masks::true_bits;
use crate::common::strings::Strings;

/// When a key counts as flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FlagRule {
    /// At least one of the key's rows is flagged (a caller number with a `blocked` attempt).
    AnyRowFlagged,
    /// The key occurs in two or more rows (a repeat customer).
    SeenTwice,
}

/// A KPI defined as flagged distinct keys / distinct keys.
pub(crate) trait DistinctKpi: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn params(&self) -> &'static [Param];
    fn rule(&self) -> FlagRule;
    /// The key column and, for `AnyRowFlagged`, which rows are flagged.
    fn keys_and_flags(&self, args: &[ArrayRef]) -> Result<(ArrayRef, BooleanBuffer)>;
    fn documentation(&self) -> Option<&Documentation>;
}

/// The SQL aggregate of a distinct-key KPI.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DistinctUdaf<K> {
    kpi: Arc<K>,
    signature: Signature,
}

impl<K: DistinctKpi> DistinctUdaf<K> {
    pub(crate) fn new(kpi: K) -> Self {
        Self {
            kpi: Arc::new(kpi),
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn check(&self, args: &AccumulatorArgs) -> Result<()> {
        if args.is_distinct {
            return plan_err!("{} does not take DISTINCT", self.kpi.name());
        }
        Ok(())
    }
}

impl<K: DistinctKpi> AggregateUDFImpl for DistinctUdaf<K> {
    fn name(&self) -> &str {
        self.kpi.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.kpi.name(), self.kpi.params(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.check(&args)?;
        Ok(Box::new(DistinctAccumulator {
            kpi: Arc::clone(&self.kpi),
            keys: KeySet::default(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let item = |data_type| Arc::new(Field::new_list_field(data_type, false));
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "keys"),
                DataType::List(item(DataType::Utf8)),
                false,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "flags"),
                DataType::List(item(DataType::Boolean)),
                false,
            )),
        ])
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.check(&args)?;
        Ok(Box::new(DistinctGroupsAccumulator {
            kpi: Arc::clone(&self.kpi),
            groups: Vec::new(),
            heap_bytes: 0,
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.kpi.documentation()
    }
}

/// The distinct keys of one group with their flags.
#[derive(Debug, Default)]
struct KeySet {
    flags: HashMap<String, bool>,
}

impl KeySet {
    /// Records one occurrence of `key` (a row, or an entry of another partial state, whose
    /// flag is `flag`); returns the heap bytes this added.
    fn record(&mut self, rule: FlagRule, key: &str, flag: bool) -> usize {
        let table_before = self.table_size();
        let key_bytes = match self.flags.entry_ref(key) {
            EntryRef::Occupied(mut entry) => {
                let seen = entry.get_mut();
                *seen = match rule {
                    FlagRule::AnyRowFlagged => *seen || flag,
                    FlagRule::SeenTwice => true,
                };
                0
            }
            EntryRef::Vacant(entry) => {
                entry.insert(flag);
                key.len()
            }
        };
        key_bytes + self.table_size() - table_before
    }

    /// Heap bytes held: the table and the keys' text.
    fn heap_size(&self) -> usize {
        self.table_size() + self.flags.keys().map(|key| key.len()).sum::<usize>()
    }

    fn share_flagged(&self) -> Option<f64> {
        let total = self.flags.len();
        let flagged = self.flags.values().filter(|&&flag| flag).count();
        (total > 0).then(|| flagged as f64 / total as f64)
    }

    fn table_size(&self) -> usize {
        self.flags.capacity() * (size_of::<(String, bool)>() + 1)
    }
}

/// Reads the key column as plain strings (dictionaries unpacked).
fn plain_keys(keys: ArrayRef) -> Result<ArrayRef> {
    match keys.data_type() {
        DataType::Dictionary(_, value) => Ok(cast(&keys, value)?),
        DataType::Null => Ok(cast(&keys, &DataType::Utf8)?),
        _ => Ok(keys),
    }
}

/// Calls `visit(row, key, flagged)` for every row with a non-NULL key that `selected` keeps.
fn for_each_key<K: DistinctKpi>(
    kpi: &K,
    args: &[ArrayRef],
    selected: Option<&BooleanBuffer>,
    mut visit: impl FnMut(usize, &str, bool),
) -> Result<()> {
    let (keys, flags) = kpi.keys_and_flags(args)?;
    let keys = plain_keys(keys)?;
    let strings = Strings::new(keys.as_ref())?;
    let rows: Box<dyn Iterator<Item = usize>> = match selected {
        Some(selected) => Box::new(selected.set_indices()),
        None => Box::new(0..keys.len()),
    };
    for row in rows {
        if let Some(key) = strings.get(row) {
            visit(row, key, flags.value(row));
        }
    }
    Ok(())
}

/// Calls `visit(row, key, flag)` for every entry of every row of a partial state.
fn for_each_state_entry(
    states: &[ArrayRef],
    mut visit: impl FnMut(usize, &str, bool),
) -> Result<()> {
    let keys = states[0].as_list::<i32>();
    let flags = states[1].as_list::<i32>();
    let key_values = keys.values().as_string::<i32>();
    let flag_values = flags.values().as_boolean();
    for row in 0..keys.len() {
        let range = keys.value_offsets()[row] as usize..keys.value_offsets()[row + 1] as usize;
        let flag_start = flags.value_offsets()[row] as usize;
        for (n, entry) in range.enumerate() {
            visit(
                row,
                key_values.value(entry),
                flag_values.value(flag_start + n),
            );
        }
    }
    Ok(())
}

/// Appends one group's keys and flags as one row of each state list.
fn append_state(
    set: &KeySet,
    keys: &mut ListBuilder<StringBuilder>,
    flags: &mut ListBuilder<BooleanBuilder>,
) {
    for (key, &flag) in &set.flags {
        keys.values().append_value(key);
        flags.values().append_value(flag);
    }
    keys.append(true);
    flags.append(true);
}

fn append_empty_rows(
    keys: &mut ListBuilder<StringBuilder>,
    flags: &mut ListBuilder<BooleanBuilder>,
    count: usize,
) {
    for _ in 0..count {
        keys.append(true);
        flags.append(true);
    }
}

fn state_builders() -> (ListBuilder<StringBuilder>, ListBuilder<BooleanBuilder>) {
    let item = |data_type| Arc::new(Field::new_list_field(data_type, false));
    (
        ListBuilder::new(StringBuilder::new()).with_field(item(DataType::Utf8)),
        ListBuilder::new(BooleanBuilder::new()).with_field(item(DataType::Boolean)),
    )
}

/// One group's keys, for `Accumulator` (no GROUP BY).
#[derive(Debug)]
struct DistinctAccumulator<K> {
    kpi: Arc<K>,
    keys: KeySet,
}

impl<K: DistinctKpi> Accumulator for DistinctAccumulator<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let rule = self.kpi.rule();
        let keys = &mut self.keys;
        for_each_key(self.kpi.as_ref(), values, None, |_, key, flagged| {
            keys.record(rule, key, flagged);
        })
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rule = self.kpi.rule();
        let keys = &mut self.keys;
        for_each_state_entry(states, |_, key, flag| {
            keys.record(rule, key, flag);
        })
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let (mut keys, mut flags) = state_builders();
        append_state(&self.keys, &mut keys, &mut flags);
        Ok(vec![
            ScalarValue::List(Arc::new(keys.finish())),
            ScalarValue::List(Arc::new(flags.finish())),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.keys.share_flagged()))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.keys.heap_size()
    }
}

/// Every group's keys, indexed by group.
#[derive(Debug)]
struct DistinctGroupsAccumulator<K> {
    kpi: Arc<K>,
    groups: Vec<KeySet>,
    /// Heap bytes of all groups' tables and keys, kept as keys are added and emitted, so
    /// `size()` does not walk millions of groups after every batch.
    heap_bytes: usize,
}

impl<K: DistinctKpi> DistinctGroupsAccumulator<K> {
    fn take(&mut self, emit_to: EmitTo) -> Vec<KeySet> {
        let taken = emit_to.take_needed(&mut self.groups);
        self.heap_bytes -= taken.iter().map(KeySet::heap_size).sum::<usize>();
        taken
    }
}

impl<K: DistinctKpi> GroupsAccumulator for DistinctGroupsAccumulator<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, KeySet::default);
        let rule = self.kpi.rule();
        let selected = opt_filter.map(true_bits);
        let (groups, heap_bytes) = (&mut self.groups, &mut self.heap_bytes);
        for_each_key(
            self.kpi.as_ref(),
            values,
            selected.as_ref(),
            |row, key, flagged| {
                *heap_bytes += groups[group_indices[row]].record(rule, key, flagged);
            },
        )
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, KeySet::default);
        let rule = self.kpi.rule();
        let (groups, heap_bytes) = (&mut self.groups, &mut self.heap_bytes);
        for_each_state_entry(values, |row, key, flag| {
            *heap_bytes += groups[group_indices[row]].record(rule, key, flag);
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let shares: Float64Array = self
            .take(emit_to)
            .iter()
            .map(KeySet::share_flagged)
            .collect();
        Ok(Arc::new(shares))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (mut keys, mut flags) = state_builders();
        for set in self.take(emit_to) {
            append_state(&set, &mut keys, &mut flags);
        }
        Ok(vec![Arc::new(keys.finish()), Arc::new(flags.finish())])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let (mut keys, mut flags) = state_builders();
        let selected = opt_filter.map(true_bits);
        let rows = values.first().map_or(0, |array| array.len());
        // Each input row becomes one state row: its key, or an empty list when skipped.
        let mut next_row = 0;
        for_each_key(
            self.kpi.as_ref(),
            values,
            selected.as_ref(),
            |row, key, flagged| {
                append_empty_rows(&mut keys, &mut flags, row - next_row);
                keys.values().append_value(key);
                flags.values().append_value(flagged);
                keys.append(true);
                flags.append(true);
                next_row = row + 1;
            },
        )?;
        append_empty_rows(&mut keys, &mut flags, rows - next_row);
        Ok(vec![Arc::new(keys.finish()), Arc::new(flags.finish())])
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.groups.capacity() * size_of::<KeySet>() + self.heap_bytes
    }
}

/// The flag mask of a `SeenTwice` KPI, whose rows carry no flag of their own.
pub(crate) fn no_flags(rows: usize) -> BooleanBuffer {
    BooleanBuffer::new_unset(rows)
}
