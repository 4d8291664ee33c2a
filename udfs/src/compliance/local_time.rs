//! Local time of day in a zone given per call: shared by the functions that ask what
//! time it was for the callee.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Offset, TimeZone};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimestampMillisecondType};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

use crate::common::strings::Strings;

const MS_PER_DAY: i64 = 86_400_000;
pub(crate) const MS_PER_HOUR: f64 = 3_600_000.0;

/// The zone named `name`, or the message that says it is unknown.
pub(crate) fn parse_zone(name: &str) -> std::result::Result<Tz, String> {
    Tz::from_str(name).map_err(|_| {
        format!(
            "unknown time zone '{name}'; expected an IANA name such as 'Asia/Shanghai' or an offset such as '+08:00'"
        )
    })
}

/// Milliseconds since local midnight of the UTC instant `ms` in `zone`.
fn local_ms_of_day(zone: &Tz, ms: i64) -> Option<i64> {
    let utc = DateTime::from_timestamp_millis(ms)?.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    Some((ms + i64::from(offset) * 1000).rem_euclid(MS_PER_DAY))
}

/// Milliseconds since local midnight of each row's instant `ts` in its zone `tz`; None
/// where either is NULL. A timestamp without a zone is read as UTC.
pub(crate) fn local_times_of_day(
    function: &str,
    ts: &ColumnarValue,
    tz: &ColumnarValue,
    rows: usize,
) -> Result<Vec<Option<i64>>> {
    let timestamps = ts.to_array(rows)?;
    let timestamps = timestamps.as_primitive::<TimestampMillisecondType>();
    let mut zones = Zones::new(function, tz)?;
    (0..rows)
        .map(|row| {
            Ok(match zones.get(row)? {
                Some(zone) if timestamps.is_valid(row) => {
                    local_ms_of_day(&zone, timestamps.value(row))
                }
                _ => None,
            })
        })
        .collect()
}

/// The zone of each row: parsed once when it is a constant, once per distinct name when
/// it is a column.
enum Zones {
    One(Option<Tz>),
    PerRow {
        names: ArrayRef,
        parsed: HashMap<String, Tz>,
    },
}

impl Zones {
    /// The zones of the argument `tz` of `function`.
    fn new(function: &str, tz: &ColumnarValue) -> Result<Self> {
        match tz {
            ColumnarValue::Scalar(scalar) => match scalar.try_as_str() {
                Some(Some(name)) => Ok(Zones::One(Some(zone_or_error(name)?))),
                Some(None) => Ok(Zones::One(None)),
                None => exec_err!("{function}: tz must be a string, got {scalar}"),
            },
            ColumnarValue::Array(array) => Ok(Zones::PerRow {
                names: match array.data_type() {
                    DataType::Dictionary(_, value) => cast(array, value)?,
                    _ => Arc::clone(array),
                },
                parsed: HashMap::new(),
            }),
        }
    }

    /// The zone of `row`; None when its name is NULL.
    fn get(&mut self, row: usize) -> Result<Option<Tz>> {
        match self {
            Zones::One(zone) => Ok(*zone),
            Zones::PerRow { names, parsed } => {
                let Some(name) = Strings::new(names.as_ref())?.get(row) else {
                    return Ok(None);
                };
                if let Some(zone) = parsed.get(name) {
                    return Ok(Some(*zone));
                }
                let zone = zone_or_error(name)?;
                parsed.insert(name.to_string(), zone);
                Ok(Some(zone))
            }
        }
    }
}

fn zone_or_error(name: &str) -> Result<Tz> {
    parse_zone(name).or_else(|message| exec_err!("{message}"))
}

/// Refuses at planning a literal zone that does not exist.
pub(crate) fn check_literal_zone(tz: Option<&Option<&ScalarValue>>) -> Result<()> {
    if let Some(Some(zone)) = tz
        && let Some(Some(name)) = zone.try_as_str()
        && let Err(message) = parse_zone(name)
    {
        return plan_err!("{message}");
    }
    Ok(())
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
    fn unknown_zones_are_named_in_the_error() {
        let error = parse_zone("Mars/Olympus").unwrap_err();
        assert!(
            error.contains("unknown time zone 'Mars/Olympus'"),
            "{error}"
        );
    }
}
