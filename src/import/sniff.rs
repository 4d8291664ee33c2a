//! What an input's first bytes say it is, so an input given with the wrong `--from` stops
//! with one line naming the likely format instead of rejecting every record.

use super::FormatName;

/// Records read, all rejected, before an input counts as being in another format.
pub const FIRST_RECORDS: u64 = 20;

/// What `head` (an input's first bytes) most likely is, as advice for the user.
pub fn likely(head: &[u8]) -> Option<(&'static str, Option<FormatName>)> {
    if head.starts_with(b"PAR1") {
        return Some(("a Parquet file (query it with --data, not import)", None));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some((
            "an XLSX workbook (import it with --from mapped and format = \"xlsx\")",
            Some(FormatName::Mapped),
        ));
    }
    if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some((
            "compressed data (name the file .gz or .zst so it is decompressed)",
            None,
        ));
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let first_line = text.lines().next().unwrap_or_default();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if text.contains("\"ContactId\"") {
            return Some(("Amazon Connect contact records", Some(FormatName::Connect)));
        }
        if text.contains("\"sid\"") && text.contains("\"calls\"") {
            return Some(("a Twilio Calls page", Some(FormatName::Twilio)));
        }
        return Some((
            "JSON (import it with --from mapped and format = \"jsonl\")",
            Some(FormatName::Mapped),
        ));
    }
    if first_line.contains("lead_id") || first_line.contains("call_date") {
        return Some(("a VICIdial call report", Some(FormatName::Vicidial)));
    }
    if !first_line.is_ascii() {
        return Some((
            "a vendor export with a header (describe it with --from mapped --mapping FILE.toml)",
            Some(FormatName::Mapped),
        ));
    }
    let quoted_upper = |words: &[&str]| {
        words
            .iter()
            .any(|w| first_line.contains(&format!("\"{w}\"")))
    };
    if quoted_upper(&[
        "NORMAL_CLEARING",
        "NO_ANSWER",
        "USER_BUSY",
        "ORIGINATOR_CANCEL",
    ]) {
        return Some(("FreeSWITCH CDRs", Some(FormatName::Freeswitch)));
    }
    if quoted_upper(&["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"]) {
        return Some(("Asterisk CDRs", Some(FormatName::Asterisk)));
    }
    None
}

/// The error for an input none of whose first records `format` could read, when its
/// first bytes say it is something else; `None` when they do not.
pub fn wrong_format(format: FormatName, head: &[u8]) -> Option<String> {
    let (what, likely) = likely(head)?;
    if likely == Some(format) {
        return None;
    }
    let binary = head.iter().take(512).any(|b| *b == 0) || likely.is_none();
    let first_line = if binary {
        String::new()
    } else {
        let line: String = String::from_utf8_lossy(&head[..head.len().min(4096)])
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control() && *c != '\u{feff}')
            .take(60)
            .collect();
        format!(", its first line is {line:?}")
    };
    let advice = match likely {
        Some(other) => format!("; try --from {}", other.name()),
        None => String::new(),
    };
    Some(format!(
        "it is not {} input (none of its first records could be read{first_line}): it looks like {what}{advice}",
        format.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_apart() {
        let name = |head: &[u8]| likely(head).and_then(|(_, f)| f).map(FormatName::name);
        assert_eq!(name(b"PK\x03\x04rest"), Some("mapped"));
        assert_eq!(name(b"{\"ContactId\": \"x\"}"), Some("connect"));
        assert_eq!(name("任务名称,客户号码\n".as_bytes()), Some("mapped"));
        assert_eq!(name(b"call_date,phone_number,status\n"), Some("vicidial"));
        assert_eq!(
            name(b"\"\",\"100\",\"200\",\"default\",\"\",\"SIP/1\",\"\",\"Dial\",\"\",\"2025-06-01 10:00:00\",\"\",\"2025-06-01 10:00:10\",10,0,\"NO ANSWER\",\"DOCUMENTATION\"\n"),
            Some("asterisk")
        );
        assert!(
            likely(b"PAR1....").is_some_and(|(what, f)| f.is_none() && what.contains("Parquet"))
        );
        assert_eq!(likely(b"a,b,c\n1,2,3\n"), None);
    }

    #[test]
    fn the_chosen_format_is_never_called_wrong() {
        assert_eq!(
            wrong_format(FormatName::Connect, b"{\"ContactId\": 1}"),
            None
        );
        let message = wrong_format(FormatName::Asterisk, "任务名称,客户号码\n".as_bytes()).unwrap();
        assert!(
            message.contains("--from mapped") && message.contains("任务名称"),
            "{message}"
        );
    }
}
