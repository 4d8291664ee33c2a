//! sqllogictest support: an engine over the shared session, and a runner for `.slt` files
//! used both by `callsql test` and by the project's own test suite.
//!
//! Files follow DataFusion's own conventions, so suites written for its runner pass here
//! unchanged: cells print as DataFusion's runner prints them ([`values`]); a multi-line
//! last cell (a plan) becomes one row per line; trailing whitespace is not compared; an
//! error reads `DataFusion error: …`, the text `statement error` patterns are written
//! against.

mod values;

/// Partitions of a test session.
const TARGET_PARTITIONS: usize = 4;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use sqllogictest::{AsyncDB, ColumnType, DBOutput, Runner};

use crate::location::Location;
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
            DataType::Dictionary(_, value)
                if matches!(
                    value.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                Self::Text
            }
            DataType::Timestamp(..) => Self::Timestamp,
            DataType::Date32 | DataType::Date64 | DataType::Time32(_) | DataType::Time64(_) => {
                Self::Date
            }
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
        let to_error = |e: datafusion::error::DataFusionError| {
            SltError(format!("DataFusion error: {}", e.strip_backtrace()))
        };
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
            .map(values::column)
            .collect::<Result<_, _>>()?;
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| c.get(row).cloned().unwrap_or_default())
                .collect();
            rows.extend(expand_last_cell(cells));
        }
    }
    Ok(rows)
}

/// A last cell of several lines (EXPLAIN's plans) as DataFusion's runner lays it out: the
/// row with that cell, then one row per line, `NN)` and its indentation as dashes.
fn expand_last_cell(mut row: Vec<String>) -> Vec<Vec<String>> {
    let Some(last) = row.pop() else {
        return vec![row];
    };
    let lines: Vec<&str> = last.split('\n').collect();
    if lines.len() < 2 {
        row.push(last);
        return vec![row];
    }
    let mut rows = vec![row];
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim_start();
        let indent = "-".repeat(line.len() - content.len());
        rows.push(vec![format!("{:02}){indent}{content}", index + 1)]);
    }
    rows
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
    // Four partitions unless asked otherwise, as DataFusion's runner has: plans in EXPLAIN
    // expectations then do not depend on the machine's cores.
    let options = &Options {
        target_partitions: options.target_partitions.or(Some(TARGET_PARTITIONS)),
        data: match data_directive(path)? {
            Some(data) => Some(data),
            None => options.data.clone(),
        },
        ..options.clone()
    };
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
    runner.with_normalizer(trailing_whitespace_dropped);
    runner.with_validator(rows_match);
    if complete {
        runner
            .update_test_file(
                path,
                " ",
                rows_match,
                trailing_whitespace_dropped,
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

/// The data root a file names for itself in a leading comment, `# data: DIR` (relative
/// to the file), so a suite can carry small tables worked out by hand; it replaces
/// `--data` for that file alone.
fn data_directive(path: &Path) -> Result<Option<Location>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(dir) = text
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix("# data:"))
    else {
        return Ok(None);
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let root = base.join(dir.trim());
    if !root.is_dir() {
        bail!(
            "{} names data root {}, which is not a directory",
            path.display(),
            root.display()
        );
    }
    Ok(Some(Location::parse(&root.display().to_string())?))
}

/// As DataFusion's runner compares: each row's cells joined by a space, trailing
/// whitespace dropped from the row (not from each cell: a value may end in spaces).
fn rows_match(
    normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    if expected.iter().any(|line| line.contains("<slt:ignore>")) {
        return sqllogictest::default_validator(normalizer, actual, expected);
    }
    actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|(row, line)| row.join(" ").trim_end() == normalizer(line))
}

#[allow(clippy::ptr_arg)] // sqllogictest's `Normalizer` takes `&String`.
fn trailing_whitespace_dropped(line: &String) -> String {
    line.trim_end().to_string()
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
    use super::expand_last_cell;

    #[test]
    fn plans_expand_one_line_a_row() {
        let rows = expand_last_cell(vec!["physical_plan".into(), "A\n  B\n    C".into()]);
        assert_eq!(
            rows,
            [
                vec!["physical_plan".to_string()],
                vec!["01)A".into()],
                vec!["02)--B".into()],
                vec!["03)----C".into()],
            ]
        );
    }
}
