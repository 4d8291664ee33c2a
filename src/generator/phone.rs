//! Customers' phone numbers, as a pure function of the seed and the customer, so the
//! customers table, the calls and the DNC list agree without sharing state.
//!
//! About 3 % are stored dirty the way CRM exports are: country codes, spaces, dashes,
//! too short, a landline, letters, an impossible prefix.

use std::fmt::Write;

use serde::Serialize;

use super::mix;
use super::model::DIRTY_PHONE_SHARE;

/// Real mainland mobile prefixes across China Mobile, China Unicom, China Telecom,
/// China Broadnet and the virtual operators' 170/171 ranges.
const MOBILE_PREFIXES: [u64; 32] = [
    134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 187, 188, 198, 130,
    131, 132, 155, 156, 166, 185, 186, 133, 153, 180, 189, 199, 192,
];

/// How a customer's number is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Clean,
    /// `+86 138 1234 5678`
    Plus86Spaced,
    /// `0086-13812345678`
    ZeroZero86Dashed,
    /// `8613812345678`
    Prefixed86,
    /// `138-1234-5678`
    Dashed,
    /// ` 13812345678 `
    Padded,
    /// `010-62345678`: a real number, but not a mobile.
    Landline,
    /// Ten digits.
    TooShort,
    /// `1381234abcd`
    Letters,
    /// `12812345678`: no mobile range starts with 12.
    BadPrefix,
}

const DIRTY_KINDS: [PhoneKind; 9] = [
    PhoneKind::Plus86Spaced,
    PhoneKind::ZeroZero86Dashed,
    PhoneKind::Prefixed86,
    PhoneKind::Dashed,
    PhoneKind::Padded,
    PhoneKind::Landline,
    PhoneKind::TooShort,
    PhoneKind::Letters,
    PhoneKind::BadPrefix,
];

impl PhoneKind {
    /// The switch rejects these at once (`invalid_number`); everything else rings.
    pub fn is_dialable(self) -> bool {
        !matches!(
            self,
            PhoneKind::TooShort | PhoneKind::Letters | PhoneKind::BadPrefix
        )
    }
}

/// The storage kind of a customer's number.
pub fn phone_kind(seed: u64, customer: u32) -> PhoneKind {
    let h = mix(seed ^ 0x0b0e_5eed, u64::from(customer));
    let unit = (h >> 11) as f64 / (1u64 << 53) as f64;
    if unit >= DIRTY_PHONE_SHARE {
        return PhoneKind::Clean;
    }
    DIRTY_KINDS[(h % DIRTY_KINDS.len() as u64) as usize]
}

/// The customer's eleven-digit mobile number (what a clean record would hold).
pub fn mobile_number(seed: u64, customer: u32) -> u64 {
    let h = mix(seed ^ 0x09e0_e1e5, u64::from(customer));
    let prefix = MOBILE_PREFIXES[(h % MOBILE_PREFIXES.len() as u64) as usize];
    prefix * 100_000_000 + (h >> 20) % 100_000_000
}

/// Appends the customer's number as stored in the CRM (and so as dialled) to `out`.
pub fn write_stored_phone(seed: u64, customer: u32, out: &mut String) {
    let number = mobile_number(seed, customer);
    let (head, mid, tail) = (
        number / 100_000_000,
        number / 10_000 % 10_000,
        number % 10_000,
    );
    // Writing to a String cannot fail.
    let _ = match phone_kind(seed, customer) {
        PhoneKind::Clean => write!(out, "{number}"),
        PhoneKind::Plus86Spaced => write!(out, "+86 {head} {mid:04} {tail:04}"),
        PhoneKind::ZeroZero86Dashed => write!(out, "0086-{number}"),
        PhoneKind::Prefixed86 => write!(out, "86{number}"),
        PhoneKind::Dashed => write!(out, "{head}-{mid:04}-{tail:04}"),
        PhoneKind::Padded => write!(out, " {number} "),
        PhoneKind::Landline => write!(out, "010-6{:07}", number % 10_000_000),
        PhoneKind::TooShort => write!(out, "{}", number / 10),
        PhoneKind::Letters => write!(out, "{head}{mid:04}abcd"),
        PhoneKind::BadPrefix => write!(out, "12{:09}", number % 1_000_000_000),
    };
}

/// The number as a DNC list keeps it: eleven digits, no formatting.
pub fn dnc_phone(seed: u64, customer: u32) -> String {
    mobile_number(seed, customer).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_three_percent_are_dirty_and_every_kind_occurs() {
        let mut dirty = 0;
        let mut kinds = std::collections::BTreeSet::new();
        for customer in 0..100_000 {
            let kind = phone_kind(7, customer);
            if kind != PhoneKind::Clean {
                dirty += 1;
                kinds.insert(kind);
            }
        }
        assert!(
            (2_700..3_300).contains(&dirty),
            "{dirty} dirty numbers in 100k"
        );
        assert_eq!(kinds.len(), DIRTY_KINDS.len());
    }

    #[test]
    fn clean_numbers_are_eleven_digit_mobiles() {
        for customer in 0..1_000 {
            let mut phone = String::new();
            if phone_kind(1, customer) == PhoneKind::Clean {
                write_stored_phone(1, customer, &mut phone);
                assert_eq!(phone.len(), 11);
                assert!(phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit()));
                assert!(phone.as_bytes()[1] >= b'3');
            }
        }
    }
}
