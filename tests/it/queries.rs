//! Canned queries in `queries/` run on the fixtures and agree with independent results.

use std::path::Path;

use crate::support::{fixtures, query};

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
