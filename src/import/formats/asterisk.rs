//! Asterisk `cdr_csv` (`/var/log/asterisk/cdr-csv/Master.csv`): no header, 16 to 21
//! columns depending on `cdr.conf` (`loguniqueid`, `loguserfield`, `newcdrcolumns`),
//! detected from the first record; local times without an offset; several CDRs per call
//! since Asterisk 12, folded by `linkedid` when the file has it.

use std::io::BufRead;

use anyhow::Result;

use super::{LineFields, Rule, content_id, for_each_line, lookup, non_empty, seconds, text};
use crate::import::call::Call;
use crate::import::fold::Folder;
use crate::import::time::switch_time;
use crate::import::{Disposition, Records, Source};

/// `ast_cdr_disp2str` (main/cdr.c): the whole vocabulary a CDR can carry.
pub const DISPOSITIONS: &[Rule] = &[
    (
        "ANSWERED",
        Disposition::Answered,
        "a human or a machine: cdr_csv cannot tell (see userfield)",
    ),
    (
        "NO ANSWER",
        Disposition::NoAnswer,
        "also a caller who gave up and causes Asterisk leaves unset",
    ),
    ("BUSY", Disposition::Busy, ""),
    (
        "FAILED",
        Disposition::Failed,
        "congestion (by default), no route, channel unavailable",
    ),
    (
        "CONGESTION",
        Disposition::Failed,
        "only with congestion=yes in cdr.conf",
    ),
    (
        "CANCEL",
        Disposition::NoAnswer,
        "only with canceldispositionenabled=yes: gave up while ringing",
    ),
    (
        "UNKNOWN",
        Disposition::Failed,
        "ast_cdr_disp2str's fallback",
    ),
];

/// `userfield` values that refine an ANSWERED disposition (a dialplan that copies AMD()'s
/// `AMDSTATUS` into `CDR(userfield)`).
pub const USERFIELD: &[Rule] = &[(
    "MACHINE",
    Disposition::Voicemail,
    "AMDSTATUS copied into CDR(userfield)",
)];

/// How long after a call's last CDR another one of it may still be written.
const FOLD_WINDOW_MS: i64 = 6 * 3_600_000;

/// Which optional columns a file has, from its column count.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    columns: usize,
    uniqueid: Option<usize>,
    userfield: Option<usize>,
    linkedid: Option<usize>,
    sequence: Option<usize>,
}

impl Layout {
    /// 16 base columns, then uniqueid and/or userfield, then peeraccount, linkedid and
    /// sequence. With one of the first two, a value shaped like a uniqueid (`1706368044.0`,
    /// `host-1706420300.0`) says which.
    fn detect(record: &csv::ByteRecord) -> Option<Layout> {
        let columns = record.len();
        let (logged, new_columns) = match columns {
            16..=18 => (columns - 16, false),
            19..=21 => (columns - 19, true),
            _ => return None,
        };
        let (uniqueid, userfield) = match logged {
            0 => (None, None),
            2 => (Some(16), Some(17)),
            _ if looks_like_uniqueid(record.get(16).unwrap_or_default()) => (Some(16), None),
            _ => (None, Some(16)),
        };
        let after = 16 + logged;
        Some(Layout {
            columns,
            uniqueid,
            userfield,
            linkedid: new_columns.then_some(after + 1),
            sequence: new_columns.then_some(after + 2),
        })
    }
}

fn looks_like_uniqueid(value: &[u8]) -> bool {
    let tail = value.rsplit(|&c| c == b'-').next().unwrap_or_default();
    let mut parts = tail.split(|&c| c == b'.');
    let (Some(seconds), Some(sequence), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !seconds.is_empty()
        && !sequence.is_empty()
        && seconds.iter().chain(sequence).all(u8::is_ascii_digit)
}

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut fields = LineFields::new(b',');
    let mut layout: Option<Layout> = None;
    let mut folder = Folder::<(i64, Call)>::new(FOLD_WINDOW_MS);
    let mut record = csv::ByteRecord::new();
    for_each_line(input, |line, bytes| {
        records.read();
        fields.split(bytes, &mut record);
        if layout.is_none() {
            layout = Layout::detect(&record);
        }
        let parsed = match layout {
            None => Err(format!(
                "has {} fields; cdr_csv writes 16 to 21 (see cdr.conf)",
                record.len()
            )),
            Some(layout) if layout.columns != record.len() => Err(format!(
                "has {} fields; this file's records have {} (cdr.conf decides the columns)",
                record.len(),
                layout.columns
            )),
            Some(layout) => parse(&record, layout, source, line),
        };
        match parsed {
            Err(reason) => records.reject(line, &reason, &String::from_utf8_lossy(bytes)),
            Ok((call, None)) => records.call(call),
            Ok((call, Some((linkedid, sequence)))) => {
                let at = call.ended_at.unwrap_or(call.dialed_at);
                folder.add(&[linkedid.as_str()], at, (sequence, call), records, merge)
            }
        }
    })?;
    folder.finish(records, merge)
}

type Parsed = (Call, Option<(String, i64)>);

fn parse(
    record: &csv::ByteRecord,
    layout: Layout,
    source: &Source,
    line: u64,
) -> Result<Parsed, String> {
    let field = |i: usize| text(record, i);
    let optional = |i: Option<usize>| -> Result<Option<String>, String> {
        i.map(|i| field(i).map(non_empty))
            .transpose()
            .map(Option::flatten)
    };
    let time = |i: usize, name: &str| switch_time(field(i)?, name, source.zone);
    let status = field(14)?.trim();
    let userfield = optional(layout.userfield)?;
    let mut disposition =
        lookup(DISPOSITIONS, status).ok_or_else(|| format!("unknown disposition {status:?}"))?;
    if disposition == Disposition::Answered
        && let Some(refined) = userfield.as_deref().and_then(|u| lookup(USERFIELD, u))
    {
        disposition = refined;
    }
    let dialed_at = time(9, "start")?.ok_or("no start time")?;
    let answer = time(10, "answer")?;
    let ended_at = time(11, "end")?;
    let duration = seconds(field(12)?, "duration")?;
    let billsec = seconds(field(13)?, "billsec")?;
    // A number from dst, else from the Dial() argument or the channel (dst is `s` on
    // originated calls), else dst as written: an extension or short code is a real call.
    let callee = dialled_number(field(2)?)
        .or_else(|| dialled_number(first_argument(field(8).ok()?)))
        .or_else(|| dialled_number(field(5).ok()?))
        .or_else(|| non_empty(field(2).ok()?))
        .ok_or("no destination (dst is empty)")?;
    let answered = matches!(disposition, Disposition::Answered | Disposition::Voicemail);
    let talk = if answered {
        billsec.unwrap_or(0.0)
    } else {
        0.0
    };
    let linkedid = optional(layout.linkedid)?;
    let uniqueid = optional(layout.uniqueid)?;
    let call_id = match (&linkedid, &uniqueid) {
        (Some(id), _) | (None, Some(id)) => id.clone(),
        (None, None) => content_id("asterisk", source.name, record.as_slice(), line),
    };
    let call = Call {
        call_id,
        campaign_id: non_empty(field(0)?),
        caller_number: non_empty(field(1)?).or_else(|| clid_number(field(4).unwrap_or_default())),
        callee_number: Some(callee),
        dialed_at,
        answered_at: if answered { answer } else { None },
        ended_at,
        ring_s: duration.map(|d| (d - talk).max(0.0)),
        talk_s: Some(talk),
        disposition: Some(disposition),
        source_status: Some(status.to_string()),
        source_cause: userfield,
        ..Call::default()
    };
    let sequence = match layout.sequence {
        Some(i) => field(i)?.trim().parse::<i64>().unwrap_or(0),
        None => 0,
    };
    Ok((call, linkedid.map(|id| (id, sequence))))
}

/// One call from its CDRs: the first (lowest sequence) decides unless a later leg was
/// answered; the call spans from the earliest start to the latest end.
fn merge(mut legs: Vec<(i64, Call)>) -> Call {
    legs.sort_by_key(|(sequence, call)| (*sequence, call.dialed_at));
    let dialed_at = legs
        .iter()
        .map(|(_, c)| c.dialed_at)
        .min()
        .unwrap_or_default();
    let ended_at = legs.iter().filter_map(|(_, c)| c.ended_at).max();
    let callee = legs.iter().find_map(|(_, c)| c.callee_number.clone());
    let chosen = legs
        .iter()
        .position(|(_, c)| c.answered_at.is_some())
        .unwrap_or(0);
    let mut call = legs.swap_remove(chosen).1;
    if let Some(answered) = call.answered_at {
        call.ring_s = Some(super::super::call::seconds_between(dialed_at, answered));
    }
    call.dialed_at = dialed_at;
    call.ended_at = ended_at.or(call.ended_at);
    call.callee_number = call.callee_number.or(callee);
    call
}

/// A dialled number or extension: digits (with a leading `+` and separators) and not `s`,
/// the placeholder extension of originated calls; `PJSIP/0301234567@trunk` gives the digits.
fn dialled_number(value: &str) -> Option<String> {
    let value = value.trim();
    let after_tech = value.rsplit('/').next().unwrap_or(value);
    let number = after_tech
        .split(['@', ';'])
        .next()
        .unwrap_or(after_tech)
        .trim();
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let plausible = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    (digits >= 1 && plausible).then(|| number.to_string())
}

fn first_argument(lastdata: &str) -> &str {
    lastdata.split([',', '&']).next().unwrap_or_default()
}

/// The number in a caller id like `"Alice" <100>`.
fn clid_number(clid: &str) -> Option<String> {
    let start = clid.rfind('<')?;
    let end = clid[start..].find('>')? + start;
    non_empty(&clid[start + 1..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> csv::ByteRecord {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line.as_bytes());
        let mut record = csv::ByteRecord::new();
        reader.read_byte_record(&mut record).unwrap();
        record
    }

    const BASE: &str = r#""","","s","dialer","","PJSIP/trunk-00000001","","AppDial","(Outgoing Line)","2025-06-01 09:00:00",,"2025-06-01 09:00:30",30,0,"NO ANSWER","DOCUMENTATION""#;

    #[test]
    fn layouts_follow_the_column_count() {
        let layout = |extra: &str| Layout::detect(&record(&format!("{BASE}{extra}"))).unwrap();
        assert_eq!(layout("").uniqueid, None);
        assert_eq!(layout(r#","1706368044.12""#).uniqueid, Some(16));
        assert_eq!(layout(r#","host-1706420300.0""#).uniqueid, Some(16));
        assert_eq!(layout(r#","MACHINE""#).userfield, Some(16));
        let full = layout(r#","1706368044.12","","","1706368044.10",3"#);
        assert_eq!(
            (full.columns, full.linkedid, full.sequence),
            (21, Some(19), Some(20))
        );
        let new_only = layout(r#","","1706368044.10",3"#);
        assert_eq!((new_only.uniqueid, new_only.linkedid), (None, Some(17)));
        assert!(Layout::detect(&record(r#""a","b""#)).is_none());
    }

    #[test]
    fn numbers_come_from_dst_lastdata_or_channel() {
        assert_eq!(dialled_number("s"), None);
        assert_eq!(dialled_number("1"), Some("1".into()));
        assert_eq!(dialled_number("100"), Some("100".into()));
        assert_eq!(dialled_number("13800138000"), Some("13800138000".into()));
        assert_eq!(
            dialled_number(first_argument("PJSIP/0301234567@trunk,30")),
            Some("0301234567".into())
        );
        assert_eq!(
            dialled_number("Local/+8613800138000@from-internal-0000;1"),
            Some("+8613800138000".into())
        );
        assert_eq!(dialled_number("PJSIP/trunk-00000001"), None);
        assert_eq!(clid_number(r#""Alice" <100>"#), Some("100".into()));
    }
}
