//! Physical plan rules callsql runs after DataFusion's own.

mod dictionary_predicates;
mod filters_into_aggregates;

use std::sync::Arc;

use datafusion::physical_optimizer::PhysicalOptimizerRule;

pub use dictionary_predicates::DictionaryKeyPredicates;
pub use filters_into_aggregates::FiltersIntoAggregates;

/// The physical rules a callsql session adds, in the order they run.
pub fn physical_rules() -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    vec![
        Arc::new(DictionaryKeyPredicates),
        Arc::new(FiltersIntoAggregates),
    ]
}
