//! The kernel behind the distinct-key KPIs (`ban_rate`, `repeat_rate`): per group, the set
//! of distinct keys, each with a flag, and the share of flagged keys.
//!
//! All groups share one hash table over (group, key) whose keys live in one byte arena,
//! and each group keeps running counts of its distinct and flagged keys, so a row costs
//! one hash and one probe and evaluating is O(groups). The state is mergeable (keys and
//! flags as two lists per group) and `size()` accounts for the table, the entries and the
//! arena, so DataFusion can spill or fail cleanly at high cardinality.

use std::fmt::Debug;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use std::hash::BuildHasher;

use datafusion::arrow::array::builder::make_view;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Float64Array, ListBuilder,
    StringBuilder,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, Documentation, EmitTo, GroupsAccumulator};
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::common::aggregate::AggregateKernel;
use crate::common::args::Param;
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

/// The aggregate kernel of a distinct-key KPI.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Distinct<K>(Arc<K>);

impl<K: DistinctKpi> Distinct<K> {
    pub(crate) fn new(kpi: K) -> Self {
        Self(Arc::new(kpi))
    }
}

impl<K: DistinctKpi> AggregateKernel for Distinct<K> {
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
            ("keys", DataType::List(list_item(DataType::Utf8)), false),
            ("flags", DataType::List(list_item(DataType::Boolean)), false),
        ]
    }

    fn accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(DistinctAccumulator {
            kpi: Arc::clone(&self.0),
            keys: KeyTable::default(),
        }))
    }

    fn has_groups_accumulator(&self) -> bool {
        true
    }

    fn groups_accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(DistinctGroupsAccumulator {
            kpi: Arc::clone(&self.0),
            keys: KeyTable::default(),
        }))
    }
}

/// One distinct (group, key) pair. The key is held as an Arrow string view: keys of up to
/// 12 bytes sit inline and compare as one integer; longer keys keep a 4-byte prefix and
/// their offset into the arena.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    view: u128,
    group: u32,
    flag: bool,
}

/// Longest key a view holds inline.
const MAX_INLINE: usize = 12;

fn view_len(view: u128) -> usize {
    view as u32 as usize
}

fn view_offset(view: u128) -> usize {
    (view >> 96) as u32 as usize
}

/// The distinct keys of every group, with their flags and per-group counts.
#[derive(Debug, Default)]
struct KeyTable {
    hasher: DefaultHashBuilder,
    table: HashTable<Slot>,
    /// The bytes of keys longer than `MAX_INLINE`, back to back.
    arena: Vec<u8>,
    distinct: Vec<u64>,
    flagged: Vec<u64>,
}

impl KeyTable {
    fn resize(&mut self, groups: usize) {
        self.distinct.resize(groups, 0);
        self.flagged.resize(groups, 0);
    }

    /// Calls `f` with the bytes of the key a view stands for.
    fn with_key<R>(arena: &[u8], view: u128, f: impl FnOnce(&[u8]) -> R) -> R {
        let len = view_len(view);
        if len <= MAX_INLINE {
            // An inline view holds the length in bytes 0..4 and the key from byte 4.
            let bytes = view.to_le_bytes();
            f(&bytes[4..4 + len])
        } else {
            let start = view_offset(view);
            f(&arena[start..start + len])
        }
    }

    /// Records one occurrence of `key` in `group` (a row, or an entry of another partial
    /// state, whose flag is `flag`).
    fn record(&mut self, rule: FlagRule, group: usize, key: &[u8], flag: bool) -> Result<()> {
        let group_id = u32::try_from(group)
            .or_else(|_| exec_err!("too many groups for a distinct-key KPI"))?;
        let inline = key.len() <= MAX_INLINE;
        let probe = if inline { make_view(key, 0, 0) } else { 0 };
        let hash = if inline {
            self.hasher.hash_one((group_id, probe))
        } else {
            self.hasher.hash_one((group_id, key))
        };
        let arena = &self.arena;
        let found = self.table.find_mut(hash, |slot| {
            slot.group == group_id
                && if inline {
                    slot.view == probe
                } else {
                    view_len(slot.view) == key.len()
                        && Self::with_key(arena, slot.view, |stored| stored == key)
                }
        });
        match found {
            Some(slot) => {
                let now = match rule {
                    FlagRule::AnyRowFlagged => slot.flag || flag,
                    FlagRule::SeenTwice => true,
                };
                if now && !slot.flag {
                    self.flagged[group] += 1;
                }
                slot.flag = now;
            }
            None => {
                let view = if inline {
                    probe
                } else {
                    let offset = u32::try_from(self.arena.len())
                        .or_else(|_| exec_err!("distinct-key KPI state exceeds 4 GiB of keys"))?;
                    self.arena.extend_from_slice(key);
                    make_view(key, 0, offset)
                };
                let slot = Slot {
                    hash,
                    view,
                    group: group_id,
                    flag,
                };
                self.table.insert_unique(hash, slot, |slot| slot.hash);
                self.distinct[group] += 1;
                self.flagged[group] += u64::from(flag);
            }
        }
        Ok(())
    }

    fn share_flagged(distinct: u64, flagged: u64) -> Option<f64> {
        (distinct > 0).then(|| flagged as f64 / distinct as f64)
    }

    /// The KPI of the emitted groups.
    fn evaluate(&mut self, emit_to: EmitTo) -> Float64Array {
        let distinct = emit_to.take_needed(&mut self.distinct);
        let flagged = emit_to.take_needed(&mut self.flagged);
        self.forget(emit_to, distinct.len());
        distinct
            .into_iter()
            .zip(flagged)
            .map(|(distinct, flagged)| Self::share_flagged(distinct, flagged))
            .collect()
    }

    /// The emitted groups' keys and flags, one list per group.
    fn state(&mut self, emit_to: EmitTo) -> Vec<ArrayRef> {
        let groups = match emit_to {
            EmitTo::All => self.distinct.len(),
            EmitTo::First(n) => n.min(self.distinct.len()),
        };
        let lists = self.lists(groups);
        emit_to.take_needed(&mut self.distinct);
        emit_to.take_needed(&mut self.flagged);
        self.forget(emit_to, groups);
        lists
    }

    /// The keys and flags of groups `0..groups`, one list per group.
    fn lists(&self, groups: usize) -> Vec<ArrayRef> {
        // Place each slot at its group's position: a counting sort by group.
        let mut next: Vec<usize> = Vec::with_capacity(groups);
        let mut offset = 0;
        for &count in &self.distinct[..groups] {
            next.push(offset);
            offset += count as usize;
        }
        let mut order: Vec<Option<&Slot>> = vec![None; offset];
        for slot in &self.table {
            let group = slot.group as usize;
            if group < groups {
                order[next[group]] = Some(slot);
                next[group] += 1;
            }
        }
        let (mut keys, mut flags) = state_builders();
        let mut placed = order.into_iter().flatten();
        for &count in &self.distinct[..groups] {
            for slot in placed.by_ref().take(count as usize) {
                // Keys came from string columns, so they are valid UTF-8.
                Self::with_key(&self.arena, slot.view, |key| {
                    keys.values()
                        .append_value(std::str::from_utf8(key).unwrap_or_default())
                });
                flags.values().append_value(slot.flag);
            }
            keys.append(true);
            flags.append(true);
        }
        vec![Arc::new(keys.finish()), Arc::new(flags.finish())]
    }

    /// Drops the slots of the first `emitted` groups and renumbers the rest.
    fn forget(&mut self, emit_to: EmitTo, emitted: usize) {
        if matches!(emit_to, EmitTo::All) {
            self.table.clear();
            self.arena.clear();
            return;
        }
        let old = std::mem::take(&mut self.table);
        for mut slot in old {
            let group = slot.group as usize;
            if group < emitted {
                continue;
            }
            slot.group = (group - emitted) as u32;
            let len = view_len(slot.view);
            slot.hash = if len <= MAX_INLINE {
                self.hasher.hash_one((slot.group, slot.view))
            } else {
                let hasher = &self.hasher;
                Self::with_key(&self.arena, slot.view, |key| {
                    hasher.hash_one((slot.group, key))
                })
            };
            self.table.insert_unique(slot.hash, slot, |slot| slot.hash);
        }
    }

    fn size(&self) -> usize {
        self.table.capacity() * (size_of::<Slot>() + 1)
            + self.arena.capacity()
            + (self.distinct.capacity() + self.flagged.capacity()) * size_of::<u64>()
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
    mut visit: impl FnMut(usize, &str, bool) -> Result<()>,
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
            visit(row, key, flags.value(row))?;
        }
    }
    Ok(())
}

/// Calls `visit(row, key, flag)` for every entry of every row of a partial state.
fn for_each_state_entry(
    states: &[ArrayRef],
    mut visit: impl FnMut(usize, &str, bool) -> Result<()>,
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
            )?;
        }
    }
    Ok(())
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

/// The item field of the state lists: keys and flags are never NULL.
fn list_item(data_type: DataType) -> FieldRef {
    Arc::new(Field::new_list_field(data_type, false))
}

fn state_builders() -> (ListBuilder<StringBuilder>, ListBuilder<BooleanBuilder>) {
    (
        ListBuilder::new(StringBuilder::new()).with_field(list_item(DataType::Utf8)),
        ListBuilder::new(BooleanBuilder::new()).with_field(list_item(DataType::Boolean)),
    )
}

/// One group's keys, for `Accumulator` (no GROUP BY).
#[derive(Debug)]
struct DistinctAccumulator<K> {
    kpi: Arc<K>,
    keys: KeyTable,
}

impl<K: DistinctKpi> Accumulator for DistinctAccumulator<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let rule = self.kpi.rule();
        let keys = &mut self.keys;
        keys.resize(1);
        for_each_key(self.kpi.as_ref(), values, None, |_, key, flagged| {
            keys.record(rule, 0, key.as_bytes(), flagged)
        })
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rule = self.kpi.rule();
        let keys = &mut self.keys;
        keys.resize(1);
        for_each_state_entry(states, |_, key, flag| {
            keys.record(rule, 0, key.as_bytes(), flag)
        })
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.keys.resize(1);
        Ok(self
            .keys
            .lists(1)
            .into_iter()
            .map(|list| ScalarValue::List(Arc::new(list.as_list::<i32>().clone())))
            .collect())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.keys.resize(1);
        Ok(ScalarValue::Float64(KeyTable::share_flagged(
            self.keys.distinct[0],
            self.keys.flagged[0],
        )))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.keys.size()
    }
}

/// Every group's keys.
#[derive(Debug)]
struct DistinctGroupsAccumulator<K> {
    kpi: Arc<K>,
    keys: KeyTable,
}

impl<K: DistinctKpi> GroupsAccumulator for DistinctGroupsAccumulator<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.keys.resize(total_num_groups);
        let rule = self.kpi.rule();
        let selected = opt_filter.map(true_bits);
        let keys = &mut self.keys;
        for_each_key(
            self.kpi.as_ref(),
            values,
            selected.as_ref(),
            |row, key, flagged| keys.record(rule, group_indices[row], key.as_bytes(), flagged),
        )
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.keys.resize(total_num_groups);
        let rule = self.kpi.rule();
        let keys = &mut self.keys;
        for_each_state_entry(values, |row, key, flag| {
            keys.record(rule, group_indices[row], key.as_bytes(), flag)
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(Arc::new(self.keys.evaluate(emit_to)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(self.keys.state(emit_to))
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
                Ok(())
            },
        )?;
        append_empty_rows(&mut keys, &mut flags, rows - next_row);
        Ok(vec![Arc::new(keys.finish()), Arc::new(flags.finish())])
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.keys.size()
    }
}

/// The flag mask of a `SeenTwice` KPI, whose rows carry no flag of their own.
pub(crate) fn no_flags(rows: usize) -> BooleanBuffer {
    BooleanBuffer::new_unset(rows)
}
