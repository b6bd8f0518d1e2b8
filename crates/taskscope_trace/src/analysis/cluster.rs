//! The advisor's findings about where a distributed or Dask run lost time outside
//! its tasks: transfers on the chain that ended last ([`TransferBound`]), a worker
//! that ran tasks slower than the others and finished last ([`Straggler`]), and the
//! gaps between tasks on a thread of Dask's local schedulers ([`SchedulerGaps`]).
//!
//! Each kind is a struct of numbers with a `Display` (the words, pinned by one test
//! per kind) and a check that fills it; [`super::advise_with`] runs the checks.
//! Workers and io lanes are [`crate::index::Workers`]; a transfer belongs to the task
//! that needed the data and names its sender in the span arg `source`.

use std::fmt;

use serde::Serialize;

use super::advisor::{AdvisorOptions, finding, label};
use super::context::Context;
use super::findings::{Facts, Finding, Severity, TaskLabel};
use super::format::{format_count, format_duration_ns as dur, format_factor, format_percent};
use super::stats::median_of;
use rustc_hash::FxHashMap;

use crate::index::Workers;
use crate::model::{LaneId, SpanId, SpanKind, TaskId, Trace};

/// Transfers on the chain of tasks that ended last ([`super::FindingKind::TransferBound`]).
///
/// The chain starts at the task whose compute ended last and steps, task by task, to
/// the dependency whose compute ended last. Between a dependency's end and the next
/// task's start, the time the next task's worker was receiving transfers (for that
/// task, or for others queued ahead of it) while one of its threads was free counts
/// as transfer; the rest is waiting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransferBound {
    /// Tasks on the chain.
    pub chain_tasks: u64,
    /// The chain's last task.
    pub last: TaskLabel,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// Compute time of the chain's tasks, in ns.
    pub compute_ns: u64,
    /// Time the workers of the chain's tasks were receiving transfers, with a thread
    /// free, between a dependency's end and the next task's start, in ns.
    pub transfer_ns: u64,
    /// How many transfers that is.
    pub transfers: u64,
    /// How many of them brought an input of a task of the chain.
    pub own_transfers: u64,
    /// The rest of the run's span: before the first task, and between a dependency's
    /// end and the next task's start outside transfers, in ns.
    pub other_ns: u64,
    /// The longest of those transfers: the task that needed the data.
    pub longest: TaskLabel,
    /// Its length, in ns.
    pub longest_ns: u64,
    /// The worker that sent it, if known.
    pub longest_from: Option<String>,
    /// The worker that received it.
    pub longest_to: String,
}

impl fmt::Display for TransferBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = |ns: u64| format_percent(ns as f64 / self.extent_ns.max(1) as f64);
        let which = if self.own_transfers == self.transfers {
            let of = if self.transfers == 1 {
                "transfer"
            } else {
                "transfers"
            };
            format!("{} {of} of its own inputs", format_count(self.transfers))
        } else {
            format!(
                "{} transfers, {} of them its own inputs, the others queued ahead of them",
                format_count(self.transfers),
                format_count(self.own_transfers)
            )
        };
        let route = match self.longest_from.as_deref() {
            Some(from) => format!("from {from} to {}", self.longest_to),
            None => format!("received by {}", self.longest_to),
        };
        write!(
            f,
            "transfers set {} of the wall time: on the chain of {} tasks that ended last (with \
             {}), the next task's worker was receiving data from other workers, with a thread \
             free, for {} of the run's {} while that task waited ({which}), against {} ({}) of \
             computing and {} ({}) of other waiting. The longest: {} for {}, {route}. Fewer or smaller results crossing workers (tasks placed where their \
             inputs are, or smaller outputs) would shorten the run.",
            share(self.transfer_ns),
            self.chain_tasks,
            self.last,
            dur(self.transfer_ns),
            dur(self.extent_ns),
            dur(self.compute_ns),
            share(self.compute_ns),
            dur(self.other_ns),
            share(self.other_ns),
            dur(self.longest_ns),
            self.longest,
        )
    }
}

/// A worker that ran tasks slower than the others and finished last
/// ([`super::FindingKind::Straggler`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Straggler {
    /// The worker (its process name).
    pub worker: String,
    /// The task name that ran slowest there compared with elsewhere.
    pub name: String,
    /// The task of that name on the chain that ended last.
    pub task: TaskLabel,
    /// Tasks of that name on the worker.
    pub tasks_here: u64,
    /// Their median duration there, in ns.
    pub median_here_ns: u64,
    /// Tasks of that name on the other workers.
    pub tasks_elsewhere: u64,
    /// Their median duration on the other workers, in ns.
    pub median_elsewhere_ns: u64,
    /// When the other workers' last compute ended, in ns from the trace origin.
    pub others_done_ns: u64,
    /// When the worker's last compute ended (the run's last), in ns from the trace origin.
    pub end_ns: u64,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
}

impl Straggler {
    /// How many times slower the tasks ran on the worker.
    pub fn factor(&self) -> f64 {
        self.median_here_ns as f64 / self.median_elsewhere_ns.max(1) as f64
    }

    /// The time at the end when only this worker computed, in ns.
    pub fn tail_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.others_done_ns)
    }
}

impl fmt::Display for Straggler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} straggled and set the wall time: its {} `{}` tasks took a median {}, {} the {} \
             the {} on other workers took. The other workers finished their last task at {} \
             and computed nothing more until its {} finished at {}: {} ({}) of the run's {}. Tasks \
             of one name running that much slower on one worker point at that worker's machine \
             (its CPU share, memory or disk).",
            self.worker,
            format_count(self.tasks_here),
            self.name,
            dur(self.median_here_ns),
            format_factor(self.factor()),
            dur(self.median_elsewhere_ns),
            format_count(self.tasks_elsewhere),
            dur(self.others_done_ns),
            self.task,
            dur(self.end_ns),
            dur(self.tail_ns()),
            format_percent(self.tail_ns() as f64 / self.extent_ns.max(1) as f64),
            dur(self.extent_ns),
        )
    }
}

/// Gaps between consecutive tasks on a thread of Dask's local schedulers
/// ([`super::FindingKind::SchedulerGaps`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchedulerGaps {
    /// The scheduler (`threads`, `processes` or `sync`).
    pub scheduler: String,
    /// Consecutive top-level spans on one thread.
    pub pairs: u64,
    /// Of those, the gaps where the thread waited (the next task started after the
    /// previous one ended; the recorder starts a task that was queued on its thread
    /// when the previous one ended, so a queued task leaves no gap).
    pub gaps: u64,
    /// The median of those gaps, in ns.
    pub median_gap_ns: u64,
    /// Their sum, in ns.
    pub total_gap_ns: u64,
    /// The median task's duration, in ns.
    pub median_task_ns: u64,
    /// Threads (lanes with tasks).
    pub threads: u32,
    /// The run's span, first start to last end, in ns.
    pub extent_ns: u64,
    /// What the recorder's own callbacks cost, in ns (`run.dask.recording_cost`), if recorded.
    pub recording_ns: Option<u64>,
}

impl fmt::Display for SchedulerGaps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worker_time = u64::from(self.threads).saturating_mul(self.extent_ns);
        write!(
            f,
            "on Dask's `{}` scheduler a thread that has no task queued waits for the \
             scheduler, whose one loop runs every task's callbacks and hands out the next ready \
             task: that wait is the scheduler's own cost per task. Here {} of the {} gaps \
             between consecutive tasks on a thread were such waits, a median {} against a \
             median task of {}; they add up to {} ({} of {} threads × {}).",
            self.scheduler,
            format_count(self.gaps),
            format_count(self.pairs),
            dur(self.median_gap_ns),
            dur(self.median_task_ns),
            dur(self.total_gap_ns),
            format_percent(self.total_gap_ns as f64 / worker_time.max(1) as f64),
            self.threads,
            dur(self.extent_ns),
        )?;
        if let Some(recording) = self.recording_ns {
            write!(
                f,
                " The recorder's own callbacks, which run in that loop, took {} in all.",
                dur(recording)
            )?;
        }
        write!(f, " Fewer, larger tasks pay that cost fewer times.")
    }
}

/// Runs the checks of this module.
pub(super) fn checks(ctx: &Context<'_>, options: &AdvisorOptions, out: &mut Vec<Finding>) {
    let workers = Workers::new(ctx.trace);
    let compute = ComputeTimes::new(ctx.trace, &workers);
    transfer_bound(ctx, &workers, &compute, options, out);
    straggler(ctx, &workers, &compute, options, out);
    scheduler_gaps(ctx, &workers, options, out);
}

/// Severity by the share of the run at stake.
fn severity(ns: u64, extent_ns: u64) -> Severity {
    if ns.saturating_mul(4) >= extent_ns {
        Severity::Warning
    } else {
        Severity::Info
    }
}

/// Each task's first compute start and last compute end (top-level spans), and its
/// transfer spans.
struct ComputeTimes {
    range: Vec<Option<(u64, u64)>>,
    /// Transfer spans received by each worker, as `(start, end, span)`, sorted.
    received: Vec<Vec<(u64, u64, SpanId)>>,
}

impl ComputeTimes {
    /// # Complexity
    /// O(V + S).
    fn new(trace: &Trace, workers: &Workers) -> Self {
        let n = trace.graph().len();
        let mut range: Vec<Option<(u64, u64)>> = vec![None; n];
        let mut received: Vec<Vec<(u64, u64, SpanId)>> = vec![Vec::new(); workers.len()];
        for (i, span) in trace.spans().iter().enumerate() {
            if span.depth > 0 {
                continue;
            }
            match span.kind {
                SpanKind::Compute => {
                    if let Some(r) = range.get_mut(span.task.index()) {
                        *r = Some(r.map_or((span.start_ns, span.end_ns), |(s, e)| {
                            (s.min(span.start_ns), e.max(span.end_ns))
                        }));
                    }
                }
                SpanKind::Transfer => {
                    if let Some(r) = workers
                        .of_lane(span.lane)
                        .and_then(|w| received.get_mut(w as usize))
                    {
                        r.push((span.start_ns, span.end_ns, SpanId(i as u32)));
                    }
                }
                _ => {}
            }
        }
        for r in &mut received {
            r.sort_unstable();
        }
        Self { range, received }
    }

    fn of(&self, task: TaskId) -> Option<(u64, u64)> {
        self.range.get(task.index()).copied().flatten()
    }

    /// The task whose compute ended last (lowest id on ties).
    fn last(&self) -> Option<TaskId> {
        let mut best: Option<(u64, TaskId)> = None;
        for (t, r) in self.range.iter().enumerate() {
            if let Some((_, end)) = r
                && best.is_none_or(|(e, _)| *end > e)
            {
                best = Some((*end, TaskId(t as u32)));
            }
        }
        best.map(|(_, t)| t)
    }
}

/// One step of the chain that ended last: a task and the dependency it waited for.
struct ChainTotals {
    tasks: Vec<TaskId>,
    compute_ns: u64,
    transfer_ns: u64,
    transfers: u64,
    own_transfers: u64,
    /// (length, span) of the longest transfer counted.
    longest: Option<(u64, SpanId)>,
}

/// Walks back from the task that ended last, each time to the dependency whose
/// compute ended last.
///
/// # Complexity
/// O(chain length × (in-degree + log R + transfers in the wait)) for R transfers per worker.
fn last_chain(ctx: &Context<'_>, workers: &Workers, compute: &ComputeTimes) -> Option<ChainTotals> {
    let mut task = compute.last()?;
    let mut totals = ChainTotals {
        tasks: Vec::new(),
        compute_ns: 0,
        transfer_ns: 0,
        transfers: 0,
        own_transfers: 0,
        longest: None,
    };
    loop {
        let (start, end) = compute.of(task)?;
        totals.tasks.push(task);
        totals.compute_ns += end - start;
        let dep = ctx
            .kept_deps(task)
            .filter_map(|d| Some((compute.of(d)?.1, d)))
            .filter(|&(e, _)| e <= start)
            .max_by_key(|&(e, d)| (e, std::cmp::Reverse(d)));
        let ready = dep.map_or(ctx.trace.start_ns(), |(e, _)| e);
        let received = ctx
            .times
            .lane(task)
            .and_then(|lane| workers.of_lane(lane))
            .and_then(|w| compute.received.get(w as usize))
            .map_or(&[][..], Vec::as_slice);
        let mut intervals = Vec::new();
        // Transfers starting before the task started and ending after it became ready.
        let first =
            received.partition_point(|r| r.0 < ready.saturating_sub(max_transfer_ns(received)));
        for &(s, e, id) in received.get(first..).unwrap_or(&[]) {
            if s >= start {
                break;
            }
            if e <= ready {
                continue;
            }
            intervals.push((s, e));
            totals.transfers += 1;
            if ctx.trace.span(id).is_some_and(|span| span.task == task) {
                totals.own_transfers += 1;
            }
            if totals.longest.is_none_or(|(l, _)| e - s > l) {
                totals.longest = Some((e - s, id));
            }
        }
        let worker = ctx
            .times
            .lane(task)
            .and_then(|lane| workers.get(workers.of_lane(lane)?));
        let busy = worker.map_or_else(Vec::new, |w| {
            busy_in(ctx.trace, &w.thread_lanes, ready, start)
        });
        let threads = worker.map_or(1, |w| w.thread_lanes.len());
        totals.transfer_ns += blocking_ns(&intervals, &busy, threads, ready, start);
        match dep {
            Some((_, d)) if totals.tasks.len() <= ctx.trace.graph().len() => task = d,
            _ => break,
        }
    }
    Some(totals)
}

/// The top-level compute spans on `lanes` that overlap `[from, to)`, as intervals.
///
/// # Complexity
/// O(L log S + k) for the k spans found.
fn busy_in(trace: &Trace, lanes: &[LaneId], from: u64, to: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &lane in lanes {
        let spans = trace.lane_spans(lane);
        // Top-level spans of a thread follow one another, so the one covering `from`
        // starts at most one place before the first that starts at or after it.
        let first = spans
            .partition_point(|s| s.start_ns < from)
            .saturating_sub(1);
        for s in spans.get(first..).unwrap_or(&[]) {
            if s.start_ns >= to {
                break;
            }
            if s.depth == 0 && s.kind == SpanKind::Compute && s.end_ns > from {
                out.push((s.start_ns, s.end_ns));
            }
        }
    }
    out
}

/// The time in `[from, to)` covered by `transfers` while fewer than `threads` of
/// `busy` intervals were running.
///
/// # Complexity
/// O(k²) for k intervals (those of one wait on one worker).
fn blocking_ns(
    transfers: &[(u64, u64)],
    busy: &[(u64, u64)],
    threads: usize,
    from: u64,
    to: u64,
) -> u64 {
    let mut points: Vec<u64> = vec![from, to];
    for &(s, e) in transfers.iter().chain(busy) {
        points.extend([s.clamp(from, to), e.clamp(from, to)]);
    }
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .filter_map(|w| match *w {
            [s, e] => Some((s, e)),
            _ => None,
        })
        .filter(|&(s, e)| transfers.iter().any(|t| t.0 <= s && t.1 >= e))
        .filter(|&(s, e)| busy.iter().filter(|b| b.0 <= s && b.1 >= e).count() < threads)
        .map(|(s, e)| e - s)
        .sum()
}

/// The longest span in `received`, in ns.
fn max_transfer_ns(received: &[(u64, u64, SpanId)]) -> u64 {
    received.iter().map(|r| r.1 - r.0).max().unwrap_or(0)
}

/// Transfers on the chain that ended last, from [`AdvisorOptions::transfer_share`] of the run.
fn transfer_bound(
    ctx: &Context<'_>,
    workers: &Workers,
    compute: &ComputeTimes,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let extent_ns = ctx.extent_ns();
    let Some(chain) = last_chain(ctx, workers, compute) else {
        return;
    };
    let Some((longest_ns, longest)) = chain.longest else {
        return;
    };
    if (chain.transfer_ns as f64) < options.transfer_share * extent_ns as f64 {
        return;
    }
    let Some(span) = ctx.trace.span(longest) else {
        return;
    };
    let worker_name = |w: Option<u32>| w.and_then(|w| workers.get(w)).map(|w| w.name.clone());
    let facts = TransferBound {
        chain_tasks: chain.tasks.len() as u64,
        last: label(ctx, chain.tasks.first().copied().unwrap_or_default()),
        extent_ns,
        compute_ns: chain.compute_ns,
        transfer_ns: chain.transfer_ns,
        transfers: chain.transfers,
        own_transfers: chain.own_transfers,
        other_ns: extent_ns.saturating_sub(chain.compute_ns + chain.transfer_ns),
        longest: label(ctx, span.task),
        longest_ns,
        longest_from: worker_name(workers.source_of(ctx.trace, longest)),
        longest_to: worker_name(workers.of_lane(span.lane)).unwrap_or_default(),
    };
    out.push(finding(
        Facts::TransferBound(facts),
        severity(chain.transfer_ns, extent_ns),
        chain.transfer_ns,
        chain.tasks,
        options,
    ));
}

/// A task on the chain that ended last whose name ran at least
/// [`AdvisorOptions::straggler_factor`] times slower on its worker than on the others,
/// while the other workers computed nothing for [`AdvisorOptions::transfer_share`] of
/// the run before it ended.
fn straggler(
    ctx: &Context<'_>,
    workers: &Workers,
    compute: &ComputeTimes,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    if workers
        .all()
        .iter()
        .filter(|w| !w.thread_lanes.is_empty())
        .count()
        < 2
    {
        return;
    }
    let Some(chain) = last_chain(ctx, workers, compute) else {
        return;
    };
    let graph = ctx.trace.graph();
    let worker_of = |task: TaskId| workers.of_lane(ctx.times.lane(task)?);
    // Each task's worker and duration, by name id: computed once for all chain tasks.
    let mut by_name: FxHashMap<u32, Vec<(u32, u64)>> = FxHashMap::default();
    for t in graph.tasks() {
        if let (Some(w), Some(name), Some(d)) =
            (worker_of(t), graph.name_id(t), ctx.times.duration_ns(t))
        {
            by_name.entry(name.0).or_default().push((w, d));
        }
    }
    let extent_ns = ctx.extent_ns();
    let mut best: Option<(u64, Straggler, u32, u32)> = None;
    for &task in &chain.tasks {
        let (Some(w), Some(name), Some((_, end_ns))) =
            (worker_of(task), graph.name_id(task), compute.of(task))
        else {
            continue;
        };
        let Some(runs) = by_name.get(&name.0) else {
            continue;
        };
        let here: Vec<u64> = runs.iter().filter(|r| r.0 == w).map(|r| r.1).collect();
        let elsewhere: Vec<u64> = runs.iter().filter(|r| r.0 != w).map(|r| r.1).collect();
        let (tasks_here, tasks_elsewhere) = (here.len() as u64, elsewhere.len() as u64);
        let (Some(median_here_ns), Some(median_elsewhere_ns)) =
            (median_of(here), median_of(elsewhere))
        else {
            continue;
        };
        // What the other workers computed before this task ended.
        let others_done_ns = compute_ends_before(ctx.trace, workers, w, end_ns);
        let facts = Straggler {
            worker: workers.get(w).map_or_else(String::new, |x| x.name.clone()),
            name: graph.names().get(name).unwrap_or("?").to_owned(),
            task: label(ctx, task),
            tasks_here,
            median_here_ns,
            tasks_elsewhere,
            median_elsewhere_ns,
            others_done_ns,
            end_ns,
            extent_ns,
        };
        let tail_ns = facts.tail_ns();
        if facts.factor() >= options.straggler_factor
            && tail_ns > 0
            && tail_ns as f64 >= options.transfer_share * extent_ns as f64
            && best.as_ref().is_none_or(|(t, ..)| tail_ns > *t)
        {
            best = Some((tail_ns, facts, w, name.0));
        }
    }
    let Some((tail_ns, facts, w, name)) = best else {
        return;
    };
    let tasks: Vec<TaskId> = graph
        .tasks()
        .filter(|&t| worker_of(t) == Some(w) && graph.name_id(t).map(|n| n.0) == Some(name))
        .collect();
    out.push(finding(
        Facts::Straggler(facts),
        severity(tail_ns, extent_ns),
        tail_ns,
        tasks,
        options,
    ));
}

/// The last end of a compute span on a worker other than `worker` that started
/// before `before_ns` (the trace's first start if there is none).
fn compute_ends_before(trace: &Trace, workers: &Workers, worker: u32, before_ns: u64) -> u64 {
    trace
        .spans()
        .iter()
        .filter(|s| s.kind == SpanKind::Compute && s.depth == 0 && s.start_ns < before_ns)
        .filter(|s| workers.of_lane(s.lane).is_some_and(|w| w != worker))
        .map(|s| s.end_ns)
        .max()
        .unwrap_or_else(|| trace.start_ns())
}

/// Whether the run is Dask's, on a local scheduler (every `+`-joined part is
/// `threads`, `processes` or `sync`); returns the scheduler.
fn dask_local_scheduler(trace: &Trace) -> Option<&str> {
    trace.run_args().get("dask")?;
    let scheduler = trace.meta().scheduler.as_deref()?;
    scheduler
        .split('+')
        .all(|s| matches!(s, "threads" | "processes" | "sync"))
        .then_some(scheduler)
}

/// `run.dask.recording_cost.local_callbacks_s`, in ns.
fn local_recording_ns(trace: &Trace) -> Option<u64> {
    let text = trace.run_args().get("dask")?.to_string();
    let dask: serde_json::Value = serde_json::from_str(&text).ok()?;
    let seconds = dask
        .get("recording_cost")?
        .get("local_callbacks_s")?
        .as_f64()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1e9).round() as u64)
}

/// Gaps between consecutive tasks on the threads of Dask's local schedulers, from
/// [`AdvisorOptions::idle_ready_share`] of the worker time.
fn scheduler_gaps(
    ctx: &Context<'_>,
    workers: &Workers,
    options: &AdvisorOptions,
    out: &mut Vec<Finding>,
) {
    let trace = ctx.trace;
    let Some(scheduler) = dask_local_scheduler(trace) else {
        return;
    };
    let mut gaps = Vec::new();
    let mut threads = 0u32;
    for l in 0..trace.lanes().len() {
        let lane = LaneId(l as u32);
        if workers.is_io_lane(lane) {
            continue;
        }
        let mut previous_end: Option<u64> = None;
        let mut any = false;
        for span in trace.lane_spans(lane).iter().filter(|s| s.depth == 0) {
            any = true;
            if let Some(end) = previous_end {
                gaps.push(span.start_ns.saturating_sub(end));
            }
            previous_end = Some(previous_end.map_or(span.end_ns, |e| e.max(span.end_ns)));
        }
        threads += u32::from(any);
    }
    let pairs = gaps.len() as u64;
    gaps.retain(|&g| g > 0);
    let count = gaps.len() as u64;
    let total_gap_ns: u64 = gaps.iter().sum();
    let extent_ns = ctx.extent_ns();
    let worker_time = u64::from(threads).saturating_mul(extent_ns);
    let (Some(median_gap_ns), Some(median_task_ns)) = (
        median_of(gaps),
        median_of(
            (0..ctx.times.len())
                .filter_map(|t| ctx.times.duration_ns(TaskId(t as u32)))
                .collect(),
        ),
    ) else {
        return;
    };
    if count < 10 || (total_gap_ns as f64) < options.idle_ready_share * worker_time as f64 {
        return;
    }
    let facts = SchedulerGaps {
        scheduler: scheduler.to_owned(),
        pairs,
        gaps: count,
        median_gap_ns,
        total_gap_ns,
        median_task_ns,
        threads,
        extent_ns,
        recording_ns: local_recording_ns(trace),
    };
    out.push(finding(
        Facts::SchedulerGaps(facts),
        severity(total_gap_ns, worker_time),
        total_gap_ns / u64::from(threads.max(1)),
        Vec::new(),
        options,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn label(name: &str, key: Option<&str>) -> TaskLabel {
        TaskLabel {
            name: name.to_owned(),
            key: key.map(str::to_owned),
        }
    }

    #[test]
    fn transfer_bound_words() {
        let facts = TransferBound {
            chain_tasks: 3,
            last: label("sum", Some("sum-0")),
            extent_ns: 1000 * MS,
            compute_ns: 500 * MS,
            transfer_ns: 300 * MS,
            transfers: 2,
            own_transfers: 1,
            other_ns: 200 * MS,
            longest: label("add", Some("add-1")),
            longest_ns: 200 * MS,
            longest_from: Some("worker 0".into()),
            longest_to: "worker 1".into(),
        };
        assert_eq!(
            facts.to_string(),
            "transfers set 30% of the wall time: on the chain of 3 tasks that ended last (with \
             `sum` (key `sum-0`)), the next task's worker was receiving data from other \
             workers, with a thread free, for 300 ms of the run's 1.00 s while that task \
             waited (2 transfers, 1 of them its own inputs, the others queued ahead of them), \
             against 500 ms (50%) of computing and 200 ms (20%) of other waiting. The longest: \
             200 ms for `add` (key `add-1`), from worker 0 to worker 1. Fewer or smaller \
             results crossing workers (tasks placed where their inputs are, or smaller outputs) \
             would shorten the run."
        );
    }

    #[test]
    fn straggler_words() {
        let facts = Straggler {
            worker: "worker 1".into(),
            name: "work".into(),
            task: label("work", Some("work-2")),
            tasks_here: 4,
            median_here_ns: 1600 * MS,
            tasks_elsewhere: 4,
            median_elsewhere_ns: 200 * MS,
            others_done_ns: 1600 * MS,
            end_ns: 3200 * MS,
            extent_ns: 3200 * MS,
        };
        assert_eq!(
            facts.to_string(),
            "worker 1 straggled and set the wall time: its 4 `work` tasks took a median 1.60 s, \
             8.00× the 200 ms the 4 on other workers took. The other workers finished their \
             last task at 1.60 s and computed nothing more until its `work` (key `work-2`) \
             finished at 3.20 s: 1.60 s (50%) of the run's 3.20 s. Tasks of one name running that much slower on one \
             worker point at that worker's machine (its CPU share, memory or disk)."
        );
    }

    #[test]
    fn scheduler_gaps_words() {
        let facts = SchedulerGaps {
            scheduler: "threads".into(),
            pairs: 2045,
            gaps: 1022,
            median_gap_ns: 90_000,
            total_gap_ns: 100 * MS,
            median_task_ns: 20_000,
            threads: 2,
            extent_ns: 100 * MS,
            recording_ns: Some(4 * MS),
        };
        assert_eq!(
            facts.to_string(),
            "on Dask's `threads` scheduler a thread that has no task queued waits for the \
             scheduler, whose one loop runs every task's callbacks and hands out the next \
             ready task: that wait is the scheduler's own cost per task. Here 1,022 of the \
             2,045 gaps between consecutive tasks on a thread were such waits, a median 90.0 \
             µs against a median task of 20.0 µs; they add up to 100 ms (50% of 2 threads × \
             100 ms). The recorder's own callbacks, which run in that loop, took 4.00 ms in \
             all. Fewer, larger tasks pay that cost fewer times."
        );
    }

    #[test]
    fn blocking_time_needs_a_transfer_and_a_free_thread() {
        // Transfers 0-10 and 20-30; one of two threads busy 0-25, the other 5-15.
        let busy = [(0, 25), (5, 15)];
        assert_eq!(blocking_ns(&[(0, 10), (20, 30)], &busy, 2, 0, 40), 5 + 10);
        assert_eq!(blocking_ns(&[(0, 10)], &[], 1, 2, 8), 6);
        assert_eq!(blocking_ns(&[], &busy, 2, 0, 40), 0);
    }
}
