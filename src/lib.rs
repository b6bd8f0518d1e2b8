//! taskscope: lazy task graphs for Rust — build them with `delayed!`, run them in
//! parallel, and see what happened.
//!
//! This facade re-exports the engine ([`taskscope_engine`]), the trace API
//! ([`taskscope_trace`], as `taskscope::trace`) and, with the `visualize`
//! feature, the drawing API (`taskscope_layout`, as `taskscope::layout`) and
//! `Visualize`.
//!
//! # Cargo features
//! - `visualize` (default): `visualize()` and `taskscope::layout`, drawings as SVG and DOT.
//! - `png` (default, implies `visualize`): PNG output too (adds `resvg`).
//!
//! `default-features = false` builds the engine and the trace API alone, with
//! their few dependencies.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "visualize")]
mod visualize;

pub use taskscope_engine::*;
#[cfg(feature = "visualize")]
pub use taskscope_layout as layout;
pub use taskscope_trace as trace;
#[cfg(feature = "visualize")]
pub use visualize::{Visualize, VisualizeError};
