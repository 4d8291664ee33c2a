//! What callsql adds to a plan, on the wire between client, scheduler and executors.
//!
//! Ballista's own codecs carry DataFusion's nodes and its shuffles; these wrap them and
//! add callsql's: the canonical tables (rebuilt from their URL and partition columns, so
//! the scheduler lists and scans them with callsql's Parquet format), the lexicon functions
//! (sent with their terms, so a custom `--lexicon` gives the same answers on every
//! executor), the tables of `CREATE TABLE … AS` (sent whole, as Arrow IPC: what .slt
//! files make) and the dictionary-key comparisons (rebuilt by name). Every other callsql
//! function goes by name to the receiving process's registry, which holds the whole
//! catalogue; a name it lacks is one line naming the function and the process.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use callsql_udfs::Lexicon;
use callsql_udfs::compliance::lexicon_of;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::catalog::MemTable;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference, plan_datafusion_err, plan_err};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::physical_expr_common::physical_expr::proto_decode::PhysicalExprDecodeCtx;
use datafusion::physical_expr_common::physical_expr::proto_encode::PhysicalExprEncodeCtx;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use crate::plan::dictionary_key_function;
use crate::tables::{CanonicalTable, TableSource};

/// The first byte of an encoded table: which kind of table the rest describes.
const CANONICAL_TABLE: u8 = b'c';
const MEMORY_TABLE: u8 = b'm';

/// The logical codec of every callsql process of a cluster.
#[derive(Debug)]
pub struct LogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
    process: String,
}

impl LogicalCodec {
    /// The codec of `process`, as errors name it ("the scheduler at 10.0.0.5:50050").
    pub fn new(process: impl Into<String>) -> Self {
        LogicalCodec {
            ballista: BallistaLogicalExtensionCodec::default(),
            process: process.into(),
        }
    }
}

/// The physical codec of every callsql process of a cluster.
#[derive(Debug)]
pub struct PhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
    process: String,
}

impl PhysicalCodec {
    /// The codec of `process`, as errors name it ("executor 3f2a… at 10.0.0.6:50051").
    pub fn new(process: impl Into<String>) -> Self {
        PhysicalCodec {
            ballista: BallistaPhysicalExtensionCodec::default(),
            process: process.into(),
        }
    }
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match buf.split_first() {
            Some((&CANONICAL_TABLE, source)) => {
                let source: TableSource = serde_json::from_slice(source).map_err(|e| {
                    DataFusionError::Internal(format!("cannot decode table {table_ref}: {e}"))
                })?;
                Ok(Arc::new(CanonicalTable::rebuild(source, &schema)?))
            }
            Some((&MEMORY_TABLE, stream)) => {
                let batches = StreamReader::try_new(stream, None)?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
            }
            _ => self
                .ballista
                .try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if let Some(table) = node.downcast_ref::<CanonicalTable>() {
            buf.push(CANONICAL_TABLE);
            return serde_json::to_writer(buf, table.source()).map_err(|e| {
                DataFusionError::Internal(format!("cannot encode table {table_ref}: {e}"))
            });
        }
        if let Some(table) = node.downcast_ref::<MemTable>() {
            buf.push(MEMORY_TABLE);
            let mut writer = StreamWriter::try_new(buf, &table.schema())?;
            for partition in &table.batches {
                let Ok(batches) = partition.try_read() else {
                    return plan_err!(
                        "table {table_ref} is being written and cannot be sent to the cluster"
                    );
                };
                for batch in batches.iter() {
                    writer.write(batch)?;
                }
            }
            return Ok(writer.finish()?);
        }
        plan_err!(
            "table {table_ref} cannot be read on a cluster: only the tables under --data, \
             files named in the query and tables made with CREATE TABLE … AS can"
        )
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_scalar(name, buf, &self.process)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_scalar(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, _buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        Err(unknown("aggregate function", name, &self.process))
    }

    fn try_decode_udwf(&self, name: &str, _buf: &[u8]) -> Result<Arc<WindowUDF>> {
        Err(unknown("window function", name, &self.process))
    }
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.ballista.try_decode(buf, inputs, ctx, proto_converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.ballista.try_encode(node, buf, proto_converter)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_scalar(name, buf, &self.process)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_scalar(node, buf)
    }

    fn try_decode_expr(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn PhysicalExpr>],
        ctx: &PhysicalExprDecodeCtx<'_>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        self.ballista.try_decode_expr(buf, inputs, ctx)
    }

    fn try_encode_expr(
        &self,
        node: &Arc<dyn PhysicalExpr>,
        buf: &mut Vec<u8>,
        ctx: &PhysicalExprEncodeCtx<'_>,
    ) -> Result<()> {
        self.ballista.try_encode_expr(node, buf, ctx)
    }

    fn try_decode_udaf(&self, name: &str, _buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        Err(unknown("aggregate function", name, &self.process))
    }

    fn try_decode_udwf(&self, name: &str, _buf: &[u8]) -> Result<Arc<WindowUDF>> {
        Err(unknown("window function", name, &self.process))
    }
}

/// A lexicon function carries its terms; every other scalar function goes by name.
fn encode_scalar(function: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
    if let Some(lexicon) = lexicon_of(function) {
        serde_json::to_writer(buf, lexicon.terms()).map_err(|e| {
            DataFusionError::Internal(format!("cannot encode {}: {e}", function.name()))
        })?;
    }
    Ok(())
}

/// Called for a lexicon function (with its terms), or for a name the registry lacks.
fn decode_scalar(name: &str, buf: &[u8], process: &str) -> Result<Arc<ScalarUDF>> {
    if buf.is_empty() {
        return dictionary_key_function(name).ok_or_else(|| unknown("function", name, process));
    }
    let terms: Vec<String> = serde_json::from_slice(buf).map_err(|e| {
        DataFusionError::Internal(format!("cannot decode the lexicon of {name}: {e}"))
    })?;
    let functions = callsql_udfs::Config {
        lexicon: Arc::new(Lexicon::from_terms(terms)?),
    };
    callsql_udfs::all_scalar_functions(&functions)
        .into_iter()
        .find(|function| function.name() == name)
        .ok_or_else(|| unknown("function", name, process))
}

fn unknown(kind: &str, name: &str, process: &str) -> DataFusionError {
    plan_datafusion_err!(
        "{kind} {name} is not known to {process}, which runs callsql {}; every process of \
         a cluster must run the same callsql version as the client",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_functions_cross_with_their_terms() {
        let lexicon =
            Arc::new(Lexicon::from_terms(["#1 保证".to_string(), "稳赚".to_string()]).unwrap());
        let config = callsql_udfs::Config {
            lexicon: Arc::clone(&lexicon),
        };
        for function in callsql_udfs::all_scalar_functions(&config) {
            let mut buf = Vec::new();
            encode_scalar(&function, &mut buf).unwrap();
            match lexicon_of(&function) {
                Some(_) => {
                    let decoded = decode_scalar(function.name(), &buf, "executor e1").unwrap();
                    assert_eq!(lexicon_of(&decoded), Some(&lexicon));
                }
                None => assert!(buf.is_empty(), "{} carries nothing", function.name()),
            }
        }
    }

    #[test]
    fn an_unknown_function_names_itself_and_the_process() {
        let error = decode_scalar("made_up", &[], "executor e1 at 127.0.0.1:50051").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("function made_up is not known to executor e1 at 127.0.0.1:50051"),
            "{message}"
        );
        assert!(!message.contains('\n'));
        assert!(decode_scalar("dictionary_key_not_in", &[], "x").is_ok());
    }
}
