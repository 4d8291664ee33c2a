//! Registration of the canonical tables found under a data root.
//!
//! Each canonical table name that exists as a subdirectory (or S3 prefix) of the root
//! becomes a Parquet listing table. Hive partitions such as `dt=2025-06-30/` become
//! columns (`dt` as a DATE, others as text) and prune files when filtered on.

mod canonical;
mod dictionary_scan;
pub mod writer;

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};

use self::canonical::listing_options;
pub use self::canonical::{CanonicalTable, TableSource};
use crate::location::Location;
use crate::schema;

/// The object a program writing a data root (`gen`, `import`) keeps there while it runs
/// and removes when done: a root holding it is being written or was left by a killed run,
/// and is not read.
pub const WRITE_IN_PROGRESS: &str = "_callsql_write_in_progress";

/// How the columns of code lists (dispositions, outcomes) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeLists {
    /// As dictionaries: comparisons and classifications run once per distinct value.
    Dictionaries,
    /// As plain text. Ballista 55's shuffle fails on dictionary columns read from
    /// another executor ("RowConverter column schema mismatch"), so a cluster reads text.
    Text,
}

/// What to do with a table file that is not readable Parquet (truncated, overwritten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unreadable {
    /// The table refuses to be read, naming the file; the other tables work.
    #[default]
    Refuse,
    /// The table is read without the file, with a warning (`--skip-corrupt`).
    Skip,
}

/// Registers every canonical table present under `root` and returns their names.
pub async fn register_tables(
    ctx: &SessionContext,
    root: &Location,
    code_lists: CodeLists,
    unreadable: Unreadable,
) -> Result<Vec<String>> {
    let store = root.object_store()?;
    ctx.register_object_store(&root.store_url()?, Arc::clone(&store));
    check_root_exists(root, store.as_ref()).await?;
    if is_being_written(root, store.as_ref()).await? {
        bail!(
            "{root} is being written by callsql gen or import, or holds the partial output \
             of an interrupted run ({WRITE_IN_PROGRESS}); if none is running, run that \
             command again to finish it"
        );
    }

    let mut registered = Vec::new();
    for schema::Table {
        name: table,
        columns,
        ..
    } in schema::TABLES
    {
        if !has_files(root, store.as_ref(), table).await? {
            continue;
        }
        register_table(ctx, root, &store, table, columns, code_lists, unreadable)
            .await
            .with_context(|| {
                format!(
                    "cannot register table {table} from {}",
                    root.child_url(table)
                )
            })?;
        registered.push(table.to_string());
    }
    Ok(registered)
}

async fn register_table(
    ctx: &SessionContext,
    root: &Location,
    store: &Arc<dyn ObjectStore>,
    table: &str,
    columns: &[schema::Column],
    code_lists: CodeLists,
    unreadable: Unreadable,
) -> Result<()> {
    let url = ListingTableUrl::parse(root.child_url(table))?;
    let state = ctx.state();
    let partitions = listing_options(&[], &[])
        .infer_partitions(&state, &url)
        .await?;
    let (file_schema, damaged, skipped) = match listing_options(&partitions, &[])
        .infer_schema(&state, &url)
        .await
    {
        Ok(file_schema) => (file_schema, Vec::new(), Vec::new()),
        Err(error) => {
            let damaged = unreadable_files(ctx, root, store, table).await?;
            if damaged.is_empty() {
                return Err(error.into());
            }
            let skipped: Vec<String> = damaged.iter().map(|(path, _)| path.to_string()).collect();
            let file_schema = listing_options(&partitions, &skipped)
                .infer_schema(&state, &url)
                .await?;
            (file_schema, damaged, skipped)
        }
    };
    let (path, reason) = match damaged.first() {
        Some((path, reason)) => (root.display_object(path), reason.as_str()),
        None => (String::new(), ""),
    };
    if !damaged.is_empty() && file_schema.fields().is_empty() {
        bail!("no readable file: {path} is not a readable Parquet file ({reason})");
    }
    let mut file_schema = schema::conform(table, columns, &file_schema)?;
    if code_lists == CodeLists::Text {
        file_schema = schema::without_dictionaries(&file_schema);
    }
    let source = TableSource {
        url: url.to_string(),
        partitions,
        skipped,
    };
    let mut provider = CanonicalTable::new(source, file_schema)?;
    let others = match damaged.len() {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    match unreadable {
        _ if damaged.is_empty() => {}
        Unreadable::Refuse => {
            provider = provider.refusing(format!(
                "table {table}: {path}{others} is not a readable Parquet file ({reason}); move it \
                 away, or pass --skip-corrupt to read the table without it"
            ));
        }
        Unreadable::Skip => {
            for (path, reason) in &damaged {
                eprintln!(
                    "warning: table {table}: skipping {}: not a readable Parquet file ({reason})",
                    root.display_object(path)
                );
            }
        }
    }
    ctx.register_table(table, Arc::new(provider))?;
    Ok(())
}

/// The files of `table` whose Parquet footer cannot be read, with the reason: found by
/// reading each footer alone, once reading them all together has failed.
async fn unreadable_files(
    ctx: &SessionContext,
    root: &Location,
    store: &Arc<dyn ObjectStore>,
    table: &str,
) -> Result<Vec<(object_store::path::Path, String)>> {
    let state = ctx.state();
    let files: Vec<_> = store
        .list(Some(&root.object_path(table)?))
        .try_collect()
        .await
        .with_context(|| format!("cannot list {}", root.child_url(table)))?;
    let parquet = ParquetFormat::default();
    let mut unreadable = Vec::new();
    for file in files
        .into_iter()
        .filter(|file| file.size > 0 && file.location.as_ref().ends_with(".parquet"))
    {
        if let Err(error) = parquet
            .infer_schema(&state, store, std::slice::from_ref(&file))
            .await
        {
            let reason = crate::error::one_line(&anyhow::Error::from(error));
            unreadable.push((file.location, reason));
        }
    }
    unreadable.sort();
    Ok(unreadable)
}

/// Ends a run that marked `root`: after a failure every file it wrote goes (nothing
/// half-made is left behind); then, done or cleaned up, the marker goes.
pub fn finish_writing(
    root: &Location,
    store: &dyn ObjectStore,
    runtime: &tokio::runtime::Handle,
    failed: bool,
    written: Vec<object_store::path::Path>,
) -> Result<()> {
    if failed {
        runtime.block_on(async {
            for path in written {
                let _ = store.delete(&path).await;
            }
        });
    }
    runtime
        .block_on(store.delete(&root.object_path(WRITE_IN_PROGRESS)?))
        .with_context(|| format!("cannot finish {root}"))?;
    Ok(())
}

/// Whether `root` holds the marker of a run that has not finished.
pub async fn is_being_written(root: &Location, store: &dyn ObjectStore) -> Result<bool> {
    match store.head(&root.object_path(WRITE_IN_PROGRESS)?).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(error) => Err(error).with_context(|| format!("cannot read {root}")),
    }
}

/// A bad `--data` path should say so, not register nothing and fail later on "table not found".
async fn check_root_exists(root: &Location, store: &dyn ObjectStore) -> Result<()> {
    match root {
        Location::Local(path) if !path.is_dir() => {
            bail!("data directory {} does not exist", path.display())
        }
        Location::Local(_) => Ok(()),
        Location::S3 { .. } => {
            let prefix = root.object_path("")?;
            store
                .list_with_delimiter(Some(&prefix))
                .await
                .with_context(|| format!("cannot list {root}"))?;
            Ok(())
        }
    }
}

async fn has_files(root: &Location, store: &dyn ObjectStore, table: &str) -> Result<bool> {
    let prefix = root.object_path(table)?;
    let mut listing = store.list(Some(&prefix));
    Ok(listing
        .try_next()
        .await
        .with_context(|| format!("cannot list {}", root.child_url(table)))?
        .is_some())
}
