//! Filters that compare a dictionary column with a literal compare its integer keys.
//!
//! Arrow compares `dictionary = 'answered'` by comparing the few dictionary values and then
//! looking each row's key up in that result, one bit at a time. When one value matches,
//! comparing the keys with that value's key gives the same answer with a vectorised
//! integer comparison, which is several times cheaper on the 20M-row scans of call logs.
//! The rule runs after DataFusion's own physical optimizers, so the predicate Parquet
//! prunes with is already derived and stays the plain comparison.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, DictionaryArray, PrimitiveArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::kernels::cmp::{eq, neq};
use datafusion::arrow::compute::not;
use datafusion::arrow::datatypes::{ArrowDictionaryKeyType, ArrowNativeType, DataType, Schema};
use datafusion::arrow::downcast_dictionary_array;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::ScalarFunctionExpr;
use datafusion::physical_expr::expressions::{BinaryExpr, Column, Literal};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::PhysicalExpr;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};

/// Rewrites `dictionary_column = literal` and `<>` in filters into key comparisons.
#[derive(Debug, Default)]
pub struct DictionaryKeyPredicates;

impl PhysicalOptimizerRule for DictionaryKeyPredicates {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let config = Arc::new(config.clone());
        plan.transform_up(|node| {
            let Some(filter) = node.downcast_ref::<FilterExec>() else {
                return Ok(Transformed::no(node));
            };
            let schema = filter.input().schema();
            let predicate = Arc::clone(filter.predicate())
                .transform_up(|expr| key_comparison(expr, &schema, &config))?;
            if !predicate.transformed {
                return Ok(Transformed::no(node));
            }
            let rewritten = FilterExecBuilder::from(filter)
                .with_predicate(predicate.data)
                .build()?;
            Ok(Transformed::yes(
                Arc::new(rewritten) as Arc<dyn ExecutionPlan>
            ))
        })
        .data()
    }

    fn name(&self) -> &str {
        "dictionary_key_predicates"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `expr` as a key comparison when it compares a dictionary column with a non-null literal.
fn key_comparison(
    expr: Arc<dyn PhysicalExpr>,
    schema: &Schema,
    config: &Arc<ConfigOptions>,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    let Some(binary) = expr.downcast_ref::<BinaryExpr>() else {
        return Ok(Transformed::no(expr));
    };
    let negated = match binary.op() {
        Operator::Eq => false,
        Operator::NotEq => true,
        _ => return Ok(Transformed::no(expr)),
    };
    let (column, literal) = match (
        binary.left().downcast_ref::<Column>(),
        binary.right().downcast_ref::<Literal>(),
        binary.left().downcast_ref::<Literal>(),
        binary.right().downcast_ref::<Column>(),
    ) {
        (Some(_), Some(literal), _, _) => (binary.left(), literal),
        (_, _, Some(literal), Some(_)) => (binary.right(), literal),
        _ => return Ok(Transformed::no(expr)),
    };
    let DataType::Dictionary(_, value_type) = column.data_type(schema)? else {
        return Ok(Transformed::no(expr));
    };
    let value = match literal.value() {
        ScalarValue::Dictionary(_, inner) => inner.as_ref().clone(),
        other => other.clone(),
    };
    if value.is_null() || value.data_type() != *value_type {
        return Ok(Transformed::no(expr));
    }
    let function = Arc::new(ScalarUDF::new_from_impl(DictionaryKeyEquals::new(negated)));
    let call = ScalarFunctionExpr::try_new(
        function,
        vec![Arc::clone(column), Arc::new(Literal::new(value))],
        schema,
        Arc::clone(config),
    )?;
    Ok(Transformed::yes(Arc::new(call)))
}

/// `dictionary = value` (or `<>`) evaluated on the dictionary's keys. Not registered by
/// name: only [`DictionaryKeyPredicates`] plans it.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DictionaryKeyEquals {
    negated: bool,
    signature: Signature,
}

impl DictionaryKeyEquals {
    fn new(negated: bool) -> Self {
        Self {
            negated,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for DictionaryKeyEquals {
    fn name(&self) -> &str {
        if self.negated {
            "callsql_dictionary_key_not_equals"
        } else {
            "callsql_dictionary_key_equals"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [column, ColumnarValue::Scalar(value)] = args.args.as_slice() else {
            return exec_err!("{} expects a column and a literal", self.name());
        };
        let column = column.to_array(args.number_rows)?;
        Ok(ColumnarValue::Array(compare(&column, value, self.negated)?))
    }
}

/// `column = value` (`<>` when `negated`), on the keys when `column` is a dictionary whose
/// values hold `value` at most once and no NULL; otherwise as Arrow compares values.
fn compare(column: &ArrayRef, value: &ScalarValue, negated: bool) -> Result<ArrayRef> {
    let array = column.as_ref();
    let by_keys = downcast_dictionary_array! {
        array => compare_keys(array, value, negated)?,
        _ => None,
    };
    if let Some(result) = by_keys {
        return Ok(Arc::new(result));
    }
    let value = value.to_scalar()?;
    let result = if negated {
        neq(column, &value)?
    } else {
        eq(column, &value)?
    };
    Ok(Arc::new(result))
}

fn compare_keys<K: ArrowDictionaryKeyType>(
    dictionary: &DictionaryArray<K>,
    value: &ScalarValue,
    negated: bool,
) -> Result<Option<BooleanArray>> {
    let values = dictionary.values();
    if values.null_count() > 0 {
        return Ok(None);
    }
    let matches = eq(values, &value.to_scalar()?)?;
    let keys = dictionary.keys();
    let mut matching = matches.values().set_indices();
    let result = match (matching.next(), matching.next()) {
        // No row holds the value: every non-NULL row is unequal.
        (None, _) => BooleanArray::new(BooleanBuffer::new_unset(keys.len()), keys.nulls().cloned()),
        (Some(index), None) => {
            let Some(key) = K::Native::from_usize(index) else {
                return Ok(None);
            };
            eq(keys, &PrimitiveArray::<K>::new_scalar(key))?
        }
        (Some(_), Some(_)) => return Ok(None),
    };
    Ok(Some(if negated { not(&result)? } else { result }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int8Array, Int32Array, StringArray};
    use datafusion::arrow::datatypes::Int32Type;

    fn dictionary(keys: Vec<Option<i32>>, values: Vec<Option<&str>>) -> ArrayRef {
        Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(keys),
                Arc::new(StringArray::from(values)),
            )
            .unwrap(),
        )
    }

    /// What Arrow's own comparison of the dictionary's values answers.
    fn by_values(column: &ArrayRef, value: &str, negated: bool) -> BooleanArray {
        let value = StringArray::new_scalar(value);
        if negated {
            neq(column, &value).unwrap()
        } else {
            eq(column, &value).unwrap()
        }
    }

    fn by_keys(column: &ArrayRef, value: &str, negated: bool) -> BooleanArray {
        let value = ScalarValue::Utf8(Some(value.to_string()));
        let result = compare(column, &value, negated).unwrap();
        result
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .clone()
    }

    fn assert_agrees(column: &ArrayRef, literals: &[&str]) {
        for literal in literals {
            for negated in [false, true] {
                assert_eq!(
                    by_keys(column, literal, negated),
                    by_values(column, literal, negated),
                    "{literal} negated={negated}"
                );
            }
        }
    }

    #[test]
    fn keys_answer_as_values_do_with_null_keys_and_absent_literals() {
        let column = dictionary(
            vec![Some(0), Some(1), None, Some(2), Some(1), Some(0)],
            vec![Some("answered"), Some("no_answer"), Some("busy")],
        );
        assert_eq!(
            by_keys(&column, "busy", false),
            BooleanArray::from(vec![
                Some(false),
                Some(false),
                None,
                Some(true),
                Some(false),
                Some(false)
            ])
        );
        assert_agrees(&column, &["answered", "busy", "voicemail", ""]);
    }

    #[test]
    fn repeated_or_null_dictionary_values_fall_back_to_comparing_values() {
        let repeated = dictionary(
            vec![Some(0), Some(1), Some(2)],
            vec![Some("answered"), Some("answered"), Some("busy")],
        );
        assert_eq!(
            by_keys(&repeated, "answered", false),
            BooleanArray::from(vec![true, true, false])
        );
        assert_agrees(&repeated, &["answered", "busy"]);
        let null_value = dictionary(vec![Some(0), Some(1)], vec![Some("answered"), None]);
        assert_agrees(&null_value, &["answered", "busy"]);
    }

    #[test]
    fn narrow_keys_and_plain_strings_are_compared_too() {
        let narrow: ArrayRef = Arc::new(
            DictionaryArray::try_new(
                Int8Array::from(vec![Some(1), None, Some(0)]),
                Arc::new(StringArray::from(vec!["success", "fail"])),
            )
            .unwrap(),
        );
        assert_agrees(&narrow, &["fail", "success", "other"]);
        let plain: ArrayRef = Arc::new(StringArray::from(vec![Some("success"), None]));
        assert_agrees(&plain, &["success"]);
    }

    #[tokio::test]
    async fn filters_on_code_lists_compare_keys_and_others_are_left_alone() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/data");
        let ctx = crate::session::build(&crate::session::Options::with_data(fixtures).unwrap())
            .await
            .unwrap();
        let plan = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let frame = ctx.sql(sql).await.unwrap();
                let plan = frame.create_physical_plan().await.unwrap();
                datafusion::physical_plan::displayable(plan.as_ref())
                    .indent(false)
                    .to_string()
            }
        };
        let keyed = plan(
            "SELECT count(*) FROM calls WHERE disposition = 'answered' AND 'success' <> outcome",
        )
        .await;
        assert!(
            keyed.contains("callsql_dictionary_key_equals(disposition"),
            "{keyed}"
        );
        assert!(
            keyed.contains("callsql_dictionary_key_not_equals(outcome"),
            "{keyed}"
        );
        let plain = plan("SELECT count(*) FROM calls WHERE campaign_id = 'c1'").await;
        assert!(!plain.contains("callsql_dictionary_key"), "{plain}");
    }
}
