//! The organic `orders`: what customers buy outside the campaigns, drawn from the BG/NBD
//! process with Gamma-Gamma spend planted in `model::PURCHASES`. Each customer's rows are
//! a pure function of the seed and the customer, so chunks can be built on any thread.

use anyhow::Result;
use datafusion::arrow::array::RecordBatch;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::dimensions::OrderRows;
use super::model::{PURCHASE_HISTORY_DAYS, PURCHASES};
use super::{GenOptions, mix};

const DAY_MS: f64 = 86_400_000.0;

/// What the drawn histories hold, for `truth.json`.
#[derive(Debug, Default, Clone, Copy)]
pub struct PurchaseFacts {
    /// Customers with a first purchase.
    pub buyers: u64,
    pub orders: u64,
    /// Buyers who had not dropped out by the end of the window.
    pub alive_at_end: u64,
}

impl PurchaseFacts {
    pub fn absorb(&mut self, other: PurchaseFacts) {
        self.buyers += other.buyers;
        self.orders += other.orders;
        self.alive_at_end += other.alive_at_end;
    }
}

/// UTC milliseconds where the purchase history starts.
pub fn history_start_ms(options: &GenOptions) -> i64 {
    options.local_day_start_ms(0) - PURCHASE_HISTORY_DAYS * DAY_MS as i64
}

/// Organic `orders` rows for customers `first..end`. A buyer's first purchase falls
/// uniformly in the history; while alive they buy at rate λ ~ Gamma(r, α) per day, and
/// after each repeat purchase drop out with probability p ~ Beta(a, b) (none after the
/// first: the model's convention); each order's value is Gamma(p, ν), ν ~ Gamma(q, v).
pub fn organic_orders(
    options: &GenOptions,
    first: u32,
    end: u32,
) -> Result<(RecordBatch, PurchaseFacts)> {
    let model = PURCHASES;
    let rates = Gamma::new(model.r, 1.0 / model.alpha)?;
    let dropouts = Beta::new(model.a, model.b)?;
    let spend_rates = Gamma::new(model.q, 1.0 / model.v)?;
    let start = history_start_ms(options);
    let span_days = (options.local_day_start_ms(options.days) - start) as f64 / DAY_MS;

    let mut orders = OrderRows::default();
    let mut facts = PurchaseFacts::default();
    for customer in first..end {
        let mut rng =
            Xoshiro256PlusPlus::seed_from_u64(mix(options.seed ^ 0x0de5, u64::from(customer)));
        if !rng.random_bool(model.buyer_share) {
            continue;
        }
        facts.buyers += 1;
        let rate: f64 = rates.sample(&mut rng);
        let dropout: f64 = dropouts.sample(&mut rng);
        let spend_rate: f64 = spend_rates.sample(&mut rng);
        let values = Gamma::new(model.p, 1.0 / spend_rate.max(f64::MIN_POSITIVE))?;
        let mut day = rng.random::<f64>() * span_days;
        let mut purchase = 0u32;
        let alive = loop {
            let value: f64 = values.sample(&mut rng);
            orders.append(
                customer,
                &format!("r{customer:08}-{purchase:02}"),
                start + (day * DAY_MS) as i64,
                ((value * 100.0).round() / 100.0).max(0.01),
            );
            facts.orders += 1;
            if purchase > 0 && rng.random::<f64>() < dropout {
                break false;
            }
            let wait: f64 = Exp1.sample(&mut rng);
            day += wait / rate;
            if day >= span_days {
                break true;
            }
            purchase += 1;
        };
        facts.alive_at_end += u64::from(alive);
    }
    Ok((orders.finish()?, facts))
}
