//! Seconds between two timestamps of each session (start → first response, start →
//! resolution), with the rows where the interval is measured.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMillisecondType};
use datafusion::common::{Result, internal_err};

use crate::common::aggregate::mean::MAX_SECONDS;
use crate::common::masks::is_valid;

/// The interval of every row of a batch.
pub(crate) struct Intervals {
    /// `end − start` in seconds; meaningful only where `measured` is set.
    pub seconds: Vec<f64>,
    /// Both timestamps present, the end not before the start and at most `MAX_SECONDS`
    /// after it (anything else is bad data, not a long wait).
    pub measured: BooleanBuffer,
    /// The start is present.
    pub started: BooleanBuffer,
    /// The end is present but the interval is bad data (negative or implausibly long).
    pub malformed: BooleanBuffer,
}

impl Intervals {
    /// Arguments coerced to `Timestamp(ms, zone)` by their `ArgKind::Timestamp` parameters.
    pub(crate) fn new(start: &ArrayRef, end: &ArrayRef) -> Result<Self> {
        let start_ms = milliseconds(start)?;
        let end_ms = milliseconds(end)?;
        let seconds: Vec<f64> = start_ms
            .iter()
            .zip(end_ms)
            .map(|(&start, &end)| end.saturating_sub(start) as f64 / 1000.0)
            .collect();
        let plausible = BooleanBuffer::collect_bool(seconds.len(), |row| {
            (0.0..=MAX_SECONDS).contains(&seconds[row])
        });
        let started = is_valid(start.as_ref());
        let both = &started & &is_valid(end.as_ref());
        let measured = &both & &plausible;
        let malformed = &both & &!&plausible;
        Ok(Intervals {
            seconds,
            measured,
            started,
            malformed,
        })
    }

    /// The seconds and the rows that measure them, for a mean over intervals.
    pub(crate) fn measured_seconds(args: &[ArrayRef]) -> Result<(Vec<f64>, BooleanBuffer)> {
        let intervals = Self::new(&args[0], &args[1])?;
        Ok((intervals.seconds, intervals.measured))
    }
}

fn milliseconds(array: &ArrayRef) -> Result<&[i64]> {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Millisecond, _) => Ok(array
            .as_primitive::<TimestampMillisecondType>()
            .values()
            .as_ref()),
        other => internal_err!("expected a Timestamp(ms) column, got {other}"),
    }
}
