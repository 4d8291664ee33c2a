//! Row masks as bit buffers: which rows of a batch a predicate selects, with NULL never
//! selected.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, internal_err};

/// Rows where a boolean column is true (NULL is not true).
pub(crate) fn is_true(array: &dyn Array) -> Result<BooleanBuffer> {
    match array.data_type() {
        DataType::Boolean => Ok(true_bits(array.as_boolean())),
        DataType::Null => Ok(BooleanBuffer::new_unset(array.len())),
        other => internal_err!("expected a boolean column, got {other}"),
    }
}

/// Rows where a boolean column is false (NULL is not false).
pub(crate) fn is_false(array: &dyn Array) -> Result<BooleanBuffer> {
    match array.data_type() {
        DataType::Boolean => {
            let values = !array.as_boolean().values();
            Ok(match array.nulls() {
                Some(nulls) => &values & nulls.inner(),
                None => values,
            })
        }
        DataType::Null => Ok(BooleanBuffer::new_unset(array.len())),
        other => internal_err!("expected a boolean column, got {other}"),
    }
}

/// Rows where a boolean array is true; used for argument columns and FILTER clauses.
pub(crate) fn true_bits(array: &BooleanArray) -> BooleanBuffer {
    match array.nulls() {
        Some(nulls) => array.values() & nulls.inner(),
        None => array.values().clone(),
    }
}

/// The two counters of a share: the `base` rows where `flag` is true, and the `base` rows
/// where `flag` is known. A row whose flag is NULL says nothing either way, so it is in
/// neither count: a source that never records the flag gives a NULL rate, not zero.
pub(crate) fn flagged_among(base: BooleanBuffer, flag: &dyn Array) -> Result<Vec<BooleanBuffer>> {
    let known = &base & &is_valid(flag);
    let flagged = &known & &is_true(flag)?;
    Ok(vec![flagged, known])
}

/// Rows where the column is not NULL.
pub(crate) fn is_valid(array: &dyn Array) -> BooleanBuffer {
    match array.logical_nulls() {
        Some(nulls) => nulls.inner().clone(),
        None => BooleanBuffer::new_set(array.len()),
    }
}

/// Rows where a Float64 column is not NULL and `predicate` holds for its value.
pub(crate) fn number_where(
    array: &ArrayRef,
    predicate: impl Fn(f64) -> bool,
) -> Result<BooleanBuffer> {
    match array.data_type() {
        DataType::Float64 => {
            let numbers = array.as_primitive::<Float64Type>();
            let values = numbers.values();
            let selected = BooleanBuffer::collect_bool(values.len(), |i| predicate(values[i]));
            Ok(match numbers.nulls() {
                Some(nulls) => &selected & nulls.inner(),
                None => selected,
            })
        }
        DataType::Null => Ok(BooleanBuffer::new_unset(array.len())),
        other => internal_err!("expected a Float64 column, got {other}"),
    }
}

/// The values of a Float64 column with NULL read as 0.
pub(crate) fn numbers_or_zero(array: &ArrayRef) -> Result<Vec<f64>> {
    match array.data_type() {
        DataType::Float64 => {
            let numbers = array.as_primitive::<Float64Type>();
            Ok(match numbers.nulls() {
                Some(nulls) => numbers
                    .values()
                    .iter()
                    .zip(nulls.iter())
                    .map(|(&value, valid)| if valid { value } else { 0.0 })
                    .collect(),
                None => numbers.values().to_vec(),
            })
        }
        DataType::Null => Ok(vec![0.0; array.len()]),
        other => internal_err!("expected a Float64 column, got {other}"),
    }
}
