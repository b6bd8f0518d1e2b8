//! How far a run has got: tasks finished, failed and left, the rate, and an estimate
//! of the time left, for a trace that is still being written (a followed file).
//!
//! Counts come from the key-prefix groups of the [`TraceIndex`] (a task that ran is
//! finished: a Chrome file holds a slice only once it has ended); times are trace
//! time, from the first span's start to the last span's end ("now" in the file).
//! Every figure is defined for odd inputs: no rate without a finished task or
//! without time passed, no estimate without a known total ([`Estimate`] says why).
//!
//! This module decides the numbers and the reasons; how they are drawn belongs to
//! the viewer.

use std::fmt;

use super::format::format_duration_ns;
use crate::index::TraceIndex;
use crate::model::Trace;

/// The time left, or why there is no estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// About this many ns at the rate so far.
    Left {
        /// Nanoseconds left at the rate so far.
        ns: u64,
    },
    /// Every task the file names has finished, and the file does not say how many
    /// there are in all (it names tasks only as they finish).
    TotalUnknown,
    /// No task has finished yet (or no time has passed): there is no rate to go by.
    NoRateYet,
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Left { ns } => write!(f, "about {} left", format_duration_ns(*ns)),
            Self::TotalUnknown => f.write_str(
                "no estimate: the file names tasks only as they finish, so the total is not known",
            ),
            Self::NoRateYet => f.write_str("no estimate yet: no task has finished"),
        }
    }
}

/// The progress of a run (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunProgress {
    /// Tasks in the graph.
    pub total: usize,
    /// Tasks that finished (ran, not failed).
    pub done: usize,
    /// Tasks that failed.
    pub failed: usize,
    /// Whether the graph lists tasks that have not run yet (so `total` is the run's total).
    pub total_known: bool,
    /// Trace time from the first start to the last end, in ns.
    pub elapsed_ns: u64,
    /// Tasks finished or failed per second of trace time (`None` without a finished
    /// task or without time passed).
    pub tasks_per_s: Option<f64>,
    /// The time left, or why there is no estimate.
    pub estimate: Estimate,
}

/// The progress of `trace` (indexed by `index`).
///
/// A graph that lists tasks without spans (declared before they ran, as a taskscope
/// stream's graph event does) has a known total; otherwise the total is what the file
/// named so far.
///
/// # Complexity
/// O(G) for G key groups (the groups are built on first use, O(V)); O(S) for the
/// trace's extent.
pub fn run_progress(trace: &Trace, index: &TraceIndex) -> RunProgress {
    let groups = index.groups(trace.graph());
    let (mut done, mut failed, mut ran) = (0, 0, 0);
    for g in groups.all() {
        done += g.states.done;
        failed += g.states.failed;
        ran += g.ran;
    }
    let total = trace.graph().len();
    debug_assert!(ran <= total, "a group counts only its own tasks");
    let total_known = ran < total;
    let elapsed_ns = trace.end_ns().saturating_sub(trace.start_ns());
    let finished = done + failed;
    let tasks_per_s =
        (finished > 0 && elapsed_ns > 0).then(|| finished as f64 * 1e9 / elapsed_ns as f64);
    // With a known total some task has not run, so something is left.
    let left = total.saturating_sub(finished);
    debug_assert!(!total_known || left > 0);
    let estimate = match tasks_per_s {
        _ if !total_known => Estimate::TotalUnknown,
        None => Estimate::NoRateYet,
        Some(rate) => Estimate::Left {
            ns: (left as f64 / rate * 1e9).min(u64::MAX as f64) as u64,
        },
    };
    RunProgress {
        total,
        done,
        failed,
        total_known,
        elapsed_ns,
        tasks_per_s,
        estimate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lane, RunMeta, Span, SpanKind, TaskState, TraceBuilder};

    /// `ran` tasks of `total` ran one after another, 1 ms each; the `failed` first ones failed.
    fn run(total: usize, ran: usize, failed: usize) -> Trace {
        let mut b = TraceBuilder::new(RunMeta::default());
        let lane = b.add_lane(Lane::default()).unwrap();
        for i in 0..total {
            let state = match i {
                _ if i < failed => TaskState::Failed,
                _ if i < ran => TaskState::Done,
                _ => TaskState::NotRun,
            };
            let task = b
                .graph_mut()
                .add_task(&format!("x-{i}"), "x", [], state)
                .unwrap();
            if i < ran {
                b.add_span(Span {
                    start_ns: i as u64 * 1_000_000,
                    end_ns: (i as u64 + 1) * 1_000_000,
                    task,
                    lane,
                    kind: SpanKind::Compute,
                    depth: 0,
                    unclosed: false,
                })
                .unwrap();
            }
        }
        b.build().unwrap()
    }

    fn progress(trace: &Trace) -> RunProgress {
        run_progress(trace, &TraceIndex::new(trace))
    }

    #[test]
    fn a_known_total_gives_an_estimate_at_the_rate_so_far() {
        let p = progress(&run(10, 4, 1));
        assert_eq!((p.total, p.done, p.failed), (10, 3, 1));
        assert!(p.total_known);
        assert_eq!(p.elapsed_ns, 4_000_000);
        assert_eq!(p.tasks_per_s, Some(1000.0));
        assert_eq!(p.estimate, Estimate::Left { ns: 6_000_000 });
        assert_eq!(p.estimate.to_string(), "about 6.00 ms left");
    }

    #[test]
    fn no_estimate_says_why() {
        // Every task named has run: the file names tasks as they finish.
        let p = progress(&run(3, 3, 0));
        assert_eq!(p.estimate, Estimate::TotalUnknown);
        assert!(p.estimate.to_string().contains("total is not known"));
        // Nothing ran yet.
        let p = progress(&run(3, 0, 0));
        assert_eq!((p.elapsed_ns, p.tasks_per_s), (0, None));
        assert_eq!(p.estimate, Estimate::NoRateYet);
        // An empty trace: no NaN, no division by zero.
        let p = progress(&run(0, 0, 0));
        assert_eq!((p.total, p.tasks_per_s), (0, None));
        assert_eq!(p.estimate, Estimate::TotalUnknown);
    }
}
