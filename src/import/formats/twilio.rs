//! Twilio Call resources (API v2010): JSON lines of calls, or the API's list pages
//! (`{"calls": [...]}`). Dates are RFC 2822, numbers arrive as strings, child legs
//! (`parent_call_sid`) fold into their parent, and calls still queued, ringing or in
//! progress are not results yet: they are rejected, to be imported again when final.

use std::io::BufRead;

use anyhow::Result;
use serde_json::Value;

use super::{Rule, json_text, json_values, lookup};
use crate::import::call::{Call, seconds_between};
use crate::import::fold::Folder;
use crate::import::time::parse_rfc2822;
use crate::import::{Disposition, Records, Source};

use Disposition::*;

/// `call_enum_status`, final values.
pub const STATUSES: &[Rule] = &[
    ("completed", Answered, "then answered_by"),
    ("busy", Busy, ""),
    ("no-answer", NoAnswer, ""),
    (
        "canceled",
        NoAnswer,
        "cancelled through the API while queued or ringing",
    ),
    ("failed", Failed, "invalid numbers arrive as failed too"),
];

/// Statuses of calls that have not ended.
const NOT_FINAL: &[&str] = &["queued", "initiated", "ringing", "in-progress", "answered"];

/// `answered_by` of a completed call (Twilio AMD).
pub const ANSWERED_BY: &[Rule] = &[
    ("human", Answered, ""),
    ("unknown", Answered, "AMD could not tell"),
    ("machine", Voicemail, ""),
    ("machine_start", Voicemail, ""),
    ("machine_end_beep", Voicemail, ""),
    ("machine_end_silence", Voicemail, ""),
    ("machine_end_other", Voicemail, ""),
    ("fax", Failed, ""),
];

const FOLD_WINDOW_MS: i64 = 6 * 3_600_000;

pub fn read(
    input: Box<dyn BufRead + Send>,
    _source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut folder = Folder::<(bool, Call)>::new(FOLD_WINDOW_MS);
    let take = |line: u64,
                call: &Value,
                raw: &str,
                records: &mut dyn Records,
                folder: &mut Folder<(bool, Call)>|
     -> Result<()> {
        records.read();
        match parse(call) {
            Err(reason) => records.reject(line, &reason, raw),
            Ok((call, parent)) => {
                let at = call.ended_at.unwrap_or(call.dialed_at);
                let sid = call.call_id.clone();
                let keys = [sid.as_str(), parent.as_deref().unwrap_or_default()];
                folder.add(&keys, at, (parent.is_none(), call), records, merge)
            }
        }
    };
    json_values(input, |line, value, raw| match value {
        Err(reason) => {
            records.read();
            records.reject(line, &reason, raw)
        }
        Ok(Value::Object(page)) if page.get("calls").is_some_and(Value::is_array) => {
            for call in page
                .get("calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                take(line, call, &call.to_string(), records, &mut folder)?;
            }
            Ok(())
        }
        Ok(Value::Array(calls)) => {
            for call in &calls {
                take(line, call, &call.to_string(), records, &mut folder)?;
            }
            Ok(())
        }
        Ok(call) => take(line, &call, raw, records, &mut folder),
    })?;
    folder.finish(records, merge)
}

fn parse(value: &Value) -> Result<(Call, Option<String>), String> {
    let text = |key: &str| json_text(value, &[key]);
    let time = |key: &str| -> Result<Option<i64>, String> {
        match text(key) {
            None => Ok(None),
            Some(t) => parse_rfc2822(&t)
                .map(Some)
                .ok_or_else(|| format!("{key} is not an RFC 2822 date: {t:?}")),
        }
    };
    let sid = text("sid").ok_or("no sid")?;
    let status = text("status").ok_or("no status")?;
    if NOT_FINAL.contains(&status.as_str()) {
        return Err(format!(
            "status {status}: the call has not ended; import it again later"
        ));
    }
    let mut disposition =
        lookup(STATUSES, &status).ok_or_else(|| format!("unknown status {status:?}"))?;
    let answered_by = text("answered_by");
    if disposition == Answered
        && let Some(by) = &answered_by
    {
        disposition =
            lookup(ANSWERED_BY, by).ok_or_else(|| format!("unknown answered_by {by:?}"))?;
    }
    let started = time("start_time")?;
    let dialed_at = started
        .or(time("date_created")?)
        .ok_or("no start_time or date_created")?;
    let ended_at = time("end_time")?;
    let duration = match text("duration") {
        None => None,
        Some(d) => Some(
            d.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("duration is not a number of seconds: {d:?}"))?,
        ),
    };
    let spoke = matches!(disposition, Answered | Voicemail);
    let talk = if spoke { duration.unwrap_or(0.0) } else { 0.0 };
    // Twilio gives no answer time: a completed call was answered `duration` before its end.
    let answered_at = match (spoke, ended_at) {
        (true, Some(end)) => Some(end - (talk * 1000.0) as i64),
        (true, None) => Some(dialed_at),
        _ => None,
    };
    let call = Call {
        call_id: sid,
        caller_number: text("from"),
        callee_number: Some(text("to").ok_or("no to")?),
        dialed_at,
        answered_at,
        ended_at,
        ring_s: answered_at
            .map(|a| seconds_between(dialed_at, a))
            .or(ended_at.map(|e| seconds_between(dialed_at, e))),
        talk_s: Some(talk),
        disposition: Some(disposition),
        source_status: Some(status),
        source_cause: answered_by,
        ..Call::default()
    };
    Ok((call, text("parent_call_sid")))
}

/// The parent leg is the call; its children only count as legs.
fn merge(mut legs: Vec<(bool, Call)>) -> Call {
    legs.sort_by_key(|(is_parent, call)| (!is_parent, call.dialed_at));
    let ended_at = legs.iter().filter_map(|(_, c)| c.ended_at).max();
    let mut call = legs.swap_remove(0).1;
    call.ended_at = ended_at.or(call.ended_at);
    call
}
