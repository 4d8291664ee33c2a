//! `sensitive_hits(text)`: the lexicon terms a transcript contains.

use std::sync::Arc;

use datafusion::arrow::array::{ListBuilder, StringBuilder};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::{Lexicon, TEXT};
use crate::common::args::Param;
use crate::common::text::TextFunction;

#[user_doc(
    doc_section(label = "Compliance"),
    description = "The compliance-lexicon terms a text contains, as a list of strings: each term once, in the order it first occurs; overlapping terms all count (`稳赚不赔` gives both `稳赚不赔` and `稳赚`). An empty list when there is none.
Matching is linear in the text (one Aho–Corasick pass for the whole lexicon), folds full-width to half-width characters (`１００％有效` matches `100%有效`) and ignores the case of Latin letters. Terms are returned as the lexicon writes them.
The default lexicon (absolute advertising terms, efficacy and return guarantees, debt-collection threats, false urgency; sources cited in it) is extended or replaced with `callsql --lexicon FILE`. NULL for a NULL text.",
    syntax_example = "sensitive_hits(text)",
    sql_example = r#"```sql
> SELECT sensitive_hits('这款产品稳赚不赔,全网最低价');  -- [稳赚不赔, 稳赚, 全网最低价, 最低价]
> SELECT call_id, array_to_string(sensitive_hits(transcript), ', ') FROM calls WHERE NOT is_compliant(transcript);
```"#,
    argument(
        name = "text",
        description = "A transcript or any text; any string type."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct SensitiveHits {
    lexicon: Arc<Lexicon>,
}

impl SensitiveHits {
    pub(crate) fn new(lexicon: Arc<Lexicon>) -> Self {
        Self { lexicon }
    }

    pub(crate) fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }
}

impl TextFunction for SensitiveHits {
    type Output = ListBuilder<StringBuilder>;
    type Options = ();

    fn name(&self) -> &'static str {
        "sensitive_hits"
    }

    fn params(&self) -> &'static [Param] {
        TEXT
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }

    fn evaluate(&self, _options: &(), value: &str, out: &mut ListBuilder<StringBuilder>) {
        for term in self.lexicon.hits(value) {
            out.values().append_value(term);
        }
        out.append(true);
    }
}
