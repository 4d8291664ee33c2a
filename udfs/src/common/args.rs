//! What each parameter of a function accepts, how its argument is coerced, and the
//! planning error that names the function and its accepted signature.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{Result, plan_err};

/// The family of types a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ArgKind {
    /// Utf8, LargeUtf8, Utf8View or a dictionary of them, passed through unchanged.
    Text,
    /// Any integer, float or decimal type, coerced to Float64.
    Number,
    /// Boolean.
    Boolean,
    /// A timestamp of any unit and zone, coerced to milliseconds (zone kept).
    Timestamp,
}

impl ArgKind {
    fn label(self) -> &'static str {
        match self {
            ArgKind::Text => "string",
            ArgKind::Number => "number",
            ArgKind::Boolean => "boolean",
            ArgKind::Timestamp => "timestamp",
        }
    }

    /// The type the argument is coerced to, or `None` when `data_type` is not accepted.
    fn coerce(self, data_type: &DataType) -> Option<DataType> {
        match (self, data_type) {
            (ArgKind::Text, DataType::Null) => Some(DataType::Utf8),
            (ArgKind::Text, t) if is_string(t) => Some(t.clone()),
            (ArgKind::Text, DataType::Dictionary(_, value)) if is_string(value) => {
                Some(data_type.clone())
            }
            (ArgKind::Number, DataType::Null) => Some(DataType::Float64),
            (ArgKind::Number, t) if t.is_numeric() => Some(DataType::Float64),
            (ArgKind::Boolean, DataType::Null | DataType::Boolean) => Some(DataType::Boolean),
            (ArgKind::Timestamp, DataType::Null) => {
                Some(DataType::Timestamp(TimeUnit::Millisecond, None))
            }
            (ArgKind::Timestamp, DataType::Timestamp(_, zone)) => {
                Some(DataType::Timestamp(TimeUnit::Millisecond, zone.clone()))
            }
            _ => None,
        }
    }
}

fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// One parameter of a SQL function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Param {
    pub name: &'static str,
    pub kind: ArgKind,
    /// Trailing parameters that may be left out.
    pub optional: bool,
    /// Parameters that configure the function (a regime, a threshold) rather than carry
    /// row values; they must be constants.
    pub constant: bool,
}

impl Param {
    pub(crate) const fn column(name: &'static str, kind: ArgKind) -> Self {
        Self {
            name,
            kind,
            optional: false,
            constant: false,
        }
    }

    /// A trailing parameter that may be left out and may vary by row.
    pub(crate) const fn optional(name: &'static str, kind: ArgKind) -> Self {
        Self {
            name,
            kind,
            optional: true,
            constant: false,
        }
    }

    /// A parameter that configures the function and must be given as a constant.
    pub(crate) const fn constant(name: &'static str, kind: ArgKind) -> Self {
        Self {
            name,
            kind,
            optional: false,
            constant: true,
        }
    }

    pub(crate) const fn optional_constant(name: &'static str, kind: ArgKind) -> Self {
        Self {
            name,
            kind,
            optional: true,
            constant: true,
        }
    }
}

/// `name(a: string, b: number [, c: string])`, as shown in errors and catalogues.
pub(crate) fn signature_text(function: &str, params: &[Param]) -> String {
    let mut text = format!("{function}(");
    let mut open_brackets = 0;
    for (i, param) in params.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        if param.optional {
            text.push_str(if i == 0 { "[" } else { " [" });
            open_brackets += 1;
        }
        text.push_str(separator);
        text.push_str(param.name);
        text.push_str(": ");
        text.push_str(param.kind.label());
    }
    text.push_str(&"]".repeat(open_brackets));
    text.push(')');
    text
}

/// Coerces the argument types of a call to `function`, or fails with the function's name,
/// the types it was given and the signature it accepts.
pub(crate) fn coerce(
    function: &str,
    params: &[Param],
    arg_types: &[DataType],
) -> Result<Vec<DataType>> {
    let required = params.iter().filter(|p| !p.optional).count();
    if arg_types.len() < required || arg_types.len() > params.len() {
        let count = match (required, params.len()) {
            (1, 1) => "1 argument".to_string(),
            (least, most) if least == most => format!("{least} arguments"),
            (least, most) => format!("{least} to {most} arguments"),
        };
        return plan_err!(
            "{function} takes {count}, got {}: {}",
            arg_types.len(),
            signature_text(function, params)
        );
    }
    let coerced = {
        params
            .iter()
            .zip(arg_types)
            .map(|(param, data_type)| param.kind.coerce(data_type))
            .collect::<Option<Vec<_>>>()
    };
    match coerced {
        Some(types) => Ok(types),
        None => {
            let given = arg_types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            plan_err!(
                "{function} cannot take ({given}); expected {}",
                signature_text(function, params)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: &[Param] = &[
        Param::column("disposition", ArgKind::Text),
        Param::optional_constant("regime", ArgKind::Text),
    ];

    #[test]
    fn signature_text_brackets_optional_parameters() {
        assert_eq!(
            signature_text("abandon_rate", PARAMS),
            "abandon_rate(disposition: string [, regime: string])"
        );
    }

    #[test]
    fn a_wrong_number_of_arguments_says_how_many() {
        let error = coerce("abandon_rate", PARAMS, &[]).unwrap_err().to_string();
        assert!(
            error.contains(
                "abandon_rate takes 1 to 2 arguments, got 0: abandon_rate(disposition: string [, regime: string])"
            ),
            "{error}"
        );
    }

    #[test]
    fn strings_keep_their_encoding_and_numbers_become_float64() {
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert_eq!(
            coerce("f", PARAMS, &[dictionary.clone(), DataType::Utf8View]).unwrap(),
            vec![dictionary, DataType::Utf8View]
        );
        let number = [Param::column("x", ArgKind::Number)];
        assert_eq!(
            coerce("f", &number, &[DataType::Int16]).unwrap(),
            vec![DataType::Float64]
        );
    }

    #[test]
    fn wrong_types_and_arity_name_the_signature() {
        let error = coerce("abandon_rate", PARAMS, &[DataType::Int64]).unwrap_err();
        assert!(
            error.to_string().contains(
                "abandon_rate cannot take (Int64); expected abandon_rate(disposition: string [, regime: string])"
            ),
            "{error}"
        );
        assert!(coerce("abandon_rate", PARAMS, &[]).is_err());
        let three = [DataType::Utf8, DataType::Utf8, DataType::Utf8];
        assert!(coerce("abandon_rate", PARAMS, &three).is_err());
    }
}
