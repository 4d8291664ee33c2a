//! Pieces every function family shares: argument kinds and coercion, constant arguments,
//! string handling that works on every Arrow string encoding, and the row kernel of
//! numeric scalar functions.

pub(crate) mod args;
pub(crate) mod constants;
pub(crate) mod masks;
pub(crate) mod numeric;
pub(crate) mod strings;
