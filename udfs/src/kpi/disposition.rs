//! The `disposition` column reduced to one code per row, so each KPI derives its
//! predicates (live, attempt, answered, …) from one pass over the strings.
//!
//! Values are matched exactly, in the lower case the canonical table uses. A value outside
//! the list is still an attempt but never live, answered or any other class.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, Weak};

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;

use crate::common::strings::Literals;

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

/// An array seen before, by its allocation, and the codes it was given.
type Classified = (Weak<dyn Array>, Arc<[u8]>);

thread_local! {
    /// The array classified last on this thread, and its codes. The KPIs of one query
    /// receive the same disposition array (one `Arc`) for a batch, one after another on
    /// the same thread, so only the first of them classifies it. The `Weak` keeps the
    /// array's allocation reserved without keeping its buffers alive, so a matching
    /// pointer can only be the very same, immutable array.
    static LAST_CLASSIFIED: RefCell<Option<Classified>> =
        const { RefCell::new(None) };
}

/// The disposition codes of one batch.
pub(crate) struct Dispositions(Arc<[u8]>);

impl Dispositions {
    pub(crate) fn new(array: &ArrayRef) -> Result<Self> {
        LAST_CLASSIFIED.with_borrow_mut(|last| {
            if let Some((seen, codes)) = last.as_ref()
                && std::ptr::addr_eq(seen.as_ptr(), Arc::as_ptr(array))
            {
                return Ok(Dispositions(Arc::clone(codes)));
            }
            let codes: Arc<[u8]> = CANONICAL.classify(array.as_ref())?.into();
            *last = Some((Arc::downgrade(array), Arc::clone(&codes)));
            Ok(Dispositions(codes))
        })
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
}
