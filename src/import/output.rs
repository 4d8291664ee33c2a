//! Where an input's rows and rejects go: `TABLE/dt=DAY/KEY-RUN-N.parquet` files (or
//! `TABLE/KEY-RUN-N.parquet` for tables without days), a few open at a time, and
//! `_rejects/KEY-RUN.csv`. KEY names the input and RUN this import, so the files of an
//! earlier import of the same input can be told apart and replaced.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;
use tokio::runtime::Handle;

use crate::location::Location;
use crate::tables::writer::ParquetFile;

/// Day files open at once: each holds an unfinished row group in memory.
const OPEN_FILES: usize = 8;

/// The names this run writes for one input.
#[derive(Clone)]
pub struct Naming {
    pub key: String,
    pub run: String,
}

impl Naming {
    fn table_file(&self, table: &str, day: &str, part: usize) -> String {
        if day.is_empty() {
            format!("{table}/{}-{}-{part:04}.parquet", self.key, self.run)
        } else {
            format!(
                "{table}/dt={day}/{}-{}-{part:04}.parquet",
                self.key, self.run
            )
        }
    }

    pub fn rejects_file(&self) -> String {
        format!("{REJECTS}/{}-{}.csv", self.key, self.run)
    }

    /// Whether `file_name` (the last path segment) was written for this input by any run.
    pub fn owns(&self, file_name: &str) -> bool {
        file_name
            .strip_prefix(&self.key)
            .is_some_and(|rest| rest.starts_with('-'))
    }
}

/// The folder rejected records go to, under `--out`.
pub const REJECTS: &str = "_rejects";

/// One table's Parquet files for one input, by day (or one run of files without days).
pub struct TableFiles {
    table: &'static str,
    store: Arc<dyn ObjectStore>,
    out: Location,
    naming: Naming,
    schema: SchemaRef,
    runtime: Handle,
    open: HashMap<String, (ParquetFile, u64)>,
    uses: u64,
    parts: usize,
    /// Every file this run created, finished or not, for cleaning up after a failure.
    pub written: Vec<Path>,
}

impl TableFiles {
    pub fn new(
        table: &'static str,
        store: Arc<dyn ObjectStore>,
        out: Location,
        naming: Naming,
        schema: SchemaRef,
        runtime: Handle,
    ) -> Self {
        TableFiles {
            table,
            store,
            out,
            naming,
            schema,
            runtime,
            open: HashMap::new(),
            uses: 0,
            parts: 0,
            written: Vec::new(),
        }
    }

    /// Appends `batch` to the file of `day` (`""` for a table without days).
    pub fn write(&mut self, day: &str, batch: &RecordBatch) -> Result<()> {
        self.uses += 1;
        if !self.open.contains_key(day) {
            if self.open.len() >= OPEN_FILES {
                self.close_least_recent()?;
            }
            let path = self
                .out
                .object_path(&self.naming.table_file(self.table, day, self.parts))?;
            self.parts += 1;
            self.written.push(path.clone());
            let file = ParquetFile::create(
                Arc::clone(&self.store),
                path,
                Arc::clone(&self.schema),
                self.runtime.clone(),
            )?;
            self.open.insert(day.to_string(), (file, 0));
        }
        if let Some((file, used)) = self.open.get_mut(day) {
            *used = self.uses;
            file.write(batch)?;
        }
        Ok(())
    }

    fn close_least_recent(&mut self) -> Result<()> {
        let oldest = self
            .open
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(day, _)| day.clone());
        if let Some((file, _)) = oldest.and_then(|day| self.open.remove(&day)) {
            file.finish()?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<Path>> {
        for (_, (file, _)) in self.open.drain() {
            file.finish()?;
        }
        Ok(self.written)
    }
}

/// `_rejects/KEY-RUN.csv`: input, record, reason, raw; created at the first reject.
pub struct Rejects {
    store: Arc<dyn ObjectStore>,
    path: Path,
    runtime: Handle,
    writer: Option<BufWriter>,
    pending: Vec<u8>,
    pub count: u64,
}

impl Rejects {
    pub fn new(store: Arc<dyn ObjectStore>, path: Path, runtime: Handle) -> Self {
        Rejects {
            store,
            path,
            runtime,
            writer: None,
            pending: Vec::new(),
            count: 0,
        }
    }

    pub fn add(&mut self, input: &str, record: u64, reason: &str, raw: &str) -> Result<()> {
        let mut csv = csv::Writer::from_writer(&mut self.pending);
        if self.count == 0 {
            csv.write_record(["input", "record", "reason", "raw"])?;
        }
        csv.write_record([input, &record.to_string(), reason, raw])?;
        csv.flush()?;
        drop(csv);
        self.count += 1;
        if self.pending.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let bytes = std::mem::take(&mut self.pending);
        let writer = self
            .writer
            .get_or_insert_with(|| BufWriter::new(Arc::clone(&self.store), self.path.clone()));
        self.runtime
            .block_on(writer.write_all(&bytes))
            .with_context(|| format!("cannot write {}", self.path))
    }

    /// Completes the file; `false` when there was nothing to reject (no file was made).
    pub fn finish(mut self) -> Result<bool> {
        if self.count == 0 {
            return Ok(false);
        }
        self.flush()?;
        if let Some(mut writer) = self.writer.take() {
            self.runtime
                .block_on(writer.shutdown())
                .with_context(|| format!("cannot write {}", self.path))?;
        }
        Ok(true)
    }
}
