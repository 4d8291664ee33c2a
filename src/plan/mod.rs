//! Plan rules callsql runs after DataFusion's own.

mod dictionary_comparisons;
mod filters_into_aggregates;

use std::sync::Arc;

use datafusion::optimizer::OptimizerRule;
use datafusion::physical_optimizer::PhysicalOptimizerRule;

pub use dictionary_comparisons::{DictionaryKeyComparisons, dictionary_key_function};
pub use filters_into_aggregates::FiltersIntoAggregates;

/// The logical rules a callsql session adds.
pub fn optimizer_rules() -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    vec![Arc::new(DictionaryKeyComparisons)]
}

/// The physical rules a callsql session adds.
pub fn physical_rules() -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    vec![Arc::new(FiltersIntoAggregates)]
}

/// The physical plan of `sql` over the bundled fixtures, in a callsql session.
#[cfg(test)]
async fn fixture_plan(sql: &str) -> Arc<dyn datafusion::physical_plan::ExecutionPlan> {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/data");
    let options = crate::session::Options::with_data(fixtures).unwrap();
    let ctx = crate::session::build(&options).await.unwrap();
    let frame = ctx.sql(sql).await.unwrap();
    frame.create_physical_plan().await.unwrap()
}
