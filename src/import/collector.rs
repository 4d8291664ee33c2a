//! Calls of one input on their way to day batches: completed, numbered by attempt, put in
//! the day their dial time falls on in the input's time zone, and sent to the Parquet
//! writer a batch at a time.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use datafusion::arrow::array::{AsArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{concat_batches, take_record_batch};
use datafusion::arrow::datatypes::{SchemaRef, TimestampMillisecondType};
use indicatif::ProgressBar;

use super::call::{Call, CallsBuilder, Defaults};
use super::calls_batch::{self, Attempts};
use super::output::Rejects;
use super::time::{self, Zone};
use super::{FormatName, ImportSummary, Records, sniff};

/// Rows a day holds before it becomes a batch, and rows all days may hold.
const BATCH_ROWS: usize = 64 * 1024;
const BUFFERED_ROWS: usize = 256 * 1024;

pub(super) struct Collector<'a> {
    pub input: &'a str,
    pub format: FormatName,
    /// The input's first bytes, to tell what it is when nothing in it can be read.
    pub head: &'a [u8],
    pub zone: &'a Zone,
    pub defaults: Defaults<'a>,
    pub days: hashbrown::HashMap<NaiveDate, DayRows>,
    pub buffered: usize,
    pub attempts: Attempts,
    pub batches: mpsc::SyncSender<(String, RecordBatch)>,
    pub schema: SchemaRef,
    pub rejects: Rejects,
    pub counts: ImportSummary,
    pub progress: &'a ProgressBar,
}

/// A day's calls not sent yet: calls appended one at a time (formats that read records)
/// and whole batches (mapped exports).
pub(super) struct DayRows {
    builder: CallsBuilder,
    batches: Vec<RecordBatch>,
    batched_rows: usize,
}

impl DayRows {
    fn new(schema: &SchemaRef) -> Self {
        DayRows {
            builder: CallsBuilder::new(Arc::clone(schema)),
            batches: Vec::new(),
            batched_rows: 0,
        }
    }

    fn len(&self) -> usize {
        self.builder.len() + self.batched_rows
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        if self.builder.len() > 0 {
            self.batches.push(self.builder.finish()?);
        }
        let batch = concat_batches(schema, &self.batches)?;
        self.batches.clear();
        self.batched_rows = 0;
        Ok(batch)
    }
}

impl Collector<'_> {
    fn send(&mut self, day: NaiveDate) -> Result<()> {
        let Some(rows) = self.days.get_mut(&day) else {
            return Ok(());
        };
        self.buffered -= rows.len();
        let batch = rows.finish(&self.schema)?;
        self.batches
            .send((time::partition_day(day), batch))
            .map_err(|_| anyhow::anyhow!("the Parquet writer stopped"))
    }

    /// Sends `day`'s rows once they make a batch, or the largest day's once all days
    /// together hold too many.
    fn added(&mut self, day: NaiveDate, rows: usize) -> Result<()> {
        self.buffered += rows;
        self.counts.calls += rows as u64;
        if self.days.get(&day).is_some_and(|d| d.len() >= BATCH_ROWS) {
            self.send(day)?;
        } else if self.buffered >= BUFFERED_ROWS {
            let largest = self
                .days
                .iter()
                .max_by_key(|(_, rows)| rows.len())
                .map(|(day, _)| *day);
            if let Some(day) = largest {
                self.send(day)?;
            }
        }
        Ok(())
    }

    /// Stops an input none of whose first records could be read when its first bytes say
    /// it is in another format; `ended` once the input has no more records.
    pub fn check_format(&self, ended: bool) -> Result<()> {
        let counts = &self.counts;
        let nothing_read = counts.calls == 0 && counts.folded == 0 && counts.rejected > 0;
        let enough = counts.rejected == sniff::FIRST_RECORDS
            || (ended && counts.rejected < sniff::FIRST_RECORDS);
        if nothing_read
            && enough
            && let Some(message) = sniff::wrong_format(self.format, self.head)
        {
            bail!(message);
        }
        Ok(())
    }

    pub fn flush_all(&mut self) -> Result<()> {
        let days: Vec<NaiveDate> = self.days.keys().copied().collect();
        for day in days {
            self.send(day)?;
        }
        Ok(())
    }
}

impl Records for Collector<'_> {
    fn read(&mut self) {
        self.counts.records += 1;
        if self.counts.records.is_multiple_of(65_536) {
            self.progress
                .set_message(format!("{} records", self.counts.records));
        }
    }

    fn call(&mut self, mut call: Call) -> Result<()> {
        call.complete(&self.defaults);
        if call.attempt_no.is_none()
            && let (Some(campaign), Some(customer)) = (&call.campaign_id, &call.customer_id)
        {
            call.attempt_no = Some(self.attempts.next(campaign, customer));
        }
        let Some(date) = self.zone.local_date(call.dialed_at) else {
            return self.reject(0, "dial time out of range", &call.call_id);
        };
        let schema = &self.schema;
        self.days
            .entry(date)
            .or_insert_with(|| DayRows::new(schema))
            .builder
            .append(&call);
        self.added(date, 1)
    }

    fn calls(&mut self, batch: RecordBatch) -> Result<()> {
        let batch = self
            .attempts
            .number(&calls_batch::complete(&batch, &self.defaults)?)?;
        let dialed = batch
            .column_by_name("dialed_at")
            .map(|column| column.as_primitive::<TimestampMillisecondType>().clone());
        let Some(dialed) = dialed else {
            bail!("the imported batch has no column dialed_at");
        };
        // A batch spans a few days: the rows of each, in order.
        let mut days: Vec<(NaiveDate, Vec<u32>)> = Vec::new();
        for (row, &ms) in dialed.values().iter().enumerate() {
            let Some(date) = self.zone.local_date(ms) else {
                let call_id = batch
                    .column_by_name("call_id")
                    .map(|ids| ids.as_string::<i32>().value(row).to_string())
                    .unwrap_or_default();
                self.reject(0, "dial time out of range", &call_id)?;
                continue;
            };
            match days.iter_mut().find(|(day, _)| *day == date) {
                Some((_, rows)) => rows.push(row as u32),
                None => days.push((date, vec![row as u32])),
            }
        }
        for (date, rows) in days {
            let count = rows.len();
            let part = if count == batch.num_rows() {
                batch.clone()
            } else {
                take_record_batch(&batch, &UInt32Array::from(rows))?
            };
            let schema = &self.schema;
            let day = self
                .days
                .entry(date)
                .or_insert_with(|| DayRows::new(schema));
            day.batches.push(part);
            day.batched_rows += count;
            self.added(date, count)?;
        }
        Ok(())
    }

    fn reject(&mut self, record: u64, reason: &str, raw: &str) -> Result<()> {
        self.counts.count_reject(reason);
        self.check_format(false)?;
        self.rejects.add(self.input, record, reason, raw)
    }

    fn skipped(&mut self, records: u64) {
        self.counts.skipped += records;
    }

    fn folded(&mut self, legs: u64) {
        self.counts.folded += legs;
    }
}
