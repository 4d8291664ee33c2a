//! Mapped rows of the tables besides `calls`, on their way to Parquet: fact tables by the
//! local day of their time column, dimension tables as one snapshot per input with each
//! key once per import, and `dnc` gathered for one merge at the end of the import.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt32Array,
};
use datafusion::arrow::compute::{filter_record_batch, take_record_batch};
use datafusion::arrow::datatypes::{SchemaRef, TimestampMillisecondType};
use datafusion::common::DFSchema;
use datafusion::execution::FunctionRegistry;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{SessionContext, col};

use super::convert::{Converted, Reject};
use super::export::TextBatch;
use super::output::TableFiles;
use super::time::{self, Zone};
use crate::schema::{Layout, Table};

/// What every input of one import shares.
#[derive(Default)]
pub struct Shared {
    /// Keys of a dimension table seen so far: key → where it was first seen.
    pub keys: Mutex<HashMap<String, String>>,
    /// `dnc` rows of every input, merged with the table when the import ends.
    pub listed: Mutex<Vec<RecordBatch>>,
}

/// One input's rows of `table`.
pub struct TableRows<'a> {
    pub table: &'static Table,
    pub zone: &'a Zone,
    pub input: &'a str,
    pub files: TableFiles,
    pub shared: &'a Shared,
    /// `normalize_phone(phone)` over the import schema, for `dnc`.
    pub normalize: Option<Arc<dyn PhysicalExpr>>,
    pub written: u64,
}

/// `normalize_phone(phone)` compiled for `dnc` rows.
pub fn phone_normalizer(ctx: &SessionContext, schema: &SchemaRef) -> Result<Arc<dyn PhysicalExpr>> {
    let frame = DFSchema::try_from(schema.as_ref().clone())?;
    let function = ctx
        .udf("normalize_phone")
        .context("normalize_phone is not registered")?;
    Ok(ctx.create_physical_expr(function.call(vec![col("phone")]), &frame)?)
}

impl TableRows<'_> {
    /// Writes (or gathers) a converted batch; returns the rows it rejects itself, as
    /// (record, reason, raw).
    pub fn take(&mut self, converted: Converted, text: &TextBatch) -> Result<Vec<Reject>> {
        let Converted {
            batch,
            lines,
            origins,
            ..
        } = converted;
        let raw = |row: usize| text.raw(origins[row]);
        match self.table.layout {
            Layout::Facts { day_of } => {
                self.by_day(&batch, day_of)?;
                self.written += batch.num_rows() as u64;
                Ok(Vec::new())
            }
            Layout::Dimension => {
                let (batch, rejects) = self.first_of_each_key(batch, &lines, raw)?;
                self.files.write("", &batch)?;
                self.written += batch.num_rows() as u64;
                Ok(rejects)
            }
            Layout::Accumulating => {
                let (batch, rejects) = self.normalized(batch, &lines, raw)?;
                self.written += batch.num_rows() as u64;
                self.shared
                    .listed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(batch);
                Ok(rejects)
            }
        }
    }

    fn by_day(&mut self, batch: &RecordBatch, day_of: &str) -> Result<()> {
        let times = batch
            .column_by_name(day_of)
            .context("the batch has no day column")?
            .as_primitive::<TimestampMillisecondType>();
        let mut days: Vec<(NaiveDate, Vec<u32>)> = Vec::new();
        for row in 0..batch.num_rows() {
            let Some(day) = self.zone.local_date(times.value(row)) else {
                continue;
            };
            match days.iter_mut().find(|(d, _)| *d == day) {
                Some((_, rows)) => rows.push(row as u32),
                None => days.push((day, vec![row as u32])),
            }
        }
        for (day, rows) in days {
            let part = take_record_batch(batch, &UInt32Array::from(rows))?;
            self.files.write(&time::partition_day(day), &part)?;
        }
        Ok(())
    }

    fn first_of_each_key(
        &mut self,
        batch: RecordBatch,
        lines: &[u64],
        raw: impl Fn(usize) -> String,
    ) -> Result<(RecordBatch, Vec<Reject>)> {
        let key = self.table.key;
        let keys = text_column(&batch, key)?;
        let mut seen = self
            .shared
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut rejects = Vec::new();
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|row| {
                let value = keys.value(row);
                let here = format!("{} record {}", self.input, lines[row]);
                match seen.get(value) {
                    Some(first) => {
                        rejects.push((
                            lines[row],
                            format!(
                                "{key} {value:?} is listed twice in this import (first at {first})"
                            ),
                            raw(row),
                        ));
                        Some(false)
                    }
                    None => {
                        seen.insert(value.to_string(), here);
                        Some(true)
                    }
                }
            })
            .collect();
        Ok((filter_record_batch(&batch, &keep)?, rejects))
    }

    /// `dnc` rows with their numbers in E.164 form and as the list wrote them; numbers
    /// that are not phone numbers are rejected.
    fn normalized(
        &self,
        batch: RecordBatch,
        lines: &[u64],
        raw: impl Fn(usize) -> String,
    ) -> Result<(RecordBatch, Vec<Reject>)> {
        let Some(normalize) = &self.normalize else {
            return Ok((batch, Vec::new()));
        };
        let normalized = normalize.evaluate(&batch)?.into_array(batch.num_rows())?;
        let normalized = normalized.as_string::<i32>();
        let listed = text_column(&batch, "phone")?;
        let rejects = lines
            .iter()
            .enumerate()
            .filter(|(row, _)| normalized.is_null(*row))
            .map(|(row, line)| {
                (
                    *line,
                    format!("phone: {:?} is not a valid phone number", listed.value(row)),
                    raw(row),
                )
            })
            .collect();
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|row| Some(normalized.is_valid(row)))
            .collect();
        let schema = batch.schema();
        let columns = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| {
                let column: &dyn Array = match field.name().as_str() {
                    "phone" => normalized,
                    "listed_phone" => listed,
                    _ => column.as_ref(),
                };
                Ok(datafusion::arrow::compute::filter(column, &keep)?)
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        Ok((RecordBatch::try_new(schema, columns)?, rejects))
    }
}

fn text_column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b StringArray> {
    Ok(batch
        .column_by_name(name)
        .with_context(|| format!("the batch has no column {name}"))?
        .as_string::<i32>())
}

/// Where and as which run an import writes.
pub struct Destination<'a> {
    pub store: &'a Arc<dyn object_store::ObjectStore>,
    pub out: &'a crate::location::Location,
    pub run: &'a str,
    pub runtime: &'a tokio::runtime::Handle,
}

/// The `dnc` table after this import: the rows already there (`existing`) and the ones
/// listed now, one row per number with its earliest listing, written as one new file.
/// Returns its path and how many numbers it holds.
pub fn merge_dnc(
    ctx: &SessionContext,
    to: &Destination,
    existing: &[object_store::path::Path],
    listed: Vec<RecordBatch>,
    schema: &SchemaRef,
) -> Result<(object_store::path::Path, u64)> {
    use object_store::ObjectStoreExt;
    let Destination {
        store,
        out,
        run,
        runtime,
    } = to;
    let mut batches = listed;
    for path in existing {
        let bytes = runtime
            .block_on(async { store.get(path).await?.bytes().await })
            .with_context(|| format!("cannot read {path}"))?;
        let reader =
            datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                bytes,
            )
            .and_then(|b| b.build())
            .with_context(|| format!("cannot read {path} as Parquet"))?;
        for batch in reader {
            let batch = batch.with_context(|| format!("cannot read {path}"))?;
            batches.push(conformed(&batch, schema).with_context(|| format!("cannot read {path}"))?);
        }
    }
    let table = datafusion::datasource::MemTable::try_new(Arc::clone(schema), vec![batches])?;
    let merged = runtime.block_on(async {
        let ctx = ctx.clone();
        ctx.register_table("listed", Arc::new(table))?;
        let frame = ctx
            .sql(
                "SELECT phone, min(added_at) AS added_at, \
                   first_value(source ORDER BY added_at, source) AS source, \
                   first_value(listed_phone ORDER BY added_at, listed_phone) AS listed_phone \
                 FROM listed GROUP BY phone ORDER BY phone",
            )
            .await?;
        let batches = frame.collect().await?;
        ctx.deregister_table("listed")?;
        Ok::<_, datafusion::error::DataFusionError>(batches)
    })?;
    let path = out.object_path(&format!("dnc/dnc-{run}.parquet"))?;
    let mut file = crate::tables::writer::ParquetFile::create(
        Arc::clone(store),
        path.clone(),
        Arc::clone(schema),
        tokio::runtime::Handle::clone(runtime),
    )?;
    let mut numbers = 0;
    for batch in merged {
        numbers += batch.num_rows() as u64;
        let batch = RecordBatch::try_new(Arc::clone(schema), batch.columns().to_vec())?;
        file.write(&batch)?;
    }
    file.finish()?;
    Ok((path, numbers))
}

/// `batch` in `schema`: its columns by name, cast; those it lacks as NULLs.
fn conformed(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| match batch.column_by_name(field.name()) {
            Some(column) => Ok(datafusion::arrow::compute::cast(column, field.data_type())?),
            None => Ok(datafusion::arrow::array::new_null_array(
                field.data_type(),
                batch.num_rows(),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}
