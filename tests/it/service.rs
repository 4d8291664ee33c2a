//! The service-desk functions on a million generated sessions: each equals its documented
//! definition computed independently by DuckDB, and the probabilities the generator
//! planted come back out within their sampling error.

use std::fs;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{generate_with, query};

const SESSIONS: u64 = 1_000_000;

/// One million sessions over 14 days (and a token 1,000 calls), generated once.
fn planted() -> &'static (tempfile::TempDir, Value) {
    static DATA: OnceLock<(tempfile::TempDir, Value)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate_with(
            &dir.path().display().to_string(),
            1_000,
            3,
            14,
            6,
            Some(SESSIONS),
        );
        let truth =
            serde_json::from_slice(&fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
        (dir, truth)
    })
}

fn data() -> String {
    planted().0.path().display().to_string()
}

/// Rows of a query as cells, header and frame lines dropped.
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|line| line.starts_with('|'))
        .skip(1)
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_string())
                .collect()
        })
        .collect()
}

/// Per channel: sessions; frt and ttr means; frt p50, p90 and ttr p50, p90; answered
/// within 20 s; automation, intervention, resolution, FCR; the three ladder steps.
///
/// DuckDB 2.0 over the same files (`sessions/*/*.parquet`, hive partitioning), with
/// frt_s = (epoch_ms(first_response_at) − epoch_ms(started_at)) / 1000 and ttr_s likewise:
///   avg(frt_s) FILTER (WHERE frt_s >= 0), quantile_disc(frt_s, 0.5) FILTER (WHERE frt_s >= 0),
///   count(*) FILTER (WHERE frt_s BETWEEN 0 AND 20) / count(*) FILTER (WHERE started_at IS
///   NOT NULL AND NOT coalesce(frt_s < 0, false)),
///   count(*) FILTER (WHERE bot_only AND resolved) / count(*) FILTER (WHERE bot_only IS NOT
///   NULL AND resolved IS NOT NULL), count(*) FILTER (WHERE transferred) / count(transferred),
///   count(*) FILTER (WHERE resolved AND NOT reopened) / …, count(*) FILTER (WHERE stage IN
///   ('consult', 'lead', 'order')) / count(*) FILTER (WHERE stage IN ('visit', …)), …
/// means rounded to 9 decimals, rates to 12, GROUP BY channel ORDER BY channel.
const DUCKDB: [(&str, [f64; 15]); 5] = [
    (
        "app",
        [
            150779.0,
            1.130072427,
            503.126760056,
            0.999,
            1.881,
            254.826,
            1113.136,
            0.958926640978,
            0.553220276033,
            0.192944640832,
            0.719045755709,
            0.655615171874,
            0.499704866062,
            0.422655783396,
            0.321557544355,
        ],
    ),
    (
        "chat",
        [
            299838.0,
            1.361090798,
            636.262076109,
            1.202,
            2.275,
            327.906,
            1442.225,
            0.969593580533,
            0.509521808443,
            0.241367004849,
            0.714715946611,
            0.643630894016,
            0.450356525857,
            0.400343617163,
            0.251294857566,
        ],
    ),
    (
        "email",
        [
            50195.0,
            20018.457023408,
            138417.674129023,
            14540.16,
            40567.819,
            92902.79,
            284092.793,
            0.0,
            0.0,
            0.0,
            0.722322940532,
            0.6198027692,
            0.294750473155,
            0.293274754985,
            0.199354690021,
        ],
    ),
    (
        "phone",
        [
            299465.0,
            3.245587419,
            384.507208781,
            3.0,
            5.002,
            238.551,
            839.195,
            0.930212211778,
            0.374711568965,
            0.32533017214,
            0.660992102583,
            0.607566827509,
            0.551042692802,
            0.348374116763,
            0.295818257723,
        ],
    ),
    (
        "wechat",
        [
            199723.0,
            1.70219463,
            1001.203698342,
            1.501,
            2.846,
            452.101,
            2319.83,
            0.951042193438,
            0.439994392233,
            0.284238670559,
            0.677913910766,
            0.603651056714,
            0.60229918437,
            0.378899852859,
            0.279997367209,
        ],
    ),
];

/// Values 3–6 of each `DUCKDB` row are quantiles (within 1 %); the rest must agree exactly.
const QUANTILES: std::ops::Range<usize> = 3..7;

#[test]
fn every_service_function_equals_its_definition_in_duckdb() {
    let rows = cells(&query(
        &data(),
        "SELECT channel, count(*), round(frt(started_at, first_response_at), 9),
                round(ttr(started_at, resolved_at), 9),
                frt_quantile(started_at, first_response_at, 0.5),
                frt_quantile(started_at, first_response_at, 0.9),
                ttr_quantile(started_at, resolved_at, 0.5),
                ttr_quantile(started_at, resolved_at, 0.9),
                round(answered_within_rate(started_at, first_response_at, 20), 12),
                round(automation_rate(bot_only, resolved), 12),
                round(intervention_rate(transferred), 12),
                round(resolution_rate(resolved), 12),
                round(fcr_rate(resolved, reopened), 12),
                round(stage_rate(stage, 'visit', 'consult'), 12),
                round(stage_rate(stage, 'consult', 'lead'), 12),
                round(stage_rate(stage, 'lead', 'order'), 12)
         FROM sessions GROUP BY channel ORDER BY channel",
    ));
    assert_eq!(rows.len(), DUCKDB.len(), "{rows:?}");
    for (row, (channel, expected)) in rows.iter().zip(DUCKDB) {
        assert_eq!(row[0], channel);
        for (column, want) in expected.iter().enumerate() {
            let got: f64 = row[column + 1].parse().unwrap();
            let tolerance = if QUANTILES.contains(&column) {
                0.01 * want
            } else {
                1e-12 * want.abs().max(1.0)
            };
            assert!(
                (got - want).abs() <= tolerance,
                "{channel}, column {}: {got} vs DuckDB {want}",
                column + 1
            );
        }
    }
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap()
}

/// Each planted probability is recovered within four standard errors of its sample, and
/// the rates equal the counts the generator drew exactly.
#[test]
fn planted_automation_transfer_and_ladder_probabilities_are_recovered() {
    let truth = &planted().1["service_desk"]["channels"];
    let rows = cells(&query(
        &data(),
        "SELECT channel, count(*), automation_rate(bot_only, resolved),
                intervention_rate(transferred), resolution_rate(resolved),
                fcr_rate(resolved, reopened), stage_rate(stage, 'visit', 'consult'),
                stage_rate(stage, 'consult', 'lead'), stage_rate(stage, 'lead', 'order'),
                count(*) FILTER (WHERE stage IN ('consult', 'lead', 'order')),
                count(*) FILTER (WHERE stage IN ('lead', 'order'))
         FROM sessions GROUP BY channel ORDER BY channel",
    ));
    let channels = truth.as_array().unwrap();
    assert_eq!(rows.len(), channels.len());
    for row in rows {
        let channel = channels
            .iter()
            .find(|c| c["model"]["channel"] == row[0].as_str())
            .unwrap();
        let value = |i: usize| row[i].parse::<f64>().unwrap();
        let drawn = &channel["drawn"];
        let sessions = value(1);
        assert_eq!(sessions, number(&drawn["sessions"]));
        let check = |what: &str, measured: f64, planted: f64, trials: f64| {
            let error = (planted * (1.0 - planted) / trials).sqrt();
            assert!(
                (measured - planted).abs() <= 4.0 * error + 1e-12,
                "{}: {what} {measured} vs planted {planted} (± {error})",
                row[0]
            );
        };
        check(
            "automation",
            value(2),
            number(&channel["automation_probability"]),
            sessions,
        );
        check(
            "intervention",
            value(3),
            number(&channel["intervention_probability"]),
            sessions,
        );
        check(
            "resolution",
            value(4),
            number(&channel["resolution_probability"]),
            sessions,
        );
        check(
            "fcr",
            value(5),
            number(&channel["fcr_probability"]),
            sessions,
        );
        let ladder = channel["model"]["ladder"].as_array().unwrap();
        check("visit → consult", value(6), number(&ladder[0]), sessions);
        check("consult → lead", value(7), number(&ladder[1]), value(9));
        check("lead → order", value(8), number(&ladder[2]), value(10));

        let exact = |what: &str, measured: f64, count: &str| {
            let expected = number(&drawn[count]) / sessions;
            assert!((measured - expected).abs() < 1e-12, "{}: {what}", row[0]);
        };
        exact("automation", value(2), "bot_only_resolved");
        exact("intervention", value(3), "transferred");
        exact("resolution", value(4), "resolved");
        exact("fcr", value(5), "resolved_not_reopened");
    }
}
