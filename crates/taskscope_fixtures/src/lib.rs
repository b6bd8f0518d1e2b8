//! Deterministic sample traces, one home for the traces that taskscope's tests,
//! benchmarks and the viewer's demos build in memory.
//!
//! - [`diamond`]: the classic `inc`, `inc`, `add` graph on two workers.
//! - [`layered`]: a task graph of any size in layers, scheduled greedily on
//!   `lanes` workers, so that every task starts after its inputs end (arrows in
//!   the views point forward in time, as in a real run).
//! - [`live_dask_run`]: a Dask run's stream read before its end (io lanes, a task
//!   still running, an idle thread lane).
//! - [`Crafted`]: a builder for hand-made traces: tasks named by key, spans by
//!   lane and time, for tests that need a precise pattern.
//!
//! Everything is deterministic: the same arguments give the same trace. This
//! crate depends on the trace crate only and is never published.

#![forbid(unsafe_code)]

mod crafted;

pub use crafted::{Crafted, MS, S, US, id};

use taskscope_trace::{
    Graph, GraphBuilder, Lane, ModelError, RunMeta, Span, SpanKind, TaskId, TaskState, Trace,
    TraceBuilder,
};

/// A small xorshift generator: deterministic and dependency free.
#[derive(Clone, Debug)]
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn compute_span(task: TaskId, lane: u32, start_ns: u64, end_ns: u64) -> Span {
    Span {
        start_ns,
        end_ns,
        task,
        lane: taskscope_trace::LaneId(lane),
        kind: SpanKind::Compute,
        depth: 0,
        unclosed: false,
    }
}

/// Two `inc` tasks on two workers at the same time, then `add` using both.
///
/// `inc-1` runs 0–10 ms on worker 0, `inc-2` 0–9 ms on worker 1, `add` 10–20 ms on worker 0.
pub fn diamond() -> Result<Trace, ModelError> {
    const MS: u64 = 1_000_000;
    let mut b = TraceBuilder::new(RunMeta {
        title: Some("diamond".into()),
        scheduler: Some("threads".into()),
        workers: Some(2),
        ..RunMeta::default()
    });
    let g = b.graph_mut();
    let x = g.add_task("inc-1", "inc", [], TaskState::Done)?;
    let y = g.add_task("inc-2", "inc", [], TaskState::Done)?;
    let z = g.add_task("add-3", "add", [x, y], TaskState::Done)?;
    for i in 0..2 {
        b.add_lane(Lane {
            name: format!("worker {i}"),
            process: "local".into(),
            sort_index: i,
            is_async: false,
        })?;
    }
    b.add_span(compute_span(x, 0, 0, 10 * MS))?;
    b.add_span(compute_span(y, 1, 0, 9 * MS))?;
    b.add_span(compute_span(z, 0, 10 * MS, 20 * MS))?;
    b.build()
}

/// A live Dask run as its stream reads before its end (a plain Chrome file: the stream's
/// taskscope section comes last), with the run's recorded worker count `workers`: one
/// worker's thread lane that finished task `a`, its io lane with a transfer for `a` and one
/// for `b` (still running: no compute span yet), and a second thread lane that has not
/// finished a task yet. One lane ran work: one worker, unless `workers` says otherwise.
pub fn live_dask_run(workers: Option<u32>) -> Result<Trace, ModelError> {
    let mut b = TraceBuilder::new(RunMeta {
        workers,
        source: taskscope_trace::SourceFormat::Chrome,
        ..RunMeta::default()
    });
    let g = b.graph_mut();
    let a = g.add_task("a", "inc", [], TaskState::Done)?;
    let running = g.add_task("b", "inc", [], TaskState::NotRun)?;
    let lane = |name: &str| Lane {
        name: name.to_owned(),
        process: "worker 0 (tcp://127.0.0.1:1)".to_owned(),
        ..Lane::default()
    };
    let thread = b.add_lane(lane("worker 0 thread 0"))?;
    let io = b.add_lane(lane("worker 0 io"))?;
    b.add_lane(lane("worker 0 thread 1"))?;
    for (task, lane, kind, start_ns) in [
        (a, io, SpanKind::Transfer, 0),
        (a, thread, SpanKind::Compute, 10),
        (running, io, SpanKind::Transfer, 20),
    ] {
        b.add_span(Span {
            start_ns,
            end_ns: start_ns + 5,
            task,
            lane,
            kind,
            depth: 0,
            unclosed: false,
        })?;
    }
    b.build()
}

/// Task names used by [`layered`], one per layer, cycling.
const LAYER_NAMES: [&str; 6] = ["load", "parse", "inc", "double", "add", "sum"];

/// A layered task graph of `tasks` tasks, `width` per layer, each depending on one or
/// two tasks of the layer before, run on `lanes` workers by a greedy list scheduler.
///
/// Durations are 5–100 µs (times `slowdown`), with 1–3 µs of scheduling overhead between
/// tasks on a worker. Use `lanes = 1` for a serial run of the same graph.
///
/// # Complexity
/// O(T log T + T × lanes) time, O(T) memory.
pub fn layered(tasks: usize, width: usize, lanes: u32, seed: u64) -> Result<Trace, ModelError> {
    let width = width.max(1);
    let lanes = lanes.max(1);
    let mut rng = XorShift(seed.max(1));
    let mut b = TraceBuilder::new(RunMeta {
        title: Some(format!("layered {tasks} tasks on {lanes} workers")),
        scheduler: Some(if lanes == 1 { "sequential" } else { "threads" }.into()),
        workers: Some(lanes),
        ..RunMeta::default()
    });
    b.reserve_spans(tasks);
    for i in 0..lanes {
        b.add_lane(Lane {
            name: format!("worker {i}"),
            process: "local".into(),
            sort_index: i64::from(i),
            is_async: false,
        })?;
    }
    let mut end_of = Vec::with_capacity(tasks);
    let mut lane_free = vec![0u64; lanes as usize];
    for i in 0..tasks {
        let layer = i / width;
        let mut deps = Vec::new();
        if layer > 0 {
            let prev_start = (layer - 1) * width;
            let a = prev_start + (rng.next() as usize % width);
            deps.push(TaskId(a as u32));
            if rng.next().is_multiple_of(3) {
                let b2 = prev_start + (rng.next() as usize % width);
                if b2 != a {
                    deps.push(TaskId(b2 as u32));
                }
            }
        }
        let name = LAYER_NAMES
            .get(layer % LAYER_NAMES.len())
            .copied()
            .unwrap_or("task");
        let ready = deps
            .iter()
            .filter_map(|d| end_of.get(d.index()).copied())
            .max()
            .unwrap_or(0);
        let task = b
            .graph_mut()
            .add_task(&format!("{name}-{i}"), name, deps, TaskState::Done)?;
        // The worker that becomes free first (ties: lowest id).
        let (lane, free) = lane_free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(l, f)| (f, l))
            .unwrap_or((0, 0));
        let start = ready.max(free) + 1_000 + rng.next() % 2_000;
        let end = start + 5_000 + rng.next() % 95_000;
        if let Some(f) = lane_free.get_mut(lane) {
            *f = end;
        }
        end_of.push(end);
        b.add_span(compute_span(task, lane as u32, start, end))?;
    }
    b.build()
}

/// `config-0`, then `steps` tasks `step-i`, each using `config-0` and the step
/// before: two key groups whose expanded drawing has edges from the collapsed
/// `config` crossing up to `steps` layers (the layout's dummy-node limit). No spans.
pub fn config_chain(steps: usize) -> Result<Trace, ModelError> {
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let config = g.add_task("config-0", "config", [], TaskState::Done)?;
    let mut prev: Option<TaskId> = None;
    for i in 0..steps {
        let deps: Vec<TaskId> = std::iter::once(config).chain(prev).collect();
        prev = Some(g.add_task(&format!("step-{i}"), "step", deps, TaskState::Done)?);
    }
    b.build()
}

/// `tasks` tasks `x-0…` in one key group, and `y-0` using `x-0`. No spans.
pub fn one_big_group(tasks: usize) -> Result<Trace, ModelError> {
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    for i in 0..tasks {
        g.add_task(&format!("x-{i}"), "x", [], TaskState::Done)?;
    }
    g.add_task("y-0", "y", [TaskId(0)], TaskState::Done)?;
    b.build()
}

/// `tasks` independent tasks whose keys (`{prefix}{i}`, no dash) are each a key
/// group of their own. No spans.
pub fn singleton_groups(tasks: usize, prefix: &str) -> Result<Trace, ModelError> {
    let mut b = TraceBuilder::new(RunMeta::default());
    for i in 0..tasks {
        b.graph_mut()
            .add_task(&format!("{prefix}{i}"), prefix, [], TaskState::Done)?;
    }
    b.build()
}

/// Four key groups: `load-0` feeding `inc-1` and `inc-2`, which `sum-3` adds up,
/// and `other-4` alone, which never ran. No spans.
pub fn four_groups() -> Result<Graph, ModelError> {
    let mut g = GraphBuilder::new();
    let l = g.add_task("load-0", "load", [], TaskState::Done)?;
    let a = g.add_task("inc-1", "inc", [l], TaskState::Done)?;
    let b = g.add_task("inc-2", "inc", [l], TaskState::Done)?;
    g.add_task("sum-3", "sum", [a, b], TaskState::Done)?;
    g.add_task("other-4", "other", [], TaskState::NotRun)?;
    g.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diamond_shape() {
        let t = diamond().unwrap();
        assert_eq!(t.graph().len(), 3);
        assert_eq!(t.spans().len(), 3);
        assert_eq!(t.lanes().len(), 2);
    }

    #[test]
    fn layered_runs_tasks_after_their_inputs() {
        let t = layered(500, 20, 4, 7).unwrap();
        assert_eq!(t.spans().len(), 500);
        let times = taskscope_trace::index::TaskTimes::new(&t);
        for task in t.graph().tasks() {
            let (start, _) = times.range(task).unwrap();
            for &dep in t.graph().deps(task) {
                assert!(times.range(dep).unwrap().1 <= start);
            }
        }
        // Deterministic.
        let again = layered(500, 20, 4, 7).unwrap();
        assert_eq!(t.spans(), again.spans());
        // Spans on one lane never overlap.
        for lane in 0..4 {
            let spans = t.lane_spans(taskscope_trace::LaneId(lane));
            assert!(spans.windows(2).all(|w| w[0].end_ns <= w[1].start_ns));
        }
    }
}
