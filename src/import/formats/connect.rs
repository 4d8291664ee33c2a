//! Amazon Connect contact records (CTR): JSON documents as Kinesis Firehose delivers them,
//! at least once. A re-delivered record keeps the newest `LastUpdateTimestamp` per
//! `ContactId`; transfers (new contacts sharing an `InitialContactId`) fold into the
//! initial contact. The answering-machine verdict decides first, then whether the contact
//! reached an agent (abandoned: queued, never connected to one), then why it ended.

use std::io::BufRead;

use anyhow::Result;
use serde_json::Value;

use super::{Rule, json_text, json_values, lookup};
use crate::import::call::Call;
use crate::import::fold::Folder;
use crate::import::time::parse_rfc3339;
use crate::import::{Disposition, Records, Source};

use Disposition::*;

/// `AnsweringMachineDetectionStatus` (API_Contact). Answered means "no other verdict":
/// the contact's timestamps decide (the `(contact)` rules).
pub const AMD: &[Rule] = &[
    ("VOICEMAIL_BEEP", Voicemail, ""),
    ("VOICEMAIL_NO_BEEP", Voicemail, ""),
    ("SIT_TONE_INVALID_NUMBER", InvalidNumber, ""),
    ("SIT_TONE_BUSY", Busy, ""),
    ("SIT_TONE_DETECTED", Failed, ""),
    ("FAX_MACHINE_DETECTED", Failed, ""),
    ("ERROR", Failed, ""),
    ("AMD_ERROR", Failed, ""),
    ("AMD_UNANSWERED", NoAnswer, ""),
    ("HUMAN_ANSWERED", Answered, "then the (contact) rules"),
    ("ANSWERED", Answered, "then the (contact) rules"),
    ("UNDETECTED", Answered, "no verdict: the (contact) rules"),
    (
        "AMD_UNRESOLVED",
        Answered,
        "no verdict: the (contact) rules",
    ),
    (
        "AMD_NOT_APPLICABLE",
        Answered,
        "no verdict: the (contact) rules",
    ),
];

/// What the contact's timestamps say once the machine verdict left it open.
pub const CONTACT: &[Rule] = &[
    ("Agent.ConnectedToAgentTimestamp set", Answered, ""),
    (
        "Queue.EnqueueTimestamp set, no agent",
        Abandoned,
        "Admin Guide: identifying abandoned contacts",
    ),
    (
        "ConnectedToSystemTimestamp set, never queued",
        Answered,
        "the customer endpoint answered",
    ),
    (
        "ConnectedToSystemTimestamp unset",
        NoAnswer,
        "unless DisconnectReason says otherwise",
    ),
];

/// `DisconnectReason` of a contact that never connected.
pub const DISCONNECT: &[Rule] = &[
    ("TELECOM_PROBLEM", Failed, ""),
    ("TELECOM_BUSY", Busy, ""),
    ("TELECOM_NUMBER_INVALID", InvalidNumber, ""),
    ("TELECOM_POTENTIAL_BLOCKING", Blocked, ""),
    ("TELECOM_UNANSWERED", NoAnswer, ""),
    ("TELECOM_TIMEOUT", NoAnswer, ""),
    ("TELECOM_ORIGINATOR_CANCEL", NoAnswer, ""),
    ("CUSTOMER_NEVER_ARRIVED", NoAnswer, ""),
    ("CUSTOMER_DISCONNECT", NoAnswer, "before an answer"),
    ("AGENT_DISCONNECT", NoAnswer, "before an answer"),
    ("THIRD_PARTY_DISCONNECT", NoAnswer, ""),
    ("CONTACT_FLOW_DISCONNECT", NoAnswer, ""),
    ("BARGED", NoAnswer, ""),
    ("EXPIRED", NoAnswer, ""),
    ("API", NoAnswer, ""),
    ("OTHER", NoAnswer, ""),
    ("OUTBOUND_DESTINATION_ENDPOINT_ERROR", Failed, ""),
    ("OUTBOUND_RESOURCE_ERROR", Failed, ""),
    ("OUTBOUND_ATTEMPT_FAILED", Failed, ""),
    ("OUTBOUND_PREVIEW_DISCARDED", Failed, ""),
];

/// Re-deliveries and transfers arrive within this of the contact's end.
const FOLD_WINDOW_MS: i64 = 24 * 3_600_000;

struct Contact {
    id: String,
    initial: bool,
    updated: i64,
    call: Call,
}

pub fn read(
    input: Box<dyn BufRead + Send>,
    _source: &Source,
    records: &mut dyn Records,
) -> Result<()> {
    let mut folder = Folder::<Contact>::new(FOLD_WINDOW_MS);
    json_values(input, |line, value, raw| {
        records.read();
        match value.and_then(|v| parse(&v)) {
            Err(reason) => records.reject(line, &reason, raw),
            Ok((contact, initial_id)) => {
                let at = contact.call.ended_at.unwrap_or(contact.call.dialed_at);
                let id = contact.id.clone();
                let keys = [id.as_str(), initial_id.as_str()];
                folder.add(&keys, at, contact, records, merge)
            }
        }
    })?;
    folder.finish(records, merge)
}

fn parse(value: &Value) -> Result<(Contact, String), String> {
    let text = |path: &[&str]| json_text(value, path);
    let time = |path: &[&str]| -> Result<Option<i64>, String> {
        match text(path) {
            None => Ok(None),
            Some(t) => parse_rfc3339(&t)
                .map(Some)
                .ok_or_else(|| format!("{} is not an ISO-8601 time: {t:?}", path.join("."))),
        }
    };
    let id = text(&["ContactId"]).ok_or("no ContactId")?;
    if let Some(channel) = text(&["Channel"]).filter(|c| c != "VOICE") {
        return Err(format!("Channel {channel}: not a call"));
    }
    let dialed_at = time(&["InitiationTimestamp"])?.ok_or("no InitiationTimestamp")?;
    let connected = time(&["ConnectedToSystemTimestamp"])?;
    let to_agent = time(&["Agent", "ConnectedToAgentTimestamp"])?;
    let enqueued = time(&["Queue", "EnqueueTimestamp"])?;
    let ended_at = time(&["DisconnectTimestamp"])?;
    let updated = time(&["LastUpdateTimestamp"])?.unwrap_or(dialed_at);
    let amd = text(&["AnsweringMachineDetectionStatus"]);
    let reason = text(&["DisconnectReason"]);
    let mut disposition = match &amd {
        None => Answered,
        Some(status) => lookup(AMD, status)
            .ok_or_else(|| format!("unknown AnsweringMachineDetectionStatus {status:?}"))?,
    };
    if disposition == Answered {
        disposition = match (connected, to_agent, enqueued) {
            (_, Some(_), _) => Answered,
            (Some(_), None, Some(_)) => Abandoned,
            (Some(_), None, None) => Answered,
            (None, None, _) => match &reason {
                None => NoAnswer,
                Some(r) => lookup(DISCONNECT, r)
                    .ok_or_else(|| format!("unknown DisconnectReason {r:?}"))?,
            },
        };
    }
    let seconds = |path: &[&str]| {
        text(path)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
    };
    let answered_at = match disposition {
        Answered | Voicemail => connected.or(to_agent),
        _ => None,
    };
    let talk = match (disposition, to_agent, ended_at) {
        (Answered, _, _) if seconds(&["Agent", "AgentInteractionDuration"]).is_some() => {
            seconds(&["Agent", "AgentInteractionDuration"])
        }
        (Answered | Voicemail, _, Some(end)) => {
            answered_at.map(|a| crate::import::call::seconds_between(a, end))
        }
        _ => Some(0.0),
    };
    let agent = text(&["Agent", "Username"]).or_else(|| {
        text(&["Agent", "ARN"]).and_then(|arn| arn.rsplit('/').next().map(str::to_string))
    });
    let hangup_by = reason.as_deref().and_then(|r| match r {
        "CUSTOMER_DISCONNECT" => Some("callee"),
        "AGENT_DISCONNECT" => Some("agent"),
        "CONTACT_FLOW_DISCONNECT" => Some("bot"),
        "TELECOM_PROBLEM" | "THIRD_PARTY_DISCONNECT" | "OTHER" => Some("system"),
        _ => None,
    });
    let initial_id = text(&["InitialContactId"]).unwrap_or_default();
    let call = Call {
        call_id: if initial_id.is_empty() {
            id.clone()
        } else {
            initial_id.clone()
        },
        campaign_id: text(&["Campaign", "CampaignId"]),
        agent_id: agent,
        caller_number: text(&["SystemEndpoint", "Address"]),
        callee_number: Some(
            text(&["CustomerEndpoint", "Address"]).ok_or("no CustomerEndpoint.Address")?,
        ),
        dialed_at,
        answered_at,
        ended_at,
        talk_s: talk,
        hold_s: seconds(&["Agent", "CustomerHoldDuration"]),
        acw_s: seconds(&["Agent", "AfterContactWorkDuration"]),
        disposition: Some(disposition),
        hangup_by: hangup_by.map(str::to_string),
        source_status: amd,
        source_cause: reason,
        ..Call::default()
    };
    let initial = initial_id.is_empty() || initial_id == id;
    Ok((
        Contact {
            id,
            initial,
            updated,
            call,
        },
        initial_id,
    ))
}

/// The newest record of each contact; the initial contact is the call, ending when its
/// last transfer ends, answered if any part of it reached an agent.
fn merge(mut contacts: Vec<Contact>) -> Call {
    contacts.sort_by(|a, b| a.id.cmp(&b.id).then(b.updated.cmp(&a.updated)));
    contacts.dedup_by(|later, newest| later.id == newest.id);
    contacts.sort_by_key(|c| (!c.initial, c.call.dialed_at));
    let ended_at = contacts.iter().filter_map(|c| c.call.ended_at).max();
    let transferred = contacts.len() > 1;
    let reached_agent = contacts
        .iter()
        .skip(1)
        .any(|c| c.call.disposition == Some(Answered));
    let mut call = contacts.swap_remove(0).call;
    if reached_agent && call.disposition == Some(Abandoned) {
        call.disposition = Some(Answered);
    }
    call.ended_at = ended_at.or(call.ended_at);
    call.transferred = Some(transferred);
    call
}
