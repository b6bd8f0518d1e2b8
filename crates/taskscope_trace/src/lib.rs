//! taskscope's trace data model, file formats, importers and analysis.
//!
//! This crate is the leaf of the workspace: plain data, formats and pure analysis.
//! It owns no threads and knows nothing of egui; the engine produces [`Trace`]s,
//! the layout and viewer crates consume them.
//!
//! The model is index based: tasks, lanes and names are `u32` newtypes
//! ([`TaskId`], [`LaneId`], [`NameId`]) into columnar tables, so a trace of a
//! million spans stays compact. A [`Trace`] is only built through
//! [`TraceBuilder`], which validates it once; everything downstream trusts it.

#![forbid(unsafe_code)]

pub mod args;
pub mod csr;
pub mod format;
pub mod index;
mod intern;
mod model;
pub mod palette;

pub use args::{ArgTable, ArgValue, RunArgs};
pub use format::{FormatError, Join, StreamWriter, TraceEncoder};
pub use model::{
    Counter, CounterSample, Cycle, DependencyRecord, Dependents, Diagnostic, Flow, Graph,
    GraphBuilder, Instant, Lane, LaneId, ModelError, NameId, Names, RunMeta, SourceFormat, Span,
    SpanId, SpanKind, SpansByTask, TaskId, TaskState, Trace, TraceBuilder,
};

pub mod analysis;

pub use index::TraceIndex;
pub use palette::{PaletteIndex, stable_hash};
