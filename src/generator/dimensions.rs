//! The tables around `calls`: customers, scripts, agents, the do-not-call list and the
//! orders of successful calls. Per-customer rows are pure functions of the seed and the
//! customer, so they can be built in chunks on any thread.

use std::sync::Arc;

use anyhow::Result;
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int32Builder, RecordBatch, StringBuilder, TimestampMillisecondBuilder,
};

use super::calls::customer_id;
use super::model::{REGULATOR_DNC_SHARE, World};
use super::phone::{dnc_phone, write_stored_phone};
use super::{GenOptions, mix, unit_from_hash};
use crate::schema;

const DAY_MS: i64 = 86_400_000;

/// Provinces with rough population weights, for the `region` column.
const REGIONS: [(&str, u32); 12] = [
    ("广东", 12),
    ("山东", 10),
    ("河南", 10),
    ("江苏", 8),
    ("四川", 8),
    ("河北", 7),
    ("浙江", 6),
    ("湖南", 6),
    ("湖北", 6),
    ("上海", 3),
    ("北京", 3),
    ("重庆", 3),
];

/// `customers` rows for customers `first..end`.
pub fn customers(options: &GenOptions, first: u32, end: u32) -> Result<RecordBatch> {
    let rows = (end - first) as usize;
    let mut id = StringBuilder::with_capacity(rows, rows * 9);
    let mut phone = StringBuilder::with_capacity(rows, rows * 12);
    let mut region = StringBuilder::with_capacity(rows, rows * 6);
    let mut signed_up = TimestampMillisecondBuilder::with_capacity(rows).with_timezone("UTC");
    let total_weight: u32 = REGIONS.iter().map(|(_, w)| w).sum();
    let mut text = String::new();
    for customer in first..end {
        let h = mix(options.seed ^ 0xc057, u64::from(customer));
        id.append_value(customer_id(customer));
        text.clear();
        write_stored_phone(options.seed, customer, &mut text);
        phone.append_value(&text);
        let mut pick = (h % u64::from(total_weight)) as u32;
        let name = REGIONS
            .iter()
            .find(|(_, w)| {
                let hit = pick < *w;
                pick = pick.saturating_sub(*w);
                hit
            })
            .map_or(REGIONS[0].0, |(name, _)| name);
        region.append_value(name);
        let days_before = (h >> 32) % (3 * 365) + 1;
        signed_up.append_value(
            options.local_day_start_ms(0) - days_before as i64 * DAY_MS
                + (h % DAY_MS as u64) as i64,
        );
    }
    batch(
        schema::CUSTOMERS,
        vec![
            Arc::new(id.finish()),
            Arc::new(phone.finish()),
            Arc::new(region.finish()),
            Arc::new(signed_up.finish()),
        ],
    )
}

/// `orders` rows from successful calls.
pub fn call_orders(rows: &[(u32, String, i64, f64)]) -> Result<RecordBatch> {
    let mut orders = OrderRows::default();
    for (customer, id, at, value) in rows {
        orders.append(*customer, id, *at, *value);
    }
    orders.finish()
}

/// Builds an `orders` batch row by row, for call and organic orders alike.
pub struct OrderRows {
    customer_id: StringBuilder,
    order_id: StringBuilder,
    ordered_at: TimestampMillisecondBuilder,
    amount: Float64Builder,
}

impl Default for OrderRows {
    fn default() -> Self {
        OrderRows {
            customer_id: StringBuilder::new(),
            order_id: StringBuilder::new(),
            ordered_at: TimestampMillisecondBuilder::new().with_timezone("UTC"),
            amount: Float64Builder::new(),
        }
    }
}

impl OrderRows {
    pub fn append(&mut self, customer: u32, order_id: &str, ordered_at_ms: i64, amount: f64) {
        self.customer_id.append_value(customer_id(customer));
        self.order_id.append_value(order_id);
        self.ordered_at.append_value(ordered_at_ms);
        self.amount.append_value(amount);
    }

    pub fn finish(mut self) -> Result<RecordBatch> {
        batch(
            schema::ORDERS,
            vec![
                Arc::new(self.customer_id.finish()),
                Arc::new(self.order_id.finish()),
                Arc::new(self.ordered_at.finish()),
                Arc::new(self.amount.finish()),
            ],
        )
    }
}

pub fn scripts(world: &World) -> Result<RecordBatch> {
    let mut script_id = StringBuilder::new();
    let mut campaign_id = StringBuilder::new();
    let mut name = StringBuilder::new();
    let mut version = Int32Builder::new();
    for campaign in &world.campaigns {
        for script in &campaign.scripts {
            script_id.append_value(&script.script_id);
            campaign_id.append_value(&campaign.campaign_id);
            name.append_value(&script.name);
            version.append_value(script.version);
        }
    }
    batch(
        schema::SCRIPTS,
        vec![
            Arc::new(script_id.finish()),
            Arc::new(campaign_id.finish()),
            Arc::new(name.finish()),
            Arc::new(version.finish()),
        ],
    )
}

pub fn agents(world: &World) -> Result<RecordBatch> {
    let mut agent_id = StringBuilder::new();
    let mut team = StringBuilder::new();
    for (team_name, agents) in world.teams.iter().zip(&world.agents_by_team) {
        for agent in agents {
            agent_id.append_value(agent);
            team.append_value(team_name);
        }
    }
    batch(
        schema::AGENTS,
        vec![Arc::new(agent_id.finish()), Arc::new(team.finish())],
    )
}

/// Customers on the regulator's list before the window starts.
pub fn is_regulator_listed(options: &GenOptions, customer: u32) -> bool {
    unit_from_hash(mix(options.seed ^ 0xd0c, u64::from(customer))) < REGULATOR_DNC_SHARE
}

/// The DNC list: the regulator's entries and the callees who asked during the window.
pub fn dnc(options: &GenOptions, requests: &[(u32, i64)]) -> Result<(RecordBatch, u64)> {
    let mut phone = StringBuilder::new();
    let mut added_at = TimestampMillisecondBuilder::new().with_timezone("UTC");
    let mut source = StringBuilder::new();
    let mut listed = 0;
    for customer in 0..options.customers as u32 {
        if is_regulator_listed(options, customer) {
            listed += 1;
            phone.append_value(dnc_phone(options.seed, customer));
            let days_before = mix(options.seed ^ 0xadd, u64::from(customer)) % 700 + 1;
            added_at.append_value(options.local_day_start_ms(0) - days_before as i64 * DAY_MS);
            source.append_value("regulator");
        }
    }
    for (customer, at) in requests {
        phone.append_value(dnc_phone(options.seed, *customer));
        added_at.append_value(*at);
        source.append_value("callee_request");
    }
    let batch = batch(
        schema::DNC,
        vec![
            Arc::new(phone.finish()),
            Arc::new(added_at.finish()),
            Arc::new(source.finish()),
        ],
    )?;
    Ok((batch, listed))
}

fn batch(columns: &[schema::Column], arrays: Vec<ArrayRef>) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(
        schema::canonical_schema(columns),
        arrays,
    )?)
}
