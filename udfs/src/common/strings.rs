//! String columns in any Arrow encoding (Utf8, LargeUtf8, Utf8View, dictionaries of them)
//! reduced to small codes in one pass; a dictionary's values are classified once, not
//! once per row.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, internal_err};

/// Maps every row of `array` to `classify(value)`, and NULL rows to `null_code`.
pub(crate) fn classify(
    array: &dyn Array,
    null_code: u8,
    classify: &impl Fn(&str) -> u8,
) -> Result<Vec<u8>> {
    fn from_iter<'a>(
        values: impl Iterator<Item = Option<&'a str>>,
        null_code: u8,
        classify: &impl Fn(&str) -> u8,
    ) -> Vec<u8> {
        values
            .map(|value| value.map_or(null_code, classify))
            .collect()
    }
    let codes = match array.data_type() {
        DataType::Utf8 => from_iter(array.as_string::<i32>().iter(), null_code, classify),
        DataType::LargeUtf8 => from_iter(array.as_string::<i64>().iter(), null_code, classify),
        DataType::Utf8View => from_iter(array.as_string_view().iter(), null_code, classify),
        DataType::Null => vec![null_code; array.len()],
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            if dictionary.values().is_empty() {
                // Every key is NULL (and `normalized_keys` refuses empty values).
                return Ok(vec![null_code; array.len()]);
            }
            let value_codes = self::classify(dictionary.values().as_ref(), null_code, classify)?;
            let keys = dictionary.normalized_keys();
            match dictionary.keys().nulls() {
                None => keys.iter().map(|&key| value_codes[key]).collect(),
                Some(nulls) => keys
                    .iter()
                    .zip(nulls.iter())
                    .map(|(&key, valid)| if valid { value_codes[key] } else { null_code })
                    .collect(),
            }
        }
        other => return internal_err!("expected a string column, got {other}"),
    };
    Ok(codes)
}

/// Rows of `array` equal to `literal` (NULL rows are not equal).
pub(crate) fn equals(array: &dyn Array, literal: &str) -> Result<BooleanBuffer> {
    let codes = classify(array, 0, &|value| u8::from(value == literal))?;
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

    fn codes(array: &dyn Array) -> Vec<u8> {
        classify(array, 9, &|value| value.len() as u8).unwrap()
    }

    #[test]
    fn every_encoding_gives_the_same_codes() {
        let values = vec![Some("ab"), None, Some("abcd"), Some("")];
        let utf8: ArrayRef = Arc::new(StringArray::from(values.clone()));
        let view: ArrayRef = Arc::new(StringViewArray::from(values.clone()));
        let large = datafusion::arrow::compute::cast(&utf8, &DataType::LargeUtf8).unwrap();
        let dictionary: DictionaryArray<Int8Type> = values.into_iter().collect();
        for array in [utf8.as_ref(), view.as_ref(), large.as_ref(), &dictionary] {
            assert_eq!(codes(array), vec![2, 9, 4, 0], "{}", array.data_type());
        }
    }

    #[test]
    fn dictionary_with_null_values_maps_them_to_the_null_code() {
        let values: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None]));
        let keys = datafusion::arrow::array::Int8Array::from(vec![Some(1), Some(0), None]);
        let dictionary = DictionaryArray::new(keys, values);
        assert_eq!(codes(&dictionary), vec![9, 1, 9]);
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
