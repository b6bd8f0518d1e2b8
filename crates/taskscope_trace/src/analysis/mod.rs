//! Analysis of a run: pure functions from a [`Trace`](crate::Trace) to plain result structs.
//!
//! What this module owns:
//! - [`critical_path()`]: the longest chain of pieces of work that waited for each other;
//! - [`concurrency_profile`]: busy lanes over time, per-lane busy and idle time, utilisation;
//! - [`name_stats`]: count, inclusive and self time, mean, median, p95 and max duration
//!   per task name;
//! - [`worker_stats`]: each worker's time in compute, transfer, disk and deserialize;
//! - [`simulate()`]: the makespan list scheduling predicts for 1 to 2 × the run's workers;
//! - [`compare()`]: two runs side by side, and whether they did the same work;
//! - [`advise`]: findings as data ([`Finding`], numbers per kind in [`Facts`]),
//!   rendered in plain language by their `Display`;
//! - [`format_duration_ns`] and friends, so every front end (command line, viewer,
//!   exported pictures) prints durations and counts alike.
//!
//! What it deliberately does not decide: how results are shown (tables, colours,
//! JSON layout beyond the field order of the result structs) and nothing here
//! reads or writes files.
//!
//! # Shared definitions
//! - Times are integer nanoseconds from the trace origin.
//! - A task **ran** when it has at least one span; tasks that did not run are left out.
//! - A task's **duration** is the length of the union of its `Compute` spans (a
//!   task with no `Compute` span, e.g. from a foreign file that labels slices
//!   otherwise, uses the union of all its spans). Transfers and disk spans are
//!   not task work but do occupy their lane (see [`concurrency_profile`]).
//! - The run's **work** is the time lanes were busy with task work, each instant
//!   counted once per lane: spans nested in others (call stacks) count once, and a
//!   task's **self time** is the time it was the innermost open span of its lane
//!   ([`crate::index::TaskTimes`]).
//! - **Dependencies** come from the graph when it has any edge, else from the
//!   trace's flow arrows (span → span mapped to task → task); the result says which
//!   ([`DependencySource`]), and [`DependencySource::NotRecorded`] when the file could
//!   not record them: the claims that rest on them are then left out or say what they
//!   assume ([`Assumption`]).
//! - A **piece** of work is a span with the spans nested in it on its lane; the
//!   critical path and the simulation schedule pieces. A dependency whose consumer was
//!   running before its input ended (containment, as the `tracing` layer records a
//!   parent and the spans created in it) is not a wait: nothing is claimed to have
//!   been ready or waiting because of it.
//! - **Cycles** never fail an analysis: the tasks are ordered by Kahn's algorithm;
//!   when it is stuck on a cycle, the task that started first among those left
//!   (then the lowest id) is taken next and its dependencies not yet ordered are
//!   ignored. Analyses use only edges that agree with that order, and report how
//!   many were ignored.
//!
//! Every result derives `Serialize` with a fixed field order, so `--json` output is
//! deterministic; ids serialize as plain numbers.

mod advisor;
mod cluster;
mod compare;
mod concurrency;
mod context;
mod critical_path;
mod findings;
mod format;
mod pieces;
mod progress;
mod readiness;
mod ser;
mod simulate;
mod stats;
mod workers;

pub use advisor::{AdvisorOptions, advise, advise_with};
pub use compare::{
    CompareOptions, Comparison, MatchedBy, RunSummary, SAME_WORK_SHARE, Side, TaskChange, compare,
    compare_with,
};
pub use concurrency::{
    ConcurrencyProfile, ConcurrencySteps, LaneUsage, STEP_BLOCK, concurrency_profile,
};
pub use context::DependencySource;
pub use critical_path::{CriticalPath, PathStep, critical_path};
pub use findings::{
    Assumption, CriticalPathBound, DominantTask, Facts, Finding, FindingKind, IdleWhileReady,
    SchedulerGaps, SchedulingOrder, SerialReduction, Severity, ShortTasks, Straggler, TaskLabel,
    TransferBound,
};
pub use format::{format_count, format_counted, format_duration_ns, format_factor, format_percent};
pub use progress::{Estimate, RunProgress, run_progress};
pub use simulate::{Simulation, SimulationPoint, simulate, simulate_makespan, worker_count};
pub use stats::{NameStats, name_stats};
pub use workers::{WorkerStats, worker_stats};
