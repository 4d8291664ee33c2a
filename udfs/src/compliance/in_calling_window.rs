//! `in_calling_window(ts, tz, start_hour, end_hour)`: whether a call was placed inside the
//! permitted calling hours of the callee's local time.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Offset, TimeZone};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Float64Type, TimestampMillisecondType,
};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion_macros::user_doc;

use crate::common::args::{self, ArgKind, Param};
use crate::common::strings::Strings;

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

const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: f64 = 3_600_000.0;

/// The zone named `name`, or the message that says it is unknown.
fn parse_zone(name: &str) -> std::result::Result<Tz, String> {
    Tz::from_str(name).map_err(|_| {
        format!(
            "in_calling_window: unknown time zone '{name}'; expected an IANA name such as 'Asia/Shanghai' or an offset such as '+08:00'"
        )
    })
}

/// Milliseconds since local midnight of the UTC instant `ms` in `zone`.
fn local_ms_of_day(zone: &Tz, ms: i64) -> Option<i64> {
    let utc = DateTime::from_timestamp_millis(ms)?.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    Some((ms + i64::from(offset) * 1000).rem_euclid(MS_PER_DAY))
}

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

/// The zone of each row: parsed once when it is a constant, once per distinct name when
/// it is a column.
enum Zones<'a> {
    One(Option<Tz>),
    PerRow {
        names: Strings<'a>,
        parsed: HashMap<&'a str, Tz>,
    },
}

impl<'a> Zones<'a> {
    fn get(&mut self, row: usize) -> Result<Option<Tz>> {
        match self {
            Zones::One(zone) => Ok(*zone),
            Zones::PerRow { names, parsed } => {
                let Some(name) = names.get(row) else {
                    return Ok(None);
                };
                if let Some(zone) = parsed.get(name) {
                    return Ok(Some(*zone));
                }
                let zone = parse_zone(name).or_else(|message| exec_err!("{message}"))?;
                parsed.insert(name, zone);
                Ok(Some(zone))
            }
        }
    }
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
        if let Some(Some(zone)) = args.scalar_arguments.get(1)
            && let Some(Some(name)) = zone.try_as_str()
            && let Err(message) = parse_zone(name)
        {
            return plan_err!("{message}");
        }
        Ok(Arc::new(Field::new(self.name(), DataType::Boolean, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = |i: usize| args.args[i].to_array(rows);
        let timestamps = arrays(0)?;
        let timestamps = timestamps.as_primitive::<TimestampMillisecondType>();
        let (starts, ends) = (arrays(2)?, arrays(3)?);
        let (starts, ends) = (
            starts.as_primitive::<Float64Type>(),
            ends.as_primitive::<Float64Type>(),
        );
        let zone_names: ArrayRef;
        let mut zones = match &args.args[1] {
            ColumnarValue::Scalar(scalar) => Zones::One(match scalar.try_as_str().flatten() {
                Some(name) => Some(parse_zone(name).or_else(|message| exec_err!("{message}"))?),
                None if scalar.is_null() => None,
                None => return exec_err!("in_calling_window: tz must be a string, got {scalar}"),
            }),
            ColumnarValue::Array(array) => {
                zone_names = plain_strings(array)?;
                Zones::PerRow {
                    names: Strings::new(zone_names.as_ref())?,
                    parsed: HashMap::new(),
                }
            }
        };
        let mut result = Vec::with_capacity(rows);
        for row in 0..rows {
            let value = match zones.get(row)? {
                Some(zone)
                    if timestamps.is_valid(row) && starts.is_valid(row) && ends.is_valid(row) =>
                {
                    local_ms_of_day(&zone, timestamps.value(row))
                        .and_then(|ms| in_window(ms, starts.value(row), ends.value(row)))
                }
                _ => None,
            };
            result.push(value);
        }
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(result))))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// A string column without dictionary encoding.
fn plain_strings(array: &ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::Dictionary(_, value) => Ok(datafusion::arrow::compute::cast(array, value)?),
        _ => Ok(Arc::clone(array)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(zone: &str, utc: &str) -> i64 {
        let ms = DateTime::parse_from_rfc3339(utc)
            .unwrap()
            .timestamp_millis();
        local_ms_of_day(&parse_zone(zone).unwrap(), ms).unwrap()
    }

    #[test]
    fn local_time_follows_the_zone_and_daylight_saving() {
        // 13:30 UTC is 21:30 in Shanghai (UTC+8, no DST).
        assert_eq!(
            local("Asia/Shanghai", "2025-06-01T13:30:00Z"),
            21 * 3_600_000 + 1_800_000
        );
        // New York is UTC-4 in June (EDT) and UTC-5 in January (EST).
        assert_eq!(
            local("America/New_York", "2025-06-01T13:00:00Z"),
            9 * 3_600_000
        );
        assert_eq!(
            local("America/New_York", "2025-01-15T13:00:00Z"),
            8 * 3_600_000
        );
        assert_eq!(local("+08:00", "2025-06-01T20:00:00Z"), 4 * 3_600_000);
    }

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

    #[test]
    fn unknown_zones_are_named_in_the_error() {
        let error = parse_zone("Mars/Olympus").unwrap_err();
        assert!(
            error.contains("unknown time zone 'Mars/Olympus'"),
            "{error}"
        );
    }
}
