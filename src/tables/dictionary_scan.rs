//! Parquet scans that decode code-list columns (dispositions, outcomes) as dictionaries.
//!
//! Writers dictionary-encode such columns in Parquet, but DataFusion decodes them into one
//! string per row, and every `disposition = 'answered'` then compares strings row by row.
//! Asking the Parquet reader for an Arrow dictionary instead keeps the file's codes: a
//! comparison or a classification runs once per distinct value and is gathered by code.
//!
//! The table declares such columns as dictionaries (`schema::Kind::Category`). DataFusion
//! would decode them as strings and cast to the dictionary afterwards; this format hands
//! each file's reader the file's own schema with those columns as dictionaries, which the
//! reader decodes into directly.
//!
//! It also leaves out the files a table was told to skip (unreadable ones, with
//! `--skip-corrupt`): from schema inference, statistics and scans alike.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::{Result, Statistics};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::{FileFormat, FileMeta};
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfig, FileSinkConfig, FileSource,
};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::physical_expr::{LexOrdering, LexRequirement};
use datafusion::physical_plan::ExecutionPlan;
use futures::future::try_join_all;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

/// Parquet, with the table's dictionary-typed string columns decoded as dictionaries.
#[derive(Debug, Default)]
pub struct DictionaryParquetFormat {
    parquet: ParquetFormat,
    /// Files read as if they were not there.
    skipped: BTreeSet<Path>,
}

impl DictionaryParquetFormat {
    /// The format, reading none of the files at `skipped` (object store paths).
    pub fn skipping(skipped: impl IntoIterator<Item = Path>) -> Self {
        DictionaryParquetFormat {
            skipped: skipped.into_iter().collect(),
            ..Self::default()
        }
    }

    fn skips(&self, object: &ObjectMeta) -> bool {
        self.skipped.contains(&object.location)
    }
}

#[async_trait]
impl FileFormat for DictionaryParquetFormat {
    fn get_ext(&self) -> String {
        self.parquet.get_ext()
    }

    fn get_ext_with_compression(&self, compression: &FileCompressionType) -> Result<String> {
        self.parquet.get_ext_with_compression(compression)
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        self.parquet.compression_type()
    }

    async fn infer_schema(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> Result<SchemaRef> {
        if self.skipped.is_empty() {
            return self.parquet.infer_schema(state, store, objects).await;
        }
        let kept: Vec<ObjectMeta> = objects
            .iter()
            .filter(|object| !self.skips(object))
            .cloned()
            .collect();
        self.parquet.infer_schema(state, store, &kept).await
    }

    async fn infer_stats(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        object: &ObjectMeta,
    ) -> Result<Statistics> {
        if self.skips(object) {
            return Ok(Statistics::new_unknown(&table_schema));
        }
        self.parquet
            .infer_stats(state, store, table_schema, object)
            .await
    }

    async fn infer_ordering(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        object: &ObjectMeta,
    ) -> Result<Option<LexOrdering>> {
        if self.skips(object) {
            return Ok(None);
        }
        self.parquet
            .infer_ordering(state, store, table_schema, object)
            .await
    }

    async fn infer_stats_and_ordering(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        object: &ObjectMeta,
    ) -> Result<FileMeta> {
        if self.skips(object) {
            return Ok(FileMeta::new(Statistics::new_unknown(&table_schema)));
        }
        self.parquet
            .infer_stats_and_ordering(state, store, table_schema, object)
            .await
    }

    async fn create_physical_plan(
        &self,
        state: &dyn Session,
        mut conf: FileScanConfig,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if !self.skipped.is_empty() {
            conf.file_groups = std::mem::take(&mut conf.file_groups)
                .into_iter()
                .map(|group| {
                    let kept: Vec<_> = group
                        .into_inner()
                        .into_iter()
                        .filter(|file| !self.skips(&file.object_meta))
                        .collect();
                    FileGroup::new(kept)
                })
                .filter(|group| !group.is_empty())
                .collect();
        }
        let table_schema = Arc::clone(conf.file_schema());
        if table_schema
            .fields()
            .iter()
            .any(|f| decodable_dictionary(f.data_type()))
        {
            let store = state.runtime_env().object_store(&conf.object_store_url)?;
            let mut groups = Vec::with_capacity(conf.file_groups.len());
            for group in std::mem::take(&mut conf.file_groups) {
                let statistics = group.file_statistics(None).cloned().map(Arc::new);
                let files = group.into_inner();
                // The footers were read when the table was registered: these are cache hits.
                let stored = try_join_all(files.iter().map(|file| {
                    self.parquet.infer_schema(
                        state,
                        &store,
                        std::slice::from_ref(&file.object_meta),
                    )
                }))
                .await?;
                let files = files
                    .into_iter()
                    .zip(stored)
                    .map(
                        |(file, stored)| match read_as_dictionaries(&table_schema, &stored) {
                            Some(schema) => file.with_arrow_schema(schema),
                            None => file,
                        },
                    )
                    .collect();
                let group = FileGroup::new(files);
                groups.push(match statistics {
                    Some(statistics) => group.with_statistics(statistics),
                    None => group,
                });
            }
            conf.file_groups = groups;
        }
        self.parquet.create_physical_plan(state, conf).await
    }

    async fn create_writer_physical_plan(
        &self,
        input: Arc<dyn ExecutionPlan>,
        state: &dyn Session,
        conf: FileSinkConfig,
        order_requirements: Option<LexRequirement>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.parquet
            .create_writer_physical_plan(input, state, conf, order_requirements)
            .await
    }

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        self.parquet.file_source(table_schema)
    }
}

/// Dictionary types the Parquet reader can decode a string column into.
fn decodable_dictionary(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Dictionary(key, value)
        if key.is_dictionary_key_type() && matches!(**value, DataType::Utf8 | DataType::LargeUtf8))
}

/// The schema to read a file with: its own, with the string columns the table holds as
/// dictionaries read as those dictionaries. `None` when no column changes.
fn read_as_dictionaries(table: &Schema, stored: &Schema) -> Option<SchemaRef> {
    let mut changed = false;
    let fields = stored
        .fields()
        .iter()
        .map(|field| {
            let wanted = table
                .field_with_name(field.name())
                .ok()
                .map(Field::data_type);
            match wanted {
                Some(dictionary)
                    if decodable_dictionary(dictionary)
                        && matches!(
                            field.data_type(),
                            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                        ) =>
                {
                    changed = true;
                    Arc::new(field.as_ref().clone().with_data_type(dictionary.clone()))
                }
                _ => Arc::clone(field),
            }
        })
        .collect::<Vec<_>>();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, stored.metadata().clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{category_type, nullable_schema as schema};
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::datasource::source::DataSourceExec;

    /// The fixture data set stores dispositions as plain Parquet strings.
    #[tokio::test]
    async fn the_reader_decodes_category_columns_into_dictionaries() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/data");
        let ctx = crate::session::build(&crate::session::Options::with_data(fixtures).unwrap())
            .await
            .unwrap();
        let frame = ctx
            .sql("SELECT call_id, disposition FROM calls WHERE outcome = 'success'")
            .await
            .unwrap();
        let plan = frame.clone().create_physical_plan().await.unwrap();
        let mut scans = Vec::new();
        plan.apply(|node| {
            if let Some(scan) = node.downcast_ref::<DataSourceExec>() {
                scans.push(scan.clone());
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        let [scan] = scans.as_slice() else {
            panic!("expected one scan in {plan:?}")
        };
        let config = scan.data_source().downcast_ref::<FileScanConfig>().unwrap();
        let files: Vec<_> = config
            .file_groups
            .iter()
            .flat_map(FileGroup::iter)
            .collect();
        assert!(!files.is_empty());
        for file in files {
            let read_as = file.arrow_schema.as_ref().expect("a schema for the reader");
            for (column, data_type) in [
                ("disposition", category_type()),
                ("outcome", category_type()),
                ("call_id", DataType::Utf8View),
            ] {
                assert_eq!(
                    read_as.field_with_name(column).unwrap().data_type(),
                    &data_type
                );
            }
        }
        let batches = frame.collect().await.unwrap();
        assert!(batches.iter().map(|b| b.num_rows()).sum::<usize>() > 0);
        for batch in batches {
            assert_eq!(batch.column(1).data_type(), &category_type());
        }
    }

    #[test]
    fn only_string_columns_the_table_holds_as_dictionaries_change() {
        let table = schema(&[
            ("call_id", DataType::Utf8View),
            ("disposition", category_type()),
            ("talk_s", DataType::Float64),
        ]);
        // The file stores its columns in another order and has one the table lacks.
        let stored = schema(&[
            ("talk_s", DataType::Int32),
            ("extra", DataType::Utf8View),
            ("disposition", DataType::Utf8View),
            ("call_id", DataType::Utf8View),
        ]);
        let read = read_as_dictionaries(&table, &stored).unwrap();
        let types: Vec<_> = read
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            [
                DataType::Int32,
                DataType::Utf8View,
                category_type(),
                DataType::Utf8View
            ]
        );
    }

    #[test]
    fn files_without_such_columns_are_read_as_they_are() {
        let table = schema(&[("disposition", category_type())]);
        let already = schema(&[(
            "disposition",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
        )]);
        assert!(read_as_dictionaries(&table, &already).is_none());
        assert!(read_as_dictionaries(&table, &schema(&[("talk_s", DataType::Float64)])).is_none());
        let views = schema(&[(
            "disposition",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8View)),
        )]);
        assert!(
            read_as_dictionaries(&views, &schema(&[("disposition", DataType::Utf8)])).is_none()
        );
    }
}
