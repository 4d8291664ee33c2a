//! A mapping applied to an export's text batches: `skip_if` and `{ sql = … }` columns run
//! as DataFusion physical expressions over the whole batch, then each target column's text
//! goes through its value map and is read as the column's type. A row is kept, skipped or
//! rejected with the first reason found; one bad row never costs the rest of its batch.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Float64Builder, Int32Builder,
    RecordBatch, StringArray, StringBuilder, TimestampMillisecondBuilder,
};
use datafusion::arrow::compute::{cast, concat, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;

use super::export::TextBatch;
use super::formats::content_id;
use super::mapping::{Mapping, SourceColumn, derived};
use super::time::{Zone, parse_vendor};
use crate::schema::{Column, Kind, Table};

/// A rejected record: its number, the reason and its raw text.
pub type Reject = (u64, String, String);

/// What one text batch became.
pub struct Converted {
    /// The kept rows in the table's import schema.
    pub batch: RecordBatch,
    /// Record numbers of the kept rows.
    pub lines: Vec<u64>,
    /// The text batch row of each kept row.
    pub origins: Vec<usize>,
    /// (record, reason, raw text) of every rejected row.
    pub rejects: Vec<Reject>,
    pub skipped: u64,
    /// Records read: kept + skipped + rejected.
    pub read: u64,
}

/// The schema `import` writes for `table`: its columns (and those an import adds),
/// nullable but for the ones every row must have.
pub fn import_schema(table: &Table) -> SchemaRef {
    if table.name == "calls" {
        return super::call::imported_schema();
    }
    Arc::new(Schema::new(
        table
            .all_columns()
            .map(|c| Field::new(c.name, c.kind.canonical_type(), !c.required))
            .collect::<Vec<_>>(),
    ))
}

enum From {
    Column(usize),
    Expression {
        expression: Arc<dyn PhysicalExpr>,
        /// Source columns the expression reads.
        reads: Vec<usize>,
    },
    Nothing,
}

struct Target<'m> {
    column: &'static Column,
    from: From,
    map: Option<&'m BTreeMap<String, String>>,
    default: Option<&'m str>,
}

/// The column expressions may read besides the export's own: the input's file name, for
/// exports that write the date only there (`通话记录_2025-06-05.xlsx`).
pub const FILE_COLUMN: &str = "_file";

/// A mapping compiled against one export's columns.
pub struct Converter<'m> {
    mapping: &'m Mapping,
    zone: &'m Zone,
    input: &'m str,
    schema: SchemaRef,
    targets: Vec<Target<'m>>,
    skip_if: Option<Arc<dyn PhysicalExpr>>,
    /// The file name of the input, the last column expressions see.
    file: String,
}

/// A session with every callsql function, for the mapping's expressions.
pub fn expression_session() -> Result<SessionContext> {
    let mut ctx = SessionContext::new();
    callsql_udfs::register_all(&mut ctx).context("cannot register callsql functions")?;
    Ok(ctx)
}

impl<'m> Converter<'m> {
    pub fn new(
        mapping: &'m Mapping,
        zone: &'m Zone,
        input: &'m str,
        text: &Schema,
        ctx: &SessionContext,
    ) -> Result<Self> {
        let mut fields: Vec<Field> = text.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new(FILE_COLUMN, DataType::Utf8, false));
        let extended = Schema::new(fields);
        let frame = DFSchema::try_from(extended.clone())?;
        let compile = |sql: &str, what: &str| -> Result<(Arc<dyn PhysicalExpr>, Vec<usize>)> {
            let explain = |e: datafusion::error::DataFusionError| {
                anyhow::anyhow!(
                    "mapping {}: {what}: cannot use {sql:?} on the columns of {input} ({}): {}",
                    mapping.path,
                    text.fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    crate::error::one_line(&anyhow::Error::from(e))
                )
            };
            let logical = ctx.parse_sql_expr(sql, &frame).map_err(explain)?;
            let mut reads: Vec<usize> = logical
                .column_refs()
                .iter()
                // The file name is always there: it says nothing about the record.
                .filter_map(|c| text.index_of(c.name()).ok())
                .collect();
            reads.sort_unstable();
            let physical = ctx.create_physical_expr(logical, &frame).map_err(explain)?;
            Ok((physical, reads))
        };
        let skip_if = mapping
            .source
            .skip_if
            .as_deref()
            .map(|sql| compile(sql, "[source] skip_if").map(|(e, _)| e))
            .transpose()?;
        let schema = import_schema(mapping.table);
        let mut targets = Vec::new();
        for field in schema.fields() {
            let Some(column) = mapping.table.all_columns().find(|c| c.name == field.name()) else {
                continue;
            };
            let source = mapping
                .columns
                .iter()
                .find(|(c, _)| c.name == column.name)
                .map(|(_, s)| s);
            let from = match source {
                None => From::Nothing,
                Some(SourceColumn::Name(name)) => From::Column(extended.index_of(name)?),
                Some(SourceColumn::Index(i)) => From::Column(i - 1),
                Some(SourceColumn::Sql(sql)) => {
                    let (expression, reads) = compile(sql, &format!("[columns] {}", column.name))?;
                    From::Expression { expression, reads }
                }
            };
            targets.push(Target {
                column,
                from,
                map: mapping.values.get(column.name),
                default: mapping
                    .defaults
                    .iter()
                    .find(|(c, _)| c.name == column.name)
                    .map(|(_, v)| v.as_str()),
            });
        }
        let file = input
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(input)
            .to_string();
        Ok(Converter {
            mapping,
            zone,
            input,
            schema,
            targets,
            skip_if,
            file,
        })
    }

    pub fn convert(&self, text: &TextBatch) -> Result<Converted> {
        let rows = text.batch.num_rows();
        let mut columns = text.batch.columns().to_vec();
        columns.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n(self.file.as_str(), rows),
        )));
        let mut fields: Vec<Field> = text
            .batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new(FILE_COLUMN, DataType::Utf8, false));
        let batch = &RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
        let mut rejected: Vec<Option<String>> = vec![None; rows];
        let skipped = match &self.skip_if {
            None => vec![false; rows],
            Some(predicate) => {
                let (values, errors) = evaluate(predicate, batch)?;
                let truth = cast(&values, &DataType::Boolean)?;
                let truth = truth.as_boolean();
                for (row, error) in errors {
                    rejected[row] = Some(format!("skip_if: {error}"));
                }
                (0..rows)
                    .map(|r| truth.is_valid(r) && truth.value(r))
                    .collect()
            }
        };
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.targets.len());
        let mut disposition_text: Option<ArrayRef> = None;
        for target in &self.targets {
            let (values, errors) = match &target.from {
                From::Column(i) => (
                    batch.columns().get(*i).cloned().unwrap_or_else(|| {
                        datafusion::arrow::array::new_null_array(&DataType::Utf8, rows)
                    }),
                    Vec::new(),
                ),
                From::Expression { expression, .. } => evaluate(expression, batch)?,
                From::Nothing => (
                    datafusion::arrow::array::new_null_array(&DataType::Utf8, rows),
                    Vec::new(),
                ),
            };
            for (row, error) in errors {
                if rejected[row].is_none() {
                    rejected[row] = Some(format!("{}: {error}", target.column.name));
                }
            }
            let values = cast(&values, &DataType::Utf8)?;
            let strings = values.as_string::<i32>();
            if target.column.name == "disposition" {
                disposition_text = Some(Arc::clone(&values));
            }
            let mut builder = Typed::new(target.column.kind, rows);
            for row in 0..rows {
                if skipped[row] || rejected[row].is_some() {
                    builder.append_null();
                    continue;
                }
                let given = strings
                    .is_valid(row)
                    .then(|| strings.value(row).trim())
                    .filter(|t| !t.is_empty());
                let outcome = match given {
                    Some(text) => self.read_value(target, text),
                    None => match self.empty(target, batch, row) {
                        Err(reason) => Err(reason),
                        Ok(()) => match target.default {
                            Some(default) => self.read_value(target, default),
                            None => Ok(None),
                        },
                    },
                };
                match outcome {
                    Ok(value) => builder.append(value),
                    Err(reason) => {
                        rejected[row] = Some(reason);
                        builder.append_null();
                    }
                }
            }
            columns.push(builder.finish());
        }
        let calls = self.mapping.table.name == "calls";
        if calls {
            self.complete_calls(text, &mut columns, disposition_text, &rejected)?;
        }
        // Rows without a value every row must have.
        for (target, values) in self.targets.iter().zip(&columns) {
            let must = if calls {
                matches!(
                    target.column.name,
                    "dialed_at" | "disposition" | "callee_number"
                )
            } else {
                target.column.required && !derived(self.mapping.table, target.column.name)
            };
            if !must {
                continue;
            }
            for row in 0..rows {
                if values.is_null(row) && !skipped[row] && rejected[row].is_none() {
                    rejected[row] = Some(format!("no {}", target.column.name));
                }
            }
        }
        let keep: BooleanArray = (0..rows)
            .map(|r| Some(!skipped[r] && rejected[r].is_none()))
            .collect();
        // Rows about to be dropped may hold NULLs where the table allows none.
        let nullable = Arc::new(Schema::new(
            self.schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect::<Vec<_>>(),
        ));
        let whole = RecordBatch::try_new(nullable, columns)?;
        let kept = filter_record_batch(&whole, &keep)?;
        let kept = RecordBatch::try_new(Arc::clone(&self.schema), kept.columns().to_vec())?;
        let mut lines = Vec::with_capacity(kept.num_rows());
        let mut origins = Vec::with_capacity(kept.num_rows());
        let mut rejects: Vec<Reject> = text.unreadable.clone();
        for row in 0..rows {
            if let Some(reason) = rejected[row].take() {
                rejects.push((text.lines[row], reason, text.raw(row)));
            } else if !skipped[row] {
                lines.push(text.lines[row]);
                origins.push(row);
            }
        }
        let skipped = skipped.iter().filter(|s| **s).count() as u64;
        Ok(Converted {
            batch: kept,
            lines,
            origins,
            read: (rows + text.unreadable.len()) as u64,
            rejects,
            skipped,
        })
    }

    /// A target whose text came out empty: a reject when an expression gave NULL for
    /// source values that were there.
    fn empty(&self, target: &Target, batch: &RecordBatch, row: usize) -> Result<(), String> {
        let From::Expression { reads, .. } = &target.from else {
            return Ok(());
        };
        let given: Vec<String> = reads
            .iter()
            .filter_map(|i| {
                let column = batch.column(*i).as_string::<i32>();
                column.is_valid(row).then(|| {
                    format!(
                        "{} = {:?}",
                        batch.schema().field(*i).name(),
                        column.value(row)
                    )
                })
            })
            .collect();
        if given.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{}: its [columns] expression is NULL for {}",
            target.column.name,
            given.join(", ")
        ))
    }

    /// A value as its column's type, through the column's value map.
    fn read_value<'t>(
        &'t self,
        target: &Target<'t>,
        text: &'t str,
    ) -> Result<Option<Value<'t>>, String> {
        let column = target.column;
        let name = column.name;
        let text = match target.map {
            Some(map) => map
                .get(text)
                .map(String::as_str)
                .ok_or_else(|| format!("{name}: value {text:?} is not in [values.{name}]"))?,
            None => text,
        };
        let bad = |what: &str| format!("{name}: {text:?} is not {what}");
        Ok(Some(match column.kind {
            Kind::Text | Kind::Category => {
                if !column.values.is_empty() && !column.values.contains(&text) {
                    return Err(format!(
                        "{name}: {text:?} is not one of {} (map it in [values.{name}])",
                        column.values.join(", ")
                    ));
                }
                Value::Text(text)
            }
            Kind::Float => Value::Float(
                text.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| bad("a number"))?,
            ),
            Kind::Integer => {
                Value::Integer(text.parse::<i32>().map_err(|_| bad("a whole number"))?)
            }
            Kind::Boolean => {
                let is = |words: &[&str]| words.iter().any(|w| text.eq_ignore_ascii_case(w));
                Value::Boolean(if is(&["true", "t", "1", "yes", "y", "是"]) {
                    true
                } else if is(&["false", "f", "0", "no", "n", "否"]) {
                    false
                } else {
                    return Err(bad("true or false (map it in [values])"));
                })
            }
            Kind::Timestamp => {
                let format = self.mapping.source.timestamp_format.as_deref();
                let Some(ms) = parse_vendor(text, format, self.zone) else {
                    let time_of_day = ["%H:%M:%S", "%H:%M"]
                        .iter()
                        .any(|f| chrono::NaiveTime::parse_from_str(text, f).is_ok());
                    return Err(if time_of_day {
                        format!("{name}: {text:?} has a time but no date")
                    } else {
                        match format {
                            Some(format) => bad(&format!(
                                "a time in the format {format:?} in {}",
                                self.zone.name()
                            )),
                            None => bad(&format!(
                                "a time (ISO-8601, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD) in {}",
                                self.zone.name()
                            )),
                        }
                    });
                };
                if ms < BEFORE_1900_MS {
                    return Err(format!("{name}: {text:?} has a time but no date"));
                }
                Value::Timestamp(ms)
            }
        }))
    }

    /// What an imported call needs besides its mapped columns: an id from its record when
    /// the export has none, and the export's own disposition text as `source_status`.
    fn complete_calls(
        &self,
        text: &TextBatch,
        columns: &mut [ArrayRef],
        disposition_text: Option<ArrayRef>,
        rejected: &[Option<String>],
    ) -> Result<()> {
        let position = |name: &str| self.targets.iter().position(|t| t.column.name == name);
        let mapped = |name: &str| {
            self.targets
                .iter()
                .any(|t| t.column.name == name && !matches!(t.from, From::Nothing))
                || self.mapping.defaults.iter().any(|(c, _)| c.name == name)
        };
        if let Some(i) = position("call_id") {
            let given = columns[i].as_string::<i32>();
            let cells: Vec<&StringArray> = text
                .batch
                .columns()
                .iter()
                .map(|c| c.as_string::<i32>())
                .collect();
            let mut record = Vec::new();
            let ids: StringArray = (0..text.batch.num_rows())
                .map(|row| {
                    if given.is_valid(row) {
                        return Some(given.value(row).to_string());
                    }
                    if rejected[row].is_some() {
                        return None;
                    }
                    // The record's cells, apart by a separator no text holds.
                    record.clear();
                    for cell in &cells {
                        if cell.is_valid(row) {
                            record.extend_from_slice(cell.value(row).as_bytes());
                        }
                        record.push(0x1f);
                    }
                    Some(content_id("mapped", self.input, &record, text.lines[row]))
                })
                .collect();
            columns[i] = Arc::new(ids);
        }
        if !mapped("source_status")
            && let (Some(i), Some(disposition)) = (position("source_status"), disposition_text)
        {
            columns[i] = disposition;
        }
        Ok(())
    }
}

/// 1900-01-01T00:00:00Z: a time before it is a time of day read without its date.
const BEFORE_1900_MS: i64 = -2_208_988_800_000;

/// An expression over a batch; when the batch as a whole fails, row by row, so only the
/// rows that fail are lost (with their error).
fn evaluate(
    expression: &Arc<dyn PhysicalExpr>,
    batch: &RecordBatch,
) -> Result<(ArrayRef, Vec<(usize, String)>)> {
    if let Ok(values) = expression
        .evaluate(batch)
        .and_then(|v| v.into_array(batch.num_rows()))
    {
        return Ok((values, Vec::new()));
    }
    let mut parts = Vec::with_capacity(batch.num_rows());
    let mut errors = Vec::new();
    let mut data_type = DataType::Utf8;
    for row in 0..batch.num_rows() {
        match expression
            .evaluate(&batch.slice(row, 1))
            .and_then(|v| v.into_array(1))
        {
            Ok(value) => {
                data_type = value.data_type().clone();
                parts.push(Some(value));
            }
            Err(error) => {
                errors.push((row, crate::error::one_line(&anyhow::Error::from(error))));
                parts.push(None);
            }
        }
    }
    let parts: Vec<ArrayRef> = parts
        .into_iter()
        .map(|p| p.unwrap_or_else(|| datafusion::arrow::array::new_null_array(&data_type, 1)))
        .map(|p| cast(&p, &data_type))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&dyn Array> = parts.iter().map(AsRef::as_ref).collect();
    let values = if refs.is_empty() {
        datafusion::arrow::array::new_null_array(&data_type, 0)
    } else {
        concat(&refs)?
    };
    Ok((values, errors))
}

enum Value<'t> {
    Text(&'t str),
    Float(f64),
    Integer(i32),
    Boolean(bool),
    Timestamp(i64),
}

enum Typed {
    Text(StringBuilder),
    Float(Float64Builder),
    Integer(Int32Builder),
    Boolean(BooleanBuilder),
    Timestamp(TimestampMillisecondBuilder),
}

impl Typed {
    fn new(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Text | Kind::Category => {
                Typed::Text(StringBuilder::with_capacity(rows, rows * 8))
            }
            Kind::Float => Typed::Float(Float64Builder::with_capacity(rows)),
            Kind::Integer => Typed::Integer(Int32Builder::with_capacity(rows)),
            Kind::Boolean => Typed::Boolean(BooleanBuilder::with_capacity(rows)),
            Kind::Timestamp => Typed::Timestamp(TimestampMillisecondBuilder::with_capacity(rows)),
        }
    }

    fn append_null(&mut self) {
        match self {
            Typed::Text(b) => b.append_null(),
            Typed::Float(b) => b.append_null(),
            Typed::Integer(b) => b.append_null(),
            Typed::Boolean(b) => b.append_null(),
            Typed::Timestamp(b) => b.append_null(),
        }
    }

    fn append(&mut self, value: Option<Value<'_>>) {
        match (self, value) {
            (Typed::Text(b), Some(Value::Text(v))) => b.append_value(v),
            (Typed::Float(b), Some(Value::Float(v))) => b.append_value(v),
            (Typed::Integer(b), Some(Value::Integer(v))) => b.append_value(v),
            (Typed::Boolean(b), Some(Value::Boolean(v))) => b.append_value(v),
            (Typed::Timestamp(b), Some(Value::Timestamp(v))) => b.append_value(v),
            (typed, _) => typed.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Typed::Text(mut b) => Arc::new(b.finish()),
            Typed::Float(mut b) => Arc::new(b.finish()),
            Typed::Integer(mut b) => Arc::new(b.finish()),
            Typed::Boolean(mut b) => Arc::new(b.finish()),
            Typed::Timestamp(mut b) => Arc::new(b.finish().with_timezone("UTC")),
        }
    }
}
