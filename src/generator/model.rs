//! The planted truth: the parameters the synthetic call centre is drawn from.
//!
//! Everything here is decided from the seed before any row is written and is saved to
//! `truth.json`, so later features (KPIs, script ranking, compliance scans) can be checked
//! against values that are known rather than estimated.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::GenOptions;

/// Local time of the synthetic call centre; all campaigns dial mainland numbers.
pub const TIMEZONE: &str = "Asia/Shanghai";
pub const UTC_OFFSET_HOURS: i64 = 8;

/// Calls are allowed from 08:00 to 21:00 local time; calls outside are planted violations.
pub const CALLING_WINDOW: (u32, u32) = (8, 21);

/// Relative chance that a dial at this local hour reaches a person: low at night and at
/// lunch, peaks mid-morning and mid-afternoon.
pub const HOUR_ANSWER_MULTIPLIER: [f64; 24] = [
    0.25, 0.2, 0.2, 0.2, 0.2, 0.25, 0.35, 0.55, 0.85, 1.0, 1.15, 1.05, 0.7, 0.75, 1.0, 1.12, 1.08,
    0.95, 0.85, 0.9, 0.85, 0.7, 0.5, 0.35,
];

/// Relative chance of reaching a person on attempt 1, 2, 3, … (later attempts answer less).
pub const ATTEMPT_ANSWER_MULTIPLIER: [f64; 6] = [1.0, 0.8, 0.65, 0.55, 0.45, 0.4];

/// A scheduled callback (回访) is answered and converts more often than a cold dial.
pub const CALLBACK_ANSWER_MULTIPLIER: f64 = 1.6;
pub const CALLBACK_SUCCESS_MULTIPLIER: f64 = 1.8;

/// Attempts per lead before the dialer gives up on a number that never answers.
pub const MAX_ATTEMPTS: u16 = 5;

/// The bot's intent recognition is right this often; QA labels about this share of answered calls.
pub const INTENT_ACCURACY: f64 = 0.86;
pub const QA_SAMPLE_SHARE: f64 = 0.10;

/// Share of customers whose stored phone number is dirty (formatting or invalid).
pub const DIRTY_PHONE_SHARE: f64 = 0.03;

/// Share of answered calls whose transcript contains a compliance-sensitive phrase.
pub const SENSITIVE_SHARE: f64 = 0.003;

/// Share of customers on the regulator's do-not-call list before the window starts.
pub const REGULATOR_DNC_SHARE: f64 = 0.005;

/// After a callee asks not to be called again, the dialer wrongly calls back this often.
pub const DNC_VIOLATION_SHARE: f64 = 0.05;

/// US TSR limit on abandoned calls, for the campaigns planted above it.
pub const TSR_ABANDON_LIMIT: f64 = 0.03;

/// How customers buy outside the campaigns (the organic `orders`): a BG/NBD process (Fader,
/// Hardie & Lee 2005) with Gamma-Gamma spend, in days, so a fit recovers these values.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PurchaseModel {
    /// Share of customers who made a first purchase, at a time uniform over the history.
    pub buyer_share: f64,
    pub time_unit: &'static str,
    /// Purchase rates while alive: Gamma(r, alpha) across customers (alpha in days).
    pub r: f64,
    pub alpha: f64,
    /// Dropout probability after each repeat purchase: Beta(a, b) across customers.
    pub a: f64,
    pub b: f64,
    /// Order values: Gamma(p, ν) with ν ~ Gamma(q, v) across customers (v in yuan).
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

pub const PURCHASES: PurchaseModel = PurchaseModel {
    buyer_share: 0.8,
    time_unit: "day",
    r: 0.6,
    alpha: 60.0,
    a: 0.8,
    b: 3.0,
    p: 6.0,
    q: 4.0,
    v: 90.0,
};

/// Organic purchase history starts this many days before the window.
pub const PURCHASE_HISTORY_DAYS: i64 = 365;

#[derive(Debug, Clone, Serialize)]
pub struct Script {
    pub script_id: String,
    pub name: String,
    pub version: i32,
    /// P(outcome = success | answered) on a first contact.
    pub success_probability: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub campaign_id: String,
    /// P(a person picks up) before the hour, attempt and callback multipliers.
    pub live_answer_probability: f64,
    /// Share of live calls the predictive dialer abandons (no agent free).
    pub abandon_share: f64,
    /// Misconfigured: also dials before 08:00 and after 21:00 local time.
    pub dials_outside_window: bool,
    /// Relative share of fresh leads this campaign dials.
    pub volume_weight: f64,
    /// The script with the clearly highest success probability, or none when the top two
    /// are within a few percent of each other (a near tie).
    pub best_script: Option<String>,
    pub near_tie: bool,
    pub scripts: Vec<Script>,
    #[serde(skip)]
    pub caller_numbers: Vec<usize>,
    #[serde(skip)]
    pub team: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallerNumber {
    pub caller_number: String,
    pub campaign_id: String,
    /// When carriers block the number (ms since the epoch, UTC); later attempts are `blocked`.
    pub banned_at_ms: Option<i64>,
}

/// The whole planted world, derived from the options alone.
#[derive(Debug, Clone)]
pub struct World {
    pub campaigns: Vec<Campaign>,
    pub caller_numbers: Vec<CallerNumber>,
    pub teams: Vec<String>,
    /// Agent ids per team.
    pub agents_by_team: Vec<Vec<String>>,
}

impl World {
    pub fn new(options: &GenOptions) -> World {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed ^ 0x005e_ed0f_7a1d);
        let window_start_ms = options.local_day_start_ms(0);
        let window_end_ms = options.local_day_start_ms(options.days);

        let teams: Vec<String> = (0..options.campaigns.div_ceil(4).max(1))
            .map(|t| format!("team{:02}", t + 1))
            .collect();
        let agents_per_team = (options.agents / teams.len()).max(1);
        let agents_by_team = (0..teams.len())
            .map(|t| {
                (0..agents_per_team)
                    .map(|a| format!("ag{:04}", t * agents_per_team + a + 1))
                    .collect()
            })
            .collect();

        let mut campaigns = Vec::with_capacity(options.campaigns);
        let mut caller_numbers = Vec::new();
        for c in 0..options.campaigns {
            let campaign_id = format!("cmp{:03}", c + 1);
            let live = rng.random_range(0.18..0.55);
            // Every fifth campaign runs its predictive dialer too hot: over the TSR 3 % limit.
            let abandon_share = if c % 5 == 2 {
                rng.random_range(0.05..0.08)
            } else {
                rng.random_range(0.005..0.02)
            };
            let script_count = rng.random_range(2..=5usize);
            // Every sixth campaign has a near tie between its two best scripts.
            let near_tie = c % 6 == 4;
            let base = rng.random_range(0.05..0.14);
            let best = rng.random_range(0..script_count);
            let scripts: Vec<Script> = (0..script_count)
                .map(|s| {
                    let p = if s == best {
                        base * 1.6
                    } else if near_tie && s == (best + 1) % script_count {
                        base * 1.6 * 0.98
                    } else {
                        base * rng.random_range(0.6..1.0)
                    };
                    Script {
                        script_id: format!("{campaign_id}-s{}", s + 1),
                        name: format!("{}话术{}", SCRIPT_THEMES[s % SCRIPT_THEMES.len()], s + 1),
                        version: rng.random_range(1..=4),
                        success_probability: round6(p),
                    }
                })
                .collect();
            let numbers = rng.random_range(6..=14usize);
            let first = caller_numbers.len();
            for n in 0..numbers {
                caller_numbers.push(CallerNumber {
                    caller_number: format!("0{}{:08}", 10 + (c % 89), 60_000_000 + c * 1000 + n),
                    campaign_id: campaign_id.clone(),
                    banned_at_ms: None,
                });
            }
            campaigns.push(Campaign {
                best_script: (!near_tie).then(|| scripts[best].script_id.clone()),
                campaign_id,
                live_answer_probability: round6(live),
                abandon_share: round6(abandon_share),
                dials_outside_window: c % 7 == 3,
                volume_weight: round6(rng.random_range(0.5..2.0)),
                near_tie,
                scripts,
                caller_numbers: (first..caller_numbers.len()).collect(),
                team: c % teams.len(),
            });
        }

        // A handful of numbers get banned part-way through the window.
        let banned = (caller_numbers.len() / 40)
            .clamp(3, 8)
            .min(caller_numbers.len());
        let span = (window_end_ms - window_start_ms) as f64;
        let mut chosen = 0;
        while chosen < banned {
            let index = rng.random_range(0..caller_numbers.len());
            if caller_numbers[index].banned_at_ms.is_none() {
                let at = window_start_ms + (span * rng.random_range(0.2..0.8)) as i64;
                caller_numbers[index].banned_at_ms = Some(at);
                chosen += 1;
            }
        }

        World {
            campaigns,
            caller_numbers,
            teams,
            agents_by_team,
        }
    }
}

const SCRIPT_THEMES: [&str; 5] = ["标准开场", "优惠直击", "需求挖掘", "老客回访", "简短版"];

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A duration drawn from a log-normal distribution: `median_s` · e^(σ·Z), Z standard normal.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LogNormalSeconds {
    pub median_s: f64,
    pub sigma: f64,
}

const fn log_normal(median_s: f64, sigma: f64) -> LogNormalSeconds {
    LogNormalSeconds { median_s, sigma }
}

/// How the service desk treats the sessions of one channel (the `sessions` table).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ChannelModel {
    pub channel: &'static str,
    /// Relative share of sessions.
    pub weight: f64,
    /// Somebody (the bot or a human) answers.
    pub answer_probability: f64,
    /// A bot answers first; otherwise a human takes the session from the start.
    pub bot_first: bool,
    /// The bot hands an answered session to a human (转人工).
    pub transfer_probability: f64,
    /// The issue is resolved when the bot alone handles it, and when a human does.
    pub bot_resolve_probability: f64,
    pub human_resolve_probability: f64,
    /// A resolved issue comes back within the reopen window.
    pub reopen_probability: f64,
    /// Start to first response, by the bot and by a human.
    pub bot_response: LogNormalSeconds,
    pub human_response: LogNormalSeconds,
    /// First response to resolution, by the bot and by a human.
    pub bot_handling: LogNormalSeconds,
    pub human_handling: LogNormalSeconds,
    /// P(consult | visit), P(lead | consult), P(order | lead).
    pub ladder: [f64; 3],
}

impl ChannelModel {
    /// P(bot_only and resolved): answered, by the bot first, not transferred, resolved.
    pub fn automation_probability(&self) -> f64 {
        if self.bot_first {
            self.answer_probability
                * (1.0 - self.transfer_probability)
                * self.bot_resolve_probability
        } else {
            0.0
        }
    }

    /// P(transferred).
    pub fn intervention_probability(&self) -> f64 {
        if self.bot_first {
            self.answer_probability * self.transfer_probability
        } else {
            0.0
        }
    }

    /// P(resolved).
    pub fn resolution_probability(&self) -> f64 {
        let handled = if self.bot_first {
            (1.0 - self.transfer_probability) * self.bot_resolve_probability
                + self.transfer_probability * self.human_resolve_probability
        } else {
            self.human_resolve_probability
        };
        self.answer_probability * handled
    }
}

/// Bots answer in seconds, humans in minutes (e-mail in hours), with long log-normal tails.
pub const CHANNELS: [ChannelModel; 5] = [
    ChannelModel {
        channel: "phone",
        weight: 0.30,
        answer_probability: 0.93,
        bot_first: true,
        transfer_probability: 0.35,
        bot_resolve_probability: 0.62,
        human_resolve_probability: 0.88,
        reopen_probability: 0.08,
        bot_response: log_normal(3.0, 0.4),
        human_response: log_normal(45.0, 0.9),
        bot_handling: log_normal(150.0, 0.6),
        human_handling: log_normal(420.0, 0.8),
        ladder: [0.55, 0.35, 0.30],
    },
    ChannelModel {
        channel: "chat",
        weight: 0.30,
        answer_probability: 0.97,
        bot_first: true,
        transfer_probability: 0.25,
        bot_resolve_probability: 0.70,
        human_resolve_probability: 0.85,
        reopen_probability: 0.10,
        bot_response: log_normal(1.2, 0.5),
        human_response: log_normal(60.0, 1.0),
        bot_handling: log_normal(240.0, 0.7),
        human_handling: log_normal(900.0, 0.9),
        ladder: [0.45, 0.40, 0.25],
    },
    ChannelModel {
        channel: "app",
        weight: 0.15,
        answer_probability: 0.96,
        bot_first: true,
        transfer_probability: 0.20,
        bot_resolve_probability: 0.72,
        human_resolve_probability: 0.86,
        reopen_probability: 0.09,
        bot_response: log_normal(1.0, 0.5),
        human_response: log_normal(75.0, 1.0),
        bot_handling: log_normal(200.0, 0.7),
        human_handling: log_normal(800.0, 0.9),
        ladder: [0.50, 0.42, 0.33],
    },
    ChannelModel {
        channel: "wechat",
        weight: 0.20,
        answer_probability: 0.95,
        bot_first: true,
        transfer_probability: 0.30,
        bot_resolve_probability: 0.66,
        human_resolve_probability: 0.84,
        reopen_probability: 0.11,
        bot_response: log_normal(1.5, 0.5),
        human_response: log_normal(90.0, 1.1),
        bot_handling: log_normal(300.0, 0.7),
        human_handling: log_normal(1200.0, 1.0),
        ladder: [0.60, 0.38, 0.28],
    },
    ChannelModel {
        channel: "email",
        weight: 0.05,
        answer_probability: 0.90,
        bot_first: false,
        transfer_probability: 0.0,
        bot_resolve_probability: 0.0,
        human_resolve_probability: 0.80,
        reopen_probability: 0.14,
        bot_response: log_normal(1.0, 0.5),
        human_response: log_normal(4.0 * 3600.0, 0.8),
        bot_handling: log_normal(1.0, 0.5),
        human_handling: log_normal(20.0 * 3600.0, 1.0),
        ladder: [0.30, 0.30, 0.20],
    },
];

/// Share of sessions from a known customer (the rest are anonymous visitors).
pub const KNOWN_CUSTOMER_SHARE: f64 = 0.7;
