//! When each task became ready to run, where the trace says so.
//!
//! A task is **ready** once every input has ended: its ready time is the last end of
//! its dependencies that ran, or the run's first start for a task without any (the
//! engine and Dask submit the whole graph up front). That is only known when:
//! - the dependencies are known ([`super::DependencySource::is_known`]);
//! - the task is one piece of work of its own (one span, calls nested in it allowed):
//!   a task nested in another's stack started when its caller called it, and a task
//!   run in several pieces (an async task polled several times) waited between them
//!   for things the trace does not show;
//! - none of its dependencies is something other than a wait: a task that started
//!   before one of its inputs ended (a `tracing` span containing, or awaiting, the
//!   spans created in it) did not wait for that input, and an input that started
//!   after its consumer was already running was created by it, not ready from the
//!   start.
//!
//! The advisor makes claims about readiness and waiting only for tasks whose ready
//! time is known. This module decides when that is; it does not judge the waits.

use super::context::Context;
use crate::model::TaskId;

/// The ready time of each task, where it is known (see the module docs).
#[derive(Debug)]
pub(crate) struct Readiness {
    ready_ns: Vec<Option<u64>>,
    /// How many tasks that ran have a known ready time.
    pub(crate) known: usize,
}

impl Readiness {
    /// Works out which ready times are known, and what they are.
    ///
    /// # Complexity
    /// O(V + E).
    pub(crate) fn new(ctx: &Context<'_>) -> Self {
        let n = ctx.times.duration_ns.len();
        let pieces = &ctx.pieces;
        let origin = ctx.trace.start_ns();
        // The one piece of a task that is a piece of its own.
        let own_piece = |task: TaskId| match pieces.of_task(task) {
            [p] if pieces.owner_of(*p) == Some(task) => Some(*p),
            _ => None,
        };
        let mut known: Vec<bool> = (0..n)
            .map(|t| {
                let task = TaskId(t as u32);
                ctx.deps.source().is_known() && ctx.times.ran(task) && own_piece(task).is_some()
            })
            .collect();
        // An edge whose consumer started before its input ended makes both unknown.
        for t in 0..n {
            let task = TaskId(t as u32);
            let Some(&first) = pieces.of_task(task).first() else {
                continue;
            };
            for dep in ctx.kept_deps(task) {
                let input_end = pieces
                    .of_task(dep)
                    .iter()
                    .map(|&p| pieces.end(p))
                    .max()
                    .unwrap_or(0);
                if pieces.start(first) < input_end {
                    for x in [task, dep] {
                        if let Some(k) = known.get_mut(x.index()) {
                            *k = false;
                        }
                    }
                }
            }
        }
        let ready_ns: Vec<Option<u64>> = (0..n)
            .map(|t| {
                let task = TaskId(t as u32);
                known.get(t).copied().unwrap_or(false).then(|| {
                    ctx.kept_deps(task)
                        .map(|d| ctx.times.end(d))
                        .max()
                        .unwrap_or(origin)
                        .max(origin)
                })
            })
            .collect();
        let known = ready_ns.iter().filter(|r| r.is_some()).count();
        Self { ready_ns, known }
    }

    /// When `task` became ready, if that is known.
    pub(crate) fn ready_ns(&self, task: TaskId) -> Option<u64> {
        self.ready_ns.get(task.index()).copied().flatten()
    }

    /// Whether every task that ran has a known ready time.
    pub(crate) fn all_known(&self, ran: usize) -> bool {
        self.known == ran
    }
}
