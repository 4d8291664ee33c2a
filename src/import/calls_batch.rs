//! A batch of imported calls made whole column by column, as [`Call::complete`] makes one
//! call whole, and numbered by attempt. A mapped export arrives as converted batches;
//! taking them apart into one `Call` per row (a string copy per field) and building them
//! up again cost more than reading and converting the export.
//!
//! [`Call::complete`]: super::call::Call::complete

use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int32Array, RecordBatch, Scalar, StringArray,
    TimestampMillisecondArray,
};
use datafusion::arrow::compute::is_not_null;
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::datatypes::{Float64Type, Int32Type, TimestampMillisecondType};

use super::call::{DEFAULT_CAMPAIGN, Defaults, seconds_between};

/// The columns of `batch` (in `imported_schema`) a completion reads and replaces.
struct Columns<'b> {
    batch: &'b RecordBatch,
}

impl<'b> Columns<'b> {
    fn index(&self, name: &str) -> Result<usize> {
        self.batch
            .schema()
            .index_of(name)
            .with_context(|| format!("the imported batch has no column {name}"))
    }

    fn get(&self, name: &str) -> Result<&'b ArrayRef> {
        Ok(self.batch.column(self.index(name)?))
    }

    fn seconds(&self, name: &str) -> Result<&'b Float64Array> {
        Ok(self.get(name)?.as_primitive::<Float64Type>())
    }

    fn times(&self, name: &str) -> Result<&'b TimestampMillisecondArray> {
        Ok(self.get(name)?.as_primitive::<TimestampMillisecondType>())
    }
}

/// `batch` with what its rows leave out filled in as [`Call::complete`] fills it: the
/// campaign (`--campaign` wins), the customer (the dialled number), the ring time (from
/// the answer or end time), zero for the other durations and the end time from the
/// durations.
///
/// [`Call::complete`]: super::call::Call::complete
pub fn complete(batch: &RecordBatch, defaults: &Defaults) -> Result<RecordBatch> {
    let columns = Columns { batch };
    let rows = batch.num_rows();
    let mut replaced: Vec<ArrayRef> = batch.columns().to_vec();

    let campaign = columns.get("campaign_id")?;
    replaced[columns.index("campaign_id")?] = match defaults.campaign {
        Some(campaign) => Arc::new(StringArray::from(vec![campaign; rows])),
        None => zip(
            &is_not_null(campaign)?,
            campaign,
            &Scalar::new(StringArray::from(vec![DEFAULT_CAMPAIGN])),
        )?,
    };
    let customer = columns.get("customer_id")?;
    replaced[columns.index("customer_id")?] = zip(
        &is_not_null(customer)?,
        customer,
        columns.get("callee_number")?,
    )?;

    let dialed = columns.times("dialed_at")?;
    let (answered, ended) = (columns.times("answered_at")?, columns.times("ended_at")?);
    let given_ring = columns.seconds("ring_s")?;
    let ring: Vec<f64> = (0..rows)
        .map(|row| {
            if given_ring.is_valid(row) {
                given_ring.value(row)
            } else if answered.is_valid(row) {
                seconds_between(dialed.value(row), answered.value(row))
            } else if ended.is_valid(row) {
                seconds_between(dialed.value(row), ended.value(row))
            } else {
                0.0
            }
        })
        .collect();
    let or_zero = |name: &str| -> Result<Vec<f64>> {
        let seconds = columns.seconds(name)?;
        Ok((0..rows)
            .map(|row| {
                if seconds.is_valid(row) {
                    seconds.value(row)
                } else {
                    0.0
                }
            })
            .collect())
    };
    let (talk, hold, acw) = (or_zero("talk_s")?, or_zero("hold_s")?, or_zero("acw_s")?);
    let end: TimestampMillisecondArray = (0..rows)
        .map(|row| {
            Some(if ended.is_valid(row) {
                ended.value(row)
            } else {
                let seconds = ring[row] + talk[row] + hold[row];
                dialed.value(row) + (seconds * 1000.0).round() as i64
            })
        })
        .collect();
    replaced[columns.index("ended_at")?] = Arc::new(end.with_timezone_opt(dialed.timezone()));
    for (name, values) in [
        ("ring_s", ring),
        ("talk_s", talk),
        ("hold_s", hold),
        ("acw_s", acw),
    ] {
        replaced[columns.index(name)?] = Arc::new(Float64Array::from(values));
    }
    Ok(RecordBatch::try_new(batch.schema(), replaced)?)
}

/// Attempts so far per campaign and customer, keyed by a hash of the pair (no copy of
/// either string per call).
#[derive(Default)]
pub struct Attempts(hashbrown::HashMap<u64, i32>);

impl Attempts {
    /// The number of this attempt at `customer` in `campaign`: 1 for the first one seen.
    pub fn next(&mut self, campaign: &str, customer: &str) -> i32 {
        let mut key = twox_hash::XxHash3_128::new();
        key.write(campaign.as_bytes());
        key.write(&[0xff]);
        key.write(customer.as_bytes());
        // 64 bits keep the table small enough for the cache; two pairs sharing them among
        // a billion is a chance of about 3 in 100.
        let count = self.0.entry(key.finish_128() as u64).or_insert(0);
        *count += 1;
        *count
    }

    /// `batch` with each row whose attempt number is NULL numbered, in row order, where
    /// its campaign and customer are known.
    pub fn number(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let columns = Columns { batch };
        let index = columns.index("attempt_no")?;
        let given = batch.column(index).as_primitive::<Int32Type>();
        let campaign = columns.get("campaign_id")?.as_string::<i32>();
        let customer = columns.get("customer_id")?.as_string::<i32>();
        let numbered: Int32Array = (0..batch.num_rows())
            .map(|row| {
                if given.is_valid(row) {
                    Some(given.value(row))
                } else if campaign.is_valid(row) && customer.is_valid(row) {
                    Some(self.next(campaign.value(row), customer.value(row)))
                } else {
                    None
                }
            })
            .collect();
        let mut replaced = batch.columns().to_vec();
        replaced[index] = Arc::new(numbered);
        Ok(RecordBatch::try_new(batch.schema(), replaced)?)
    }
}
