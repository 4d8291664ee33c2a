//! The aligned table, drawn line by line.
//!
//! It looks like Arrow's pretty printer (left-aligned cells padded by one space, `+`, `-`
//! and `|` borders, a cell's newlines starting new lines, widths in terminal columns so CJK
//! text lines up), which builds every cell as an owned table cell first: 1.2M rows of
//! `callsql run rfm_customers` took 3.5 GiB and 11 s that way. Here each value is
//! formatted twice, once to measure its column and once to write it, and nothing but the
//! result's Arrow batches is held.
//!
//! Two things differ, both for reading: floats are rounded to a few significant digits,
//! and a table wider than the terminal shows its first and last columns with `…` for the
//! ones between (as DuckDB's box renderer does), long cells cut to fit.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float16Type, Float32Type, Float64Type};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a table is laid out for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// Rows shown (the count still covers them all); `None` for every row.
    pub max_rows: Option<usize>,
    /// Significant digits of floats; `None` prints them exactly (shortest round trip).
    pub float_digits: Option<usize>,
    /// Terminal columns the table may take; `None` for no limit.
    pub width: Option<usize>,
}

impl Default for TableStyle {
    fn default() -> Self {
        Self {
            max_rows: None,
            float_digits: Some(DEFAULT_FLOAT_DIGITS),
            width: None,
        }
    }
}

/// Significant digits shown of a float unless `\set float_digits` says otherwise.
pub const DEFAULT_FLOAT_DIGITS: usize = 6;

/// No column is cut narrower than this to make a table fit.
const MIN_CUT_WIDTH: usize = 12;
const ELLIPSIS: &str = "…";

/// What `render` drew: how many of the result's columns it could show.
pub(super) struct Drawn {
    pub shown_columns: usize,
    pub columns: usize,
}

/// Writes `batches` (all of one schema, at least one) as a table to `out`.
pub(super) fn render(
    batches: &[RecordBatch],
    style: &TableStyle,
    out: &mut impl Write,
) -> Result<Drawn> {
    let Some(first) = batches.first() else {
        return Ok(Drawn {
            shown_columns: 0,
            columns: 0,
        });
    };
    let schema = first.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut widths: Vec<usize> = names.iter().map(|name| text_width(name)).collect();
    for_each_row(batches, style, |cells| {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(text_width(cell));
        }
        Ok(())
    })?;
    let layout = Layout::fit(&widths, style.width);

    let border = layout.border();
    out.write_all(border.as_bytes())?;
    layout.write_row(out, &names)?;
    out.write_all(border.as_bytes())?;
    for_each_row(batches, style, |cells| layout.write_row(out, cells))?;
    out.write_all(border.as_bytes())?;
    Ok(Drawn {
        shown_columns: layout.shown.len(),
        columns: names.len(),
    })
}

/// The columns a table shows and their widths; `gap` is where the elided ones were.
struct Layout {
    shown: Vec<(usize, usize)>,
    gap: Option<usize>,
}

impl Layout {
    /// Every column when the table fits in `limit`; otherwise long columns are cut and the
    /// middle ones elided, keeping as many from both ends as fit.
    fn fit(widths: &[usize], limit: Option<usize>) -> Self {
        let all: Vec<(usize, usize)> = widths.iter().copied().enumerate().collect();
        let Some(limit) = limit else {
            return Self {
                shown: all,
                gap: None,
            };
        };
        let total = |columns: &[(usize, usize)], gap: bool| {
            1 + columns.iter().map(|(_, w)| w + 3).sum::<usize>() + if gap { 4 } else { 0 }
        };
        if total(&all, false) <= limit {
            return Self {
                shown: all,
                gap: None,
            };
        }
        let cap = MIN_CUT_WIDTH.max(limit / 2);
        let cut: Vec<(usize, usize)> = all.iter().map(|&(i, w)| (i, w.min(cap))).collect();
        if total(&cut, false) <= limit {
            return Self {
                shown: cut,
                gap: None,
            };
        }
        let (mut left, mut right) = (0, cut.len());
        let mut take_left = true;
        while left < right {
            let mut trial: Vec<(usize, usize)> = cut[..left].to_vec();
            let extra = if take_left { cut[left] } else { cut[right - 1] };
            trial.push(extra);
            trial.extend_from_slice(&cut[right..]);
            if total(&trial, true) > limit && left + (cut.len() - right) > 0 {
                break;
            }
            if take_left {
                left += 1;
            } else {
                right -= 1;
            }
            take_left = !take_left;
        }
        let mut shown = cut[..left].to_vec();
        shown.extend_from_slice(&cut[right..]);
        Self {
            shown,
            gap: (left < right).then_some(left),
        }
    }

    fn border(&self) -> String {
        let mut line = String::from("+");
        for (position, (_, width)) in self.shown.iter().enumerate() {
            if self.gap == Some(position) {
                line.push_str("---+");
            }
            line.extend(std::iter::repeat_n('-', width + 2));
            line.push('+');
        }
        if self.gap == Some(self.shown.len()) {
            line.push_str("---+");
        }
        line.push('\n');
        line
    }

    /// One table row; a cell holding newlines makes the row as many lines tall.
    fn write_row(&self, out: &mut impl Write, cells: &[impl AsRef<str>]) -> Result<()> {
        let cell = |index: usize| cells.get(index).map_or("", AsRef::as_ref);
        let height = self
            .shown
            .iter()
            .map(|&(index, _)| cell(index).split('\n').count())
            .max()
            .unwrap_or(1);
        for line in 0..height {
            out.write_all(b"|")?;
            for (position, &(index, width)) in self.shown.iter().enumerate() {
                if self.gap == Some(position) {
                    out.write_all(" … |".as_bytes())?;
                }
                let text = cut(cell(index).split('\n').nth(line).unwrap_or(""), width);
                let pad = width.saturating_sub(text.width());
                write!(out, " {text}{:pad$} |", "")?;
            }
            if self.gap == Some(self.shown.len()) {
                out.write_all(" … |".as_bytes())?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `text` cut to `width` terminal columns, ending in `…` when something was cut.
fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width {
        return text.into();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    kept.push_str(ELLIPSIS);
    kept.into()
}

/// One column's values as text.
enum Column<'a> {
    Arrow(ArrayFormatter<'a>),
    Float(&'a dyn Array, usize),
}

impl Column<'_> {
    fn write(&self, row: usize, cell: &mut String) -> Result<()> {
        match self {
            Column::Arrow(formatter) => write!(cell, "{}", formatter.value(row))?,
            Column::Float(array, digits) => {
                if array.is_valid(row) {
                    cell.push_str(&round_float(float_at(*array, row), *digits));
                }
            }
        }
        Ok(())
    }
}

fn float_at(array: &dyn Array, row: usize) -> f64 {
    match array.data_type() {
        DataType::Float16 => array.as_primitive::<Float16Type>().value(row).to_f64(),
        DataType::Float32 => f64::from(array.as_primitive::<Float32Type>().value(row)),
        _ => array.as_primitive::<Float64Type>().value(row),
    }
}

/// `value` with `digits` significant digits, trailing zeros dropped, in scientific notation
/// only where plain digits would be too long (as C's `%g`).
pub fn round_float(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    if value == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    let scientific = format!("{value:.*e}", digits - 1);
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits = i32::try_from(digits).unwrap_or(i32::MAX);
    if exponent < -4 || exponent >= digits {
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let decimals = usize::try_from(digits - 1 - exponent).unwrap_or(0);
    trim_zeros(&format!("{value:.decimals$}")).to_string()
}

fn trim_zeros(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

/// Calls `f` with each row's values as text, in one reused buffer per column.
fn for_each_row(
    batches: &[RecordBatch],
    style: &TableStyle,
    mut f: impl FnMut(&[String]) -> Result<()>,
) -> Result<()> {
    let options = FormatOptions::default().with_display_error(true);
    let mut cells: Vec<String> = Vec::new();
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .map(|column| match (column.data_type(), style.float_digits) {
                (DataType::Float16 | DataType::Float32 | DataType::Float64, Some(digits)) => {
                    Ok(Column::Float(column.as_ref(), digits))
                }
                _ => ArrayFormatter::try_new(column.as_ref(), &options).map(Column::Arrow),
            })
            .collect::<Result<Vec<_>, _>>()?;
        cells.resize(columns.len(), String::new());
        for row in 0..batch.num_rows() {
            for (cell, column) in cells.iter_mut().zip(&columns) {
                cell.clear();
                column.write(row, cell)?;
            }
            f(&cells)?;
        }
    }
    Ok(())
}

/// Display columns of the widest line of `text`.
fn text_width(text: &str) -> usize {
    text.split('\n')
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use datafusion::arrow::util::pretty::pretty_format_batches;

    use super::*;

    fn drawn_with(batches: &[RecordBatch], style: &TableStyle) -> String {
        let mut out = Vec::new();
        render(batches, style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Arrow's own printer is the reference, with exact floats and no width limit.
    fn assert_drawn_as_arrow_does(batches: &[RecordBatch]) {
        let expected = format!("{}\n", pretty_format_batches(batches).unwrap());
        let exact = TableStyle {
            float_digits: None,
            ..TableStyle::default()
        };
        assert_eq!(drawn_with(batches, &exact), expected);
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn tables_look_like_arrows() {
        let first = batch(vec![
            (
                "n",
                Arc::new(Int64Array::from(vec![Some(1), None, Some(-300)])) as ArrayRef,
            ),
            (
                "话术",
                Arc::new(StringArray::from(vec![
                    Some("您好，请问是王先生吗"),
                    Some(""),
                    None,
                ])),
            ),
            (
                "rate",
                Arc::new(Float64Array::from(vec![0.5, f64::NAN, 1e-9])),
            ),
        ]);
        let second = batch(vec![
            (
                "n",
                Arc::new(Int64Array::from(vec![Some(12345678901)])) as ArrayRef,
            ),
            (
                "话术",
                Arc::new(StringArray::from(vec![Some(
                    "two\nlines, the second longer",
                )])),
            ),
            ("rate", Arc::new(Float64Array::from(vec![f64::INFINITY]))),
        ]);
        assert_drawn_as_arrow_does(&[first.clone(), second]);
        assert_drawn_as_arrow_does(&[first.slice(0, 0)]);
    }

    #[test]
    fn a_long_column_name_sets_the_width() {
        let only = batch(vec![(
            "a_rather_long_column_name",
            Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
        )]);
        assert_drawn_as_arrow_does(&[only]);
    }

    #[test]
    fn floats_are_rounded_for_reading() {
        let cases = [
            (0.123_456_789, "0.123457"),
            (2.0 / 3.0, "0.666667"),
            (1234.5, "1234.5"),
            (123_456_789.0, "1.23457e8"),
            (999_999.7, "1e6"),
            (0.000_012_345_6, "1.23456e-5"),
            (-0.5, "-0.5"),
            (100.0, "100"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, expected) in cases {
            assert_eq!(round_float(value, 6), expected, "{value}");
        }
        assert_eq!(round_float(0.953_021_215, 3), "0.953");
        let table = drawn_with(
            &[batch(vec![(
                "rate",
                Arc::new(Float64Array::from(vec![Some(1.0 / 3.0), None])) as ArrayRef,
            )])],
            &TableStyle::default(),
        );
        assert_eq!(
            table,
            "+----------+\n| rate     |\n+----------+\n| 0.333333 |\n|          |\n+----------+\n"
        );
    }

    /// Ten columns of 10 characters in 50 terminal columns: the first two and the last one
    /// (1 + 3 · 13 + 4 = 44 columns; a fourth would need 57), `…` between.
    #[test]
    fn wide_tables_elide_middle_columns() {
        let columns: Vec<(String, ArrayRef)> = (0..10)
            .map(|i| {
                (
                    format!("column_{i:03}"),
                    Arc::new(StringArray::from(vec![format!("value_{i:04}")])) as ArrayRef,
                )
            })
            .collect();
        let wide = RecordBatch::try_from_iter(columns).unwrap();
        let style = TableStyle {
            width: Some(50),
            ..TableStyle::default()
        };
        let mut out = Vec::new();
        let drawn = render(&[wide], &style, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!((drawn.shown_columns, drawn.columns), (3, 10));
        let header = text.lines().nth(1).unwrap();
        assert_eq!(header, "| column_000 | column_001 | … | column_009 |");
        assert!(text.lines().all(|line| line.width() <= 50), "{text}");
    }

    #[test]
    fn long_cells_are_cut_to_fit() {
        let long = batch(vec![(
            "transcript",
            Arc::new(StringArray::from(vec!["您好".repeat(40)])) as ArrayRef,
        )]);
        let style = TableStyle {
            width: Some(40),
            ..TableStyle::default()
        };
        let text = drawn_with(&[long], &style);
        assert!(text.lines().all(|line| line.width() <= 40), "{text}");
        assert!(text.contains("您好您…"), "{text}");
    }
}
