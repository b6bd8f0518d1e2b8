//! taskscope: lazy task graphs for Rust — build them with `delayed!`, run them in
//! parallel, and see what happened.
//!
//! This facade re-exports the engine ([`taskscope_engine`]), the trace API
//! ([`taskscope_trace`], as `taskscope::trace`) and the drawing API
//! ([`taskscope_layout`], as `taskscope::layout`), and adds [`Visualize`].

#![forbid(unsafe_code)]

mod visualize;

pub use taskscope_engine::*;
pub use taskscope_layout as layout;
pub use taskscope_trace as trace;
pub use visualize::{Visualize, VisualizeError};
