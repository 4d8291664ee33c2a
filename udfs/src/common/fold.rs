//! Width folding: ASR engines and CRM exports mix full-width forms (`１３８`, `ＶＩＰ`, `－`)
//! with their ASCII twins, and a match must not depend on which one was typed.

/// The ASCII twin of a full-width form (U+FF01–U+FF5E) and of the ideographic space
/// (U+3000); any other character unchanged.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether `fold_width` changes any character of `text`, or `text` has an ASCII capital
/// (which case-insensitive matching lowers).
pub(crate) fn needs_folding(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_uppercase() || fold_width(c) != c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_forms_fold_to_ascii() {
        let folded: String = "１３８－１２３４　ＡＢｃ％"
            .chars()
            .map(fold_width)
            .collect();
        assert_eq!(folded, "138-1234 ABc%");
        assert!(needs_folding("１"));
        assert!(needs_folding("VIP"));
        assert!(!needs_folding("保证收益 100% vip"));
    }

    #[test]
    fn other_characters_are_unchanged() {
        for c in ['a', '保', '\u{FF00}', '\u{FF5F}', '。', '、'] {
            assert_eq!(fold_width(c), c);
        }
    }
}
