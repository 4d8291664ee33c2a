//! Reading the constant arguments that configure a function (a regime, a threshold) from
//! the physical expressions it is planned with.

use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;
use std::sync::Arc;

use super::args::Param;

/// The value of each parameter marked `constant` (None when the call leaves it out), in
/// parameter order. A column or other non-constant expression there is a planning error.
pub(crate) fn constant_arguments(
    function: &str,
    params: &[Param],
    exprs: &[Arc<dyn PhysicalExpr>],
) -> Result<Vec<Option<ScalarValue>>> {
    let mut values = Vec::new();
    for (index, param) in params.iter().enumerate() {
        if !param.constant {
            continue;
        }
        let value = match exprs.get(index) {
            None => None,
            Some(expr) => match expr.downcast_ref::<Literal>() {
                Some(literal) => Some(literal.value().clone()),
                None => {
                    return plan_err!(
                        "{function}: argument `{}` must be a constant, got {expr}",
                        param.name
                    );
                }
            },
        };
        values.push(value);
    }
    Ok(values)
}

/// A constant text argument, `default` when absent; NULL is rejected.
pub(crate) fn text_constant(
    function: &str,
    param: &str,
    value: Option<&ScalarValue>,
    default: &str,
) -> Result<String> {
    match value {
        None => Ok(default.to_string()),
        Some(scalar) => match scalar.try_as_str() {
            Some(Some(text)) => Ok(text.to_string()),
            _ => {
                plan_err!("{function}: argument `{param}` must be a non-NULL string, got {scalar}")
            }
        },
    }
}

/// A constant number argument, `default` when absent; NULL, NaN and infinities are rejected.
pub(crate) fn number_constant(
    function: &str,
    param: &str,
    value: Option<&ScalarValue>,
    default: f64,
) -> Result<f64> {
    let Some(scalar) = value else {
        return Ok(default);
    };
    let number = match scalar.cast_to(&datafusion::arrow::datatypes::DataType::Float64) {
        Ok(ScalarValue::Float64(Some(number))) if number.is_finite() => number,
        _ => {
            return plan_err!(
                "{function}: argument `{param}` must be a finite number, got {scalar}"
            );
        }
    };
    Ok(number)
}
