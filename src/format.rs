//! Encoding query results: aligned tables for people; CSV, JSON lines and Parquet for
//! tools. An [`Encoder`] takes a result stream batch by batch and hands back bytes as they
//! become ready, so CSV, JSON and Parquet outputs never hold the whole result in memory.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Result;
use clap::ValueEnum;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::{Writer as CsvWriter, WriterBuilder as CsvWriterBuilder};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

mod table;

pub use self::table::{DEFAULT_FLOAT_DIGITS, TableStyle, round_float};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Aligned table with a row count.
    #[default]
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object per line.
    Json,
    /// A Parquet file (zstd), for `--out` or a redirected stdout.
    Parquet,
}

impl OutputFormat {
    /// The format a file name asks for by its extension, if it names one.
    pub fn from_path(path: &str) -> Option<Self> {
        let extension = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "csv" => OutputFormat::Csv,
            "json" | "jsonl" | "ndjson" => OutputFormat::Json,
            "parquet" => OutputFormat::Parquet,
            "txt" => OutputFormat::Table,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Parquet => "parquet",
        }
    }
}

/// A byte buffer shared between a format writer, which appends to it, and the caller,
/// which drains it after each batch.
#[derive(Clone, Default)]
struct Spool(Arc<Mutex<Vec<u8>>>);

impl Spool {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for Spool {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Writer {
    /// A table needs every row for its column widths: the rows shown are kept until the end.
    Table {
        shown: Vec<RecordBatch>,
        style: TableStyle,
    },
    Csv(Box<CsvWriter<Spool>>),
    Json(LineDelimitedWriter<Spool>),
    Parquet(Box<ArrowWriter<Spool>>),
}

/// Encodes one result in one format.
pub struct Encoder {
    writer: Writer,
    spool: Spool,
    rows: u64,
}

impl Encoder {
    /// An encoder for results of `schema`; `style` lays out a table (rows shown, float
    /// digits, width) and is ignored by the other formats, which stay exact.
    pub fn new(format: OutputFormat, schema: SchemaRef, style: TableStyle) -> Result<Self> {
        let spool = Spool::default();
        let writer = match format {
            OutputFormat::Table => Writer::Table {
                shown: Vec::new(),
                style,
            },
            OutputFormat::Csv => Writer::Csv(Box::new(
                CsvWriterBuilder::new()
                    .with_header(true)
                    .build(spool.clone()),
            )),
            OutputFormat::Json => Writer::Json(LineDelimitedWriter::new(spool.clone())),
            OutputFormat::Parquet => {
                let properties = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .build();
                Writer::Parquet(Box::new(ArrowWriter::try_new(
                    spool.clone(),
                    schema,
                    Some(properties),
                )?))
            }
        };
        Ok(Encoder {
            writer,
            spool,
            rows: 0,
        })
    }

    /// Adds a batch; returns the bytes that are ready to be written out.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Vec<u8>> {
        self.rows += batch.num_rows() as u64;
        match &mut self.writer {
            Writer::Table { shown, style } => {
                let kept: usize = shown.iter().map(RecordBatch::num_rows).sum();
                let room = style
                    .max_rows
                    .map_or(usize::MAX, |max| max.saturating_sub(kept));
                if room > 0 {
                    shown.push(batch.slice(0, batch.num_rows().min(room)));
                }
            }
            Writer::Csv(writer) => writer.write(batch)?,
            Writer::Json(writer) => writer.write(batch)?,
            Writer::Parquet(writer) => writer.write(batch)?,
        }
        Ok(self.spool.take())
    }

    /// Rows encoded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Ends the output: the table itself, the JSON or Parquet footer.
    pub fn finish(self) -> Result<Vec<u8>> {
        match self.writer {
            Writer::Table { shown, style } => {
                let mut out = Vec::new();
                let mut hidden_columns = String::new();
                if shown.first().is_some_and(|b| b.num_columns() > 0) {
                    let drawn = table::render(&shown, &style, &mut out)?;
                    if drawn.shown_columns < drawn.columns {
                        hidden_columns = format!(
                            "; {} of {} columns shown, the terminal is too narrow for more",
                            drawn.shown_columns, drawn.columns
                        );
                    }
                }
                let plural = if self.rows == 1 { "" } else { "s" };
                let kept: usize = shown.iter().map(RecordBatch::num_rows).sum();
                if (kept as u64) < self.rows {
                    writeln!(
                        out,
                        "({} row{plural}, first {kept} shown{hidden_columns})",
                        self.rows
                    )?;
                } else {
                    writeln!(out, "({} row{plural}{hidden_columns})", self.rows)?;
                }
                Ok(out)
            }
            Writer::Csv(writer) => {
                drop(writer);
                Ok(self.spool.take())
            }
            Writer::Json(mut writer) => {
                writer.finish()?;
                drop(writer);
                Ok(self.spool.take())
            }
            Writer::Parquet(writer) => {
                writer.close()?;
                Ok(self.spool.take())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(from: i64, rows: i64) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let numbers: Vec<i64> = (from..from + rows).collect();
        let texts: Vec<Option<String>> = numbers.iter().map(|n| Some(format!("v{n}"))).collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(numbers)),
                Arc::new(StringArray::from(texts)),
            ],
        )
        .unwrap()
    }

    fn encode(format: OutputFormat, max_rows: Option<usize>, batches: &[RecordBatch]) -> Vec<u8> {
        let style = TableStyle {
            max_rows,
            ..TableStyle::default()
        };
        let mut encoder = Encoder::new(format, batches[0].schema(), style).unwrap();
        let mut out = Vec::new();
        for batch in batches {
            out.extend(encoder.write(batch).unwrap());
        }
        out.extend(encoder.finish().unwrap());
        out
    }

    #[test]
    fn a_capped_table_counts_every_row() {
        let text = encode(OutputFormat::Table, Some(3), &[batch(0, 2), batch(2, 2)]);
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("| v2 |") && !text.contains("| v3 |"),
            "{text}"
        );
        assert!(text.ends_with("(4 rows, first 3 shown)\n"), "{text}");
        let text = String::from_utf8(encode(OutputFormat::Table, None, &[batch(0, 1)])).unwrap();
        assert!(text.ends_with("\n(1 row)\n"), "{text}");
    }

    #[test]
    fn csv_and_json_stream_every_row() {
        let csv = encode(OutputFormat::Csv, Some(1), &[batch(0, 2), batch(2, 1)]);
        assert_eq!(String::from_utf8(csv).unwrap(), "n,s\n0,v0\n1,v1\n2,v2\n");
        let json = encode(OutputFormat::Json, None, &[batch(5, 1)]);
        assert_eq!(String::from_utf8(json).unwrap(), "{\"n\":5,\"s\":\"v5\"}\n");
    }

    #[test]
    fn parquet_reads_back() {
        let bytes = encode(OutputFormat::Parquet, None, &[batch(0, 3), batch(3, 4)]);
        let reader = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(
            bytes::Bytes::from(bytes),
            1024,
        )
        .unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 7);
    }

    #[test]
    fn extensions_name_formats() {
        assert_eq!(
            OutputFormat::from_path("s3://b/r.PARQUET"),
            Some(OutputFormat::Parquet)
        );
        assert_eq!(
            OutputFormat::from_path("out.ndjson"),
            Some(OutputFormat::Json)
        );
        assert_eq!(OutputFormat::from_path("report"), None);
    }
}
