//! The mapping file of `--from mapped`: how an export's columns fill one canonical table.
//!
//! ```toml
//! [source]    format, encoding, header, header_row, sheet, skip_if, timezone, timestamp_format
//! [columns]   canonical column = "header text" | column number | { sql = "EXPR" }
//!             (EXPR reads the export's columns by header text, and `_file`, its file name)
//! [values.X]  "source value" = canonical value (a string, boolean or number)
//! [defaults]  canonical column = constant
//! ```
//!
//! Everything is checked before any input is read: unknown keys, columns the table does
//! not have, value maps onto values the column cannot hold, missing required columns.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toml::Spanned;

use super::formats::Explanation;
use crate::schema::{self, Column, Kind, Table};

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
    /// The 1-based row holding the header; the rows above it (titles, export times) are
    /// skipped.
    pub header_row: Option<u64>,
    /// The XLSX sheet to read; the first by default.
    pub sheet: Option<String>,
    /// An SQL predicate over the export's columns: rows it holds for are skipped (totals
    /// rows, sub-headers), neither written nor rejected.
    pub skip_if: Option<String>,
    pub timezone: Option<String>,
    pub timestamp_format: Option<String>,
}

impl SourceSection {
    /// Rows before the header (or before the first record without one).
    pub fn rows_above_header(&self) -> u64 {
        self.header_row.map_or(0, |row| row - 1)
    }
}

/// Where a canonical column's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceColumn {
    /// A header text (a key of a JSON object).
    Name(String),
    /// A 1-based column number, for exports without a header.
    Index(usize),
    /// An SQL expression over the export's columns.
    Sql(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    source: SourceSection,
    columns: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, Spanned<toml::Value>>>,
    #[serde(default)]
    defaults: BTreeMap<String, Spanned<toml::Value>>,
}

/// A checked mapping onto one table.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub table: &'static Table,
    pub source: SourceSection,
    /// The mapped columns and where they come from, in the table's column order.
    pub columns: Vec<(&'static Column, SourceColumn)>,
    /// Per column: source value → canonical value as text.
    pub values: BTreeMap<&'static str, BTreeMap<String, String>>,
    /// Constants for columns the export lacks or leaves empty.
    pub defaults: Vec<(&'static Column, String)>,
    pub path: String,
}

/// The columns a mapping onto `table` may fill: its canonical ones and, for `calls`, the
/// source's own status and cause.
fn targets(table: &'static Table) -> impl Iterator<Item = &'static Column> {
    let imported: &'static [Column] = if table.name == "calls" {
        table.imported
    } else {
        &[]
    };
    table.columns.iter().chain(imported.iter())
}

/// Columns an import fills itself when the export does not: a `calls` row's id is a hash
/// of its record, its campaign `import` (or `--campaign`) and its customer the number.
pub fn derived(table: &Table, column: &str) -> bool {
    table.name == "calls" && matches!(column, "call_id" | "campaign_id" | "customer_id")
}

impl Mapping {
    pub fn load(path: &str, table: &'static Table) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the mapping {path}"))?;
        Mapping::parse(&text, path, table)
    }

    pub fn parse(text: &str, path: &str, table: &'static Table) -> Result<Self> {
        let line_of = |span: std::ops::Range<usize>| {
            text[..span.start.min(text.len())].lines().count().max(1)
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            match e.span().map(line_of) {
                Some(line) => anyhow::anyhow!("mapping {path}, line {line}: {message}"),
                None => anyhow::anyhow!("mapping {path}: {message}"),
            }
        })?;
        let at = |span: std::ops::Range<usize>| format!("mapping {path}, line {}", line_of(span));
        let check = |section: &str, name: &str, span: std::ops::Range<usize>| {
            targets(table).find(|c| c.name == name).with_context(|| {
                format!(
                    "{}: [{section}] names `{name}`, which is not a column of {}; its columns are {}",
                    at(span),
                    table.name,
                    targets(table).map(|c| c.name).collect::<Vec<_>>().join(", ")
                )
            })
        };
        let source = &file.source;
        if let Some(row) = source.header_row {
            if row < 1 {
                bail!("mapping {path}: [source] header_row counts from 1");
            }
            if !source.header {
                bail!("mapping {path}: [source] header_row needs header = true");
            }
        }
        if source.sheet.is_some() && source.format != SourceFormat::Xlsx {
            bail!("mapping {path}: [source] sheet is for format = \"xlsx\"");
        }
        if let Some(predicate) = &source.skip_if {
            check_sql(predicate)
                .with_context(|| format!("mapping {path}: [source] skip_if {predicate:?}"))?;
        }
        let mut columns = Vec::new();
        for (name, value) in &file.columns {
            let column = check("columns", name, value.span())?;
            let here = at(value.span());
            let from = match value.get_ref() {
                toml::Value::String(header) => {
                    if !source.header && source.format != SourceFormat::Jsonl {
                        bail!(
                            "{here}: [columns] {name}: with header = false, give the column's number (1-based)"
                        );
                    }
                    SourceColumn::Name(header.clone())
                }
                toml::Value::Integer(i) => {
                    if source.header {
                        bail!(
                            "{here}: [columns] {name} = {i}: with a header, name the column by its header text"
                        );
                    }
                    if *i < 1 {
                        bail!("{here}: [columns] {name} = {i}: column numbers start at 1");
                    }
                    SourceColumn::Index(*i as usize)
                }
                toml::Value::Table(expression)
                    if expression.len() == 1
                        && expression.get("sql").is_some_and(|v| v.is_str()) =>
                {
                    let sql = expression
                        .get("sql")
                        .and_then(toml::Value::as_str)
                        .unwrap_or_default();
                    check_sql(sql).with_context(|| format!("{here}: [columns] {name}: {sql:?}"))?;
                    SourceColumn::Sql(sql.to_string())
                }
                _ => bail!(
                    "{here}: [columns] {name}: give a header text, a column number or {{ sql = \"EXPR\" }}"
                ),
            };
            columns.push((column, from));
        }
        columns.sort_by_key(|(c, _)| targets(table).position(|t| t.name == c.name));
        let mut values = BTreeMap::new();
        for (name, map) in &file.values {
            let span = map.values().next().map_or(0..0, |v| v.span());
            let column = check("values", name, span)?;
            let mut checked = BTreeMap::new();
            for (from, to) in map {
                let text = constant(to.get_ref())
                    .with_context(|| format!("{}: [values.{name}] {from:?}", at(to.span())))?;
                allowed(column, &text).with_context(|| {
                    format!("{}: [values.{name}] {from:?} = {text:?}", at(to.span()))
                })?;
                checked.insert(from.trim().to_string(), text);
            }
            values.insert(column.name, checked);
        }
        let mut defaults = Vec::new();
        for (name, value) in &file.defaults {
            let column = check("defaults", name, value.span())?;
            let text = constant(value.get_ref())
                .with_context(|| format!("{}: [defaults] {name}", at(value.span())))?;
            if !values.contains_key(column.name) {
                allowed(column, &text)
                    .with_context(|| format!("{}: [defaults] {name}", at(value.span())))?;
            }
            defaults.push((column, text));
        }
        for required in table.columns.iter().filter(|c| c.required) {
            let has = columns.iter().any(|(c, _)| c.name == required.name)
                || defaults.iter().any(|(c, _)| c.name == required.name);
            if !has && !derived(table, required.name) {
                bail!(
                    "mapping {path}: `{}` needs a source column in [columns] (or a constant in [defaults]): {} cannot do without it",
                    required.name,
                    table.name
                );
            }
        }
        if table.name == "calls" {
            for needed in ["disposition", "callee_number"] {
                let has = columns.iter().any(|(c, _)| c.name == needed)
                    || defaults.iter().any(|(c, _)| c.name == needed);
                if !has {
                    bail!(
                        "mapping {path}: `{needed}` needs a source column in [columns] (or a constant in [defaults])"
                    );
                }
            }
        }
        if let Some(zone) = &source.timezone {
            super::Zone::parse(zone)
                .with_context(|| format!("mapping {path}: [source] timezone"))?;
        }
        if source.format == SourceFormat::Jsonl && source.encoding != Encoding::Utf8 {
            bail!("mapping {path}: JSON lines are UTF-8; remove [source] encoding");
        }
        Ok(Mapping {
            table,
            source: file.source,
            columns,
            values,
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
        for (column, source) in &self.columns {
            let (value, note) = match source {
                SourceColumn::Name(n) => (format!("column {n:?}"), "source column"),
                SourceColumn::Index(i) => (format!("column {i}"), "source column"),
                SourceColumn::Sql(sql) => (sql.clone(), "SQL expression"),
            };
            lines.push(Explanation {
                field: column.name.to_string(),
                value,
                disposition: String::new(),
                note: note.into(),
            });
        }
        for (column, map) in &self.values {
            for (from, to) in map {
                lines.push(Explanation {
                    field: (*column).to_string(),
                    value: from.clone(),
                    disposition: to.clone(),
                    note: "value map".into(),
                });
            }
        }
        for (column, value) in &self.defaults {
            lines.push(Explanation {
                field: column.name.to_string(),
                value: String::new(),
                disposition: value.clone(),
                note: "default".into(),
            });
        }
        lines
    }
}

/// Whether `sql` is one SQL expression; its columns are checked against each export's
/// header when the export is read.
fn check_sql(sql: &str) -> Result<()> {
    use datafusion::sql::sqlparser::{dialect::GenericDialect, parser::Parser, tokenizer::Token};
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(sql)?;
    parser.parse_expr()?;
    let rest = parser.peek_token();
    if rest.token != Token::EOF {
        bail!("is not one SQL expression: {rest} follows it");
    }
    Ok(())
}

/// A TOML constant as the text a source cell would hold.
fn constant(value: &toml::Value) -> Result<String> {
    Ok(match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => bail!(
            "is a {}: give a string, number or boolean",
            other.type_str()
        ),
    })
}

/// Whether `column` can hold `text`, with a message listing what it can hold.
fn allowed(column: &Column, text: &str) -> Result<()> {
    if !column.values.is_empty() {
        if !column.values.contains(&text) {
            bail!(
                "`{}` takes one of {}",
                column.name,
                column.values.join(", ")
            );
        }
        return Ok(());
    }
    let fits = match column.kind {
        Kind::Boolean => matches!(text, "true" | "false"),
        Kind::Integer => text.parse::<i32>().is_ok(),
        Kind::Float => text.parse::<f64>().is_ok_and(f64::is_finite),
        Kind::Text | Kind::Category | Kind::Timestamp => true,
    };
    if !fits {
        let what = match column.kind {
            Kind::Boolean => "true or false",
            Kind::Integer => "a whole number",
            _ => "a number",
        };
        bail!("`{}` takes {what}", column.name);
    }
    Ok(())
}

/// The canonical table `--table` names.
pub fn table(name: &str) -> Result<&'static Table> {
    schema::table(name).with_context(|| {
        format!(
            "unknown table {name:?} for --table; expected one of {}",
            Table::names()
        )
    })
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

    fn calls() -> &'static Table {
        table("calls").unwrap()
    }

    #[test]
    fn a_minimal_mapping_reads() {
        let mapping = Mapping::parse(MINIMAL, "m.toml", calls()).unwrap();
        assert_eq!(mapping.columns.len(), 3);
        assert_eq!(mapping.source.encoding, Encoding::Utf8);
        assert!(mapping.source.header);
    }

    #[test]
    fn errors_name_the_key_and_its_line() {
        let err = |text: &str| {
            Mapping::parse(text, "m.toml", calls())
                .unwrap_err()
                .to_string()
        };
        let extra = err(&format!("{MINIMAL}[extra]\nx = 1\n"));
        assert!(extra.contains("unknown field `extra`"), "{extra}");
        let bad_column = err(&format!("{MINIMAL}[defaults]\ncampain_id = \"x\"\n"));
        assert!(
            bad_column.contains("line 9") && bad_column.contains("`campain_id`"),
            "{bad_column}"
        );
        let source_key =
            err(&MINIMAL.replace("format = \"csv\"", "format = \"csv\"\nquote = \"'\""));
        assert!(source_key.contains("unknown field `quote`"), "{source_key}");
        let missing = err(&MINIMAL.replace("disposition = \"result\"", ""));
        assert!(missing.contains("`disposition`"), "{missing}");
        let shape = err(&MINIMAL.replace("\"result\"", "{ expr = \"x\" }"));
        assert!(
            shape.contains("line 7") && shape.contains("{ sql = \"EXPR\" }"),
            "{shape}"
        );
        assert!(!shape.contains("untagged"), "{shape}");
        let unfinished = MINIMAL.replace("\"result\"", "{ sql = \"upper(r\" }");
        let sql = format!(
            "{:#}",
            Mapping::parse(&unfinished, "m.toml", calls()).unwrap_err()
        );
        assert!(sql.contains("line 7: [columns] disposition"), "{sql}");
        let two = MINIMAL.replace("\"result\"", "{ sql = \"r r2 r3\" }");
        let sql = format!("{:#}", Mapping::parse(&two, "m.toml", calls()).unwrap_err());
        assert!(sql.contains("is not one SQL expression"), "{sql}");
    }

    #[test]
    fn value_maps_take_strings_booleans_and_numbers_of_the_column() {
        let text = format!(
            "{MINIMAL}[values.transferred]\n\"是\" = true\n\"否\" = false\n[values.csat]\n\"满意\" = 5\n"
        );
        let mapping = Mapping::parse(&text, "m.toml", calls()).unwrap();
        assert_eq!(mapping.values["transferred"]["是"], "true");
        assert_eq!(mapping.values["csat"]["满意"], "5");
        let wrong = format!("{MINIMAL}[values.disposition]\n\"已接通\" = \"connected\"\n");
        let error = format!(
            "{:#}",
            Mapping::parse(&wrong, "m.toml", calls()).unwrap_err()
        );
        assert!(
            error.contains("line 9") && error.contains("answered, no_answer, busy"),
            "{error}"
        );
    }

    #[test]
    fn sql_columns_and_other_tables() {
        let orders = r#"
[source]
format = "xlsx"
header_row = 3
skip_if = "\"序号\" = '合计'"
[columns]
order_id = "订单号"
customer_id = "客户编号"
ordered_at = { sql = "\"下单日期\" || ' ' || \"下单时间\"" }
amount = { sql = "replace(\"实付金额\", '¥', '')" }
"#;
        let mapping = Mapping::parse(orders, "o.toml", table("orders").unwrap()).unwrap();
        assert_eq!(mapping.source.rows_above_header(), 2);
        assert!(matches!(&mapping.columns[2].1, SourceColumn::Sql(s) if s.contains("下单日期")));
        let missing = Mapping::parse(
            &orders.replace("order_id = \"订单号\"\n", ""),
            "o.toml",
            table("orders").unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(missing.contains("`order_id`"), "{missing}");
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
