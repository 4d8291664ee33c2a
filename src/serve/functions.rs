//! callsql's functions as PostgreSQL clients list them: rows of `pg_catalog.pg_proc` in
//! namespace `public` beside datafusion-postgres's static rows, and the functions psql's
//! `\df` calls on them (`pg_function_is_visible`, `pg_get_function_result`,
//! `pg_get_function_arguments`). Argument and result types are what the session's own
//! coercion gives a call with untyped arguments, so they cannot drift from the functions.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListBuilder, RecordBatch, StringArray,
    StringBuilder, new_null_array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::catalog::TableProvider;
use datafusion::common::DataFusionError;
use datafusion::common::cast::{as_boolean_array, as_int64_array, as_string_array};
use datafusion::datasource::MemTable;
use datafusion::execution::SessionState;
use datafusion::logical_expr::function::WindowUDFFieldArgs;
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{ColumnarValue, ReturnFieldArgs, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use datafusion_postgres::arrow_pg::datatypes::into_pg_type;

use crate::catalogue::{self, FunctionDoc};

/// The first oid given to a callsql function: above PostgreSQL's own (below 16384) and the
/// tables' (counted up from 16384).
const FIRST_OID: i64 = 900_000;
/// The oid of PostgreSQL's `unknown` type, for a type that has no PostgreSQL name.
const UNKNOWN_TYPE_OID: i64 = 705;

/// What `\df` shows of one function.
struct Described {
    result: String,
    arguments: String,
    /// The first line of the function's documentation (callsql's functions only).
    comment: Option<String>,
}

/// `pg_proc` with callsql's functions added to the static rows of `template`'s
/// `pg_catalog`; registers the functions that describe them on `template`.
pub(super) async fn install(
    template: &SessionContext,
    catalog: &str,
) -> Result<Arc<dyn TableProvider>> {
    let catalog = template
        .catalog(catalog)
        .ok_or_else(|| anyhow!("cannot set up pg_proc: no catalog {catalog}"))?;
    let schema = catalog
        .schema("pg_catalog")
        .ok_or_else(|| anyhow!("cannot set up pg_proc: no pg_catalog schema"))?;
    let static_pg_proc = schema
        .table("pg_proc")
        .await?
        .ok_or_else(|| anyhow!("cannot set up pg_proc: pg_catalog has no pg_proc"))?;
    let table_schema = static_pg_proc.schema();
    let static_rows = template
        .read_table(static_pg_proc)?
        .collect()
        .await
        .context("cannot set up pg_proc: cannot read its rows")?;
    let type_names = type_names(template).await?;
    let public = public_namespace(template).await?;

    let mut described = HashMap::new();
    for batch in &static_rows {
        describe_static_rows(batch, &type_names, &mut described)?;
    }
    let functions = callsql_functions(&template.state());
    let own_rows = pg_proc_rows(&table_schema, &functions, public)
        .context("cannot add callsql's functions to pg_proc")?;
    for function in functions {
        described.insert(function.oid, function.described);
    }
    let mut batches = static_rows;
    batches.push(own_rows);
    let batches = batches
        .iter()
        .map(with_array_columns)
        .collect::<Result<Vec<_>>>()?;
    let schema = batches
        .first()
        .map_or_else(|| table_schema.clone(), RecordBatch::schema);
    let pg_proc = Arc::new(MemTable::try_new(schema, vec![batches])?);

    let described = Arc::new(described);
    let by_oid = vec![DataType::Int64];
    template.register_udf(lookup(
        "pg_get_function_result",
        by_oid.clone(),
        &described,
        |d| Some(&d.result),
    ));
    template.register_udf(lookup(
        "pg_get_function_arguments",
        by_oid,
        &described,
        |d| Some(&d.arguments),
    ));
    // psql's `\df+` shows it as a function's description; NULL for any other object.
    template.register_udf(lookup(
        "obj_description",
        vec![DataType::Int64, DataType::Utf8],
        &described,
        |d| d.comment.as_ref(),
    ));
    // Every function is on the search path: pg_catalog's and public's are all there is.
    template.register_udf(create_udf(
        "pg_function_is_visible",
        vec![DataType::Int64],
        DataType::Boolean,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let oids = ColumnarValue::values_to_arrays(args)?;
            let rows = oids.first().map_or(1, |oids| oids.len());
            Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(vec![
                true;
                rows
            ]))))
        }),
    ));
    Ok(pg_proc)
}

async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    ctx.sql(sql)
        .await?
        .collect()
        .await
        .with_context(|| format!("cannot set up pg_proc: {sql}"))
}

/// `pg_type`'s names by oid.
async fn type_names(ctx: &SessionContext) -> Result<HashMap<i64, String>> {
    let mut names = HashMap::new();
    for batch in collect(ctx, "SELECT oid, typname FROM pg_catalog.pg_type").await? {
        let oids = int64_column(&batch, "oid")?;
        let typnames = string_column(&batch, "typname")?;
        for row in 0..batch.num_rows() {
            names.insert(oids.value(row), typnames.value(row).to_string());
        }
    }
    Ok(names)
}

async fn public_namespace(ctx: &SessionContext) -> Result<i64> {
    let batches = collect(
        ctx,
        "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public'",
    )
    .await?;
    let batch = batches
        .iter()
        .find(|batch| batch.num_rows() > 0)
        .ok_or_else(|| anyhow!("cannot set up pg_proc: pg_namespace has no public"))?;
    Ok(int64_column(batch, "oid")?.value(0))
}

fn int64_column(batch: &RecordBatch, name: &str) -> Result<Int64Array> {
    Ok(as_int64_array(&cast(&column(batch, name)?, &DataType::Int64)?)?.clone())
}

fn string_column(batch: &RecordBatch, name: &str) -> Result<StringArray> {
    Ok(as_string_array(&cast(&column(batch, name)?, &DataType::Utf8)?)?.clone())
}

fn column(batch: &RecordBatch, name: &str) -> Result<ArrayRef> {
    batch
        .column_by_name(name)
        .cloned()
        .ok_or_else(|| anyhow!("cannot set up pg_proc: pg_proc has no column {name}"))
}

/// PostgreSQL's own functions, described from their type oids.
fn describe_static_rows(
    batch: &RecordBatch,
    type_names: &HashMap<i64, String>,
    described: &mut HashMap<i64, Described>,
) -> Result<()> {
    let (oids, result_types) = (
        int64_column(batch, "oid")?,
        int64_column(batch, "prorettype")?,
    );
    let (argument_types, argument_names) = (
        string_column(batch, "proargtypes")?,
        string_column(batch, "proargnames")?,
    );
    let returns_set = column(batch, "proretset")?;
    let returns_set = as_boolean_array(&returns_set)?;
    let type_name = |oid: i64| {
        type_names
            .get(&oid)
            .cloned()
            .unwrap_or_else(|| oid.to_string())
    };
    for row in 0..batch.num_rows() {
        let setof = if returns_set.value(row) { "SETOF " } else { "" };
        let names: Vec<&str> = if argument_names.is_null(row) {
            Vec::new()
        } else {
            argument_names
                .value(row)
                .trim_matches(['{', '}'])
                .split(',')
                .collect()
        };
        let arguments = argument_types
            .value(row)
            .split_whitespace()
            .enumerate()
            .map(|(i, oid)| {
                let type_name = oid.parse().map_or_else(|_| oid.to_string(), type_name);
                match names.get(i).filter(|name| !name.is_empty()) {
                    Some(name) => format!("{name} {type_name}"),
                    None => type_name,
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        described.insert(
            oids.value(row),
            Described {
                result: format!("{setof}{}", type_name(result_types.value(row))),
                arguments,
                comment: None,
            },
        );
    }
    Ok(())
}

/// One callsql function as a `pg_proc` row.
struct CallsqlFunction {
    oid: i64,
    doc: FunctionDoc,
    parameters: Vec<Parameter>,
    result_type: i64,
    volatility: Volatility,
    described: Described,
}

struct Parameter {
    name: String,
    optional: bool,
    type_name: String,
    type_oid: i64,
}

fn callsql_functions(state: &SessionState) -> Vec<CallsqlFunction> {
    catalogue::functions(state)
        .into_iter()
        .zip(FIRST_OID..)
        .map(|(doc, oid)| {
            let names = parameter_names(&doc.syntax);
            let untyped: Vec<FieldRef> = names
                .iter()
                .map(|(name, _)| Arc::new(Field::new(name, DataType::Null, true)))
                .collect();
            let (types, result, volatility) = call_types(state, &doc, &untyped);
            let parameters: Vec<Parameter> = names
                .into_iter()
                .enumerate()
                .map(|(i, (name, optional))| {
                    let (type_name, type_oid) = pg_type(types.get(i));
                    Parameter {
                        name,
                        optional,
                        type_name,
                        type_oid,
                    }
                })
                .collect();
            let (result_name, result_type) = pg_type(result.as_ref());
            let described = Described {
                result: result_name,
                arguments: arguments_text(&parameters),
                comment: doc.description.lines().next().map(str::to_string),
            };
            CallsqlFunction {
                oid,
                doc,
                parameters,
                result_type,
                volatility,
                described,
            }
        })
        .collect()
}

/// The parameter names of `name(a, b [, c [, d]]) …` and whether each may be left out.
fn parameter_names(syntax: &str) -> Vec<(String, bool)> {
    let Some((_, rest)) = syntax.split_once('(') else {
        return Vec::new();
    };
    let inner = rest.split_once(')').map_or(rest, |(inner, _)| inner);
    let mut names = Vec::new();
    let mut optional = false;
    let mut name = String::new();
    for c in inner.chars().chain([',']) {
        if c.is_alphanumeric() || c == '_' {
            name.push(c);
            continue;
        }
        if !name.is_empty() {
            names.push((std::mem::take(&mut name), optional));
        }
        optional |= c == '[';
    }
    names
}

/// The argument types a call with untyped arguments is coerced to, the result type of such
/// a call, and the function's volatility; the types are empty when coercion refuses.
fn call_types(
    state: &SessionState,
    doc: &FunctionDoc,
    untyped: &[FieldRef],
) -> (Vec<DataType>, Option<DataType>, Volatility) {
    let types_of = |fields: &[FieldRef]| -> Vec<DataType> {
        fields.iter().map(|f| f.data_type().clone()).collect()
    };
    let name = doc.name.as_str();
    match doc.kind {
        "aggregate" => state.aggregate_functions().get(name).map(|udaf| {
            let coerced = fields_with_udf(untyped, udaf.as_ref()).unwrap_or_default();
            let result = udaf.return_field(&coerced).ok();
            (types_of(&coerced), result, udaf.signature().volatility)
        }),
        "window" => state.window_functions().get(name).map(|udwf| {
            let coerced = fields_with_udf(untyped, udwf.as_ref()).unwrap_or_default();
            let result = udwf.field(WindowUDFFieldArgs::new(&coerced, name)).ok();
            (types_of(&coerced), result, udwf.signature().volatility)
        }),
        _ => state.scalar_functions().get(name).map(|udf| {
            let coerced = fields_with_udf(untyped, udf.as_ref()).unwrap_or_default();
            let constants = vec![None; coerced.len()];
            let result = udf
                .return_field_from_args(ReturnFieldArgs {
                    arg_fields: &coerced,
                    scalar_arguments: &constants,
                })
                .ok();
            (types_of(&coerced), result, udf.signature().volatility)
        }),
    }
    .map_or(
        (Vec::new(), None, Volatility::Immutable),
        |(types, result, volatility)| (types, result.map(|f| f.data_type().clone()), volatility),
    )
}

/// PostgreSQL's name and oid of the type clients receive for `data_type`.
fn pg_type(data_type: Option<&DataType>) -> (String, i64) {
    data_type
        .and_then(|data_type| into_pg_type(data_type).ok())
        .map_or(("unknown".to_string(), UNKNOWN_TYPE_OID), |pg| {
            // pgwire names arrays as pg_type does (`_text`); clients write `text[]`.
            let name = match pg.name().strip_prefix('_') {
                Some(element) => format!("{element}[]"),
                None => pg.name().to_string(),
            };
            (name, i64::from(pg.oid()))
        })
}

/// `a text, b float8 [, c float8]`, in the catalogue's bracket notation.
fn arguments_text(parameters: &[Parameter]) -> String {
    let mut text = String::new();
    let mut open = 0;
    for (i, parameter) in parameters.iter().enumerate() {
        if parameter.optional {
            text.push_str(if i == 0 { "[" } else { " [" });
            open += 1;
        }
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&parameter.name);
        text.push(' ');
        text.push_str(&parameter.type_name);
    }
    text.push_str(&"]".repeat(open));
    text
}

/// The `pg_proc` rows of `functions`, in the columns and types of `schema`.
fn pg_proc_rows(
    schema: &datafusion::arrow::datatypes::SchemaRef,
    functions: &[CallsqlFunction],
    namespace: i64,
) -> Result<RecordBatch> {
    let rows = functions.len();
    let ints = |f: &dyn Fn(&CallsqlFunction) -> i64| -> ArrayRef {
        Arc::new(functions.iter().map(f).collect::<Int64Array>())
    };
    let texts = |f: &dyn Fn(&CallsqlFunction) -> Option<String>| -> ArrayRef {
        Arc::new(functions.iter().map(f).collect::<StringArray>())
    };
    let constant_int = |value: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![value; rows])) };
    let constant_text =
        |value: &str| -> ArrayRef { Arc::new(StringArray::from(vec![value; rows])) };
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let values: ArrayRef = match field.name().as_str() {
                "oid" => ints(&|f| f.oid),
                "proname" | "prosrc" => texts(&|f| Some(f.doc.name.clone())),
                "pronamespace" => constant_int(namespace),
                // The bootstrap superuser and the `internal` language, as for built-ins.
                "proowner" => constant_int(10),
                "prolang" => constant_int(12),
                "procost" => Arc::new(Float64Array::from(vec![1.0; rows])),
                "prorows" => Arc::new(Float64Array::from(vec![0.0; rows])),
                "provariadic" => constant_int(0),
                "prosupport" => constant_text("-"),
                "prokind" => texts(&|f| {
                    Some(
                        match f.doc.kind {
                            "aggregate" => "a",
                            "window" => "w",
                            _ => "f",
                        }
                        .to_string(),
                    )
                }),
                "prosecdef" | "proleakproof" | "proisstrict" | "proretset" => {
                    Arc::new(BooleanArray::from(vec![false; rows]))
                }
                "provolatile" => texts(&|f| {
                    Some(
                        match f.volatility {
                            Volatility::Immutable => "i",
                            Volatility::Stable => "s",
                            Volatility::Volatile => "v",
                        }
                        .to_string(),
                    )
                }),
                "proparallel" => constant_text("s"),
                "pronargs" => ints(&|f| f.parameters.len() as i64),
                "pronargdefaults" => {
                    ints(&|f| f.parameters.iter().filter(|p| p.optional).count() as i64)
                }
                "prorettype" => ints(&|f| f.result_type),
                "proargtypes" => texts(&|f| {
                    Some(
                        f.parameters
                            .iter()
                            .map(|p| p.type_oid.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                }),
                "proargnames" => texts(&|f| {
                    let names: Vec<&str> = f.parameters.iter().map(|p| p.name.as_str()).collect();
                    Some(format!("{{{}}}", names.join(",")))
                }),
                _ if field.is_nullable() => new_null_array(&DataType::Utf8, rows),
                other => return Err(anyhow!("pg_proc has an unknown column {other}")),
            };
            let values = if field.is_nullable() && values.null_count() == rows {
                new_null_array(field.data_type(), rows)
            } else {
                cast(&values, field.data_type())?
            };
            Ok(values)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The columns PostgreSQL types as arrays, with their element types; upstream keeps them
/// as text. pgjdbc reads `proargnames` with `getArray` (`getFunctionColumns`), pgcli
/// receives them as lists, psql's `\df+` passes `proacl` to `array_to_string`.
const ARRAY_COLUMNS: &[(&str, DataType)] = &[
    ("proargnames", DataType::Utf8),
    ("proargmodes", DataType::Utf8),
    ("proallargtypes", DataType::Int32),
    ("proacl", DataType::Utf8),
];

/// `batch` with each of [`ARRAY_COLUMNS`], written `{a,b}` or `[a, b]`, as an array.
fn with_array_columns(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, values) in batch.schema().fields().iter().zip(batch.columns()) {
        let Some((_, element)) = ARRAY_COLUMNS.iter().find(|(name, _)| name == field.name()) else {
            fields.push(field.as_ref().clone());
            columns.push(values.clone());
            continue;
        };
        let texts = cast(values, &DataType::Utf8)?;
        let texts = as_string_array(&texts)?;
        let mut lists = ListBuilder::new(StringBuilder::new());
        for text in texts {
            match text {
                Some(text) => {
                    let inner = text.trim().trim_matches(['{', '}', '[', ']']);
                    for item in inner
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                    {
                        lists.values().append_value(item.trim_matches(['"', '\'']));
                    }
                    lists.append(true);
                }
                None => lists.append(false),
            }
        }
        let list_type = DataType::List(Arc::new(Field::new("item", element.clone(), true)));
        columns.push(cast(&(Arc::new(lists.finish()) as ArrayRef), &list_type)?);
        fields.push(Field::new(field.name(), list_type, true));
    }
    Ok(RecordBatch::try_new(
        Arc::new(datafusion::arrow::datatypes::Schema::new(fields)),
        columns,
    )?)
}

/// A function of an oid (and of `inputs` after it, unused) giving the text `part` picks
/// from its description.
fn lookup(
    name: &str,
    inputs: Vec<DataType>,
    described: &Arc<HashMap<i64, Described>>,
    part: fn(&Described) -> Option<&String>,
) -> datafusion::logical_expr::ScalarUDF {
    let described = described.clone();
    create_udf(
        name,
        inputs,
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let oids = arrays
                .first()
                .map(|oids| cast(oids, &DataType::Int64))
                .transpose()?
                .ok_or_else(|| DataFusionError::Plan("expected one oid".to_string()))?;
            let oids = as_int64_array(&oids)?;
            let texts: StringArray = oids
                .iter()
                .map(|oid| oid.and_then(|oid| described.get(&oid)).and_then(part))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(texts)))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::parameter_names;

    #[test]
    fn parameter_names_follow_the_catalogue_brackets() {
        let names = |syntax| {
            parameter_names(syntax)
                .into_iter()
                .map(|(name, optional)| format!("{name}{}", if optional { "?" } else { "" }))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(names("connect_rate(disposition)"), "disposition");
        assert_eq!(
            names("dialing_rate(agent_availability, answer_rate [, buffer [, max_rate]])"),
            "agent_availability answer_rate buffer? max_rate?"
        );
        assert_eq!(
            names("prob_best(successes, trials) OVER (PARTITION BY experiment)"),
            "successes trials"
        );
        assert_eq!(
            names("quintile_score(value [, direction]) OVER ([PARTITION BY …])"),
            "value direction?"
        );
        assert_eq!(names("nothing"), "");
    }
}
