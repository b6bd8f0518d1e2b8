//! Critical path on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, dask_total_on_two_threads, id};
use proptest::prelude::*;
use taskscope_trace::analysis::{DependencySource, critical_path, simulate_makespan};
use taskscope_trace::{GraphBuilder, RunMeta, SpanKind, TaskId, TaskState, TraceBuilder};

fn path_keys(trace: &taskscope_trace::Trace) -> Vec<String> {
    critical_path(trace)
        .steps
        .iter()
        .map(|s| trace.graph().key(s.task).unwrap().to_owned())
        .collect()
}

#[test]
fn diamond_follows_the_longer_input() {
    let mut t = Crafted::new(2);
    t.task_run("a", "inc", &[], 0, 0, 3 * MS);
    t.task_run("b", "inc", &[], 1, 0, 5 * MS);
    t.task_run("c", "add", &["a", "b"], 0, 5 * MS, 7 * MS);
    let trace = t.build();
    let cp = critical_path(&trace);
    assert_eq!(path_keys(&trace), ["b", "c"]);
    assert_eq!(cp.length_ns, 7 * MS);
    assert_eq!(cp.wall_ns, 7 * MS);
    assert_eq!(cp.ratio, Some(1.0));
    assert_eq!(cp.total_work_ns, 10 * MS);
    assert_eq!(cp.max_speedup, Some(10.0 / 7.0));
    assert_eq!(cp.dependencies, DependencySource::Graph);
    assert_eq!(cp.ignored_edges, 0);
    let step = &cp.steps[1];
    assert_eq!(step.name, "add");
    assert_eq!(
        (step.start_ns, step.end_ns, step.duration_ns),
        (5 * MS, 7 * MS, 2 * MS)
    );
}

#[test]
fn ties_go_to_the_lowest_task_id() {
    let mut t = Crafted::new(2);
    t.task_run("a", "inc", &[], 0, 0, MS);
    t.task_run("b", "inc", &[], 1, 0, MS);
    t.task_run("c", "add", &["b", "a"], 0, MS, 2 * MS);
    t.task_run("d", "inc", &[], 1, MS, 3 * MS);
    let trace = t.build();
    // a→c and b→c tie at 2 ms; d alone is 2 ms too: the chain ending at the lowest
    // id (c = 2 < d = 3) wins, through the lower-id input a.
    assert_eq!(path_keys(&trace), ["a", "c"]);
}

#[test]
fn dask_total_graph() {
    let trace = dask_total_on_two_threads();
    let cp = critical_path(&trace);
    assert_eq!(cp.length_ns, 3 * S);
    assert_eq!(cp.wall_ns, 5 * S);
    assert_eq!(cp.ratio, Some(0.6));
    assert_eq!(path_keys(&trace), ["x", "z", "total"]);
}

#[test]
fn duration_is_the_union_of_compute_spans() {
    let mut t = Crafted::new(2);
    t.task("a", "load", &[]);
    // A transfer before the compute does not count as work…
    t.span("a", 0, 0, 4 * MS, SpanKind::Transfer, 0);
    // …and overlapping compute spans count once: [4, 10) ∪ [6, 8) ∪ [12, 13) = 7 ms.
    t.span("a", 0, 4 * MS, 10 * MS, SpanKind::Compute, 0);
    t.span("a", 0, 6 * MS, 8 * MS, SpanKind::Compute, 1);
    t.span("a", 1, 12 * MS, 13 * MS, SpanKind::Compute, 0);
    // A task with only `Other` spans uses them all.
    t.task("b", "foreign", &[]);
    t.span("b", 1, 0, 2 * MS, SpanKind::Other, 0);
    t.span("b", 1, MS, 3 * MS, SpanKind::Other, 1);
    let trace = t.build();
    let cp = critical_path(&trace);
    assert_eq!(cp.total_work_ns, 7 * MS + 3 * MS);
    assert_eq!(path_keys(&trace), ["a"]);
    // The step covers a's work (its pieces on the path), not the transfer before it.
    assert_eq!(cp.steps[0].start_ns, 4 * MS);
    assert_eq!(cp.steps[0].end_ns, 13 * MS);
    assert_eq!(cp.steps[0].duration_ns, 7 * MS);
}

#[test]
fn tasks_that_did_not_run_are_left_out() {
    let mut t = Crafted::new(1);
    t.task_run("a", "inc", &[], 0, 0, MS);
    t.not_run("b", "inc", &["a"]);
    t.not_run("c", "inc", &["b"]);
    let trace = t.build();
    assert_eq!(path_keys(&trace), ["a"]);
    assert_eq!(critical_path(&trace).length_ns, MS);
}

#[test]
fn foreign_trace_uses_flow_arrows() {
    let mut t = Crafted::new(2);
    t.task("a", "read", &[]);
    t.task("b", "parse", &[]);
    t.task("c", "other", &[]);
    let sa = t.run("a", 0, 0, 2 * MS);
    let sb = t.run("b", 1, 2 * MS, 5 * MS);
    t.run("c", 0, 2 * MS, 6 * MS);
    t.flow(sa, sb);
    let trace = t.build();
    let cp = critical_path(&trace);
    assert_eq!(cp.dependencies, DependencySource::Flows);
    assert_eq!(path_keys(&trace), ["a", "b"]);
    assert_eq!(cp.length_ns, 5 * MS);
}

#[test]
fn without_any_dependency_the_longest_task_is_the_path() {
    let mut t = Crafted::new(2);
    t.task_run("a", "f", &[], 0, 0, 2 * MS);
    t.task_run("b", "f", &[], 1, 0, 3 * MS);
    let trace = t.build();
    let cp = critical_path(&trace);
    assert_eq!(cp.dependencies, DependencySource::Graph, "recorded: none");
    assert_eq!(path_keys(&trace), ["b"]);
}

#[test]
fn a_cycle_is_broken_not_fatal() {
    // a → b → c → a (ids 0, 1, 2), plus d depending on c. The cycle is broken at
    // the task that started first (a), ignoring its edge from c.
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    g.add_task("a", "a", [TaskId(2)], TaskState::Done).unwrap();
    g.add_task("b", "b", [TaskId(0)], TaskState::Done).unwrap();
    g.add_task("c", "c", [TaskId(1)], TaskState::Done).unwrap();
    g.add_task("d", "d", [TaskId(2)], TaskState::Done).unwrap();
    let lane = b.add_lane(taskscope_trace::Lane::default()).unwrap();
    for (task, start) in [(0u32, 0u64), (1, 1), (2, 2), (3, 3)] {
        b.add_span(taskscope_trace::Span {
            start_ns: start * MS,
            end_ns: (start + 1) * MS,
            task: TaskId(task),
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    let trace = b.build().unwrap();
    assert!(trace.graph().topological_order().is_err());
    let cp = critical_path(&trace);
    assert_eq!(cp.ignored_edges, 1);
    assert_eq!(path_keys(&trace), ["a", "b", "c", "d"]);
    assert_eq!(cp.length_ns, 4 * MS);
}

#[test]
fn empty_trace() {
    let trace = TraceBuilder::new(RunMeta::default()).build().unwrap();
    let cp = critical_path(&trace);
    assert!(cp.steps.is_empty());
    assert_eq!((cp.length_ns, cp.ratio, cp.max_speedup), (0, None, None));
}

#[test]
fn a_chain_of_a_million_tasks_does_not_recurse() {
    const N: u32 = 1_000_000;
    let mut g = GraphBuilder::with_capacity(N as usize, N as usize);
    for i in 0..N {
        let deps = i.checked_sub(1).map(TaskId);
        g.add_task("", "step", deps, TaskState::Done).unwrap();
    }
    let mut b = TraceBuilder::with_graph(RunMeta::default(), g.build().unwrap());
    let lane = b.add_lane(taskscope_trace::Lane::default()).unwrap();
    b.reserve_spans(N as usize);
    for i in 0..N {
        let start = u64::from(i) * 10;
        b.add_span(taskscope_trace::Span {
            start_ns: start,
            end_ns: start + 10,
            task: TaskId(i),
            lane,
            kind: SpanKind::Compute,
            depth: 0,
            unclosed: false,
        })
        .unwrap();
    }
    let trace = b.build().unwrap();
    let cp = critical_path(&trace);
    assert_eq!(cp.steps.len(), N as usize);
    assert_eq!(cp.length_ns, u64::from(N) * 10);
    assert_eq!(cp.steps.first().unwrap().task, TaskId(0));
    assert_eq!(cp.steps.last().unwrap().task, TaskId(N - 1));
}

/// A random DAG (each task depends on up to 3 earlier ones) with durations,
/// run through the list scheduler model to get a trace whose spans respect the
/// dependencies on `lanes` lanes.
fn random_trace(
    durations: &[u64],
    picks: &[(usize, usize, usize)],
    lanes: usize,
) -> taskscope_trace::Trace {
    let mut t = Crafted::new(lanes);
    let mut end = vec![0u64; durations.len()];
    let mut lane_free = vec![0u64; lanes];
    for (i, &d) in durations.iter().enumerate() {
        let mut deps: Vec<usize> = Vec::new();
        if i > 0 {
            let (p, q, r) = picks[i % picks.len()];
            for x in [p, q, r] {
                if x % 4 != 0 {
                    deps.push(x % i);
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        let dep_keys: Vec<String> = deps.iter().map(|d| format!("t{d}")).collect();
        let dep_refs: Vec<&str> = dep_keys.iter().map(String::as_str).collect();
        let ready = deps.iter().map(|&d| end[d]).max().unwrap_or(0);
        let (lane, free) = lane_free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(l, f)| (f, l))
            .unwrap();
        let start = ready.max(free);
        end[i] = start + d;
        lane_free[lane] = end[i];
        t.task_run(&format!("t{i}"), "f", &dep_refs, lane, start, end[i]);
    }
    t.build()
}

proptest! {
    #[test]
    fn critical_path_is_a_chain_within_every_schedule(
        durations in proptest::collection::vec(0u64..1_000, 1..60),
        picks in proptest::collection::vec((0usize..100, 0usize..100, 0usize..100), 1..20),
        lanes in 1usize..4,
    ) {
        let trace = random_trace(&durations, &picks, lanes);
        let cp = critical_path(&trace);
        // Consecutive steps are dependencies.
        for pair in cp.steps.windows(2) {
            prop_assert!(trace.graph().deps(pair[1].task).contains(&pair[0].task));
        }
        let sum: u64 = cp.steps.iter().map(|s| s.duration_ns).sum();
        prop_assert_eq!(sum, cp.length_ns);
        // No schedule beats the critical path: not the measured one, not the model's.
        prop_assert!(cp.length_ns <= trace.end_ns() - trace.start_ns());
        for k in 1..=4 {
            prop_assert!(cp.length_ns <= simulate_makespan(&trace, k));
        }
        prop_assert_eq!(simulate_makespan(&trace, 1), cp.total_work_ns);
        // Every task's own chain is no longer than the critical path.
        prop_assert!(durations.iter().all(|&d| d <= cp.length_ns));
        let _ = id(&trace, "t0");
    }
}
