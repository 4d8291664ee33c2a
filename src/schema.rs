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
}

const fn col(name: &'static str, kind: Kind, nullable: bool, required: bool) -> Column {
    Column {
        name,
        kind,
        nullable,
        required,
    }
}

use Kind::*;

/// `calls`: one row per dial attempt.
pub const CALLS: &[Column] = &[
    col("call_id", Text, false, true),
    col("campaign_id", Text, false, true),
    col("customer_id", Text, false, true),
    col("attempt_no", Integer, false, false),
    col("is_callback", Boolean, false, false),
    col("script_id", Text, true, false),
    col("agent_id", Text, true, false),
    col("caller_number", Text, false, false),
    col("callee_number", Text, false, false),
    col("dialed_at", Timestamp, false, true),
    col("answered_at", Timestamp, true, false),
    col("ended_at", Timestamp, false, false),
    col("ring_s", Float, false, false),
    col("talk_s", Float, false, false),
    col("hold_s", Float, false, false),
    col("acw_s", Float, false, false),
    col("disposition", Category, false, true),
    col("hangup_by", Category, true, false),
    col("transferred", Boolean, false, false),
    col("predicted_intent", Text, true, false),
    col("labeled_intent", Text, true, false),
    col("intent_level", Text, true, false),
    col("is_effective", Boolean, true, false),
    col("outcome", Category, false, false),
    col("order_amount", Float, true, false),
    col("dnc_requested", Boolean, false, false),
    col("complaint", Boolean, false, false),
    col("sentiment", Float, true, false),
    col("csat", Integer, true, false),
    col("nps", Integer, true, false),
    col("transcript", Text, true, false),
];

pub const ORDERS: &[Column] = &[
    col("customer_id", Text, false, true),
    col("order_id", Text, false, true),
    col("ordered_at", Timestamp, false, true),
    col("amount", Float, false, true),
];

pub const CUSTOMERS: &[Column] = &[
    col("customer_id", Text, false, true),
    col("phone", Text, false, true),
    col("region", Text, true, false),
    col("signed_up_at", Timestamp, true, false),
];

pub const SCRIPTS: &[Column] = &[
    col("script_id", Text, false, true),
    col("campaign_id", Text, false, true),
    col("name", Text, true, false),
    col("version", Integer, true, false),
];

pub const AGENTS: &[Column] = &[
    col("agent_id", Text, false, true),
    col("team", Text, true, false),
];

pub const DNC: &[Column] = &[
    col("phone", Text, false, true),
    col("added_at", Timestamp, false, true),
    col("source", Text, true, false),
];

/// `sessions`: one row per customer-service session (chat, phone, app, WeChat, e-mail).
pub const SESSIONS: &[Column] = &[
    col("session_id", Text, false, true),
    col("channel", Category, false, false),
    col("customer_id", Text, true, false),
    col("visitor_id", Text, false, false),
    col("started_at", Timestamp, false, true),
    col("first_response_at", Timestamp, true, false),
    col("resolved_at", Timestamp, true, false),
    col("closed_at", Timestamp, false, false),
    col("bot_only", Boolean, false, false),
    col("transferred", Boolean, false, false),
    col("agent_id", Text, true, false),
    col("resolved", Boolean, false, false),
    col("reopened", Boolean, false, false),
    col("stage", Category, false, false),
    col("order_amount", Float, true, false),
    col("intent", Text, true, false),
    col("csat", Integer, true, false),
    col("nps", Integer, true, false),
    col("sentiment", Float, true, false),
];

/// Every canonical table, in the order they are registered.
pub const TABLES: &[(&str, &[Column])] = &[
    ("calls", CALLS),
    ("orders", ORDERS),
    ("customers", CUSTOMERS),
    ("scripts", SCRIPTS),
    ("agents", AGENTS),
    ("dnc", DNC),
    ("sessions", SESSIONS),
];

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
        match self {
            Disposition::Answered => "answered",
            Disposition::NoAnswer => "no_answer",
            Disposition::Busy => "busy",
            Disposition::Rejected => "rejected",
            Disposition::InvalidNumber => "invalid_number",
            Disposition::Blocked => "blocked",
            Disposition::Failed => "failed",
            Disposition::Voicemail => "voicemail",
            Disposition::Abandoned => "abandoned",
        }
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
        for (table, columns) in TABLES {
            let conformed = conform(table, columns, &canonical_schema(columns)).unwrap();
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
