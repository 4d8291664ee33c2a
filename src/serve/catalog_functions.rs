//! Functions PostgreSQL drivers and BI tools call while they browse the catalogue, which
//! neither DataFusion nor datafusion-postgres has, and the settings they read. Each says
//! which client needs it. callsql's tables have no keys, sequences, indexes or comments,
//! so the functions about those answer NULL, as PostgreSQL does for an object without one.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int32Array, ListArray, ListBuilder, StringArray, StringBuilder,
    StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int16Type, Int32Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility, create_udf,
};
use datafusion::prelude::SessionContext;

use super::session_statements::{POSTGRES_VERSION_NUM, server_version, version_text};

/// The function the LIKE rewrite calls (see [`super::rewrite`]).
pub const LIKE_PATTERN: &str = "callsql_like_pattern";

/// The server's settings, as `current_setting`, `SHOW` and `pg_settings` give them.
pub const SETTINGS: &[(&str, &str)] = &[
    ("block_size", "8192"),
    ("client_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("default_transaction_read_only", "on"),
    ("integer_datetimes", "on"),
    ("lc_collate", "C"),
    ("lc_ctype", "C"),
    ("max_function_args", "100"),
    ("max_identifier_length", "63"),
    // pgjdbc's getImportedKeys and getExportedKeys read it and fail without it.
    ("max_index_keys", "32"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version_num", POSTGRES_VERSION_NUM),
    ("standard_conforming_strings", "on"),
    ("TimeZone", "UTC"),
    ("transaction_read_only", "on"),
];

/// The value of setting `name` (case-insensitive, as PostgreSQL's are).
pub fn setting(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("server_version") {
        return None;
    }
    SETTINGS
        .iter()
        .find(|(setting, _)| setting.eq_ignore_ascii_case(name))
        .map(|(_, value)| *value)
}

/// The function the `::regtype[]` rewrite calls (see [`super::rewrite`]).
pub const REGTYPE_NAMES: &str = "callsql_regtype_names";

/// Registers the functions on `ctx`, after its `pg_catalog`, replacing DataFusion's own
/// `version()`.
pub async fn install(ctx: &SessionContext) -> Result<()> {
    let types = names_and_oids(ctx, "SELECT typname, oid FROM pg_catalog.pg_type").await?;
    let tables = names_and_oids(ctx, "SELECT relname, oid FROM pg_catalog.pg_class").await?;
    ctx.register_udf(version());
    ctx.register_udf(current_setting());
    ctx.register_udf(like_pattern());
    ctx.register_udf(expand_array());
    ctx.register_udf(regtype_names(&types));
    // psycopg 3 looks its types up by name (SQLAlchemy's psycopg dialect on connect).
    ctx.register_udf(oid_of("to_regtype", types));
    // SQLAlchemy sends `CAST($1 AS REGCLASS)` with a table's name bound to $1.
    ctx.register_udf(oid_of("to_regclass", tables));
    // psql, pgcli and SQLAlchemy's column list ask whether a type is on the search path.
    ctx.register_udf(constant(
        "pg_type_is_visible",
        ScalarValue::Boolean(Some(true)),
    ));
    // Column comments: SQLAlchemy's column list, Metabase's field sync. (Functions'
    // descriptions are [`super::functions`]'.) SQLAlchemy's column list asks each column
    // for its sequence;
    // pgjdbc's getIndexInfo and Metabase's index sync for index definitions; psql's
    // `\df+` for a function's SQL body (callsql's are Rust).
    for name in [
        "col_description",
        "shobj_description",
        "pg_get_serial_sequence",
        "pg_get_indexdef",
        "pg_get_function_sqlbody",
    ] {
        ctx.register_udf(constant(name, ScalarValue::Utf8(None)));
    }
    // SQLAlchemy's column list builds its identity options with it.
    ctx.register_udf(ScalarUDF::new_from_impl(JsonBuildObject::default()));
    // Metabase's field sync names tables with `format('%I.%I', schema, table)`.
    ctx.register_udf(ScalarUDF::new_from_impl(Format::default()));
    Ok(())
}

/// The first column of `sql`'s rows by their second, an oid.
async fn names_and_oids(ctx: &SessionContext, sql: &str) -> Result<HashMap<String, i32>> {
    let mut found = HashMap::new();
    for batch in ctx.sql(sql).await?.collect().await? {
        let names = cast(batch.column(0), &DataType::Utf8)?;
        let oids = cast(batch.column(1), &DataType::Int32)?;
        for (name, oid) in names
            .as_string::<i32>()
            .iter()
            .zip(oids.as_primitive::<Int32Type>())
        {
            if let (Some(name), Some(oid)) = (name, oid) {
                found.insert(name.to_string(), oid);
            }
        }
    }
    Ok(found)
}

/// `version()`: SQLAlchemy's dialect (Superset, pandas) and pgcli read PostgreSQL's
/// version from it and refuse to connect when they cannot parse it.
fn version() -> ScalarUDF {
    let text = version_text();
    create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(ScalarValue::from(text.as_str())))),
    )
}

/// `current_setting(name)`: Grafana reads `search_path` and `server_version_num`.
fn current_setting() -> ScalarUDF {
    create_udf(
        "current_setting",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(|args| {
            map_text(args, |name| {
                if name.eq_ignore_ascii_case("server_version") {
                    return Ok(Some(server_version()));
                }
                match setting(name) {
                    Some(value) => Ok(Some(value.to_string())),
                    None => exec_err!("unrecognized configuration parameter \"{name}\""),
                }
            })
        }),
    )
}

/// `callsql_like_pattern(pattern, escape)`: a LIKE pattern written with another escape
/// character, in the backslash form DataFusion's LIKE reads.
fn like_pattern() -> ScalarUDF {
    create_udf(
        LIKE_PATTERN,
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args| {
            let escape = match args.get(1) {
                Some(ColumnarValue::Scalar(value)) => value.to_string(),
                _ => return exec_err!("{LIKE_PATTERN} takes a constant escape character"),
            };
            let mut escape_chars = escape.chars();
            let (Some(escape), None) = (escape_chars.next(), escape_chars.next()) else {
                return exec_err!("invalid escape string: it must be one character");
            };
            map_text(&args[..1], |pattern| {
                Ok(Some(backslash_pattern(pattern, escape)))
            })
        }),
    )
}

/// `pattern`, whose escape character is `escape`, with a backslash as its escape.
fn backslash_pattern(pattern: &str, escape: char) -> String {
    let mut translated = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            translated.push('\\');
            if let Some(escaped) = chars.next() {
                translated.push(escaped);
            }
        } else if c == '\\' {
            translated.push_str("\\\\");
        } else {
            translated.push(c);
        }
    }
    translated
}

/// `_pg_expandarray(array)`: each element with its 1-based position, `{x, n}`, as
/// information_schema's set-returning function gives them; the rewrite unnests the list.
/// pgjdbc's getPrimaryKeys and getIndexInfo expand `pg_index.indkey` with it.
fn expand_array() -> ScalarUDF {
    let element = Fields::from(vec![
        Field::new("x", DataType::Int16, true),
        Field::new("n", DataType::Int32, false),
    ]);
    let item = Arc::new(Field::new("item", DataType::Struct(element.clone()), true));
    let input = DataType::List(Arc::new(Field::new("item", DataType::Int16, true)));
    create_udf(
        "_pg_expandarray",
        vec![input],
        DataType::List(item.clone()),
        Volatility::Immutable,
        Arc::new(move |args| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let lists = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan("_pg_expandarray takes an array".into()))?
                .as_list::<i32>();
            // A sliced list's offsets need not start at its values' start.
            let offsets = lists.offsets();
            let first = offsets.first().copied().unwrap_or_default();
            let last = offsets.last().copied().unwrap_or_default();
            let values = lists
                .values()
                .as_primitive::<Int16Type>()
                .slice(first as usize, (last - first) as usize);
            let positions: Int32Array = offsets
                .windows(2)
                .flat_map(|bounds| 1..=(bounds[1] - bounds[0]))
                .collect();
            let elements = StructArray::try_new(
                element.clone(),
                vec![Arc::new(values) as ArrayRef, Arc::new(positions)],
                None,
            )?;
            let rebased = offsets.iter().map(|offset| offset - first).collect();
            let expanded = ListArray::try_new(
                item.clone(),
                OffsetBuffer::new(rebased),
                Arc::new(elements),
                lists.nulls().cloned(),
            )?;
            Ok(ColumnarValue::Array(Arc::new(expanded)))
        }),
    )
}

/// `name(text)`: the oid of the type or table of that name, or NULL when there is none.
fn oid_of(name: &str, oids: HashMap<String, i32>) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(move |args| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let names = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan("expected a name".into()))?
                .as_string::<i32>();
            let found: Int32Array = names
                .iter()
                .map(|name| {
                    let name = name?.trim();
                    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
                    let name = name.strip_prefix("public.").unwrap_or(name);
                    oids.get(name.trim_matches('"')).copied()
                })
                .collect();
            Ok(match args.first() {
                Some(ColumnarValue::Scalar(_)) => {
                    ColumnarValue::Scalar(ScalarValue::try_from_array(&found, 0)?)
                }
                _ => ColumnarValue::Array(Arc::new(found)),
            })
        }),
    )
}

/// `callsql_regtype_names(oids)`: the type names of a list of type oids, written as
/// PostgreSQL writes an `oidvector` (`701 701`) or an `oid[]` (`{701,25}`). pgcli's
/// function list casts `proargtypes` and `proallargtypes` to `regtype[]`.
fn regtype_names(types: &HashMap<String, i32>) -> ScalarUDF {
    let names: HashMap<i32, String> = types
        .iter()
        .map(|(name, oid)| (*oid, name.clone()))
        .collect();
    create_udf(
        REGTYPE_NAMES,
        vec![DataType::Utf8],
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        Volatility::Stable,
        Arc::new(move |args| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let texts = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan("expected type oids".into()))?
                .as_string::<i32>();
            let mut lists = ListBuilder::new(StringBuilder::new());
            for text in texts {
                let Some(text) = text else {
                    lists.append(false);
                    continue;
                };
                let oids = text
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|oid| oid.parse::<i32>().ok());
                for oid in oids {
                    match names.get(&oid) {
                        Some(name) => lists.values().append_value(name),
                        None => lists.values().append_value(oid.to_string()),
                    }
                }
                lists.append(true);
            }
            Ok(ColumnarValue::Array(Arc::new(lists.finish())))
        }),
    )
}

/// A function of any arguments that gives `value` for every row.
fn constant(name: &str, value: ScalarValue) -> ScalarUDF {
    ScalarUDF::new_from_impl(Constant {
        name: name.to_string(),
        signature: Signature::variadic_any(Volatility::Stable),
        value,
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Constant {
    name: String,
    signature: Signature,
    value: ScalarValue,
}

impl ScalarUDFImpl for Constant {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.value.data_type())
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(self.value.clone()))
    }
}

/// `json_build_object(key, value, …)`: a JSON object as text.
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

impl Default for JsonBuildObject {
    fn default() -> Self {
        JsonBuildObject {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return exec_err!("json_build_object takes pairs of keys and values");
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let objects = (0..args.number_rows)
            .map(|row| {
                let mut object = serde_json::Map::new();
                for pair in arrays.chunks(2) {
                    let key = ScalarValue::try_from_array(&pair[0], row)?.to_string();
                    let value = match ScalarValue::try_from_array(&pair[1], row)? {
                        value if value.is_null() => serde_json::Value::Null,
                        ScalarValue::Boolean(Some(flag)) => flag.into(),
                        ScalarValue::Int16(Some(n)) => n.into(),
                        ScalarValue::Int32(Some(n)) => n.into(),
                        ScalarValue::Int64(Some(n)) => n.into(),
                        ScalarValue::Float64(Some(n)) => n.into(),
                        other => other.to_string().into(),
                    };
                    object.insert(key, value);
                }
                Ok(Some(serde_json::Value::Object(object).to_string()))
            })
            .collect::<Result<StringArray>>()?;
        Ok(ColumnarValue::Array(Arc::new(objects)))
    }
}

/// PostgreSQL's `format(template, value, …)` with `%s`, `%I` (an identifier, quoted where
/// it must be), `%L` (a literal) and `%%`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Format {
    signature: Signature,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Format {
    fn name(&self) -> &str {
        "format"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts = arrays
            .iter()
            .map(|array| cast(array, &DataType::Utf8))
            .collect::<Result<Vec<_>, _>>()?;
        let formatted = (0..args.number_rows)
            .map(|row| {
                let value = |i: usize| {
                    texts
                        .get(i)
                        .map(|texts| texts.as_string::<i32>())
                        .filter(|texts| !texts.is_null(row))
                        .map(|texts| texts.value(row))
                };
                let Some(template) = value(0) else {
                    return Ok(None);
                };
                format_row(template, |i| value(i + 1)).map(Some)
            })
            .collect::<Result<StringArray>>()?;
        Ok(ColumnarValue::Array(Arc::new(formatted)))
    }
}

/// `template` with its `%` specifiers filled from `value(0)`, `value(1)`, ….
fn format_row<'a>(template: &str, value: impl Fn(usize) -> Option<&'a str>) -> Result<String> {
    let mut text = String::with_capacity(template.len() + 16);
    let mut next = 0;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        let specifier = chars.next();
        if specifier == Some('%') {
            text.push('%');
            continue;
        }
        let argument = value(next);
        next += 1;
        match (specifier, argument) {
            (Some('s'), argument) => text.push_str(argument.unwrap_or_default()),
            (Some('I'), Some(identifier)) => text.push_str(&quote_identifier(identifier)),
            (Some('L'), Some(literal)) => {
                text.push('\'');
                text.push_str(&literal.replace('\'', "''"));
                text.push('\'');
            }
            (Some('L'), None) => text.push_str("NULL"),
            (Some('I'), None) => return exec_err!("format: a NULL cannot be an identifier"),
            (other, _) => {
                return exec_err!("format: unrecognized conversion type specifier {other:?}");
            }
        }
    }
    Ok(text)
}

/// `identifier`, double-quoted unless it is lower case letters, digits and underscores.
fn quote_identifier(identifier: &str) -> String {
    let plain = identifier
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && identifier
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        identifier.to_string()
    } else {
        format!("\"{}\"", identifier.replace('"', "\"\""))
    }
}

/// `f` of each text of the first argument, a scalar for a scalar.
fn map_text(
    args: &[ColumnarValue],
    f: impl Fn(&str) -> Result<Option<String>>,
) -> Result<ColumnarValue> {
    match args.first() {
        Some(ColumnarValue::Scalar(value)) => {
            let text = match value {
                ScalarValue::Utf8(text) | ScalarValue::LargeUtf8(text) => text.clone(),
                ScalarValue::Utf8View(text) => text.clone(),
                other => Some(other.to_string()),
            };
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(match text {
                Some(text) => f(&text)?,
                None => None,
            })))
        }
        Some(ColumnarValue::Array(array)) => {
            let texts = datafusion::arrow::compute::cast(array, &DataType::Utf8)?;
            let mapped = texts
                .as_string::<i32>()
                .iter()
                .map(|text| text.map(&f).transpose().map(Option::flatten))
                .collect::<Result<StringArray>>()?;
            Ok(ColumnarValue::Array(Arc::new(mapped)))
        }
        None => exec_err!("expected one argument"),
    }
}

#[cfg(test)]
mod tests {
    use super::{backslash_pattern, format_row};

    #[test]
    fn format_fills_its_specifiers() {
        let values = ["public", "Calls", "it's"];
        let value = |i: usize| values.get(i).copied();
        assert_eq!(format_row("%I.%I", value).unwrap(), "public.\"Calls\"");
        assert_eq!(
            format_row("%s = %L, 100%%", |i| value(i + 1)).unwrap(),
            "Calls = 'it''s', 100%"
        );
        assert!(format_row("%x", value).is_err());
    }

    #[test]
    fn patterns_take_the_backslash_as_their_escape() {
        assert_eq!(backslash_pattern("pg/_%", '/'), "pg\\_%");
        assert_eq!(backslash_pattern("a//b", '/'), "a\\/b");
        assert_eq!(backslash_pattern("a\\b/%", '/'), "a\\\\b\\%");
        assert_eq!(backslash_pattern("trailing/", '/'), "trailing\\");
    }
}
