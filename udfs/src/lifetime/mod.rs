//! Customer lifetime (the README's "Functions"): the BG/NBD model of purchase counts
//! and dropout and the Gamma-Gamma model of spend, fitted by aggregates over one row per
//! customer and scored by scalar functions taking the fitted parameters.
//!
//! The models' maths lives in `bgnbd`, `gamma_gamma` and `hypergeometric`; `fit` is the
//! aggregate both fits share; each function file holds its documentation and the call.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

mod bgnbd;
mod fit;
mod gamma_gamma;
mod hypergeometric;

mod bgnbd_expected_purchases;
mod bgnbd_fit;
mod bgnbd_p_alive;
mod gamma_gamma_expected_value;
mod gamma_gamma_fit;

use crate::common::aggregate::Udaf;
use crate::common::args::{ArgKind, Param};
use crate::common::numeric::numeric;

/// A customer's purchase summary, as the BG/NBD fit takes it.
const CUSTOMER: &[Param] = &[
    Param::column("frequency", ArgKind::Number),
    Param::column("recency", ArgKind::Number),
    Param::column("age", ArgKind::Number),
];

/// A customer's summary and the BG/NBD parameters, as the scores take them.
const BGNBD_SCORE: &[Param] = &[
    Param::column("frequency", ArgKind::Number),
    Param::column("recency", ArgKind::Number),
    Param::column("age", ArgKind::Number),
    Param::column("r", ArgKind::Number),
    Param::column("alpha", ArgKind::Number),
    Param::column("a", ArgKind::Number),
    Param::column("b", ArgKind::Number),
];

/// The customer and the model of a score's (frequency, recency, age, r, alpha, a, b), if
/// both are possible.
fn scored_customer(args: &[f64]) -> Option<(bgnbd::Customer, bgnbd::BgNbd)> {
    let &[x, t_x, age, r, alpha, a, b] = args else {
        return None;
    };
    Some((
        bgnbd::Customer::new(x, t_x, age)?,
        bgnbd::BgNbd::new(r, alpha, a, b)?,
    ))
}

/// A customer's repeat purchases and their mean value, as the spend fit takes them.
const SPEND: &[Param] = &[
    Param::column("frequency", ArgKind::Number),
    Param::column("mean_value", ArgKind::Number),
];

/// Every scalar function of the family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        numeric(bgnbd_p_alive::BgNbdPAlive),
        numeric(bgnbd_expected_purchases::BgNbdExpectedPurchases),
        numeric(gamma_gamma_expected_value::GammaGammaExpectedValue),
    ]
}

/// Every aggregate function of the family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Udaf::udaf(fit::Fit::new(bgnbd_fit::BgNbdFit)),
        Udaf::udaf(fit::Fit::new(gamma_gamma_fit::GammaGammaFit)),
    ]
}
