//! The critical path: the longest chain of dependent tasks, weighted by measured durations.
//!
//! This module decides what "longest" means (the sum of the measured lengths of
//! pieces of work that wait for each other, see [`crate::analysis`]) and how ties
//! are broken. It does not decide what to tell the user about it; the
//! advisor does.

use serde::Serialize;

use super::context::{Context, DependencySource};
use super::ser;
use crate::model::{TaskId, Trace};

/// One task on the critical path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathStep {
    /// The task.
    #[serde(serialize_with = "ser::task_id")]
    pub task: TaskId,
    /// Its name (e.g. `inc`).
    pub name: String,
    /// Its work on the path, in ns: the length of its pieces on the path (its span,
    /// calls nested in it included; for a task run in several pieces, those on the path).
    pub duration_ns: u64,
    /// When its first piece on the path started, in ns from the trace origin.
    pub start_ns: u64,
    /// When its last piece on the path ended, in ns from the trace origin.
    pub end_ns: u64,
}

/// The longest chain of dependent tasks of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The tasks on the path, each a dependency of the next.
    pub steps: Vec<PathStep>,
    /// Sum of the steps' durations, in ns: no schedule of this work that keeps its
    /// waits finishes sooner.
    pub length_ns: u64,
    /// The run's wall time ([`Trace::wall_ns`]).
    pub wall_ns: u64,
    /// `length_ns / wall_ns`: how much of the run the path explains (`None` if the wall time is 0).
    pub ratio: Option<f64>,
    /// The run's work, in ns: the time lanes were busy with task work, each instant
    /// counted once per lane (the serial time, overhead excluded).
    pub total_work_ns: u64,
    /// `total_work_ns / length_ns`: the largest speed-up over serial execution that
    /// any number of workers can reach (`None` if the path has length 0).
    pub max_speedup: Option<f64>,
    /// Where the dependencies came from.
    pub dependencies: DependencySource,
    /// Dependency edges ignored to break cycles (0 for a well-formed graph).
    pub ignored_edges: u64,
}

/// Computes the critical path of `trace`.
///
/// The path is a chain of pieces of work (see [`crate::analysis`]: a task's span with
/// the calls nested in it counts once), each waiting for the previous one; consecutive
/// pieces of one task are one step. Tasks that did not run are left out, as are the
/// edges to them, and dependencies whose consumer was running before its input ended
/// (they are not waits). When several chains have the same length, the one ending at
/// the lowest task id wins, and at each step the dependency with the lowest id among
/// the longest.
///
/// # Complexity
/// O(V + E log S + S log S) time and O(V + S) extra memory (plus O(F log F) to read F
/// flow arrows when the graph has no edges). No recursion.
pub fn critical_path(trace: &Trace) -> CriticalPath {
    critical_path_in(&Context::new(trace))
}

/// [`critical_path`] on a prepared context.
pub(crate) fn critical_path_in(ctx: &Context<'_>) -> CriticalPath {
    let steps = path_steps(ctx);
    let length_ns = path_length(&steps);
    let wall_ns = ctx.trace.wall_ns();
    let total_work_ns = ctx.times.total_work_ns;
    debug_assert_eq!(
        total_work_ns,
        ctx.pieces.total_ns(),
        "pieces add up to the work"
    );
    CriticalPath {
        steps,
        length_ns,
        wall_ns,
        ratio: ratio(length_ns, wall_ns),
        total_work_ns,
        max_speedup: ratio(total_work_ns, length_ns),
        dependencies: ctx.deps.source(),
        ignored_edges: ctx.order.ignored_edges,
    }
}

/// The steps of the longest chain of waiting pieces, in order; consecutive pieces of
/// one task are one step, whose duration is their work.
///
/// # Complexity
/// O(P + W) for P pieces and W waits.
pub(crate) fn path_steps(ctx: &Context<'_>) -> Vec<PathStep> {
    let pieces = &ctx.pieces;
    let mut steps: Vec<PathStep> = Vec::new();
    for p in pieces.longest_chain() {
        let Some(task) = pieces.owner_of(p) else {
            continue;
        };
        let weight = pieces.weight(p);
        match steps.last_mut() {
            Some(last) if last.task == task => {
                last.duration_ns = last.duration_ns.saturating_add(weight);
                last.end_ns = pieces.end(p);
            }
            _ => steps.push(PathStep {
                task,
                name: ctx.trace.task_name(task).unwrap_or_default().to_owned(),
                duration_ns: weight,
                start_ns: pieces.start(p),
                end_ns: pieces.end(p),
            }),
        }
    }
    steps
}

/// The length of a path: its steps' durations summed.
pub(crate) fn path_length(steps: &[PathStep]) -> u64 {
    steps
        .iter()
        .fold(0u64, |a, s| a.saturating_add(s.duration_ns))
}

/// The length of the critical path of a prepared context.
pub(crate) fn critical_path_ns(ctx: &Context<'_>) -> u64 {
    path_length(&path_steps(ctx))
}

/// `a / b` as a float, `None` when `b` is 0.
pub(crate) fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}
