//! `callsql import`: real call logs into the canonical `calls` table, and users' own
//! exports into any canonical table (`--table`, `--from mapped`).
//!
//! Each format reads its own records and hands over canonical [`Call`]s or rejects with a
//! reason; everything after that is shared: defaults, attempt numbers, day partitions in
//! the source's time zone, Parquet files named after their input (so importing an input
//! again replaces what it wrote before) and the `_rejects/` files. While an import runs
//! its output root carries the in-progress marker `--data` refuses, so a killed import
//! is never read as a whole one.

mod call;
mod calls_batch;
mod collector;
mod convert;
mod export;
mod fold;
mod formats;
mod input;
mod mapping;
mod output;
mod sniff;
mod table_rows;
mod time;

#[cfg(test)]
mod tests;

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use datafusion::arrow::array::RecordBatch;
use futures::TryStreamExt;
use indicatif::ProgressBar;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

pub use self::call::{Call, Disposition};
use self::call::{Defaults, imported_schema};
use self::calls_batch::Attempts;
use self::collector::Collector;
use self::convert::{Converter, expression_session, import_schema};
pub use self::formats::{Explanation, explain};
use self::input::Input;
pub use self::mapping::{Mapping, table};
use self::output::{Naming, REJECTS, Rejects, TableFiles};
use self::table_rows::TableRows;
pub use self::time::Zone;
use crate::location::Location;
use crate::schema::{Layout, Table};
use crate::tables::{WRITE_IN_PROGRESS, finish_writing};

/// The formats `import --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatName {
    Asterisk,
    Freeswitch,
    Vicidial,
    Connect,
    Twilio,
    Mapped,
}

impl FormatName {
    pub const ALL: [FormatName; 6] = [
        FormatName::Asterisk,
        FormatName::Freeswitch,
        FormatName::Vicidial,
        FormatName::Connect,
        FormatName::Twilio,
        FormatName::Mapped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FormatName::Asterisk => "asterisk",
            FormatName::Freeswitch => "freeswitch",
            FormatName::Vicidial => "vicidial",
            FormatName::Connect => "connect",
            FormatName::Twilio => "twilio",
            FormatName::Mapped => "mapped",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        FormatName::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .with_context(|| {
                let names: Vec<_> = FormatName::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown import format {text:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// What to import.
pub struct ImportOptions {
    pub format: FormatName,
    /// The canonical table the rows go to; only `--from mapped` fills tables but `calls`.
    pub table: &'static Table,
    pub out: Location,
    pub inputs: Vec<String>,
    /// Local time of sources that write no offset; UTC unless given.
    pub zone: String,
    pub campaign: Option<String>,
    pub mapping: Option<Mapping>,
    /// VICIdial's `vicidial_statuses` export, for custom statuses.
    pub statuses: Option<String>,
    /// Share of rejected records that still counts as a clean import.
    pub max_reject_rate: f64,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportSummary {
    pub table: &'static str,
    pub files: usize,
    pub records: u64,
    /// Rows written (calls, for `calls`).
    pub calls: u64,
    pub folded: u64,
    /// Rows `skip_if` left out.
    pub skipped: u64,
    pub rejected: u64,
    /// Rejects per reason, with the values in quotes taken out so alike reasons count
    /// together.
    pub reasons: std::collections::BTreeMap<String, u64>,
    /// For `dnc`: the numbers the table holds after the import.
    pub listed: Option<u64>,
    pub zone: String,
    pub rejects_dir: String,
}

impl ImportSummary {
    /// The summary line: `read N records from F files: wrote W calls (folded L legs),
    /// [skipped S,] rejected R (path; most often: REASON)`.
    pub fn line(&self) -> String {
        let wrote = if self.table == "calls" || self.table.is_empty() {
            format!("wrote {} calls (folded {} legs)", self.calls, self.folded)
        } else {
            format!("wrote {} rows to {}", self.calls, self.table)
        };
        let mut line = format!(
            "read {} records from {} files: {wrote}",
            self.records, self.files
        );
        if let Some(listed) = self.listed {
            line.push_str(&format!(" ({listed} numbers listed in all)"));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", skipped {}", self.skipped));
        }
        line.push_str(&format!(", rejected {}", self.rejected));
        if self.rejected > 0 {
            let common = self
                .reasons
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(reason, n)| format!("; most often: {reason} ({n} of {})", self.rejected))
                .unwrap_or_default();
            line.push_str(&format!(" ({}{common})", self.rejects_dir));
        }
        line.push_str(&format!("; local times read as {}", self.zone));
        line
    }

    fn add(&mut self, other: ImportSummary) {
        self.records += other.records;
        self.calls += other.calls;
        self.folded += other.folded;
        self.skipped += other.skipped;
        self.rejected += other.rejected;
        for (reason, n) in other.reasons {
            *self.reasons.entry(reason).or_default() += n;
        }
    }

    fn count_reject(&mut self, reason: &str) {
        self.rejected += 1;
        *self.reasons.entry(reason_kind(reason)).or_default() += 1;
    }

    /// Rejects beyond what `max_reject_rate` allows.
    pub fn too_many_rejects(&self, max_reject_rate: f64) -> bool {
        self.rejected > 0 && (self.rejected as f64) > max_reject_rate * self.records as f64
    }
}

/// A reason with its quoted values shown as `"…"`: `talk_s: "abc" is not a number` and
/// `talk_s: "x" is not a number` are one kind of reject.
fn reason_kind(reason: &str) -> String {
    let mut kind = String::with_capacity(reason.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in reason.chars() {
        if quoted {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => {
                    quoted = false;
                    kind.push_str("…\"");
                }
                _ => escaped = false,
            }
        } else {
            if c == '"' {
                quoted = true;
            }
            kind.push(c);
        }
    }
    if quoted {
        kind.push_str("…\"");
    }
    kind
}

/// Where a format's records go.
pub trait Records {
    /// One record read from the input (before folding or rejecting).
    fn read(&mut self);
    /// Records a mapping's `skip_if` left out.
    fn skipped(&mut self, _records: u64) {}
    fn call(&mut self, call: Call) -> Result<()>;
    /// Calls in `imported_schema`, as a mapped export's converted batch holds them.
    fn calls(&mut self, batch: RecordBatch) -> Result<()>;
    fn reject(&mut self, record: u64, reason: &str, raw: &str) -> Result<()>;
    /// Records merged into a call another record already started.
    fn folded(&mut self, legs: u64);
}

/// What a format needs besides its input.
pub struct Source<'a> {
    pub name: &'a str,
    pub zone: &'a Zone,
    pub mapping: Option<&'a Mapping>,
    /// The session a mapping's SQL expressions are planned in.
    pub expressions: Option<&'a datafusion::prelude::SessionContext>,
    pub statuses: Option<&'a formats::vicidial::Statuses>,
}

/// Runs an import on the calling (blocking) thread and its workers; `runtime` does the I/O.
pub fn import(
    options: &ImportOptions,
    runtime: &Handle,
    progress: &ProgressBar,
) -> Result<ImportSummary> {
    let zone = Zone::parse(&options.zone)?;
    if options.format == FormatName::Mapped && options.mapping.is_none() {
        bail!("--from mapped needs --mapping FILE.toml");
    }
    if options.format != FormatName::Mapped && options.mapping.is_some() {
        bail!("--mapping is for --from mapped only");
    }
    if options.format != FormatName::Mapped && options.table.name != "calls" {
        bail!(
            "--from {} writes calls; import {} from an export with --from mapped --mapping FILE.toml",
            options.format.name(),
            options.table.name
        );
    }
    if let Some(mapping) = &options.mapping
        && mapping.table.name != options.table.name
    {
        bail!(
            "the mapping {} was read for {}, not {}",
            mapping.path,
            mapping.table.name,
            options.table.name
        );
    }
    let statuses = options
        .statuses
        .as_deref()
        .map(formats::vicidial::Statuses::load)
        .transpose()?;
    let inputs = input::expand(&options.inputs, runtime)?;
    let store = options.out.object_store()?;
    let marker = options.out.object_path(WRITE_IN_PROGRESS)?;
    runtime
        .block_on(store.put(&marker, "callsql import\n".into()))
        .with_context(|| format!("cannot write to {}", options.out))?;
    let before = runtime.block_on(existing_outputs(
        &options.out,
        store.as_ref(),
        options.table.name,
    ))?;
    let run = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let written = Mutex::new(Vec::<Path>::new());
    let expressions = options
        .mapping
        .as_ref()
        .map(|_| expression_session())
        .transpose()?;
    let tables = table_rows::Shared::default();
    let zone_name = match &options.mapping {
        Some(mapping) => mapping.timezone(&options.zone).to_string(),
        None => zone.name().to_string(),
    };
    let context = Shared {
        options,
        store: &store,
        runtime,
        progress,
        statuses: statuses.as_ref(),
        run: &run,
        written: &written,
        expressions: expressions.as_ref(),
        tables: &tables,
    };
    let result = import_all(&context, &inputs).and_then(|mut summary| {
        if options.table.layout == Layout::Accumulating
            && let Some(ctx) = &expressions
        {
            let listed =
                std::mem::take(&mut *tables.listed.lock().unwrap_or_else(PoisonError::into_inner));
            let folder = options.out.object_path(options.table.name)?;
            let previous: Vec<Path> = before
                .iter()
                .filter(|p| p.prefix_matches(&folder))
                .cloned()
                .collect();
            let destination = table_rows::Destination {
                store: &store,
                out: &options.out,
                run: &run,
                runtime,
            };
            let (path, numbers) = table_rows::merge_dnc(
                ctx,
                &destination,
                &previous,
                listed,
                &import_schema(options.table),
            )?;
            written
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(path);
            for old in &previous {
                runtime
                    .block_on(store.delete(old))
                    .with_context(|| format!("cannot replace {old}"))?;
            }
            summary.listed = Some(numbers);
        }
        // Only now, with every new file complete, do the old ones go: files of these
        // inputs that an earlier run wrote (all of this run's were listed after `before`).
        let namings: Vec<Naming> = inputs
            .iter()
            .map(|i| Naming {
                key: i.key(),
                run: run.clone(),
            })
            .collect();
        for path in before.iter().filter(|p| {
            let name = p.filename().unwrap_or_default();
            namings.iter().any(|n| n.owns(name))
        }) {
            runtime
                .block_on(store.delete(path))
                .with_context(|| format!("cannot replace {path}"))?;
        }
        summary.zone = zone_name.clone();
        summary.rejects_dir = options.out.child_url(REJECTS);
        summary.table = options.table.name;
        Ok(summary)
    });
    let written = written.into_inner().unwrap_or_else(PoisonError::into_inner);
    finish_writing(
        &options.out,
        store.as_ref(),
        runtime,
        result.is_err(),
        written,
    )?;
    result
}

struct Shared<'a> {
    options: &'a ImportOptions,
    store: &'a Arc<dyn ObjectStore>,
    runtime: &'a Handle,
    progress: &'a ProgressBar,
    statuses: Option<&'a formats::vicidial::Statuses>,
    run: &'a str,
    written: &'a Mutex<Vec<Path>>,
    expressions: Option<&'a datafusion::prelude::SessionContext>,
    tables: &'a table_rows::Shared,
}

/// Inputs on as many workers as there are cores, each parsing on one thread and writing
/// Parquet on another.
fn import_all(shared: &Shared, inputs: &[Input]) -> Result<ImportSummary> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(inputs.len())
        .max(1);
    let next = Mutex::new(inputs.iter());
    let total = Mutex::new(ImportSummary {
        files: inputs.len(),
        ..ImportSummary::default()
    });
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let input = {
                        let mut next = next.lock().unwrap_or_else(PoisonError::into_inner);
                        next.next()
                    };
                    let Some(input) = input else { break };
                    if first_error.lock().map_or(true, |e| e.is_some()) {
                        break;
                    }
                    let imported = if shared.options.table.name == "calls" {
                        import_one(shared, input)
                    } else {
                        import_table_one(shared, input)
                    };
                    match imported {
                        Ok(counts) => {
                            total
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .add(counts);
                        }
                        Err(error) => {
                            first_error
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = first_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        return Err(error);
    }
    Ok(total.into_inner().unwrap_or_else(PoisonError::into_inner))
}

fn import_one(shared: &Shared, input: &Input) -> Result<ImportSummary> {
    let options = shared.options;
    let naming = Naming {
        key: input.key(),
        run: shared.run.to_string(),
    };
    let zone_name = options
        .mapping
        .as_ref()
        .map_or(options.zone.as_str(), |m| m.timezone(&options.zone));
    let zone = Zone::parse(zone_name)?;
    let mut reader = input.open(shared.runtime, shared.progress)?;
    let head = std::io::BufRead::fill_buf(&mut reader)
        .map(|bytes| bytes[..bytes.len().min(4096)].to_vec())
        .with_context(|| format!("cannot read {}", input.name))?;
    let rejects_path = options.out.object_path(&naming.rejects_file())?;
    shared
        .written
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(rejects_path.clone());
    let schema = imported_schema();
    let (batches, inbox) = mpsc::sync_channel::<(String, RecordBatch)>(2);
    let files = TableFiles::new(
        "calls",
        Arc::clone(shared.store),
        options.out.clone(),
        naming,
        Arc::clone(&schema),
        shared.runtime.clone(),
    );
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<Vec<Path>> {
            let mut files = files;
            let outcome = inbox
                .iter()
                .try_for_each(|(day, batch)| files.write(&day, &batch));
            let written = files.written.clone();
            shared
                .written
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(written);
            outcome?;
            files.finish()
        });
        let mut records = Collector {
            input: &input.name,
            format: options.format,
            head: &head,
            zone: &zone,
            defaults: Defaults {
                campaign: options.campaign.as_deref(),
            },
            days: hashbrown::HashMap::new(),
            buffered: 0,
            attempts: Attempts::default(),
            batches,
            schema,
            rejects: Rejects::new(
                Arc::clone(shared.store),
                rejects_path,
                shared.runtime.clone(),
            ),
            counts: ImportSummary::default(),
            progress: shared.progress,
        };
        let source = Source {
            name: &input.name,
            zone: &zone,
            mapping: options.mapping.as_ref(),
            expressions: shared.expressions,
            statuses: shared.statuses,
        };
        let parsed = formats::read(options.format, reader, &source, &mut records)
            .and_then(|()| records.check_format(true))
            .and_then(|()| records.flush_all());
        let Collector {
            batches,
            rejects,
            counts,
            ..
        } = records;
        drop(batches);
        let wrote = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the Parquet writer stopped unexpectedly")));
        // A failed write shows up on the parsing side as a closed channel: report the cause.
        match (parsed, wrote) {
            (_, Err(error)) | (Err(error), _) => Err(error),
            (Ok(()), Ok(_)) => {
                rejects.finish()?;
                Ok(counts)
            }
        }
    })
    .with_context(|| format!("cannot import {}", input.name))
}

/// One input of a mapped export into a table besides `calls`.
fn import_table_one(shared: &Shared, input: &Input) -> Result<ImportSummary> {
    let options = shared.options;
    let (Some(mapping), Some(ctx)) = (options.mapping.as_ref(), shared.expressions) else {
        bail!(
            "--table {} needs --from mapped --mapping FILE.toml",
            options.table.name
        );
    };
    let naming = Naming {
        key: input.key(),
        run: shared.run.to_string(),
    };
    let zone = Zone::parse(mapping.timezone(&options.zone))?;
    let reader = input.open(shared.runtime, shared.progress)?;
    let rejects_path = options.out.object_path(&naming.rejects_file())?;
    shared
        .written
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(rejects_path.clone());
    let mut rejects = Rejects::new(
        Arc::clone(shared.store),
        rejects_path,
        shared.runtime.clone(),
    );
    let schema = import_schema(options.table);
    let normalize = (options.table.layout == Layout::Accumulating)
        .then(|| table_rows::phone_normalizer(ctx, &schema))
        .transpose()?;
    let mut rows = TableRows {
        table: options.table,
        zone: &zone,
        input: &input.name,
        files: TableFiles::new(
            options.table.name,
            Arc::clone(shared.store),
            options.out.clone(),
            naming,
            schema,
            shared.runtime.clone(),
        ),
        shared: shared.tables,
        normalize,
        written: 0,
    };
    let mut counts = ImportSummary::default();
    let mut converter: Option<Converter> = None;
    let outcome = export::read(reader, mapping, &input.name, &mut |text| {
        let converter = match converter.as_mut() {
            Some(converter) => converter,
            None => converter.insert(Converter::new(
                mapping,
                &zone,
                &input.name,
                &text.batch.schema(),
                ctx,
            )?),
        };
        let mut converted = converter.convert(&text)?;
        counts.records += converted.read;
        counts.skipped += converted.skipped;
        let mut rejected = std::mem::take(&mut converted.rejects);
        rejected.extend(rows.take(converted, &text)?);
        for (line, reason, raw) in rejected {
            counts.count_reject(&reason);
            rejects.add(&input.name, line, &reason, &raw)?;
        }
        shared
            .progress
            .set_message(format!("{} records", counts.records));
        Ok(())
    });
    counts.calls = rows.written;
    let written = rows.files.written.clone();
    shared
        .written
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(written);
    outcome
        .and_then(|()| rows.files.finish().map(|_| ()))
        .and_then(|()| rejects.finish().map(|_| ()))
        .map(|()| counts)
        .with_context(|| format!("cannot import {}", input.name))
}

/// Every file under the table's folder and `_rejects/` before this import wrote anything.
async fn existing_outputs(
    out: &Location,
    store: &dyn ObjectStore,
    table: &str,
) -> Result<Vec<Path>> {
    let mut paths = Vec::new();
    for folder in [table, REJECTS] {
        let prefix = out.object_path(folder)?;
        let objects: Vec<_> = store
            .list(Some(&prefix))
            .try_collect()
            .await
            .with_context(|| format!("cannot list {}", out.child_url(folder)))?;
        paths.extend(objects.into_iter().map(|o| o.location));
    }
    Ok(paths)
}
