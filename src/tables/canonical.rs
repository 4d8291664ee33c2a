//! A canonical table as the session sees it: a Parquet listing table read with dictionary
//! decoding, which remembers where it was listed from.
//!
//! DataFusion's plan serialization knows listing tables only in its own file formats, and
//! ours decodes code lists into dictionaries. Wrapping the listing table makes a plan that
//! reads it go through the cluster codec (`crate::cluster`), which sends the table's URL
//! and partition columns; the scheduler rebuilds the same table from them with
//! [`CanonicalTable::rebuild`].

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::{Constraints, Result, plan_err};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use super::dictionary_scan::DictionaryParquetFormat;

/// Where a canonical table is read from: what a cluster needs to list it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSource {
    /// The table's directory or prefix, as a URL (`file:///…/calls/`, `s3://b/p/calls/`).
    pub url: String,
    /// Hive partition columns (`dt=…/`), in path order.
    pub partitions: Vec<String>,
    /// Object paths of files the table leaves out (unreadable ones).
    #[serde(default)]
    pub skipped: Vec<String>,
}

/// A canonical table: its listing table and where that was listed from.
#[derive(Debug)]
pub struct CanonicalTable {
    listing: ListingTable,
    source: TableSource,
    /// Why the table may not be scanned: it has unreadable files the user did not ask to
    /// skip. Its other files still give it a schema, so that the other tables, and
    /// statements that do not read this one, work.
    refusal: Option<String>,
}

impl CanonicalTable {
    /// The table at `source` whose files have `file_schema` (without partition columns).
    pub fn new(source: TableSource, file_schema: SchemaRef) -> Result<Self> {
        let url = ListingTableUrl::parse(&source.url)?;
        let config = ListingTableConfig::new(url)
            .with_listing_options(listing_options(&source.partitions, &source.skipped))
            .with_schema(file_schema);
        Ok(CanonicalTable {
            listing: ListingTable::try_new(config)?,
            source,
            refusal: None,
        })
    }

    /// The table, refusing every scan with `refusal`.
    pub fn refusing(mut self, refusal: String) -> Self {
        self.refusal = Some(refusal);
        self
    }

    fn check_readable(&self) -> Result<()> {
        match &self.refusal {
            Some(refusal) => plan_err!("{refusal}"),
            None => Ok(()),
        }
    }

    /// The table at `source` whose whole schema (partition columns included, as a plan
    /// records it) is `table_schema`.
    pub fn rebuild(source: TableSource, table_schema: &Schema) -> Result<Self> {
        let file_fields = table_schema
            .fields()
            .iter()
            .filter(|field| !source.partitions.contains(field.name()))
            .cloned()
            .collect::<Vec<_>>();
        let file_schema = Arc::new(Schema::new_with_metadata(
            file_fields,
            table_schema.metadata().clone(),
        ));
        Self::new(source, file_schema)
    }

    /// Where the table is read from.
    pub fn source(&self) -> &TableSource {
        &self.source
    }
}

/// How the canonical tables are listed: Parquet files but those at `skipped`, code lists
/// read as dictionaries, `dt` partitions as dates and other partitions as text.
pub(super) fn listing_options(partitions: &[String], skipped: &[String]) -> ListingOptions {
    let format =
        DictionaryParquetFormat::skipping(skipped.iter().map(|path| Path::from(path.as_str())));
    ListingOptions::new(Arc::new(format))
        .with_file_extension(".parquet")
        .with_table_partition_cols(
            partitions
                .iter()
                .map(|name| (name.clone(), partition_type(name)))
                .collect(),
        )
}

fn partition_type(name: &str) -> DataType {
    if name == "dt" {
        DataType::Date32
    } else {
        DataType::Utf8
    }
}

#[async_trait]
impl TableProvider for CanonicalTable {
    fn schema(&self) -> SchemaRef {
        self.listing.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.listing.constraints()
    }

    fn table_type(&self) -> TableType {
        self.listing.table_type()
    }

    fn get_table_definition(&self) -> Option<&str> {
        self.listing.get_table_definition()
    }

    fn get_column_default(&self, column: &str) -> Option<&Expr> {
        self.listing.get_column_default(column)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.check_readable()?;
        self.listing.scan(state, projection, filters, limit).await
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        self.check_readable()?;
        self.listing.scan_with_args(state, args).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.listing.supports_filters_pushdown(filters)
    }

    async fn insert_into(
        &self,
        state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.listing.insert_into(state, input, insert_op).await
    }
}
