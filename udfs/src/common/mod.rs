//! Pieces every function family shares: argument kinds and coercion, constant arguments,
//! and string handling that works on every Arrow string encoding.

pub(crate) mod args;
pub(crate) mod constants;
pub(crate) mod masks;
pub(crate) mod strings;
