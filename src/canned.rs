//! Canned queries: the `.sql` files of `queries/` (embedded in the binary at build time) or
//! a user's own file, with a header naming the query, describing it and declaring typed
//! parameters. Parameter values are bound to DataFusion placeholders (`$name`), never
//! spliced into the SQL text.
//!
//! ```sql
//! -- name: script_elimination
//! -- description: Scripts safe to retire, per campaign.
//! -- param min_trials BIGINT = 200: Scripts with fewer answered calls are never flagged.
//! SELECT … WHERE trials >= $min_trials
//! ```

pub mod table_functions;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::prelude::{DataFrame, SessionContext};
use serde::{Serialize, Serializer};

/// The queries shipped in `queries/`, as (file stem, text).
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/canned_queries.rs"));

/// One canned query and its declared parameters.
#[derive(Debug, Clone, Serialize)]
pub struct CannedQuery {
    pub name: String,
    pub description: String,
    /// The result's columns, as the header's `-- columns:` line names them (empty when a
    /// query file has none).
    pub columns: Vec<String>,
    pub params: Vec<QueryParam>,
    #[serde(skip)]
    pub sql: String,
}

/// A declared parameter: `-- param NAME TYPE [= DEFAULT]: DESCRIPTION`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryParam {
    pub name: String,
    #[serde(rename = "type", serialize_with = "display")]
    pub param_type: ParamType,
    /// The default as written; `None` makes the parameter required.
    pub default: Option<String>,
    pub description: String,
}

/// The SQL types a parameter can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    Bigint,
    Double,
    Varchar,
    Date,
    Boolean,
    /// `CHOICE(a|b|c)`: text that must be one of the listed words (or NULL), so a
    /// misspelt switch is an error naming the choices rather than an empty result.
    Choice(Vec<String>),
}

impl ParamType {
    fn parse(text: &str) -> Option<Self> {
        if let Some(words) = text
            .strip_prefix("CHOICE(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            let choices: Vec<String> = words.split('|').map(|w| w.trim().to_string()).collect();
            return (!choices.iter().any(String::is_empty)).then_some(ParamType::Choice(choices));
        }
        Some(match text.to_ascii_uppercase().as_str() {
            "BIGINT" => ParamType::Bigint,
            "DOUBLE" => ParamType::Double,
            "VARCHAR" => ParamType::Varchar,
            "DATE" => ParamType::Date,
            "BOOLEAN" => ParamType::Boolean,
            _ => return None,
        })
    }

    /// The Arrow type of the parameter's values.
    fn data_type(&self) -> DataType {
        match self {
            ParamType::Bigint => DataType::Int64,
            ParamType::Double => DataType::Float64,
            ParamType::Varchar | ParamType::Choice(_) => DataType::Utf8,
            ParamType::Date => DataType::Date32,
            ParamType::Boolean => DataType::Boolean,
        }
    }

    /// The typed value of `text`; `NULL` (any case) is the type's NULL.
    fn value(&self, text: &str) -> Option<ScalarValue> {
        let is_null = text.eq_ignore_ascii_case("null");
        Some(match self {
            ParamType::Bigint if is_null => ScalarValue::Int64(None),
            ParamType::Bigint => ScalarValue::Int64(Some(text.trim().parse().ok()?)),
            ParamType::Double if is_null => ScalarValue::Float64(None),
            ParamType::Double => {
                let number: f64 = text.trim().parse().ok()?;
                ScalarValue::Float64(Some(number.is_finite().then_some(number)?))
            }
            ParamType::Varchar if is_null => ScalarValue::Utf8(None),
            ParamType::Varchar => ScalarValue::Utf8(Some(text.to_string())),
            ParamType::Choice(_) if is_null => ScalarValue::Utf8(None),
            ParamType::Choice(choices) => {
                ScalarValue::Utf8(Some(choices.iter().find(|c| *c == text.trim())?.clone()))
            }
            ParamType::Date if is_null => ScalarValue::Date32(None),
            ParamType::Date => {
                let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
                ScalarValue::Date32(Some((date - epoch).num_days().try_into().ok()?))
            }
            ParamType::Boolean if is_null => ScalarValue::Boolean(None),
            ParamType::Boolean => ScalarValue::Boolean(Some(match text.trim() {
                t if t.eq_ignore_ascii_case("true") => true,
                t if t.eq_ignore_ascii_case("false") => false,
                _ => return None,
            })),
        })
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamType::Bigint => "BIGINT",
            ParamType::Double => "DOUBLE",
            ParamType::Varchar => "VARCHAR",
            ParamType::Date => "DATE (YYYY-MM-DD)",
            ParamType::Boolean => "BOOLEAN",
            ParamType::Choice(choices) => return write!(f, "one of {}", choices.join("|")),
        })
    }
}

impl fmt::Display for QueryParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.param_type)?;
        if let Some(default) = &self.default {
            write!(f, " = {default}")?;
        }
        Ok(())
    }
}

/// The listing of `callsql queries` and `\dq`: each query, its description and its
/// parameters.
pub fn describe(queries: &[CannedQuery]) -> String {
    let mut text = String::new();
    for query in queries {
        text.push_str(&format!("{}\n    {}\n", query.name, query.description));
        if !query.columns.is_empty() {
            text.push_str(&format!("    columns: {}\n", query.columns.join(", ")));
        }
        for param in &query.params {
            text.push_str(&format!("    --param {param}: {}\n", param.description));
        }
    }
    text
}

/// Every canned query shipped with callsql, by name.
pub fn builtin() -> Result<Vec<CannedQuery>> {
    BUILTIN
        .iter()
        .map(|(name, text)| CannedQuery::parse(name, text))
        .collect()
}

/// A shipped query by name, or a query file by path (anything ending in `.sql`).
pub fn find(name_or_path: &str) -> Result<CannedQuery> {
    if name_or_path.ends_with(".sql") {
        let path = Path::new(name_or_path);
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read query file {name_or_path}"))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(name_or_path);
        return CannedQuery::parse(stem, &text);
    }
    let queries = builtin()?;
    if let Some(query) = queries.iter().find(|q| q.name == name_or_path) {
        return Ok(query.clone());
    }
    let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    bail!(
        "no canned query named `{name_or_path}`; available: {}",
        names.join(", ")
    )
}

impl CannedQuery {
    /// Reads the header of a query file; `file_name` names it when the header does not.
    pub fn parse(file_name: &str, text: &str) -> Result<Self> {
        let mut name = None;
        let mut description = String::new();
        let mut columns = Vec::new();
        let mut params = Vec::new();
        for line in text.lines() {
            let Some(comment) = line.trim().strip_prefix("--") else {
                break;
            };
            let comment = comment.trim();
            if let Some(value) = comment.strip_prefix("name:") {
                name = Some(value.trim().to_string());
            } else if let Some(value) = comment.strip_prefix("description:") {
                description = value.trim().to_string();
            } else if let Some(value) = comment.strip_prefix("columns:") {
                columns = value.split(',').map(|c| c.trim().to_string()).collect();
            } else if let Some(declaration) = comment.strip_prefix("param ") {
                params.push(
                    parse_param(declaration).with_context(|| {
                        format!("query {file_name}: bad parameter line `{line}`")
                    })?,
                );
            }
        }
        let name = name.unwrap_or_else(|| file_name.to_string());
        if description.is_empty() {
            bail!("query {name}: the header has no `-- description:` line");
        }
        Ok(Self {
            name,
            description,
            columns,
            params,
            sql: text.to_string(),
        })
    }

    /// The placeholder values for parameters given as `name=value` text; defaults fill in
    /// the rest. Unknown, missing and ill-typed parameters are errors that list the
    /// query's parameters.
    pub fn bind(&self, given: &[(String, String)]) -> Result<ParamValues> {
        let mut values = HashMap::new();
        for (key, text) in given {
            let param = self.params.iter().find(|p| &p.name == key).ok_or_else(|| {
                anyhow!(
                    "query {} has no parameter `{key}`; {}",
                    self.name,
                    self.param_list()
                )
            })?;
            let value = param.param_type.value(text).ok_or_else(|| {
                anyhow!(
                    "query {}: parameter `{key}` must be {}, got '{text}'; {}",
                    self.name,
                    param.param_type,
                    self.param_list()
                )
            })?;
            values.insert(key.clone(), value.into());
        }
        for param in &self.params {
            if values.contains_key(&param.name) {
                continue;
            }
            let Some(default) = &param.default else {
                bail!(
                    "query {} needs parameter `{}` (--param {}=…); {}",
                    self.name,
                    param.name,
                    param.name,
                    self.param_list()
                );
            };
            let value = param.param_type.value(default).ok_or_else(|| {
                anyhow!(
                    "query {}: default of `{}` is not {}",
                    self.name,
                    param.name,
                    param.param_type
                )
            })?;
            values.insert(param.name.clone(), value.into());
        }
        Ok(ParamValues::Map(values))
    }

    /// The query planned on `ctx` with its parameters bound.
    pub async fn dataframe(
        &self,
        ctx: &SessionContext,
        given: &[(String, String)],
    ) -> Result<DataFrame> {
        let values = self.bind(given)?;
        let frame = ctx
            .sql(&self.sql)
            .await
            .with_context(|| format!("query {}", self.name))?;
        Ok(frame.with_param_values(values)?)
    }

    fn param_list(&self) -> String {
        if self.params.is_empty() {
            return "it takes no parameters".to_string();
        }
        let list: Vec<String> = self.params.iter().map(ToString::to_string).collect();
        format!("parameters: {}", list.join(", "))
    }
}

fn display<S: Serializer>(value: &ParamType, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// `NAME TYPE [= DEFAULT]: DESCRIPTION`.
fn parse_param(declaration: &str) -> Result<QueryParam> {
    let (signature, description) = declaration
        .split_once(": ")
        .ok_or_else(|| anyhow!("expected `NAME TYPE [= DEFAULT]: DESCRIPTION`"))?;
    let (head, default) = match signature.split_once('=') {
        Some((head, default)) => (head, Some(default.trim().to_string())),
        None => (signature, None),
    };
    let mut words = head.split_whitespace();
    let (Some(name), Some(type_name), None) = (words.next(), words.next(), words.next()) else {
        bail!("expected a name and a type before the default");
    };
    let param_type = ParamType::parse(type_name).ok_or_else(|| {
        anyhow!("unknown type {type_name}; use BIGINT, DOUBLE, VARCHAR, DATE or BOOLEAN")
    })?;
    Ok(QueryParam {
        name: name.to_string(),
        param_type,
        default,
        description: description.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "-- name: demo\n-- description: A demo.\n\
        -- param min_trials BIGINT = 200: Minimum trials.\n\
        -- param since DATE: First day.\n\
        SELECT $min_trials, $since";

    #[test]
    fn header_declares_typed_parameters() {
        let query = CannedQuery::parse("file", QUERY).unwrap();
        assert_eq!(query.name, "demo");
        assert_eq!(query.description, "A demo.");
        assert_eq!(query.params.len(), 2);
        assert_eq!(query.params[0].to_string(), "min_trials BIGINT = 200");
        assert_eq!(query.params[1].default, None);
    }

    #[test]
    fn binding_checks_names_presence_and_types() {
        let query = CannedQuery::parse("file", QUERY).unwrap();
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let error = query.bind(&given(&[])).unwrap_err().to_string();
        assert!(error.contains("needs parameter `since`"), "{error}");
        assert!(
            error.contains("parameters: min_trials BIGINT = 200, since DATE"),
            "{error}"
        );
        let error = query
            .bind(&given(&[("since", "2025-06-31")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`since` must be DATE (YYYY-MM-DD), got '2025-06-31'"),
            "{error}"
        );
        let error = query
            .bind(&given(&[("since", "2025-06-01"), ("limit", "3")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("has no parameter `limit`"), "{error}");
        let ParamValues::Map(values) = query.bind(&given(&[("since", "2025-06-01")])).unwrap()
        else {
            panic!("named parameters bind as a map");
        };
        assert_eq!(values["min_trials"].value, ScalarValue::Int64(Some(200)));
        assert_eq!(values["since"].value, ScalarValue::Date32(Some(20240)));
    }

    /// Every shipped query parses, is named after its file, and declares exactly the
    /// placeholders its SQL uses.
    #[test]
    fn shipped_queries_declare_their_placeholders() {
        for (file, text) in BUILTIN {
            let query = CannedQuery::parse(file, text).unwrap();
            assert_eq!(&query.name, file);
            let mut used: Vec<String> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .flat_map(|line| line.split('$').skip(1))
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect()
                })
                .collect();
            used.sort();
            used.dedup();
            let mut declared: Vec<String> = query.params.iter().map(|p| p.name.clone()).collect();
            declared.sort();
            assert_eq!(used, declared, "query {file}");
            for param in &query.params {
                if let Some(default) = &param.default {
                    assert!(param.param_type.value(default).is_some(), "{file}: {param}");
                }
            }
        }
    }
}
