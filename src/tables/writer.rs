//! Writing canonical tables as zstd Parquet to a local directory or S3.
//!
//! Each file is one object upload that becomes visible only when complete (S3 multipart
//! completion, or a rename on local disk), so an interrupted run leaves no truncated file.

use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use tokio::runtime::Handle;

/// Rows per row group: several per day file, so scans parallelise and prune within a day.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Columns whose values are (nearly) unique: a dictionary would only be built and thrown away.
const UNIQUE_COLUMNS: [&str; 8] = [
    "call_id",
    "order_id",
    "customer_id",
    "callee_number",
    "phone",
    "transcript",
    "dialed_at",
    "ended_at",
];

fn writer_properties() -> Result<WriterProperties> {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page);
    for column in UNIQUE_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    Ok(builder.build())
}

/// A Parquet file being written from a synchronous worker thread.
pub struct ParquetFile {
    writer: AsyncArrowWriter<BufWriter>,
    runtime: Handle,
    path: Path,
}

impl ParquetFile {
    pub fn create(
        store: Arc<dyn ObjectStore>,
        path: Path,
        schema: SchemaRef,
        runtime: Handle,
    ) -> Result<Self> {
        let sink = BufWriter::new(store, path.clone());
        let writer = AsyncArrowWriter::try_new(sink, schema, Some(writer_properties()?))?;
        Ok(ParquetFile {
            writer,
            runtime,
            path,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.runtime
            .block_on(self.writer.write(batch))
            .with_context(|| format!("cannot write {}", self.path))
    }

    pub fn finish(self) -> Result<()> {
        let ParquetFile {
            writer,
            runtime,
            path,
        } = self;
        runtime
            .block_on(writer.close())
            .with_context(|| format!("cannot write {path}"))?;
        Ok(())
    }
}

/// Writes one batch as a whole file.
pub fn write_file(
    store: &Arc<dyn ObjectStore>,
    path: Path,
    batch: &RecordBatch,
    runtime: &Handle,
) -> Result<()> {
    let mut file = ParquetFile::create(Arc::clone(store), path, batch.schema(), runtime.clone())?;
    file.write(batch)?;
    file.finish()
}
