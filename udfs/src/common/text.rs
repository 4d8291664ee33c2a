//! Scalar functions of one text column (phone numbers, transcripts): each supplies what it
//! does with one string, and `TextUdf` does the rest — coercion, constant options, NULL
//! rows, every string encoding. A dictionary column is evaluated once per distinct value,
//! not once per row.

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, ListBuilder, StringBuilder,
    UInt32Array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};

use super::args::{self, Param};
use super::strings::Strings;

/// A builder for a function's result column.
pub(crate) trait TextOutput: Sized {
    fn new(capacity: usize) -> Self;
    fn data_type() -> DataType;
    fn append_null(&mut self);
    fn finish(self) -> ArrayRef;
}

impl TextOutput for BooleanBuilder {
    fn new(capacity: usize) -> Self {
        BooleanBuilder::with_capacity(capacity)
    }
    fn data_type() -> DataType {
        DataType::Boolean
    }
    fn append_null(&mut self) {
        BooleanBuilder::append_null(self);
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(BooleanBuilder::finish(&mut self))
    }
}

impl TextOutput for Float64Builder {
    fn new(capacity: usize) -> Self {
        Float64Builder::with_capacity(capacity)
    }
    fn data_type() -> DataType {
        DataType::Float64
    }
    fn append_null(&mut self) {
        Float64Builder::append_null(self);
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(Float64Builder::finish(&mut self))
    }
}

impl TextOutput for StringBuilder {
    fn new(capacity: usize) -> Self {
        StringBuilder::with_capacity(capacity, capacity * 16)
    }
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn append_null(&mut self) {
        StringBuilder::append_null(self);
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(StringBuilder::finish(&mut self))
    }
}

/// A list of strings per row (e.g. the lexicon terms a transcript contains).
impl TextOutput for ListBuilder<StringBuilder> {
    fn new(capacity: usize) -> Self {
        ListBuilder::with_capacity(StringBuilder::new(), capacity)
    }
    fn data_type() -> DataType {
        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
    }
    fn append_null(&mut self) {
        ListBuilder::append_null(self);
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(ListBuilder::finish(&mut self))
    }
}

/// A scalar function of one text column, optionally configured by constant arguments.
pub(crate) trait TextFunction:
    Debug + PartialEq + Eq + Hash + Send + Sync + 'static
{
    type Output: TextOutput;
    /// What the constant arguments configure, read once per batch; the default when the
    /// function takes none.
    type Options: Default;

    fn name(&self) -> &'static str;

    /// The first parameter is the text column; any others must be marked `constant`.
    fn params(&self) -> &'static [Param];

    fn documentation(&self) -> Option<&Documentation>;

    /// Reads the constant arguments (None where the call leaves one out); an invalid value
    /// is an error, raised at planning when the argument is a literal.
    fn options(&self, _constants: &[Option<&ScalarValue>]) -> Result<Self::Options> {
        Ok(Self::Options::default())
    }

    /// Appends the result for one non-NULL value; a NULL value gives a NULL row without
    /// calling this.
    fn evaluate(&self, options: &Self::Options, value: &str, out: &mut Self::Output);
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct TextUdf<F> {
    function: F,
    signature: Signature,
}

/// Registers a text scalar function.
pub(crate) fn text<F: TextFunction>(function: F) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::from(TextUdf {
        function,
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

impl<F: TextFunction> TextUdf<F> {
    /// The function this wraps.
    pub(crate) fn function(&self) -> &F {
        &self.function
    }

    fn evaluate_array(&self, options: &F::Options, array: &dyn Array) -> Result<ArrayRef> {
        if let DataType::Dictionary(_, _) = array.data_type() {
            let dictionary = array.as_any_dictionary();
            let values = self.evaluate_array(options, dictionary.values().as_ref())?;
            let valid_keys = dictionary.keys().nulls();
            let indices: UInt32Array = if dictionary.values().is_empty() {
                UInt32Array::new_null(array.len())
            } else {
                dictionary
                    .normalized_keys()
                    .iter()
                    .enumerate()
                    .map(|(row, &key)| {
                        let valid = valid_keys.is_none_or(|nulls| nulls.is_valid(row));
                        valid.then_some(key as u32)
                    })
                    .collect()
            };
            return Ok(take(values.as_ref(), &indices, None)?);
        }
        let strings = Strings::new(array)?;
        let mut out = F::Output::new(array.len());
        for row in 0..array.len() {
            match strings.get(row) {
                Some(value) => self.function.evaluate(options, value, &mut out),
                None => out.append_null(),
            }
        }
        Ok(out.finish())
    }
}

impl<F: TextFunction> ScalarUDFImpl for TextUdf<F> {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.function.name(), self.function.params(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(F::Output::data_type())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        // A literal option is checked now; a placeholder (a canned query's parameter) is
        // checked once bound, at execution.
        let constants = args.scalar_arguments.get(1..).unwrap_or_default();
        if constants.iter().all(Option::is_some) {
            self.function.options(constants)?;
        }
        Ok(Arc::new(Field::new(
            self.function.name(),
            F::Output::data_type(),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut constants = Vec::with_capacity(args.args.len().saturating_sub(1));
        for (param, arg) in self.function.params().iter().zip(&args.args).skip(1) {
            match arg {
                ColumnarValue::Scalar(value) => constants.push(Some(value)),
                ColumnarValue::Array(_) => {
                    return exec_err!(
                        "{}: argument `{}` must be a constant",
                        self.function.name(),
                        param.name
                    );
                }
            }
        }
        let options = self.function.options(&constants)?;
        let input = args.args[0].to_array(args.number_rows)?;
        Ok(ColumnarValue::Array(
            self.evaluate_array(&options, input.as_ref())?,
        ))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.function.documentation()
    }
}
