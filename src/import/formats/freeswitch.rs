//! FreeSWITCH `mod_cdr_csv`: no header; every field quoted by the template text itself with
//! no escaping (a quote inside a caller name stays as it is), so a record is split on the
//! `","` between fields, not by a CSV parser. The built-in `default` template puts a space
//! before its last field. Templates are told apart by their field count: `example` (the
//! vanilla default, 15), `default` (13) and `asterisk` (18). With `legs=ab` the A and B legs
//! of a call are folded by `uuid`/`bleg_uuid`. `answer_stamp` set means answered, whatever
//! the hangup cause.

use std::io::BufRead;

use anyhow::Result;

use super::{Rule, content_id, for_each_line, lookup, non_empty, seconds};
use crate::import::call::{Call, seconds_between};
use crate::import::fold::Folder;
use crate::import::time::switch_time;
use crate::import::{Disposition, Records, Source};

use Disposition::*;

/// `hangup_cause` of an unanswered leg (switch_types.h, with SIP responses as
/// `sofia_glue_sip_cause_to_freeswitch` maps them).
pub const CAUSES: &[Rule] = &[
    ("NO_ANSWER", NoAnswer, "Q.850 19"),
    ("NO_USER_RESPONSE", NoAnswer, "Q.850 18; SIP 480"),
    ("SUBSCRIBER_ABSENT", NoAnswer, "Q.850 20"),
    (
        "ORIGINATOR_CANCEL",
        NoAnswer,
        "SIP 487: the dialer or caller hung up while ringing",
    ),
    ("PROGRESS_TIMEOUT", NoAnswer, "originate timeout"),
    ("ALLOTTED_TIMEOUT", NoAnswer, "originate timeout"),
    ("NO_PICKUP", NoAnswer, ""),
    ("NORMAL_CLEARING", NoAnswer, "Q.850 16 without an answer"),
    ("USER_BUSY", Busy, "Q.850 17; SIP 486, 600"),
    ("BUSY_EVERYWHERE", Busy, ""),
    (
        "CALL_REJECTED",
        Rejected,
        "Q.850 21; SIP 401/402/403/407/603/608",
    ),
    ("DECLINE", Rejected, ""),
    ("REJECT_ALL", Rejected, ""),
    ("FACILITY_REJECTED", Rejected, "Q.850 29"),
    ("UNALLOCATED_NUMBER", InvalidNumber, "Q.850 1; SIP 404"),
    ("INVALID_NUMBER_FORMAT", InvalidNumber, "Q.850 28; SIP 484"),
    ("NUMBER_CHANGED", InvalidNumber, "Q.850 22; SIP 410"),
    (
        "NO_ROUTE_DESTINATION",
        InvalidNumber,
        "Q.850 3; SIP 485/604",
    ),
    ("NO_ROUTE_TRANSIT_NET", InvalidNumber, "Q.850 2"),
    ("DOES_NOT_EXIST_ANYWHERE", InvalidNumber, ""),
    ("OUTGOING_CALL_BARRED", Blocked, "Q.850 52"),
    ("INCOMING_CALL_BARRED", Blocked, "Q.850 54"),
    ("UNWANTED", Blocked, "SIP 607"),
    ("NO_IDENTITY", Blocked, "STIR/SHAKEN; SIP 428"),
    ("BAD_IDENTITY_INFO", Blocked, "STIR/SHAKEN; SIP 429"),
    ("UNSUPPORTED_CERTIFICATE", Blocked, "STIR/SHAKEN; SIP 437"),
    ("INVALID_IDENTITY", Blocked, "STIR/SHAKEN; SIP 438"),
    ("STALE_DATE", Blocked, "STIR/SHAKEN"),
    ("NONE", Failed, "Q.850 0"),
    ("CHANNEL_UNACCEPTABLE", Failed, "Q.850 6"),
    ("CALL_AWARDED_DELIVERED", Failed, "Q.850 7"),
    ("REDIRECTION_TO_NEW_DESTINATION", Failed, "Q.850 23"),
    ("EXCHANGE_ROUTING_ERROR", Failed, "Q.850 25; SIP 482/483"),
    ("DESTINATION_OUT_OF_ORDER", Failed, "Q.850 27"),
    ("RESPONSE_TO_STATUS_ENQUIRY", Failed, "Q.850 30"),
    (
        "NORMAL_UNSPECIFIED",
        Failed,
        "Q.850 31; other SIP responses",
    ),
    ("NORMAL_CIRCUIT_CONGESTION", Failed, "Q.850 34"),
    ("NETWORK_OUT_OF_ORDER", Failed, "Q.850 38; SIP 502"),
    (
        "NORMAL_TEMPORARY_FAILURE",
        Failed,
        "Q.850 41; SIP 400/481/500/503",
    ),
    ("SWITCH_CONGESTION", Failed, "Q.850 42"),
    ("ACCESS_INFO_DISCARDED", Failed, "Q.850 43"),
    ("REQUESTED_CHAN_UNAVAIL", Failed, "Q.850 44"),
    ("PRE_EMPTED", Failed, "Q.850 45"),
    ("FACILITY_NOT_SUBSCRIBED", Failed, "Q.850 50"),
    ("BEARERCAPABILITY_NOTAUTH", Failed, "Q.850 57"),
    ("BEARERCAPABILITY_NOTAVAIL", Failed, "Q.850 58"),
    ("SERVICE_UNAVAILABLE", Failed, "Q.850 63; SIP 405"),
    ("BEARERCAPABILITY_NOTIMPL", Failed, "Q.850 65"),
    ("CHAN_NOT_IMPLEMENTED", Failed, "Q.850 66"),
    ("FACILITY_NOT_IMPLEMENTED", Failed, "Q.850 69"),
    (
        "SERVICE_NOT_IMPLEMENTED",
        Failed,
        "Q.850 79; SIP 406/415/501",
    ),
    ("INVALID_CALL_REFERENCE", Failed, "Q.850 81"),
    ("INCOMPATIBLE_DESTINATION", Failed, "Q.850 88; SIP 488/606"),
    ("INVALID_MSG_UNSPECIFIED", Failed, "Q.850 95"),
    ("MANDATORY_IE_MISSING", Failed, "Q.850 96"),
    ("MESSAGE_TYPE_NONEXIST", Failed, "Q.850 97"),
    ("WRONG_MESSAGE", Failed, "Q.850 98"),
    ("IE_NONEXIST", Failed, "Q.850 99"),
    ("INVALID_IE_CONTENTS", Failed, "Q.850 100"),
    ("WRONG_CALL_STATE", Failed, "Q.850 101"),
    ("RECOVERY_ON_TIMER_EXPIRE", Failed, "Q.850 102; SIP 408/504"),
    ("MANDATORY_IE_LENGTH_ERROR", Failed, "Q.850 103"),
    ("PROTOCOL_ERROR", Failed, "Q.850 111"),
    (
        "INTERWORKING",
        Failed,
        "Q.850 127; SIP 413/414/416/420/421/423/505/513",
    ),
    ("SUCCESS", Failed, "142, without an answer"),
    ("CRASH", Failed, ""),
    ("SYSTEM_SHUTDOWN", Failed, ""),
    ("LOSE_RACE", Failed, ""),
    (
        "MANAGER_REQUEST",
        Failed,
        "hung up through the API before an answer",
    ),
    ("BLIND_TRANSFER", Failed, "without an answer"),
    ("ATTENDED_TRANSFER", Failed, "without an answer"),
    ("USER_CHALLENGE", Failed, ""),
    ("MEDIA_TIMEOUT", Failed, ""),
    ("PICKED_OFF", Failed, ""),
    ("USER_NOT_REGISTERED", Failed, ""),
    ("INVALID_GATEWAY", Failed, ""),
    ("GATEWAY_DOWN", Failed, ""),
    ("INVALID_URL", Failed, ""),
    ("INVALID_PROFILE", Failed, ""),
    ("SRTP_READ_ERROR", Failed, ""),
    ("BOWOUT", Failed, ""),
    ("NOT_ACCEPTABLE", Failed, ""),
];

const FOLD_WINDOW_MS: i64 = 6 * 3_600_000;

/// Field positions of a template.
#[derive(Debug, Clone, Copy)]
struct Template {
    fields: usize,
    caller: usize,
    destination: usize,
    start: usize,
    answer: usize,
    end: usize,
    duration: usize,
    billsec: usize,
    cause: usize,
    uuid: usize,
    bleg: Option<usize>,
    account: usize,
}

const EXAMPLE: Template = Template {
    fields: 15,
    caller: 1,
    destination: 2,
    start: 4,
    answer: 5,
    end: 6,
    duration: 7,
    billsec: 8,
    cause: 9,
    uuid: 10,
    bleg: Some(11),
    account: 12,
};

const DEFAULT: Template = Template {
    fields: 13,
    ..EXAMPLE
};

const ASTERISK: Template = Template {
    fields: 18,
    caller: 1,
    destination: 2,
    start: 9,
    answer: 10,
    end: 11,
    duration: 12,
    billsec: 13,
    cause: 14,
    uuid: 16,
    bleg: None,
    account: 0,
};

/// The fields of one line, or `None` if it is not a line of quoted fields.
fn split(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix('"')?.strip_suffix('"')?;
    Some(
        inner
            .split("\",")
            .map(|f| f.trim_start().strip_prefix('"').unwrap_or(f))
            .collect(),
    )
}

pub fn read(
    input: Box<dyn BufRead + Send>,
    source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut template: Option<Template> = None;
    let mut folder = Folder::<Call>::new(FOLD_WINDOW_MS);
    for_each_line(input, |line_no, bytes| {
        records.read();
        let parsed = std::str::from_utf8(bytes)
            .map_err(|_| "not valid UTF-8".to_string())
            .and_then(|line| split(line).ok_or_else(|| "not a line of quoted fields".to_string()))
            .and_then(|fields| {
                if template.is_none() {
                    template = [EXAMPLE, DEFAULT, ASTERISK]
                        .into_iter()
                        .find(|t| t.fields == fields.len());
                }
                match template {
                    None => Err(format!(
                        "has {} fields; the example, default and asterisk templates have 15, 13 and 18",
                        fields.len()
                    )),
                    Some(t) if t.fields != fields.len() => Err(format!(
                        "has {} fields; this file's records have {}",
                        fields.len(),
                        t.fields
                    )),
                    Some(t) => parse(&fields, t, source, bytes, line_no),
                }
            });
        match parsed {
            Err(reason) => records.reject(line_no, &reason, &String::from_utf8_lossy(bytes)),
            Ok((call, bleg)) => {
                let uuid = call.call_id.clone();
                let at = call.ended_at.unwrap_or(call.dialed_at);
                folder.add(&[uuid.as_str(), bleg.as_str()], at, call, records, merge)
            }
        }
    })?;
    folder.finish(records, merge)
}

fn parse(
    fields: &[&str],
    t: Template,
    source: &Source,
    raw: &[u8],
    line: u64,
) -> Result<(Call, String), String> {
    let field = |i: usize| fields.get(i).copied().unwrap_or_default().trim();
    let time = |i: usize, name: &str| switch_time(field(i), name, source.zone);
    let cause = field(t.cause);
    let dialed_at = time(t.start, "start_stamp")?.ok_or("no start_stamp")?;
    let answered_at = time(t.answer, "answer_stamp")?;
    let ended_at = time(t.end, "end_stamp")?;
    let billsec = seconds(field(t.billsec), "billsec")?;
    let duration = seconds(field(t.duration), "duration")?;
    let disposition = match answered_at {
        Some(_) => Answered,
        None if cause.is_empty() => return Err("no answer_stamp and no hangup_cause".into()),
        None => lookup(CAUSES, cause).ok_or_else(|| format!("unknown hangup_cause {cause:?}"))?,
    };
    let callee = non_empty(field(t.destination)).ok_or("no destination_number")?;
    let talk = if answered_at.is_some() {
        billsec.unwrap_or(0.0)
    } else {
        0.0
    };
    let call_id = non_empty(field(t.uuid))
        .unwrap_or_else(|| content_id("freeswitch", source.name, raw, line));
    let call = Call {
        call_id,
        campaign_id: non_empty(field(t.account)),
        caller_number: non_empty(field(t.caller)),
        callee_number: Some(callee),
        dialed_at,
        answered_at,
        ended_at,
        ring_s: duration.map(|d| (d - talk).max(0.0)),
        talk_s: Some(talk),
        disposition: Some(disposition),
        source_status: answered_at.map(|_| "ANSWERED".to_string()),
        source_cause: non_empty(cause),
        ..Call::default()
    };
    Ok((
        call,
        t.bleg.map(|i| field(i).to_string()).unwrap_or_default(),
    ))
}

/// One call from its legs: the leg created first is the call; it counts as answered if
/// any leg was, from the first answer.
fn merge(mut legs: Vec<Call>) -> Call {
    legs.sort_by_key(|c| c.dialed_at);
    let ended_at = legs.iter().filter_map(|c| c.ended_at).max();
    let answered = legs
        .iter()
        .filter(|c| c.answered_at.is_some())
        .min_by_key(|c| c.answered_at);
    let answer = answered.map(|c| (c.answered_at, c.talk_s, c.source_status.clone()));
    let mut call = legs.swap_remove(0);
    if call.answered_at.is_none()
        && let Some((answered_at, talk_s, status)) = answer
    {
        call.answered_at = answered_at;
        call.talk_s = talk_s;
        call.disposition = Some(Answered);
        call.source_status = status;
        call.ring_s = answered_at.map(|a| seconds_between(call.dialed_at, a));
    }
    call.ended_at = ended_at.or(call.ended_at);
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_of_switch_types_h_is_mapped_once() {
        let mut names: Vec<&str> = CAUSES.iter().map(|(name, _, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 82);
    }

    #[test]
    fn quotes_inside_values_and_the_default_templates_space_survive() {
        let fields = split(r#""Bob "the" Builder","1000","13800138000", "acct""#).unwrap();
        assert_eq!(
            fields,
            ["Bob \"the\" Builder", "1000", "13800138000", "acct"]
        );
        assert!(split("no quotes").is_none());
    }
}
