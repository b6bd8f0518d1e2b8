//! What the same graph, with the same measured task durations, would take on k workers.
//!
//! The model is greedy list scheduling: whenever a worker is free and a task is
//! ready (all its dependencies finished), the ready task with the longest
//! remaining path (its "b-level": its own duration plus the longest chain of
//! dependents after it) starts; ties go to the lowest task id. Scheduling
//! overhead and data transfer are not modelled, so the prediction is what the
//! graph allows, not what a given scheduler will achieve.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use super::context::Context;
use super::critical_path::{longest_chain, ratio};
use crate::model::{TaskId, Trace};

/// The predicted makespan on one number of workers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulationPoint {
    /// Number of workers simulated.
    pub workers: u32,
    /// Predicted makespan by list scheduling, in ns.
    pub makespan_ns: u64,
    /// `max(critical path, ⌈total work / workers⌉)`: no schedule can beat it, in ns.
    pub lower_bound_ns: u64,
    /// `total work / makespan` (`None` for a makespan of 0).
    pub speedup: Option<f64>,
}

/// Predicted makespans for 1 to 2 × the run's workers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    /// The run's worker count (see [`worker_count`]).
    pub measured_workers: u32,
    /// The run's measured wall time ([`Trace::wall_ns`]).
    pub measured_wall_ns: u64,
    /// Sum of all task durations, in ns.
    pub total_work_ns: u64,
    /// Length of the critical path, in ns.
    pub critical_path_ns: u64,
    /// One point per worker count, ascending from 1.
    pub points: Vec<SimulationPoint>,
}

/// The number of workers of a run: [`crate::RunMeta::workers`] when recorded and
/// non-zero, else the number of lanes that have at least one span (at least 1).
///
/// # Complexity
/// O(L).
pub fn worker_count(trace: &Trace) -> u32 {
    if let Some(workers) = trace.meta().workers.filter(|&w| w > 0) {
        return workers;
    }
    let used = (0..trace.lanes().len())
        .filter(|&l| {
            !trace
                .lane_span_range(crate::model::LaneId(l as u32))
                .is_empty()
        })
        .count();
    u32::try_from(used).unwrap_or(u32::MAX).max(1)
}

/// Simulates `trace`'s graph for k = 1..=2 × [`worker_count`] workers.
///
/// Only tasks that ran take part (with their measured durations); cycles are
/// broken as described in [`crate::analysis`].
///
/// # Complexity
/// O(K · (V + E) log V) for K = 2 × workers simulations.
pub fn simulate(trace: &Trace) -> Simulation {
    let ctx = Context::new(trace);
    let workers = worker_count(trace);
    let sim = Simulator::new(&ctx);
    let points = (1..=workers.saturating_mul(2))
        .map(|k| sim.point(k))
        .collect();
    Simulation {
        measured_workers: workers,
        measured_wall_ns: trace.wall_ns(),
        total_work_ns: ctx.times.total_work_ns,
        critical_path_ns: sim.critical_path_ns,
        points,
    }
}

/// The predicted makespan of `trace`'s graph on `workers` workers (0 is treated as 1).
///
/// # Complexity
/// O((V + E) log V).
pub fn simulate_makespan(trace: &Trace, workers: u32) -> u64 {
    let ctx = Context::new(trace);
    Simulator::new(&ctx).makespan(workers)
}

/// A list scheduler over a prepared context; reusable for several worker counts.
pub(crate) struct Simulator<'c, 'a> {
    ctx: &'c Context<'a>,
    bottom: Vec<u64>,
    /// Length of the critical path, in ns.
    pub(crate) critical_path_ns: u64,
}

impl<'c, 'a> Simulator<'c, 'a> {
    /// Computes the b-levels once.
    ///
    /// # Complexity
    /// O(V + E).
    pub(crate) fn new(ctx: &'c Context<'a>) -> Self {
        let critical_path_ns = longest_chain(ctx)
            .iter()
            .fold(0u64, |a, &t| a.saturating_add(ctx.times.duration(t)));
        Self {
            ctx,
            bottom: ctx.bottom_levels(),
            critical_path_ns,
        }
    }

    /// The b-level (longest remaining path, own duration included) of each task.
    pub(crate) fn bottom_levels(&self) -> &[u64] {
        &self.bottom
    }

    /// Makespan and lower bound on `workers` workers.
    pub(crate) fn point(&self, workers: u32) -> SimulationPoint {
        let makespan_ns = self.makespan(workers);
        let total = self.ctx.times.total_work_ns;
        SimulationPoint {
            workers,
            makespan_ns,
            lower_bound_ns: self.lower_bound(workers),
            speedup: ratio(total, makespan_ns),
        }
    }

    /// `max(critical path, ⌈total work / workers⌉)`.
    pub(crate) fn lower_bound(&self, workers: u32) -> u64 {
        let total = self.ctx.times.total_work_ns;
        self.critical_path_ns
            .max(total.div_ceil(u64::from(workers.max(1))))
    }

    /// Greedy list scheduling; see the module docs.
    ///
    /// # Complexity
    /// O((V + E) log V).
    pub(crate) fn makespan(&self, workers: u32) -> u64 {
        self.makespan_with_costs(workers, &|task| self.ctx.times.duration(task))
    }

    /// [`Simulator::makespan`] with each task occupying a worker for `cost(task)`
    /// instead of its measured duration (priorities stay the b-levels of durations).
    ///
    /// # Complexity
    /// O((V + E) log V).
    pub(crate) fn makespan_with_costs(&self, workers: u32, cost: &dyn Fn(TaskId) -> u64) -> u64 {
        let ctx = self.ctx;
        let n = ctx.times.duration_ns.len();
        let mut pending = vec![0u32; n];
        let mut ready: BinaryHeap<(u64, Reverse<TaskId>)> = BinaryHeap::new();
        for t in 0..n {
            let task = TaskId(t as u32);
            if !ctx.times.ran(task) {
                continue;
            }
            let count = ctx.kept_deps(task).count() as u32;
            if let Some(p) = pending.get_mut(t) {
                *p = count;
            }
            if count == 0 {
                ready.push((self.level(task), Reverse(task)));
            }
        }
        let mut running: BinaryHeap<Reverse<(u64, TaskId)>> = BinaryHeap::new();
        let mut free = workers.max(1);
        let mut now = 0u64;
        loop {
            while free > 0 {
                let Some((_, Reverse(task))) = ready.pop() else {
                    break;
                };
                free -= 1;
                running.push(Reverse((now.saturating_add(cost(task)), task)));
            }
            let Some(&Reverse((finish, _))) = running.peek() else {
                break;
            };
            now = finish;
            while let Some(&Reverse((finish, task))) = running.peek() {
                if finish != now {
                    break;
                }
                running.pop();
                free += 1;
                for user in ctx.kept_users(task) {
                    if let Some(p) = pending.get_mut(user.index()) {
                        *p = p.saturating_sub(1);
                        if *p == 0 {
                            ready.push((self.level(user), Reverse(user)));
                        }
                    }
                }
            }
        }
        now
    }

    fn level(&self, task: TaskId) -> u64 {
        self.bottom.get(task.index()).copied().unwrap_or(0)
    }
}
