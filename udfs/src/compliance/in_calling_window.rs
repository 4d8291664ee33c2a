//! `in_calling_window(ts, tz, start_hour, end_hour)`: whether a call was placed inside the
//! permitted calling hours of the callee's local time.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::local_time::{MS_PER_HOUR, check_literal_zone, local_times_of_day};
use crate::common::args::{self, ArgKind, Param};

#[user_doc(
    doc_section(label = "Compliance"),
    description = "Whether the instant ts falls inside the calling window [start_hour, end_hour) of the local time in zone tz: true when start_hour ≤ local hour of day < end_hour.
Hours are numbers from 0 to 24 and may be fractional (8.5 = 08:30). When start_hour > end_hour the window wraps midnight (22, 6 = 22:00–06:00); when they are equal it is empty.
tz is an IANA zone name ('Asia/Shanghai', 'America/New_York', with daylight saving applied) or a fixed offset ('+08:00'); it may be a column (each callee's zone). An unknown zone is an error. A timestamp without a zone is taken as UTC.
NULL when any argument is NULL or an hour is outside 0–24.",
    syntax_example = "in_calling_window(ts, tz, start_hour, end_hour)",
    sql_example = r#"```sql
> SELECT in_calling_window(TIMESTAMP '2025-06-01T13:30:00Z', 'Asia/Shanghai', 8, 21);  -- false (21:30 in Shanghai)
> SELECT call_id FROM calls WHERE NOT in_calling_window(dialed_at, 'Asia/Shanghai', 8, 21);
```"#,
    argument(
        name = "ts",
        description = "When the call was placed; a timestamp of any unit."
    ),
    argument(
        name = "tz",
        description = "The callee's time zone: IANA name or fixed offset."
    ),
    argument(name = "start_hour", description = "First permitted local hour, 0–24."),
    argument(
        name = "end_hour",
        description = "End of the window (exclusive), 0–24."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct InCallingWindow {
    signature: Signature,
}

impl InCallingWindow {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const PARAMS: &[Param] = &[
    Param::column("ts", ArgKind::Timestamp),
    Param::column("tz", ArgKind::Text),
    Param::column("start_hour", ArgKind::Number),
    Param::column("end_hour", ArgKind::Number),
];

/// Whether a local time of day lies in [start, end) hours, wrapping midnight when start > end.
fn in_window(ms_of_day: i64, start_hour: f64, end_hour: f64) -> Option<bool> {
    let valid = |hour: f64| (0.0..=24.0).contains(&hour);
    if !valid(start_hour) || !valid(end_hour) {
        return None;
    }
    let hour = ms_of_day as f64 / MS_PER_HOUR;
    Some(if start_hour <= end_hour {
        start_hour <= hour && hour < end_hour
    } else {
        hour >= start_hour || hour < end_hour
    })
}

impl ScalarUDFImpl for InCallingWindow {
    fn name(&self) -> &str {
        "in_calling_window"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.name(), PARAMS, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        check_literal_zone(args.scalar_arguments.get(1))?;
        Ok(Arc::new(Field::new(self.name(), DataType::Boolean, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let local_times = local_times_of_day(self.name(), &args.args[0], &args.args[1], rows)?;
        let (starts, ends) = (args.args[2].to_array(rows)?, args.args[3].to_array(rows)?);
        let (starts, ends) = (
            starts.as_primitive::<Float64Type>(),
            ends.as_primitive::<Float64Type>(),
        );
        let result: BooleanArray = local_times
            .into_iter()
            .enumerate()
            .map(|(row, local)| {
                let bounded = starts.is_valid(row) && ends.is_valid(row);
                local
                    .filter(|_| bounded)
                    .and_then(|ms| in_window(ms, starts.value(row), ends.value(row)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(result)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_include_the_start_exclude_the_end_and_may_wrap() {
        let hour = |h: f64| (h * MS_PER_HOUR) as i64;
        assert_eq!(in_window(hour(8.0), 8.0, 21.0), Some(true));
        assert_eq!(in_window(hour(21.0) - 1, 8.0, 21.0), Some(true));
        assert_eq!(in_window(hour(21.0), 8.0, 21.0), Some(false));
        assert_eq!(in_window(hour(7.99), 8.0, 21.0), Some(false));
        assert_eq!(in_window(hour(8.25), 8.5, 21.0), Some(false));
        assert_eq!(in_window(hour(23.0), 22.0, 6.0), Some(true));
        assert_eq!(in_window(hour(5.0), 22.0, 6.0), Some(true));
        assert_eq!(in_window(hour(12.0), 22.0, 6.0), Some(false));
        assert_eq!(in_window(hour(12.0), 9.0, 9.0), Some(false));
        assert_eq!(in_window(hour(12.0), 0.0, 24.0), Some(true));
        assert_eq!(in_window(hour(12.0), -1.0, 21.0), None);
        assert_eq!(in_window(hour(12.0), 8.0, f64::NAN), None);
    }
}
