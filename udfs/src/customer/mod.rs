//! Customer value (the README's "Functions"): RFM quintile scores that keep ties
//! together, the RFM code and segment, and the seed's routing score.

use std::sync::Arc;

use datafusion::logical_expr::{ScalarUDF, WindowUDF};

mod quintile_score;
mod rfm_score;
mod rfm_segment;
mod routing_score;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::numeric;

/// Every scalar function of the family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        numeric(rfm_score::RfmScore),
        numeric(rfm_segment::RfmSegment),
        numeric(routing_score::RoutingScore),
    ]
}

/// Every window function of the family.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![Arc::new(WindowUDF::from(
        quintile_score::QuintileScore::new(),
    ))]
}

const RFM_PARAMS: &[Param] = &[
    Param::column("r", ArgKind::Number),
    Param::column("f", ArgKind::Number),
    Param::column("m", ArgKind::Number),
];

/// An RFM dimension score: a whole number from 1 to 5.
fn rfm_dimension(score: f64) -> Option<u8> {
    (score.fract() == 0.0 && (1.0..=5.0).contains(&score)).then_some(score as u8)
}

/// The three dimension scores of a row `r, f, m`, if all are valid.
fn rfm_scores(args: &[f64]) -> Option<[u8; 3]> {
    Some([
        rfm_dimension(args[0])?,
        rfm_dimension(args[1])?,
        rfm_dimension(args[2])?,
    ])
}
