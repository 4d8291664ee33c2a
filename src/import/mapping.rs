//! The mapping file of `--from mapped`: which source column fills which canonical column,
//! value maps (source value → canonical value) and constants for what the export lacks.
//!
//! ```toml
//! [source]    format, encoding, header, timezone, timestamp_format
//! [columns]   canonical column = source header text, or 1-based index without a header
//! [values.X]  "source value" = "canonical value"
//! [defaults]  canonical column = constant
//! ```

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::formats::Explanation;
use crate::schema::{self, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Csv,
    Tsv,
    Xlsx,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    #[serde(rename = "gbk")]
    Gbk,
    #[serde(rename = "gb18030")]
    Gb18030,
}

impl Encoding {
    /// The text of `bytes`, or `None` when they are not valid in this encoding. GBK is read
    /// as GB18030, its superset (as the WHATWG Encoding Standard decodes it).
    pub fn decode<'b>(self, bytes: &'b [u8]) -> Option<std::borrow::Cow<'b, str>> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes)
                .ok()
                .map(std::borrow::Cow::Borrowed),
            Encoding::Gbk | Encoding::Gb18030 => {
                encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gbk => "GBK",
            Encoding::Gb18030 => "GB18030",
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    pub format: SourceFormat,
    #[serde(default)]
    pub encoding: Encoding,
    #[serde(default = "yes")]
    pub header: bool,
    pub timezone: Option<String>,
    pub timestamp_format: Option<String>,
}

/// Where a canonical column's value comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SourceColumn {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    source: SourceSection,
    columns: BTreeMap<String, SourceColumn>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    defaults: BTreeMap<String, toml::Value>,
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub source: SourceSection,
    /// (canonical column, its kind, where it comes from), in canonical order.
    pub columns: Vec<(&'static str, Kind, SourceColumn)>,
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    pub defaults: Vec<(&'static str, Kind, String)>,
    pub path: String,
}

/// The columns a mapping may fill: the canonical ones and the source's own status and cause.
fn target(name: &str) -> Option<(&'static str, Kind)> {
    schema::CALLS
        .iter()
        .map(|c| (c.name, c.kind))
        .chain([("source_status", Kind::Text), ("source_cause", Kind::Text)])
        .find(|(n, _)| *n == name)
}

impl Mapping {
    pub fn load(path: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the mapping {path}"))?;
        Mapping::parse(&text, path)
    }

    pub fn parse(text: &str, path: &str) -> Result<Self> {
        let file: MappingFile = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(line) => anyhow::anyhow!("mapping {path}, line {line}: {message}"),
                None => anyhow::anyhow!("mapping {path}: {message}"),
            }
        })?;
        let check = |section: &str, name: &str| -> Result<(&'static str, Kind)> {
            target(name).with_context(|| {
                format!(
                    "mapping {path}: [{section}] names `{name}`, which is not a column of calls"
                )
            })
        };
        let mut columns = Vec::new();
        for (name, source) in &file.columns {
            let (name, kind) = check("columns", name)?;
            if let SourceColumn::Index(i) = source {
                if file.source.header {
                    bail!(
                        "mapping {path}: [columns] {name} = {i}: with header = true, name the column by its header text"
                    );
                }
                if *i < 1 {
                    bail!("mapping {path}: [columns] {name} = {i}: column numbers start at 1");
                }
            } else if !file.source.header && file.source.format != SourceFormat::Jsonl {
                bail!(
                    "mapping {path}: [columns] {name}: with header = false, give the column's number (1-based)"
                );
            }
            columns.push((name, kind, source.clone()));
        }
        for name in file.values.keys() {
            check("values", name)?;
        }
        let mut defaults = Vec::new();
        for (name, value) in &file.defaults {
            let (name, kind) = check("defaults", name)?;
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => bail!(
                    "mapping {path}: [defaults] {name} is a {}: give a string, number or boolean",
                    other.type_str()
                ),
            };
            defaults.push((name, kind, text));
        }
        let has = |name: &str| {
            columns.iter().any(|(n, _, _)| *n == name)
                || defaults.iter().any(|(n, _, _)| *n == name)
        };
        for required in ["dialed_at", "disposition", "callee_number"] {
            if !has(required) {
                bail!(
                    "mapping {path}: `{required}` needs a source column in [columns] (or a constant in [defaults])"
                );
            }
        }
        if let Some(zone) = &file.source.timezone {
            super::Zone::parse(zone)
                .with_context(|| format!("mapping {path}: [source] timezone"))?;
        }
        if file.source.format == SourceFormat::Jsonl && file.source.encoding != Encoding::Utf8 {
            bail!("mapping {path}: JSON lines are UTF-8; remove [source] encoding");
        }
        Ok(Mapping {
            source: file.source,
            columns,
            values: file.values,
            defaults,
            path: path.to_string(),
        })
    }

    /// The zone of local times: the mapping's `[source] timezone`, else `--tz`.
    pub fn timezone<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.source.timezone.as_deref().unwrap_or(fallback)
    }

    pub fn explain(&self) -> Vec<Explanation> {
        let mut lines = Vec::new();
        for (name, _, source) in &self.columns {
            let from = match source {
                SourceColumn::Name(n) => format!("column {n:?}"),
                SourceColumn::Index(i) => format!("column {i}"),
            };
            lines.push(Explanation {
                field: (*name).to_string(),
                value: from,
                disposition: String::new(),
                note: "source column".into(),
            });
        }
        for (column, map) in &self.values {
            for (from, to) in map {
                lines.push(Explanation {
                    field: column.clone(),
                    value: from.clone(),
                    disposition: to.clone(),
                    note: "value map".into(),
                });
            }
        }
        for (name, _, value) in &self.defaults {
            lines.push(Explanation {
                field: (*name).to_string(),
                value: String::new(),
                disposition: value.clone(),
                note: "default".into(),
            });
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[source]
format = "csv"
[columns]
dialed_at = "time"
callee_number = "number"
disposition = "result"
"#;

    #[test]
    fn a_minimal_mapping_reads() {
        let mapping = Mapping::parse(MINIMAL, "m.toml").unwrap();
        assert_eq!(mapping.columns.len(), 3);
        assert_eq!(mapping.source.encoding, Encoding::Utf8);
        assert!(mapping.source.header);
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: &str| Mapping::parse(text, "m.toml").unwrap_err().to_string();
        let extra = err(&format!("{MINIMAL}[extra]\nx = 1\n"));
        assert!(extra.contains("unknown field `extra`"), "{extra}");
        let bad_column = err(&format!("{MINIMAL}[defaults]\ncampain_id = \"x\"\n"));
        assert!(bad_column.contains("`campain_id`"), "{bad_column}");
        let source_key =
            err(&MINIMAL.replace("format = \"csv\"", "format = \"csv\"\nquote = \"'\""));
        assert!(source_key.contains("unknown field `quote`"), "{source_key}");
        let missing = err(&MINIMAL.replace("disposition = \"result\"", ""));
        assert!(missing.contains("`disposition`"), "{missing}");
    }

    #[test]
    fn gbk_text_decodes_and_invalid_bytes_do_not() {
        // 已接通 in GBK.
        let bytes = [0xD2, 0xD1, 0xBD, 0xD3, 0xCD, 0xA8];
        assert_eq!(Encoding::Gbk.decode(&bytes).unwrap(), "已接通");
        assert!(Encoding::Utf8.decode(&bytes).is_none());
        assert!(Encoding::Gb18030.decode(&[0xD2]).is_none());
    }
}
