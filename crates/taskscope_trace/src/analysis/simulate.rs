//! What the same graph, with the same measured task durations, would take on k workers.
//!
//! The model is greedy list scheduling of the run's pieces of work (see
//! [`crate::analysis`]: a span with the calls nested in it is one piece, most tasks
//! are one piece): whenever a worker is free and a piece is ready (every piece it
//! waits for has finished), the ready piece with the longest remaining path (its
//! "b-level": its own length plus the longest chain of waits after it) starts; ties
//! go to the earliest piece. Scheduling overhead, data transfer and whatever a task
//! waited for between its pieces (I/O, locks) are not modelled, so the prediction is
//! what the work allows, not what a given scheduler will achieve. Without recorded
//! dependencies it is the prediction for independent tasks
//! ([`Simulation::dependencies`] says so).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use super::context::{Context, DependencySource, TaskTimes};
use super::critical_path::{critical_path_ns, ratio};
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
    /// The run's work, in ns (each busy instant of a lane counted once).
    pub total_work_ns: u64,
    /// Length of the critical path, in ns.
    pub critical_path_ns: u64,
    /// Where the dependencies came from: without any recorded, the prediction
    /// assumes independent tasks.
    pub dependencies: DependencySource,
    /// One point per worker count, ascending from 1.
    pub points: Vec<SimulationPoint>,
}

/// The number of workers of a run: [`crate::RunMeta::workers`] when recorded and
/// non-zero, else the number of lanes with task work (compute spans; an io lane, an
/// async track, or a lane that only transfers data or uses the disk is not a worker),
/// at least 1 ([`crate::index::Workers::worker_count`]).
///
/// # Complexity
/// O(V + S) when the workers were not recorded (the spans are measured).
pub fn worker_count(trace: &Trace) -> u32 {
    if let Some(workers) = trace.meta().workers.filter(|&w| w > 0) {
        return workers;
    }
    workers_of(trace, &TaskTimes::new(trace))
}

/// [`worker_count`] with the task times already measured.
pub(crate) fn workers_of(trace: &Trace, times: &TaskTimes) -> u32 {
    if let Some(workers) = trace.meta().workers.filter(|&w| w > 0) {
        return workers;
    }
    crate::index::Workers::new(trace).worker_count(trace, times)
}

/// Simulates `trace`'s work for k = 1..=2 × [`worker_count`] workers.
///
/// Only tasks that ran take part, as pieces of work with their measured lengths
/// (see the module docs).
///
/// # Complexity
/// O(K · (P + W) log P) for K = 2 × workers simulations of P pieces and W waits.
pub fn simulate(trace: &Trace) -> Simulation {
    let ctx = Context::new(trace);
    let workers = workers_of(trace, &ctx.times);
    let sim = Simulator::new(&ctx);
    let points = (1..=workers.saturating_mul(2))
        .map(|k| sim.point(k))
        .collect();
    Simulation {
        measured_workers: workers,
        measured_wall_ns: trace.wall_ns(),
        total_work_ns: ctx.times.total_work_ns,
        critical_path_ns: sim.critical_path_ns,
        dependencies: ctx.deps.source(),
        points,
    }
}

/// The predicted makespan of `trace`'s work on `workers` workers (0 is treated as 1).
///
/// # Complexity
/// O((P + W) log P) for P pieces and W waits.
pub fn simulate_makespan(trace: &Trace, workers: u32) -> u64 {
    let ctx = Context::new(trace);
    Simulator::new(&ctx).makespan(workers)
}

/// A list scheduler of a prepared context's pieces of work; reusable for several
/// worker counts.
pub(crate) struct Simulator<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The b-level of each piece.
    bottom: Vec<u64>,
    /// Length of the critical path, in ns.
    pub(crate) critical_path_ns: u64,
}

impl<'c, 'a> Simulator<'c, 'a> {
    /// Computes the b-levels once.
    ///
    /// # Complexity
    /// O(P + W) for P pieces and W waits.
    pub(crate) fn new(ctx: &'c Context<'a>) -> Self {
        Self {
            ctx,
            bottom: ctx.pieces.bottom_levels(),
            critical_path_ns: critical_path_ns(ctx),
        }
    }

    /// The b-level of `task`: the longest remaining chain of work from its first
    /// piece, that piece included (0 for a task that did not run).
    pub(crate) fn task_level(&self, task: TaskId) -> u64 {
        self.ctx
            .pieces
            .of_task(task)
            .first()
            .map_or(0, |&p| self.level(p))
    }

    /// Makespan and lower bound on `workers` workers.
    pub(crate) fn point(&self, workers: u32) -> SimulationPoint {
        let makespan_ns = self.makespan(workers);
        let total = self.ctx.times.total_work_ns;
        debug_assert!(
            makespan_ns >= self.lower_bound(workers),
            "no schedule beats the lower bound"
        );
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
    /// O((P + W) log P).
    pub(crate) fn makespan(&self, workers: u32) -> u64 {
        self.makespan_with_costs(workers, &|piece| self.ctx.pieces.weight(piece))
    }

    /// [`Simulator::makespan`] with each piece occupying a worker for `cost(piece)`
    /// instead of its measured length (priorities stay the b-levels of lengths).
    ///
    /// # Complexity
    /// O((P + W) log P).
    pub(crate) fn makespan_with_costs(&self, workers: u32, cost: &dyn Fn(u32) -> u64) -> u64 {
        let pieces = &self.ctx.pieces;
        let n = pieces.len();
        let mut pending: Vec<u32> = (0..n as u32)
            .map(|p| pieces.preds(p).len() as u32)
            .collect();
        let mut ready: BinaryHeap<(u64, Reverse<u32>)> = (0..n as u32)
            .filter(|&p| pieces.preds(p).is_empty())
            .map(|p| (self.level(p), Reverse(p)))
            .collect();
        let mut running: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let mut free = workers.max(1);
        let mut now = 0u64;
        loop {
            while free > 0 {
                let Some((_, Reverse(piece))) = ready.pop() else {
                    break;
                };
                free -= 1;
                running.push(Reverse((now.saturating_add(cost(piece)), piece)));
            }
            let Some(&Reverse((finish, _))) = running.peek() else {
                break;
            };
            now = finish;
            while let Some(&Reverse((finish, piece))) = running.peek() {
                if finish != now {
                    break;
                }
                running.pop();
                free += 1;
                for &next in pieces.succs(piece) {
                    if let Some(p) = pending.get_mut(next as usize) {
                        *p = p.saturating_sub(1);
                        if *p == 0 {
                            ready.push((self.level(next), Reverse(next)));
                        }
                    }
                }
            }
        }
        now
    }

    fn level(&self, piece: u32) -> u64 {
        self.bottom.get(piece as usize).copied().unwrap_or(0)
    }
}
