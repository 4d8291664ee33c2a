//! Vendor exports described by a mapping file (`--from mapped --mapping FILE.toml`): CSV,
//! TSV, XLSX or JSON lines, UTF-8 or GBK/GB18030. An empty field is NULL; a value a
//! `[values.X]` map does not cover is a reject, never a silent default.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Cursor, Read};

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader};

use super::{content_id, json_values};
use crate::import::call::Call;
use crate::import::mapping::{Mapping, SourceColumn, SourceFormat};
use crate::import::time::parse_vendor;
use crate::import::{Disposition, Records, Source};
use crate::schema::Kind;

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let Some(mapping) = source.mapping else {
        bail!("--from mapped needs --mapping FILE.toml");
    };
    match mapping.source.format {
        SourceFormat::Csv => delimited(input, b',', mapping, source, records),
        SourceFormat::Tsv => delimited(input, b'\t', mapping, source, records),
        SourceFormat::Xlsx => xlsx(input, mapping, source, records),
        SourceFormat::Jsonl => jsonl(input, mapping, source, records),
    }
}

/// Positions of the mapped columns in a row (`None`: the header lacks it).
type Positions = Vec<Option<usize>>;

fn positions(mapping: &Mapping, header: Option<&[String]>) -> Result<Positions> {
    mapping
        .columns
        .iter()
        .map(|(name, _, from)| match (from, header) {
            (SourceColumn::Index(i), _) => Ok(Some((*i - 1) as usize)),
            (SourceColumn::Name(wanted), Some(header)) => {
                let found = header.iter().position(|h| h == wanted);
                if found.is_none() {
                    bail!(
                        "the header has no column {wanted:?} (mapped to {name}); it has: {}",
                        header.join(", ")
                    );
                }
                Ok(found)
            }
            (SourceColumn::Name(_), None) => Ok(None),
        })
        .collect()
}

fn delimited(
    input: Box<dyn BufRead + Send>,
    delimiter: u8,
    mapping: &Mapping,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let encoding = mapping.source.encoding;
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<Positions> = None;
    if !mapping.source.header {
        columns = Some(positions(mapping, None)?);
    }
    // Records counted from 1, the header included (see vicidial.rs).
    let mut line = 0u64;
    while reader.read_byte_record(&mut record)? {
        line += 1;
        if columns.is_none() {
            let header = record
                .iter()
                .map(|h| {
                    encoding
                        .decode(h)
                        .map(|t| t.trim_start_matches('\u{feff}').trim().to_string())
                        .with_context(|| {
                            format!(
                                "the header of {} is not {} text",
                                source.name,
                                encoding.name()
                            )
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            columns = Some(positions(mapping, Some(&header))?);
            continue;
        }
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        records.read();
        let Some(positions) = &columns else { continue };
        let mut fields: Vec<Option<Cow<str>>> = Vec::with_capacity(positions.len());
        let mut bad = None;
        for position in positions {
            let bytes = position.and_then(|p| record.get(p));
            match bytes.map(|b| encoding.decode(b)) {
                Some(None) => {
                    bad = Some(format!("a field is not {} text", encoding.name()));
                    break;
                }
                Some(Some(text)) => fields.push(Some(text)),
                None => fields.push(None),
            }
        }
        let raw = || {
            let bytes = super::raw_text_bytes(&record, delimiter);
            encoding.decode(&bytes).map_or_else(
                || String::from_utf8_lossy(&bytes).into_owned(),
                |t| t.into_owned(),
            )
        };
        let outcome = match bad {
            Some(reason) => Err(reason),
            None => {
                let max = positions.iter().flatten().max().copied().unwrap_or(0);
                if record.len() <= max {
                    Err(format!(
                        "has {} fields; the mapped columns need {}",
                        record.len(),
                        max + 1
                    ))
                } else {
                    build(mapping, source, &fields, record.as_slice(), line)
                }
            }
        };
        match outcome {
            Ok(call) => records.call(call)?,
            Err(reason) => records.reject(line, &reason, &raw())?,
        }
    }
    Ok(())
}

fn xlsx(
    input: Box<dyn BufRead + Send>,
    mapping: &Mapping,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut bytes = Vec::new();
    let mut input = input;
    input.read_to_end(&mut bytes)?;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes))
        .with_context(|| format!("{} is not an XLSX workbook", source.name))?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .with_context(|| format!("{} has no sheet", source.name))?;
    let range = workbook
        .worksheet_range(&sheet)
        .with_context(|| format!("cannot read sheet {sheet:?} of {}", source.name))?;
    let mut rows = range.rows();
    let start_row = range.start().map_or(0, |(row, _)| row as u64);
    let columns = if mapping.source.header {
        let header: Vec<String> = rows
            .next()
            .map(|r| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
            .unwrap_or_default();
        positions(mapping, Some(&header))?
    } else {
        positions(mapping, None)?
    };
    let skip = u64::from(mapping.source.header);
    for (index, row) in rows.enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.read();
        let line = start_row + skip + index as u64 + 1;
        let fields: Vec<Option<Cow<str>>> = columns
            .iter()
            .map(|p| {
                p.and_then(|p| cells.get(p))
                    .map(|c| Cow::Borrowed(c.as_str()))
            })
            .collect();
        let raw = cells.join(",");
        match build(mapping, source, &fields, raw.as_bytes(), line) {
            Ok(call) => records.call(call)?,
            Err(reason) => records.reject(line, &reason, &raw)?,
        }
    }
    Ok(())
}

/// A cell as the text an export would have shown; dates as `YYYY-MM-DD HH:MM:SS`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn jsonl(
    input: Box<dyn BufRead + Send>,
    mapping: &Mapping,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    json_values(input, |line, value, raw| {
        records.read();
        let value = match value {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => return records.reject(line, "not a JSON object", raw),
            Err(reason) => return records.reject(line, &reason, raw),
        };
        let fields: Vec<Option<Cow<str>>> = mapping
            .columns
            .iter()
            .map(|(_, _, from)| {
                let key = match from {
                    SourceColumn::Name(name) => name.clone(),
                    SourceColumn::Index(i) => i.to_string(),
                };
                match value.get(&key) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(Cow::Owned(s.clone())),
                    Some(other) => Some(Cow::Owned(other.to_string())),
                }
            })
            .collect();
        match build(mapping, source, &fields, raw.as_bytes(), line) {
            Ok(call) => records.call(call),
            Err(reason) => records.reject(line, &reason, raw),
        }
    })
}

/// A typed canonical value.
enum Value {
    Text(String),
    Float(f64),
    Integer(i32),
    Boolean(bool),
    Timestamp(i64),
}

fn convert(
    kind: Kind,
    column: &str,
    text: &str,
    mapping: &Mapping,
    source: &Source,
) -> Result<Value, String> {
    let bad = |what: &str| format!("{column}: {text:?} is not {what}");
    Ok(match kind {
        Kind::Text | Kind::Category => Value::Text(text.to_string()),
        Kind::Float => Value::Float(
            text.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| bad("a number"))?,
        ),
        Kind::Integer => Value::Integer(text.parse::<i32>().map_err(|_| bad("a whole number"))?),
        Kind::Boolean => Value::Boolean(match text.to_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" | "是" => true,
            "false" | "f" | "0" | "no" | "n" | "否" => false,
            _ => return Err(bad("true or false (map it in [values])")),
        }),
        Kind::Timestamp => Value::Timestamp(
            parse_vendor(
                text,
                mapping.source.timestamp_format.as_deref(),
                source.zone,
            )
            .ok_or_else(|| match &mapping.source.timestamp_format {
                Some(format) => bad(&format!(
                    "a time in the format {format:?} in {}",
                    source.zone.name()
                )),
                None => bad(&format!(
                    "a time (ISO-8601 or YYYY-MM-DD HH:MM:SS) in {}",
                    source.zone.name()
                )),
            })?,
        ),
    })
}

fn build(
    mapping: &Mapping,
    source: &Source,
    fields: &[Option<Cow<str>>],
    raw: &[u8],
    line: u64,
) -> Result<Call, String> {
    let mut call = Call {
        dialed_at: i64::MIN,
        ..Call::default()
    };
    let mut source_status = None;
    let mut set: HashMap<&str, ()> = HashMap::new();
    for ((name, kind, _), field) in mapping.columns.iter().zip(fields) {
        let text = field.as_deref().map(str::trim).unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        let mapped = match mapping.values.get(*name) {
            Some(map) => map
                .get(text)
                .map(String::as_str)
                .ok_or_else(|| format!("{name}: value {text:?} is not in [values.{name}]"))?,
            None => text,
        };
        assign(
            &mut call,
            name,
            convert(*kind, name, mapped, mapping, source)?,
        )?;
        if *name == "disposition" {
            source_status = Some(text.to_string());
        }
        set.insert(name, ());
    }
    for (name, kind, text) in &mapping.defaults {
        if !set.contains_key(name) {
            assign(
                &mut call,
                name,
                convert(*kind, name, text, mapping, source)?,
            )?;
        }
    }
    if call.dialed_at == i64::MIN {
        return Err("no dialed_at".into());
    }
    if call.disposition.is_none() {
        return Err("no disposition".into());
    }
    if call.callee_number.is_none() {
        return Err("no callee_number".into());
    }
    if call.source_status.is_none() {
        call.source_status = source_status;
    }
    if call.call_id.is_empty() {
        call.call_id = content_id("mapped", source.name, raw, line);
    }
    Ok(call)
}

fn assign(call: &mut Call, name: &str, value: Value) -> Result<(), String> {
    let text = |v: Value| match v {
        Value::Text(s) => Some(s),
        _ => None,
    };
    match (name, value) {
        ("disposition", Value::Text(s)) => {
            call.disposition = Some(Disposition::parse(&s).ok_or_else(|| {
                format!("disposition: {s:?} is not a canonical disposition (map it in [values.disposition])")
            })?);
        }
        ("dialed_at", Value::Timestamp(t)) => call.dialed_at = t,
        ("answered_at", Value::Timestamp(t)) => call.answered_at = Some(t),
        ("ended_at", Value::Timestamp(t)) => call.ended_at = Some(t),
        ("ring_s", Value::Float(f)) => call.ring_s = Some(f),
        ("talk_s", Value::Float(f)) => call.talk_s = Some(f),
        ("hold_s", Value::Float(f)) => call.hold_s = Some(f),
        ("acw_s", Value::Float(f)) => call.acw_s = Some(f),
        ("order_amount", Value::Float(f)) => call.order_amount = Some(f),
        ("sentiment", Value::Float(f)) => call.sentiment = Some(f),
        ("attempt_no", Value::Integer(i)) => call.attempt_no = Some(i),
        ("csat", Value::Integer(i)) => call.csat = Some(i),
        ("nps", Value::Integer(i)) => call.nps = Some(i),
        ("is_callback", Value::Boolean(b)) => call.is_callback = Some(b),
        ("transferred", Value::Boolean(b)) => call.transferred = Some(b),
        ("is_effective", Value::Boolean(b)) => call.is_effective = Some(b),
        ("dnc_requested", Value::Boolean(b)) => call.dnc_requested = Some(b),
        ("complaint", Value::Boolean(b)) => call.complaint = Some(b),
        ("call_id", v) => call.call_id = text(v).unwrap_or_default(),
        (name, v) => {
            let value = text(v);
            let slot = match name {
                "campaign_id" => &mut call.campaign_id,
                "customer_id" => &mut call.customer_id,
                "script_id" => &mut call.script_id,
                "agent_id" => &mut call.agent_id,
                "caller_number" => &mut call.caller_number,
                "callee_number" => &mut call.callee_number,
                "hangup_by" => &mut call.hangup_by,
                "predicted_intent" => &mut call.predicted_intent,
                "labeled_intent" => &mut call.labeled_intent,
                "intent_level" => &mut call.intent_level,
                "outcome" => &mut call.outcome,
                "transcript" => &mut call.transcript,
                "source_status" => &mut call.source_status,
                "source_cause" => &mut call.source_cause,
                _ => return Err(format!("{name}: cannot be set from a mapping")),
            };
            *slot = value;
        }
    }
    Ok(())
}
