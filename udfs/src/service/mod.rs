//! Service-desk aggregates over `sessions` (the README's "Functions"; 智能客服):
//! response and resolution times with their quantiles, the answered-within service
//! level, automation, intervention, resolution, first-contact resolution and the
//! conversion ladder.
//!
//! The rates run on the shared counting kernel and the means on the shared mean kernel
//! (`common::aggregate`); the quantiles have their own (`quantile`, over `histogram`).

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

mod histogram;
mod intervals;
mod quantile;

mod answered_within_rate;
mod automation_rate;
mod fcr_rate;
mod frt;
mod frt_quantile;
mod intervention_rate;
mod resolution_rate;
mod stage_rate;
mod ttr;
mod ttr_quantile;

use crate::common::aggregate::mean::Mean;
use crate::common::aggregate::{Udaf, counting};
use quantile::Quantile;

pub use histogram::RELATIVE_ACCURACY as QUANTILE_RELATIVE_ACCURACY;

/// Every service-desk aggregate.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Udaf::udaf(Mean::new(frt::Frt)),
        Udaf::udaf(Mean::new(ttr::Ttr)),
        Udaf::udaf(Quantile::new(frt_quantile::FrtQuantile)),
        Udaf::udaf(Quantile::new(ttr_quantile::TtrQuantile)),
        counting::udaf(answered_within_rate::AnsweredWithinRate),
        counting::udaf(automation_rate::AutomationRate),
        counting::udaf(intervention_rate::InterventionRate),
        counting::udaf(resolution_rate::ResolutionRate),
        counting::udaf(fcr_rate::FcrRate),
        counting::udaf(stage_rate::StageRate),
    ]
}
