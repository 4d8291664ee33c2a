//! Timestamps in call logs: local wall-clock times without an offset (Asterisk, FreeSWITCH,
//! VICIdial, most vendor exports), read in the zone `--tz` names, and the local day a call
//! belongs to (its `dt` partition).

use std::cell::Cell;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

const HOUR_MS: i64 = 3_600_000;

/// A time zone with a one-hour memo of its offset: log lines come in time order, so nearly
/// every lookup hits the hour before it. A clone has a memo of its own (for another thread).
#[derive(Clone)]
pub struct Zone {
    tz: Tz,
    /// (local hour start in ms as if UTC, offset ms) of the last local → UTC conversion.
    local_hour: Cell<Option<(i64, i64)>>,
    /// (UTC hour start, offset ms) of the last UTC → local conversion.
    utc_hour: Cell<Option<(i64, i64)>>,
}

impl Zone {
    pub fn parse(name: &str) -> Result<Self> {
        let tz: Tz = name.parse().map_err(|_| {
            anyhow!("unknown time zone {name:?}: use an IANA name such as Asia/Shanghai or UTC")
        })?;
        Ok(Zone::new(tz))
    }

    pub fn new(tz: Tz) -> Self {
        Zone {
            tz,
            local_hour: Cell::new(None),
            utc_hour: Cell::new(None),
        }
    }

    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// The UTC instant (ms) of a local wall-clock time. In the hour a clock is set back the
    /// earlier of the two instants is taken; a time the clock skipped is `None`.
    pub fn utc_ms(&self, local: NaiveDateTime) -> Option<i64> {
        let as_if_utc = local.and_utc().timestamp_millis();
        let hour = as_if_utc.div_euclid(HOUR_MS) * HOUR_MS;
        if let Some((cached, offset)) = self.local_hour.get()
            && cached == hour
        {
            return Some(as_if_utc - offset);
        }
        let instant = self.tz.from_local_datetime(&local).earliest()?;
        let offset = i64::from(instant.offset().fix().local_minus_utc()) * 1000;
        // Only an hour without a transition in it may be remembered.
        let start = local.with_minute(0).and_then(|t| t.with_second(0))?;
        let end = start + chrono::Duration::minutes(59);
        let same = |t: NaiveDateTime| {
            self.tz
                .from_local_datetime(&t)
                .single()
                .map(|i| i64::from(i.offset().fix().local_minus_utc()) * 1000)
                == Some(offset)
        };
        if same(start) && same(end) {
            self.local_hour.set(Some((hour, offset)));
        }
        Some(instant.timestamp_millis())
    }

    /// The local calendar day of a UTC instant (ms).
    pub fn local_date(&self, utc_ms: i64) -> Option<NaiveDate> {
        let hour = utc_ms.div_euclid(HOUR_MS) * HOUR_MS;
        let offset = match self.utc_hour.get() {
            Some((cached, offset)) if cached == hour => offset,
            _ => {
                let start = DateTime::from_timestamp_millis(hour)?;
                let end = DateTime::from_timestamp_millis(hour + HOUR_MS - 1)?;
                let at = |t: DateTime<chrono::Utc>| {
                    i64::from(
                        self.tz
                            .offset_from_utc_datetime(&t.naive_utc())
                            .fix()
                            .local_minus_utc(),
                    ) * 1000
                };
                let offset = at(DateTime::from_timestamp_millis(utc_ms)?);
                if at(start) == at(end) {
                    self.utc_hour.set(Some((hour, offset)));
                }
                offset
            }
        };
        DateTime::from_timestamp_millis(utc_ms + offset).map(|t| t.date_naive())
    }
}

/// A switch's local `YYYY-MM-DD HH:MM:SS` field `name` as a UTC instant (ms); empty is
/// `None`, anything else that is not such a time in `zone` is a reason to reject.
pub fn switch_time(value: &str, name: &str, zone: &Zone) -> Result<Option<i64>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let local = parse_iso_local(value)
        .ok_or_else(|| format!("{name} is not a time (YYYY-MM-DD HH:MM:SS): {value:?}"))?;
    zone.utc_ms(local)
        .map(Some)
        .ok_or_else(|| format!("{name} {value:?} does not exist in {}", zone.name()))
}

/// `YYYY-MM-DD HH:MM:SS` (also with `T`, and with a fraction of a second), as switches
/// write it, without going through a format string.
pub fn parse_iso_local(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut value = 0u32;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(c - b'0');
        }
        Some(value)
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let mut millis = 0;
    if b.len() > 19 {
        if b[19] != b'.' || b.len() == 20 {
            return None;
        }
        let digits = &text[20..];
        if !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let padded: String = digits.chars().chain("000".chars()).take(3).collect();
        millis = padded.parse().ok()?;
    }
    date.and_hms_milli_opt(num(11..13)?, num(14..16)?, num(17..19)?, millis)
}

/// A vendor timestamp: with `format` (strftime) exactly that, else ISO-8601 with an offset
/// or `Z` (an instant), or a local `YYYY-MM-DD HH:MM[:SS]` / `YYYY/M/D H:MM[:SS]` in `zone`,
/// or a local date alone (its midnight).
pub fn parse_vendor(text: &str, format: Option<&str>, zone: &Zone) -> Option<i64> {
    let text = text.trim();
    if let Some(format) = format {
        if let Ok(instant) = DateTime::parse_from_str(text, format) {
            return Some(instant.timestamp_millis());
        }
        return NaiveDateTime::parse_from_str(text, format)
            .ok()
            .and_then(|local| zone.utc_ms(local));
    }
    if let Some(local) = parse_iso_local(text) {
        return zone.utc_ms(local);
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.timestamp_millis());
    }
    for format in ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return zone.utc_ms(local);
        }
    }
    // A date alone (an order day, a listing day) is its local midnight.
    for format in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return zone.utc_ms(day.and_time(chrono::NaiveTime::MIN));
        }
    }
    None
}

/// An instant with an offset or `Z` (Amazon Connect), in ms.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// An RFC 2822 date (Twilio: `Fri, 18 Oct 2019 17:00:00 +0000`), in ms.
pub fn parse_rfc2822(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The day `dt=` names for a local date.
pub fn partition_day(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        parse_iso_local(text).unwrap()
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_and_the_day_follows_it() {
        let zone = Zone::parse("Asia/Shanghai").unwrap();
        // 2025-06-01 07:30 in Shanghai is 2025-05-31 23:30 UTC.
        let ms = zone.utc_ms(local("2025-06-01 07:30:00")).unwrap();
        assert_eq!(
            ms,
            local("2025-05-31 23:30:00").and_utc().timestamp_millis()
        );
        assert_eq!(zone.local_date(ms).unwrap().to_string(), "2025-06-01");
        // The memo answers the same hour again.
        let again = zone.utc_ms(local("2025-06-01 07:45:10")).unwrap();
        assert_eq!(again - ms, 15 * 60_000 + 10_000);
    }

    #[test]
    fn daylight_saving_gaps_fail_and_repeated_hours_take_the_first() {
        let zone = Zone::parse("America/New_York").unwrap();
        // 2025-03-09 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
        assert_eq!(zone.utc_ms(local("2025-03-09 02:30:00")), None);
        // 2025-11-02 01:30 happens twice; the first is EDT (UTC−4): 05:30 UTC.
        let ms = zone.utc_ms(local("2025-11-02 01:30:00")).unwrap();
        assert_eq!(
            ms,
            local("2025-11-02 05:30:00").and_utc().timestamp_millis()
        );
        // After the memo saw 01:xx EDT, 01:59 of the second pass cannot be told apart; an
        // hour with a transition is never remembered, so 03:00 gets EST (UTC−5).
        let later = zone.utc_ms(local("2025-11-02 03:00:00")).unwrap();
        assert_eq!(
            later,
            local("2025-11-02 08:00:00").and_utc().timestamp_millis()
        );
    }

    #[test]
    fn local_formats() {
        assert_eq!(
            local("2025-06-01T07:30:00.25")
                .and_utc()
                .timestamp_subsec_millis(),
            250
        );
        assert!(parse_iso_local("2025-06-01 7:30:00").is_none());
        assert!(parse_iso_local("2025-02-30 07:30:00").is_none());
        let utc = Zone::parse("UTC").unwrap();
        let expect = local("2025-06-01 07:05:00").and_utc().timestamp_millis();
        assert_eq!(parse_vendor("2025/6/1 7:05", None, &utc), Some(expect));
        assert_eq!(parse_vendor("2025-06-01 07:05", None, &utc), Some(expect));
        assert_eq!(
            parse_vendor("2025-06-01T09:05:00+02:00", None, &utc),
            Some(expect)
        );
        assert_eq!(
            parse_vendor("01.06.2025 07:05", Some("%d.%m.%Y %H:%M"), &utc),
            Some(expect)
        );
        assert_eq!(parse_vendor("yesterday", None, &utc), None);
        assert_eq!(
            parse_rfc2822("Sun, 01 Jun 2025 07:05:00 +0000"),
            Some(expect)
        );
        assert_eq!(parse_rfc3339("2025-06-01T07:05:00Z"), Some(expect));
    }
}
