//! Erlang C queueing maths for inbound-style staffing: calls arrive at random (Poisson),
//! wait in one queue for N identical agents, and are served in exponentially distributed
//! handling times of mean AHT.
//!
//! Traffic A = calls × AHT / interval (Erlangs). The probability of waiting is computed
//! from the Erlang B recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), then
//! C = N·B / (N − A·(1 − B)): no factorials or powers, so it stays exact to rounding for
//! thousands of agents, where the textbook sum overflows.

/// Largest traffic the functions accept; each evaluation costs O(agents) ≈ O(traffic).
pub(crate) const MAX_TRAFFIC: f64 = 10_000_000.0;

/// Offered load of one interval.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Erlangs.
    pub traffic: f64,
    /// Average handling time, seconds.
    pub aht: f64,
}

impl Load {
    /// The load of `calls` arriving over `interval_s` seconds, each handled in `aht_s`
    /// seconds on average; None for negative calls, non-positive interval or AHT, or
    /// traffic above `MAX_TRAFFIC`.
    pub(crate) fn new(calls: f64, interval_s: f64, aht_s: f64) -> Option<Self> {
        let valid = calls >= 0.0 && interval_s > 0.0 && aht_s > 0.0 && aht_s.is_finite();
        let traffic = calls * aht_s / interval_s;
        (valid && traffic <= MAX_TRAFFIC).then_some(Load {
            traffic,
            aht: aht_s,
        })
    }

    /// Probability that a call waits with `agents` agents: 1 when agents ≤ traffic (the
    /// queue never empties), 0 when there is no traffic.
    pub(crate) fn waiting_probability(&self, agents: u32) -> f64 {
        let a = self.traffic;
        if a == 0.0 {
            return 0.0;
        }
        if f64::from(agents) <= a {
            return 1.0;
        }
        let mut blocking = 1.0;
        for k in 1..=agents {
            blocking = a * blocking / (f64::from(k) + a * blocking);
            if blocking == 0.0 {
                return 0.0;
            }
        }
        erlang_c(a, agents, blocking)
    }

    /// Share of calls answered within `target_s` seconds.
    pub(crate) fn service_level(&self, agents: u32, target_s: f64) -> f64 {
        self.service_level_given(agents, self.waiting_probability(agents), target_s)
    }

    /// Average speed of answer in seconds; infinite when agents ≤ traffic.
    pub(crate) fn average_speed_of_answer(&self, agents: u32) -> f64 {
        let a = self.traffic;
        if a == 0.0 {
            return 0.0;
        }
        if f64::from(agents) <= a {
            return f64::INFINITY;
        }
        self.waiting_probability(agents) * self.aht / (f64::from(agents) - a)
    }

    /// The fewest agents that answer at least `target_sl` of calls within `target_s`
    /// seconds while keeping occupancy (traffic / agents) at most `max_occupancy`; None
    /// unless 0 < target_sl < 1, target_s ≥ 0 and 0 < max_occupancy ≤ 1, or when the
    /// occupancy cap alone would need more than `MAX_TRAFFIC` agents.
    pub(crate) fn agents_required(
        &self,
        target_sl: f64,
        target_s: f64,
        max_occupancy: f64,
    ) -> Option<u32> {
        let a = self.traffic;
        let valid = target_sl > 0.0
            && target_sl < 1.0
            && target_s >= 0.0
            && max_occupancy > 0.0
            && max_occupancy <= 1.0
            && a / max_occupancy <= MAX_TRAFFIC;
        if !valid {
            return None;
        }
        if a == 0.0 {
            return Some(0);
        }
        let mut blocking = 1.0;
        let mut agents = 0u32;
        loop {
            agents += 1;
            blocking = a * blocking / (f64::from(agents) + a * blocking);
            let n = f64::from(agents);
            if n <= a || a / n > max_occupancy {
                continue;
            }
            let waiting = erlang_c(a, agents, blocking);
            if self.service_level_given(agents, waiting, target_s) >= target_sl {
                return Some(agents);
            }
        }
    }

    fn service_level_given(&self, agents: u32, waiting: f64, target_s: f64) -> f64 {
        let a = self.traffic;
        if a == 0.0 {
            return 1.0;
        }
        if f64::from(agents) <= a {
            return 0.0;
        }
        1.0 - waiting * (-(f64::from(agents) - a) * target_s / self.aht).exp()
    }
}

/// Erlang C from the Erlang B blocking probability of the same traffic and agents.
fn erlang_c(traffic: f64, agents: u32, blocking: f64) -> f64 {
    let n = f64::from(agents);
    n * blocking / (n - traffic * (1.0 - blocking))
}

/// An agent count: a whole number from 0 to `u32::MAX`.
pub(crate) fn agent_count(value: f64) -> Option<u32> {
    (value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX)).then_some(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of callcentrehelper.com's "Erlang C formula made simple": 100
    /// calls in 30 minutes, AHT 180 s, so A = 10 Erlangs. Expected values from the textbook
    /// definition C = (A^N/N!·N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N!·N/(N−A)), evaluated in
    /// exact rational arithmetic (Python fractions), then SL = 1 − C·e^{−(N−A)·20/180}.
    #[test]
    fn worked_example_ten_erlangs() {
        let load = Load::new(100.0, 1800.0, 180.0).unwrap();
        let expected = [
            (11, 0.682_118_204_7, 0.389_613_811_7),
            (12, 0.449_388_224_3, 0.640_158_040_4),
            (13, 0.285_270_453_0, 0.795_594_788_4),
            (14, 0.174_131_933_6, 0.888_350_019_2),
        ];
        for (agents, waiting, service_level) in expected {
            assert!(
                (load.waiting_probability(agents) - waiting).abs() < 1e-9,
                "{agents}"
            );
            assert!(
                (load.service_level(agents, 20.0) - service_level).abs() < 1e-9,
                "{agents}"
            );
        }
        assert_eq!(load.agents_required(0.8, 20.0, 1.0), Some(14));
    }

    #[test]
    fn no_more_agents_than_traffic_means_everyone_waits() {
        let load = Load::new(100.0, 1800.0, 180.0).unwrap();
        assert_eq!(load.waiting_probability(10), 1.0);
        assert_eq!(load.service_level(10, 20.0), 0.0);
        assert_eq!(load.average_speed_of_answer(9), f64::INFINITY);
        assert_eq!(load.waiting_probability(0), 1.0);
    }

    #[test]
    fn no_traffic_means_nobody_waits() {
        let load = Load::new(0.0, 1800.0, 180.0).unwrap();
        assert_eq!(load.waiting_probability(0), 0.0);
        assert_eq!(load.service_level(3, 20.0), 1.0);
        assert_eq!(load.average_speed_of_answer(0), 0.0);
        assert_eq!(load.agents_required(0.8, 20.0, 0.85), Some(0));
    }

    #[test]
    fn occupancy_cap_adds_agents() {
        let load = Load::new(100.0, 1800.0, 180.0).unwrap();
        // 10 Erlangs at most 60% occupied needs ⌈10 / 0.6⌉ = 17 agents.
        assert_eq!(load.agents_required(0.8, 20.0, 0.6), Some(17));
    }

    /// 2000 Erlangs (36 000 calls an hour, AHT 200 s), where A^N/N! overflows any float.
    /// Expected values from the textbook sum in 60-digit arithmetic (mpmath, terms taken
    /// in log space): C, SL(20 s) and ASA.
    #[test]
    fn two_thousand_erlangs_match_high_precision_values() {
        let load = Load::new(36_000.0, 3600.0, 200.0).unwrap();
        assert_eq!(load.traffic, 2000.0);
        let expected = [
            (
                2010,
                0.748_703_898_215_232,
                0.724_567_228_321_7,
                14.974_077_964_304_6,
            ),
            (
                2050,
                0.183_354_738_702_138,
                0.998_764_565_488_594,
                0.733_418_954_808_554,
            ),
            (
                2100,
                0.015_596_037_475_177_7,
                0.999_999_291_940_994,
                0.031_192_074_950_355_3,
            ),
        ];
        for (agents, waiting, service_level, asa) in expected {
            let close = |got: f64, want: f64| (got - want).abs() <= 1e-10 * want.max(1.0);
            assert!(close(load.waiting_probability(agents), waiting), "{agents}");
            assert!(
                close(load.service_level(agents, 20.0), service_level),
                "{agents}"
            );
            assert!(close(load.average_speed_of_answer(agents), asa), "{agents}");
        }
        // The same mpmath search: 2013 agents give SL 0.8137, 2012 fall short.
        assert_eq!(load.agents_required(0.8, 20.0, 1.0), Some(2013));
    }

    #[test]
    fn bad_loads_and_agent_counts_are_refused() {
        assert!(Load::new(-1.0, 1800.0, 180.0).is_none());
        assert!(Load::new(1.0, 0.0, 180.0).is_none());
        assert!(Load::new(1.0, 1800.0, 0.0).is_none());
        assert!(Load::new(1e12, 1.0, 180.0).is_none());
        let load = Load::new(100.0, 1800.0, 180.0).unwrap();
        for (target_sl, target_s, max_occupancy) in [
            (1.0, 20.0, 1.0),
            (0.0, 20.0, 1.0),
            (0.8, -1.0, 1.0),
            (0.8, 20.0, 0.0),
            (0.8, 20.0, 1.5),
            (0.8, 20.0, 1e-9),
        ] {
            assert_eq!(
                load.agents_required(target_sl, target_s, max_occupancy),
                None
            );
        }
        assert_eq!(agent_count(12.0), Some(12));
        assert_eq!(agent_count(12.5), None);
        assert_eq!(agent_count(-1.0), None);
        assert_eq!(agent_count(f64::NAN), None);
    }
}
