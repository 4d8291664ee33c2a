//! Lead hygiene: validating, normalising, classifying and masking callee numbers as CRM
//! exports store them (spaces, dashes, country codes, full-width digits), and reading the
//! durations exports write (`00:02:15`, `2分15秒`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::common::args::{ArgKind, Param};
use crate::common::fold::fold_width;
use crate::common::text::text;

mod carriers;
mod duration_s;
mod is_valid_cn_mobile;
mod mask_phone;
mod normalize_phone;
mod phone_carrier;

/// The one parameter of the single-argument phone functions.
const PHONE: &[Param] = &[Param::column("phone", ArgKind::Text)];

pub(crate) fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        text(is_valid_cn_mobile::IsValidCnMobile),
        text(normalize_phone::NormalizePhone),
        text(phone_carrier::PhoneCarrier),
        text(mask_phone::MaskPhone),
        text(duration_s::DurationS),
    ]
}

/// Longest cleaned number we look at; anything longer is not a phone number.
const MAX_CHARS: usize = 24;

/// A number with width folded and spaces and dashes removed, as ASCII bytes; None when it
/// holds other non-ASCII characters or is implausibly long.
struct Cleaned {
    bytes: [u8; MAX_CHARS],
    len: usize,
}

impl Cleaned {
    fn new(value: &str) -> Option<Self> {
        let mut cleaned = Cleaned {
            bytes: [0; MAX_CHARS],
            len: 0,
        };
        for c in value.chars().map(fold_width) {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            if !c.is_ascii() || cleaned.len == MAX_CHARS {
                return None;
            }
            cleaned.bytes[cleaned.len] = c as u8;
            cleaned.len += 1;
        }
        Some(cleaned)
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The number without a leading `+86`, `0086` or `86`.
    fn national(&self) -> &[u8] {
        let bytes = self.as_bytes();
        ["+86", "0086", "86"]
            .iter()
            .find_map(|prefix| bytes.strip_prefix(prefix.as_bytes()))
            .unwrap_or(bytes)
    }
}

/// The eleven digits of a mainland mobile number: spaces and dashes removed, then a
/// `+86`, `0086` or `86` prefix, and what is left must match `^1[3-9]\d{9}$`.
fn cn_mobile(value: &str) -> Option<[u8; 11]> {
    let cleaned = Cleaned::new(value)?;
    let digits: [u8; 11] = cleaned.national().try_into().ok()?;
    let valid = digits[0] == b'1'
        && (b'3'..=b'9').contains(&digits[1])
        && digits.iter().all(u8::is_ascii_digit);
    valid.then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_every_stored_form() {
        for stored in [
            "13812345678",
            "+86 138 1234 5678",
            "0086-13812345678",
            "8613812345678",
            "138-1234-5678",
            " 13812345678 ",
            "１３８１２３４５６７８",
            "＋８６　１３８－１２３４－５６７８",
        ] {
            assert_eq!(cn_mobile(stored), Some(*b"13812345678"), "{stored:?}");
        }
    }

    #[test]
    fn everything_else_is_not_a_mobile() {
        for stored in [
            "",
            "010-62345678",
            "1381234567",
            "138123456789",
            "1381234abcd",
            "12812345678",
            "+44 20 7946 0958",
            "(138)12345678",
            "138.1234.5678",
            "+8686 13812345678",
            "13812345678 ext 1",
            "一三八一二三四五六七八",
        ] {
            assert_eq!(cn_mobile(stored), None, "{stored:?}");
        }
    }
}
