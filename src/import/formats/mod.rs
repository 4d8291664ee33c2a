//! The formats `import` reads, each in its own module with its mapping table (source value
//! → canonical disposition) in one place, which the parser uses and `--explain` prints.

pub mod asterisk;
pub mod connect;
pub mod freeswitch;
pub mod mapped;
pub mod twilio;
pub mod vicidial;

use std::io::Read;

use anyhow::Result;
use serde::Serialize;

use super::{FormatName, Records, Source};
use crate::import::Disposition;

pub fn read(
    format: FormatName,
    input: Box<dyn Read + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    match format {
        FormatName::Asterisk => asterisk::read(input, source, records),
        FormatName::Freeswitch => freeswitch::read(input, source, records),
        FormatName::Vicidial => vicidial::read(input, source, records),
        FormatName::Connect => connect::read(input, source, records),
        FormatName::Twilio => twilio::read(input, source, records),
        FormatName::Mapped => mapped::read(input, source, records),
    }
}

/// One line of a format's mapping table.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The field the value is read from.
    pub field: String,
    pub value: String,
    pub disposition: String,
    pub note: String,
}

/// A mapping table entry: source value, canonical disposition, why.
pub type Rule = (&'static str, Disposition, &'static str);

pub fn explain(format: FormatName, mapping: Option<&crate::import::Mapping>) -> Vec<Explanation> {
    let table = |field: &str, rules: &[Rule]| -> Vec<Explanation> {
        rules
            .iter()
            .map(|(value, disposition, note)| Explanation {
                field: field.to_string(),
                value: (*value).to_string(),
                disposition: disposition.name().to_string(),
                note: (*note).to_string(),
            })
            .collect()
    };
    match format {
        FormatName::Asterisk => table("disposition", asterisk::DISPOSITIONS),
        FormatName::Freeswitch => table("hangup_cause", freeswitch::CAUSES),
        FormatName::Vicidial => table("status", vicidial::STATUSES),
        FormatName::Connect => table("AnsweringMachineDetectionStatus", connect::AMD)
            .into_iter()
            .chain(table("(contact)", connect::CONTACT))
            .chain(table("DisconnectReason", connect::DISCONNECT))
            .collect(),
        FormatName::Twilio => table("status", twilio::STATUSES)
            .into_iter()
            .chain(table("answered_by", twilio::ANSWERED_BY))
            .collect(),
        FormatName::Mapped => mapping.map(|m| m.explain()).unwrap_or_default(),
    }
}

/// The rule for `value`, if the table has one.
pub fn lookup(rules: &[Rule], value: &str) -> Option<Disposition> {
    rules
        .iter()
        .find(|(v, _, _)| *v == value)
        .map(|(_, d, _)| *d)
}

/// A record as text for `_rejects/`: re-encoded with `delimiter` when it was split into
/// fields, invalid UTF-8 replaced.
pub fn raw_text(record: &csv::ByteRecord, delimiter: u8) -> String {
    String::from_utf8_lossy(&raw_text_bytes(record, delimiter)).into_owned()
}

/// [`raw_text`]'s bytes, before decoding.
pub fn raw_text_bytes(record: &csv::ByteRecord, delimiter: u8) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if writer.write_byte_record(record).is_err() {
        return Vec::new();
    }
    let mut bytes = writer.into_inner().unwrap_or_default();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}

/// The 1-based line a CSV record starts on.
pub fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

/// A field as UTF-8 text, or why not.
pub fn text(record: &csv::ByteRecord, index: usize) -> Result<&str, String> {
    let bytes = record.get(index).unwrap_or_default();
    std::str::from_utf8(bytes).map_err(|_| format!("field {} is not valid UTF-8", index + 1))
}

/// An optional whole number of seconds.
pub fn seconds(text: &str, field: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(Some(value)),
        _ => Err(format!("{field} is not a number of seconds: {text:?}")),
    }
}

/// A non-empty, trimmed value.
pub fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A stable id for a record without one of its own: a hash of the input's key, the
/// record's text and its line, so re-importing the file gives every row the same id.
pub fn content_id(prefix: &str, input_name: &str, raw: &[u8], line: u64) -> String {
    let mut hasher = twox_hash::XxHash3_128::new();
    hasher.write(input_name.as_bytes());
    hasher.write(&line.to_le_bytes());
    hasher.write(raw);
    format!("{prefix}-{:032x}", hasher.finish_128())
}

/// Largest JSON document held while waiting for its end.
const MAX_JSON_DOCUMENT: usize = 64 << 20;

/// JSON values from JSON lines, concatenated documents (as Firehose writes them) or
/// pretty-printed ones: lines are gathered until they parse; text that cannot parse is
/// handed on as an error with the line it started on. Each value comes with its line.
pub fn json_values(
    input: Box<dyn Read + Send>,
    mut handle: impl FnMut(u64, Result<serde_json::Value, String>, &str) -> Result<()>,
) -> Result<()> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(input);
    let mut pending = String::new();
    let mut start = 0u64;
    let mut line_no = 0u64;
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let at_end = reader.read_until(b'\n', &mut bytes)? == 0;
        if !at_end {
            line_no += 1;
            let line = match std::str::from_utf8(&bytes) {
                Ok(line) => line,
                Err(_) => {
                    if !pending.trim().is_empty() {
                        handle(start, Err("incomplete JSON".into()), &pending)?;
                        pending.clear();
                    }
                    let raw = String::from_utf8_lossy(&bytes).trim_end().to_string();
                    handle(line_no, Err("not valid UTF-8".into()), &raw)?;
                    continue;
                }
            };
            if pending.trim().is_empty() {
                pending.clear();
                start = line_no;
            }
            pending.push_str(line);
            let end = pending.trim_end();
            let may_be_whole = end.ends_with('}') || end.ends_with(']');
            if !may_be_whole && pending.len() < MAX_JSON_DOCUMENT {
                continue;
            }
        }
        if pending.trim().is_empty() {
            if at_end {
                return Ok(());
            }
            continue;
        }
        let mut values = Vec::new();
        let mut outcome = Ok(());
        for value in serde_json::Deserializer::from_str(&pending).into_iter::<serde_json::Value>() {
            match value {
                Ok(value) => values.push(value),
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        match outcome {
            Err(error) if error.is_eof() && !at_end && pending.len() < MAX_JSON_DOCUMENT => {
                continue;
            }
            Err(error) => {
                let raw = pending.trim_end().to_string();
                handle(start, Err(format!("invalid JSON: {error}")), &raw)?;
            }
            Ok(()) => {
                let raw = pending.trim_end().to_string();
                for value in values {
                    handle(start, Ok(value), &raw)?;
                }
            }
        }
        pending.clear();
        if at_end {
            return Ok(());
        }
    }
}

/// A JSON field as text (strings as they are, numbers printed), `None` when null or empty.
pub fn json_text(value: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut node = value;
    for key in path {
        node = node.get(*key)?;
    }
    match node {
        serde_json::Value::String(s) => non_empty(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
