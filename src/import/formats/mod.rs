//! The formats `import` reads, each in its own module with its mapping table (source value
//! → canonical disposition) in one place, which the parser uses and `--explain` prints.

pub mod asterisk;
pub mod connect;
pub mod freeswitch;
pub mod mapped;
pub mod twilio;
pub mod vicidial;

use std::io::BufRead;

use anyhow::Result;
use serde::Serialize;

use super::{FormatName, Records, Source};
use crate::import::Disposition;

pub fn read(
    format: FormatName,
    input: Box<dyn BufRead + Send>,
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
        FormatName::Asterisk => table("disposition", asterisk::DISPOSITIONS)
            .into_iter()
            .chain(table("userfield", asterisk::USERFIELD))
            .collect(),
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

/// Calls `each` with every non-empty physical line of `input` (without its line end) and
/// its 1-based number, for logs written one record per line.
pub fn for_each_line(
    mut input: Box<dyn BufRead + Send>,
    mut each: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut bytes = Vec::new();
    let mut line = 0u64;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(());
        }
        line += 1;
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        if !bytes.is_empty() {
            each(line, &bytes)?;
        }
    }
}

/// Splits one physical line into CSV fields (RFC 4180 quoting), for logs that write one
/// record per line (cdr_csv): a line cut off inside a quoted field then costs only itself,
/// where a stream parser would read on into the next lines looking for the closing quote.
pub struct LineFields {
    reader: csv_core::Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl LineFields {
    pub fn new(delimiter: u8) -> Self {
        LineFields {
            reader: csv_core::ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            output: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// `line` (without its line end) as the fields of `record`.
    pub fn split(&mut self, line: &[u8], record: &mut csv::ByteRecord) {
        use csv_core::ReadRecordResult::*;
        self.reader.reset();
        record.clear();
        // A field is never longer than the line, nor are there more fields than bytes + 1.
        self.output.resize(line.len() + 1, 0);
        self.ends.resize(line.len() + 2, 0);
        let (result, _, written, mut fields) =
            self.reader
                .read_record(line, &mut self.output, &mut self.ends);
        if matches!(result, InputEmpty) {
            // The end of the line is the end of the record: said with empty input.
            let (_, _, _, nend) =
                self.reader
                    .read_record(&[], &mut self.output[written..], &mut self.ends[fields..]);
            fields += nend;
        }
        let mut start = 0;
        for &end in &self.ends[..fields] {
            record.push_field(self.output.get(start..end).unwrap_or_default());
            start = end;
        }
    }
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
/// pretty-printed ones: lines are gathered until they parse. Text that cannot parse is
/// handed on as an error one line at a time, so a cut-off record costs its own line and
/// not the record after it. Each value comes with the line it starts on.
pub fn json_values(
    input: Box<dyn BufRead + Send>,
    mut handle: impl FnMut(u64, Result<serde_json::Value, String>, &str) -> Result<()>,
) -> Result<()> {
    let mut reader = input;
    let mut pending = JsonLines::default();
    let mut line_no = 0u64;
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes)? == 0 {
            return pending.flush(true, &mut handle);
        }
        line_no += 1;
        match String::from_utf8(std::mem::take(&mut bytes)) {
            Err(error) => {
                pending.flush(true, &mut handle)?;
                let raw = String::from_utf8_lossy(error.as_bytes())
                    .trim_end()
                    .to_string();
                handle(line_no, Err("not valid UTF-8".into()), &raw)?;
            }
            Ok(line) if line.trim().is_empty() && pending.lines.is_empty() => {}
            Ok(line) => {
                let end = line.trim_end();
                let may_be_whole = end.ends_with('}') || end.ends_with(']');
                pending.size += line.len();
                pending.lines.push_back((line_no, line));
                if may_be_whole || pending.size >= MAX_JSON_DOCUMENT {
                    pending.flush(false, &mut handle)?;
                }
            }
        }
    }
}

/// Lines of JSON not yet handed on.
#[derive(Default)]
struct JsonLines {
    lines: std::collections::VecDeque<(u64, String)>,
    size: usize,
}

impl JsonLines {
    fn flush(
        &mut self,
        at_end: bool,
        handle: &mut impl FnMut(u64, Result<serde_json::Value, String>, &str) -> Result<()>,
    ) -> Result<()> {
        while let Some(&(start, _)) = self.lines.front() {
            let text: String = self.lines.iter().map(|(_, l)| l.as_str()).collect();
            let mut values = Vec::new();
            let mut failure = None;
            for value in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>()
            {
                match value {
                    Ok(value) => values.push(value),
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            match failure {
                None => {
                    let several = values.len() > 1;
                    for value in values {
                        let raw = if several {
                            value.to_string()
                        } else {
                            text.trim_end().to_string()
                        };
                        handle(start, Ok(value), &raw)?;
                    }
                    self.lines.clear();
                }
                Some(error) if error.is_eof() && !at_end && self.size < MAX_JSON_DOCUMENT => {
                    return Ok(());
                }
                Some(error) => {
                    if let Some((line, raw)) = self.lines.pop_front() {
                        handle(line, Err(format!("invalid JSON: {error}")), raw.trim_end())?;
                    }
                    continue;
                }
            }
        }
        self.size = 0;
        Ok(())
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
