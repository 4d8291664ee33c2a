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

/// Registers every canonical table present under `root` and returns their names.
pub async fn register_tables(
    ctx: &SessionContext,
    root: &Location,
    code_lists: CodeLists,
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
        register_table(ctx, root, table, columns, code_lists)
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
    table: &str,
    columns: &[schema::Column],
    code_lists: CodeLists,
) -> Result<()> {
    let url = ListingTableUrl::parse(root.child_url(table))?;
    let state = ctx.state();
    let partitions = listing_options(&[]).infer_partitions(&state, &url).await?;
    let options = listing_options(&partitions);
    let file_schema = options.infer_schema(&state, &url).await?;
    let mut file_schema = schema::conform(table, columns, &file_schema)?;
    if code_lists == CodeLists::Text {
        file_schema = schema::without_dictionaries(&file_schema);
    }
    let source = TableSource {
        url: url.to_string(),
        partitions,
    };
    ctx.register_table(table, Arc::new(CanonicalTable::new(source, file_schema)?))?;
    Ok(())
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
