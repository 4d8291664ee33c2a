//! `callsql import` end to end: each format's hand-written fixture (testdata/import/,
//! made by `make_fixtures.py` from the documented layouts) into canonical calls, with the
//! expected rows worked out by hand below; rejects, idempotence, appends, kills, errors.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{
    assert_one_line_error, callsql, copy_dir, every_canned_query_returns_its_columns, stderr,
    stdout,
};

pub(crate) fn fixture(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import")
        .join(relative)
        .display()
        .to_string()
}

pub(crate) fn mapping(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("mappings")
        .join(name)
        .display()
        .to_string()
}

pub(crate) fn import(args: &[&str]) -> Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    callsql(&all, &[])
}

/// Runs `sql` on the data at `out` and returns its CSV output without the header.
pub(crate) fn rows(out: &str, sql: &str) -> String {
    let output = callsql(&["--data", out, "--format", "csv", "-c", sql], &[]);
    assert!(output.status.success(), "{sql}: {}", stderr(&output));
    let text = stdout(&output);
    text.split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}

fn dispositions(out: &str) -> String {
    rows(
        out,
        "SELECT disposition, count(*) AS n FROM calls GROUP BY disposition ORDER BY disposition",
    )
}

pub(crate) fn summary(output: &Output) -> String {
    stderr(output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn rejects(out: &Path) -> Vec<String> {
    let dir = out.join("_rejects");
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            let record = record.unwrap();
            lines.push(format!("{}: {}", &record[1], &record[2]));
        }
    }
    lines.sort_by_key(|l| {
        l.split(':')
            .next()
            .unwrap_or_default()
            .parse::<u64>()
            .unwrap_or(0)
    });
    lines
}

#[test]
fn asterisk_master_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        &fixture("asterisk/Master.csv"),
    ]);
    // 30 cycled calls + 2 around midnight, then 5 broken records.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(
        summary(&output),
        format!(
            "read 37 records from 1 files: wrote 32 calls (folded 0 legs), rejected 5 ({out}/_rejects/; most often: has 16 fields; this file's records have 18 (cdr.conf decides the columns) (1 of 5)); local times read as Asia/Shanghai"
        )
    );
    // The cycle of 10 dispositions three times: ANSWERED ×9 (one with userfield MACHINE:
    // voicemail), NO ANSWER ×6 and CANCEL ×3 (no_answer, with the 2 midnight calls: 11),
    // BUSY ×3, FAILED, CONGESTION and UNKNOWN ×3 each (failed: 9).
    assert_eq!(
        dispositions(&out),
        "answered,8\nbusy,3\nfailed,9\nno_answer,11\nvoicemail,1\n"
    );
    // Call 0: 09:00:00 in Shanghai is 01:00:00Z; answered 8 s later, billsec 20.
    assert_eq!(
        rows(
            &out,
            "SELECT campaign_id, caller_number, callee_number, customer_id, attempt_no, dialed_at, answered_at, ended_at, ring_s, talk_s, source_status FROM calls WHERE call_id = '1748739600.0'"
        ),
        "camp-a,200,13900000000,13900000000,1,2025-06-01T01:00:00Z,2025-06-01T01:00:08Z,2025-06-01T01:00:28Z,8.0,20.0,ANSWERED\n"
    );
    // Call 1 was originated: dst is `s`, src empty, the number only in lastdata.
    assert_eq!(
        rows(
            &out,
            "SELECT caller_number IS NULL, callee_number, answered_at IS NULL, ring_s, talk_s, disposition FROM calls WHERE call_id = '1748739600.1'"
        ),
        "true,13900000001,true,25.0,0.0,no_answer\n"
    );
    // Call 7: NO ANSWER although it has an answer time and billsec 60 (Party A answered,
    // the dial to B failed): the disposition decides, so no talk time.
    assert_eq!(
        rows(
            &out,
            "SELECT disposition, answered_at IS NULL, talk_s FROM calls WHERE call_id = '1748739600.7'"
        ),
        "no_answer,true,0.0\n"
    );
    // Call 4's userfield is MACHINE; calls 15-29 have no accountcode.
    assert_eq!(
        rows(
            &out,
            "SELECT disposition, source_cause FROM calls WHERE call_id = '1748739600.4'"
        ),
        "voicemail,MACHINE\n"
    );
    assert_eq!(
        rows(
            &out,
            "SELECT count(*) FROM calls WHERE campaign_id = 'import'"
        ),
        "17\n"
    );
    // Local midnight splits the days: 23:59:50 stays on June 1, 00:00:10 is June 2.
    assert_eq!(
        rows(
            &out,
            "SELECT call_id, dt FROM calls WHERE call_id LIKE '1748739700.%' ORDER BY call_id"
        ),
        "1748739700.0,2025-06-01\n1748739700.1,2025-06-02\n"
    );
    // A CDR says nothing of outcome, transfer, complaint, do-not-call request or callback:
    // they stay unknown (NULL), so the rates over them are NULL rather than 0.
    assert_eq!(
        rows(
            &out,
            "SELECT count(outcome), count(transferred), count(complaint), count(dnc_requested), count(is_callback), \
             conversion_rate(disposition, outcome) IS NULL, connect_rate(disposition) FROM calls"
        ),
        "0,0,0,0,0,true,0.25\n"
    );
    assert_eq!(
        rejects(dir.path()),
        [
            // 17 pieces of a naive split: the comma inside lastdata made one field two.
            "33: has 16 fields; this file's records have 18 (cdr.conf decides the columns)",
            "34: start is not a time (YYYY-MM-DD HH:MM:SS): \"2025-13-01 09:07:00\"",
            "35: unknown disposition \"ANSWER\"",
            "36: no start time",
            // Cut after 60 characters, inside the eighth field.
            "37: has 8 fields; this file's records have 18 (cdr.conf decides the columns)",
        ]
    );
}

#[test]
fn asterisk_cdrs_of_one_call_fold_by_linkedid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        &fixture("asterisk/Master-linkedid.csv"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        summary(&output),
        "read 6 records from 1 files: wrote 3 calls (folded 3 legs), rejected 0; local times read as UTC"
    );
    // L1: its first CDR answered (billsec 60); the transfer leg only extends the end.
    // L2: two forks failed, the third answered at 10:05:11 (ring 11 s from the first fork).
    assert_eq!(
        rows(
            &out,
            "SELECT call_id, disposition, dialed_at, answered_at, ended_at, ring_s, talk_s FROM calls ORDER BY call_id"
        ),
        "L1,answered,2025-06-01T10:00:00Z,2025-06-01T10:00:05Z,2025-06-01T10:03:06Z,5.0,60.0\n\
         L2,answered,2025-06-01T10:05:00Z,2025-06-01T10:05:11Z,2025-06-01T10:06:11Z,11.0,60.0\n\
         L3,no_answer,2025-06-01T10:10:00Z,,2025-06-01T10:10:30Z,30.0,0.0\n"
    );
}

#[test]
fn freeswitch_templates_legs_and_causes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "freeswitch",
        "--out",
        &out,
        "--tz",
        "Europe/Berlin",
        &fixture("freeswitch"),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    // Master.csv: 16 unanswered + 3 answered calls of two legs each + 3 rejects; the
    // default template: 3 calls.
    assert!(
        summary(&output).starts_with(
            "read 28 records from 2 files: wrote 22 calls (folded 3 legs), rejected 3 ("
        ),
        "{}",
        summary(&output)
    );
    // Causes by class: NO_ANSWER, ORIGINATOR_CANCEL, NO_USER_RESPONSE, NORMAL_CLEARING
    // unanswered (4); USER_BUSY (1, +1 default); CALL_REJECTED, DECLINE (2);
    // UNALLOCATED_NUMBER, INVALID_NUMBER_FORMAT, NO_ROUTE_DESTINATION (3, +1 default);
    // OUTGOING_CALL_BARRED, UNWANTED (2); four failures; answered 3 + 1 default.
    assert_eq!(
        dispositions(&out),
        "answered,4\nblocked,2\nbusy,2\nfailed,4\ninvalid_number,4\nno_answer,4\nrejected,2\n"
    );
    // ans-a-2 and its B leg: one call, from the A leg, 15:10 CEST = 13:10Z; a caller name
    // with unescaped quotes did not break the line.
    assert_eq!(
        rows(
            &out,
            "SELECT call_id, callee_number, dialed_at, answered_at, ended_at, talk_s, source_cause FROM calls WHERE callee_number = '13611110002'"
        ),
        "ans-a-2,13611110002,2025-06-01T13:10:00Z,2025-06-01T13:10:06Z,2025-06-01T13:11:36Z,90.0,NORMAL_CLEARING\n"
    );
    // MEDIA_TIMEOUT after an answer is still answered.
    assert_eq!(
        rows(
            &out,
            "SELECT disposition FROM calls WHERE call_id = 'ans-a-1'"
        ),
        "answered\n"
    );
    // The default template's space before its last field is not part of the value.
    assert_eq!(
        rows(
            &out,
            "SELECT DISTINCT campaign_id FROM calls WHERE call_id LIKE 'd-%'"
        ),
        "camp-d\n"
    );
    let rejected = rejects(dir.path());
    assert_eq!(rejected.len(), 3);
    assert!(
        rejected[0].contains("unknown hangup_cause \"NOT_A_CAUSE\""),
        "{rejected:?}"
    );
    assert!(rejected[1].contains("has 14 fields"), "{rejected:?}");
    assert!(
        rejected[2].contains("start_stamp is not a time"),
        "{rejected:?}"
    );
}

/// (status, expected disposition), in the fixture's order, from the default
/// vicidial_statuses rows and the dialer's codes (docs/import-formats.md §3).
const VICIDIAL_EXPECTED: &[(&str, &str)] = &[
    ("SALE", "answered"),
    ("NI", "answered"),
    ("CALLBK", "answered"),
    ("DNC", "answered"),
    ("XFER", "answered"),
    ("DROP", "abandoned"),
    ("PDROP", "abandoned"),
    ("NA", "no_answer"),
    ("N", "no_answer"),
    ("A", "voicemail"),
    ("AA", "voicemail"),
    ("AL", "voicemail"),
    ("B", "busy"),
    ("AB", "busy"),
    ("CPDB", "busy"),
    ("CPDREJ", "rejected"),
    ("DC", "invalid_number"),
    ("ADC", "invalid_number"),
    ("CPDINV", "invalid_number"),
    ("DNCL", "blocked"),
    ("DNCC", "blocked"),
    ("AFAX", "failed"),
    ("ADCT", "failed"),
    ("HUC34", "failed"),
    ("HOTLD", "answered"),
];

#[test]
fn vicidial_export_statuses_and_custom_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let export = fixture("vicidial/EXPORT_CALL_REPORT_20250602-180000.txt");
    let statuses = fixture("vicidial-statuses.tsv");
    let output = import(&[
        "--from",
        "vicidial",
        "--out",
        &out,
        "--tz",
        "America/New_York",
        "--statuses",
        &statuses,
        &export,
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with(
            "read 27 records from 1 files: wrote 25 calls (folded 0 legs), rejected 2 ("
        )
    );
    let found = rows(
        &out,
        "SELECT source_status, disposition FROM calls ORDER BY dialed_at",
    );
    let expected: String = VICIDIAL_EXPECTED
        .iter()
        .map(|(s, d)| format!("{s},{d}\n"))
        .collect();
    assert_eq!(found, expected);
    // Row 0: 09:30 in New York (EDT, UTC-4) is 13:30Z; the lead id is the customer.
    // Row 4 (XFER): length_in_sec 40 is its talk time; row 5 (DROP) was the dialer's (VDAD).
    assert_eq!(
        rows(
            &out,
            "SELECT call_id IS NOT NULL, customer_id, agent_id, campaign_id, dialed_at, outcome FROM calls WHERE source_status = 'SALE'"
        ),
        "true,9000,agent01,VICI1,2025-06-02T13:30:00Z,success\n"
    );
    assert_eq!(
        rows(
            &out,
            "SELECT talk_s, ended_at FROM calls WHERE source_status = 'XFER'"
        ),
        "40.0,2025-06-02T13:38:40Z\n"
    );
    assert_eq!(
        rows(
            &out,
            "SELECT agent_id IS NULL FROM calls WHERE source_status = 'DROP'"
        ),
        "true\n"
    );
    assert_eq!(
        rejects(dir.path()),
        [
            "27: status \"NEW\" is a lead state, not a call result",
            "28: unknown status \"ZZZ\" (a custom status? pass the statuses export with --statuses)",
        ]
    );

    // Without the statuses export the custom status is a reject too; the export without
    // its header row reads by the documented column order.
    let bare = tempfile::tempdir().unwrap();
    let bare_out = bare.path().display().to_string();
    let output = import(&[
        "--from",
        "vicidial",
        "--out",
        &bare_out,
        &export,
        &fixture("vicidial/EXPORT_CALL_REPORT_noheader.txt"),
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        summary(&output).starts_with(
            "read 30 records from 2 files: wrote 27 calls (folded 0 legs), rejected 3 ("
        ),
        "{}",
        summary(&output)
    );
}

#[test]
fn amazon_connect_contact_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "connect",
        "--out",
        &out,
        &fixture("connect/ctr.jsonl"),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    // 13 records: c-01 three times (a re-delivery and a transfer, folded), 7 other
    // contacts, a cut-off record, c-08 (an unknown reason) and c-09 (a chat) rejected.
    assert!(
        summary(&output).starts_with(
            "read 13 records from 1 files: wrote 8 calls (folded 2 legs), rejected 3 ("
        ),
        "{}",
        summary(&output)
    );
    assert_eq!(
        rows(
            &out,
            "SELECT call_id, disposition FROM calls ORDER BY call_id"
        ),
        "c-01,answered\nc-02,abandoned\nc-03,voicemail\nc-04,invalid_number\nc-05,busy\nc-06,no_answer\nc-07,failed\nc-11,busy\n"
    );
    // The newest delivery of c-01 (after-contact work 45 s) wins; the transfer ends it.
    assert_eq!(
        rows(
            &out,
            "SELECT campaign_id, agent_id, callee_number, answered_at, ended_at, talk_s, acw_s, transferred, hangup_by FROM calls WHERE call_id = 'c-01'"
        ),
        "cc-camp,li.wei,+8613800000001,2025-06-03T01:00:08Z,2025-06-03T01:03:12Z,120.0,45.0,true,callee\n"
    );
    let rejected = rejects(dir.path());
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert!(rejected.iter().any(|r| r.contains("Channel CHAT")));
    assert!(rejected.iter().any(|r| r.starts_with("11: invalid JSON")));
}

#[test]
fn twilio_call_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "twilio",
        "--out",
        &out,
        &fixture("twilio/calls-page0.json"),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with(
            "read 12 records from 1 files: wrote 8 calls (folded 1 legs), rejected 3 ("
        ),
        "{}",
        summary(&output)
    );
    assert_eq!(
        rows(
            &out,
            "SELECT call_id, disposition FROM calls ORDER BY call_id"
        ),
        "CA01,answered\nCA02,voicemail\nCA03,failed\nCA04,busy\nCA05,no_answer\nCA06,no_answer\nCA07,failed\nCA10,answered\n"
    );
    // Completed at 14:01:10 after 60 s of talk: answered at 14:00:10.
    assert_eq!(
        rows(
            &out,
            "SELECT callee_number, caller_number, dialed_at, answered_at, talk_s FROM calls WHERE call_id = 'CA01'"
        ),
        "+15005550001,+15005550100,2025-06-04T14:00:00Z,2025-06-04T14:00:10Z,60.0\n"
    );
    let rejected = rejects(dir.path());
    assert!(
        rejected.iter().any(|r| r.contains("status ringing")),
        "{rejected:?}"
    );
    assert!(
        rejected.iter().any(|r| r.contains("status in-progress")),
        "{rejected:?}"
    );
    assert!(
        rejected
            .iter()
            .any(|r| r.contains("end_time is not an RFC 2822 date")),
        "{rejected:?}"
    );
}

#[test]
fn a_gbk_vendor_export_through_the_shipped_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import(&[
        "--from",
        "mapped",
        "--mapping",
        &mapping("waihu.toml"),
        "--out",
        &out,
        &fixture("mapped/waihu-gbk.csv"),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    // 13 good rows (each 呼叫结果 once, 已接通 three times), 3 the mapping rejects, one
    // with a byte that is not GBK.
    assert_eq!(
        summary(&output),
        format!(
            "read 17 records from 1 files: wrote 13 calls (folded 0 legs), rejected 4 ({out}/_rejects/; most often: dialed_at: \"…\" is not a time (ISO-8601, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD) in Asia/Shanghai (1 of 4)); local times read as Asia/Shanghai"
        )
    );
    assert_eq!(
        dispositions(&out),
        "answered,3\nblocked,1\nbusy,1\nfailed,3\ninvalid_number,2\nno_answer,2\nrejected,1\n"
    );
    // Row 0: 10:00 Beijing time is 02:00Z, connected 6 s later, 45 s of talk, grade A.
    assert_eq!(
        rows(
            &out,
            "SELECT campaign_id, callee_number, caller_number, dialed_at, answered_at, talk_s, intent_level, transferred, hangup_by, source_status FROM calls ORDER BY dialed_at LIMIT 1"
        ),
        "618大促回访,138 0013 0000,02180000001,2025-06-05T02:00:00Z,2025-06-05T02:00:06Z,45.0,A,false,callee,已接通\n"
    );
    // Rows 11 and 12 are answered too: 11 was handed to a human (是), grade F.
    assert_eq!(
        rows(&out, "SELECT intent_level FROM calls WHERE transferred"),
        "F\n"
    );
    assert_eq!(
        rows(
            &out,
            "SELECT count(*) FROM calls WHERE hangup_by = 'system'"
        ),
        "10\n"
    );
    let rejected = rejects(dir.path());
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(
        rejected[0].contains("disposition: value \"稍后再拨\" is not in [values.disposition]"),
        "{rejected:?}"
    );
    assert!(
        rejected[1].contains("dialed_at: \"2025-06-31 12:04:00\" is not a time"),
        "{rejected:?}"
    );
    assert!(
        rejected[2].contains("talk_s: \"abc\" is not a number"),
        "{rejected:?}"
    );
    assert!(rejected[3].contains("not GBK text"), "{rejected:?}");
}

#[test]
fn an_xlsx_export_with_excel_dates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let shipped = std::fs::read_to_string(mapping("waihu.toml")).unwrap();
    let xlsx = shipped
        .replace("format = \"csv\"", "format = \"xlsx\"")
        .replace("encoding = \"gbk\"", "encoding = \"utf-8\"");
    let path = dir.path().join("xlsx.toml");
    std::fs::write(&path, xlsx).unwrap();
    let output = import(&[
        "--from",
        "mapped",
        "--mapping",
        &path.display().to_string(),
        "--out",
        &out,
        &fixture("mapped/waihu.xlsx"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with("read 6 records from 1 files: wrote 6 calls"),
        "{}",
        summary(&output)
    );
    // The first six results: 已接通, 未接通, 无人接听, 占线, 拒接, 空号.
    assert_eq!(
        dispositions(&out),
        "answered,1\nbusy,1\ninvalid_number,1\nno_answer,2\nrejected,1\n"
    );
    assert_eq!(
        rows(&out, "SELECT min(dialed_at), max(talk_s) FROM calls"),
        "2025-06-05T02:00:00Z,45.0\n"
    );
}

#[test]
fn explain_lists_each_formats_mapping() {
    let output = import(&["--from", "asterisk", "--explain"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.lines().any(|l| l.starts_with("disposition")
            && l.contains("NO ANSWER")
            && l.contains("→ no_answer")),
        "{text}"
    );
    assert!(
        text.contains("MACHINE") && text.contains("→ voicemail"),
        "{text}"
    );
    for format in ["freeswitch", "vicidial", "connect", "twilio"] {
        let output = import(&["--from", format, "--explain", "--format", "json"]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        for line in stdout(&output).lines() {
            let entry: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(
                entry["disposition"].as_str().is_some_and(|d| !d.is_empty()),
                "{format}: {line}"
            );
        }
    }
    let output = import(&[
        "--from",
        "mapped",
        "--mapping",
        &mapping("waihu.toml"),
        "--explain",
    ]);
    assert!(
        stdout(&output)
            .lines()
            .any(|l| l.contains("黑名单拦截") && l.contains("→ blocked"))
    );
}

/// A copy of a fixture at a path of its own, to import, change and import again.
fn copy(from: &str, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).unwrap();
    to
}

#[test]
fn importing_again_replaces_and_another_file_adds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    let input = copy(&fixture("asterisk/Master.csv"), dir.path(), "Master.csv");
    let input = input.display().to_string();
    let ids = |out: &str| {
        rows(
            out,
            "SELECT call_id, disposition, dt FROM calls ORDER BY call_id",
        )
    };
    import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        &input,
    ]);
    let first = ids(&out);
    assert_eq!(first.lines().count(), 32);
    let again = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        &input,
    ]);
    assert_eq!(again.status.code(), Some(3));
    assert_eq!(
        ids(&out),
        first,
        "the same input imported twice gives the same rows"
    );
    let rejects_files = std::fs::read_dir(dir.path().join("out/_rejects"))
        .unwrap()
        .count();
    assert_eq!(
        rejects_files, 1,
        "the rejects of the first import were replaced"
    );

    // The switch appended to the file: importing it again replaces the old rows with all.
    let text = std::fs::read_to_string(&input).unwrap();
    let appended = text
        .lines()
        .take(3)
        .map(|l| {
            l.replace("2025-06-01 09:", "2025-06-03 09:")
                .replace("1748739600.", "1748999900.")
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&input, format!("{text}{appended}\n")).unwrap();
    import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        &input,
    ]);
    assert_eq!(rows(&out, "SELECT count(*) FROM calls"), "35\n");

    // Another day's file adds its calls.
    let output = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        &fixture("asterisk/Master-linkedid.csv"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(rows(&out, "SELECT count(*) FROM calls"), "38\n");
    // Only a clean import exits 0; --max-reject-rate lets a few rejects through.
    let five_of_40 = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        "--max-reject-rate",
        "0.2",
        &input,
    ]);
    assert_eq!(five_of_40.status.code(), Some(0), "{}", stderr(&five_of_40));
    let too_strict = import(&[
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        "--max-reject-rate",
        "0.1",
        &input,
    ]);
    assert_eq!(too_strict.status.code(), Some(3));
}

#[test]
fn every_canned_query_runs_on_imported_calls() {
    // Calls from the switch or the vendor platform; the CRM's tables from elsewhere (here
    // the bundled fixtures' customers, orders, agents, scripts, DNC list and service
    // sessions).
    for (format, args) in [
        ("asterisk", vec!["--tz", "Asia/Shanghai"]),
        ("mapped", vec!["--mapping"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().display().to_string();
        let mut command = vec!["--from", format, "--out", &out];
        let map = mapping("waihu.toml");
        let (input, extra): (String, Vec<&str>) = match format {
            "asterisk" => (fixture("asterisk/Master.csv"), args.clone()),
            _ => (fixture("mapped/waihu-gbk.csv"), vec![args[0], map.as_str()]),
        };
        command.extend(extra);
        command.push(&input);
        let output = import(&command);
        assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
        for table in [
            "customers",
            "orders",
            "agents",
            "scripts",
            "dnc",
            "sessions",
        ] {
            copy_dir(
                &crate::support::fixtures().join(table),
                &dir.path().join(table),
            );
        }
        every_canned_query_returns_its_columns(&out, false);
    }
}

#[test]
fn bad_invocations_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o").display().to_string();
    let unknown = import(&["--from", "genesys", "--out", &out, "x.csv"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown import format \"genesys\""),
        "{}",
        stderr(&unknown)
    );
    assert_one_line_error(
        &import(&["--from", "asterisk", "--out", &out, "/no/such/Master.csv"]),
        &["/no/such/Master.csv"],
    );
    assert_one_line_error(
        &import(&[
            "--from",
            "mapped",
            "--out",
            &out,
            &fixture("mapped/waihu-gbk.csv"),
        ]),
        &["--mapping"],
    );
    assert_one_line_error(
        &import(&[
            "--from",
            "asterisk",
            "--tz",
            "Mars/Olympus",
            "--out",
            &out,
            &fixture("asterisk/Master.csv"),
        ]),
        &["Mars/Olympus"],
    );
    let bad_mapping = dir.path().join("bad.toml");
    std::fs::write(
        &bad_mapping,
        "[source]\nformat = \"csv\"\nquoting = true\n[columns]\n",
    )
    .unwrap();
    assert_one_line_error(
        &import(&[
            "--from",
            "mapped",
            "--mapping",
            &bad_mapping.display().to_string(),
            "--out",
            &out,
            &fixture("mapped/waihu-gbk.csv"),
        ]),
        &["unknown field `quoting`"],
    );
    // A header without a mapped column names it and what the header has.
    let wrong_header = dir.path().join("wrong.toml");
    let shipped = std::fs::read_to_string(mapping("waihu.toml")).unwrap();
    std::fs::write(
        &wrong_header,
        shipped.replace("\"呼叫结果\"", "\"通话结果\""),
    )
    .unwrap();
    assert_one_line_error(
        &import(&[
            "--from",
            "mapped",
            "--mapping",
            &wrong_header.display().to_string(),
            "--out",
            &out,
            &fixture("mapped/waihu-gbk.csv"),
        ]),
        &["no column \"通话结果\"", "呼叫结果"],
    );
    // Nothing was written by any of them.
    assert!(!Path::new(&out).join("calls").exists());
}

/// A Master.csv of `calls` 18-column records spread over `days` (local) days, every fifth
/// answered.
pub fn big_master_csv(calls: usize, days: usize) -> String {
    let mut text = String::with_capacity(calls * 220);
    for i in 0..calls {
        let day = 1 + i % days;
        let (hour, minute, second) = (8 + (i / 3600) % 12, (i / 60) % 60, i % 60);
        let answered = i % 5 == 0;
        let start = format!("2025-07-{day:02} {hour:02}:{minute:02}:{second:02}");
        let (answer, billsec, disposition) = if answered {
            (
                format!("\"2025-07-{day:02} {hour:02}:{minute:02}:{second:02}\""),
                30,
                "ANSWERED",
            )
        } else {
            (String::new(), 0, "NO ANSWER")
        };
        text.push_str(&format!(
            "\"camp{}\",\"200\",\"1390{i:07}\",\"outbound\",\"\",\"PJSIP/200-{i:08x}\",\"\",\"Dial\",\"PJSIP/1390{i:07}@trunk,30\",\"{start}\",{answer},\"{start}\",{billsec},{billsec},\"{disposition}\",\"DOCUMENTATION\",\"1751328000.{i}\",\"\"\n",
            i % 4
        ));
    }
    text
}

#[test]
fn killed_imports_leave_nothing_half_written() {
    use rand::{Rng, SeedableRng};

    use crate::kills::{SEED, check_root, duration_of, kill_after};

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("Master.csv");
    let calls = 60_000;
    std::fs::write(&input, big_master_csv(calls, 20)).unwrap();
    // Compressed inputs read the same.
    let zst = dir.path().join("Master.csv.zst");
    std::fs::write(
        &zst,
        zstd::encode_all(std::fs::read(&input).unwrap().as_slice(), 3).unwrap(),
    )
    .unwrap();
    let input = input.display().to_string();
    let out = dir.path().join("out").display().to_string();
    let args = ["import", "--from", "asterisk", "--out", &out, &input];
    let full = duration_of(&args, &[]);
    let files = |out: &str| -> Vec<String> {
        let mut names = Vec::new();
        let mut stack = vec![PathBuf::from(out).join("calls")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "parquet") {
                    names.push(path.display().to_string());
                }
            }
        }
        names
    };
    let clean = files(&out).len();
    assert!(clean >= 20, "one file a day at least: {clean}");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED + 7);
    for attempt in 0..5 {
        let killed_out = dir
            .path()
            .join(format!("killed-{attempt}"))
            .display()
            .to_string();
        let args = ["import", "--from", "asterisk", "--out", &killed_out, &input];
        if attempt == 0 {
            // Right after the first output file appears.
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callsql"))
                .args(args)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            while files(&killed_out).is_empty() && child.try_wait().unwrap().is_none() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            child.kill().unwrap();
            child.wait().unwrap();
        } else {
            kill_after(&args, &[], full.mul_f64(rng.random_range(0.05..1.0)));
        }
        // Every Parquet file that is visible is whole: its footer reads.
        for file in files(&killed_out) {
            let opened = std::fs::File::open(&file).unwrap();
            let footer = parquet::file::reader::SerializedFileReader::new(opened);
            assert!(footer.is_ok(), "{file} is not whole");
        }
        if !check_root(&killed_out, &[], calls) {
            let rerun = callsql(&args, &[]);
            assert!(rerun.status.success(), "{}", stderr(&rerun));
            assert!(check_root(&killed_out, &[], calls));
        }
        assert_eq!(
            files(&killed_out).len(),
            clean,
            "the rerun replaced what the killed run wrote"
        );
    }
    let from_zst = dir.path().join("from-zst").display().to_string();
    let output = import(&[
        "--from",
        "asterisk",
        "--out",
        &from_zst,
        &zst.display().to_string(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(check_root(&from_zst, &[], calls));
}
