//! `mask_phone(phone)`: a number with its middle digits starred, for sharing results
//! without personal data.

use datafusion::arrow::array::StringBuilder;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{Cleaned, PHONE, cn_mobile};
use crate::common::args::Param;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Lead hygiene"),
    description = "The number with its middle digits replaced by `*`, for sharing results without personal data: `138****5678`.
A mainland mobile number (cleaned as is_valid_cn_mobile cleans it, country code dropped) keeps its first 3 and last 4 digits. Any other number of n digits (spaces and dashes removed, a leading + kept) keeps the first 3 and last 4 when n ≥ 11, only the last 4 when 8 ≤ n ≤ 10, and nothing when n < 8. So no more than 3 + 4 digits are ever shown, and at least 4 are always hidden.
NULL when the input is NULL or is not a number (letters or other characters besides digits, spaces, dashes and a leading +).",
    syntax_example = "mask_phone(phone)",
    sql_example = r#"```sql
> SELECT mask_phone('+86 138-1234-5678');  -- 138****5678
> SELECT mask_phone(callee_number) AS callee, count(*) AS attempts FROM calls GROUP BY 1 ORDER BY 2 DESC LIMIT 10;
```"#,
    argument(name = "phone", description = "The number as stored; any string type.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct MaskPhone;

impl TextFunction for MaskPhone {
    type Output = StringBuilder;
    type Options = ();

    fn name(&self) -> &'static str {
        "mask_phone"
    }

    fn params(&self) -> &'static [Param] {
        PHONE
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut StringBuilder) {
        out.append_option(mask(value));
    }
}

fn mask(value: &str) -> Option<String> {
    if let Some(digits) = cn_mobile(value) {
        return Some(masked_digits(&digits));
    }
    let cleaned = Cleaned::new(value)?;
    let bytes = cleaned.as_bytes();
    let (plus, digits) = match bytes.strip_prefix(b"+") {
        Some(rest) => ("+", rest),
        None => ("", bytes),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(format!("{plus}{}", masked_digits(digits)))
}

/// `digits` with all but the shown head and tail starred.
fn masked_digits(digits: &[u8]) -> String {
    let n = digits.len();
    let (head, tail) = match n {
        11.. => (3, 4),
        8..=10 => (0, 4),
        _ => (0, 0),
    };
    digits
        .iter()
        .enumerate()
        .map(|(i, &digit)| {
            if i < head || i >= n - tail {
                char::from(digit)
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_keep_three_and_four_digits() {
        assert_eq!(mask("13812345678").as_deref(), Some("138****5678"));
        assert_eq!(mask("+86 138-1234-5678").as_deref(), Some("138****5678"));
        assert_eq!(
            mask("１３８１２３４５６７８").as_deref(),
            Some("138****5678")
        );
    }

    #[test]
    fn other_numbers_show_less_the_shorter_they_are() {
        assert_eq!(mask("010-62345678").as_deref(), Some("010****5678"));
        assert_eq!(mask("+44 20 7946 0958").as_deref(), Some("+442*****0958"));
        assert_eq!(mask("62345678").as_deref(), Some("****5678"));
        assert_eq!(mask("1381234567").as_deref(), Some("******4567"));
        assert_eq!(mask("1234567").as_deref(), Some("*******"));
    }

    #[test]
    fn non_numbers_are_null() {
        for value in ["", "+", "1381234abcd", "n/a", "138 1234 5678 ext. 9"] {
            assert_eq!(mask(value), None, "{value:?}");
        }
    }

    #[test]
    fn never_more_than_seven_digits_shown_and_at_least_four_hidden() {
        for n in 1..=crate::hygiene::MAX_CHARS {
            let number: String = (0..n).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
            let masked = mask(&number).unwrap();
            let shown = masked.chars().filter(char::is_ascii_digit).count();
            assert!(shown <= 7 && n - shown >= 4.min(n), "{number} -> {masked}");
        }
    }
}
