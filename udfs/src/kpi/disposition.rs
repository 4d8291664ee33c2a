//! The `disposition` column reduced to one code per row, so each KPI derives its
//! predicates (live, attempt, answered, …) from one pass over the strings.
//!
//! Values are matched exactly, in the lower case the canonical table uses. A value outside
//! the list is still an attempt but never live, answered or any other class.

use datafusion::arrow::array::Array;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;

use crate::common::strings;

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

impl Disposition {
    fn parse(value: &str) -> Disposition {
        match value {
            "answered" => Disposition::Answered,
            "abandoned" => Disposition::Abandoned,
            "no_answer" => Disposition::NoAnswer,
            "busy" => Disposition::Busy,
            "rejected" => Disposition::Rejected,
            "invalid_number" => Disposition::InvalidNumber,
            "blocked" => Disposition::Blocked,
            "failed" => Disposition::Failed,
            "voicemail" => Disposition::Voicemail,
            _ => Disposition::Unknown,
        }
    }
}

/// The disposition codes of one batch.
pub(crate) struct Dispositions(Vec<u8>);

impl Dispositions {
    pub(crate) fn new(array: &dyn Array) -> Result<Self> {
        strings::classify(array, Disposition::Missing as u8, &|value| {
            Disposition::parse(value) as u8
        })
        .map(Dispositions)
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
    use datafusion::arrow::array::StringArray;

    use super::*;

    #[test]
    fn unknown_values_are_attempts_but_not_live() {
        let array = StringArray::from(vec![
            Some("answered"),
            Some("ANSWERED"),
            None,
            Some("abandoned"),
            Some("voicemail"),
        ]);
        let dispositions = Dispositions::new(&array).unwrap();
        let bits = |buffer: BooleanBuffer| buffer.iter().collect::<Vec<_>>();
        assert_eq!(
            bits(dispositions.attempts()),
            [true, true, false, true, true]
        );
        assert_eq!(bits(dispositions.live()), [true, false, false, true, false]);
        assert_eq!(
            bits(dispositions.only(Disposition::Voicemail)),
            [false, false, false, false, true]
        );
    }
}
