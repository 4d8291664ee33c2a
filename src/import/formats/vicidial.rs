//! VICIdial: the admin "Export Calls Report" (tab-separated, CRLF, with or without its
//! header row) or a tab-separated dump of the `vicidial_log` table. Columns are read by
//! name when a header is there (the schema drifts between SVN revisions), else by the
//! documented order, told apart by their count. Statuses map through the default
//! `vicidial_statuses` rows and the codes the dialer scripts write; custom statuses map
//! by their flags when `--statuses` gives the table's export.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{Context, Result, bail};

use super::{Rule, content_id, lookup, non_empty, raw_text, seconds};
use crate::import::call::Call;
use crate::import::time::{parse_iso_local, switch_time};
use crate::import::{Disposition, Records, Source};

use Disposition::*;

/// Default statuses (`MySQL_AST_CREATE_tables.sql`) and those the dialer scripts set
/// (`AST_VDauto_dial.pl`, `FastAGI_log.pl`).
pub const STATUSES: &[Rule] = &[
    (
        "DROP",
        Abandoned,
        "Agent Not Available: answered, no agent free",
    ),
    ("XDROP", Abandoned, "Agent Not Available IN"),
    ("PDROP", Abandoned, "Outbound Pre-Routing Drop"),
    ("IVRXFR", Abandoned, "Outbound drop to Call Menu"),
    ("QVMAIL", Abandoned, "Queue Abandon Voicemail Left"),
    ("TIMEOT", Abandoned, "Inbound Queue Timeout Drop"),
    ("AFTHRS", Abandoned, "Inbound After Hours Drop"),
    ("NANQUE", Abandoned, "Inbound No Agent No Queue Drop"),
    ("IQNANQ", Abandoned, "InQueue No-Agent-No-Queue drop"),
    ("MAXCAL", Abandoned, "Inbound Max Calls Drop"),
    ("NA", NoAnswer, "No Answer AutoDial"),
    ("N", NoAnswer, "No Answer"),
    ("CPDNA", NoAnswer, "Sangoma CPD: no answer"),
    ("CPDUK", NoAnswer, "Sangoma CPD: unknown"),
    ("CALLBK", Answered, "Call Back"),
    ("CBHOLD", Answered, "Call Back Hold"),
    ("DEC", Answered, "Declined Sale"),
    ("DNC", Answered, "DO NOT CALL, said by the callee"),
    ("SALE", Answered, "Sale Made"),
    ("NI", Answered, "Not Interested"),
    ("NP", Answered, "No Pitch No Price"),
    ("PU", Answered, "Call Picked Up"),
    ("PM", Answered, "Played Message"),
    ("XFER", Answered, "Call Transferred"),
    ("SVYEXT", Answered, "Survey sent to Extension"),
    ("SVYVM", Answered, "Survey sent to Voicemail"),
    ("SVYHU", Answered, "Survey Hungup"),
    ("SVYREC", Answered, "Survey sent to Record"),
    ("SVYCLM", Answered, "Survey sent to Call Menu"),
    ("RQXFER", Answered, "Re-Queue"),
    ("QCFAIL", Answered, "QC_FAIL_CALLBK"),
    ("DAIR", Answered, "Dead Air"),
    ("ADAIR", Answered, "Dead Air Auto"),
    ("A", Voicemail, "Answering Machine"),
    ("AA", Voicemail, "Answering Machine Auto"),
    ("AM", Voicemail, "Answering Machine SentToMesg"),
    ("AL", Voicemail, "Answering Machine Msg Played"),
    ("B", Busy, "Busy"),
    ("AB", Busy, "Busy Auto"),
    ("CPDB", Busy, "Sangoma CPD: busy"),
    ("CPDREJ", Rejected, "Sangoma CPD: rejected"),
    ("DC", InvalidNumber, "Disconnected Number"),
    ("ADC", InvalidNumber, "Disconnected Number Auto"),
    ("ADCCAR", InvalidNumber, "pre-carrier disconnect filter"),
    ("CPDINV", InvalidNumber, "Sangoma CPD: invalid"),
    (
        "CPDSI",
        InvalidNumber,
        "Sangoma CPD: special information tone",
    ),
    ("CPDSV", InvalidNumber, "Sangoma CPD: vacant"),
    (
        "DNCL",
        Blocked,
        "DO NOT CALL Hopper Sys Match: never dialled",
    ),
    (
        "DNCC",
        Blocked,
        "DO NOT CALL Hopper Camp Match: never dialled",
    ),
    ("DNCCAR", Blocked, "pre-carrier DNC filter"),
    ("AFAX", Failed, "Fax Machine Auto"),
    ("ERI", Failed, "Agent Error"),
    ("LRERR", Failed, "Outbound Local Channel Res Err"),
    ("ADCT", Failed, "Disconnected Number Temporary"),
    ("CPDERR", Failed, "Sangoma CPD: error"),
    ("CPDATB", Failed, "Sangoma CPD"),
    ("CPDSUA", Failed, "Sangoma CPD"),
    ("CPDSNC", Failed, "Sangoma CPD"),
    ("CPDSR", Failed, "Sangoma CPD"),
    ("CPDSUK", Failed, "Sangoma CPD"),
    (
        "HUC*",
        Failed,
        "HUC<Q.850 cause>: carrier failure (enhanced_disconnect_logging=3)",
    ),
];

/// Lead and admin states that are not the result of a call.
const NOT_RESULTS: &[&str] = &["NEW", "QUEUE", "INCALL", "MLINAT", "LSMERG"];

/// The Export Calls Report's standard header (`call_report_export.php`).
const EXPORT_COLUMNS: &[&str] = &[
    "call_date",
    "phone_number_dialed",
    "status",
    "user",
    "full_name",
    "campaign_id",
    "vendor_lead_code",
    "source_id",
    "list_id",
    "gmt_offset_now",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "length_in_sec",
    "user_group",
    "alt_dial",
    "rank",
    "owner",
    "lead_id",
    "list_name",
    "list_description",
    "status_name",
];

/// `CREATE TABLE vicidial_log`, in order (`term_reason`'s SYSTEM and later columns vary).
const LOG_COLUMNS: &[&str] = &[
    "uniqueid",
    "lead_id",
    "list_id",
    "campaign_id",
    "call_date",
    "start_epoch",
    "end_epoch",
    "length_in_sec",
    "status",
    "phone_code",
    "phone_number",
    "user",
    "comments",
    "processed",
    "user_group",
    "term_reason",
    "alt_dial",
    "called_count",
];

/// Custom statuses from a `vicidial_statuses` (or `vicidial_campaign_statuses`) export.
pub struct Statuses {
    by_code: HashMap<String, Disposition>,
}

impl Statuses {
    /// A CSV or tab-separated export with a header naming `status` and the flag columns.
    pub fn load(path: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the statuses export {path}"))?;
        let delimiter = if text.lines().next().unwrap_or_default().contains('\t') {
            b'\t'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name);
        let Some(status) = column("status") else {
            bail!("the statuses export {path} has no `status` column");
        };
        let flags = [
            "answering_machine",
            "human_answered",
            "unworkable",
            "dnc",
            "sale",
            "customer_contact",
            "selectable",
        ]
        .map(column);
        let mut by_code = HashMap::new();
        for row in reader.records() {
            let row = row.with_context(|| format!("cannot read the statuses export {path}"))?;
            let yes =
                |i: Option<usize>| i.and_then(|i| row.get(i)).is_some_and(|v| v.trim() == "Y");
            let [machine, human, unworkable, dnc, sale, contact, selectable] = flags.map(yes);
            let disposition = if machine {
                Voicemail
            } else if human || sale || contact {
                Answered
            } else if unworkable {
                InvalidNumber
            } else if dnc {
                Blocked
            } else if selectable {
                // An agent chose it, so an agent was on the call.
                Answered
            } else {
                NoAnswer
            };
            if let Some(code) = row.get(status).and_then(non_empty) {
                by_code.insert(code, disposition);
            }
        }
        Ok(Statuses { by_code })
    }
}

fn disposition(status: &str, custom: Option<&Statuses>) -> Result<Disposition, String> {
    if NOT_RESULTS.contains(&status) {
        return Err(format!(
            "status {status:?} is a lead state, not a call result"
        ));
    }
    if let Some(d) = lookup(STATUSES, status) {
        return Ok(d);
    }
    if status
        .strip_prefix("HUC")
        .is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Ok(Failed);
    }
    custom
        .and_then(|c| c.by_code.get(status).copied())
        .ok_or_else(|| format!("unknown status {status:?} (a custom status? pass the statuses export with --statuses)"))
}

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<HashMap<String, usize>> = None;
    let mut width = 0;
    // Records counted from 1, the header included: the line in an editor (csv's own line
    // numbers run one behind after CRLF line ends).
    let mut number = 0u64;
    while reader.read_byte_record(&mut record)? {
        number += 1;
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        if columns.is_none() {
            let first = String::from_utf8_lossy(record.get(0).unwrap_or_default())
                .trim()
                .to_string();
            let named = |names: &[&str]| {
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.to_string(), i))
                    .collect()
            };
            if first == "call_date" || first == "uniqueid" {
                columns = Some(
                    record
                        .iter()
                        .enumerate()
                        .map(|(i, name)| (String::from_utf8_lossy(name).trim().to_string(), i))
                        .collect(),
                );
                width = record.len();
                continue;
            }
            width = record.len();
            columns = Some(if record.len() >= EXPORT_COLUMNS.len() {
                named(EXPORT_COLUMNS)
            } else {
                named(LOG_COLUMNS)
            });
        }
        records.read();
        let line = number;
        let parsed = match &columns {
            Some(_) if record.len() != width => Err(format!(
                "has {} fields; this file's records have {width}",
                record.len()
            )),
            Some(columns) => parse(&record, columns, source, line),
            None => Err("no columns".to_string()),
        };
        match parsed {
            Ok(call) => records.call(call)?,
            Err(reason) => records.reject(line, &reason, &raw_text(&record, b'\t'))?,
        }
    }
    Ok(())
}

fn parse(
    record: &csv::ByteRecord,
    columns: &HashMap<String, usize>,
    source: &Source,
    line: u64,
) -> Result<Call, String> {
    let get = |name: &str| -> Result<&str, String> {
        match columns.get(name).and_then(|&i| record.get(i)) {
            None => Ok(""),
            Some(bytes) => std::str::from_utf8(bytes)
                .map(str::trim)
                .map_err(|_| format!("{name} is not valid UTF-8")),
        }
    };
    let epoch = |name: &str| -> Result<Option<i64>, String> {
        let value = get(name)?;
        if value.is_empty() || value == "0" {
            return Ok(None);
        }
        value
            .parse::<i64>()
            .map(|s| Some(s * 1000))
            .map_err(|_| format!("{name} is not a Unix time: {value:?}"))
    };
    let status = get("status")?;
    if status.is_empty() {
        return Err("no status".into());
    }
    let disposition = disposition(status, source.statuses)?;
    let dialed_at = match epoch("start_epoch")? {
        Some(ms) => ms,
        None => switch_time(get("call_date")?, "call_date", source.zone)?.ok_or("no call_date")?,
    };
    let length = seconds(get("length_in_sec")?, "length_in_sec")?.unwrap_or(0.0);
    let ended_at = epoch("end_epoch")?.unwrap_or(dialed_at + (length * 1000.0) as i64);
    let callee = non_empty(get("phone_number_dialed")?)
        .or(non_empty(get("phone_number")?))
        .ok_or("no phone_number_dialed or phone_number")?;
    let spoke = matches!(disposition, Answered | Voicemail);
    let answered_at = match get("answered_time")? {
        "" => spoke.then_some(dialed_at),
        value => parse_iso_local(value)
            .and_then(|t| source.zone.utc_ms(t))
            .or(spoke.then_some(dialed_at)),
    };
    let call_id = non_empty(get("uniqueid")?)
        .unwrap_or_else(|| content_id("vicidial", source.name, record.as_slice(), line));
    let user = get("user")?;
    let attempt_no = get("called_count")?.parse::<i32>().ok().filter(|&n| n > 0);
    Ok(Call {
        call_id,
        campaign_id: non_empty(get("campaign_id")?),
        customer_id: non_empty(get("lead_id")?),
        attempt_no,
        agent_id: (!user.is_empty() && user != "VDAD").then(|| user.to_string()),
        callee_number: Some(callee),
        dialed_at,
        answered_at: if spoke { answered_at } else { None },
        ended_at: Some(ended_at),
        ring_s: Some(if spoke {
            answered_at.map_or(0.0, |a| crate::import::call::seconds_between(dialed_at, a))
        } else {
            length
        }),
        talk_s: Some(if spoke { length } else { 0.0 }),
        disposition: Some(disposition),
        dnc_requested: Some(status == "DNC"),
        outcome: Some(
            if status == "SALE" {
                "success"
            } else if matches!(status, "CALLBK" | "CBHOLD") {
                "callback"
            } else if matches!(status, "NI" | "DEC" | "DNC") {
                "refused"
            } else {
                "none"
            }
            .to_string(),
        ),
        source_status: Some(status.to_string()),
        source_cause: non_empty(get("hangup_cause")?).or(non_empty(get("term_reason")?)),
        ..Call::default()
    })
}
