//! The canonical tables (the README's tables; `DESCRIBE` at the prompt) and the check that a data set conforms to them.
//!
//! Files from other systems rarely match a schema exactly: durations arrive as integers,
//! strings as dictionaries or views, timestamps in other units. Conforming files are
//! accepted and their columns widened to the canonical type (DataFusion casts on read);
//! a missing required column or an incompatible type is one error naming the table, the
//! column, the expected and the found type.

use std::sync::Arc;

use anyhow::{Result, bail};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

pub mod reference;

/// The kind of values a canonical column holds, and so which physical types it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text with a handful of distinct values (a code list), exposed as a dictionary so
    /// predicates and classifications work on each distinct value once, not on every row.
    Category,
    Integer,
    Float,
    Boolean,
    Timestamp,
}

impl Kind {
    /// The type the registered table exposes.
    pub fn canonical_type(self) -> DataType {
        match self {
            Kind::Text | Kind::Category => DataType::Utf8,
            Kind::Integer => DataType::Int32,
            Kind::Float => DataType::Float64,
            Kind::Boolean => DataType::Boolean,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }

    /// The table type for a file column of type `found`, or `None` if it cannot hold this kind.
    /// Strings and integers keep their physical type (no copy), but for category strings,
    /// which are read as dictionaries; floats and timestamps are widened to the canonical
    /// type so functions see one type.
    fn conform(self, found: &DataType) -> Option<DataType> {
        match (self, found) {
            (Kind::Text, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                Some(found.clone())
            }
            (Kind::Text | Kind::Category, DataType::Dictionary(_, value)) if value.is_string() => {
                Some(found.clone())
            }
            (Kind::Category, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                Some(category_type())
            }
            (Kind::Integer, t) if t.is_integer() => Some(found.clone()),
            (Kind::Float, DataType::Float64) => Some(DataType::Float64),
            (Kind::Float, t) if t.is_integer() || t.is_floating() => Some(DataType::Float64),
            (Kind::Boolean, DataType::Boolean) => Some(DataType::Boolean),
            (Kind::Timestamp, DataType::Timestamp(_, _)) => Some(self.canonical_type()),
            _ => None,
        }
    }
}

/// The table type of a `Category` column stored as plain strings: the scan decodes
/// Parquet's dictionary pages straight into it (see `tables::dictionary_scan`).
pub fn category_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// One column of a canonical table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Null values are allowed.
    pub nullable: bool,
    /// Registration fails without it; other columns only fail the queries that use them.
    pub required: bool,
    /// What a value means, for `callsql tables` and the table reference.
    pub meaning: &'static str,
    /// The values a code-list column may hold; empty when any value of its kind is allowed.
    pub values: &'static [&'static str],
}

const fn col(
    name: &'static str,
    kind: Kind,
    nullable: bool,
    required: bool,
    meaning: &'static str,
) -> Column {
    Column {
        name,
        kind,
        nullable,
        required,
        meaning,
        values: &[],
    }
}

/// A column whose values come from a code list.
const fn coded(
    name: &'static str,
    nullable: bool,
    required: bool,
    meaning: &'static str,
    values: &'static [&'static str],
) -> Column {
    Column {
        name,
        kind: Kind::Category,
        nullable,
        required,
        meaning,
        values,
    }
}

use Kind::*;

/// The canonical dispositions' names, in [`Disposition::ALL`]'s order.
pub const DISPOSITIONS: &[&str] = &[
    "answered",
    "no_answer",
    "busy",
    "rejected",
    "invalid_number",
    "blocked",
    "failed",
    "voicemail",
    "abandoned",
];

/// `calls`: one row per dial attempt.
pub const CALLS: &[Column] = &[
    col("call_id", Text, false, true, "unique attempt id"),
    col("campaign_id", Text, false, true, "campaign"),
    col(
        "customer_id",
        Text,
        false,
        true,
        "the lead or customer dialled",
    ),
    col(
        "attempt_no",
        Integer,
        false,
        false,
        "1 for the first attempt at this customer in this campaign, 2 for the next …",
    ),
    col(
        "is_callback",
        Boolean,
        true,
        false,
        "a scheduled re-contact (回访); NULL when the source does not say",
    ),
    col(
        "script_id",
        Text,
        true,
        false,
        "script (话术) version the bot or agent used",
    ),
    col(
        "agent_id",
        Text,
        true,
        false,
        "human agent who handled the call; NULL when the bot alone handled it",
    ),
    col(
        "caller_number",
        Text,
        false,
        false,
        "outbound display number used (外显号码)",
    ),
    col(
        "callee_number",
        Text,
        false,
        false,
        "number dialled, as stored (may be dirty: spaces, +86, dashes; an extension as the switch wrote it)",
    ),
    col("dialed_at", Timestamp, false, true, "dial start"),
    col(
        "answered_at",
        Timestamp,
        true,
        false,
        "answer time; NULL if not answered",
    ),
    col("ended_at", Timestamp, false, false, "end of the call"),
    col("ring_s", Float, false, false, "ring seconds (0 when none)"),
    col("talk_s", Float, false, false, "talk seconds (0 when none)"),
    col("hold_s", Float, false, false, "hold seconds (0 when none)"),
    col(
        "acw_s",
        Float,
        false,
        false,
        "after-call-work seconds (0 when none)",
    ),
    coded(
        "disposition",
        false,
        true,
        "how the attempt ended",
        DISPOSITIONS,
    ),
    coded(
        "hangup_by",
        true,
        false,
        "who hung up",
        &["callee", "bot", "agent", "system"],
    ),
    col(
        "transferred",
        Boolean,
        true,
        false,
        "the bot handed the call to a human; NULL when the source does not say",
    ),
    col(
        "predicted_intent",
        Text,
        true,
        false,
        "intent the bot recognised",
    ),
    col(
        "labeled_intent",
        Text,
        true,
        false,
        "intent a QA reviewer labelled (sampled)",
    ),
    col(
        "intent_level",
        Text,
        true,
        false,
        "intent grade, A (strong intent) … F",
    ),
    col(
        "is_effective",
        Boolean,
        true,
        false,
        "the call was judged effective (有效通话)",
    ),
    coded(
        "outcome",
        true,
        false,
        "what the call achieved; NULL when the source does not say (a switch log)",
        &["success", "callback", "refused", "none"],
    ),
    col(
        "order_amount",
        Float,
        true,
        false,
        "revenue when outcome is success",
    ),
    col(
        "dnc_requested",
        Boolean,
        true,
        false,
        "the callee asked not to be called again (拉黑); NULL when the source does not say",
    ),
    col(
        "complaint",
        Boolean,
        true,
        false,
        "the callee complained (投诉); NULL when the source does not say",
    ),
    col("sentiment", Float, true, false, "−1 … 1"),
    col("csat", Integer, true, false, "survey score 1 … 5"),
    col("nps", Integer, true, false, "0 … 10"),
    col("transcript", Text, true, false, "ASR transcript"),
];

/// The switch's or vendor's own status and cause, which `import` adds to `calls` so a
/// mapping can be revised.
pub const CALLS_SOURCE: &[Column] = &[
    col(
        "source_status",
        Text,
        true,
        false,
        "the source's own status (imported calls only)",
    ),
    col(
        "source_cause",
        Text,
        true,
        false,
        "the source's own hang-up cause (imported calls only)",
    ),
];

pub const ORDERS: &[Column] = &[
    col("customer_id", Text, false, true, "who ordered"),
    col("order_id", Text, false, true, "unique order id"),
    col("ordered_at", Timestamp, false, true, "order time"),
    col("amount", Float, false, true, "order value"),
];

pub const CUSTOMERS: &[Column] = &[
    col("customer_id", Text, false, true, "unique customer id"),
    col(
        "phone",
        Text,
        false,
        true,
        "the customer's number as stored",
    ),
    col("region", Text, true, false, "region or province"),
    col(
        "signed_up_at",
        Timestamp,
        true,
        false,
        "when the customer was acquired",
    ),
];

pub const SCRIPTS: &[Column] = &[
    col("script_id", Text, false, true, "unique script (话术) id"),
    col(
        "campaign_id",
        Text,
        false,
        true,
        "campaign the script serves",
    ),
    col("name", Text, true, false, "display name"),
    col("version", Integer, true, false, "version number"),
];

pub const AGENTS: &[Column] = &[
    col("agent_id", Text, false, true, "unique agent (坐席) id"),
    col("team", Text, true, false, "team or group"),
];

pub const DNC: &[Column] = &[
    col(
        "phone",
        Text,
        false,
        true,
        "the number in E.164 form (`+8613812345678`) when imported; as stored when generated",
    ),
    col(
        "added_at",
        Timestamp,
        false,
        true,
        "when the number was listed (the earliest listing when listed twice)",
    ),
    col(
        "source",
        Text,
        true,
        false,
        "who listed it: a regulator's list, the callee's own request, a complaint …",
    ),
];

/// What `import --table dnc` adds to `dnc`: the number as the list wrote it.
pub const DNC_LISTED: &[Column] = &[col(
    "listed_phone",
    Text,
    true,
    false,
    "the number as the imported list wrote it (imported rows only)",
)];

/// `sessions`: one row per customer-service session (chat, phone, app, WeChat, e-mail).
pub const SESSIONS: &[Column] = &[
    col("session_id", Text, false, true, "unique session id"),
    coded(
        "channel",
        false,
        false,
        "where the session took place",
        &["phone", "chat", "app", "wechat", "email"],
    ),
    col(
        "customer_id",
        Text,
        true,
        false,
        "the customer; NULL for anonymous visitors",
    ),
    col("visitor_id", Text, false, false, "visitor or device id"),
    col(
        "started_at",
        Timestamp,
        false,
        true,
        "the customer's first message or the call's start",
    ),
    col(
        "first_response_at",
        Timestamp,
        true,
        false,
        "first reply by bot or human; NULL if nobody answered",
    ),
    col(
        "resolved_at",
        Timestamp,
        true,
        false,
        "when the issue was marked resolved",
    ),
    col("closed_at", Timestamp, false, false, "session end"),
    col("bot_only", Boolean, false, false, "no human joined"),
    col(
        "transferred",
        Boolean,
        false,
        false,
        "handed from the bot to a human (转人工)",
    ),
    col("agent_id", Text, true, false, "the human who handled it"),
    col("resolved", Boolean, false, false, "the issue was resolved"),
    col(
        "reopened",
        Boolean,
        false,
        false,
        "the same issue came back within the reopen window",
    ),
    coded(
        "stage",
        false,
        false,
        "furthest step reached: visit < consult < lead < order",
        &["visit", "consult", "lead", "order"],
    ),
    col(
        "order_amount",
        Float,
        true,
        false,
        "revenue when stage = order",
    ),
    col("intent", Text, true, false, "recognised intent (topic)"),
    col("csat", Integer, true, false, "survey score 1 … 5"),
    col("nps", Integer, true, false, "survey score 0 … 10"),
    col("sentiment", Float, true, false, "−1 … 1"),
];

/// How a table's rows are stored and replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Events, partitioned by the local day of a time column (`dt=YYYY-MM-DD/`).
    Facts { day_of: &'static str },
    /// A snapshot keyed by an id: importing an input again replaces its rows.
    Dimension,
    /// A list that only grows: a key listed again keeps its earliest row.
    Accumulating,
}

/// A canonical table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Columns imported data adds after the canonical ones.
    pub imported: &'static [Column],
    /// The column that identifies a row.
    pub key: &'static str,
    pub layout: Layout,
    pub meaning: &'static str,
}

/// Every canonical table, in the order they are registered.
pub const TABLES: &[Table] = &[
    Table {
        name: "calls",
        columns: CALLS,
        imported: CALLS_SOURCE,
        key: "call_id",
        layout: Layout::Facts {
            day_of: "dialed_at",
        },
        meaning: "one row per dial attempt",
    },
    Table {
        name: "orders",
        columns: ORDERS,
        imported: &[],
        key: "order_id",
        layout: Layout::Facts {
            day_of: "ordered_at",
        },
        meaning: "one row per order (RFM, customer lifetime, churn, retention)",
    },
    Table {
        name: "customers",
        columns: CUSTOMERS,
        imported: &[],
        key: "customer_id",
        layout: Layout::Dimension,
        meaning: "one row per customer (lead hygiene, routing)",
    },
    Table {
        name: "scripts",
        columns: SCRIPTS,
        imported: &[],
        key: "script_id",
        layout: Layout::Dimension,
        meaning: "one row per script (话术) version",
    },
    Table {
        name: "agents",
        columns: AGENTS,
        imported: &[],
        key: "agent_id",
        layout: Layout::Dimension,
        meaning: "one row per human agent (坐席)",
    },
    Table {
        name: "dnc",
        columns: DNC,
        imported: DNC_LISTED,
        key: "phone",
        layout: Layout::Accumulating,
        meaning: "numbers that must not be called (免打扰 / 黑名单)",
    },
    Table {
        name: "sessions",
        columns: SESSIONS,
        imported: &[],
        key: "session_id",
        layout: Layout::Facts {
            day_of: "started_at",
        },
        meaning: "one row per customer-service session (智能客服: chat, phone, app, WeChat, e-mail)",
    },
];

/// The canonical table called `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

impl Table {
    /// The canonical columns, then those an import adds.
    pub fn all_columns(&self) -> impl Iterator<Item = &'static Column> {
        self.columns.iter().chain(self.imported.iter())
    }

    /// Every table's name, for messages that list them.
    pub fn names() -> String {
        TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
    }
}

/// The canonical dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    Answered,
    NoAnswer,
    Busy,
    Rejected,
    InvalidNumber,
    Blocked,
    Failed,
    Voicemail,
    Abandoned,
}

impl Disposition {
    pub const ALL: [Disposition; 9] = [
        Disposition::Answered,
        Disposition::NoAnswer,
        Disposition::Busy,
        Disposition::Rejected,
        Disposition::InvalidNumber,
        Disposition::Blocked,
        Disposition::Failed,
        Disposition::Voicemail,
        Disposition::Abandoned,
    ];

    pub fn name(self) -> &'static str {
        DISPOSITIONS[self as usize]
    }

    pub fn parse(text: &str) -> Option<Self> {
        Disposition::ALL.into_iter().find(|d| d.name() == text)
    }
}

/// The Arrow schema the generator writes and the table exposes when files match exactly.
pub fn canonical_schema(columns: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c.name, c.kind.canonical_type(), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

/// Checks a table's file schema against its canonical columns and returns the schema to
/// register: canonical columns widened where needed, extra columns kept as they are.
pub fn conform(table: &str, columns: &[Column], found: &Schema) -> Result<SchemaRef> {
    for column in columns.iter().filter(|c| c.required) {
        if found.field_with_name(column.name).is_err() {
            bail!(
                "table {table}: missing required column `{}` (expected {})",
                column.name,
                column.kind.canonical_type()
            );
        }
    }
    let fields = found
        .fields()
        .iter()
        .map(|field| {
            let Some(column) = columns.iter().find(|c| c.name == field.name()) else {
                return Ok(field.as_ref().clone());
            };
            match column.kind.conform(field.data_type()) {
                Some(data_type) => Ok(Field::new(field.name(), data_type, field.is_nullable())),
                None => bail!(
                    "table {table}: column `{}` has type {}, expected {}",
                    field.name(),
                    field.data_type(),
                    column.kind.canonical_type()
                ),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(Schema::new_with_metadata(
        fields,
        found.metadata().clone(),
    )))
}

/// `schema` with its dictionary-encoded text columns as plain text.
pub fn without_dictionaries(schema: &Schema) -> SchemaRef {
    let fields = schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Dictionary(_, value) => Arc::new(
                field
                    .as_ref()
                    .clone()
                    .with_data_type(value.as_ref().clone()),
            ),
            _ => Arc::clone(field),
        })
        .collect::<Vec<_>>();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// A schema of nullable fields, for tests that describe files by their columns.
#[cfg(test)]
pub(crate) fn nullable_schema(fields: &[(&str, DataType)]) -> Schema {
    Schema::new(
        fields
            .iter()
            .map(|(name, data_type)| Field::new(*name, data_type.clone(), true))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::nullable_schema as schema;

    #[test]
    fn the_canonical_schema_conforms_to_itself_with_categories_as_dictionaries() {
        for table in TABLES {
            let columns = table.columns;
            let conformed = conform(table.name, columns, &canonical_schema(columns)).unwrap();
            for (field, column) in conformed.fields().iter().zip(columns.iter()) {
                let expected = match column.kind {
                    Kind::Category => category_type(),
                    kind => kind.canonical_type(),
                };
                assert_eq!(
                    (field.name().as_str(), field.data_type()),
                    (column.name, &expected)
                );
            }
        }
    }

    #[test]
    fn integer_durations_are_widened_and_strings_kept() {
        let found = schema(&[
            ("customer_id", DataType::Utf8View),
            (
                "order_id",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            ),
            (
                "ordered_at",
                DataType::Timestamp(TimeUnit::Microsecond, None),
            ),
            ("amount", DataType::Int64),
            ("extra", DataType::Int8),
        ]);
        let conformed = conform("orders", ORDERS, &found).unwrap();
        assert_eq!(conformed.field(0).data_type(), &DataType::Utf8View);
        assert!(matches!(
            conformed.field(1).data_type(),
            DataType::Dictionary(_, _)
        ));
        assert_eq!(conformed.field(2).data_type(), &Timestamp.canonical_type());
        assert_eq!(conformed.field(3).data_type(), &DataType::Float64);
        assert_eq!(conformed.field(4).data_type(), &DataType::Int8);
    }

    #[test]
    fn errors_name_table_column_and_types() {
        let missing = schema(&[
            ("customer_id", DataType::Utf8),
            ("order_id", DataType::Utf8),
        ]);
        let err = conform("orders", ORDERS, &missing).unwrap_err().to_string();
        assert_eq!(
            err,
            "table orders: missing required column `ordered_at` (expected Timestamp(ms, \"UTC\"))"
        );

        let wrong = schema(&[
            ("customer_id", DataType::Utf8),
            ("order_id", DataType::Utf8),
            ("ordered_at", DataType::Utf8),
            ("amount", DataType::Float64),
        ]);
        let err = conform("orders", ORDERS, &wrong).unwrap_err().to_string();
        assert_eq!(
            err,
            "table orders: column `ordered_at` has type Utf8, expected Timestamp(ms, \"UTC\")"
        );
    }
}
