//! `duration_s(text)`: seconds from a duration as call exports write it: plain seconds,
//! clock form, Chinese units, `2m15s` and ISO 8601.

use datafusion::arrow::array::Float64Builder;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::args::{ArgKind, Param};
use crate::common::fold::fold_width;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Lead hygiene"),
    description = "Seconds (a DOUBLE) from a duration written as exports write talk and ring times:
- seconds: `135`, `135.5`, `135s`;
- clock form: `02:15` (minutes:seconds), `00:02:15` and `1:02:03` (hours:minutes:seconds); every part after the first is below 60;
- Chinese units: `2分15秒`, `45秒`, `3分钟`, `1小时2分3秒`, `1时5分`;
- letter units: `2m15s`, `1h2m3s`, `1H 2M` (case-insensitive), and days as `1d` or `1天`;
- ISO 8601: `PT2M15S`, `P1DT2H`.
Units appear at most once each, largest first; spaces between parts and full-width digits are accepted; only the last part may have a fraction.
NULL for a NULL input and for anything else: negative or empty durations, `1:60`, `abc`, `2分2分`.",
    syntax_example = "duration_s(text)",
    sql_example = r#"```sql
> SELECT duration_s('00:02:15'), duration_s('2分15秒'), duration_s('PT2M15S');  -- 135, 135, 135
> SELECT sum(duration_s("通话时长")) FROM export;
```"#,
    argument(
        name = "text",
        description = "The duration as exported; any string type."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DurationS;

const PARAMS: &[Param] = &[Param::column("text", ArgKind::Text)];

impl TextFunction for DurationS {
    type Output = Float64Builder;
    type Options = ();

    fn name(&self) -> &'static str {
        "duration_s"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut Float64Builder) {
        out.append_option(seconds(value));
    }
}

/// Longest text looked at: no real duration is longer.
const MAX_CHARS: usize = 40;

/// The seconds `text` stands for, or `None` when it is not a duration.
pub(crate) fn seconds(text: &str) -> Option<f64> {
    let folded: String = text
        .chars()
        .take(MAX_CHARS + 1)
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    if folded.is_empty() || folded.chars().count() > MAX_CHARS {
        return None;
    }
    let value = if let Some(iso) = folded
        .strip_prefix('P')
        .or_else(|| folded.strip_prefix('p'))
    {
        iso_8601(iso)?
    } else if folded.contains(':') {
        clock(&folded)?
    } else if let Ok(plain) = number(&folded) {
        plain
    } else {
        units(&folded)?
    };
    value.is_finite().then_some(value)
}

/// A non-negative decimal: digits with an optional fraction.
fn number(text: &str) -> Result<f64, ()> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(());
    }
    text.parse().map_err(|_| ())
}

/// `m:ss` or `h:mm:ss`; the parts after the first are below 60.
fn clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let last = parts.len() - 1;
    let mut total = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let value = if i == last {
            number(part).ok()?
        } else {
            whole(part)?
        };
        if i > 0 && value >= 60.0 {
            return None;
        }
        total = total * 60.0 + value;
    }
    Some(total)
}

fn whole(text: &str) -> Option<f64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Seconds per unit, largest first, with every spelling of each.
const UNITS: &[(f64, &[&str])] = &[
    (86_400.0, &["天", "d"]),
    (3_600.0, &["小时", "時", "时", "h"]),
    (60.0, &["分钟", "分鐘", "分", "min", "m"]),
    (1.0, &["秒钟", "秒", "sec", "s"]),
];

/// `1小时2分3秒`, `2m15s`: numbers each followed by a unit, units in descending order.
fn units(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut total = 0.0;
    let mut next_unit = 0;
    let mut fraction_seen = false;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if end == 0 || fraction_seen {
            return None;
        }
        let value = number(&rest[..end]).ok()?;
        fraction_seen = rest[..end].contains('.');
        rest = &rest[end..];
        let (index, spelling) =
            UNITS
                .iter()
                .enumerate()
                .skip(next_unit)
                .find_map(|(i, (_, names))| {
                    names
                        .iter()
                        .find(|name| rest.starts_with(*name))
                        .map(|name| (i, name.len()))
                })?;
        total += value * UNITS[index].0;
        next_unit = index + 1;
        rest = &rest[spelling..];
    }
    (next_unit > 0).then_some(total)
}

/// ISO 8601 after its `P`: `[nD][T[nH][nM][nS]]`.
fn iso_8601(text: &str) -> Option<f64> {
    let upper = text.to_ascii_uppercase();
    let (date, time) = match upper.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (upper.as_str(), None),
    };
    let mut total = 0.0;
    if !date.is_empty() {
        let days = date.strip_suffix('D')?;
        total += number(days).ok()? * 86_400.0;
    }
    if let Some(time) = time {
        let mut rest = time;
        let mut next = 0;
        let designators = [('H', 3_600.0), ('M', 60.0), ('S', 1.0)];
        while !rest.is_empty() {
            let end = rest.find(|c: char| c.is_ascii_alphabetic())?;
            let designator = rest[end..].chars().next()?;
            let index = designators
                .iter()
                .skip(next)
                .position(|(d, _)| *d == designator)?
                + next;
            total += number(&rest[..end]).ok()? * designators[index].1;
            next = index + 1;
            rest = &rest[end + 1..];
        }
    } else if date.is_empty() {
        return None;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form() {
        for (text, expected) in [
            ("135", 135.0),
            ("135.5", 135.5),
            ("135s", 135.0),
            ("02:15", 135.0),
            ("00:02:15", 135.0),
            ("1:02:03", 3723.0),
            ("2分15秒", 135.0),
            ("45秒", 45.0),
            ("3分钟", 180.0),
            ("1小时2分3秒", 3723.0),
            ("1时5分", 3900.0),
            ("2m15s", 135.0),
            ("1h2m3s", 3723.0),
            ("1H 2M", 3720.0),
            ("PT2M15S", 135.0),
            ("pt1.5s", 1.5),
            ("P1DT2H", 93_600.0),
            (" ２分１５秒 ", 135.0),
            ("0", 0.0),
            ("00:00:07.25", 7.25),
        ] {
            assert_eq!(seconds(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn everything_else_is_none() {
        for text in [
            "",
            " ",
            "abc",
            "-5",
            "1:60",
            "1:2:3:4",
            "2分2分",
            "15秒2分",
            "1.5分3秒",
            "PT",
            "P",
            "PT2S3M",
            "1e3",
            "NaN",
            "inf",
            "12:",
            ":12",
            "1h2x",
            "s",
            "分",
            "135ss",
            "１２abc",
        ] {
            assert_eq!(seconds(text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        /// A duration formatted in any supported form reads back as itself.
        #[test]
        fn a_formatted_duration_reads_back(total in 0u32..400_000, form in 0usize..6) {
            let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
            let text = match form {
                0 => total.to_string(),
                1 => format!("{h:02}:{m:02}:{s:02}"),
                2 => format!("{}:{s:02}", total / 60),
                3 => format!("{h}小时{m}分{s}秒"),
                4 => format!("{h}h{m}m{s}s"),
                _ => format!("PT{h}H{m}M{s}S"),
            };
            proptest::prop_assert_eq!(seconds(&text), Some(f64::from(total)), "{}", text);
        }
    }
}
