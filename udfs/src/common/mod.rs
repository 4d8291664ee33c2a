//! Pieces every function family shares: the one aggregate wrapper over each family's
//! kernel, argument kinds and coercion, constant arguments,
//! string handling that works on every Arrow string encoding, width folding, and the row
//! kernels of numeric and text scalar functions.

pub(crate) mod aggregate;
pub(crate) mod args;
pub(crate) mod constants;
pub(crate) mod fold;
pub(crate) mod masks;
pub(crate) mod numeric;
pub(crate) mod strings;
pub(crate) mod text;
