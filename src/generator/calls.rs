//! Turning planned dial slots into `calls` rows.
//!
//! Everything not decided by the dialer (durations, who hung up, intents, scores, the
//! transcript) is drawn from a random stream seeded by the row's own position, so rows can
//! be built on any thread in any order and still come out the same.

use std::sync::Arc;

use anyhow::Result;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder,
};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::model::{
    CALLING_WINDOW, INTENT_ACCURACY, QA_SAMPLE_SHARE, SENSITIVE_SHARE, UTC_OFFSET_HOURS, World,
};
use super::phone::write_stored_phone;
use super::schedule::{Disposition, Outcome, Slot};
use super::transcript::write_transcript;
use super::{GenOptions, mix};
use crate::schema;

const INTENTS: [&str; 7] = [
    "purchase",
    "callback_later",
    "not_interested",
    "ask_price",
    "busy_now",
    "wrong_person",
    "complaint",
];

/// What building a batch of calls yields besides the rows themselves.
#[derive(Default)]
pub struct CallFacts {
    /// `orders` rows for successful calls: customer, order id, ordered at, amount.
    pub orders: Vec<(u32, String, i64, f64)>,
    /// `dnc` rows for callees who asked not to be called again: customer, added at.
    pub dnc_requests: Vec<(u32, i64)>,
    /// Planted sensitive transcripts: call id and phrase.
    pub sensitive_calls: Vec<(String, &'static str)>,
    /// Calls made after the callee's DNC request.
    pub calls_after_dnc_request: Vec<String>,
    pub calls_to_listed_numbers: u64,
    pub calls_outside_window: u64,
    pub qa_labeled: u64,
    pub qa_correct: u64,
    /// Blocked attempts per caller number index.
    pub blocked_by_caller: Vec<(u32, u64)>,
}

impl CallFacts {
    pub fn absorb(&mut self, other: CallFacts) {
        self.orders.extend(other.orders);
        self.dnc_requests.extend(other.dnc_requests);
        self.sensitive_calls.extend(other.sensitive_calls);
        self.calls_after_dnc_request
            .extend(other.calls_after_dnc_request);
        self.calls_to_listed_numbers += other.calls_to_listed_numbers;
        self.calls_outside_window += other.calls_outside_window;
        self.qa_labeled += other.qa_labeled;
        self.qa_correct += other.qa_correct;
        self.blocked_by_caller.extend(other.blocked_by_caller);
    }
}

pub fn call_id(seq: u64) -> String {
    format!("c{seq:010}")
}

pub fn customer_id(customer: u32) -> String {
    format!("u{customer:08}")
}

struct Builders {
    call_id: StringBuilder,
    campaign_id: StringBuilder,
    customer_id: StringBuilder,
    attempt_no: Int32Builder,
    is_callback: BooleanBuilder,
    script_id: StringBuilder,
    agent_id: StringBuilder,
    caller_number: StringBuilder,
    callee_number: StringBuilder,
    dialed_at: TimestampMillisecondBuilder,
    answered_at: TimestampMillisecondBuilder,
    ended_at: TimestampMillisecondBuilder,
    ring_s: Float64Builder,
    talk_s: Float64Builder,
    hold_s: Float64Builder,
    acw_s: Float64Builder,
    disposition: StringBuilder,
    hangup_by: StringBuilder,
    transferred: BooleanBuilder,
    predicted_intent: StringBuilder,
    labeled_intent: StringBuilder,
    intent_level: StringBuilder,
    is_effective: BooleanBuilder,
    outcome: StringBuilder,
    order_amount: Float64Builder,
    dnc_requested: BooleanBuilder,
    complaint: BooleanBuilder,
    sentiment: Float64Builder,
    csat: Int32Builder,
    nps: Int32Builder,
    transcript: StringBuilder,
}

impl Builders {
    fn with_capacity(rows: usize) -> Self {
        let text = || StringBuilder::with_capacity(rows, rows * 10);
        let ts = || TimestampMillisecondBuilder::with_capacity(rows).with_timezone("UTC");
        Builders {
            call_id: text(),
            campaign_id: text(),
            customer_id: text(),
            attempt_no: Int32Builder::with_capacity(rows),
            is_callback: BooleanBuilder::with_capacity(rows),
            script_id: text(),
            agent_id: text(),
            caller_number: text(),
            callee_number: text(),
            dialed_at: ts(),
            answered_at: ts(),
            ended_at: ts(),
            ring_s: Float64Builder::with_capacity(rows),
            talk_s: Float64Builder::with_capacity(rows),
            hold_s: Float64Builder::with_capacity(rows),
            acw_s: Float64Builder::with_capacity(rows),
            disposition: text(),
            hangup_by: text(),
            transferred: BooleanBuilder::with_capacity(rows),
            predicted_intent: text(),
            labeled_intent: text(),
            intent_level: text(),
            is_effective: BooleanBuilder::with_capacity(rows),
            outcome: text(),
            order_amount: Float64Builder::with_capacity(rows),
            dnc_requested: BooleanBuilder::with_capacity(rows),
            complaint: BooleanBuilder::with_capacity(rows),
            sentiment: Float64Builder::with_capacity(rows),
            csat: Int32Builder::with_capacity(rows),
            nps: Int32Builder::with_capacity(rows),
            transcript: StringBuilder::with_capacity(rows, rows * 60),
        }
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.call_id.finish()),
            Arc::new(self.campaign_id.finish()),
            Arc::new(self.customer_id.finish()),
            Arc::new(self.attempt_no.finish()),
            Arc::new(self.is_callback.finish()),
            Arc::new(self.script_id.finish()),
            Arc::new(self.agent_id.finish()),
            Arc::new(self.caller_number.finish()),
            Arc::new(self.callee_number.finish()),
            Arc::new(self.dialed_at.finish()),
            Arc::new(self.answered_at.finish()),
            Arc::new(self.ended_at.finish()),
            Arc::new(self.ring_s.finish()),
            Arc::new(self.talk_s.finish()),
            Arc::new(self.hold_s.finish()),
            Arc::new(self.acw_s.finish()),
            Arc::new(self.disposition.finish()),
            Arc::new(self.hangup_by.finish()),
            Arc::new(self.transferred.finish()),
            Arc::new(self.predicted_intent.finish()),
            Arc::new(self.labeled_intent.finish()),
            Arc::new(self.intent_level.finish()),
            Arc::new(self.is_effective.finish()),
            Arc::new(self.outcome.finish()),
            Arc::new(self.order_amount.finish()),
            Arc::new(self.dnc_requested.finish()),
            Arc::new(self.complaint.finish()),
            Arc::new(self.sentiment.finish()),
            Arc::new(self.csat.finish()),
            Arc::new(self.nps.finish()),
            Arc::new(self.transcript.finish()),
        ]
    }
}

/// Builds the `calls` rows of `slots` and collects the facts they plant.
pub fn build_calls(
    options: &GenOptions,
    world: &World,
    slots: &[Slot],
    facts: &mut CallFacts,
) -> Result<RecordBatch> {
    let mut b = Builders::with_capacity(slots.len());
    let mut text = String::with_capacity(512);
    let talk_bot = LogNormal::new(3.6, 0.7)?;
    let talk_agent = LogNormal::new(5.0, 0.6)?;
    let spend = LogNormal::new(5.3, 0.9)?;
    let unit_normal = Normal::new(0.0, 1.0)?;
    let mut blocked: Vec<(u32, u64)> = Vec::new();

    for slot in slots {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(options.seed ^ 0xca11, slot.seq));
        let campaign = &world.campaigns[slot.campaign as usize];
        let script = &campaign.scripts[slot.script as usize];
        let id = call_id(slot.seq);
        let answered = slot.disposition == Disposition::Answered;
        let live = answered || slot.disposition == Disposition::Abandoned;

        // Who handled it: callbacks are worked by agents; the bot hands some answered calls over.
        let transferred = answered
            && rng.random_bool(match slot.outcome {
                Outcome::Success | Outcome::Callback => 0.55,
                _ => 0.08,
            });
        let agent = if transferred || (slot.is_callback && answered) {
            let team = &world.agents_by_team[campaign.team];
            Some(team[rng.random_range(0..team.len())].as_str())
        } else {
            None
        };

        let ring_s = round1(match slot.disposition {
            Disposition::Answered | Disposition::Abandoned => rng.random_range(2.0..18.0),
            Disposition::NoAnswer => rng.random_range(25.0..60.0),
            Disposition::Voicemail => rng.random_range(15.0..30.0),
            Disposition::Rejected => rng.random_range(1.0..12.0),
            Disposition::Busy => rng.random_range(0.0..3.0),
            Disposition::InvalidNumber | Disposition::Blocked | Disposition::Failed => {
                rng.random_range(0.0..2.0)
            }
        });
        let early_hangup = answered && slot.outcome != Outcome::Success && rng.random_bool(0.12);
        let talk_s = if !answered {
            0.0
        } else if early_hangup {
            round1(rng.random_range(1.0..9.5))
        } else {
            let bot: f64 = talk_bot.sample(&mut rng)
                * if slot.outcome == Outcome::Success {
                    2.0
                } else {
                    1.0
                };
            let human = if agent.is_some() {
                talk_agent.sample(&mut rng)
            } else {
                0.0
            };
            round1((bot + human).clamp(10.0, 3600.0))
        };
        let hold_s = if transferred && rng.random_bool(0.5) {
            round1(rng.random_range(5.0..60.0))
        } else {
            0.0
        };
        let acw_s = if agent.is_some() {
            round1(rng.random_range(10.0..90.0))
        } else {
            0.0
        };
        let answered_at = live.then(|| slot.dialed_at_ms + (ring_s * 1000.0) as i64);
        let ended_at = match answered_at {
            Some(at) if answered => at + ((talk_s + hold_s) * 1000.0) as i64,
            Some(at) => at + rng.random_range(500..2500),
            None => slot.dialed_at_ms + (ring_s * 1000.0) as i64,
        };
        let hangup_by = match slot.disposition {
            Disposition::Answered if early_hangup => "callee",
            Disposition::Answered if transferred => ["agent", "callee"][rng.random_range(0..2)],
            Disposition::Answered => {
                if rng.random_bool(0.35) {
                    "bot"
                } else {
                    "callee"
                }
            }
            Disposition::Rejected => "callee",
            _ => "system",
        };

        b.call_id.append_value(&id);
        b.campaign_id.append_value(&campaign.campaign_id);
        b.customer_id.append_value(customer_id(slot.customer));
        b.attempt_no.append_value(i32::from(slot.attempt_no));
        b.is_callback.append_value(slot.is_callback);
        b.script_id.append_value(&script.script_id);
        b.agent_id.append_option(agent);
        b.caller_number
            .append_value(&world.caller_numbers[slot.caller as usize].caller_number);
        text.clear();
        write_stored_phone(options.seed, slot.customer, &mut text);
        b.callee_number.append_value(&text);
        b.dialed_at.append_value(slot.dialed_at_ms);
        b.answered_at.append_option(answered_at);
        b.ended_at.append_value(ended_at);
        b.ring_s.append_value(ring_s);
        b.talk_s.append_value(talk_s);
        b.hold_s.append_value(hold_s);
        b.acw_s.append_value(acw_s);
        b.disposition.append_value(slot.disposition.name());
        b.hangup_by.append_value(hangup_by);
        b.transferred.append_value(transferred);

        // Intent: the bot is right INTENT_ACCURACY of the time; QA labels a sample.
        if answered {
            let truth = match slot.outcome {
                Outcome::Success => 0,
                Outcome::Callback => 1,
                Outcome::Refused => 2,
                Outcome::None => 3 + rng.random_range(0..4),
            };
            let correct = rng.random_bool(INTENT_ACCURACY);
            let predicted = if correct {
                truth
            } else {
                (truth + rng.random_range(1..INTENTS.len())) % INTENTS.len()
            };
            b.predicted_intent.append_value(INTENTS[predicted]);
            if rng.random_bool(QA_SAMPLE_SHARE) {
                b.labeled_intent.append_value(INTENTS[truth]);
                facts.qa_labeled += 1;
                facts.qa_correct += u64::from(correct);
            } else {
                b.labeled_intent.append_null();
            }
            let level = match slot.outcome {
                Outcome::Success => ["A", "A", "B"][rng.random_range(0..3)],
                Outcome::Callback => ["B", "C"][rng.random_range(0..2)],
                Outcome::None => ["C", "D", "E"][rng.random_range(0..3)],
                Outcome::Refused => ["E", "F"][rng.random_range(0..2)],
            };
            b.intent_level.append_value(level);
            b.is_effective.append_value(
                matches!(slot.outcome, Outcome::Success | Outcome::Callback) || talk_s >= 30.0,
            );
        } else {
            b.predicted_intent.append_null();
            b.labeled_intent.append_null();
            b.intent_level.append_null();
            b.is_effective.append_null();
        }
        b.outcome.append_value(slot.outcome.as_str());

        if slot.outcome == Outcome::Success {
            let amount = round2(spend.sample(&mut rng));
            b.order_amount.append_value(amount);
            facts
                .orders
                .push((slot.customer, format!("o{}", &id[1..]), ended_at, amount));
        } else {
            b.order_amount.append_null();
        }
        b.dnc_requested.append_value(slot.dnc_requested);
        if slot.dnc_requested {
            facts.dnc_requests.push((slot.customer, ended_at));
        }
        let complaint =
            answered && rng.random_bool(if slot.from_doomed_number { 0.06 } else { 0.003 });
        b.complaint.append_value(complaint);

        if answered {
            let mean = match slot.outcome {
                Outcome::Success => 0.5,
                Outcome::Callback => 0.3,
                Outcome::None => 0.0,
                Outcome::Refused => -0.3,
            } - if complaint { 0.6 } else { 0.0 };
            let sentiment: f64 = mean + 0.3 * unit_normal.sample(&mut rng);
            b.sentiment.append_value(round2(sentiment.clamp(-1.0, 1.0)));
            let base = match slot.outcome {
                Outcome::Success => 4,
                Outcome::Callback => 3,
                Outcome::None => 3,
                Outcome::Refused => 2,
            };
            let survey = rng.random_bool(0.2);
            b.csat
                .append_option(survey.then(|| (base + rng.random_range(-1..=1)).clamp(1, 5)));
            let nps = rng.random_bool(0.15);
            b.nps
                .append_option(nps.then(|| (base * 2 + rng.random_range(-2..=2)).clamp(0, 10)));
            text.clear();
            let sensitive = rng.random_bool(SENSITIVE_SHARE);
            if let Some(phrase) = write_transcript(&mut rng, slot.outcome, sensitive, &mut text) {
                facts.sensitive_calls.push((id.clone(), phrase));
            }
            b.transcript.append_value(&text);
        } else {
            b.sentiment.append_null();
            b.csat.append_null();
            b.nps.append_null();
            b.transcript.append_null();
        }

        if slot.after_dnc_request {
            facts.calls_after_dnc_request.push(id);
        }
        facts.calls_to_listed_numbers += u64::from(slot.to_listed_number);
        let local_hour = ((slot.dialed_at_ms / 3_600_000 + UTC_OFFSET_HOURS) % 24) as u32;
        facts.calls_outside_window +=
            u64::from(local_hour < CALLING_WINDOW.0 || local_hour >= CALLING_WINDOW.1);
        if slot.disposition == Disposition::Blocked {
            match blocked
                .iter_mut()
                .find(|(caller, _)| *caller == slot.caller)
            {
                Some((_, n)) => *n += 1,
                None => blocked.push((slot.caller, 1)),
            }
        }
    }
    facts.blocked_by_caller.extend(blocked);
    Ok(RecordBatch::try_new(
        schema::canonical_schema(schema::CALLS),
        b.finish(),
    )?)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
