//! `intent_accuracy(predicted, labeled)`: how often the bot's recognised intent matches
//! the QA reviewer's label (意向识别准确率).

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use crate::common::aggregate::counting::CountingKpi;
use crate::common::args::{ArgKind, Param};
use crate::common::masks::{is_valid, true_bits};

#[user_doc(
    doc_section(label = "Call KPIs"),
    description = "Intent accuracy (意向识别准确率): labelled rows whose prediction equals the label / labelled rows, in [0, 1].
Numerator: rows with a non-NULL label and a prediction equal to it (exact, case-sensitive).
Denominator: rows with a non-NULL label; a NULL prediction on a labelled row counts as wrong. Unlabelled rows are skipped.
NULL when a group has no labelled rows.",
    syntax_example = "intent_accuracy(predicted, labeled)",
    sql_example = r#"```sql
> SELECT script_id, intent_accuracy(predicted_intent, labeled_intent) AS intent_accuracy
  FROM calls GROUP BY script_id;
```"#,
    argument(
        name = "predicted",
        description = "Intent the bot recognised; any string encoding."
    ),
    argument(
        name = "labeled",
        description = "Intent a QA reviewer labelled (NULL when not sampled); any string encoding."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct IntentAccuracy;

const PARAMS: &[Param] = &[
    Param::column("predicted", ArgKind::Text),
    Param::column("labeled", ArgKind::Text),
];

/// The two columns in one encoding the comparison kernel takes.
fn comparable(predicted: &ArrayRef, labeled: &ArrayRef) -> Result<(ArrayRef, ArrayRef)> {
    let plain = |array: &ArrayRef| !matches!(array.data_type(), DataType::Dictionary(_, _));
    if predicted.data_type() == labeled.data_type() && plain(predicted) {
        return Ok((predicted.clone(), labeled.clone()));
    }
    Ok((as_view(predicted)?, as_view(labeled)?))
}

/// The strings as a view array. A dictionary is unpacked to its values first: arrow-cast 59
/// casts a dictionary straight to a view by its keys alone, so a key pointing at a NULL
/// value would become an empty string instead of NULL.
fn as_view(array: &ArrayRef) -> Result<ArrayRef> {
    let plain = match array.data_type() {
        DataType::Dictionary(_, values) => cast(array, values)?,
        _ => array.clone(),
    };
    Ok(cast(&plain, &DataType::Utf8View)?)
}

impl CountingKpi for IntentAccuracy {
    type Settings = ();

    fn name(&self) -> &'static str {
        "intent_accuracy"
    }

    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn counters(&self) -> &'static [&'static str] {
        &["correct", "labeled"]
    }

    fn masks(&self, _: &(), args: &[ArrayRef]) -> Result<Vec<BooleanBuffer>> {
        let (predicted, labeled) = comparable(&args[0], &args[1])?;
        let labeled_rows = is_valid(labeled.as_ref());
        let correct = true_bits(&eq(&predicted, &labeled)?);
        Ok(vec![correct, labeled_rows])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{DictionaryArray, Int32Array, StringArray};
    use datafusion::arrow::datatypes::Int32Type;

    use super::*;

    /// Found by the fuzzer: keys 0, 1, 1, 2 over values 'A', NULL, 'B' are 'A', NULL, NULL,
    /// 'B', and stay so as a view (arrow-cast alone makes the NULLs empty strings).
    #[test]
    fn dictionary_null_values_stay_null_as_views() {
        let dictionary: ArrayRef = Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(vec![0, 1, 1, 2]),
                Arc::new(StringArray::from(vec![Some("A"), None, Some("B")])),
            )
            .unwrap(),
        );
        let view = as_view(&dictionary).unwrap();
        assert_eq!(view.logical_null_count(), 2);
        let labeled = is_valid(view.as_ref());
        assert_eq!(labeled.count_set_bits(), 2);
    }
}
