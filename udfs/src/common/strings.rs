//! String columns in any Arrow encoding (Utf8, LargeUtf8, Utf8View, dictionaries of them)
//! reduced to small codes in one pass. A dictionary's values are classified once, not once
//! per row; string views shorter than 13 bytes are matched by their 16-byte view alone,
//! without touching the string data.

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::thread::LocalKey;

use datafusion::arrow::array::builder::make_view;
use datafusion::arrow::array::{AnyDictionaryArray, Array, ArrayRef, AsArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, internal_err};

/// Longest string a view holds inline.
const MAX_INLINE: usize = 12;

/// A fixed set of string literals with a code each; any other string gets `other`, NULL
/// gets `null`.
#[derive(Debug)]
pub(crate) struct Literals {
    entries: Vec<(&'static str, u8)>,
    /// Views of the inline literals, indexed by length.
    inline_views: [Vec<(u128, u8)>; MAX_INLINE + 1],
    other: u8,
    null: u8,
}

impl Literals {
    pub(crate) fn new(entries: &[(&'static str, u8)], other: u8, null: u8) -> Self {
        let mut inline_views: [Vec<(u128, u8)>; MAX_INLINE + 1] = Default::default();
        for &(literal, code) in entries {
            if literal.len() <= MAX_INLINE {
                inline_views[literal.len()].push((make_view(literal.as_bytes(), 0, 0), code));
            }
        }
        Self {
            entries: entries.to_vec(),
            inline_views,
            other,
            null,
        }
    }

    fn code(&self, value: &str) -> u8 {
        self.entries
            .iter()
            .find(|(literal, _)| *literal == value)
            .map_or(self.other, |&(_, code)| code)
    }

    /// The code of a string view: inline strings compare as whole views (the unused bytes
    /// of an inline view are zero), longer ones by value.
    fn view_code(&self, view: u128, value: impl FnOnce() -> u8) -> u8 {
        let length = view as u32 as usize;
        if length <= MAX_INLINE {
            self.inline_views[length]
                .iter()
                .find(|(literal, _)| *literal == view)
                .map_or(self.other, |&(_, code)| code)
        } else {
            value()
        }
    }

    /// The code of every row of `array`.
    pub(crate) fn classify(&self, array: &dyn Array) -> Result<Vec<u8>> {
        fn from_iter<'a>(
            values: impl Iterator<Item = Option<&'a str>>,
            literals: &Literals,
        ) -> Vec<u8> {
            values
                .map(|value| value.map_or(literals.null, |value| literals.code(value)))
                .collect()
        }
        let codes = match array.data_type() {
            DataType::Utf8 => from_iter(array.as_string::<i32>().iter(), self),
            DataType::LargeUtf8 => from_iter(array.as_string::<i64>().iter(), self),
            DataType::Utf8View => {
                let strings = array.as_string_view();
                let mut codes: Vec<u8> = strings
                    .views()
                    .iter()
                    .enumerate()
                    .map(|(row, &view)| self.view_code(view, || self.code(strings.value(row))))
                    .collect();
                if let Some(nulls) = strings.nulls() {
                    for (code, valid) in codes.iter_mut().zip(nulls.iter()) {
                        if !valid {
                            *code = self.null;
                        }
                    }
                }
                codes
            }
            DataType::Null => vec![self.null; array.len()],
            DataType::Dictionary(_, _) => {
                let dictionary = array.as_any_dictionary();
                let value_codes = self.classify(dictionary.values().as_ref())?;
                self.codes_by_key(dictionary, &value_codes)
            }
            other => return internal_err!("expected a string column, got {other}"),
        };
        Ok(codes)
    }

    /// The code of every row of `dictionary`, given the codes of its values.
    pub(crate) fn codes_by_key(
        &self,
        dictionary: &dyn AnyDictionaryArray,
        value_codes: &[u8],
    ) -> Vec<u8> {
        if value_codes.is_empty() {
            // Every key is NULL (and `normalized_keys` refuses empty values).
            return vec![self.null; dictionary.len()];
        }
        let keys = dictionary.normalized_keys();
        match dictionary.keys().nulls() {
            None => keys.iter().map(|&key| value_codes[key]).collect(),
            Some(nulls) => keys
                .iter()
                .zip(nulls.iter())
                .map(|(&key, valid)| if valid { value_codes[key] } else { self.null })
                .collect(),
        }
    }
}

/// An array seen before, by its allocation, what it was classified against, and its codes.
/// The `Weak` keeps the array's allocation reserved without keeping its buffers alive, so
/// a matching pointer can only be the very same, immutable array.
pub(crate) type Memo = RefCell<Option<(Weak<dyn Array>, &'static str, Arc<[u8]>)>>;

/// The codes `memo` holds for this very `array` classified against `against`, or else
/// those `classify` returns, which `memo` then holds.
pub(crate) fn remembered(
    memo: &'static LocalKey<Memo>,
    array: &ArrayRef,
    against: &'static str,
    classify: impl FnOnce() -> Result<Arc<[u8]>>,
) -> Result<Arc<[u8]>> {
    memo.with_borrow_mut(|last| {
        if let Some((seen, seen_against, codes)) = last.as_ref()
            && std::ptr::addr_eq(seen.as_ptr(), Arc::as_ptr(array))
            && *seen_against == against
        {
            return Ok(Arc::clone(codes));
        }
        let codes = classify()?;
        *last = Some((Arc::downgrade(array), against, Arc::clone(&codes)));
        Ok(codes)
    })
}

thread_local! {
    /// The dictionary values last compared with a literal on this thread. A sliding window
    /// passes a KPI one slice of the batch per row; the slices share the values.
    static LAST_COMPARED_VALUES: Memo = const { RefCell::new(None) };
}

/// Rows of `array` equal to `literal` (NULL rows are not equal).
pub(crate) fn equals(array: &dyn Array, literal: &'static str) -> Result<BooleanBuffer> {
    let literals = Literals::new(&[(literal, 1)], 0, 0);
    let codes = match array.as_any_dictionary_opt() {
        Some(dictionary) => {
            let values = dictionary.values();
            let value_codes = remembered(&LAST_COMPARED_VALUES, values, literal, || {
                Ok(literals.classify(values.as_ref())?.into())
            })?;
            literals.codes_by_key(dictionary, &value_codes)
        }
        None => literals.classify(array)?,
    };
    Ok(BooleanBuffer::collect_bool(codes.len(), |i| codes[i] == 1))
}

/// The value of row `i` of a string column, for row-wise consumers such as hash tables.
pub(crate) enum Strings<'a> {
    Utf8(&'a datafusion::arrow::array::StringArray),
    LargeUtf8(&'a datafusion::arrow::array::LargeStringArray),
    Utf8View(&'a datafusion::arrow::array::StringViewArray),
}

impl<'a> Strings<'a> {
    /// Views a non-dictionary string column; dictionaries are unpacked by the caller with
    /// `arrow::compute::cast` first.
    pub(crate) fn new(array: &'a dyn Array) -> Result<Self> {
        match array.data_type() {
            DataType::Utf8 => Ok(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strings::LargeUtf8(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Strings::Utf8View(array.as_string_view())),
            other => internal_err!("expected a plain string column, got {other}"),
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(array) => array.is_valid(i).then(|| array.value(i)),
            Strings::LargeUtf8(array) => array.is_valid(i).then(|| array.value(i)),
            Strings::Utf8View(array) => array.is_valid(i).then(|| array.value(i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, DictionaryArray, StringArray, StringViewArray};
    use datafusion::arrow::datatypes::Int8Type;

    use super::*;

    /// Codes: "ab" 2, "abcd" 4, "" 0, a long literal 13, anything else 7, NULL 9.
    fn codes(array: &dyn Array) -> Vec<u8> {
        let literals = Literals::new(
            &[
                ("ab", 2),
                ("abcd", 4),
                ("", 0),
                ("a string past twelve bytes", 13),
            ],
            7,
            9,
        );
        literals.classify(array).unwrap()
    }

    #[test]
    fn equals_on_slices_of_a_dictionary_and_with_another_literal() {
        let keys =
            datafusion::arrow::array::Int32Array::from(vec![Some(0), None, Some(1), Some(0)]);
        let values: ArrayRef = Arc::new(StringArray::from(vec!["success", "none"]));
        let batch = DictionaryArray::new(keys, values);
        let bits =
            |array: &dyn Array, literal| equals(array, literal).unwrap().iter().collect::<Vec<_>>();
        assert_eq!(bits(&batch, "success"), [true, false, false, true]);
        assert_eq!(bits(&batch.slice(2, 2), "success"), [false, true]);
        assert_eq!(bits(&batch.slice(2, 2), "none"), [true, false]);
        assert_eq!(bits(&batch.slice(0, 2), "none"), [false, false]);
    }

    #[test]
    fn every_encoding_gives_the_same_codes() {
        let values = vec![
            Some("ab"),
            None,
            Some("abcd"),
            Some(""),
            Some("a string past twelve bytes"),
            Some("a string past twelve bytez"),
            Some("abc"),
        ];
        let utf8: ArrayRef = Arc::new(StringArray::from(values.clone()));
        let view: ArrayRef = Arc::new(StringViewArray::from(values.clone()));
        let large = datafusion::arrow::compute::cast(&utf8, &DataType::LargeUtf8).unwrap();
        let dictionary: DictionaryArray<Int8Type> = values.into_iter().collect();
        for array in [utf8.as_ref(), view.as_ref(), large.as_ref(), &dictionary] {
            assert_eq!(
                codes(array),
                vec![2, 9, 4, 0, 13, 7, 7],
                "{}",
                array.data_type()
            );
        }
    }

    #[test]
    fn dictionary_with_null_values_maps_them_to_the_null_code() {
        let values: ArrayRef = Arc::new(StringArray::from(vec![Some("ab"), None]));
        let keys = datafusion::arrow::array::Int8Array::from(vec![Some(1), Some(0), None]);
        let dictionary = DictionaryArray::new(keys, values);
        assert_eq!(codes(&dictionary), vec![9, 2, 9]);
    }

    #[test]
    fn dictionary_without_values_is_all_null() {
        let values: ArrayRef = Arc::new(StringArray::from(Vec::<&str>::new()));
        let keys = datafusion::arrow::array::Int8Array::from(vec![None, None]);
        let dictionary = DictionaryArray::new(keys, values);
        assert_eq!(codes(&dictionary), vec![9, 9]);
    }

    #[test]
    fn equals_treats_null_as_not_equal() {
        let array = StringViewArray::from(vec![Some("callee"), None, Some("bot")]);
        let mask = equals(&array, "callee").unwrap();
        assert_eq!(mask.iter().collect::<Vec<_>>(), vec![true, false, false]);
    }
}
