//! `normalize_phone(phone [, region])`: a stored number in E.164 form, validated by
//! libphonenumber's metadata (the `phonenumber` crate).

use std::fmt::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use datafusion::arrow::array::StringBuilder;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;
use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

use super::cn_mobile;
use crate::common::args::{ArgKind, Param};
use crate::common::constants::text_constant;
use crate::common::fold::fold_width;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Lead hygiene"),
    description = "The number in E.164 form (`+8613812345678`), or NULL when it is not a valid number.
Parsing and validation are libphonenumber's (the `phonenumber` crate, Google's metadata): spaces, dashes, dots, brackets, `+` and `00` international prefixes are understood, numbers without a country code are read as numbers of region, and a number is valid only if it matches the numbering plan of its country (landlines included: `010-62345678` → `+861062345678`). Full-width characters are folded to ASCII first.
NULL when the input is NULL, contains letters (no vanity-number mapping: `1381234abcd` is not a number), or is not a valid number. region is a constant ISO 3166 two-letter code (default 'CN'); an unknown region is an error.",
    syntax_example = "normalize_phone(phone [, region])",
    sql_example = r#"```sql
> SELECT normalize_phone('0086-138 1234 5678');  -- +8613812345678
> SELECT normalize_phone('020 7946 0958', 'GB');  -- +442079460958
> SELECT c.call_id FROM calls c JOIN dnc d ON normalize_phone(c.callee_number) = normalize_phone(d.phone);
```"#,
    argument(name = "phone", description = "The number as stored; any string type."),
    argument(
        name = "region",
        description = "Region for numbers written without a country code: an ISO 3166 two-letter code, default 'CN'."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct NormalizePhone;

const PARAMS: &[Param] = &[
    Param::column("phone", ArgKind::Text),
    Param::optional_constant("region", ArgKind::Text),
];

impl TextFunction for NormalizePhone {
    type Output = StringBuilder;
    type Options = Region;

    fn name(&self) -> &'static str {
        "normalize_phone"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn options(&self, constants: &[Option<&ScalarValue>]) -> Result<Region> {
        let region = text_constant(
            self.name(),
            "region",
            constants.first().copied().flatten(),
            "CN",
        )?;
        match region.to_ascii_uppercase().parse::<Id>() {
            Ok(id) => Ok(Region(id)),
            Err(_) => plan_err!(
                "normalize_phone: unknown region '{region}'; expected an ISO 3166 two-letter code such as 'CN'"
            ),
        }
    }

    fn evaluate(&self, region: &Region, value: &str, out: &mut StringBuilder) {
        let Region(region) = *region;
        if region == Id::CN
            && let Some(digits) = cn_mobile(value)
        {
            // Eleven ASCII digits: valid UTF-8.
            let digits = std::str::from_utf8(&digits).unwrap_or_default();
            if mobile_block_is_valid(digits) {
                // Writing into the builder completes its pending value; cannot fail.
                let _ = write!(out, "+86{digits}");
                out.append_value("");
            } else {
                out.append_null();
            }
            return;
        }
        out.append_option(
            parse(region, value).map(|number| number.format().mode(Mode::E164).to_string()),
        );
    }
}

/// The region of numbers written without a country code.
pub(crate) struct Region(Id);

impl Default for Region {
    fn default() -> Self {
        Region(Id::CN)
    }
}

/// The number, parsed and validated by libphonenumber.
fn parse(region: Id, value: &str) -> Option<PhoneNumber> {
    let folded: String = value.chars().map(fold_width).collect();
    if folded.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let number = phonenumber::parse(Some(region), folded).ok()?;
    number.is_valid().then_some(number)
}

/// Whether libphonenumber accepts an eleven-digit mainland number starting 13–19.
///
/// Parsing costs about 10 µs a number, and nearly every stored number is a mainland mobile
/// in one of the forms `is_valid_cn_mobile` cleans (libphonenumber reads those forms the
/// same way). Mainland mobile patterns are decided by the first
/// five digits (the longest is `1740[0-5]\d{6}`) and no other CN number type has eleven
/// digits starting 13–19, so libphonenumber's answer for the block's first number is its
/// answer for the whole block; it is asked once per block and remembered.
fn mobile_block_is_valid(digits: &str) -> bool {
    const UNKNOWN: u8 = 0;
    const VALID: u8 = 1;
    const INVALID: u8 = 2;
    static BLOCKS: [AtomicU8; 70_000] = [const { AtomicU8::new(UNKNOWN) }; 70_000];
    let block = digits.as_bytes()[..5].iter().fold(0usize, |block, &digit| {
        block * 10 + usize::from(digit - b'0')
    });
    let slot = &BLOCKS[block - 10_000];
    match slot.load(Ordering::Relaxed) {
        VALID => true,
        INVALID => false,
        _ => {
            let first = format!("{}000000", &digits[..5]);
            let valid = parse(Id::CN, &first).is_some();
            slot.store(if valid { VALID } else { INVALID }, Ordering::Relaxed);
            valid
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Array;

    use super::*;

    fn normalize(value: &str, region: Id) -> Option<String> {
        let mut out = StringBuilder::new();
        NormalizePhone.evaluate(&Region(region), value, &mut out);
        let array = out.finish();
        array.is_valid(0).then(|| array.value(0).to_string())
    }

    #[test]
    fn stored_forms_of_one_mobile_agree() {
        for stored in [
            "13812345678",
            "+86 138 1234 5678",
            "0086-13812345678",
            "8613812345678",
            "138-1234-5678",
            " 13812345678 ",
            "１３８１２３４５６７８",
            "(+86) 138.1234.5678",
        ] {
            assert_eq!(
                normalize(stored, Id::CN).as_deref(),
                Some("+8613812345678"),
                "{stored:?}"
            );
        }
    }

    #[test]
    fn landlines_and_other_regions() {
        assert_eq!(
            normalize("010-62345678", Id::CN).as_deref(),
            Some("+861062345678")
        );
        assert_eq!(
            normalize("020 7946 0958", Id::GB).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalize("+44 20 7946 0958", Id::CN).as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn invalid_numbers_are_null() {
        for stored in [
            "",
            "abc",
            "1381234567",
            "1381234abcd",
            "12812345678",
            "14012345678",
            "1-800-FLOWERS",
        ] {
            assert_eq!(normalize(stored, Id::CN), None, "{stored:?}");
        }
    }

    /// The per-block memo gives libphonenumber's own answer, number by number, in clean
    /// and prefixed forms.
    #[test]
    fn block_memo_agrees_with_parsing_every_number() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..1000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let number = format!("1{}{:09}", 3 + state % 7, (state >> 8) % 1_000_000_000);
            let direct = parse(Id::CN, &number).map(|n| n.format().mode(Mode::E164).to_string());
            for stored in [
                number.clone(),
                format!("+86 {number}"),
                format!("0086-{number}"),
            ] {
                let parsed =
                    parse(Id::CN, &stored).map(|n| n.format().mode(Mode::E164).to_string());
                assert_eq!(parsed, direct, "{stored}");
                assert_eq!(normalize(&stored, Id::CN), direct, "{stored}");
            }
        }
    }
}
