//! One imported call in canonical form, and the Arrow batch a run of them becomes.
//!
//! Formats fill in what their source records; [`Call::complete`] supplies the rest the
//! same way for every format, so an Asterisk row and a vendor export row read alike.

use std::sync::Arc;

use anyhow::Result;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder,
};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};

use crate::schema;
pub use crate::schema::Disposition;

/// One canonical `calls` row as a format reads it; `None` is "the source does not say".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Call {
    pub call_id: String,
    pub campaign_id: Option<String>,
    pub customer_id: Option<String>,
    pub attempt_no: Option<i32>,
    pub is_callback: Option<bool>,
    pub script_id: Option<String>,
    pub agent_id: Option<String>,
    pub caller_number: Option<String>,
    pub callee_number: Option<String>,
    /// Milliseconds since the Unix epoch, UTC.
    pub dialed_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub ring_s: Option<f64>,
    pub talk_s: Option<f64>,
    pub hold_s: Option<f64>,
    pub acw_s: Option<f64>,
    pub disposition: Option<Disposition>,
    pub hangup_by: Option<String>,
    pub transferred: Option<bool>,
    pub predicted_intent: Option<String>,
    pub labeled_intent: Option<String>,
    pub intent_level: Option<String>,
    pub is_effective: Option<bool>,
    pub outcome: Option<String>,
    pub order_amount: Option<f64>,
    pub dnc_requested: Option<bool>,
    pub complaint: Option<bool>,
    pub sentiment: Option<f64>,
    pub csat: Option<i32>,
    pub nps: Option<i32>,
    pub transcript: Option<String>,
    pub source_status: Option<String>,
    pub source_cause: Option<String>,
}

/// What every format shares when a value is missing.
pub struct Defaults<'a> {
    /// `--campaign`: wins over the source's own campaign.
    pub campaign: Option<&'a str>,
}

/// The campaign of calls whose source names none and no `--campaign` was given.
pub const DEFAULT_CAMPAIGN: &str = "import";

impl Call {
    /// Fills what the source left out and can be derived: the campaign, the customer (the
    /// dialled number when the source has no lead id), the end (the start plus the known
    /// durations) and zero seconds. What only the source could say (outcome, transfer,
    /// complaint, do-not-call request, callback, who hung up) stays NULL: a made-up `none`
    /// or `false` would show as a 0 % rate where the truth is unknown. `attempt_no` is left
    /// to the caller, which counts attempts per campaign and customer.
    pub fn complete(&mut self, defaults: &Defaults) {
        if let Some(campaign) = defaults.campaign {
            self.campaign_id = Some(campaign.to_string());
        }
        if self.campaign_id.is_none() {
            self.campaign_id = Some(DEFAULT_CAMPAIGN.to_string());
        }
        if self.customer_id.is_none() {
            self.customer_id = self.callee_number.clone();
        }
        let ring = self.ring_s.unwrap_or_else(|| match self.answered_at {
            Some(answered) => seconds_between(self.dialed_at, answered),
            None => self
                .ended_at
                .map_or(0.0, |ended| seconds_between(self.dialed_at, ended)),
        });
        self.ring_s = Some(ring);
        self.talk_s.get_or_insert(0.0);
        self.hold_s.get_or_insert(0.0);
        self.acw_s.get_or_insert(0.0);
        if self.ended_at.is_none() {
            let seconds = ring + self.talk_s.unwrap_or(0.0) + self.hold_s.unwrap_or(0.0);
            self.ended_at = Some(self.dialed_at + (seconds * 1000.0).round() as i64);
        }
    }
}

/// Non-negative seconds from `from` to `to` (both in ms); clocks that run backwards give 0.
pub fn seconds_between(from: i64, to: i64) -> f64 {
    ((to - from).max(0) as f64) / 1000.0
}

/// The schema `import` writes: the canonical `calls` columns, nullable where a source may
/// not say (every column but the id, the dial time and the disposition), then the source's
/// own status and cause.
pub fn imported_schema() -> SchemaRef {
    let mut fields: Vec<Field> = schema::CALLS
        .iter()
        .map(|c| {
            let required = matches!(c.name, "call_id" | "dialed_at" | "disposition");
            Field::new(c.name, c.kind.canonical_type(), !required)
        })
        .collect();
    fields.push(Field::new(
        "source_status",
        datafusion::arrow::datatypes::DataType::Utf8,
        true,
    ));
    fields.push(Field::new(
        "source_cause",
        datafusion::arrow::datatypes::DataType::Utf8,
        true,
    ));
    Arc::new(Schema::new(fields))
}

/// Column builders for [`imported_schema`].
pub struct CallsBuilder {
    schema: SchemaRef,
    text: Vec<StringBuilder>,
    len: usize,
    attempt_no: Int32Builder,
    is_callback: BooleanBuilder,
    dialed_at: TimestampMillisecondBuilder,
    answered_at: TimestampMillisecondBuilder,
    ended_at: TimestampMillisecondBuilder,
    seconds: [Float64Builder; 4],
    transferred: BooleanBuilder,
    is_effective: BooleanBuilder,
    order_amount: Float64Builder,
    dnc_requested: BooleanBuilder,
    complaint: BooleanBuilder,
    sentiment: Float64Builder,
    csat: Int32Builder,
    nps: Int32Builder,
}

/// Text columns in the order [`CallsBuilder`] keeps their builders.
const TEXT_COLUMNS: usize = 16;

impl CallsBuilder {
    pub fn new(schema: SchemaRef) -> Self {
        CallsBuilder {
            schema,
            text: (0..TEXT_COLUMNS).map(|_| StringBuilder::new()).collect(),
            len: 0,
            attempt_no: Int32Builder::new(),
            is_callback: BooleanBuilder::new(),
            dialed_at: timestamps(),
            answered_at: timestamps(),
            ended_at: timestamps(),
            seconds: std::array::from_fn(|_| Float64Builder::new()),
            transferred: BooleanBuilder::new(),
            is_effective: BooleanBuilder::new(),
            order_amount: Float64Builder::new(),
            dnc_requested: BooleanBuilder::new(),
            complaint: BooleanBuilder::new(),
            sentiment: Float64Builder::new(),
            csat: Int32Builder::new(),
            nps: Int32Builder::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn append(&mut self, call: &Call) {
        let text: [Option<&str>; TEXT_COLUMNS] = [
            Some(call.call_id.as_str()),
            call.campaign_id.as_deref(),
            call.customer_id.as_deref(),
            call.script_id.as_deref(),
            call.agent_id.as_deref(),
            call.caller_number.as_deref(),
            call.callee_number.as_deref(),
            call.disposition.map(Disposition::name),
            call.hangup_by.as_deref(),
            call.predicted_intent.as_deref(),
            call.labeled_intent.as_deref(),
            call.intent_level.as_deref(),
            call.outcome.as_deref(),
            call.transcript.as_deref(),
            call.source_status.as_deref(),
            call.source_cause.as_deref(),
        ];
        for (builder, value) in self.text.iter_mut().zip(text) {
            builder.append_option(value);
        }
        self.attempt_no.append_option(call.attempt_no);
        self.is_callback.append_option(call.is_callback);
        self.dialed_at.append_value(call.dialed_at);
        self.answered_at.append_option(call.answered_at);
        self.ended_at.append_option(call.ended_at);
        for (builder, value) in
            self.seconds
                .iter_mut()
                .zip([call.ring_s, call.talk_s, call.hold_s, call.acw_s])
        {
            builder.append_option(value);
        }
        self.transferred.append_option(call.transferred);
        self.is_effective.append_option(call.is_effective);
        self.order_amount.append_option(call.order_amount);
        self.dnc_requested.append_option(call.dnc_requested);
        self.complaint.append_option(call.complaint);
        self.sentiment.append_option(call.sentiment);
        self.csat.append_option(call.csat);
        self.nps.append_option(call.nps);
        self.len += 1;
    }

    /// The rows appended since the last call, as one batch in schema order.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        let mut text: Vec<ArrayRef> = self
            .text
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let mut take =
            |i: usize| std::mem::replace(&mut text[i], Arc::new(StringBuilder::new().finish()));
        let [ring, talk, hold, acw] = &mut self.seconds;
        let columns: Vec<ArrayRef> = vec![
            take(0),
            take(1),
            take(2),
            Arc::new(self.attempt_no.finish()),
            Arc::new(self.is_callback.finish()),
            take(3),
            take(4),
            take(5),
            take(6),
            Arc::new(self.dialed_at.finish().with_timezone("UTC")),
            Arc::new(self.answered_at.finish().with_timezone("UTC")),
            Arc::new(self.ended_at.finish().with_timezone("UTC")),
            Arc::new(ring.finish()),
            Arc::new(talk.finish()),
            Arc::new(hold.finish()),
            Arc::new(acw.finish()),
            take(7),
            take(8),
            Arc::new(self.transferred.finish()),
            take(9),
            take(10),
            take(11),
            Arc::new(self.is_effective.finish()),
            take(12),
            Arc::new(self.order_amount.finish()),
            Arc::new(self.dnc_requested.finish()),
            Arc::new(self.complaint.finish()),
            Arc::new(self.sentiment.finish()),
            Arc::new(self.csat.finish()),
            Arc::new(self.nps.finish()),
            take(13),
            take(14),
            take(15),
        ];
        self.len = 0;
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }
}

fn timestamps() -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::new()
}
