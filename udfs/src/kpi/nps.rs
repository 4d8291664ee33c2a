//! `nps(score)`: Net Promoter Score on the 0–10 "would you recommend us" scale.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::number_where;

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Net Promoter Score (NPS): 100 · (promoters − detractors) / responses, in [−100, 100].
Promoters: scores ≥ 9. Detractors: scores ≤ 6. Responses: non-NULL scores (passives 7–8 count only here).
NULL scores are skipped; scores outside 0–10 are skipped like NULL. NULL when a group has no responses.",
    syntax_example = "nps(score)",
    sql_example = r#"```sql
> SELECT campaign_id, nps(nps) AS nps FROM calls GROUP BY campaign_id;
```"#,
    argument(name = "score", description = "Survey score 0–10 (any numeric type).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Nps;

const PARAMS: &[Param] = &[Param::column("score", ArgKind::Number)];

impl CountingKpi for Nps {
    type Settings = ();

    fn name(&self) -> &'static str {
        "nps"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["promoters", "detractors", "responses"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        Ok(vec![
            number_where(&args[0], |score| (9.0..=10.0).contains(&score))?,
            number_where(&args[0], |score| (0.0..=6.0).contains(&score))?,
            number_where(&args[0], |score| (0.0..=10.0).contains(&score))?,
        ])
    }

    fn finish(&self, _: &(), counts: &[u64]) -> Option<f64> {
        let (promoters, detractors, responses) = (counts[0] as f64, counts[1] as f64, counts[2]);
        (responses > 0).then(|| 100.0 * (promoters - detractors) / responses as f64)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
