//! Scalar functions of numbers (statistics, scores): each supplies a formula for one row
//! of Float64 arguments, and `NumericUdf` does the rest — coercion, NULL propagation,
//! reading Arrow arrays and building the result array.

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::args::{self, Param};

/// The Rust type of a function's result and how a column of them is built.
pub(crate) trait RowOutput: Sized {
    fn data_type() -> DataType;
    fn collect(values: Vec<Option<Self>>) -> ArrayRef;
}

impl RowOutput for f64 {
    fn data_type() -> DataType {
        DataType::Float64
    }
    fn collect(values: Vec<Option<Self>>) -> ArrayRef {
        Arc::new(Float64Array::from(values))
    }
}

impl RowOutput for i32 {
    fn data_type() -> DataType {
        DataType::Int32
    }
    fn collect(values: Vec<Option<Self>>) -> ArrayRef {
        Arc::new(Int32Array::from(values))
    }
}

impl RowOutput for &'static str {
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn collect(values: Vec<Option<Self>>) -> ArrayRef {
        Arc::new(StringArray::from(values))
    }
}

/// A scalar function whose parameters are all numbers.
pub(crate) trait NumericFunction:
    Debug + PartialEq + Eq + Hash + Send + Sync + 'static
{
    type Output: RowOutput;

    fn name(&self) -> &'static str;

    /// Every parameter must be of kind `ArgKind::Number`.
    fn params(&self) -> &'static [Param];

    fn documentation(&self) -> Option<&Documentation>;

    /// Refuses, at planning, an argument count the parameter list allows but the function
    /// does not (e.g. some but not all of a group of optional weights).
    fn check_arity(&self, _count: usize) -> Result<()> {
        Ok(())
    }

    /// The result for one row whose arguments are all non-NULL; `args` holds as many values
    /// as the call passed. Any NULL argument makes the result NULL without calling this.
    fn evaluate(&self, args: &[f64]) -> Result<Option<Self::Output>>;
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct NumericUdf<F> {
    function: F,
    signature: Signature,
}

impl<F: NumericFunction> NumericUdf<F> {
    pub(crate) fn new(function: F) -> Self {
        Self {
            function,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// Registers a numeric scalar function.
pub(crate) fn numeric<F: NumericFunction>(function: F) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::from(NumericUdf::new(function)))
}

impl<F: NumericFunction> ScalarUDFImpl for NumericUdf<F> {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let types = args::coerce(self.function.name(), self.function.params(), arg_types)?;
        self.function.check_arity(types.len())?;
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(F::Output::data_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = args
            .args
            .iter()
            .map(|arg| arg.to_array(args.number_rows))
            .collect::<Result<Vec<_>>>()?;
        let columns: Vec<&Float64Array> = arrays
            .iter()
            .map(|array| array.as_primitive::<Float64Type>())
            .collect();
        let mut row = vec![0.0; columns.len()];
        let mut values = Vec::with_capacity(args.number_rows);
        for i in 0..args.number_rows {
            if columns.iter().any(|column| column.is_null(i)) {
                values.push(None);
                continue;
            }
            for (slot, column) in row.iter_mut().zip(&columns) {
                *slot = column.value(i);
            }
            values.push(self.function.evaluate(&row)?);
        }
        Ok(ColumnarValue::Array(F::Output::collect(values)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.function.documentation()
    }
}
