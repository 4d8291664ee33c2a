//! callsql's SQL functions for outbound-calling and telemarketing analytics.
//!
//! The crate depends on DataFusion (and a few maintained crates for the maths, phone
//! metadata and text matching), never on the CLI, so the same functions can be registered
//! on a local `SessionContext`, on a `SessionState`, or on the executors of a distributed
//! engine. There is no global configuration: whatever a function needs (a lexicon, a
//! threshold) is passed in when it is constructed (`Config`) and lives in its struct.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use datafusion::optimizer::OptimizerRule;

mod common;
pub mod compliance;
pub mod customer;
pub mod dialer;
pub mod hygiene;
pub mod kpi;
pub mod lifetime;
pub mod ranking;
pub mod service;

pub use compliance::Lexicon;

/// The documentation sections of the catalogue, in the order the catalogue lists them.
/// Every function of this crate documents itself under one of them.
pub const DOC_SECTIONS: [&str; 8] = [
    "Call KPIs",
    "Service desk",
    "Customer value",
    "Customer lifetime",
    "Script ranking",
    "Dialer and workforce",
    "Lead hygiene",
    "Compliance",
];

/// What the configurable functions are built with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The terms `sensitive_hits` and `is_compliant` look for; the builtin lexicon by
    /// default.
    pub lexicon: Arc<Lexicon>,
}

/// Every scalar function of the catalogue, configured by `config`.
pub fn all_scalar_functions(config: &Config) -> Vec<Arc<ScalarUDF>> {
    let mut functions = customer::scalar_functions();
    functions.extend(ranking::scalar_functions());
    functions.extend(dialer::scalar_functions());
    functions.extend(hygiene::scalar_functions());
    functions.extend(compliance::scalar_functions(&config.lexicon));
    functions.extend(lifetime::scalar_functions());
    functions
}

/// Every aggregate function of the catalogue.
pub fn all_aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    let mut functions = kpi::functions();
    functions.extend(service::functions());
    functions.extend(lifetime::aggregate_functions());
    functions
}

/// Every window function of the catalogue.
pub fn all_window_functions() -> Vec<Arc<WindowUDF>> {
    let mut functions = customer::window_functions();
    functions.extend(ranking::window_functions());
    functions
}

/// The optimizer rules callsql adds to a session. They only change how some functions
/// are planned, never their results; a session without them computes the same answers.
pub fn all_optimizer_rules() -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    kpi::optimizer_rules()
}

/// Registers the whole catalogue on `registry`, with the default configuration.
pub fn register_all(registry: &mut dyn FunctionRegistry) -> Result<()> {
    register_all_with(registry, &Config::default())
}

/// Registers the whole catalogue on `registry`, configured by `config`.
pub fn register_all_with(registry: &mut dyn FunctionRegistry, config: &Config) -> Result<()> {
    for function in all_scalar_functions(config) {
        registry.register_udf(function)?;
    }
    for function in all_aggregate_functions() {
        registry.register_udaf(function)?;
    }
    for function in all_window_functions() {
        registry.register_udwf(function)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use datafusion::logical_expr::Documentation;

    use super::*;

    fn names_and_docs() -> Vec<(String, Option<Documentation>)> {
        let scalar = all_scalar_functions(&Config::default())
            .into_iter()
            .map(|f| (f.name().to_string(), f.documentation().cloned()));
        let aggregate = all_aggregate_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f.documentation().cloned()));
        let window = all_window_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f.documentation().cloned()));
        scalar.chain(aggregate).chain(window).collect()
    }

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for (name, _) in names_and_docs() {
            assert!(
                seen.insert(name.clone()),
                "function {name} is registered twice"
            );
        }
    }

    /// Each function documents itself, and its example uses the function's own name
    /// (DataFusion once shipped `bool_or` with `bool_and`'s documentation).
    #[test]
    fn every_function_is_documented_with_its_own_example() {
        for (name, doc) in names_and_docs() {
            let doc = doc.unwrap_or_else(|| panic!("function {name} has no documentation"));
            assert!(
                DOC_SECTIONS.contains(&doc.doc_section.label),
                "{name} is documented under an unknown section {}",
                doc.doc_section.label
            );
            let example = doc.sql_example.unwrap_or_default();
            assert!(
                example.contains(&format!("{name}(")),
                "the example of {name} does not call it: {example}"
            );
        }
    }
}
