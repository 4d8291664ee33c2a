//! sqllogictest support: an engine over the shared session, and a runner for `.slt` files
//! used both by `callsql test` and by the project's own test suite.
//!
//! Values are printed the way DataFusion's suites print them: `NULL`, `(empty)` for an
//! empty string, floats rounded to 12 significant digits so hand-worked expectations do
//! not depend on the last bit of a division.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use sqllogictest::{AsyncDB, ColumnType, DBOutput, Runner};

use crate::session::{self, Options};

/// Column types as `.slt` files spell them after `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SltColumnType {
    Boolean,
    Integer,
    Float,
    Text,
    Timestamp,
    Date,
    Any,
}

impl ColumnType for SltColumnType {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'B' => Self::Boolean,
            'I' => Self::Integer,
            'R' => Self::Float,
            'T' => Self::Text,
            'P' => Self::Timestamp,
            'D' => Self::Date,
            _ => Self::Any,
        })
    }

    fn to_char(&self) -> char {
        match self {
            Self::Boolean => 'B',
            Self::Integer => 'I',
            Self::Float => 'R',
            Self::Text => 'T',
            Self::Timestamp => 'P',
            Self::Date => 'D',
            Self::Any => '?',
        }
    }
}

impl SltColumnType {
    fn of(data_type: &DataType) -> Self {
        match data_type {
            DataType::Boolean => Self::Boolean,
            t if t.is_integer() => Self::Integer,
            t if t.is_floating()
                || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
            {
                Self::Float
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Self::Text,
            DataType::Dictionary(_, value) => Self::of(value),
            DataType::Timestamp(..) => Self::Timestamp,
            DataType::Date32 | DataType::Date64 => Self::Date,
            _ => Self::Any,
        }
    }
}

/// The error type the runner reports: DataFusion's message on one line.
#[derive(Debug)]
pub struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

/// A sqllogictest connection: one callsql session.
pub struct Engine {
    ctx: SessionContext,
}

impl Engine {
    pub fn new(ctx: SessionContext) -> Self {
        Engine { ctx }
    }
}

#[async_trait]
impl AsyncDB for Engine {
    type Error = SltError;
    type ColumnType = SltColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<SltColumnType>, SltError> {
        let to_error = |e: datafusion::error::DataFusionError| SltError(e.to_string());
        let frame = self.ctx.sql(sql).await.map_err(to_error)?;
        let schema = frame.schema().as_arrow().clone();
        let batches = frame.collect().await.map_err(to_error)?;
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| SltColumnType::of(f.data_type()))
            .collect();
        let rows = format_rows(&batches).map_err(|e| SltError(e.to_string()))?;
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "callsql"
    }

    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

fn format_rows(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<Vec<String>> = batch
            .columns()
            .iter()
            .map(format_column)
            .collect::<Result<_>>()?;
        for row in 0..batch.num_rows() {
            rows.push(columns.iter().map(|c| c[row].clone()).collect());
        }
    }
    Ok(rows)
}

fn format_column(array: &ArrayRef) -> Result<Vec<String>> {
    let options = FormatOptions::default().with_null("NULL");
    let formatter = ArrayFormatter::try_new(array.as_ref(), &options)?;
    Ok((0..array.len())
        .map(|i| {
            if array.is_null(i) {
                return "NULL".to_string();
            }
            match array.data_type() {
                DataType::Float64 => format_float(array.as_primitive::<Float64Type>().value(i)),
                DataType::Float32 => {
                    format_float(f64::from(array.as_primitive::<Float32Type>().value(i)))
                }
                _ => match formatter.value(i).to_string() {
                    text if text.is_empty() => "(empty)".to_string(),
                    text => text,
                },
            }
        })
        .collect())
}

/// Rounds to 12 significant digits and prints the shortest form (`0.25`, `1`, `-3.5`).
pub fn format_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let Ok(rounded) = format!("{value:.11e}").parse::<f64>() else {
        return format!("{value}");
    };
    if rounded == 0.0 {
        return "0".into();
    }
    format!("{rounded}")
}

/// Outcome of running a set of `.slt` files.
#[derive(Debug, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: Vec<(PathBuf, String)>,
}

/// Every `.slt` file under `paths` (files as given, directories searched recursively), sorted.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_dir(path, &mut files)?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!("no such file or directory: {}", path.display());
        }
    }
    files.sort();
    Ok(files)
}

fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_dir(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "slt") {
            files.push(path);
        }
    }
    Ok(())
}

/// Runs one file against a fresh session; with `complete`, rewrites its expected results.
pub async fn run_file(path: &Path, options: &Options, complete: bool) -> Result<()> {
    // Build the first session here, so a bad data root fails once rather than on every
    // statement of the file; the runner takes it for its first connection.
    let mut first = Some(session::build(options).await?);
    let options = options.clone();
    let mut runner = Runner::new(move || {
        let ready = first.take();
        let options = options.clone();
        async move {
            match ready {
                Some(ctx) => Ok(Engine::new(ctx)),
                None => session::build(&options)
                    .await
                    .map(Engine::new)
                    .map_err(|e| SltError(format!("{e:#}"))),
            }
        }
    });
    runner.with_column_validator(sqllogictest::strict_column_validator);
    if complete {
        runner
            .update_test_file(
                path,
                " ",
                sqllogictest::default_validator,
                sqllogictest::default_normalizer,
                sqllogictest::strict_column_validator,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        runner
            .run_file_async(path)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.display(false)))
    }
}

/// Runs every file, continuing past failures.
pub async fn run_files(files: &[PathBuf], options: &Options, complete: bool) -> Summary {
    let mut summary = Summary::default();
    for file in files {
        match run_file(file, options, complete).await {
            Ok(()) => summary.passed += 1,
            Err(error) => summary.failed.push((file.clone(), format!("{error:#}"))),
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_print_rounded_and_short() {
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1.0 / 3.0), "0.333333333333");
        assert_eq!(format_float(2.0), "2");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(-2.5), "-2.5");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Infinity");
    }
}
