//! `truth.json`: the planted parameters and the facts the generator knows for certain,
//! for checking later features against.

use std::collections::BTreeMap;

use serde::Serialize;

use super::GenOptions;
use super::calls::CallFacts;
use super::model::{
    ATTEMPT_ANSWER_MULTIPLIER, CALLBACK_ANSWER_MULTIPLIER, CALLBACK_SUCCESS_MULTIPLIER,
    CALLING_WINDOW, CHANNELS, Campaign, ChannelModel, DIRTY_PHONE_SHARE, DNC_VIOLATION_SHARE,
    HOUR_ANSWER_MULTIPLIER, INTENT_ACCURACY, KNOWN_CUSTOMER_SHARE, MAX_ATTEMPTS, PURCHASES,
    PurchaseModel, QA_SAMPLE_SHARE, REGULATOR_DNC_SHARE, SENSITIVE_SHARE, TIMEZONE,
    TSR_ABANDON_LIMIT, World,
};
use super::phone::{PhoneKind, phone_kind};
use super::purchases::{PurchaseFacts, history_start_ms};
use super::sessions::{ChannelCounts, STAGES, SessionFacts};
use super::transcript::SENSITIVE_PHRASES;

#[derive(Serialize)]
pub struct Truth {
    generator: Generator,
    /// P(live) = live_answer_probability × hour multiplier (local hour) × attempt multiplier
    /// (× callback multiplier), capped at 0.95.
    answer_model: AnswerModel,
    campaigns: Vec<Campaign>,
    /// Campaigns whose planted abandon share of live calls exceeds the TSR 3 % limit.
    campaigns_over_tsr_abandon_limit: Vec<String>,
    intent_accuracy: IntentAccuracy,
    banned_numbers: Vec<BannedNumber>,
    dirty_phones: DirtyPhones,
    sensitive_transcripts: Sensitive,
    dnc: Dnc,
    calling_window: CallingWindow,
    organic_purchases: OrganicPurchases,
    service_desk: ServiceDesk,
    row_counts: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
struct Generator {
    version: &'static str,
    seed: u64,
    rows: u64,
    days: u32,
    start: String,
    campaigns: usize,
    customers: u64,
    agents: usize,
    timezone: &'static str,
    /// The `dt` partition of `calls` is the local calendar day in this zone.
    partitioning: &'static str,
}

#[derive(Serialize)]
struct AnswerModel {
    hour_multiplier: [f64; 24],
    attempt_multiplier: [f64; 6],
    callback_answer_multiplier: f64,
    callback_success_multiplier: f64,
    max_attempts: u16,
}

#[derive(Serialize)]
struct IntentAccuracy {
    target: f64,
    qa_sample_share: f64,
    labeled: u64,
    correct: u64,
    realised: Option<f64>,
}

#[derive(Serialize)]
struct BannedNumber {
    caller_number: String,
    campaign_id: String,
    banned_at: String,
    blocked_attempts: u64,
}

#[derive(Serialize)]
struct DirtyPhones {
    target_share: f64,
    /// Customers per storage kind (`clean` included).
    customers_by_kind: BTreeMap<PhoneKind, u64>,
}

#[derive(Serialize)]
struct Sensitive {
    share_of_answered: f64,
    phrases: Vec<&'static str>,
    /// Every call with a planted phrase, sorted by call id.
    calls: Vec<SensitiveCall>,
}

#[derive(Serialize)]
struct SensitiveCall {
    call_id: String,
    phrase: &'static str,
}

#[derive(Serialize)]
struct Dnc {
    regulator_share: f64,
    regulator_listed_customers: u64,
    calls_to_regulator_listed_numbers: u64,
    callee_requests: u64,
    violation_share: f64,
    /// Calls made after the callee had asked not to be called again, sorted.
    calls_after_request: Vec<String>,
}

#[derive(Serialize)]
struct CallingWindow {
    timezone: &'static str,
    start_hour: u32,
    end_hour: u32,
    /// Calls dialled before start_hour or at or after end_hour, local time.
    calls_outside: u64,
}

/// The process behind the organic orders (order_id `r…`); orders from successful calls
/// (order_id `o…`) come on top of it.
#[derive(Serialize)]
struct OrganicPurchases {
    model: PurchaseModel,
    /// First purchases fall uniformly between these two instants (RFC 3339, UTC).
    history_start: String,
    calibration_end: String,
    buyers: u64,
    orders: u64,
    /// Buyers who had not dropped out at calibration_end.
    alive_at_end: u64,
}

/// The `sessions` table: the channel models it is drawn from, the probabilities they
/// imply, and what was drawn.
#[derive(Serialize)]
struct ServiceDesk {
    known_customer_share: f64,
    /// The ladder, lowest first; a session's `stage` is the furthest step it reached.
    stages: [&'static str; 4],
    channels: Vec<ServiceChannel>,
}

#[derive(Serialize)]
struct ServiceChannel {
    model: ChannelModel,
    /// P(bot_only and resolved), P(transferred), P(resolved), P(resolved and not reopened).
    automation_probability: f64,
    intervention_probability: f64,
    resolution_probability: f64,
    fcr_probability: f64,
    drawn: ChannelCounts,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

impl Truth {
    pub fn new(
        options: &GenOptions,
        world: &World,
        facts: &CallFacts,
        regulator_listed: u64,
        purchases: &PurchaseFacts,
        orders: u64,
        sessions: &SessionFacts,
    ) -> Truth {
        let mut blocked: BTreeMap<u32, u64> = BTreeMap::new();
        for (caller, n) in &facts.blocked_by_caller {
            *blocked.entry(*caller).or_default() += n;
        }
        let banned_numbers = world
            .caller_numbers
            .iter()
            .enumerate()
            .filter_map(|(index, number)| {
                let at = number.banned_at_ms?;
                Some(BannedNumber {
                    caller_number: number.caller_number.clone(),
                    campaign_id: number.campaign_id.clone(),
                    banned_at: rfc3339(at),
                    blocked_attempts: blocked.get(&(index as u32)).copied().unwrap_or(0),
                })
            })
            .collect();

        let mut customers_by_kind = BTreeMap::new();
        for customer in 0..options.customers as u32 {
            *customers_by_kind
                .entry(phone_kind(options.seed, customer))
                .or_default() += 1;
        }

        let mut sensitive: Vec<SensitiveCall> = facts
            .sensitive_calls
            .iter()
            .map(|(call_id, phrase)| SensitiveCall {
                call_id: call_id.clone(),
                phrase,
            })
            .collect();
        sensitive.sort_by(|a, b| a.call_id.cmp(&b.call_id));
        let mut after_request = facts.calls_after_dnc_request.clone();
        after_request.sort();

        let row_counts = BTreeMap::from([
            ("calls", options.rows),
            ("orders", orders),
            ("customers", options.customers),
            (
                "scripts",
                world.campaigns.iter().map(|c| c.scripts.len() as u64).sum(),
            ),
            (
                "agents",
                world.agents_by_team.iter().map(|a| a.len() as u64).sum(),
            ),
            ("dnc", regulator_listed + facts.dnc_requests.len() as u64),
            ("sessions", options.sessions),
        ]);
        let service_desk = ServiceDesk {
            known_customer_share: KNOWN_CUSTOMER_SHARE,
            stages: STAGES,
            channels: CHANNELS
                .iter()
                .map(|model| ServiceChannel {
                    model: *model,
                    automation_probability: model.automation_probability(),
                    intervention_probability: model.intervention_probability(),
                    resolution_probability: model.resolution_probability(),
                    fcr_probability: model.resolution_probability()
                        * (1.0 - model.reopen_probability),
                    drawn: sessions.0.get(model.channel).cloned().unwrap_or_default(),
                })
                .collect(),
        };

        Truth {
            generator: Generator {
                version: env!("CARGO_PKG_VERSION"),
                seed: options.seed,
                rows: options.rows,
                days: options.days,
                start: options.start.to_string(),
                campaigns: options.campaigns,
                customers: options.customers,
                agents: world.agents_by_team.iter().map(Vec::len).sum(),
                timezone: TIMEZONE,
                partitioning: "calls/dt=YYYY-MM-DD: local calendar day of dialed_at",
            },
            answer_model: AnswerModel {
                hour_multiplier: HOUR_ANSWER_MULTIPLIER,
                attempt_multiplier: ATTEMPT_ANSWER_MULTIPLIER,
                callback_answer_multiplier: CALLBACK_ANSWER_MULTIPLIER,
                callback_success_multiplier: CALLBACK_SUCCESS_MULTIPLIER,
                max_attempts: MAX_ATTEMPTS,
            },
            campaigns_over_tsr_abandon_limit: world
                .campaigns
                .iter()
                .filter(|c| c.abandon_share > TSR_ABANDON_LIMIT)
                .map(|c| c.campaign_id.clone())
                .collect(),
            campaigns: world.campaigns.clone(),
            intent_accuracy: IntentAccuracy {
                target: INTENT_ACCURACY,
                qa_sample_share: QA_SAMPLE_SHARE,
                labeled: facts.qa_labeled,
                correct: facts.qa_correct,
                realised: (facts.qa_labeled > 0)
                    .then(|| facts.qa_correct as f64 / facts.qa_labeled as f64),
            },
            banned_numbers,
            dirty_phones: DirtyPhones {
                target_share: DIRTY_PHONE_SHARE,
                customers_by_kind,
            },
            sensitive_transcripts: Sensitive {
                share_of_answered: SENSITIVE_SHARE,
                phrases: SENSITIVE_PHRASES.to_vec(),
                calls: sensitive,
            },
            dnc: Dnc {
                regulator_share: REGULATOR_DNC_SHARE,
                regulator_listed_customers: regulator_listed,
                calls_to_regulator_listed_numbers: facts.calls_to_listed_numbers,
                callee_requests: facts.dnc_requests.len() as u64,
                violation_share: DNC_VIOLATION_SHARE,
                calls_after_request: after_request,
            },
            calling_window: CallingWindow {
                timezone: TIMEZONE,
                start_hour: CALLING_WINDOW.0,
                end_hour: CALLING_WINDOW.1,
                calls_outside: facts.calls_outside_window,
            },
            organic_purchases: OrganicPurchases {
                model: PURCHASES,
                history_start: rfc3339(history_start_ms(options)),
                calibration_end: rfc3339(options.local_day_start_ms(options.days)),
                buyers: purchases.buyers,
                orders: purchases.orders,
                alive_at_end: purchases.alive_at_end,
            },
            service_desk,
            row_counts,
        }
    }
}
