//! `callsql gen`: a deterministic synthetic call centre with planted truth.
//!
//! The same options always give the same rows. A sequential dialer simulation decides who
//! is dialled when and what happens (cheap), and worker threads turn each day's plan into
//! Parquet (expensive), so memory stays bounded by a few days of calls at any scale. The
//! parameters behind the data are written to `truth.json` beside the tables.

mod calls;
mod dimensions;
mod model;
mod phone;
mod purchases;
mod schedule;
mod sessions;
mod transcript;
mod truth;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate, Weekday};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use crate::location::Location;
use crate::schema;
use crate::tables;
use crate::tables::writer::{ParquetFile, write_file};
use calls::CallFacts;
use model::World;

/// Rows per batch handed to the Parquet writer.
const BATCH_ROWS: usize = 64 * 1024;
/// Customers per `customers` / organic `orders` file.
const CUSTOMERS_PER_FILE: u32 = 1 << 20;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub out: Location,
    pub rows: u64,
    pub seed: u64,
    pub days: u32,
    pub start: NaiveDate,
    pub campaigns: usize,
    pub customers: u64,
    pub agents: usize,
    /// Number of customer-service sessions (the `sessions` table; 0 writes none).
    pub sessions: u64,
    /// Replace the canonical tables already at `out` instead of refusing.
    pub overwrite: bool,
}

impl GenOptions {
    /// Checks the options and fills defaults that depend on others.
    pub fn new(
        out: Location,
        rows: u64,
        seed: u64,
        days: u32,
        start: NaiveDate,
        campaigns: usize,
        customers: Option<u64>,
    ) -> Result<Self> {
        if rows == 0 {
            bail!("--rows must be at least 1");
        }
        if days == 0 || days > 3660 {
            bail!("--days must be between 1 and 3660, got {days}");
        }
        if campaigns == 0 || campaigns > 999 {
            bail!("--campaigns must be between 1 and 999, got {campaigns}");
        }
        let customers = customers.unwrap_or_else(|| (rows / 8).max(100));
        if customers == 0 || customers > u64::from(u32::MAX) {
            bail!(
                "--customers must be between 1 and {}, got {customers}",
                u32::MAX
            );
        }
        Ok(GenOptions {
            out,
            rows,
            seed,
            days,
            start,
            campaigns,
            customers,
            agents: (campaigns * 6).max(8),
            sessions: (rows / 4).max(100),
            overwrite: false,
        })
    }

    /// UTC milliseconds of local midnight starting day `day` of the window.
    pub fn local_day_start_ms(&self, day: u32) -> i64 {
        let midnight = self.start.and_time(chrono::NaiveTime::MIN).and_utc();
        midnight.timestamp_millis() + i64::from(day) * 86_400_000
            - model::UTC_OFFSET_HOURS * 3_600_000
    }

    fn date(&self, day: u32) -> NaiveDate {
        self.start + chrono::Days::new(u64::from(day))
    }

    pub fn is_weekend(&self, day: u32) -> bool {
        matches!(self.date(day).weekday(), Weekday::Sat | Weekday::Sun)
    }
}

/// A 64-bit mix of two values (SplitMix64's finaliser), for per-row random streams.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash as a uniform number in [0, 1).
pub(crate) fn unit_from_hash(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct GenSummary {
    pub calls: u64,
    pub orders: u64,
    pub customers: u64,
    pub sessions: u64,
    pub files: usize,
}

/// Generates every canonical table and `truth.json` under `options.out`. Runs on the
/// calling (blocking) thread and its own workers; `runtime` performs the uploads.
pub fn generate(
    options: &GenOptions,
    runtime: Handle,
    progress: &ProgressBar,
) -> Result<GenSummary> {
    let store = options.out.object_store()?;
    runtime.block_on(prepare_output(options, store.as_ref()))?;
    let world = World::new(options);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let written = Mutex::new(Vec::<Path>::new());
    let result = write_all(
        options, &world, &store, &runtime, progress, workers, &written,
    );
    let written = written.into_inner().unwrap_or_default();
    tables::finish_writing(
        &options.out,
        store.as_ref(),
        &runtime,
        result.is_err(),
        written,
    )?;
    result
}

fn write_all(
    options: &GenOptions,
    world: &World,
    store: &Arc<dyn ObjectStore>,
    runtime: &Handle,
    progress: &ProgressBar,
    workers: usize,
    written: &Mutex<Vec<Path>>,
) -> Result<GenSummary> {
    progress.set_length(options.rows);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} calls {human_pos}/{human_len} [{bar:30}] {percent}% {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let record = |path: Path| lock(written).push(path);
    let put = |relative: String, batch: &datafusion::arrow::array::RecordBatch| -> Result<()> {
        let path = options.out.object_path(&relative)?;
        record(path.clone());
        write_file(store, path, batch, runtime)
    };

    // Calls, day by day: the dialer plans on this thread, workers build and write.
    let facts = Mutex::new(CallFacts::default());
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    let (plans, inbox) = mpsc::sync_channel::<schedule::DayPlan>(1);
    let inbox = Mutex::new(inbox);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let plan = match lock(&inbox).recv() {
                        Ok(plan) => plan,
                        Err(_) => break,
                    };
                    if failed.load(Ordering::Relaxed) {
                        continue;
                    }
                    let mut day_facts = CallFacts::default();
                    let outcome = write_day(
                        options,
                        world,
                        store,
                        runtime,
                        &plan,
                        &mut day_facts,
                        &record,
                        progress,
                    )
                    .and_then(|()| {
                        if day_facts.orders.is_empty() {
                            return Ok(());
                        }
                        let batch = dimensions::call_orders(&day_facts.orders)?;
                        put(
                            format!("orders/calls-{}.parquet", options.date(plan.day)),
                            &batch,
                        )
                    });
                    match outcome {
                        Ok(()) => lock(&facts).absorb(day_facts),
                        Err(error) => {
                            failed.store(true, Ordering::Relaxed);
                            lock(&first_error).get_or_insert(error);
                        }
                    }
                }
            });
        }
        let mut scheduler = schedule::Scheduler::new(options, world);
        while let Some(plan) = scheduler.next_day() {
            if failed.load(Ordering::Relaxed) || plans.send(plan).is_err() {
                break;
            }
        }
        drop(plans);
    });
    if let Some(error) = first_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        return Err(error);
    }
    let mut facts = facts.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Days finish in any order across workers: sort so the DNC file is the same every run.
    facts.dnc_requests.sort_unstable();
    progress.finish_and_clear();

    // Customers and their organic orders, in chunks of customers.
    let mut purchases = purchases::PurchaseFacts::default();
    let mut chunk = 0;
    while u64::from(chunk) * u64::from(CUSTOMERS_PER_FILE) < options.customers {
        let first = chunk * CUSTOMERS_PER_FILE;
        let end = (u64::from(first) + u64::from(CUSTOMERS_PER_FILE)).min(options.customers) as u32;
        put(
            format!("customers/part-{chunk:05}.parquet"),
            &dimensions::customers(options, first, end)?,
        )?;
        let (orders, facts) = purchases::organic_orders(options, first, end)?;
        purchases.absorb(facts);
        put(format!("orders/organic-{chunk:05}.parquet"), &orders)?;
        chunk += 1;
    }
    put(
        "scripts/scripts.parquet".into(),
        &dimensions::scripts(world)?,
    )?;
    put("agents/agents.parquet".into(), &dimensions::agents(world)?)?;
    let (dnc, regulator_listed) = dimensions::dnc(options, &facts.dnc_requests)?;
    put("dnc/dnc.parquet".into(), &dnc)?;
    let sessions = write_sessions(options, world, store, runtime, workers, &record)?;

    let orders = purchases.orders + facts.orders.len() as u64;
    let truth = truth::Truth::new(
        options,
        world,
        &facts,
        regulator_listed,
        &purchases,
        orders,
        &sessions,
    );
    let path = options.out.object_path("truth.json")?;
    record(path.clone());
    let json = serde_json::to_vec_pretty(&truth)?;
    runtime
        .block_on(store.put(&path, json.into()))
        .with_context(|| format!("cannot write {path}"))?;

    Ok(GenSummary {
        calls: options.rows,
        orders,
        customers: options.customers,
        sessions: options.sessions,
        files: lock(written).len(),
    })
}

/// `sessions/dt=DAY/part-0.parquet` for every day with sessions, days spread over the
/// workers; returns what the sessions hold.
fn write_sessions(
    options: &GenOptions,
    world: &World,
    store: &Arc<dyn ObjectStore>,
    runtime: &Handle,
    workers: usize,
    record: &(dyn Fn(Path) + Sync),
) -> Result<sessions::SessionFacts> {
    let next_day = AtomicU32::new(0);
    let facts = Mutex::new(sessions::SessionFacts::default());
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let day = next_day.fetch_add(1, Ordering::Relaxed);
                    if day >= options.days || lock(&first_error).is_some() {
                        break;
                    }
                    let mut day_facts = sessions::SessionFacts::default();
                    match write_session_day(
                        options,
                        world,
                        store,
                        runtime,
                        day,
                        &mut day_facts,
                        record,
                    ) {
                        Ok(()) => lock(&facts).absorb(day_facts),
                        Err(error) => {
                            lock(&first_error).get_or_insert(error);
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
    Ok(facts.into_inner().unwrap_or_else(PoisonError::into_inner))
}

fn write_session_day(
    options: &GenOptions,
    world: &World,
    store: &Arc<dyn ObjectStore>,
    runtime: &Handle,
    day: u32,
    facts: &mut sessions::SessionFacts,
    record: &(dyn Fn(Path) + Sync),
) -> Result<()> {
    let (first, end) = sessions::day_range(options, day);
    if first == end {
        return Ok(());
    }
    let path = options
        .out
        .object_path(&format!("sessions/dt={}/part-0.parquet", options.date(day)))?;
    record(path.clone());
    let mut file = ParquetFile::create(
        Arc::clone(store),
        path,
        schema::canonical_schema(schema::SESSIONS),
        runtime.clone(),
    )?;
    let mut start = first;
    while start < end {
        let stop = (start + BATCH_ROWS as u64).min(end);
        file.write(&sessions::build_sessions(
            options, world, day, start, stop, facts,
        )?)?;
        start = stop;
    }
    file.finish()
}

/// The value behind `mutex`, also after a worker panicked while holding it: its error
/// (or the panic itself) is what the run reports.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[allow(clippy::too_many_arguments)]
fn write_day(
    options: &GenOptions,
    world: &World,
    store: &Arc<dyn ObjectStore>,
    runtime: &Handle,
    plan: &schedule::DayPlan,
    facts: &mut CallFacts,
    record: &dyn Fn(Path),
    progress: &ProgressBar,
) -> Result<()> {
    let path = options.out.object_path(&format!(
        "calls/dt={}/part-0.parquet",
        options.date(plan.day)
    ))?;
    record(path.clone());
    let mut file = ParquetFile::create(
        Arc::clone(store),
        path,
        schema::canonical_schema(schema::CALLS),
        runtime.clone(),
    )?;
    for slots in plan.slots.chunks(BATCH_ROWS) {
        let batch = calls::build_calls(options, world, slots, facts)?;
        file.write(&batch)?;
        progress.inc(slots.len() as u64);
    }
    file.finish()
}

/// Refuses to mix a new data set into an old one, unless asked to replace it or the old
/// one is what a killed run left (its in-progress marker is still there); then marks the
/// location as being written.
async fn prepare_output(options: &GenOptions, store: &dyn ObjectStore) -> Result<()> {
    let interrupted = tables::is_being_written(&options.out, store).await?;
    let mut existing = Vec::new();
    for table in schema::TABLES.iter().map(|t| t.name) {
        let prefix = options.out.object_path(table)?;
        let objects: Vec<_> = store
            .list(Some(&prefix))
            .try_collect()
            .await
            .with_context(|| format!("cannot list {}", options.out.child_url(table)))?;
        if !objects.is_empty() {
            existing.push((table, objects));
        }
    }
    let marker = options.out.object_path(tables::WRITE_IN_PROGRESS)?;
    let mark = || async {
        store
            .put(&marker, "callsql gen\n".into())
            .await
            .with_context(|| format!("cannot write to {}", options.out))
    };
    if existing.is_empty() {
        mark().await?;
        return Ok(());
    }
    if !options.overwrite && !interrupted {
        let names: Vec<&str> = existing.iter().map(|(t, _)| *t).collect();
        bail!(
            "{} already holds data ({}); choose an empty location or pass --overwrite",
            options.out,
            names.join(", ")
        );
    }
    // Marked first: a kill while the old data set is deleted leaves a marked root, not a
    // thinned one that looks whole.
    mark().await?;
    for (_, objects) in existing {
        for object in objects {
            store
                .delete(&object.location)
                .await
                .with_context(|| format!("cannot delete {}", object.location))?;
        }
    }
    Ok(())
}
