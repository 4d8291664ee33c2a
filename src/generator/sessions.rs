//! The `sessions` table: customer-service sessions drawn from the channel models of
//! `model::CHANNELS`. Each session is a pure function of the seed and its number, and a
//! day's sessions are one file (`sessions/dt=DAY/`), so days are built on any thread.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;
use datafusion::arrow::array::{
    BooleanBuilder, Float64Builder, Int32Builder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder,
};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::calls::customer_id;
use super::model::{CHANNELS, ChannelModel, KNOWN_CUSTOMER_SHARE, LogNormalSeconds, World};
use super::{GenOptions, mix};
use crate::schema;

const HOUR_MS: i64 = 3_600_000;

/// Relative share of sessions starting in each local hour.
const HOUR_WEIGHT: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.8, 2.0, 1.9, 1.5, 1.6, 1.9, 2.0, 1.9, 1.7, 1.5,
    1.6, 1.7, 1.5, 1.0, 0.5,
];

const INTENTS: [&str; 6] = [
    "billing",
    "delivery",
    "refund",
    "product",
    "account",
    "complaint",
];

/// The ladder, lowest first.
pub const STAGES: [&str; 4] = ["visit", "consult", "lead", "order"];

/// What the sessions of one channel hold, counted as they are drawn.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ChannelCounts {
    pub sessions: u64,
    pub answered: u64,
    pub bot_only_resolved: u64,
    pub transferred: u64,
    pub resolved: u64,
    pub resolved_not_reopened: u64,
    /// Sessions whose furthest stage is each of `STAGES`.
    pub by_stage: [u64; 4],
}

impl ChannelCounts {
    fn absorb(&mut self, other: &ChannelCounts) {
        self.sessions += other.sessions;
        self.answered += other.answered;
        self.bot_only_resolved += other.bot_only_resolved;
        self.transferred += other.transferred;
        self.resolved += other.resolved;
        self.resolved_not_reopened += other.resolved_not_reopened;
        for (total, n) in self.by_stage.iter_mut().zip(other.by_stage) {
            *total += n;
        }
    }
}

/// Counts per channel, by channel name.
#[derive(Debug, Default, Clone)]
pub struct SessionFacts(pub BTreeMap<&'static str, ChannelCounts>);

impl SessionFacts {
    pub fn absorb(&mut self, other: SessionFacts) {
        for (channel, counts) in other.0 {
            self.0.entry(channel).or_default().absorb(&counts);
        }
    }
}

/// The sessions of day `day`: numbers `first..end` of the whole run.
pub fn day_range(options: &GenOptions, day: u32) -> (u64, u64) {
    let days = u64::from(options.days);
    let bound = |d: u64| options.sessions * d / days;
    (bound(u64::from(day)), bound(u64::from(day) + 1))
}

fn draw(rng: &mut Xoshiro256PlusPlus, model: LogNormalSeconds) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    model.median_s * (model.sigma * z).exp()
}

fn pick_weighted(
    rng: &mut Xoshiro256PlusPlus,
    weights: impl Iterator<Item = f64> + Clone,
) -> usize {
    let total: f64 = weights.clone().sum();
    let mut pick = rng.random::<f64>() * total;
    let mut last = 0;
    for (index, weight) in weights.enumerate() {
        last = index;
        if pick < weight {
            return index;
        }
        pick -= weight;
    }
    last
}

fn ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

struct Builders {
    session_id: StringBuilder,
    channel: StringBuilder,
    customer_id: StringBuilder,
    visitor_id: StringBuilder,
    started_at: TimestampMillisecondBuilder,
    first_response_at: TimestampMillisecondBuilder,
    resolved_at: TimestampMillisecondBuilder,
    closed_at: TimestampMillisecondBuilder,
    bot_only: BooleanBuilder,
    transferred: BooleanBuilder,
    agent_id: StringBuilder,
    resolved: BooleanBuilder,
    reopened: BooleanBuilder,
    stage: StringBuilder,
    order_amount: Float64Builder,
    intent: StringBuilder,
    csat: Int32Builder,
    nps: Int32Builder,
    sentiment: Float64Builder,
}

impl Builders {
    fn new() -> Self {
        let time = || TimestampMillisecondBuilder::new().with_timezone("UTC");
        Builders {
            session_id: StringBuilder::new(),
            channel: StringBuilder::new(),
            customer_id: StringBuilder::new(),
            visitor_id: StringBuilder::new(),
            started_at: time(),
            first_response_at: time(),
            resolved_at: time(),
            closed_at: time(),
            bot_only: BooleanBuilder::new(),
            transferred: BooleanBuilder::new(),
            agent_id: StringBuilder::new(),
            resolved: BooleanBuilder::new(),
            reopened: BooleanBuilder::new(),
            stage: StringBuilder::new(),
            order_amount: Float64Builder::new(),
            intent: StringBuilder::new(),
            csat: Int32Builder::new(),
            nps: Int32Builder::new(),
            sentiment: Float64Builder::new(),
        }
    }

    fn finish(mut self) -> Result<RecordBatch> {
        Ok(RecordBatch::try_new(
            schema::canonical_schema(schema::SESSIONS),
            vec![
                Arc::new(self.session_id.finish()),
                Arc::new(self.channel.finish()),
                Arc::new(self.customer_id.finish()),
                Arc::new(self.visitor_id.finish()),
                Arc::new(self.started_at.finish()),
                Arc::new(self.first_response_at.finish()),
                Arc::new(self.resolved_at.finish()),
                Arc::new(self.closed_at.finish()),
                Arc::new(self.bot_only.finish()),
                Arc::new(self.transferred.finish()),
                Arc::new(self.agent_id.finish()),
                Arc::new(self.resolved.finish()),
                Arc::new(self.reopened.finish()),
                Arc::new(self.stage.finish()),
                Arc::new(self.order_amount.finish()),
                Arc::new(self.intent.finish()),
                Arc::new(self.csat.finish()),
                Arc::new(self.nps.finish()),
                Arc::new(self.sentiment.finish()),
            ],
        )?)
    }
}

/// Sessions `first..end`, all starting on local day `day`, counted into `facts`.
pub fn build_sessions(
    options: &GenOptions,
    world: &World,
    day: u32,
    first: u64,
    end: u64,
    facts: &mut SessionFacts,
) -> Result<RecordBatch> {
    let agents: Vec<&String> = world.agents_by_team.iter().flatten().collect();
    let day_start = options.local_day_start_ms(day);
    let mut b = Builders::new();
    for number in first..end {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(options.seed ^ 0x5e55_10de, number));
        let model: &ChannelModel =
            &CHANNELS[pick_weighted(&mut rng, CHANNELS.iter().map(|c| c.weight))];
        let counts = facts.0.entry(model.channel).or_default();
        counts.sessions += 1;

        let hour = pick_weighted(&mut rng, HOUR_WEIGHT.iter().copied()) as i64;
        let started = day_start + hour * HOUR_MS + rng.random_range(0..HOUR_MS);
        b.session_id.append_value(format!("s{number:010}"));
        b.channel.append_value(model.channel);
        if rng.random_bool(KNOWN_CUSTOMER_SHARE) {
            let customer = rng.random_range(0..options.customers.max(1)) as u32;
            b.customer_id.append_value(customer_id(customer));
            b.visitor_id.append_value(format!("v{customer:08}"));
        } else {
            b.customer_id.append_null();
            b.visitor_id.append_value(format!("w{number:010}"));
        }
        b.started_at.append_value(started);

        let answered = rng.random_bool(model.answer_probability);
        let by_bot = answered && model.bot_first;
        let transferred = by_bot && rng.random_bool(model.transfer_probability);
        let human = answered && (transferred || !model.bot_first);
        let resolved = answered
            && rng.random_bool(if human {
                model.human_resolve_probability
            } else {
                model.bot_resolve_probability
            });
        let reopened = resolved && rng.random_bool(model.reopen_probability);

        let mut last = started;
        if answered {
            counts.answered += 1;
            let response = draw(
                &mut rng,
                if by_bot {
                    model.bot_response
                } else {
                    model.human_response
                },
            );
            let responded = started + ms(response);
            b.first_response_at.append_value(responded);
            last = responded;
            if transferred {
                // The human joins after the bot's first reply.
                last += ms(draw(&mut rng, model.human_response));
            }
            let handling = draw(
                &mut rng,
                if human {
                    model.human_handling
                } else {
                    model.bot_handling
                },
            );
            last += ms(handling);
            if resolved {
                b.resolved_at.append_value(last);
            } else {
                b.resolved_at.append_null();
            }
            b.intent
                .append_value(INTENTS[rng.random_range(0..INTENTS.len())]);
        } else {
            b.first_response_at.append_null();
            b.resolved_at.append_null();
            b.intent.append_null();
            // The visitor gives up after waiting.
            last += ms(draw(
                &mut rng,
                LogNormalSeconds {
                    median_s: 120.0,
                    sigma: 0.8,
                },
            ));
        }
        b.closed_at
            .append_value(last + rng.random_range(5_000..300_000));
        b.bot_only.append_value(!human);
        b.transferred.append_value(transferred);
        if human {
            b.agent_id
                .append_value(agents[rng.random_range(0..agents.len().max(1))].as_str());
        } else {
            b.agent_id.append_null();
        }
        b.resolved.append_value(resolved);
        b.reopened.append_value(reopened);
        counts.bot_only_resolved += u64::from(!human && resolved);
        counts.transferred += u64::from(transferred);
        counts.resolved += u64::from(resolved);
        counts.resolved_not_reopened += u64::from(resolved && !reopened);

        let mut stage = 0;
        while stage < 3 && rng.random_bool(model.ladder[stage]) {
            stage += 1;
        }
        counts.by_stage[stage] += 1;
        b.stage.append_value(STAGES[stage]);
        if stage == 3 {
            let amount = draw(
                &mut rng,
                LogNormalSeconds {
                    median_s: 200.0,
                    sigma: 0.6,
                },
            );
            b.order_amount
                .append_value((amount * 100.0).round() / 100.0);
        } else {
            b.order_amount.append_null();
        }

        let surveyed = answered && rng.random_bool(0.35);
        if surveyed {
            let satisfied = rng.random_bool(if resolved { 0.85 } else { 0.35 });
            b.csat.append_value(if satisfied {
                rng.random_range(4..=5)
            } else {
                rng.random_range(1..=3)
            });
            let centre = if resolved { 8.5 } else { 5.0 };
            let z: f64 = StandardNormal.sample(&mut rng);
            b.nps
                .append_value((centre + 1.8 * z).round().clamp(0.0, 10.0) as i32);
        } else {
            b.csat.append_null();
            b.nps.append_null();
        }
        if answered {
            let centre = if resolved { 0.4 } else { -0.2 };
            let z: f64 = StandardNormal.sample(&mut rng);
            b.sentiment.append_value(
                ((centre + 0.35 * z) * 1000.0)
                    .round()
                    .clamp(-1000.0, 1000.0)
                    / 1000.0,
            );
        } else {
            b.sentiment.append_null();
        }
    }
    b.finish()
}
