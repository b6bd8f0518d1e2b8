//! Plain-language findings about a run, each with numbers and the tasks it is about.
//!
//! Each check is a small function of a prepared [`Context`]; [`advise_with`] runs
//! them all and sorts the findings. A check only speaks when its numbers say so
//! (thresholds in [`AdvisorOptions`]), and its finding carries the measured
//! numbers ([`super::Facts`]); their words, which state measured facts or model
//! predictions labelled as such, are the findings' `Display`. This module does not
//! decide how findings are displayed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::context::Context;
use super::context::DependencySource;
use super::critical_path::{PathStep, path_length, path_steps};
use super::findings::{
    Assumption, CriticalPathBound, DominantTask, Facts, Finding, IdleWhileReady, SchedulingOrder,
    SerialReduction, Severity, ShortTasks, TaskLabel,
};
use super::readiness::Readiness;
use super::simulate::{Simulator, workers_of};
use super::stats::{median_of, name_stats_with};
use crate::model::{LaneId, TaskId, Trace};

/// Thresholds of the advisor.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvisorOptions {
    /// A task name whose median duration is below this is "short", in ns (default 10 µs).
    pub short_task_ns: u64,
    /// …when at least this many tasks have that name (default 10).
    pub min_short_tasks: usize,
    /// The shortest same-name chain reported as a serial reduction (default 4).
    pub min_reduction_chain: usize,
    /// One task dominates when its duration is at least this share of the run's
    /// span and of all task time (default 0.5).
    pub dominant_share: f64,
    /// Idle lane time while tasks were ready, and the gaps between tasks on the
    /// threads of Dask's local schedulers, are reported from this share of the
    /// workers × run time (default 0.05).
    pub idle_ready_share: f64,
    /// A better order is reported when it would save at least this share of the run (default 0.05).
    pub order_gain_share: f64,
    /// At most this many task ids per finding (default 1000).
    pub max_listed_tasks: usize,
    /// Transfers on the chain that ended last, or a straggler's lone tail, are
    /// reported from this share of the run (default 0.1).
    pub transfer_share: f64,
    /// A worker straggles when tasks of one name ran this many times slower there
    /// than on the others (median against median; default 2).
    pub straggler_factor: f64,
}

impl Default for AdvisorOptions {
    fn default() -> Self {
        Self {
            short_task_ns: 10_000,
            min_short_tasks: 10,
            min_reduction_chain: 4,
            dominant_share: 0.5,
            idle_ready_share: 0.05,
            order_gain_share: 0.05,
            max_listed_tasks: 1000,
            transfer_share: 0.1,
            straggler_factor: 2.0,
        }
    }
}

/// The advisor's findings for `trace` with default thresholds.
///
/// # Complexity
/// O((S + V + E) log(S + V)): see [`advise_with`].
pub fn advise(trace: &Trace) -> Vec<Finding> {
    advise_with(trace, &AdvisorOptions::default())
}

/// The advisor's findings for `trace`, most severe first, then by time at stake.
///
/// The checks:
/// - **serial reduction**: maximal chains of tasks of one name where each combines
///   at least two inputs and feeds the next (its only same-name dependent, and the
///   next one's only same-name dependency); reported from
///   [`AdvisorOptions::min_reduction_chain`] tasks, with the depth a balanced
///   binary tree over the same inputs would have.
/// - **short tasks**: names with at least [`AdvisorOptions::min_short_tasks`] tasks
///   whose median duration is under [`AdvisorOptions::short_task_ns`], or under the
///   run's median gap between consecutive top-level spans on a lane (the workers
///   spent more time between tasks than in them).
/// - **idle while ready**: the lane time during which a worker was idle and a task
///   was ready (all dependencies finished) but not started, i.e. the integral of
///   min(waiting tasks, idle workers) over time.
/// - **scheduling order**: the measured span of the run against list scheduling of
///   the same tasks, longest remaining path first, on the same number of workers,
///   each task occupying a worker as long as its top-level spans of any kind did
///   (transfers included) plus the run's median gap between spans; reported
///   when the model is faster by [`AdvisorOptions::order_gain_share`] and the run
///   started a task while a ready task with a longer remaining path waited.
/// - **critical path bound**: total work / critical path below the worker count.
/// - **dominant task**: one task lasting [`AdvisorOptions::dominant_share`] of the
///   run's span (first start to last end) and of all task time.
/// - **transfer bound**, **straggler**, **scheduler gaps**: time lost outside tasks on
///   a cluster or Dask's local schedulers; see `cluster.rs` ([`super::TransferBound`],
///   [`super::Straggler`], [`super::SchedulerGaps`]).
///
/// # Complexity
/// O((S + V + E) log(S + V)) time, O(S + V + E) memory.
pub fn advise_with(trace: &Trace, options: &AdvisorOptions) -> Vec<Finding> {
    let ctx = Context::new(trace);
    let sim = Simulator::new(&ctx);
    let path = path_steps(&ctx);
    let gap_ns = median_lane_gap(trace);
    let mut findings = Vec::new();
    short_tasks(&ctx, gap_ns, options, &mut findings);
    dominant_task(&ctx, options, &mut findings);
    // The rest rests on the dependencies: without them no claim is made.
    if ctx.deps.source().is_known() {
        let assumption = (ctx.deps.source() == DependencySource::Flows)
            .then_some(Assumption::FlowArrowsAreDependencies);
        let first = findings.len();
        let ready = Readiness::new(&ctx);
        serial_reductions(&ctx, &path, options, &mut findings);
        idle_while_ready(&ctx, &ready, options, &mut findings);
        scheduling_order(&ctx, &sim, &ready, gap_ns, options, &mut findings);
        critical_path_bound(&ctx, &path, options, &mut findings);
        // Dask's transfers, stragglers and per-task gaps (they follow the chains too).
        super::cluster::checks(&ctx, options, &mut findings);
        for f in findings.get_mut(first..).unwrap_or_default() {
            f.assumption = assumption;
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.impact_ns.cmp(&a.impact_ns))
            .then_with(|| a.kind().cmp(&b.kind()))
            .then_with(|| a.tasks.first().cmp(&b.tasks.first()))
    });
    findings
}

/// A finding, with its task list capped.
pub(super) fn finding(
    facts: Facts,
    severity: Severity,
    impact_ns: u64,
    mut tasks: Vec<TaskId>,
    options: &AdvisorOptions,
) -> Finding {
    let more_tasks = tasks.len().saturating_sub(options.max_listed_tasks) as u64;
    tasks.truncate(options.max_listed_tasks);
    Finding {
        facts,
        assumption: None,
        severity,
        impact_ns,
        tasks,
        more_tasks,
    }
}

/// A task's name and key, as findings name it; the key is left out when it
/// equals the name.
pub(super) fn label(ctx: &Context<'_>, task: TaskId) -> TaskLabel {
    let name = ctx.trace.task_name(task).unwrap_or("?");
    let key = match ctx.trace.graph().key(task) {
        Some(key) if key != name && !key.is_empty() => Some(key.to_owned()),
        _ => None,
    };
    TaskLabel {
        name: name.to_owned(),
        key,
    }
}

/// The median gap between consecutive top-level spans on the same lane (overlaps
/// count as 0), or `None` when no lane has two spans.
///
/// # Complexity
/// O(S log S).
fn median_lane_gap(trace: &Trace) -> Option<u64> {
    let mut gaps = Vec::new();
    for l in 0..trace.lanes().len() {
        let mut previous_end: Option<u64> = None;
        for span in trace
            .lane_spans(LaneId(l as u32))
            .iter()
            .filter(|s| s.depth == 0)
        {
            if let Some(end) = previous_end {
                gaps.push(span.start_ns.saturating_sub(end));
            }
            previous_end = Some(previous_end.map_or(span.end_ns, |e| e.max(span.end_ns)));
        }
    }
    median_of(gaps)
}

/// Distinct dependencies of `task` that agree with the order.
fn distinct_deps(ctx: &Context<'_>, task: TaskId) -> Vec<TaskId> {
    let mut deps: Vec<TaskId> = ctx
        .deps
        .of(task)
        .iter()
        .copied()
        .filter(|&d| ctx.order.keeps(d, task))
        .collect();
    deps.sort_unstable();
    deps.dedup();
    deps
}

/// Links between reduction steps of one name: `next[d] = u` when `u` combines at
/// least two inputs, `d` is its only same-name dependency, `d` combines at least
/// two inputs too, and `u` is the only such successor of `d`.
struct ReductionLinks {
    next: Vec<Option<TaskId>>,
    has_pred: Vec<bool>,
    dep_count: Vec<u32>,
}

impl ReductionLinks {
    /// # Complexity
    /// O(V + E log D) for D the largest in-degree.
    fn new(ctx: &Context<'_>) -> Self {
        let graph = ctx.trace.graph();
        let n = graph.len();
        let mut dep_count = vec![0u32; n];
        let mut pred: Vec<Option<TaskId>> = vec![None; n];
        for task in graph.tasks() {
            let deps = distinct_deps(ctx, task);
            if let Some(c) = dep_count.get_mut(task.index()) {
                *c = deps.len() as u32;
            }
            let name = graph.name_id(task);
            let mut same = deps.iter().filter(|&&d| graph.name_id(d) == name);
            if let (Some(&d), None) = (same.next(), same.next())
                && let Some(p) = pred.get_mut(task.index())
            {
                *p = Some(d);
            }
        }
        let combines = |t: TaskId| dep_count.get(t.index()).copied().unwrap_or(0) >= 2;
        let link = |task: TaskId| {
            pred.get(task.index())
                .copied()
                .flatten()
                .filter(|&d| combines(task) && combines(d))
        };
        let mut successors = vec![0u32; n];
        for task in graph.tasks() {
            if let Some(d) = link(task)
                && let Some(s) = successors.get_mut(d.index())
            {
                *s += 1;
            }
        }
        let mut next: Vec<Option<TaskId>> = vec![None; n];
        let mut has_pred = vec![false; n];
        for task in graph.tasks() {
            let Some(d) = link(task) else {
                continue;
            };
            if successors.get(d.index()) == Some(&1) {
                if let Some(slot) = next.get_mut(d.index()) {
                    *slot = Some(task);
                }
                if let Some(h) = has_pred.get_mut(task.index()) {
                    *h = true;
                }
            }
        }
        Self {
            next,
            has_pred,
            dep_count,
        }
    }

    /// Every maximal chain of two or more linked tasks, from its head.
    fn chains(&self) -> impl Iterator<Item = Vec<TaskId>> + '_ {
        (0..self.next.len()).filter_map(|t| {
            let head = TaskId(t as u32);
            let is_head = !self.has_pred.get(t).copied().unwrap_or(true)
                && self.next.get(t).copied().flatten().is_some();
            if !is_head {
                return None;
            }
            let mut chain = vec![head];
            let mut cursor = self.next.get(t).copied().flatten();
            while let Some(task) = cursor {
                chain.push(task);
                cursor = self.next.get(task.index()).copied().flatten();
            }
            Some(chain)
        })
    }

    /// How many inputs a chain combines: the first step's inputs plus each later
    /// step's inputs other than the chain itself.
    fn inputs(&self, chain: &[TaskId]) -> u64 {
        1 + chain
            .iter()
            .map(|t| {
                u64::from(
                    self.dep_count
                        .get(t.index())
                        .copied()
                        .unwrap_or(1)
                        .saturating_sub(1),
                )
            })
            .sum::<u64>()
    }
}

/// Serial chains of one reduction op.
///
/// # Complexity
/// O(V + E log D) for D the largest in-degree.
fn serial_reductions(
    ctx: &Context<'_>,
    path: &[PathStep],
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let links = ReductionLinks::new(ctx);
    let mut on_path: rustc_hash::FxHashMap<TaskId, u64> = rustc_hash::FxHashMap::default();
    for step in path {
        let work = on_path.entry(step.task).or_insert(0);
        *work = work.saturating_add(step.duration_ns);
    }
    let path_ns = path_length(path);
    for chain in links.chains() {
        let m = chain.len();
        let inputs = links.inputs(&chain);
        // A balanced binary tree over `inputs` leaves has depth ceil(log2(inputs)).
        let tree_depth = u64::from(inputs.next_power_of_two().trailing_zeros());
        if m < options.min_reduction_chain || tree_depth >= m as u64 {
            continue;
        }
        let total_ns = chain
            .iter()
            .fold(0u64, |a, &t| a.saturating_add(ctx.times.duration(t)));
        let on_path_ns = chain.iter().fold(0u64, |a, t| {
            a.saturating_add(on_path.get(t).copied().unwrap_or(0))
        });
        let severity = if path_ns > 0 && on_path_ns.saturating_mul(10) >= path_ns {
            Severity::Warning
        } else {
            Severity::Info
        };
        let name = chain.first().map_or_else(String::new, |&t| {
            ctx.trace.task_name(t).unwrap_or("?").to_owned()
        });
        let facts = SerialReduction {
            name,
            chain_len: m as u64,
            inputs,
            tree_depth,
            total_ns,
            on_path_ns,
        };
        out.push(finding(
            Facts::SerialReduction(facts),
            severity,
            on_path_ns,
            chain,
            options,
        ));
    }
}

/// Names whose median task is shorter than the overhead threshold.
fn short_tasks(
    ctx: &Context<'_>,
    gap_ns: Option<u64>,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let graph = ctx.trace.graph();
    let ran = ctx.times.ran_count.max(1);
    for stats in name_stats_with(ctx.trace, &ctx.times) {
        let under_threshold = stats.median_ns < options.short_task_ns;
        let under_gap = gap_ns.is_some_and(|gap| stats.median_ns < gap);
        if (stats.count as usize) < options.min_short_tasks || !(under_threshold || under_gap) {
            continue;
        }
        let Some(name_id) = graph.names().find(&stats.name) else {
            continue;
        };
        let tasks: Vec<TaskId> = graph
            .tasks()
            .filter(|&t| ctx.times.ran(t) && graph.name_id(t) == Some(name_id))
            .collect();
        let facts = ShortTasks {
            name: stats.name.clone(),
            count: stats.count,
            median_ns: stats.median_ns,
            total_ns: stats.total_ns,
            threshold_ns: options.short_task_ns,
            under_threshold,
            gap_ns,
        };
        let severity = if (stats.count as usize).saturating_mul(2) >= ran {
            Severity::Warning
        } else {
            Severity::Info
        };
        let impact = gap_ns.map_or(0, |g| g.saturating_mul(stats.count));
        out.push(finding(
            Facts::ShortTasks(facts),
            severity,
            impact,
            tasks,
            options,
        ));
    }
}

/// The periods during which a worker was idle while a task was ready, from a
/// sweep over ready/start and busy/idle events; the total is the integral of
/// min(waiting tasks, idle workers) over time.
struct IdleReady {
    /// Disjoint, ascending periods with at least one usable idle worker.
    periods: Vec<(u64, u64)>,
    /// `prefix[i]`: total length of the first `i` periods.
    prefix: Vec<u64>,
    /// Worker time idle while tasks were ready, in ns.
    wasted_ns: u64,
}

impl IdleReady {
    /// # Complexity
    /// O((S + W) log (S + W)) for W waiting tasks.
    fn new(ctx: &Context<'_>, workers: i64, waiting: &[(TaskId, u64, u64)]) -> Self {
        // (time, change of waiting tasks, change of lanes busy with work)
        let mut events: Vec<(u64, i64, i64)> = Vec::with_capacity(waiting.len() * 2);
        for &(_, ready, start) in waiting {
            events.push((ready, 1, 0));
            events.push((start, -1, 0));
        }
        for p in 0..ctx.pieces.len() as u32 {
            events.push((ctx.pieces.start(p), 0, 1));
            events.push((ctx.pieces.end(p), 0, -1));
        }
        events.sort_unstable();
        let mut periods: Vec<(u64, u64)> = Vec::new();
        let mut wasted_ns = 0u64;
        let (mut w, mut busy) = (0i64, 0i64);
        let mut last = 0u64;
        for group in events.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(now, _, _)) = group.first() else {
                continue;
            };
            let usable = w.min(workers - busy).max(0) as u64;
            if usable > 0 && now > last {
                wasted_ns = wasted_ns.saturating_add(usable.saturating_mul(now - last));
                match periods.last_mut() {
                    Some(p) if p.1 == last => p.1 = now,
                    _ => periods.push((last, now)),
                }
            }
            for &(_, dw, db) in group {
                w += dw;
                busy += db;
            }
            last = now;
        }
        let mut prefix = Vec::with_capacity(periods.len() + 1);
        prefix.push(0u64);
        for &(s, e) in &periods {
            let total = prefix.last().copied().unwrap_or(0);
            prefix.push(total.saturating_add(e - s));
        }
        Self {
            periods,
            prefix,
            wasted_ns,
        }
    }

    /// Total length of the periods before time `x`.
    fn covered_before(&self, x: u64) -> u64 {
        let i = self.periods.partition_point(|&(s, _)| s < x);
        match i.checked_sub(1).and_then(|j| self.periods.get(j)) {
            // The last period starting before x may end after it.
            Some(&(s, e)) if e > x => self.prefix.get(i - 1).copied().unwrap_or(0) + (x - s),
            _ => self.prefix.get(i).copied().unwrap_or(0),
        }
    }
}

/// Worker time idle while tasks were ready (tasks whose ready time is known only).
///
/// # Complexity
/// O((S + V) log (S + V)).
fn idle_while_ready(
    ctx: &Context<'_>,
    ready: &Readiness,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let trace = ctx.trace;
    let workers = workers_of(trace, &ctx.times);
    let waiting: Vec<(TaskId, u64, u64)> = trace
        .graph()
        .tasks()
        .filter_map(|task| {
            let r = ready.ready_ns(task)?;
            let s = ctx.times.start(task);
            (s > r).then_some((task, r, s))
        })
        .collect();
    if waiting.is_empty() {
        return;
    }
    let idle = IdleReady::new(ctx, i64::from(workers), &waiting);
    let wasted = idle.wasted_ns;
    let extent = ctx.extent_ns();
    let lane_time = u64::from(workers).saturating_mul(extent);
    if wasted == 0 || (wasted as f64) < options.idle_ready_share * lane_time as f64 {
        return;
    }
    // Per task: how long its wait overlapped those periods.
    let mut overlaps: Vec<(u64, TaskId, u64, u64)> = waiting
        .iter()
        .map(|&(task, r, s)| (idle.covered_before(s) - idle.covered_before(r), task, r, s))
        .filter(|o| o.0 > 0)
        .collect();
    overlaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let Some(&(_, worst, worst_ready, worst_start)) = overlaps.first() else {
        return;
    };
    let facts = IdleWhileReady {
        wasted_ns: wasted,
        workers,
        extent_ns: extent,
        waiting_tasks: overlaps.len() as u64,
        worst: label(ctx, worst),
        // Times as the timeline and the tooltips count them: from the run's first start.
        worst_ready_ns: (worst_ready > trace.start_ns()).then(|| worst_ready - trace.start_ns()),
        worst_start_ns: worst_start.saturating_sub(trace.start_ns()),
    };
    let severity = if wasted as f64 >= 0.2 * lane_time as f64 {
        Severity::Warning
    } else {
        Severity::Info
    };
    out.push(finding(
        Facts::IdleWhileReady(facts),
        severity,
        wasted,
        overlaps.iter().map(|o| o.1).collect(),
        options,
    ));
}

/// A task started while a ready task with a longer remaining path waited.
#[derive(Clone, Copy, Debug)]
struct Inversion {
    at_ns: u64,
    started: TaskId,
    waiting: TaskId,
    waiting_ready_ns: u64,
}

/// Finds the moments when a task started while a ready, not yet started task had
/// a longer remaining path (b-level); only tasks whose ready time is known take part.
///
/// # Complexity
/// O(V log V + E).
fn inversions(ctx: &Context<'_>, sim: &Simulator<'_, '_>, ready: &Readiness) -> Vec<Inversion> {
    let level = |t: TaskId| sim.task_level(t);
    let mut by_ready: Vec<(u64, TaskId)> = Vec::new();
    let mut by_start: Vec<(u64, TaskId)> = Vec::new();
    for task in ctx.trace.graph().tasks() {
        if let Some(r) = ready.ready_ns(task) {
            by_ready.push((r, task));
            by_start.push((ctx.times.start(task), task));
        }
    }
    by_ready.sort_unstable();
    by_start.sort_unstable();
    let mut started = vec![false; ctx.trace.graph().len()];
    let mut heap: BinaryHeap<(u64, Reverse<TaskId>)> = BinaryHeap::new();
    let mut next_ready = 0usize;
    let mut found = Vec::new();
    for group in by_start.chunk_by(|a, b| a.0 == b.0) {
        let Some(&(now, _)) = group.first() else {
            continue;
        };
        while let Some(&(r, task)) = by_ready.get(next_ready) {
            if r > now {
                break;
            }
            heap.push((level(task), Reverse(task)));
            next_ready += 1;
        }
        for &(_, task) in group {
            if let Some(s) = started.get_mut(task.index()) {
                *s = true;
            }
        }
        while heap
            .peek()
            .is_some_and(|&(_, Reverse(t))| started.get(t.index()).copied().unwrap_or(true))
        {
            heap.pop();
        }
        let Some(&(top_level, Reverse(waiting))) = heap.peek() else {
            continue;
        };
        for &(_, task) in group {
            if top_level > level(task) {
                found.push(Inversion {
                    at_ns: now,
                    started: task,
                    waiting,
                    waiting_ready_ns: ready.ready_ns(waiting).unwrap_or(0),
                });
            }
        }
    }
    found
}

/// Lanes idle later because ready tasks were started in a poor order.
///
/// Only claimed when every task's ready time is known and the model can stand for the
/// run: no task ran in several pieces (the model would skip what it waited for
/// between them) and every dependency is a wait.
fn scheduling_order(
    ctx: &Context<'_>,
    sim: &Simulator<'_, '_>,
    ready: &Readiness,
    gap_ns: Option<u64>,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    if !ready.all_known(ctx.times.ran_count)
        || ctx.pieces.split_tasks > 0
        || ctx.pieces.overlapping_edges > 0
    {
        return;
    }
    let workers = workers_of(ctx.trace, &ctx.times);
    let overhead = gap_ns.unwrap_or(0);
    let extent = ctx.extent_ns();
    let occupancy = occupancy(ctx);
    let model = sim.makespan_with_costs(workers, &|piece| {
        let owner = ctx.pieces.owner_of(piece);
        owner
            .and_then(|task| occupancy.get(task.index()).copied())
            .unwrap_or(0)
            .max(ctx.pieces.weight(piece))
            .saturating_add(overhead)
    });
    let gain = extent.saturating_sub(model);
    if gain == 0 || (gain as f64) < options.order_gain_share * extent as f64 {
        return;
    }
    let found = inversions(ctx, sim, ready);
    let level = |t: TaskId| sim.task_level(t);
    // The worst inversion: the largest difference in remaining path, then the earliest.
    let Some(worst) = found.iter().copied().max_by(|a, b| {
        let da = level(a.waiting).saturating_sub(level(a.started));
        let db = level(b.waiting).saturating_sub(level(b.started));
        da.cmp(&db)
            .then_with(|| b.at_ns.cmp(&a.at_ns))
            .then_with(|| b.started.cmp(&a.started))
    }) else {
        return;
    };
    let idle = idle_lane_time(ctx, workers);
    let mut tasks = vec![worst.waiting, worst.started];
    tasks.extend(found.iter().flat_map(|i| [i.waiting, i.started]));
    super::context::dedup_keep_order(&mut tasks);
    let facts = SchedulingOrder {
        extent_ns: extent,
        workers,
        idle_ns: idle,
        at_ns: worst.at_ns,
        started: label(ctx, worst.started),
        started_left_ns: level(worst.started),
        waiting: label(ctx, worst.waiting),
        waiting_ready_ns: (worst.waiting_ready_ns > ctx.trace.start_ns())
            .then_some(worst.waiting_ready_ns),
        waiting_left_ns: level(worst.waiting),
        waiting_start_ns: ctx.times.start(worst.waiting),
        inversions: found.len() as u64,
        model_ns: model,
        gain_ns: gain,
        overhead_ns: overhead,
    };
    let severity = if gain.saturating_mul(10) >= extent {
        Severity::Warning
    } else {
        Severity::Info
    };
    out.push(finding(
        Facts::SchedulingOrder(facts),
        severity,
        gain,
        tasks,
        options,
    ));
}

/// How long each task kept its lane busy: the sum of its top-level spans of any
/// kind (a Dask transfer before the compute included).
///
/// # Complexity
/// O(V + S).
fn occupancy(ctx: &Context<'_>) -> Vec<u64> {
    let mut busy = vec![0u64; ctx.times.duration_ns.len()];
    for span in ctx.trace.spans().iter().filter(|s| s.depth == 0) {
        if let Some(b) = busy.get_mut(span.task.index()) {
            *b = b.saturating_add(span.duration_ns());
        }
    }
    busy
}

/// Worker time not busy with work between the first start and the last end.
fn idle_lane_time(ctx: &Context<'_>, workers: u32) -> u64 {
    u64::from(workers)
        .saturating_mul(ctx.extent_ns())
        .saturating_sub(ctx.times.total_work_ns)
}

/// The critical path caps the speed-up below the worker count.
fn critical_path_bound(
    ctx: &Context<'_>,
    path: &[PathStep],
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let workers = workers_of(ctx.trace, &ctx.times);
    let total = ctx.times.total_work_ns;
    let path_ns = path_length(path);
    if workers < 2 || path_ns == 0 || path.len() < 2 {
        return;
    }
    // total / path < workers, in integers.
    if u128::from(path_ns) * u128::from(workers) <= u128::from(total) {
        return;
    }
    let extent = ctx.extent_ns();
    let facts = CriticalPathBound {
        path_tasks: path.len() as u64,
        path_names: path_names(ctx, path),
        path_ns,
        extent_ns: extent,
        total_work_ns: total,
        workers,
    };
    let severity = if path_ns.saturating_mul(2) >= extent {
        Severity::Warning
    } else {
        Severity::Info
    };
    let impact = path_ns.saturating_sub(total / u64::from(workers));
    out.push(finding(
        Facts::CriticalPathBound(facts),
        severity,
        impact,
        path.iter().map(|s| s.task).collect(),
        options,
    ));
}

/// The names along `path`: all of them up to 6 steps, else the first 3 and the last 2.
fn path_names(ctx: &Context<'_>, path: &[PathStep]) -> Vec<String> {
    let name = |s: &PathStep| ctx.trace.task_name(s.task).unwrap_or("?").to_owned();
    if path.len() <= 6 {
        return path.iter().map(name).collect();
    }
    path.iter()
        .take(3)
        .chain(path.iter().skip(path.len() - 2))
        .map(name)
        .collect()
}

/// One task takes most of the run.
fn dominant_task(ctx: &Context<'_>, options: &AdvisorOptions, out: &mut Vec<Finding>) {
    if ctx.times.ran_count < 2 {
        return;
    }
    let Some((task, duration)) = super::stats::ran_tasks(&ctx.times)
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    else {
        return;
    };
    let extent = ctx.extent_ns();
    let total = ctx.times.total_work_ns;
    if extent == 0
        || (duration as f64) < options.dominant_share * extent as f64
        || (duration as f64) < options.dominant_share * total as f64
    {
        return;
    }
    let facts = DominantTask {
        task: label(ctx, task),
        duration_ns: duration,
        extent_ns: extent,
        total_work_ns: total,
    };
    out.push(finding(
        Facts::DominantTask(facts),
        Severity::Warning,
        duration,
        vec![task],
        options,
    ));
}
