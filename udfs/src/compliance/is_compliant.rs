//! `is_compliant(text)`: whether a transcript is free of lexicon terms.

use std::sync::Arc;

use datafusion::arrow::array::BooleanBuilder;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{Lexicon, TEXT};
use crate::common::args::Param;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Compliance"),
    description = "Whether a text contains none of the compliance-lexicon terms: true exactly when sensitive_hits(text) is empty, but stops at the first hit.
Same matching as sensitive_hits: linear time, full-width/half-width and Latin case folded. NULL for a NULL text (a call without a transcript is neither compliant nor not).",
    syntax_example = "is_compliant(text)",
    sql_example = r#"```sql
> SELECT is_compliant('您好,请问现在方便接听电话吗?');  -- true
> SELECT campaign_id, avg(CASE WHEN is_compliant(transcript) THEN 1.0 ELSE 0.0 END) AS clean_share FROM calls WHERE transcript IS NOT NULL GROUP BY 1;
```"#,
    argument(
        name = "text",
        description = "A transcript or any text; any string type."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct IsCompliant {
    lexicon: Arc<Lexicon>,
}

impl IsCompliant {
    pub(crate) fn new(lexicon: Arc<Lexicon>) -> Self {
        Self { lexicon }
    }

    pub(crate) fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }
}

impl TextFunction for IsCompliant {
    type Output = BooleanBuilder;
    type Options = ();

    fn name(&self) -> &'static str {
        "is_compliant"
    }

    fn params(&self) -> &'static [Param] {
        TEXT
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut BooleanBuilder) {
        out.append_value(!self.lexicon.is_match(value));
    }
}
