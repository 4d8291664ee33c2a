//! The one `AggregateUDFImpl` of every callsql aggregate. A family supplies a kernel —
//! its state, its accumulators and its result type — and this wrapper does what is the
//! same for all of them: the name, the signature and coercion from the parameter list,
//! the state fields' names, the refusal of DISTINCT, and the documentation.
//!
//! The kernels more than one family builds on live here: `counting` (rates from row
//! counters: call KPIs and service-desk rates) and `mean` (sum and count: talk time, AHT,
//! first response and resolution times).

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, not_impl_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature,
    Volatility,
};

use super::args::{self, Param};

pub(crate) mod counting;
pub(crate) mod mean;

/// What differs between callsql's aggregates.
pub(crate) trait AggregateKernel:
    Debug + PartialEq + Eq + Hash + Send + Sync + 'static
{
    fn name(&self) -> &str;
    fn params(&self) -> &'static [Param];
    fn documentation(&self) -> Option<&Documentation>;
    /// The result's type; a rate or a mean is Float64.
    fn return_type(&self) -> DataType {
        DataType::Float64
    }
    /// The partial state, part by part: its name (shown as `function[part]` in plans),
    /// type and nullability.
    fn state(&self) -> Vec<(&'static str, DataType, bool)>;
    /// An accumulator of one group: an aggregate without GROUP BY, or a window frame.
    fn accumulator(&self, args: &AccumulatorArgs) -> Result<Box<dyn Accumulator>>;
    /// Whether [`Self::groups_accumulator`] exists: a kernel whose state is per-group
    /// counts and sums has a vectorised one.
    fn has_groups_accumulator(&self) -> bool {
        false
    }
    fn groups_accumulator(&self, _args: &AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        not_impl_err!("{} has no groups accumulator", self.name())
    }
}

/// The SQL aggregate of a kernel.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Udaf<K> {
    kernel: K,
    signature: Signature,
}

impl<K: AggregateKernel> Udaf<K> {
    /// `kernel` as a function to register.
    pub(crate) fn udaf(kernel: K) -> Arc<AggregateUDF> {
        Arc::new(AggregateUDF::from(Self {
            kernel,
            signature: Signature::user_defined(Volatility::Immutable),
        }))
    }

    /// The kernels count and keep rows themselves, so a DISTINCT that DataFusion did not
    /// rewrite away (it does for a lone DISTINCT aggregate) would be silently ignored.
    fn refuse_distinct(&self, args: &AccumulatorArgs) -> Result<()> {
        if args.is_distinct {
            return plan_err!("{} does not take DISTINCT", self.kernel.name());
        }
        Ok(())
    }
}

impl<K: AggregateKernel> AggregateUDFImpl for Udaf<K> {
    fn name(&self) -> &str {
        self.kernel.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.kernel.name(), self.kernel.params(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.kernel.return_type())
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.refuse_distinct(&args)?;
        self.kernel.accumulator(&args)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(self
            .kernel
            .state()
            .into_iter()
            .map(|(part, data_type, nullable)| {
                Arc::new(Field::new(
                    format_state_name(args.name, part),
                    data_type,
                    nullable,
                ))
            })
            .collect())
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        self.kernel.has_groups_accumulator()
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.refuse_distinct(&args)?;
        self.kernel.groups_accumulator(&args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.kernel.documentation()
    }
}
