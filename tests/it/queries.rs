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
