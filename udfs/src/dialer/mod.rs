//! Dialer and workforce maths: how fast a predictive dialer should dial, and Erlang C
//! staffing (probability of waiting, service level, average speed of answer, agents
//! required).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::common::args::{ArgKind, Param};
use crate::common::numeric::numeric;

mod agents_required;
mod asa;
mod dialing_rate;
mod erlang;
mod erlang_c;
mod service_level;

pub(crate) fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        numeric(dialing_rate::DialingRate),
        numeric(erlang_c::ErlangC),
        numeric(service_level::ServiceLevel),
        numeric(asa::Asa),
        numeric(agents_required::AgentsRequired),
    ]
}

/// The load of one interval, the first parameters of every Erlang function.
const CALLS: Param = Param::column("calls", ArgKind::Number);
const INTERVAL_S: Param = Param::column("interval_s", ArgKind::Number);
const AHT_S: Param = Param::column("aht_s", ArgKind::Number);
const AGENTS: Param = Param::column("agents", ArgKind::Number);

/// The load and agents of `erlang_c(calls, interval_s, aht_s, agents)` and `asa(…)`.
const LOAD_AND_AGENTS: &[Param] = &[CALLS, INTERVAL_S, AHT_S, AGENTS];

/// Reads `calls, interval_s, aht_s, agents` from the front of a row of arguments.
fn load_and_agents(args: &[f64]) -> Option<(erlang::Load, u32)> {
    Some((
        erlang::Load::new(args[0], args[1], args[2])?,
        erlang::agent_count(args[3])?,
    ))
}
