//! datafusion-postgres's `pg_catalog`, with the tables drivers need in another form:
//! `pg_proc` listing callsql's functions (see [`super::functions`]), `pg_settings` with the
//! settings drivers read, and `pg_index` and `pg_constraint` with their key columns as
//! arrays (upstream has them as text), so that the drivers' key and index queries plan.
//! callsql's tables have no indexes or constraints, so those two are empty.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, new_null_array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::common::{Column, DataFusionError, ScalarValue};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, col, lit};
use datafusion::prelude::SessionContext;

use super::catalog_functions::SETTINGS;
use super::session_statements::server_version;

/// Array columns of the key tables, with their element types.
const ARRAY_COLUMNS: &[(&str, &str, DataType)] = &[
    ("pg_index", "indkey", DataType::Int16),
    ("pg_index", "indoption", DataType::Int16),
    ("pg_index", "indclass", DataType::Int32),
    ("pg_index", "indcollation", DataType::Int32),
    ("pg_constraint", "conkey", DataType::Int16),
    ("pg_constraint", "confkey", DataType::Int16),
    ("pg_constraint", "conpfeqop", DataType::Int32),
    ("pg_constraint", "conppeqop", DataType::Int32),
    ("pg_constraint", "conffeqop", DataType::Int32),
    ("pg_constraint", "conexclop", DataType::Int32),
];

/// Array columns upstream's `pg_class` lacks: SQLAlchemy's index list reads `reloptions`,
/// psql's `\dp` reads `relacl`. No table has options or grants of its own.
const PG_CLASS_ARRAYS: &[&str] = &["reloptions", "relacl"];

/// Replaces `catalog`'s `pg_catalog` schema on `ctx` by one with these tables.
pub async fn install(
    ctx: &SessionContext,
    catalog: &str,
    pg_proc: Arc<dyn TableProvider>,
) -> Result<()> {
    let catalog = ctx
        .catalog(catalog)
        .ok_or_else(|| anyhow!("cannot set up pg_catalog: no catalog {catalog}"))?;
    let inner = catalog
        .schema("pg_catalog")
        .ok_or_else(|| anyhow!("cannot set up pg_catalog: no pg_catalog schema"))?;
    let mut tables: HashMap<&'static str, Arc<dyn TableProvider>> = HashMap::new();
    tables.insert("pg_proc", pg_proc);
    tables.insert(
        "pg_settings",
        settings(table(&inner, "pg_settings").await?)?,
    );
    for name in ["pg_index", "pg_constraint"] {
        tables.insert(
            name,
            empty_with_arrays(name, &table(&inner, name).await?.schema())?,
        );
    }
    tables.insert(
        "pg_class",
        with_null_arrays(table(&inner, "pg_class").await?, PG_CLASS_ARRAYS)?,
    );
    catalog.register_schema("pg_catalog", Arc::new(Overridden { inner, tables }))?;
    Ok(())
}

async fn table(schema: &Arc<dyn SchemaProvider>, name: &str) -> Result<Arc<dyn TableProvider>> {
    schema
        .table(name)
        .await?
        .ok_or_else(|| anyhow!("cannot set up pg_catalog: it has no {name}"))
}

/// `pg_settings` in upstream's columns, with a row per setting of [`SETTINGS`] and
/// `server_version`.
fn settings(upstream: Arc<dyn TableProvider>) -> Result<Arc<dyn TableProvider>> {
    let schema = upstream.schema();
    let mut rows: Vec<(String, String)> = SETTINGS
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    rows.push(("server_version".to_string(), server_version()));
    let columns = schema
        .fields()
        .iter()
        .map(|field| -> ArrayRef {
            match field.name().as_str() {
                "name" => Arc::new(
                    rows.iter()
                        .map(|row| Some(row.0.as_str()))
                        .collect::<StringArray>(),
                ),
                "setting" | "reset_val" => Arc::new(
                    rows.iter()
                        .map(|row| Some(row.1.as_str()))
                        .collect::<StringArray>(),
                ),
                "context" => Arc::new(StringArray::from(vec!["internal"; rows.len()])),
                "source" => Arc::new(StringArray::from(vec!["default"; rows.len()])),
                _ => new_null_array(field.data_type(), rows.len()),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
}

/// An empty `name` in `upstream`'s columns, its key columns as arrays.
fn empty_with_arrays(name: &str, upstream: &SchemaRef) -> Result<Arc<dyn TableProvider>> {
    let fields: Vec<Field> = upstream
        .fields()
        .iter()
        .map(|field| {
            match ARRAY_COLUMNS
                .iter()
                .find(|(table, column, _)| *table == name && column == field.name())
            {
                Some((_, column, element)) => Field::new(
                    *column,
                    DataType::List(Arc::new(Field::new("item", element.clone(), true))),
                    true,
                ),
                None => field.as_ref().clone(),
            }
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![]])?))
}

/// `upstream` as a view with NULL text arrays named `columns` after its own columns.
fn with_null_arrays(
    upstream: Arc<dyn TableProvider>,
    columns: &[&str],
) -> Result<Arc<dyn TableProvider>> {
    let text_array = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    let mut projection: Vec<Expr> = upstream
        .schema()
        .fields()
        .iter()
        .map(|field| col(Column::from_name(field.name())))
        .collect();
    for name in columns {
        projection.push(lit(ScalarValue::try_from(&text_array)?).alias(*name));
    }
    let plan = LogicalPlanBuilder::scan("upstream", provider_as_source(upstream), None)?
        .project(projection)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

/// A `pg_catalog` schema with some of its tables replaced.
#[derive(Debug)]
struct Overridden {
    inner: Arc<dyn SchemaProvider>,
    tables: HashMap<&'static str, Arc<dyn TableProvider>>,
}

#[async_trait]
impl SchemaProvider for Overridden {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        if let Some(table) = self.tables.get(name.to_ascii_lowercase().as_str()) {
            return Ok(Some(table.clone()));
        }
        self.inner.table(name).await
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}
