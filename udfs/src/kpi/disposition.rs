//! The `disposition` column reduced to one code per row, so each KPI derives its
//! predicates (live, attempt, answered, …) from one pass over the strings.
//!
//! Values are matched exactly, in the lower case the canonical table uses. A value outside
//! the list is still an attempt but never live, answered or any other class.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;

use crate::common::strings::{Literals, Memo, remembered};

/// One row's disposition class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Disposition {
    Missing = 0,
    Answered,
    Abandoned,
    NoAnswer,
    Busy,
    Rejected,
    InvalidNumber,
    Blocked,
    Failed,
    Voicemail,
    Unknown,
}

/// The canonical values and their codes.
static CANONICAL: LazyLock<Literals> = LazyLock::new(|| {
    Literals::new(
        &[
            ("answered", Disposition::Answered as u8),
            ("abandoned", Disposition::Abandoned as u8),
            ("no_answer", Disposition::NoAnswer as u8),
            ("busy", Disposition::Busy as u8),
            ("rejected", Disposition::Rejected as u8),
            ("invalid_number", Disposition::InvalidNumber as u8),
            ("blocked", Disposition::Blocked as u8),
            ("failed", Disposition::Failed as u8),
            ("voicemail", Disposition::Voicemail as u8),
        ],
        Disposition::Unknown as u8,
        Disposition::Missing as u8,
    )
});

thread_local! {
    /// The array classified last on this thread, and its codes. The KPIs of one query
    /// receive the same disposition array (one `Arc`) for a batch, one after another on
    /// the same thread, so only the first of them classifies it.
    static LAST_CLASSIFIED: Memo = const { RefCell::new(None) };

    /// The dictionary values classified last on this thread, and their codes. A sliding
    /// window hands its KPI a new slice of the batch for every row, and all the slices
    /// share the batch's dictionary values: they are classified once per batch, not once
    /// per row.
    static LAST_DICTIONARY_VALUES: Memo = const { RefCell::new(None) };
}

/// The disposition codes of one batch.
pub(crate) struct Dispositions(Arc<[u8]>);

impl Dispositions {
    pub(crate) fn new(array: &ArrayRef) -> Result<Self> {
        let codes = remembered(&LAST_CLASSIFIED, array, "disposition", || {
            match array.as_any_dictionary_opt() {
                Some(dictionary) => {
                    let values = dictionary.values();
                    let value_codes =
                        remembered(&LAST_DICTIONARY_VALUES, values, "disposition", || {
                            Ok(CANONICAL.classify(values.as_ref())?.into())
                        })?;
                    Ok(CANONICAL.codes_by_key(dictionary, &value_codes).into())
                }
                None => Ok(CANONICAL.classify(array.as_ref())?.into()),
            }
        })?;
        Ok(Dispositions(codes))
    }

    fn select(&self, predicate: impl Fn(u8) -> bool) -> BooleanBuffer {
        let codes = &self.0;
        BooleanBuffer::collect_bool(codes.len(), |i| predicate(codes[i]))
    }

    /// Rows with any non-NULL disposition.
    pub(crate) fn attempts(&self) -> BooleanBuffer {
        self.select(|code| code != Disposition::Missing as u8)
    }

    /// Rows where a person picked up: `answered` or `abandoned`.
    pub(crate) fn live(&self) -> BooleanBuffer {
        self.select(|code| {
            code == Disposition::Answered as u8 || code == Disposition::Abandoned as u8
        })
    }

    /// Rows with exactly this disposition.
    pub(crate) fn only(&self, disposition: Disposition) -> BooleanBuffer {
        self.select(|code| code == disposition as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_attempts_but_not_live() {
        let array: ArrayRef = Arc::new(datafusion::arrow::array::StringViewArray::from(vec![
            Some("answered"),
            Some("ANSWERED"),
            None,
            Some("abandoned"),
            Some("voicemail"),
            Some("invalid_number"),
            Some("invalid_numbers"),
        ]));
        let dispositions = Dispositions::new(&array).unwrap();
        let bits = |buffer: BooleanBuffer| buffer.iter().collect::<Vec<_>>();
        assert_eq!(
            bits(dispositions.attempts()),
            [true, true, false, true, true, true, true]
        );
        assert_eq!(
            bits(dispositions.live()),
            [true, false, false, true, false, false, false]
        );
        assert_eq!(
            bits(dispositions.only(Disposition::Voicemail)),
            [false, false, false, false, true, false, false]
        );
        assert_eq!(
            bits(dispositions.only(Disposition::InvalidNumber)),
            [false, false, false, false, false, true, false]
        );
    }

    #[test]
    fn each_array_gets_its_own_codes_after_another_was_classified() {
        let codes_of = |values: Vec<&str>| {
            let array: ArrayRef = Arc::new(datafusion::arrow::array::StringViewArray::from(values));
            let live = Dispositions::new(&array).unwrap().live();
            (array, live.iter().collect::<Vec<_>>())
        };
        let (first, first_live) = codes_of(vec!["answered", "busy"]);
        assert_eq!(first_live, [true, false]);
        drop(first);
        for _ in 0..3 {
            assert_eq!(codes_of(vec!["busy", "abandoned"]).1, [false, true]);
            assert_eq!(codes_of(vec!["answered", "busy"]).1, [true, false]);
        }
        let (shared, _) = codes_of(vec!["busy", "answered", "no_answer"]);
        let again = Dispositions::new(&shared)
            .unwrap()
            .only(Disposition::NoAnswer);
        assert_eq!(again.iter().collect::<Vec<_>>(), [false, false, true]);
    }

    #[test]
    fn slices_of_a_dictionary_and_other_dictionaries_get_their_own_codes() {
        use datafusion::arrow::array::{DictionaryArray, Int32Array, StringArray};
        let dictionary = |values: Vec<&str>| -> ArrayRef {
            let keys = Int32Array::from(vec![Some(0), Some(1), None, Some(1), Some(0)]);
            Arc::new(DictionaryArray::new(
                keys,
                Arc::new(StringArray::from(values)),
            ))
        };
        let live = |array: &ArrayRef| {
            let live = Dispositions::new(array).unwrap().live();
            live.iter().collect::<Vec<_>>()
        };
        let batch = dictionary(vec!["answered", "busy"]);
        assert_eq!(live(&batch), [true, false, false, false, true]);
        // A sliding frame's slices share the batch's values.
        for (offset, expected) in [(1, [false, false]), (3, [false, true]), (0, [true, false])] {
            assert_eq!(live(&batch.slice(offset, 2)), expected);
        }
        let swapped = dictionary(vec!["busy", "abandoned"]);
        assert_eq!(live(&swapped), [false, true, false, true, false]);
        assert_eq!(live(&swapped.slice(3, 2)), [true, false]);
        assert_eq!(live(&batch.slice(3, 2)), [false, true]);
    }
}
