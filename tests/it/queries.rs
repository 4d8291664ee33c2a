//! Canned queries in `queries/` run on the fixtures and agree with independent results.

use std::path::Path;

use crate::support::{every_canned_query_returns_its_columns, fixtures, over_canned, query};

/// Every file in `queries/` is embedded at build time, so a new query cannot be missed here.
#[test]
fn every_canned_query_runs_on_the_fixtures() {
    let shipped = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries"))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "sql")
        })
        .count();
    assert_eq!(callsql::canned::builtin().unwrap().len(), shipped);
    every_canned_query_returns_its_columns(fixtures().to_str().unwrap(), true);
}

/// Every canned query gives the same bytes at 1, 2, 3 and 7 partitions: callsql's own
/// aggregates sum exactly and the queries sum money and talk time as decimals, so how the
/// rows are split and in which order partial results merge changes no digit. (Rows are
/// compared sorted: the order of rows a query leaves tied is not part of its result.)
#[test]
fn every_canned_query_gives_the_same_bytes_at_any_parallelism() {
    let sorted = |table: String| {
        let mut lines: Vec<String> = table.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    for canned in callsql::canned::builtin().unwrap() {
        let reference = sorted(over_canned(&canned.name, &[], 1, "SELECT * FROM result"));
        for partitions in [2, 3, 7] {
            let other = sorted(over_canned(
                &canned.name,
                &[],
                partitions,
                "SELECT * FROM result",
            ));
            assert!(
                reference == other,
                "{} differs at {partitions} partitions:\n{}",
                canned.name,
                reference
                    .iter()
                    .zip(&other)
                    .filter(|(a, b)| a != b)
                    .take(3)
                    .map(|(a, b)| format!("{a}\n{b}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// The SQL of a canned query, without its trailing `;`, ready to nest as a subquery.
fn canned(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("queries/{name}.sql"));
    let sql = std::fs::read_to_string(&path).unwrap();
    sql.trim_end().trim_end_matches(';').to_string()
}

/// Rolling abandonment per campaign, compared with a self-join written for DuckDB 2.0 over
/// the same files (the window at each day's last call t is t − 30 days ..= t for TSR and
/// t − 24 hours ..= t for Ofcom):
///
/// ```sql
/// WITH c AS (SELECT * FROM read_parquet('calls/*/*.parquet', hive_partitioning = true)),
/// ends AS (SELECT campaign_id, dt, max(dialed_at) t FROM c GROUP BY 1, 2),
/// w AS (SELECT e.campaign_id, e.dt,
///   count(*) FILTER (WHERE x.disposition = 'abandoned')::double
///     / NULLIF(count(*) FILTER (WHERE x.disposition IN ('answered', 'abandoned')), 0) tsr,
///   count(*) FILTER (WHERE x.disposition = 'abandoned' AND x.dialed_at >= e.t - INTERVAL 24 HOUR)::double a,
///   count(*) FILTER (WHERE x.disposition = 'voicemail' AND x.dialed_at >= e.t - INTERVAL 24 HOUR)::double am,
///   count(*) FILTER (WHERE x.disposition = 'answered' AND x.dialed_at >= e.t - INTERVAL 24 HOUR)::double l
///   FROM ends e JOIN c x ON x.campaign_id = e.campaign_id
///     AND x.dialed_at <= e.t AND x.dialed_at >= e.t - INTERVAL 30 DAY
///   GROUP BY 1, 2),
/// o AS (SELECT *, a - CASE WHEN am + l = 0 THEN 0 ELSE a * am / (am + l) END d FROM w)
/// SELECT campaign_id, count(*), count(*) FILTER (WHERE tsr > 0.03),
///   count(*) FILTER (WHERE d / NULLIF(d + l, 0) > 0.03),
///   round(sum(tsr), 9), round(sum(d / NULLIF(d + l, 0)), 9)
/// FROM o GROUP BY 1 ORDER BY 1
/// ```
///
/// cmp003 is the campaign the generator plants over the limit (truth.json).
/// The expected values are DuckDB 2.0's, from bench/duckdb/abandon_compliance.sql (the
/// rates written out from the functions' documentation over the same calendar-day windows) on the fixtures.
#[test]
fn abandon_compliance_matches_duckdb_over_daily_counts() {
    let sql = format!(
        "WITH compliance AS ({}) \
         SELECT campaign_id, count(*) AS days, \
           count(*) FILTER (WHERE tsr_over_limit) AS tsr_days, \
           count(*) FILTER (WHERE ofcom_over_limit) AS ofcom_days, \
           round(sum(tsr_rate_30d), 9) AS tsr_sum, round(sum(ofcom_rate_24h), 9) AS ofcom_sum \
         FROM compliance GROUP BY campaign_id ORDER BY campaign_id",
        canned("abandon_compliance")
    );
    let expected = "\
+-------------+------+----------+------------+-------------+-------------+
| campaign_id | days | tsr_days | ofcom_days | tsr_sum     | ofcom_sum   |
+-------------+------+----------+------------+-------------+-------------+
| cmp001      | 14   | 1        | 1          | 0.206703459 | 0.116509771 |
| cmp002      | 14   | 0        | 0          | 0.040206507 | 0.023887047 |
| cmp003      | 14   | 14       | 12         | 1.031825606 | 0.650082982 |
| cmp004      | 14   | 0        | 1          | 0.105013211 | 0.127268929 |
| cmp005      | 14   | 0        | 0          | 0.06878752  | 0.061617408 |
| cmp006      | 14   | 0        | 0          | 0.03953237  | 0.036652793 |
+-------------+------+----------+------------+-------------+-------------+";
    assert_eq!(query(fixtures().to_str().unwrap(), &sql), expected);
}

/// The generator plants one clearly best script in every campaign but the near ties
/// (truth.json: cmp001-s4, cmp002-s1, cmp003-s1, cmp004-s2, cmp006-s1; cmp005 is a near
/// tie). script_ranking puts each of them first: 5 of 5.
#[test]
fn script_ranking_recovers_the_planted_best_scripts() {
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("truth.json")).unwrap())
            .unwrap();
    let planted: Vec<String> = truth["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["best_script"].as_str().map(|s| format!("| {s} |")))
        .collect();
    let leaders = over_canned(
        "script_ranking",
        &[],
        2,
        "SELECT script_id FROM result WHERE rank = 1 ORDER BY campaign_id",
    );
    let recovered = planted
        .iter()
        .filter(|s| leaders.contains(s.as_str()))
        .count();
    assert_eq!(planted.len(), 5);
    assert_eq!(
        recovered,
        planted.len(),
        "planted {planted:?}, ranked first:\n{leaders}"
    );
    // P(best) is a distribution over each campaign's scripts.
    let sums = over_canned(
        "script_ranking",
        &[("confidence", "0.9")],
        2,
        "SELECT count(*) AS off FROM (SELECT campaign_id, sum(p_best) AS total FROM result \
         GROUP BY campaign_id) WHERE abs(total - 1) > 1e-9",
    );
    assert!(sums.contains("| 0   |"), "{sums}");
}

/// With the defaults, no planted best script is ever retired, and each retired script is
/// flagged for one of the two stated reasons.
#[test]
fn script_elimination_never_retires_a_planted_best_script() {
    let flagged = over_canned(
        "script_elimination",
        &[],
        2,
        "SELECT script_id, reason FROM result WHERE eliminate ORDER BY script_id",
    );
    for best in [
        "cmp001-s4",
        "cmp002-s1",
        "cmp003-s1",
        "cmp004-s2",
        "cmp006-s1",
    ] {
        assert!(!flagged.contains(best), "{best} flagged:\n{flagged}");
    }
    assert!(
        flagged.contains("| cmp002-s2 | upper bound below the leader's lower bound |"),
        "{flagged}"
    );
    let small = over_canned(
        "script_elimination",
        &[("min_trials", "100000")],
        2,
        "SELECT count(*) AS n FROM result WHERE eliminate AND reason = 'P(best) below max_p_best'",
    );
    assert!(small.contains("| 0 |"), "{small}");
}

/// RFM: customers with equal frequency (or recency, or spend) get equal scores, and the
/// whole result is identical at 1 and 4 partitions.
#[test]
fn rfm_scores_keep_ties_together_and_do_not_depend_on_parallelism() {
    let split_ties = over_canned(
        "rfm_customers",
        &[("as_of", "2025-06-15")],
        4,
        "SELECT (SELECT count(*) FROM (SELECT frequency FROM result GROUP BY frequency HAVING count(DISTINCT f) > 1)) \
           + (SELECT count(*) FROM (SELECT recency_days FROM result GROUP BY recency_days HAVING count(DISTINCT r) > 1)) \
           + (SELECT count(*) FROM (SELECT monetary FROM result GROUP BY monetary HAVING count(DISTINCT m) > 1)) AS split",
    );
    assert!(split_ties.contains("| 0     |"), "{split_ties}");
    let all = "SELECT * FROM result ORDER BY customer_id";
    let one = over_canned("rfm_customers", &[], 1, all);
    let four = over_canned("rfm_customers", &[], 4, all);
    assert_eq!(one, four);
    assert_eq!(
        one.lines().count(),
        3145 + 4,
        "one row per customer with orders"
    );
}

/// The one value of a one-row, one-column result table.
fn cell(table: &str) -> String {
    let line = table
        .lines()
        .nth(3)
        .unwrap_or_else(|| panic!("one row expected:\n{table}"));
    line.trim_matches(|c| c == '|' || c == ' ').to_string()
}

fn truth() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("truth.json")).unwrap()).unwrap()
}

/// Sorted, comma-separated strings of a JSON array, picking `key` from each object.
fn truth_list(values: &serde_json::Value, key: Option<&str>) -> String {
    let mut items: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| key.map_or(v, |k| &v[k]).as_str().unwrap().to_string())
        .collect();
    items.sort();
    items.join(",")
}

/// The subjects compliance_audit reports under `rule`, sorted and comma-separated.
fn audit_subjects(rule: &str, params: &[(&str, &str)]) -> String {
    cell(&over_canned(
        "compliance_audit",
        params,
        2,
        &format!(
            "SELECT coalesce(string_agg(DISTINCT subject, ',' ORDER BY subject), '') FROM result WHERE rule = '{rule}'"
        ),
    ))
}

/// compliance_audit finds what the generator planted (truth.json): every sensitive
/// transcript and no other, every banned caller number, the calls outside 08–21 Shanghai,
/// the calls to regulator-listed numbers, the re-dials after a callee's own request, the
/// campaign over the TSR limit, and exactly the numbers the switch refused.
#[test]
fn compliance_audit_finds_the_planted_violations() {
    let truth = truth();
    assert_eq!(
        audit_subjects("sensitive_transcript", &[]),
        truth_list(&truth["sensitive_transcripts"]["calls"], Some("call_id"))
    );
    assert_eq!(
        audit_subjects("caller_number_blocked", &[]),
        truth_list(&truth["banned_numbers"], Some("caller_number"))
    );
    assert_eq!(
        audit_subjects("abandon_rate_over_limit", &[]),
        truth_list(&truth["campaigns_over_tsr_abandon_limit"], None)
    );
    let counts = over_canned(
        "compliance_audit",
        &[],
        2,
        "SELECT concat(count(*) FILTER (WHERE rule = 'outside_calling_window'), ',', \
         count(*) FILTER (WHERE rule = 'dnc_listed_number')) FROM result",
    );
    assert_eq!(
        cell(&counts),
        format!(
            "{},{}",
            truth["calling_window"]["calls_outside"],
            truth["dnc"]["calls_to_regulator_listed_numbers"]
        )
    );
    // The generator lists the same campaign's re-dials after a request; the audit also
    // finds other campaigns calling the number, since the dnc list binds them all.
    let after_request = audit_subjects("after_dnc_request", &[]);
    for call in truth["dnc"]["calls_after_request"].as_array().unwrap() {
        let call = call.as_str().unwrap();
        assert!(
            after_request.split(',').any(|c| c == call),
            "{call} not reported"
        );
    }
    // Numbers no numbering plan allows are those the switch refused as invalid_number.
    let refused = query(
        fixtures().to_str().unwrap(),
        "SELECT string_agg(DISTINCT callee_number, ',' ORDER BY callee_number) FROM calls \
         WHERE disposition = 'invalid_number'",
    );
    assert_eq!(
        audit_subjects("invalid_number_dialled", &[]),
        cell(&refused)
    );
}

/// Parameters change the audit: a window 00:00–24:00 allows every call, Ofcom looks at
/// days rather than the whole period, and `since`/`until` bound what is audited.
#[test]
fn compliance_audit_parameters_change_what_is_flagged() {
    assert_eq!(
        audit_subjects(
            "outside_calling_window",
            &[("start_hour", "0"), ("end_hour", "24")]
        ),
        ""
    );
    let ofcom_days = over_canned(
        "compliance_audit",
        &[("regime", "ofcom")],
        2,
        "SELECT count(*) FROM result WHERE rule = 'abandon_rate_over_limit' AND subject = 'cmp003'",
    );
    assert!(
        cell(&ofcom_days).parse::<u32>().unwrap() > 1,
        "{ofcom_days}"
    );
    let outside_first_day = over_canned(
        "compliance_audit",
        &[("since", "2025-06-01"), ("until", "2025-06-01")],
        2,
        "SELECT count(*) FROM result WHERE occurred_at >= TIMESTAMP '2025-06-01T16:00:00Z' \
         AND rule <> 'abandon_rate_over_limit'",
    );
    assert_eq!(cell(&outside_first_day), "0");
}

/// number_health marks exactly the planted banned numbers as blocked, first blocked no
/// earlier than the planted ban, and before the bans (until 2025-06-05) it already marks
/// all three at risk.
#[test]
fn number_health_marks_the_banned_numbers() {
    let truth = truth();
    let banned = truth_list(&truth["banned_numbers"], Some("caller_number"));
    let blocked = over_canned(
        "number_health",
        &[],
        2,
        "SELECT string_agg(caller_number, ',' ORDER BY caller_number) FROM result WHERE status = 'blocked'",
    );
    assert_eq!(cell(&blocked), banned);
    for number in truth["banned_numbers"].as_array().unwrap() {
        let first = over_canned(
            "number_health",
            &[],
            2,
            &format!(
                "SELECT first_blocked_at >= TIMESTAMP '{}' FROM result WHERE caller_number = '{}'",
                number["banned_at"].as_str().unwrap(),
                number["caller_number"].as_str().unwrap()
            ),
        );
        assert_eq!(cell(&first), "true", "{number}");
    }
    let before = over_canned(
        "number_health",
        &[("until", "2025-06-05")],
        2,
        "SELECT string_agg(caller_number, ',' ORDER BY caller_number) FROM result WHERE status = 'at risk'",
    );
    for number in banned.split(',') {
        assert!(
            cell(&before).contains(number),
            "{number} not at risk before its ban: {before}"
        );
    }
}

/// staffing_plan gives one row per local hour, and each hour's agents meet the service
/// level and the occupancy cap while one agent fewer would not (checked with the
/// functions the plan is built from, against the same inputs).
#[test]
fn staffing_plan_meets_its_targets_with_the_fewest_agents() {
    let check = over_canned(
        "staffing_plan",
        &[
            ("target_sl", "0.9"),
            ("target_s", "15"),
            ("max_occupancy", "0.5"),
        ],
        2,
        "SELECT concat(count(*), ',', count(DISTINCT hour), ',', \
           count(*) FILTER (WHERE service_level >= 0.9 AND occupancy <= 0.5), ',', \
           count(*) FILTER (WHERE agents = 1 OR service_level(calls_per_day, 3600, aht_s, agents - 1, 15) < 0.9 \
                            OR erlangs / (agents - 1) > 0.5), ',', \
           count(*) FILTER (WHERE hour BETWEEN 0 AND 23)) FROM result",
    );
    let counts = cell(&check);
    let values: Vec<&str> = counts.split(',').collect();
    assert!(
        values.iter().all(|v| *v == values[0]) && values[0] != "0",
        "{check}"
    );
}

/// kpi_overview equals every KPI's documented definition written out in DuckDB 2.0 SQL over
/// the same files (FILTER counts, `count(DISTINCT …)` for ban_rate, a nested GROUP BY for
/// repeat_rate, Ofcom's D = A − A·AM/(AM + L)), rounded to 9 places:
///
/// ```sql
/// count(*) FILTER (WHERE disposition IN ('answered','abandoned'))::double
///   / count(disposition) AS connect_rate,
/// avg(coalesce(talk_s,0) + coalesce(hold_s,0) + coalesce(acw_s,0)) FILTER (WHERE talk_s > 0) AS aht_s,
/// count(DISTINCT caller_number) FILTER (WHERE disposition = 'blocked')::double
///   / count(DISTINCT caller_number) AS ban_rate, …
/// ```
#[test]
fn kpi_overview_matches_the_definitions_computed_by_duckdb() {
    let rows = over_canned(
        "kpi_overview",
        &[],
        2,
        "SELECT concat_ws(' | ', campaign_id, attempts, round(connect_rate, 9), round(avg_talk_s, 9), \
           round(aht_s, 9), round(intent_accuracy, 9), round(effective_rate, 9), round(transfer_rate, 9), \
           round(reject_rate, 9), round(early_hangup_rate, 9), round(ban_rate, 9), round(conversion_rate, 9), \
           round(callback_conversion_rate, 9), round(abandon_rate_tsr, 9), round(abandon_rate_ofcom, 9), \
           round(csat, 9), round(nps, 9), round(repeat_rate, 9)) AS kpis \
         FROM result ORDER BY campaign_id",
    );
    let duckdb = [
        "cmp001 | 4098 | 0.171059053 | 70.933477633 | 82.651515152 | 0.90625 | 0.626262626 | 0.157287157 | 0.123474866 | 0.122655123 | 0.090909091 | 0.054208274 | 0.136363636 | 0.011412268 | 0.0070609 | 0.166666667 | -67.676767677 | 0.746656761",
        "cmp002 | 4445 | 0.359055118 | 90.928077889 | 107.607223618 | 0.880794702 | 0.699748744 | 0.210427136 | 0.099662542 | 0.096733668 | 0.0 | 0.152255639 | 0.204545455 | 0.002506266 | 0.00198906 | 0.254385965 | -61.316872428 | 0.569294178",
        "cmp003 | 5847 | 0.246109116 | 83.784787472 | 98.00186428 | 0.862318841 | 0.673378076 | 0.181953766 | 0.115101762 | 0.11409396 | 0.0 | 0.124391939 | 0.179104478 | 0.068102849 | 0.047758285 | 0.261538462 | -62.31884058 | 0.678925035",
        "cmp004 | 4160 | 0.193269231 | 76.397732997 | 88.077959698 | 0.914285714 | 0.653652393 | 0.151133501 | 0.113701923 | 0.103274559 | 0.166666667 | 0.085820896 | 0.096774194 | 0.012437811 | 0.00838223 | 0.161676647 | -74.226804124 | 0.717451524",
        "cmp005 | 4653 | 0.247152375 | 87.401663748 | 102.580472855 | 0.820512821 | 0.698774081 | 0.198774081 | 0.105523318 | 0.092819615 | 0.1 | 0.18 | 0.245283019 | 0.006956522 | 0.004941322 | 0.244131455 | -64.285714286 | 0.659988552",
        "cmp006 | 6797 | 0.217154627 | 78.574608577 | 90.938938053 | 0.904109589 | 0.654867257 | 0.163376447 | 0.119905841 | 0.101429544 | 0.0 | 0.086720867 | 0.137254902 | 0.004742547 | 0.003163127 | 0.20212766 | -78.199052133 | 0.68974042",
    ];
    let ours: Vec<String> = rows
        .lines()
        .skip(3)
        .filter(|line| !line.starts_with('+'))
        .map(|line| line.trim_matches(|c| c == '|' || c == ' ').to_string())
        .collect();
    assert_eq!(ours, duckdb, "{rows}");
}

/// The comma-separated checks of `sql` over canned query `name` on the fixtures, next to
/// the same numbers computed from the calls table directly.
fn checks(name: &str, params: &[(&str, &str)], over_result: &str, over_calls: &str) {
    let ours = cell(&over_canned(name, params, 2, over_result));
    let expected = cell(&query(fixtures().to_str().unwrap(), over_calls));
    assert_eq!(ours, expected, "{name} {params:?}");
}

/// kpi_daily has one row per day; its attempts and successes add up to the table's; a
/// campaign filter keeps that campaign's calls only.
#[test]
fn kpi_daily_has_one_row_per_day_and_adds_up() {
    let over_result = "SELECT concat_ws(',', count(*), count(DISTINCT day), sum(attempts), sum(successes), \
         count(*) FILTER (WHERE connect_rate BETWEEN 0 AND 1 AND abandon_rate BETWEEN 0 AND 1)) FROM result";
    checks(
        "kpi_daily",
        &[],
        over_result,
        "SELECT concat_ws(',', count(DISTINCT dt), count(DISTINCT dt), count(*), \
           count(*) FILTER (WHERE outcome = 'success'), count(DISTINCT dt)) FROM calls",
    );
    checks(
        "kpi_daily",
        &[("campaign", "cmp003"), ("since", "2025-06-05")],
        over_result,
        "SELECT concat_ws(',', count(DISTINCT dt), count(DISTINCT dt), count(*), \
           count(*) FILTER (WHERE outcome = 'success'), count(DISTINCT dt)) FROM calls \
         WHERE campaign_id = 'cmp003' AND dt >= DATE '2025-06-05'",
    );
}

/// hourly_connect: one row per local hour dialled, counts that add up, every rate inside
/// its Wilson interval, and rank 1 on the hour with the highest lower bound.
#[test]
fn hourly_connect_ranks_hours_by_their_wilson_lower_bound() {
    checks(
        "hourly_connect",
        &[("tz", "+08:00")],
        "SELECT concat_ws(',', count(*), sum(attempts), sum(live), \
           count(*) FILTER (WHERE connect_lower <= connect_rate AND connect_rate <= connect_upper \
                            AND success_lower <= success_rate AND success_rate <= success_upper), \
           max(hour) FILTER (WHERE best_rank = 1) = \
             first_value(hour ORDER BY connect_lower DESC)) FROM result",
        "SELECT concat_ws(',', count(DISTINCT extract(hour FROM dialed_at + INTERVAL '8 hours')), count(*), \
           count(*) FILTER (WHERE disposition IN ('answered', 'abandoned')), \
           count(DISTINCT extract(hour FROM dialed_at + INTERVAL '8 hours')), true) FROM calls",
    );
}

/// agent_performance: one row per agent with their team, calls that add up to the
/// agent-handled calls, and min_calls leaving out the agents below it.
#[test]
fn agent_performance_covers_every_agent_once() {
    let over_result = "SELECT concat_ws(',', count(*), count(DISTINCT agent_id), sum(calls), \
         count(team), count(*) FILTER (WHERE transfer_share BETWEEN 0 AND 1)) FROM result";
    checks(
        "agent_performance",
        &[],
        over_result,
        "SELECT concat_ws(',', count(DISTINCT agent_id), count(DISTINCT agent_id), count(agent_id), \
           count(DISTINCT agent_id), count(DISTINCT agent_id)) FROM calls",
    );
    checks(
        "agent_performance",
        &[("min_calls", "45")],
        over_result,
        "SELECT concat_ws(',', count(*), count(*), sum(n), count(*), count(*)) FROM \
         (SELECT agent_id, count(*) AS n FROM calls WHERE agent_id IS NOT NULL GROUP BY 1 HAVING count(*) >= 45)",
    );
}

/// funnel_by_attempt: attempts beyond max_attempt fold into its row, the stages narrow,
/// and the cumulative success share ends at 1.
#[test]
fn funnel_by_attempt_folds_late_attempts_and_narrows() {
    checks(
        "funnel_by_attempt",
        &[("max_attempt", "3")],
        "SELECT concat_ws(',', count(*), max(attempts) FILTER (WHERE attempt_no = 3), sum(successes), \
           count(*) FILTER (WHERE attempts >= live AND live >= effective), \
           max(cumulative_success_share)) FROM result",
        "SELECT concat_ws(',', 3, count(*) FILTER (WHERE attempt_no >= 3), \
           count(*) FILTER (WHERE outcome = 'success' AND disposition IN ('answered', 'abandoned')), 3, 1.0) \
         FROM calls",
    );
}

/// intent_confusion: the cells add up to the labelled calls, each label's shares to 1, and
/// the accuracy column is intent_accuracy over the same calls.
#[test]
fn intent_confusion_adds_up_to_the_labelled_calls() {
    checks(
        "intent_confusion",
        &[],
        "SELECT concat_ws(',', sum(calls), count(DISTINCT labeled_intent), \
           round(sum(share_of_label), 9) = count(DISTINCT labeled_intent), round(max(accuracy), 12), \
           round(min(accuracy), 12), sum(calls) FILTER (WHERE labeled_intent = predicted_intent)) FROM result",
        "SELECT concat_ws(',', count(labeled_intent), count(DISTINCT labeled_intent), true, \
           round(intent_accuracy(predicted_intent, labeled_intent), 12), \
           round(intent_accuracy(predicted_intent, labeled_intent), 12), \
           count(*) FILTER (WHERE predicted_intent = labeled_intent)) FROM calls",
    );
}
