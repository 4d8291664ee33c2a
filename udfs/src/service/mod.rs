//! Service-desk aggregates over `sessions` (DESIGN.md, "Service-desk aggregates"; 智能客服):
//! response and resolution times with their quantiles, the answered-within service
//! level, automation, intervention, resolution, first-contact resolution and the
//! conversion ladder.
//!
//! The rates run on the call KPIs' counting kernel and the means on their mean kernel;
//! the quantiles have their own (`quantile`, over `histogram`).

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

use crate::kpi::counting;
use crate::kpi::mean::MeanUdaf;
use quantile::QuantileUdaf;

pub use histogram::RELATIVE_ACCURACY as QUANTILE_RELATIVE_ACCURACY;

/// Every service-desk aggregate.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::from(MeanUdaf::new(frt::Frt))),
        Arc::new(AggregateUDF::from(MeanUdaf::new(ttr::Ttr))),
        Arc::new(AggregateUDF::from(QuantileUdaf::new(
            frt_quantile::FrtQuantile,
        ))),
        Arc::new(AggregateUDF::from(QuantileUdaf::new(
            ttr_quantile::TtrQuantile,
        ))),
        counting(answered_within_rate::AnsweredWithinRate),
        counting(automation_rate::AutomationRate),
        counting(intervention_rate::InterventionRate),
        counting(resolution_rate::ResolutionRate),
        counting(fcr_rate::FcrRate),
        counting(stage_rate::StageRate),
    ]
}
