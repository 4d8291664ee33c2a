//! `callsql import --table`: every canonical table from exports in the shapes real
//! platforms write (testdata/import/tables/, made by `make_fixtures.py`) through the
//! shipped mappings (mappings/), with the expected rows worked out by hand below. Local
//! times are Asia/Shanghai (UTC+8), so 09:15 local is 01:15Z.

use crate::import::{fixture, import, mapping, rejects, rows, summary};
use crate::support::{assert_one_line_error, every_canned_query_returns_its_columns, stderr};

/// `input` imported into `calls` at `out` through the mapping at `map`.
fn import_calls(map: &str, out: &str, input: &str) -> std::process::Output {
    import(&["--from", "mapped", "--mapping", map, "--out", out, input])
}

fn import_table(table: &str, file: &str, out: &str) -> std::process::Output {
    import(&[
        "--table",
        table,
        "--from",
        "mapped",
        "--mapping",
        &mapping(&format!("{table}.toml")),
        "--out",
        out,
        &fixture(&format!("tables/{file}")),
    ])
}

#[test]
fn an_order_export_in_xlsx_with_title_rows_split_date_and_time_and_a_totals_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import_table("orders", "orders.xlsx", &out);
    // Sheet 订单明细: title, export time, header on row 3, six orders, 合计 on row 10.
    // DD005 has no date (its expression is NULL while 下单时间 is there), DD006's amount
    // 待定 cannot be cast: 4 written, 1 skipped, 2 rejected.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with(
            "read 7 records from 1 files: wrote 4 rows to orders, skipped 1, rejected 2 ("
        ),
        "{}",
        summary(&output)
    );
    // ¥1,280.00 → 1280; 2025-06-03 23:50 local is 15:50Z, still local day 06-03.
    assert_eq!(
        rows(
            &out,
            "SELECT order_id, customer_id, ordered_at, amount, dt FROM orders ORDER BY order_id"
        ),
        "DD001,C001,2025-06-03T01:15:00Z,1280.0,2025-06-03\n\
         DD002,C002,2025-06-03T15:50:00Z,99.0,2025-06-03\n\
         DD003,C001,2025-06-20T06:00:00Z,2000.5,2025-06-20\n\
         DD004,C003,2025-06-21T00:30:00Z,560.0,2025-06-21\n"
    );
    assert_eq!(
        rejects(dir.path()),
        [
            "8: ordered_at: its [columns] expression is NULL for 下单时间 = \"10:00:00\"",
            "9: amount: Cannot cast string '待定' to value of Float64 type",
        ]
    );
}

#[test]
fn a_dnc_list_accumulates_in_e164_and_keeps_each_numbers_earliest_listing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    // UTF-8 with a byte-order mark. 138 1234 5678 is listed on 05-01 and, as
    // 13812345678, on 04-15: one number, listed 04-15 (local midnight = 04-14T16:00Z).
    // 12345 is not a number and one row has none.
    let output = import_table("dnc", "dnc.csv", &out);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with(
            "read 6 records from 1 files: wrote 4 rows to dnc (3 numbers listed in all), rejected 2 ("
        ),
        "{}",
        summary(&output)
    );
    let table = "SELECT phone, added_at, source, listed_phone FROM dnc ORDER BY phone";
    let first = "+861062345678,2025-05-03T16:00:00Z,监管名单,010-62345678\n\
                 +8613812345678,2025-04-14T16:00:00Z,投诉,13812345678\n\
                 +8613900000001,2025-05-01T16:00:00Z,客户要求,+86-139 0000 0001\n";
    assert_eq!(rows(&out, table), first);
    // The same list again changes nothing.
    assert_eq!(import_table("dnc", "dnc.csv", &out).status.code(), Some(3));
    assert_eq!(rows(&out, table), first);
    // Another list: 13900000001 listed earlier (2025-01-01) and one new number.
    let output = import_table("dnc", "dnc-more.csv", &out);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        rows(&out, table),
        "+861062345678,2025-05-03T16:00:00Z,监管名单,010-62345678\n\
         +8613700000005,2025-05-31T16:00:00Z,客户要求,13700000005\n\
         +8613812345678,2025-04-14T16:00:00Z,投诉,13812345678\n\
         +8613900000001,2024-12-31T16:00:00Z,监管名单,13900000001\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("dnc")).unwrap().count(),
        1,
        "one merged file"
    );
}

#[test]
fn an_hr_sheet_in_gbk_is_a_snapshot_with_each_agent_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import_table("agents", "agents.csv", &out);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(
        rejects(dir.path()),
        [format!(
            "5: agent_id \"A02\" is listed twice in this import (first at {} record 3)",
            fixture("tables/agents.csv")
        )]
    );
    let agents = "A01,一组\nA02,一组\nA03,二组\n";
    assert_eq!(
        rows(&out, "SELECT agent_id, team FROM agents ORDER BY 1"),
        agents
    );
    // Importing the sheet again replaces its rows.
    import_table("agents", "agents.csv", &out);
    assert_eq!(
        rows(&out, "SELECT agent_id, team FROM agents ORDER BY 1"),
        agents
    );
}

#[test]
fn customers_scripts_and_a_service_desk_session_export() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    // 2024-13-01 is no date; 2024/05/06 is.
    assert_eq!(
        import_table("customers", "customers.csv", &out)
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        rows(
            &out,
            "SELECT customer_id, phone, region, signed_up_at FROM customers ORDER BY 1"
        ),
        "C001,138 1234 5678,广东,2024-02-29T16:00:00Z\n\
         C002,+86-139-0000-0002,浙江,2024-05-05T16:00:00Z\n\
         C003,13700000003,,\n"
    );
    // v3 → 3 through CAST(ltrim(…, 'v') AS INT).
    assert!(
        import_table("scripts", "scripts.csv", &out)
            .status
            .success()
    );
    assert_eq!(
        rows(
            &out,
            "SELECT script_id, campaign_id, name, version FROM scripts ORDER BY 1"
        ),
        "S01,618大促回访,开场白A,1\nS02,618大促回访,开场白B,2\nS03,会员召回,召回话术,3\n"
    );
    // 短信 is not in [values.channel]; bot_only is true where nobody was transferred;
    // 满意 → 4, 一般 → 3, 非常满意 → 5; stage and reopened from [defaults].
    assert_eq!(
        import_table("sessions", "sessions.csv", &out).status.code(),
        Some(3)
    );
    assert_eq!(
        rows(
            &out,
            "SELECT session_id, channel, customer_id, started_at, resolved_at, bot_only, transferred, \
             agent_id, resolved, reopened, stage, csat, dt FROM sessions ORDER BY 1"
        ),
        "S001,chat,C001,2025-06-10T01:00:00Z,2025-06-10T01:04:00Z,true,false,,true,false,consult,4,2025-06-10\n\
         S002,wechat,,2025-06-10T02:00:00Z,,false,true,A01,false,false,consult,3,2025-06-10\n\
         S003,phone,C002,2025-06-11T15:30:00Z,2025-06-11T15:40:00Z,false,true,A02,true,false,consult,5,2025-06-11\n"
    );
}

#[test]
fn a_call_export_with_split_date_and_time_and_written_durations() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = import_calls(
        &mapping("waihu-split.toml"),
        &out,
        &fixture("tables/waihu-split.csv"),
    );
    // 2分15秒 = 135 s, 00:00:00 = 0, 1小时2分3秒 = 3723; the row without a time of day
    // is rejected and the 合计 row skipped.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        summary(&output).starts_with(
            "read 5 records from 1 files: wrote 3 calls (folded 0 legs), skipped 1, rejected 1 ("
        ),
        "{}",
        summary(&output)
    );
    assert_eq!(
        rows(
            &out,
            "SELECT callee_number, dialed_at, talk_s, disposition, transferred, source_status \
             FROM calls ORDER BY dialed_at"
        ),
        "138 1234 5678,2025-06-05T02:00:00Z,135.0,answered,true,已接通\n\
         +86-139 0000 0002,2025-06-05T02:05:00Z,0.0,no_answer,false,未接通\n\
         139 0000 0003,2025-06-05T02:10:00Z,3723.0,answered,false,已接通\n"
    );
}

#[test]
fn every_canned_query_runs_on_imported_tables_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    for (table, file) in [
        ("orders", "orders.xlsx"),
        ("dnc", "dnc.csv"),
        ("agents", "agents.csv"),
        ("customers", "customers.csv"),
        ("scripts", "scripts.csv"),
        ("sessions", "sessions.csv"),
    ] {
        let output = import_table(table, file, &out);
        assert!(
            matches!(output.status.code(), Some(0 | 3)),
            "{table}: {}",
            stderr(&output)
        );
    }
    import_calls(
        &mapping("waihu-split.toml"),
        &out,
        &fixture("tables/waihu-split.csv"),
    );
    every_canned_query_returns_its_columns(&out, false);
}

#[test]
fn mapping_mistakes_are_one_line_before_any_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let out = dir.path().join("out").display().to_string();
    let run = |text: &str, table: &str| {
        std::fs::write(&bad, text).unwrap();
        import(&[
            "--table",
            table,
            "--from",
            "mapped",
            "--mapping",
            &bad.display().to_string(),
            "--out",
            &out,
            "no-such-input.csv",
        ])
    };
    let output = run(
        "[source]\nformat = \"csv\"\n[columns]\nscript_id = \"id\"\ncampaign_id = \"c\"\nversion = \"v\"\n[values.version]\n\"v1\" = \"one\"\n",
        "scripts",
    );
    assert_one_line_error(
        &output,
        &["line 8: [values.version] \"v1\" = \"one\": `version` takes a whole number"],
    );
    let output = run(
        "[source]\nformat = \"csv\"\n[columns]\nphone = \"号码\"\nadded_at = \"日期\"\n[values.source]\n\"监管\" = \"regulator\"\n[defaults]\nchannel = \"chat\"\n",
        "dnc",
    );
    assert_one_line_error(
        &output,
        &["line 9: [defaults] names `channel`, which is not a column of dnc"],
    );
    let output = run(
        "[source]\nformat = \"csv\"\n[columns]\nsession_id = \"id\"\nstarted_at = \"t\"\n[values.channel]\n\"网页\" = \"web\"\n",
        "sessions",
    );
    assert_one_line_error(
        &output,
        &["`channel` takes one of phone, chat, app, wechat, email"],
    );
    let output = run(
        "[source]\nformat = \"csv\"\n[columns]\norder_id = [\"a\"]\n",
        "orders",
    );
    assert_one_line_error(
        &output,
        &["give a header text, a column number or { sql = \"EXPR\" }"],
    );
    let output = import(&["--table", "order", "--from", "mapped", "--explain"]);
    assert_one_line_error(
        &output,
        &["unknown table \"order\" for --table; expected one of calls, orders"],
    );
    let output = import(&[
        "--table", "orders", "--from", "asterisk", "--out", &out, "x.csv",
    ]);
    assert_one_line_error(&output, &["--from asterisk writes calls"]);
    let explained = crate::support::callsql(
        &[
            "import",
            "--from",
            "mapped",
            "--explain",
            "--table",
            "sessions",
        ],
        &[],
    );
    assert!(explained.status.success());
    let text = crate::support::stdout(&explained);
    assert!(
        text.contains("channel")
            && text.contains("`wechat`")
            && text.contains("Timestamp(ms, UTC)"),
        "{text}"
    );
}

#[test]
fn time_of_day_cells_are_rejects_not_calls_on_1899_12_31() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    let map = dir.path().join("m.toml");
    std::fs::write(
        &map,
        "[source]\nformat = \"xlsx\"\ntimezone = \"Asia/Shanghai\"\n[columns]\n\
         dialed_at = \"呼叫时间\"\ncallee_number = \"客户号码\"\ndisposition = \"呼叫结果\"\n\
         [values.disposition]\n\"已接通\" = \"answered\"\n\"未接通\" = \"no_answer\"\n",
    )
    .unwrap();
    let output = import_calls(
        &map.display().to_string(),
        &out,
        &fixture("tables/time-cells.xlsx"),
    );
    // A date-time cell and a date cell are calls (10:30 local = 02:30Z; a date alone is
    // its local midnight); a time cell and a text before 1900 are rejects.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(
        rows(
            &out,
            "SELECT callee_number, dialed_at, dt FROM calls ORDER BY 1"
        ),
        "13800000001,2025-06-05T02:30:00Z,2025-06-05\n13800000004,2025-06-05T16:00:00Z,2025-06-06\n"
    );
    assert_eq!(
        rejects(std::path::Path::new(&out)),
        [
            "3: dialed_at: \"10:30:00\" has a time but no date",
            "4: dialed_at: \"1899-12-31 10:30:00\" has a time but no date",
        ]
    );
}

#[test]
fn the_pipeline_on_imported_tables_equals_duckdb_reading_the_same_exports() {
    // tests/it/import_duckdb.py writes calls, orders, customers, dnc, agents and scripts
    // exports, imports them and compares rfm_customers, customer_lifetime's summary,
    // compliance_audit's DNC rules and agent_performance with DuckDB's own reading.
    let dir = tempfile::tempdir().unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/import_duckdb.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_callsql"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("rows equal").count(), 4, "{text}");
}

#[test]
fn a_date_only_in_the_file_name_through_the_file_column() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("通话记录_2025-06-07.csv");
    std::fs::write(
        &export,
        "呼叫时间,客户号码,呼叫结果\n09:30:00,13800000001,已接通\n23:59:59,13800000002,未接通\n",
    )
    .unwrap();
    let map = dir.path().join("m.toml");
    std::fs::write(
        &map,
        "[source]\nformat = \"csv\"\ntimezone = \"Asia/Shanghai\"\n[columns]\n\
         dialed_at = { sql = \"regexp_match(_file, '\\\\d{4}-\\\\d{2}-\\\\d{2}')[1] || ' ' || \\\"呼叫时间\\\"\" }\n\
         callee_number = \"客户号码\"\ndisposition = \"呼叫结果\"\n\
         [values.disposition]\n\"已接通\" = \"answered\"\n\"未接通\" = \"no_answer\"\n",
    )
    .unwrap();
    let out = dir.path().join("out").display().to_string();
    let output = import_calls(
        &map.display().to_string(),
        &out,
        &export.display().to_string(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // 2025-06-07 09:30 and 23:59:59 local: 01:30Z and 15:59:59Z, both on local day 06-07.
    assert_eq!(
        rows(
            &out,
            "SELECT callee_number, dialed_at, dt FROM calls ORDER BY 1"
        ),
        "13800000001,2025-06-07T01:30:00Z,2025-06-07\n13800000002,2025-06-07T15:59:59Z,2025-06-07\n"
    );
}
