//! Compliance: scanning transcripts against a lexicon of forbidden terms, and checking
//! that calls were placed inside the callee's permitted calling hours.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::common::args::{ArgKind, Param};
use crate::common::text::{TextUdf, text};

mod in_calling_window;
mod is_compliant;
mod lexicon;
mod local_hour;
mod local_time;
mod sensitive_hits;

pub use lexicon::Lexicon;

/// The one parameter of the lexicon functions.
const TEXT: &[Param] = &[Param::column("text", ArgKind::Text)];

/// The lexicon `function` scans with, when it is one of the lexicon functions: what
/// `function` must carry to be rebuilt elsewhere (on a cluster's executors).
pub fn lexicon_of(function: &ScalarUDF) -> Option<&Arc<Lexicon>> {
    let inner = function.inner();
    if let Some(hits) = inner.downcast_ref::<TextUdf<sensitive_hits::SensitiveHits>>() {
        return Some(hits.function().lexicon());
    }
    inner
        .downcast_ref::<TextUdf<is_compliant::IsCompliant>>()
        .map(|compliant| compliant.function().lexicon())
}

/// The compliance functions, scanning with `lexicon`.
pub(crate) fn scalar_functions(lexicon: &Arc<Lexicon>) -> Vec<Arc<ScalarUDF>> {
    vec![
        text(sensitive_hits::SensitiveHits::new(Arc::clone(lexicon))),
        text(is_compliant::IsCompliant::new(Arc::clone(lexicon))),
        Arc::new(ScalarUDF::from(in_calling_window::InCallingWindow::new())),
        Arc::new(ScalarUDF::from(local_hour::LocalHour::new())),
    ]
}
