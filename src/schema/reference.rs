//! The canonical tables described for people: `callsql tables [NAME]` and
//! `docs/tables.md` are both rendered here from the column lists the code uses, so the
//! reference cannot drift from the tables.

use anyhow::{Result, bail};

use super::{Column, Kind, Layout, TABLES, Table, table};

/// The type a column has in a registered table, as SQL users see it.
fn type_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Category => "Utf8",
        Kind::Integer => "Int32",
        Kind::Float => "Float64",
        Kind::Boolean => "Boolean",
        Kind::Timestamp => "Timestamp(ms, UTC)",
    }
}

fn layout(table: &Table) -> String {
    match table.layout {
        Layout::Facts { day_of } => format!(
            "events, partitioned by the local day of {day_of} (`{}/dt=YYYY-MM-DD/`); importing an input again replaces its rows",
            table.name
        ),
        Layout::Dimension => format!(
            "a snapshot keyed by {}: importing an input again replaces its rows; a key twice in one import is a reject",
            table.key
        ),
        Layout::Accumulating => format!(
            "a list that only grows: imports add to it, and a {} listed again keeps its earliest added_at",
            table.key
        ),
    }
}

fn meaning(column: &Column) -> String {
    if column.values.is_empty() {
        return column.meaning.to_string();
    }
    let values: Vec<String> = column.values.iter().map(|v| format!("`{v}`")).collect();
    format!("{}: {}", column.meaning, values.join(", "))
}

fn null(column: &Column) -> &'static str {
    if column.nullable { "yes" } else { "no" }
}

/// The list of tables, or one table's columns, as aligned text.
pub fn text(name: Option<&str>) -> Result<String> {
    let Some(name) = name else {
        let width = TABLES.iter().map(|t| t.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for table in TABLES {
            out.push_str(&format!("{:width$}  {}\n", table.name, table.meaning));
        }
        out.push_str("\n`callsql tables NAME` shows a table's columns.\n");
        return Ok(out);
    };
    let table = find(name)?;
    let rows: Vec<[String; 4]> = table
        .all_columns()
        .map(|c| {
            [
                c.name.to_string(),
                type_name(c.kind).to_string(),
                null(c).to_string(),
                meaning(c),
            ]
        })
        .collect();
    let header = ["column", "type", "null", "meaning"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| unicode_width::UnicodeWidthStr::width(r[i].as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "{}: {}\nkey: {}\nstored as: {}\n\n",
        table.name,
        table.meaning,
        table.key,
        layout(table)
    );
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i < 3 {
                let pad = widths[i] - unicode_width::UnicodeWidthStr::width(cell.as_str());
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Every table as Markdown: the body of `docs/tables.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# The canonical tables\n\n\
         <!-- Written by `callsql tables --markdown`; a test keeps this file equal to it. -->\n\n\
         Each table is a directory of Parquet files under `--data` (local or `s3://`), named \
         after the table. `callsql gen` writes all of them; `callsql import --table NAME` \
         writes any of them from your own exports. Extra columns in your files are kept; a \
         missing required column is an error naming it.\n",
    );
    for table in TABLES {
        out.push_str(&format!(
            "\n## `{}`\n\n{}.\n\n- key: `{}`\n- stored as: {}\n\n| column | type | null | meaning |\n|---|---|---|---|\n",
            table.name,
            capitalised(table.meaning),
            table.key,
            layout(table)
        ));
        for column in table.all_columns() {
            let required = if column.required { ", required" } else { "" };
            out.push_str(&format!(
                "| {} | {}{required} | {} | {} |\n",
                column.name,
                type_name(column.kind),
                null(column),
                meaning(column).replace('|', "\\|")
            ));
        }
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn find(name: &str) -> Result<&'static Table> {
    match table(name) {
        Some(table) => Ok(table),
        None => bail!(
            "there is no canonical table {name:?}; the tables are {}",
            Table::names()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_lists_every_column_with_its_type() {
        let orders = text(Some("orders")).unwrap();
        assert!(orders.contains("ordered_at"), "{orders}");
        assert!(orders.contains("Timestamp(ms, UTC)"), "{orders}");
        let calls = text(Some("calls")).unwrap();
        assert!(calls.contains("`no_answer`"), "{calls}");
        assert!(calls.contains("source_status"), "{calls}");
    }

    #[test]
    fn an_unknown_table_names_the_known_ones() {
        let error = text(Some("order")).unwrap_err().to_string();
        assert!(error.contains("\"order\"") && error.contains("orders, customers"));
    }

    #[test]
    fn the_repository_reference_is_the_rendered_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tables.md");
        let written = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            written == markdown(),
            "docs/tables.md is out of date: run `callsql tables --markdown > docs/tables.md`"
        );
    }
}
