//! Script ranking and experiments (the README's "Functions"): success
//! rates that account for sample size, A/B tests, and each arm's probability of being best.
//!
//! Posterior maths lives in `posterior` (Beta posteriors, the exact two-arm comparison)
//! and `best_arm` (the many-arm integral); each function file holds its signature, its
//! documentation and the call into them.

use std::sync::Arc;

use datafusion::logical_expr::{ScalarUDF, WindowUDF};

mod best_arm;
mod posterior;
mod wilson;

mod ab_p_value;
mod efficiency_score;
mod prob_beats;
mod prob_best;
mod wilson_lower;
mod wilson_upper;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::numeric;

/// The counts of two arms, A then B, as the two-arm comparisons take them.
const TWO_ARMS: &[Param] = &[
    Param::column("succ_a", ArgKind::Number),
    Param::column("n_a", ArgKind::Number),
    Param::column("succ_b", ArgKind::Number),
    Param::column("n_b", ArgKind::Number),
];

/// Every scalar function of the family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        numeric(wilson_lower::WilsonLower),
        numeric(wilson_upper::WilsonUpper),
        numeric(ab_p_value::AbPValue),
        numeric(prob_beats::ProbBeats),
        numeric(efficiency_score::EfficiencyScore),
    ]
}

/// Every window function of the family.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![Arc::new(WindowUDF::from(prob_best::ProbBest::new()))]
}
