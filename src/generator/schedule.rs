//! The dialer simulation: which lead is dialled when, and what happens.
//!
//! It runs day by day in one pass, like a real dialer: each day has a fixed number of dial
//! slots, filled first by retries and callbacks that fall due and then by fresh leads from
//! each campaign's list. Only the decisions that shape later days (reached or not, the
//! outcome, a do-not-call request) are drawn here; the rest of each row is drawn later,
//! in parallel, from the row's own random stream.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::GenOptions;
use super::dimensions::is_regulator_listed;
use super::mix;
use super::model::{
    ATTEMPT_ANSWER_MULTIPLIER, CALLBACK_ANSWER_MULTIPLIER, CALLBACK_SUCCESS_MULTIPLIER,
    CALLING_WINDOW, DNC_VIOLATION_SHARE, HOUR_ANSWER_MULTIPLIER, MAX_ATTEMPTS, World,
};
use super::phone::phone_kind;
pub use crate::schema::Disposition;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Callback,
    Refused,
    None,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Callback => "callback",
            Outcome::Refused => "refused",
            Outcome::None => "none",
        }
    }
}

/// One dial attempt as decided by the dialer.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Global position of the call in the data set; the call id derives from it.
    pub seq: u64,
    pub dialed_at_ms: i64,
    pub customer: u32,
    pub campaign: u16,
    pub script: u16,
    pub caller: u32,
    pub attempt_no: u16,
    pub is_callback: bool,
    pub disposition: Disposition,
    pub outcome: Outcome,
    pub dnc_requested: bool,
    /// The callee had asked not to be called again before this call (a planted violation).
    pub after_dnc_request: bool,
    /// The number was on the regulator's DNC list before the window (a planted violation).
    pub to_listed_number: bool,
    /// Made with a caller number that carriers later block, before the block.
    pub from_doomed_number: bool,
}

/// Every call of one local day, in dialling order.
pub struct DayPlan {
    pub day: u32,
    pub slots: Vec<Slot>,
}

#[derive(Clone, Copy)]
struct Pending {
    customer: u32,
    campaign: u16,
    script: u16,
    attempt_no: u16,
    is_callback: bool,
    after_dnc_request: bool,
}

pub struct Scheduler<'a> {
    options: &'a GenOptions,
    world: &'a World,
    rng: Xoshiro256PlusPlus,
    due: Vec<Vec<Pending>>,
    fresh_taken: Vec<u64>,
    campaign_cumulative: Vec<f64>,
    day_sizes: Vec<u64>,
    next_day: u32,
    next_seq: u64,
}

impl<'a> Scheduler<'a> {
    pub fn new(options: &'a GenOptions, world: &'a World) -> Self {
        let mut total = 0.0;
        let campaign_cumulative = world
            .campaigns
            .iter()
            .map(|c| {
                total += c.volume_weight;
                total
            })
            .collect();
        Scheduler {
            options,
            world,
            rng: Xoshiro256PlusPlus::seed_from_u64(options.seed ^ 0x00d1_a1e5),
            due: vec![Vec::new(); options.days as usize],
            fresh_taken: vec![0; world.campaigns.len()],
            campaign_cumulative,
            day_sizes: day_sizes(options),
            next_day: 0,
            next_seq: 0,
        }
    }

    /// Plans the next day, or `None` after the last one.
    pub fn next_day(&mut self) -> Option<DayPlan> {
        let day = self.next_day;
        if day >= self.options.days {
            return None;
        }
        self.next_day += 1;
        let size = self.day_sizes[day as usize] as usize;
        let mut due = std::mem::take(&mut self.due[day as usize]);
        if due.len() > size {
            // More retries than the dialer can work today: the rest wait a day.
            let overflow = due.split_off(size);
            if let Some(tomorrow) = self.due.get_mut(day as usize + 1) {
                tomorrow.extend(overflow);
            }
        }
        let mut slots = Vec::with_capacity(size);
        for pending in &due {
            slots.push(self.dial(day, *pending));
        }
        while slots.len() < size {
            let pending = self.fresh_lead();
            slots.push(self.dial(day, pending));
        }
        slots.sort_by_key(|s| s.dialed_at_ms);
        for slot in &mut slots {
            slot.seq = self.next_seq;
            self.next_seq += 1;
        }
        Some(DayPlan { day, slots })
    }

    fn fresh_lead(&mut self) -> Pending {
        // GenOptions asks for at least one campaign.
        let total = self.campaign_cumulative.last().copied().unwrap_or_default();
        let pick = self.rng.random::<f64>() * total;
        let campaign = self
            .campaign_cumulative
            .partition_point(|&c| c <= pick)
            .min(self.campaign_cumulative.len() - 1);
        let k = self.fresh_taken[campaign];
        self.fresh_taken[campaign] += 1;
        let customers = self.options.customers;
        // Each campaign walks its own permutation of the customer base (an affine map
        // with a stride coprime to the base), so a campaign never gets a duplicate lead
        // until its list wraps.
        let stride = coprime_stride(customers, mix(self.options.seed, campaign as u64));
        let offset = mix(self.options.seed ^ 0x0ff5e7, campaign as u64) % customers;
        let customer = ((u128::from(k) * u128::from(stride) + u128::from(offset))
            % u128::from(customers)) as u32;
        let scripts = self.world.campaigns[campaign].scripts.len();
        Pending {
            customer,
            campaign: campaign as u16,
            script: self.rng.random_range(0..scripts) as u16,
            // A wrapped list starts a new cycle of attempts above the previous ones.
            attempt_no: 1 + (k / customers).min(1_000) as u16 * MAX_ATTEMPTS,
            is_callback: false,
            after_dnc_request: false,
        }
    }

    fn dial(&mut self, day: u32, lead: Pending) -> Slot {
        let world = self.world;
        let campaign = &world.campaigns[lead.campaign as usize];
        let rng = &mut self.rng;

        let hour = dial_hour(rng, campaign.dials_outside_window);
        let local_seconds = hour as i64 * 3600 + rng.random_range(0..3600);
        let dialed_at_ms =
            self.options.local_day_start_ms(day) + local_seconds * 1000 + rng.random_range(0..1000);
        let caller = campaign.caller_numbers[rng.random_range(0..campaign.caller_numbers.len())];
        let banned_at = world.caller_numbers[caller].banned_at_ms;
        let kind = phone_kind(self.options.seed, lead.customer);

        let disposition = if !kind.is_dialable() {
            Disposition::InvalidNumber
        } else if banned_at.is_some_and(|at| dialed_at_ms >= at) {
            Disposition::Blocked
        } else {
            let attempt_index =
                (lead.attempt_no as usize - 1).min(ATTEMPT_ANSWER_MULTIPLIER.len() - 1);
            let callback = if lead.is_callback {
                CALLBACK_ANSWER_MULTIPLIER
            } else {
                1.0
            };
            let p_live = (campaign.live_answer_probability
                * HOUR_ANSWER_MULTIPLIER[hour as usize]
                * ATTEMPT_ANSWER_MULTIPLIER[attempt_index]
                * callback)
                .min(0.95);
            if rng.random_bool(p_live) {
                if rng.random_bool(campaign.abandon_share) {
                    Disposition::Abandoned
                } else {
                    Disposition::Answered
                }
            } else {
                not_live(rng.random())
            }
        };

        let outcome = if disposition == Disposition::Answered {
            let boost = if lead.is_callback {
                CALLBACK_SUCCESS_MULTIPLIER
            } else {
                1.0
            };
            let p_success = campaign.scripts[lead.script as usize].success_probability * boost;
            let u: f64 = rng.random();
            if u < p_success {
                Outcome::Success
            } else if u < p_success + 0.09 {
                Outcome::Callback
            } else if u < p_success + 0.09 + 0.45 {
                Outcome::Refused
            } else {
                Outcome::None
            }
        } else {
            Outcome::None
        };

        let from_doomed_number = banned_at.is_some_and(|at| dialed_at_ms < at);
        let dnc_requested = disposition == Disposition::Answered
            && outcome != Outcome::Success
            && rng.random_bool(if from_doomed_number { 0.08 } else { 0.01 });

        let to_listed_number = is_regulator_listed(self.options, lead.customer);
        self.schedule_next(day, lead, disposition, outcome, dnc_requested);
        Slot {
            seq: 0,
            dialed_at_ms,
            customer: lead.customer,
            campaign: lead.campaign,
            script: lead.script,
            caller: caller as u32,
            attempt_no: lead.attempt_no,
            is_callback: lead.is_callback,
            disposition,
            outcome,
            dnc_requested,
            after_dnc_request: lead.after_dnc_request,
            to_listed_number,
            from_doomed_number,
        }
    }

    fn schedule_next(
        &mut self,
        day: u32,
        lead: Pending,
        disposition: Disposition,
        outcome: Outcome,
        dnc_requested: bool,
    ) {
        let rng = &mut self.rng;
        let next = Pending {
            attempt_no: lead.attempt_no + 1,
            ..lead
        };
        let (gap, next) = if dnc_requested || lead.after_dnc_request {
            if lead.after_dnc_request || !rng.random_bool(DNC_VIOLATION_SHARE) {
                return;
            }
            (
                rng.random_range(1..=3),
                Pending {
                    after_dnc_request: true,
                    ..next
                },
            )
        } else {
            match (disposition, outcome) {
                (Disposition::Answered, Outcome::Callback) => (
                    rng.random_range(1..=3),
                    Pending {
                        is_callback: true,
                        ..next
                    },
                ),
                (Disposition::Answered | Disposition::InvalidNumber, _) => return,
                _ if lead.attempt_no >= MAX_ATTEMPTS => return,
                _ => (rng.random_range(1..=2), next),
            }
        };
        if let Some(queue) = self.due.get_mut((day + gap) as usize) {
            queue.push(next);
        }
    }
}

/// The local hour of a dial: working hours, weighted to the dialer's busy periods; a
/// misconfigured campaign also dials early in the morning and late in the evening.
fn dial_hour(rng: &mut Xoshiro256PlusPlus, outside_window: bool) -> u32 {
    const WORKING: [f64; 13] = [
        0.6, 1.0, 1.0, 0.9, 0.5, 0.7, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6,
    ];
    if outside_window && rng.random_bool(0.06) {
        return [6, 7, 21, 22][rng.random_range(0..4)];
    }
    let total: f64 = WORKING.iter().sum();
    let mut pick = rng.random::<f64>() * total;
    for (offset, weight) in WORKING.iter().enumerate() {
        if pick < *weight {
            return CALLING_WINDOW.0 + offset as u32;
        }
        pick -= weight;
    }
    CALLING_WINDOW.1 - 1
}

/// Why a dial did not reach a person.
fn not_live(u: f64) -> Disposition {
    match u {
        u if u < 0.50 => Disposition::NoAnswer,
        u if u < 0.64 => Disposition::Busy,
        u if u < 0.80 => Disposition::Rejected,
        u if u < 0.94 => Disposition::Voicemail,
        _ => Disposition::Failed,
    }
}

/// Calls per local day, exactly `rows` in all: weekends carry 60 % of a weekday's volume.
fn day_sizes(options: &GenOptions) -> Vec<u64> {
    let weights: Vec<f64> = (0..options.days)
        .map(|d| if options.is_weekend(d) { 0.6 } else { 1.0 })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut sizes: Vec<u64> = weights
        .iter()
        .map(|w| (options.rows as f64 * w / total).floor() as u64)
        .collect();
    let mut missing = options.rows - sizes.iter().sum::<u64>();
    let days = sizes.len();
    let mut day = 0;
    while missing > 0 {
        sizes[day % days] += 1;
        missing -= 1;
        day += 1;
    }
    sizes
}

/// A stride in `[1, n)` coprime to `n`, so `k * stride mod n` visits every residue.
fn coprime_stride(n: u64, hash: u64) -> u64 {
    if n <= 2 {
        return 1;
    }
    let mut stride = hash % (n - 1) + 1;
    while gcd(stride, n) != 1 {
        stride = stride % (n - 1) + 1;
    }
    stride
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coprime_strides_visit_every_customer() {
        for n in [1u64, 2, 3, 10, 12, 97, 1000] {
            let stride = coprime_stride(n, 123_456_789);
            let mut seen = vec![false; n as usize];
            for k in 0..n {
                seen[(k * stride % n) as usize] = true;
            }
            assert!(seen.iter().all(|s| *s), "n = {n}");
        }
    }
}
