//! `rfm_segment(r, f, m)`: the customer segment of an RFM cell, from one rule table that
//! covers every cell exactly once.

use std::ops::RangeInclusive;

use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{RFM_PARAMS, rfm_scores};
use crate::common::args::Param;
use crate::common::numeric::NumericFunction;

#[user_doc(
    doc_section(label = "Customer value"),
    description = "Customer segment of an RFM cell. With fm = floor((f + m) / 2), the segment is read off this grid of r (rows) by fm (columns):
r=5: New Customers | Potential Loyalist | Potential Loyalist | Champions | Champions
r=4: Promising | Potential Loyalist | Loyal Customers | Champions | Champions
r=3: About To Sleep | Need Attention | Need Attention | Loyal Customers | Loyal Customers
r=2: Hibernating | About To Sleep | At Risk | At Risk | Can't Lose Them
r=1: Lost | Hibernating | At Risk | Can't Lose Them | Can't Lose Them
Every one of the 125 (r, f, m) cells falls in exactly one rule and each of the 11 segments is reachable (the rule table widely copied in open-source RFM notebooks leaves cells unmatched and segments unreachable).
NULL when any score is NULL, fractional or outside 1–5.",
    syntax_example = "rfm_segment(r, f, m)",
    sql_example = r#"```sql
> SELECT rfm_segment(5, 5, 4);  -- Champions
> SELECT rfm_segment(1, 4, 5);  -- Can't Lose Them
```"#,
    argument(name = "r", description = "Recency score, 1–5 (5 = most recent)."),
    argument(name = "f", description = "Frequency score, 1–5."),
    argument(name = "m", description = "Monetary score, 1–5.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RfmSegment;

/// One rectangle of the grid: recency scores × combined frequency-monetary scores.
struct Rule {
    segment: &'static str,
    r: RangeInclusive<u8>,
    fm: RangeInclusive<u8>,
}

const fn rule(segment: &'static str, r: RangeInclusive<u8>, fm: RangeInclusive<u8>) -> Rule {
    Rule { segment, r, fm }
}

const RULES: &[Rule] = &[
    rule("Champions", 4..=5, 4..=5),
    rule("Loyal Customers", 3..=3, 4..=5),
    rule("Loyal Customers", 4..=4, 3..=3),
    rule("Potential Loyalist", 5..=5, 2..=3),
    rule("Potential Loyalist", 4..=4, 2..=2),
    rule("New Customers", 5..=5, 1..=1),
    rule("Promising", 4..=4, 1..=1),
    rule("Need Attention", 3..=3, 2..=3),
    rule("About To Sleep", 3..=3, 1..=1),
    rule("About To Sleep", 2..=2, 2..=2),
    rule("At Risk", 2..=2, 3..=4),
    rule("At Risk", 1..=1, 3..=3),
    rule("Can't Lose Them", 2..=2, 5..=5),
    rule("Can't Lose Them", 1..=1, 4..=5),
    rule("Hibernating", 2..=2, 1..=1),
    rule("Hibernating", 1..=1, 2..=2),
    rule("Lost", 1..=1, 1..=1),
];

/// The rules an (r, f, m) cell matches; exactly one for every valid cell.
fn matching_rules(r: u8, f: u8, m: u8) -> impl Iterator<Item = &'static Rule> {
    let fm = (f + m) / 2;
    RULES
        .iter()
        .filter(move |rule| rule.r.contains(&r) && rule.fm.contains(&fm))
}

impl NumericFunction for RfmSegment {
    type Output = &'static str;

    fn name(&self) -> &'static str {
        "rfm_segment"
    }

    fn params(&self) -> &'static [Param] {
        RFM_PARAMS
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, args: &[f64]) -> Result<Option<&'static str>> {
        Ok(rfm_scores(args)
            .and_then(|[r, f, m]| matching_rules(r, f, m).next())
            .map(|rule| rule.segment))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const SEGMENTS: [&str; 11] = [
        "Champions",
        "Loyal Customers",
        "Potential Loyalist",
        "New Customers",
        "Promising",
        "Need Attention",
        "About To Sleep",
        "At Risk",
        "Can't Lose Them",
        "Hibernating",
        "Lost",
    ];

    /// All 125 cells: each matches exactly one rule, and every segment is reached.
    #[test]
    fn rules_cover_every_cell_once_and_reach_every_segment() {
        let mut cells_per_segment: BTreeMap<&str, usize> = BTreeMap::new();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let matches: Vec<&str> =
                        matching_rules(r, f, m).map(|rule| rule.segment).collect();
                    assert_eq!(matches.len(), 1, "cell ({r}, {f}, {m}) matches {matches:?}");
                    *cells_per_segment.entry(matches[0]).or_default() += 1;
                }
            }
        }
        assert_eq!(cells_per_segment.values().sum::<usize>(), 125);
        for segment in SEGMENTS {
            assert!(
                cells_per_segment.contains_key(segment),
                "{segment} is unreachable"
            );
        }
        assert_eq!(
            cells_per_segment.len(),
            SEGMENTS.len(),
            "{cells_per_segment:?}"
        );
    }

    #[test]
    fn examples_and_out_of_range() {
        let segment = |r: f64, f: f64, m: f64| RfmSegment.evaluate(&[r, f, m]).unwrap();
        assert_eq!(segment(5.0, 5.0, 4.0), Some("Champions"));
        assert_eq!(segment(1.0, 4.0, 5.0), Some("Can't Lose Them"));
        assert_eq!(segment(5.0, 1.0, 1.0), Some("New Customers"));
        assert_eq!(segment(1.0, 1.0, 2.0), Some("Lost"));
        assert_eq!(segment(0.0, 1.0, 2.0), None);
        assert_eq!(segment(3.0, 2.5, 2.0), None);
    }
}
