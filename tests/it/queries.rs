//! Canned queries in `queries/` run on the fixtures and agree with independent results.

use std::path::Path;

use crate::support::{fixtures, over_canned, query};

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
#[test]
fn abandon_compliance_matches_an_independent_self_join() {
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
| cmp001      | 14   | 1        | 1          | 0.206703459 | 0.11583637  |
| cmp002      | 14   | 0        | 0          | 0.040206507 | 0.023846217 |
| cmp003      | 14   | 14       | 12         | 1.031825606 | 0.666131135 |
| cmp004      | 14   | 0        | 1          | 0.105013211 | 0.127268929 |
| cmp005      | 14   | 0        | 0          | 0.06878752  | 0.061368068 |
| cmp006      | 14   | 0        | 0          | 0.03953237  | 0.036592752 |
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
        1785 + 4,
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
