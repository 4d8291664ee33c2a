//! Which operator a mainland mobile number block was allocated to.
//!
//! Source: the mobile network number blocks (移动网号段) the Ministry of Industry and
//! Information Technology (工业和信息化部) has allocated to China Mobile, China Unicom,
//! China Telecom and China Broadnet, and to the virtual operators (移动转售, blocks 162,
//! 165, 167, 170 and 171), as of 2024. Data-only and IoT blocks (14x, 172) are included
//! under their operator. This is the only place the allocation lives; update it here when
//! MIIT allocates new blocks.
//!
//! A block says who the number was issued by, not who serves it now: numbers can be
//! ported between operators (携号转网, nationwide since November 2019).

pub(crate) const CHINA_MOBILE: &str = "China Mobile";
pub(crate) const CHINA_UNICOM: &str = "China Unicom";
pub(crate) const CHINA_TELECOM: &str = "China Telecom";
pub(crate) const CHINA_BROADNET: &str = "China Broadnet";
pub(crate) const VIRTUAL_OPERATOR: &str = "Virtual operator";

/// The operator a mobile number's block was allocated to; None for unallocated blocks.
pub(crate) fn carrier(digits: &[u8; 11]) -> Option<&'static str> {
    let digit = |i: usize| u16::from(digits[i] - b'0');
    let block = digit(0) * 100 + digit(1) * 10 + digit(2);
    let fourth = digit(3);
    Some(match block {
        // 1349: the satellite block, formerly China Satcom's, now China Telecom's.
        134 if fourth == 9 => CHINA_TELECOM,
        134..=139
        | 147
        | 148
        | 150..=152
        | 157..=159
        | 172
        | 178
        | 182..=184
        | 187
        | 188
        | 195
        | 197
        | 198 => CHINA_MOBILE,
        130..=132 | 145 | 146 | 155 | 156 | 166 | 175 | 176 | 185 | 186 | 196 => CHINA_UNICOM,
        133 | 149 | 153 | 173 | 177 | 180 | 181 | 189..=191 | 193 | 199 => CHINA_TELECOM,
        // 1740[0-5]: China Telecom's satellite numbers; the rest of 174 is not for the public.
        174 if fourth == 0 && digit(4) <= 5 => CHINA_TELECOM,
        192 => CHINA_BROADNET,
        162 | 165 | 167 | 170 | 171 => VIRTUAL_OPERATOR,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(number: &str) -> Option<&'static str> {
        carrier(number.as_bytes().try_into().unwrap())
    }

    #[test]
    fn one_block_of_each_operator() {
        assert_eq!(of("13812345678"), Some(CHINA_MOBILE));
        assert_eq!(of("18612345678"), Some(CHINA_UNICOM));
        assert_eq!(of("18912345678"), Some(CHINA_TELECOM));
        assert_eq!(of("19212345678"), Some(CHINA_BROADNET));
        assert_eq!(of("17012345678"), Some(VIRTUAL_OPERATOR));
    }

    #[test]
    fn four_digit_blocks_override_their_three_digit_block() {
        assert_eq!(of("13481234567"), Some(CHINA_MOBILE));
        assert_eq!(of("13491234567"), Some(CHINA_TELECOM));
        assert_eq!(of("17405123456"), Some(CHINA_TELECOM));
        assert_eq!(of("17406123456"), None);
        assert_eq!(of("17412345678"), None);
    }

    #[test]
    fn unallocated_blocks_have_no_operator() {
        for number in ["14012345678", "15412345678", "16012345678", "19412345678"] {
            assert_eq!(of(number), None, "{number}");
        }
    }
}
