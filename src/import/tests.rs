//! Nothing lost, nothing doubled: for every format, random inputs with random corruptions
//! (cut lines, wrong field counts, bad times, unknown statuses, invalid UTF-8) read as
//! exactly as many records as they hold, and every record ends as a call (or a row of
//! another table), a folded leg, a skipped row or a reject.

use std::io::Cursor;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use proptest::prelude::*;

use super::formats;
use super::{Call, FormatName, Mapping, Records, Source, Zone};

#[derive(Default, Debug, PartialEq)]
struct Counts {
    read: u64,
    calls: u64,
    folded: u64,
    skipped: u64,
    rejected: u64,
}

impl Records for Counts {
    fn read(&mut self) {
        self.read += 1;
    }
    fn call(&mut self, call: Call) -> anyhow::Result<()> {
        assert!(!call.call_id.is_empty());
        assert!(call.disposition.is_some());
        self.calls += 1;
        Ok(())
    }
    fn calls(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        let ids = batch.column_by_name("call_id").unwrap().as_string::<i32>();
        assert!(ids.iter().all(|id| id.is_some_and(|id| !id.is_empty())));
        assert_eq!(batch.column_by_name("disposition").unwrap().null_count(), 0);
        self.calls += batch.num_rows() as u64;
        Ok(())
    }
    fn reject(&mut self, _: u64, reason: &str, _: &str) -> anyhow::Result<()> {
        assert!(!reason.is_empty());
        self.rejected += 1;
        Ok(())
    }
    fn folded(&mut self, legs: u64) {
        self.folded += legs;
    }
    fn skipped(&mut self, records: u64) {
        self.skipped += records;
    }
}

fn run(format: FormatName, bytes: Vec<u8>, mapping: Option<&Mapping>) -> Counts {
    let zone = Zone::parse("Asia/Shanghai").unwrap();
    let session = super::convert::expression_session().unwrap();
    let source = Source {
        name: "input",
        zone: &zone,
        mapping,
        expressions: Some(&session),
        statuses: None,
    };
    let mut counts = Counts::default();
    formats::read(format, Box::new(Cursor::new(bytes)), &source, &mut counts).unwrap();
    counts
}

/// What may happen to one good line.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Cut(usize),
    DropField(usize),
    ExtraField,
    BadTime,
    UnknownStatus,
    InvalidUtf8(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        1 => (0usize..200).prop_map(Damage::Cut),
        1 => (0usize..20).prop_map(Damage::DropField),
        1 => Just(Damage::ExtraField),
        1 => Just(Damage::BadTime),
        1 => Just(Damage::UnknownStatus),
        1 => (0usize..200).prop_map(Damage::InvalidUtf8),
    ]
}

fn apply(line: String, damage: &Damage, delimiter: char, time: &str, status: &str) -> Vec<u8> {
    match damage {
        Damage::None => line.into_bytes(),
        Damage::Cut(at) => {
            let mut bytes = line.into_bytes();
            bytes.truncate((*at).min(bytes.len()).max(1));
            bytes
        }
        Damage::DropField(i) => {
            let mut fields: Vec<&str> = line.split(delimiter).collect();
            let i = i % fields.len();
            fields.remove(i);
            fields.join(&delimiter.to_string()).into_bytes()
        }
        Damage::ExtraField => format!("{line}{delimiter}\"x\"").into_bytes(),
        Damage::BadTime => line.replacen(time, "2025-02-30 25:61:00", 1).into_bytes(),
        Damage::UnknownStatus => line.replacen(status, "NOT_A_STATUS", 1).into_bytes(),
        Damage::InvalidUtf8(at) => {
            let mut bytes = line.into_bytes();
            let at = (*at).min(bytes.len());
            bytes.splice(at..at, [0xff, 0xfe]);
            bytes
        }
    }
}

fn lines(rows: Vec<(Vec<u8>, bool)>, crlf: bool) -> (Vec<u8>, u64) {
    let mut bytes = Vec::new();
    let mut count = 0;
    for (line, _) in rows {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        count += 1;
        bytes.extend_from_slice(&line);
        bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    (bytes, count)
}

fn asterisk_line(i: usize, status: &str, linked: bool) -> String {
    let base = format!(
        "\"acct\",\"200\",\"1380000{i:04}\",\"ctx\",\"\"\"N\"\" <200>\",\"PJSIP/200-{i:08}\",\"\",\"Dial\",\"PJSIP/1380000{i:04}@t,30\",\"2025-06-01 10:{:02}:00\",,\"2025-06-01 10:{:02}:30\",30,0,\"{status}\",\"DOCUMENTATION\",\"1748743200.{i}\",\"\"",
        i % 60,
        i % 60
    );
    if linked {
        format!("{base},\"\",\"L{}\",{i}", i / 3)
    } else {
        base
    }
}

const ASTERISK_STATUSES: [&str; 6] = [
    "ANSWERED",
    "NO ANSWER",
    "BUSY",
    "FAILED",
    "CONGESTION",
    "CANCEL",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn asterisk_records_all_end_somewhere(
        rows in prop::collection::vec((0usize..6, damage()), 0..60),
        linked in any::<bool>(),
    ) {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, (s, d))| {
                let status = ASTERISK_STATUSES[*s];
                (apply(asterisk_line(i, status, linked), d, ',', "2025-06-01 10:", status), true)
            })
            .collect();
        let (bytes, count) = lines(rows, false);
        let counts = run(FormatName::Asterisk, bytes, None);
        prop_assert_eq!(counts.read, count);
        prop_assert_eq!(counts.read, counts.calls + counts.folded + counts.rejected);
    }

    #[test]
    fn freeswitch_records_all_end_somewhere(rows in prop::collection::vec((any::<bool>(), damage()), 0..60)) {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, (answered, d))| {
                let answer = if *answered { "2025-06-01 10:00:05" } else { "" };
                let line = format!(
                    "\"n\",\"1\",\"1380000{i:04}\",\"default\",\"2025-06-01 10:00:00\",\"{answer}\",\"2025-06-01 10:01:00\",\"60\",\"55\",\"NORMAL_CLEARING\",\"u{i}\",\"u{}\",\"a\",\"PCMU\",\"PCMU\"",
                    i ^ 1
                );
                (apply(line, d, ',', "2025-06-01 10:00:00", "NORMAL_CLEARING"), true)
            })
            .collect();
        let (bytes, count) = lines(rows, false);
        let counts = run(FormatName::Freeswitch, bytes, None);
        prop_assert_eq!(counts.read, count);
        prop_assert_eq!(counts.read, counts.calls + counts.folded + counts.rejected);
    }

    #[test]
    fn vicidial_records_all_end_somewhere(rows in prop::collection::vec((0usize..4, damage()), 0..60)) {
        let statuses = ["SALE", "NA", "B", "DROP"];
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, (s, d))| {
                let fields = [
                    "uniq", "9000", "101", "CAMP", "2025-06-01 10:00:00", "", "", "30", statuses[*s],
                    "1", "5550100", "agent", "AUTO", "N", "G", "NONE", "MAIN", "1",
                ];
                let line = fields.join("\t").replacen("uniq", &format!("u{i}"), 1);
                (apply(line, d, '\t', "2025-06-01 10:00:00", statuses[*s]), true)
            })
            .collect();
        let (bytes, count) = lines(rows, true);
        let counts = run(FormatName::Vicidial, bytes, None);
        prop_assert_eq!(counts.read, count);
        prop_assert_eq!(counts.read, counts.calls + counts.folded + counts.rejected);
    }

    #[test]
    fn connect_records_all_end_somewhere(rows in prop::collection::vec((0usize..5, damage()), 0..40)) {
        let rows = rows
            .iter()
            .map(|(id, d)| {
                // Few ids, so re-deliveries happen.
                let line = format!(
                    "{{\"ContactId\": \"c{id}\", \"Channel\": \"VOICE\", \"InitiationTimestamp\": \"2025-06-01T10:00:00Z\", \"LastUpdateTimestamp\": \"2025-06-01T10:0{id}:00Z\", \"CustomerEndpoint\": {{\"Address\": \"+1555\"}}, \"DisconnectReason\": \"TELECOM_BUSY\"}}"
                );
                (apply(line, d, ',', "2025-06-01T10:00:00Z", "TELECOM_BUSY"), true)
            })
            .collect();
        let (bytes, _) = lines(rows, false);
        let counts = run(FormatName::Connect, bytes, None);
        prop_assert_eq!(counts.read, counts.calls + counts.folded + counts.rejected);
    }

    #[test]
    fn mapped_records_all_end_somewhere(rows in prop::collection::vec((0usize..3, damage()), 0..60)) {
        let mapping = Mapping::parse(
            "[source]\nformat = \"csv\"\nskip_if = \"s = '7'\"\n[columns]\ndialed_at = \"t\"\ncallee_number = \"n\"\ndisposition = \"r\"\ntalk_s = { sql = \"duration_s(s || 's')\" }\n[values.disposition]\n\"ok\" = \"answered\"\n\"no\" = \"no_answer\"\n\"busy\" = \"busy\"\n",
            "m.toml",
            super::table("calls").unwrap(),
        )
        .unwrap();
        let results = ["ok", "no", "busy"];
        let mut all = vec![(b"t,n,r,s".to_vec(), true)];
        all.extend(rows.iter().enumerate().map(|(i, (r, d))| {
            let line = format!("2025-06-01 10:00:00,1380000{i:04},{},{}", results[*r], i % 90);
            (apply(line, d, ',', "2025-06-01 10:00:00", results[*r]), true)
        }));
        let (bytes, count) = lines(all, true);
        let counts = run(FormatName::Mapped, bytes, Some(&mapping));
        // The header is not a record.
        prop_assert_eq!(counts.read, count - 1);
        prop_assert_eq!(counts.read, counts.calls + counts.skipped + counts.rejected);
    }

    #[test]
    fn rows_of_every_table_all_end_somewhere(
        table in 1usize..7,
        rows in prop::collection::vec(damage(), 0..60),
    ) {
        // Each table's required columns from one text column each, and its time column
        // (if any) from an expression, so both paths meet the damage.
        let table = crate::schema::TABLES.get(table).unwrap();
        let mut columns = String::new();
        let mut header = Vec::new();
        for (i, column) in table.columns.iter().filter(|c| c.required).enumerate() {
            header.push(format!("c{i}"));
            let source = match column.kind {
                crate::schema::Kind::Timestamp => format!("{{ sql = \"c{i} || ':00'\" }}"),
                _ => format!("\"c{i}\""),
            };
            columns.push_str(&format!("{} = {source}\n", column.name));
        }
        let text = format!(
            "[source]\nformat = \"csv\"\nskip_if = \"c0 = 'total'\"\n[columns]\n{columns}"
        );
        let mapping = Mapping::parse(&text, "m.toml", table).unwrap();
        let zone = Zone::parse("UTC").unwrap();
        let session = super::convert::expression_session().unwrap();
        let good = |i: usize| -> String {
            table
                .columns
                .iter()
                .filter(|c| c.required)
                .map(|c| match c.kind {
                    crate::schema::Kind::Timestamp => "2025-06-01 10:00".to_string(),
                    crate::schema::Kind::Float => format!("{}.5", i),
                    crate::schema::Kind::Integer => i.to_string(),
                    _ if i % 9 == 4 => "total".to_string(),
                    _ => format!("id{i}"),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut all = vec![(header.join(",").into_bytes(), true)];
        all.extend(rows.iter().enumerate().map(|(i, d)| {
            (apply(good(i), d, ',', "2025-06-01 10:00", "id"), true)
        }));
        let (bytes, count) = lines(all, true);
        let (mut read, mut kept, mut skipped, mut rejected) = (0, 0, 0, 0);
        let mut converter = None;
        super::export::read(Box::new(Cursor::new(bytes)), &mapping, "input", &mut |text| {
            let converter = match &mut converter {
                Some(c) => c,
                None => converter.insert(super::convert::Converter::new(
                    &mapping, &zone, "input", &text.batch.schema(), &session,
                )?),
            };
            let converted = converter.convert(&text)?;
            read += converted.read;
            kept += converted.batch.num_rows() as u64;
            skipped += converted.skipped;
            rejected += converted.rejects.len() as u64;
            Ok(())
        }).unwrap();
        prop_assert_eq!(read, count - 1);
        prop_assert_eq!(read, kept + skipped + rejected);
    }
}
