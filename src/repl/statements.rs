//! Where statements end: at a `;` outside quotes and comments, so a statement may span
//! lines and a line may hold several.

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    SingleQuoted,
    DoubleQuoted,
    LineComment,
    BlockComment,
}

/// The byte offset just past the last `;` that ends a statement in `text`, if any.
fn last_terminator(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut state = State::Code;
    let mut last = None;
    let mut i = 0;
    while i < bytes.len() {
        let next = bytes.get(i + 1).copied();
        match (state, bytes[i]) {
            (State::Code, b';') => last = Some(i + 1),
            (State::Code, b'\'') => state = State::SingleQuoted,
            (State::Code, b'"') => state = State::DoubleQuoted,
            (State::Code, b'-') if next == Some(b'-') => state = State::LineComment,
            (State::Code, b'/') if next == Some(b'*') => {
                state = State::BlockComment;
                i += 1;
            }
            // A doubled quote inside a literal is an escaped quote: both toggles cancel.
            (State::SingleQuoted, b'\'') => state = State::Code,
            (State::DoubleQuoted, b'"') => state = State::Code,
            (State::LineComment, b'\n') => state = State::Code,
            (State::BlockComment, b'*') if next == Some(b'/') => {
                state = State::Code;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    last
}

/// Splits the complete statements off the front of `buffer`: `(statements, rest)`, or
/// `None` while no statement is complete.
pub fn take_complete(buffer: &str) -> Option<(String, String)> {
    let end = last_terminator(buffer)?;
    Some((
        buffer[..end].to_string(),
        buffer[end..].trim_start().to_string(),
    ))
}

/// True when `text` holds nothing but whitespace and comments.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|line| line.is_empty() || line.starts_with("--"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_ends_at_a_semicolon_in_code_only() {
        assert_eq!(take_complete("SELECT 1"), None);
        assert_eq!(
            take_complete("SELECT 1;\n"),
            Some(("SELECT 1;".into(), String::new()))
        );
        assert_eq!(take_complete("SELECT ';'"), None);
        assert_eq!(take_complete("SELECT 'it''s;'"), None);
        assert_eq!(take_complete("SELECT \"a;b\" FROM t"), None);
        assert_eq!(take_complete("SELECT 1 -- done;\n"), None);
        assert_eq!(take_complete("SELECT 1 /* ; */"), None);
        assert_eq!(
            take_complete("SELECT 1; SELECT 2; SELECT"),
            Some(("SELECT 1; SELECT 2;".into(), "SELECT".into()))
        );
    }

    #[test]
    fn comments_alone_are_blank() {
        assert!(is_blank("  \n-- note\n"));
        assert!(!is_blank("SELECT"));
    }
}
