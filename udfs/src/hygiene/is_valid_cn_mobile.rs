//! `is_valid_cn_mobile(phone)`: whether a stored number is a mainland mobile number.

use datafusion::arrow::array::BooleanBuilder;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{PHONE, cn_mobile};
use crate::common::args::Param;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Lead hygiene"),
    description = "Whether a stored phone number is a mainland China mobile number (the seed's `^1[3-9]\\d{9}$` check, after cleaning).
Cleaning: full-width characters are folded to ASCII (`１３８` → `138`); spaces and dashes are removed; then one leading `+86`, `0086` or `86` is removed. What is left must be eleven digits starting 13–19.
It checks the shape only, not whether the block is allocated: use normalize_phone for libphonenumber's validation and phone_carrier for the operator. NULL for a NULL input.",
    syntax_example = "is_valid_cn_mobile(phone)",
    sql_example = r#"```sql
> SELECT is_valid_cn_mobile('+86 138-1234-5678');  -- true
> SELECT count(*) FILTER (WHERE NOT is_valid_cn_mobile(phone)) AS dirty FROM customers;
```"#,
    argument(name = "phone", description = "The number as stored; any string type.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct IsValidCnMobile;

impl TextFunction for IsValidCnMobile {
    type Output = BooleanBuilder;
    type Options = ();

    fn name(&self) -> &'static str {
        "is_valid_cn_mobile"
    }

    fn params(&self) -> &'static [Param] {
        PHONE
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut BooleanBuilder) {
        out.append_value(cn_mobile(value).is_some());
    }
}
