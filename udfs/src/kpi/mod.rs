//! Call KPI aggregates (DESIGN.md, "Call KPI aggregates"): connect, talk-time, intent,
//! conversion, abandonment, satisfaction and repeat KPIs.
//!
//! Three shared kernels carry them: `counting` (rates from row counters), `mean` (sum and
//! count) and `distinct` (shares of distinct keys). Each KPI file holds only its
//! predicates, its formula and its documentation.

use std::sync::Arc;

use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::AggregateUDF;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::optimizer::OptimizerRule;

pub(crate) mod counting;
mod disposition;
mod distinct;
pub(crate) mod mean;

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

use counting::CountingUdaf;
use distinct::DistinctUdaf;
use mean::MeanUdaf;

/// Every KPI aggregate.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        counting(connect_rate::ConnectRate),
        Arc::new(AggregateUDF::from(MeanUdaf::new(
            avg_talk_time::AvgTalkTime,
        ))),
        Arc::new(AggregateUDF::from(MeanUdaf::new(aht::Aht))),
        counting(intent_accuracy::IntentAccuracy),
        counting(effective_rate::EffectiveRate),
        counting(transfer_rate::TransferRate),
        counting(reject_rate::RejectRate),
        counting(early_hangup_rate::EarlyHangupRate),
        Arc::new(AggregateUDF::from(DistinctUdaf::new(ban_rate::BanRate))),
        counting(conversion_rate::ConversionRate),
        counting(callback_conversion_rate::CallbackConversionRate),
        counting(abandon_rate::AbandonRate),
        counting(csat::Csat),
        counting(nps::Nps),
        counting(complaint_rate::ComplaintRate),
        counting(dnc_request_rate::DncRequestRate),
        Arc::new(AggregateUDF::from(DistinctUdaf::new(
            repeat_rate::RepeatRate,
        ))),
    ]
}

/// The optimizer rules that plan KPIs better than their accumulators alone.
pub fn optimizer_rules() -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    vec![Arc::new(repeat_rate_plan::RepeatRateToGroupBy)]
}

pub(crate) fn counting<K: counting::CountingKpi>(kpi: K) -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::from(CountingUdaf::new(kpi)))
}

/// `numerator / denominator`, NULL (`None`) when the denominator is 0.
pub(crate) fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The KPIs count rows themselves, so a DISTINCT that DataFusion did not rewrite away
/// (it does for a lone DISTINCT aggregate) would be silently ignored: refuse it.
pub(crate) fn reject_distinct(function: &str, args: &AccumulatorArgs) -> Result<()> {
    if args.is_distinct {
        return plan_err!("{function} does not take DISTINCT");
    }
    Ok(())
}
