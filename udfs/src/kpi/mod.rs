//! Call KPI aggregates (the README's "Functions"): connect, talk-time, intent, conversion,
//! abandonment, satisfaction and repeat KPIs.
//!
//! Three kernels carry them: `counting` (rates from row counters) and `mean` (sum and
//! count), shared with the service desk in `common::aggregate`, and `distinct` (shares of
//! distinct keys) here. Each KPI file holds only its predicates, its formula and its
//! documentation.

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;
use datafusion::optimizer::OptimizerRule;

use crate::common::aggregate::mean::Mean;
use crate::common::aggregate::{Udaf, counting};

mod disposition;
mod distinct;

mod abandon_rate;
mod aht;
mod avg_talk_time;
mod ban_rate;
mod callback_conversion_rate;
mod complaint_rate;
mod connect_rate;
mod conversion_rate;
mod csat;
mod dnc_request_rate;
mod early_hangup_rate;
mod effective_rate;
mod intent_accuracy;
mod nps;
mod reject_rate;
mod repeat_rate;
mod repeat_rate_plan;
mod transfer_rate;

use distinct::Distinct;

/// Every KPI aggregate.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        counting::udaf(connect_rate::ConnectRate),
        Udaf::udaf(Mean::new(avg_talk_time::AvgTalkTime)),
        Udaf::udaf(Mean::new(aht::Aht)),
        counting::udaf(intent_accuracy::IntentAccuracy),
        counting::udaf(effective_rate::EffectiveRate),
        counting::udaf(transfer_rate::TransferRate),
        counting::udaf(reject_rate::RejectRate),
        counting::udaf(early_hangup_rate::EarlyHangupRate),
        Udaf::udaf(Distinct::new(ban_rate::BanRate)),
        counting::udaf(conversion_rate::ConversionRate),
        counting::udaf(callback_conversion_rate::CallbackConversionRate),
        counting::udaf(abandon_rate::AbandonRate),
        counting::udaf(csat::Csat),
        counting::udaf(nps::Nps),
        counting::udaf(complaint_rate::ComplaintRate),
        counting::udaf(dnc_request_rate::DncRequestRate),
        Udaf::udaf(Distinct::new(repeat_rate::RepeatRate)),
    ]
}

/// The optimizer rules that plan KPIs better than their accumulators alone.
pub fn optimizer_rules() -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    vec![Arc::new(repeat_rate_plan::RepeatRateToGroupBy)]
}
