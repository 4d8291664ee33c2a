//! A vendor export as batches of text columns: CSV, TSV, XLSX or JSON lines, in the
//! mapping's encoding, each column named by its header text (or its 1-based number when
//! the export has no header). Rows above `header_row` are skipped, a byte-order mark is
//! ignored, empty cells are NULL, and Excel's date and time cells read as the text an
//! export shows (`YYYY-MM-DD`, `HH:MM:SS`, `YYYY-MM-DD HH:MM:SS`).

use std::io::{BufRead, Cursor, Read};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader};
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::formats::{json_values, raw_text};
use super::mapping::{Mapping, SourceColumn, SourceFormat};

/// Rows per text batch.
const BATCH_ROWS: usize = 8192;

/// Rows of an export as text columns, with where each came from.
pub struct TextBatch {
    pub batch: RecordBatch,
    /// The 1-based record number of each row (the header and title rows counted).
    pub lines: Vec<u64>,
    /// Records that could not be read as text: (record, reason, raw text).
    pub unreadable: Vec<super::convert::Reject>,
}

impl TextBatch {
    /// A row as the export had it, for `_rejects/`.
    pub fn raw(&self, row: usize) -> String {
        let record: csv::StringRecord = self
            .batch
            .columns()
            .iter()
            .map(|c| {
                datafusion::arrow::array::AsArray::as_string::<i32>(c.as_ref())
                    .value(row)
                    .to_string()
            })
            .collect();
        raw_text(&record.as_byte_record().clone(), b',')
    }
}

/// Reads `input` and hands `each` its rows a batch at a time.
pub fn read(
    input: Box<dyn BufRead + Send>,
    mapping: &Mapping,
    name: &str,
    each: &mut dyn FnMut(TextBatch) -> Result<()>,
) -> Result<()> {
    match mapping.source.format {
        SourceFormat::Csv => delimited(input, b',', mapping, name, each),
        SourceFormat::Tsv => delimited(input, b'\t', mapping, name, each),
        SourceFormat::Xlsx => xlsx(input, mapping, name, each),
        SourceFormat::Jsonl => jsonl(input, mapping, name, each),
    }
}

/// Collects rows into batches of a fixed set of columns.
struct Batcher {
    schema: SchemaRef,
    builders: Vec<StringBuilder>,
    lines: Vec<u64>,
    unreadable: Vec<super::convert::Reject>,
}

impl Batcher {
    fn new(names: Vec<String>) -> Self {
        let mut seen = std::collections::HashSet::new();
        let fields: Vec<Field> = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                // Two columns with one header text (or none) stay apart by their position.
                let name = if name.is_empty() || !seen.insert(name.clone()) {
                    format!("{name}#{}", i + 1)
                } else {
                    name
                };
                Field::new(name, DataType::Utf8, true)
            })
            .collect();
        let builders = fields.iter().map(|_| StringBuilder::new()).collect();
        Batcher {
            schema: Arc::new(Schema::new(fields)),
            builders,
            lines: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    fn numbered(width: usize) -> Self {
        Batcher::new((1..=width).map(|i| i.to_string()).collect())
    }

    fn push<'a>(&mut self, line: u64, cells: impl Iterator<Item = Option<&'a str>>) {
        let mut cells = cells;
        for builder in &mut self.builders {
            match cells.next().flatten().map(str::trim) {
                Some(text) if !text.is_empty() => builder.append_value(text),
                _ => builder.append_null(),
            }
        }
        self.lines.push(line);
    }

    fn unreadable(&mut self, line: u64, reason: String, raw: String) {
        self.unreadable.push((line, reason, raw));
    }

    fn full(&self) -> bool {
        self.lines.len() + self.unreadable.len() >= BATCH_ROWS
    }

    fn flush(&mut self, each: &mut dyn FnMut(TextBatch) -> Result<()>) -> Result<()> {
        if self.lines.is_empty() && self.unreadable.is_empty() {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &datafusion::arrow::array::RecordBatchOptions::new()
                .with_row_count(Some(self.lines.len())),
        )?;
        each(TextBatch {
            batch,
            lines: std::mem::take(&mut self.lines),
            unreadable: std::mem::take(&mut self.unreadable),
        })
    }
}

/// The columns of an export without a header: as many as the mapping's numbers reach,
/// and at least as many as the first record has.
fn numbered_width(mapping: &Mapping, first: usize) -> usize {
    mapping
        .columns
        .iter()
        .filter_map(|(_, from)| match from {
            SourceColumn::Index(i) => Some(*i),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .max(first)
}

fn check_header(mapping: &Mapping, header: &[String], name: &str) -> Result<()> {
    for (column, from) in &mapping.columns {
        if let SourceColumn::Name(wanted) = from
            && wanted != super::convert::FILE_COLUMN
            && !header.iter().any(|h| h == wanted)
        {
            bail!(
                "the header of {name} has no column {wanted:?} (mapped to {}); it has: {}",
                column.name,
                header.join(", ")
            );
        }
    }
    Ok(())
}

fn delimited(
    input: Box<dyn BufRead + Send>,
    delimiter: u8,
    mapping: &Mapping,
    name: &str,
    each: &mut dyn FnMut(TextBatch) -> Result<()>,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let encoding = mapping.source.encoding;
    let skip = mapping.source.rows_above_header();
    let mut record = csv::ByteRecord::new();
    let mut batcher: Option<Batcher> = None;
    let mut line = 0u64;
    while reader.read_byte_record(&mut record)? {
        line += 1;
        if line <= skip {
            continue;
        }
        let batcher = match batcher.as_mut() {
            Some(batcher) => batcher,
            None if mapping.source.header => {
                let header = record
                    .iter()
                    .map(|h| {
                        encoding
                            .decode(h)
                            .map(|t| t.trim_start_matches('\u{feff}').trim().to_string())
                            .with_context(|| {
                                format!("the header of {name} is not {} text", encoding.name())
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                check_header(mapping, &header, name)?;
                batcher = Some(Batcher::new(header));
                continue;
            }
            None => batcher.insert(Batcher::numbered(numbered_width(mapping, record.len()))),
        };
        let first = line == skip + 1;
        push_record(batcher, &record, line, delimiter, encoding, first);
        if batcher.full() {
            batcher.flush(each)?;
        }
    }
    if let Some(mut batcher) = batcher {
        batcher.flush(each)?;
    }
    Ok(())
}

fn push_record(
    batcher: &mut Batcher,
    record: &csv::ByteRecord,
    line: u64,
    delimiter: u8,
    encoding: super::mapping::Encoding,
    first: bool,
) {
    if record.iter().all(|f| f.is_empty()) {
        return;
    }
    let mut cells = Vec::with_capacity(record.len());
    for (i, bytes) in record.iter().enumerate() {
        let bytes = if first && i == 0 {
            bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
        } else {
            bytes
        };
        match encoding.decode(bytes) {
            Some(text) => cells.push(Some(text)),
            None => {
                let raw = raw_text(record, delimiter);
                batcher.unreadable(
                    line,
                    format!("field {} is not {} text", i + 1, encoding.name()),
                    raw,
                );
                return;
            }
        }
    }
    batcher.push(line, cells.iter().map(|c| c.as_deref()));
}

fn xlsx(
    input: Box<dyn BufRead + Send>,
    mapping: &Mapping,
    name: &str,
    each: &mut dyn FnMut(TextBatch) -> Result<()>,
) -> Result<()> {
    let mut bytes = Vec::new();
    let mut input = input;
    input.read_to_end(&mut bytes)?;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes))
        .with_context(|| format!("{name} is not an XLSX workbook"))?;
    let sheets = workbook.sheet_names();
    let sheet = match &mapping.source.sheet {
        Some(wanted) if sheets.contains(wanted) => wanted.clone(),
        Some(wanted) => bail!(
            "{name} has no sheet {wanted:?}; its sheets are {}",
            sheets.join(", ")
        ),
        None => sheets
            .first()
            .cloned()
            .with_context(|| format!("{name} has no sheet"))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .with_context(|| format!("cannot read sheet {sheet:?} of {name}"))?;
    // Row numbers as Excel shows them: the used range may start below row 1.
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let skip = mapping.source.rows_above_header();
    let mut batcher: Option<Batcher> = None;
    let mut texts: Vec<String> = Vec::new();
    for (index, row) in range.rows().enumerate() {
        let line = first_row + index as u64 + 1;
        if line <= skip {
            continue;
        }
        texts.clear();
        texts.extend(row.iter().map(cell_text));
        let Some(batcher) = batcher.as_mut() else {
            if mapping.source.header {
                let header: Vec<String> = texts.iter().map(|t| t.trim().to_string()).collect();
                check_header(mapping, &header, name)?;
                batcher = Some(Batcher::new(header));
                continue;
            }
            let mut numbered = Batcher::numbered(numbered_width(mapping, texts.len()));
            if texts.iter().any(|t| !t.trim().is_empty()) {
                numbered.push(line, texts.iter().map(|t| Some(t.as_str())));
            }
            batcher = Some(numbered);
            continue;
        };
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        batcher.push(line, texts.iter().map(|t| Some(t.as_str())));
        if batcher.full() {
            batcher.flush(each)?;
        }
    }
    if let Some(mut batcher) = batcher {
        batcher.flush(each)?;
    }
    Ok(())
}

/// A cell as the text an export would have shown. A date-time cell without a time of day
/// is a date, and one before 1900-01-01 (Excel's day 0 and 1) only a time of day.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let serial = d.as_f64();
            if d.is_duration() {
                let seconds = (serial * 86_400.0).round() as i64;
                return format!(
                    "{:02}:{:02}:{:02}",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                );
            }
            match d.as_datetime() {
                Some(t) if serial < 1.0 => t.format("%H:%M:%S").to_string(),
                Some(t) if serial.fract() == 0.0 => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => serial.to_string(),
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn jsonl(
    input: Box<dyn BufRead + Send>,
    mapping: &Mapping,
    _name: &str,
    each: &mut dyn FnMut(TextBatch) -> Result<()>,
) -> Result<()> {
    let mut batcher: Option<Batcher> = None;
    let mut failure = None;
    json_values(input, |line, value, raw| {
        let object = match value {
            Ok(serde_json::Value::Object(object)) => Ok(object),
            Ok(_) => Err("not a JSON object".to_string()),
            Err(reason) => Err(reason),
        };
        let batcher = batcher.get_or_insert_with(|| {
            // The keys of the first object, then any the mapping names that it lacks.
            let mut keys: Vec<String> = object
                .as_ref()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            for (_, from) in &mapping.columns {
                let key = match from {
                    SourceColumn::Name(name) => name.clone(),
                    SourceColumn::Index(i) => i.to_string(),
                    SourceColumn::Sql(_) => continue,
                };
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Batcher::new(keys)
        });
        match object {
            Ok(object) => {
                let texts: Vec<Option<String>> = batcher
                    .schema
                    .fields()
                    .iter()
                    .map(|f| match object.get(f.name()) {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(other) => Some(other.to_string()),
                    })
                    .collect();
                batcher.push(line, texts.iter().map(Option::as_deref));
            }
            Err(reason) => batcher.unreadable(line, reason, raw.to_string()),
        }
        if batcher.full()
            && let Err(error) = batcher.flush(each)
        {
            failure.get_or_insert(error);
        }
        Ok(())
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    if let Some(mut batcher) = batcher {
        batcher.flush(each)?;
    }
    Ok(())
}
