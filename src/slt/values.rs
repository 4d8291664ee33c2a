//! Result cells as DataFusion's sqllogictest runner prints them, so suites written for it
//! pass here unchanged: `NULL`; `true`/`false`; `(empty)` for an empty string, trailing
//! newlines dropped and NUL shown as `\0`; floats and decimals rounded to 12 decimal
//! places (a decimal to its scale) with trailing zeros removed (`2` for 2.00, `0` for
//! −0); `NaN`, `Infinity`, `-Infinity`; a dictionary as its value; everything else as
//! Arrow displays it.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Float16Type, Float32Type, Float64Type};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

/// Decimal places a float keeps.
const FLOAT_PLACES: usize = 12;

/// Every cell of `array` as text.
pub fn column(array: &ArrayRef) -> Result<Vec<String>, ArrowError> {
    (0..array.len()).map(|row| cell(array, row)).collect()
}

fn cell(array: &ArrayRef, row: usize) -> Result<String, ArrowError> {
    if array.is_null(row) {
        return Ok("NULL".into());
    }
    Ok(match array.data_type() {
        DataType::Null => "NULL".into(),
        DataType::Float16 => float(array.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => {
            // Through its own shortest text, as f32 → f64 would add digits (0.1 → 0.100000001…).
            let value = array.as_primitive::<Float32Type>().value(row);
            special(f64::from(value)).unwrap_or_else(|| rounded(&value.to_string(), FLOAT_PLACES))
        }
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal32(_, scale)
        | DataType::Decimal64(_, scale)
        | DataType::Decimal128(_, scale)
        | DataType::Decimal256(_, scale) => {
            let text = displayed(array, row)?;
            rounded(&text, usize::try_from(*scale).unwrap_or(0))
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => text(&displayed(array, row)?),
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let key = dictionary.normalized_keys().get(row).copied().unwrap_or(0);
            return cell(dictionary.values(), key);
        }
        _ => displayed(array, row)?,
    })
}

/// As DataFusion's own display options show it (durations as `1 days 2 hours …`).
fn displayed(array: &ArrayRef, row: usize) -> Result<String, ArrowError> {
    let options = datafusion::config::FormatOptions {
        null: "NULL".into(),
        ..Default::default()
    };
    let options: FormatOptions = (&options).try_into()?;
    Ok(ArrayFormatter::try_new(array.as_ref(), &options)?
        .value(row)
        .to_string())
}

fn text(value: &str) -> String {
    if value.is_empty() {
        return "(empty)".into();
    }
    value.trim_end_matches('\n').replace('\u{0}', "\\0")
}

/// A float as DataFusion's runner prints it.
pub fn float(value: f64) -> String {
    special(value).unwrap_or_else(|| rounded(&value.to_string(), FLOAT_PLACES))
}

fn special(value: f64) -> Option<String> {
    if value.is_nan() {
        Some("NaN".into())
    } else if value == f64::INFINITY {
        Some("Infinity".into())
    } else if value == f64::NEG_INFINITY {
        Some("-Infinity".into())
    } else {
        None
    }
}

/// A plain decimal number (`-12.3450`) rounded half to even to `places` decimal places,
/// trailing zeros and a lone sign of zero removed.
fn rounded(number: &str, places: usize) -> String {
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return number.to_string();
    }
    let mut kept: Vec<u8> = whole.bytes().chain(fraction.bytes().take(places)).collect();
    let dropped = fraction.as_bytes().get(places..).unwrap_or_default();
    let round_up = match dropped.first() {
        Some(b'6'..=b'9') => true,
        Some(b'5') => {
            dropped.iter().skip(1).any(|&b| b != b'0')
                || kept.last().is_some_and(|&last| (last - b'0') % 2 == 1)
        }
        _ => false,
    };
    if round_up {
        let mut carry = true;
        for digit in kept.iter_mut().rev() {
            if *digit == b'9' {
                *digit = b'0';
            } else {
                *digit += 1;
                carry = false;
                break;
            }
        }
        if carry {
            kept.insert(0, b'1');
        }
    }
    let fraction_len = fraction.len().min(places);
    let split = kept.len() - fraction_len;
    let whole_text = String::from_utf8_lossy(&kept[..split])
        .trim_start_matches('0')
        .to_string();
    let fraction_text = String::from_utf8_lossy(&kept[split..])
        .trim_end_matches('0')
        .to_string();
    let whole_text = if whole_text.is_empty() {
        "0".to_string()
    } else {
        whole_text
    };
    let magnitude = if fraction_text.is_empty() {
        whole_text
    } else {
        format!("{whole_text}.{fraction_text}")
    };
    if negative && magnitude != "0" {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Decimal128Array, Float32Array, StringArray};

    use super::*;

    #[test]
    fn floats_round_to_twelve_places() {
        assert_eq!(float(0.1 + 0.2), "0.3");
        assert_eq!(float(1.0 / 3.0), "0.333333333333");
        assert_eq!(float(2.0 / 3.0), "0.666666666667");
        assert_eq!(float(2.0), "2");
        assert_eq!(float(-0.0), "0");
        assert_eq!(float(-2.5), "-2.5");
        assert_eq!(float(1e-15), "0");
        assert_eq!(float(-1e-15), "0");
        assert_eq!(float(123_456_789.123_456_78), "123456789.12345678");
        assert_eq!(float(0.999_999_999_999_9), "1");
        assert_eq!(float(1e21), "1000000000000000000000");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(f64::NEG_INFINITY), "-Infinity");
        // Half to even at the twelfth place.
        assert_eq!(rounded("0.0000000000125", 12), "0.000000000012");
        assert_eq!(rounded("0.0000000000135", 12), "0.000000000014");
        assert_eq!(rounded("0.00000000001251", 12), "0.000000000013");
    }

    #[test]
    fn decimals_drop_trailing_zeros_and_other_cells_follow_datafusion() {
        let decimals: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(200), Some(-5), Some(0), Some(12_345), None])
                .with_precision_and_scale(22, 2)
                .unwrap(),
        );
        assert_eq!(
            column(&decimals).unwrap(),
            ["2", "-0.05", "0", "123.45", "NULL"]
        );
        let floats: ArrayRef = Arc::new(Float32Array::from(vec![0.1f32, 1.5]));
        assert_eq!(column(&floats).unwrap(), ["0.1", "1.5"]);
        let texts: ArrayRef = Arc::new(StringArray::from(vec![
            Some(""),
            Some("a\n"),
            Some("x\u{0}"),
            None,
        ]));
        assert_eq!(column(&texts).unwrap(), ["(empty)", "a", "x\\0", "NULL"]);
    }
}
