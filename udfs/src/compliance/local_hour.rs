//! `local_hour(ts, tz)`: the hour of day of an instant in a zone that may be a column or a
//! canned query's parameter (SQL's `AT TIME ZONE` takes only a literal).

use std::sync::Arc;

use datafusion::arrow::array::Int32Array;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::local_time::{MS_PER_HOUR, check_literal_zone, local_times_of_day};
use crate::common::args::{self, ArgKind, Param};

#[user_doc(
    doc_section(label = "Compliance"),
    description = "The hour of day, 0–23, of the instant ts in zone tz: the hour in_calling_window compares, for grouping calls by the callee's local hour (best time to call, staffing per hour).
tz is an IANA zone name (daylight saving applied) or a fixed offset, a constant, a column or a query parameter; an unknown zone is an error. A timestamp without a zone is taken as UTC. NULL when ts or tz is NULL.",
    syntax_example = "local_hour(ts, tz)",
    sql_example = r#"```sql
> SELECT local_hour(TIMESTAMP '2025-06-01T13:30:00Z', 'Asia/Shanghai');  -- 21
> SELECT local_hour(dialed_at, 'Asia/Shanghai') AS hour, connect_rate(disposition) FROM calls GROUP BY 1 ORDER BY 1;
```"#,
    argument(name = "ts", description = "An instant; a timestamp of any unit."),
    argument(name = "tz", description = "IANA zone name or fixed offset.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct LocalHour {
    signature: Signature,
}

impl LocalHour {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const PARAMS: &[Param] = &[
    Param::column("ts", ArgKind::Timestamp),
    Param::column("tz", ArgKind::Text),
];

impl ScalarUDFImpl for LocalHour {
    fn name(&self) -> &str {
        "local_hour"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.name(), PARAMS, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        check_literal_zone(args.scalar_arguments.get(1))?;
        Ok(Arc::new(Field::new(self.name(), DataType::Int32, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let local_times =
            local_times_of_day(self.name(), &args.args[0], &args.args[1], args.number_rows)?;
        let hours: Int32Array = local_times
            .into_iter()
            .map(|local| local.map(|ms| (ms as f64 / MS_PER_HOUR) as i32))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(hours)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
