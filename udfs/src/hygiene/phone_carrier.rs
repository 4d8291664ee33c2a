//! `phone_carrier(phone)`: the operator a mainland mobile number's block belongs to.

use datafusion::arrow::array::StringBuilder;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{PHONE, carriers, cn_mobile};
use crate::common::args::Param;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Lead hygiene"),
    description = "The operator whose number block a mainland mobile number belongs to: 'China Mobile', 'China Unicom', 'China Telecom', 'China Broadnet' or 'Virtual operator' (the resale blocks 162, 165, 167, 170, 171).
The number is cleaned as is_valid_cn_mobile cleans it. The block table follows MIIT's allocations (工业和信息化部 移动网号段) as of 2024, including 1349 and 1740[0-5] (satellite, China Telecom).
It names the operator the block was allocated to; a ported number (携号转网) may be served by another. NULL when the input is NULL, not a mainland mobile number, or in an unallocated block.",
    syntax_example = "phone_carrier(phone)",
    sql_example = r#"```sql
> SELECT phone_carrier('+86 186 1234 5678');  -- China Unicom
> SELECT phone_carrier(callee_number) AS carrier, connect_rate(disposition) FROM calls GROUP BY 1;
```"#,
    argument(name = "phone", description = "The number as stored; any string type.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct PhoneCarrier;

impl TextFunction for PhoneCarrier {
    type Output = StringBuilder;
    type Options = ();

    fn name(&self) -> &'static str {
        "phone_carrier"
    }

    fn params(&self) -> &'static [Param] {
        PHONE
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut StringBuilder) {
        out.append_option(cn_mobile(value).as_ref().and_then(carriers::carrier));
    }
}
