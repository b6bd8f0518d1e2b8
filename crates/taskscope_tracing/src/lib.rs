//! A [`tracing-subscriber`](tracing_subscriber) layer that records any instrumented Rust
//! program as a taskscope trace: spans become tasks, their nesting and `follows_from`
//! links become the task graph, and the taskscope viewer shows the timeline, the graph,
//! the critical path and the advisor's findings.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! let (layer, _guard) = taskscope_tracing::TaskscopeLayerBuilder::new()
//!     .file("run.json")
//!     .build();
//! tracing_subscriber::registry().with(layer).init();
//!
//! let job = tracing::info_span!("job", id = 7).entered();
//! tracing::info!("working");
//! drop(job);
//! // `_guard` is dropped at the end of `main`: run.json is written then.
//! ```
//!
//! # What the trace holds
//! - **One task per span**, named after the span (`job`), keyed by the name and the task's
//!   index (`job-0`). The span's fields (as text, `id=7`) and its callsite (`target`,
//!   `file`, `line`) are the task's args (see [`TaskscopeLayerBuilder::fields`] and
//!   [`TaskscopeLayerBuilder::locations`]): the viewer lists them in the task's tooltips.
//! - **One slice per enter/exit**, on the lane of the thread that entered it: an async span
//!   polled ten times on two tokio workers has ten slices on those two lanes. A span entered
//!   inside another on the same thread is drawn nested inside it.
//! - **Dependencies**: a span *waits for* the spans created inside it (its children), and
//!   for the spans it [`follows_from`](tracing::Span::follows_from). So
//!   `job.follows_from(&download)` draws an edge from `download` to `job`, and the
//!   critical path, the advisor and the graph view use it.
//! - **States**: `done` once the span is closed; `failed` when a thread left it while
//!   unwinding from a panic; `cancelled` when it ran but was not closed by the end;
//!   `not_run` when it was never entered.
//! - **Lanes** named after their threads (`main`, `tokio-runtime-worker #1`, …;
//!   `thread N` for unnamed threads), in order of first use.
//! - **Events** (`info!`…) as instants on their thread's lane, named by level, message and
//!   fields: `INFO working`.
//!
//! The args are written once, in the file's graph section; other viewers (Perfetto) show a
//! slice's key, not its task's args.
//!
//! # Files
//! While the program runs, a **streaming file** beside the trace file (`run.partial.json`
//! for `run.json`) holds everything recorded so far as a complete trace: it is written
//! atomically about a second after recording starts, then rewritten about once a second ([`TaskscopeLayerBuilder::stream_interval`]) and on
//! [`TaskscopeGuard::flush`]. When the [`TaskscopeGuard`] is dropped — at the end of
//! `main`, or while `main` unwinds from a panic — the final file is written atomically
//! (temporary file, then rename) and the streaming file is removed. A program that ends
//! without dropping the guard (`std::process::exit`, `abort`, `SIGKILL`) leaves the last
//! streaming file, which opens as it is; call [`TaskscopeGuard::flush`] or
//! [`TaskscopeGuard::finish`] before `exit` to keep everything.
//! Both are written by `taskscope_trace` ([`taskscope_trace::Trace::save`]), so they read
//! back with [`taskscope_trace::Trace::open`] and open in Perfetto too.
//!
//! # Cost
//! Recording stays on the instrumented thread only as long as it takes to read the clock
//! and append to a per-thread buffer; everything else (time conversion, assembling the
//! graph, JSON, disk) happens on the writer thread (`taskscope-tracing writer`).
//! `benches/span_cost.rs` measures an enter and exit against `tracing-chrome` in the same
//! run; the figures are in the README.
//!
//! # Design
//! `shared` holds the per-thread buffers, `layer` the hot path, `writer` the writer thread
//! and the streaming policy, `assemble` what the trace says about spans, `budget` the
//! upper bounds behind [`TaskscopeLayerBuilder::max_file_size`].

mod assemble;
mod budget;
mod builder;
mod error;
mod fields;
mod guard;
mod layer;
mod record;
mod shared;
mod writer;

pub use builder::TaskscopeLayerBuilder;
pub use error::Error;
pub use guard::TaskscopeGuard;
pub use layer::TaskscopeLayer;
