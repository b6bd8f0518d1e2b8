//! The critical path: the longest chain of dependent tasks, weighted by measured durations.
//!
//! This module decides what "longest" means (the sum of the tasks' measured
//! durations, see [`crate::analysis`] for how a duration is measured) and how
//! ties are broken. It does not decide what to tell the user about it; the
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
    /// Its measured duration, in ns.
    pub duration_ns: u64,
    /// When it first started, in ns from the trace origin.
    pub start_ns: u64,
    /// When it last ended, in ns from the trace origin.
    pub end_ns: u64,
}

/// The longest chain of dependent tasks of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The tasks on the path, each a dependency of the next.
    pub steps: Vec<PathStep>,
    /// Sum of the path's task durations, in ns: no schedule of this graph with
    /// these durations finishes sooner.
    pub length_ns: u64,
    /// The run's wall time ([`Trace::wall_ns`]).
    pub wall_ns: u64,
    /// `length_ns / wall_ns`: how much of the run the path explains (`None` if the wall time is 0).
    pub ratio: Option<f64>,
    /// Sum of all task durations, in ns (the serial time, overhead excluded).
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
/// Tasks that did not run (no spans) are left out, as are the edges to them.
/// When several chains have the same length, the one ending at the lowest task id
/// wins, and at each step the dependency with the lowest id among the longest.
/// Cycles do not fail: they are broken as described in [`crate::analysis`] and
/// counted in [`CriticalPath::ignored_edges`].
///
/// # Complexity
/// O(V + E + S) time and O(V) extra memory (plus O(F log F) to read F flow arrows
/// when the graph has no edges). No recursion.
pub fn critical_path(trace: &Trace) -> CriticalPath {
    critical_path_in(&Context::new(trace))
}

/// [`critical_path`] on a prepared context.
pub(crate) fn critical_path_in(ctx: &Context<'_>) -> CriticalPath {
    let tasks = longest_chain(ctx);
    let trace = ctx.trace;
    let times = &ctx.times;
    let steps: Vec<PathStep> = tasks
        .iter()
        .map(|&task| PathStep {
            task,
            name: trace.task_name(task).unwrap_or_default().to_owned(),
            duration_ns: times.duration(task),
            start_ns: times.start(task),
            end_ns: times.end(task),
        })
        .collect();
    let length_ns = steps
        .iter()
        .fold(0u64, |a, s| a.saturating_add(s.duration_ns));
    let wall_ns = trace.wall_ns();
    CriticalPath {
        steps,
        length_ns,
        wall_ns,
        ratio: ratio(length_ns, wall_ns),
        total_work_ns: times.total_work_ns,
        max_speedup: ratio(times.total_work_ns, length_ns),
        dependencies: ctx.deps.source(),
        ignored_edges: ctx.order.ignored_edges,
    }
}

/// The task ids of the longest chain, in dependency order.
///
/// # Complexity
/// O(V + E).
pub(crate) fn longest_chain(ctx: &Context<'_>) -> Vec<TaskId> {
    /// `finish` of a task that did not run.
    const NOT_RUN: u64 = u64::MAX;
    /// `previous` of a task without predecessor on its chain.
    const NONE: u32 = u32::MAX;
    let n = ctx.times.duration_ns.len();
    // finish[t]: length of the longest chain ending with t (t included).
    let mut finish = vec![NOT_RUN; n];
    let mut previous = vec![NONE; n];
    let mut best: Option<(u64, TaskId)> = None;
    for &task in &ctx.order.tasks {
        if !ctx.times.ran(task) {
            continue;
        }
        let mut longest: Option<(u64, TaskId)> = None;
        for &dep in ctx.deps.of(task) {
            let f = finish.get(dep.index()).copied().unwrap_or(NOT_RUN);
            // Deps that did not run, or come later in the order (an ignored
            // cycle edge, still NOT_RUN here), are skipped.
            if f == NOT_RUN || !ctx.order.keeps(dep, task) {
                continue;
            }
            let better = match longest {
                None => true,
                Some((lf, ld)) => f > lf || (f == lf && dep < ld),
            };
            if better {
                longest = Some((f, dep));
            }
        }
        // Durations are capped so a finish never reaches the NOT_RUN marker.
        let here = longest
            .map_or(0, |(f, _)| f)
            .saturating_add(ctx.times.duration(task))
            .min(NOT_RUN - 1);
        if let Some(slot) = finish.get_mut(task.index()) {
            *slot = here;
        }
        if let Some(slot) = previous.get_mut(task.index()) {
            *slot = longest.map_or(NONE, |(_, d)| d.0);
        }
        let better = match best {
            None => true,
            Some((bf, bt)) => here > bf || (here == bf && task < bt),
        };
        if better {
            best = Some((here, task));
        }
    }
    let mut chain = Vec::new();
    let mut cursor = best.map(|(_, t)| t);
    while let Some(task) = cursor {
        chain.push(task);
        cursor = previous
            .get(task.index())
            .copied()
            .filter(|&p| p != NONE)
            .map(TaskId);
    }
    chain.reverse();
    chain
}

/// `a / b` as a float, `None` when `b` is 0.
pub(crate) fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}
