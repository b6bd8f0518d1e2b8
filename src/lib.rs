//! taskscope: lazy task graphs for Rust — build them with `delayed!`, run them in
//! parallel, and see what happened.
//!
//! This facade re-exports the engine ([`taskscope_engine`]) and the trace API
//! ([`taskscope_trace`]).

pub use taskscope_engine::*;
pub use taskscope_trace as trace;
