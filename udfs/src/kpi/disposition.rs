//! The `disposition` column reduced to one code per row, so each KPI derives its
//! predicates (live, attempt, answered, …) from one pass over the strings.
//!
//! Values are matched exactly, in the lower case the canonical table uses. A value outside
//! the list is still an attempt but never live, answered or any other class.

use datafusion::arrow::array::Array;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;

use std::sync::LazyLock;

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

/// The disposition codes of one batch.
pub(crate) struct Dispositions(Vec<u8>);

impl Dispositions {
    pub(crate) fn new(array: &dyn Array) -> Result<Self> {
        CANONICAL.classify(array).map(Dispositions)
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
        let array = datafusion::arrow::array::StringViewArray::from(vec![
            Some("answered"),
            Some("ANSWERED"),
            None,
            Some("abandoned"),
            Some("voicemail"),
            Some("invalid_number"),
            Some("invalid_numbers"),
        ]);
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
}
