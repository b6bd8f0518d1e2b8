//! Every analysis on arbitrary (valid) traces: cycles, flows, nested and
//! overlapping spans, tasks that never ran. Nothing panics, and the invariants
//! that tie the analyses together hold.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use proptest::prelude::*;
use taskscope_trace::analysis::{
    advise, compare, concurrency_profile, critical_path, name_stats, simulate,
};
use taskscope_trace::{
    Flow, Lane, LaneId, RunMeta, Span, SpanId, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

#[derive(Clone, Debug)]
struct RawSpan {
    task: usize,
    lane: usize,
    start: u64,
    len: u64,
    kind: u8,
    depth: u16,
}

fn build(
    tasks: usize,
    deps: &[(usize, usize)],
    spans: &[RawSpan],
    flows: &[(usize, usize)],
    lanes: usize,
    names: usize,
) -> Trace {
    let mut b = TraceBuilder::new(RunMeta::default());
    for t in 0..tasks {
        // Dependencies may point anywhere, including later tasks: cycles happen.
        let d: Vec<TaskId> = deps
            .iter()
            .filter(|(from, _)| from % tasks == t)
            .map(|(_, to)| TaskId((to % tasks) as u32))
            .collect();
        b.graph_mut()
            .add_task(
                &format!("k{t}"),
                &format!("n{}", t % names),
                d,
                TaskState::Done,
            )
            .unwrap();
    }
    for l in 0..lanes {
        b.add_lane(Lane {
            name: format!("lane {l}"),
            ..Lane::default()
        })
        .unwrap();
    }
    let kinds = [SpanKind::Compute, SpanKind::Transfer, SpanKind::Other];
    for s in spans {
        b.add_span(Span {
            start_ns: s.start,
            end_ns: s.start + s.len,
            task: TaskId((s.task % tasks) as u32),
            lane: LaneId((s.lane % lanes) as u32),
            kind: kinds[usize::from(s.kind) % kinds.len()],
            depth: s.depth,
            unclosed: false,
        })
        .unwrap();
    }
    if !spans.is_empty() {
        for &(from, to) in flows {
            b.add_flow(Flow {
                from: SpanId((from % spans.len()) as u32),
                to: SpanId((to % spans.len()) as u32),
            });
        }
    }
    b.build().unwrap()
}

fn raw_span() -> impl Strategy<Value = RawSpan> {
    (
        0usize..40,
        0usize..4,
        0u64..10_000,
        0u64..3_000,
        0u8..3,
        0u16..3,
    )
        .prop_map(|(task, lane, start, len, kind, depth)| RawSpan {
            task,
            lane,
            start,
            len,
            kind,
            depth,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn analyses_never_panic_and_agree(
        tasks in 1usize..40,
        deps in proptest::collection::vec((0usize..40, 0usize..40), 0..60),
        spans in proptest::collection::vec(raw_span(), 0..60),
        flows in proptest::collection::vec((0usize..60, 0usize..60), 0..20),
        with_graph_edges in any::<bool>(),
        lanes in 1usize..4,
        names in 1usize..4,
    ) {
        let deps = if with_graph_edges { deps } else { Vec::new() };
        let trace = build(tasks, &deps, &spans, &flows, lanes, names);

        let cp = critical_path(&trace);
        prop_assert!(cp.length_ns <= cp.total_work_ns);
        let summed: u64 = cp.steps.iter().map(|s| s.duration_ns).sum();
        prop_assert_eq!(summed, cp.length_ns);

        let profile = concurrency_profile(&trace);
        // The step function integrates to the busy time.
        let mut area = 0u64;
        for w in profile.steps.windows(2) {
            area += (w[1].0 - w[0].0) * u64::from(w[0].1);
        }
        prop_assert_eq!(area, profile.busy_ns);
        prop_assert!(profile.max_running as usize <= lanes);
        for lane in &profile.lanes {
            prop_assert!(lane.busy_ns <= profile.wall_ns);
        }
        if let Some(u) = profile.utilisation {
            prop_assert!(u <= 1.0 + 1e-12);
        }

        let stats = name_stats(&trace);
        let self_total: u64 = stats.iter().map(|s| s.self_ns).sum();
        prop_assert_eq!(self_total, cp.total_work_ns);
        for s in &stats {
            prop_assert!(s.self_ns <= s.total_ns.saturating_mul(lanes as u64));
        }
        for s in &stats {
            prop_assert!(s.median_ns <= s.p95_ns && s.p95_ns <= s.max_ns);
            prop_assert!(s.mean_ns <= s.max_ns);
        }

        let sim = simulate(&trace);
        for p in &sim.points {
            prop_assert!(p.makespan_ns >= p.lower_bound_ns);
            prop_assert!(p.makespan_ns <= sim.total_work_ns);
        }
        if let Some(one) = sim.points.first() {
            prop_assert_eq!(one.makespan_ns, sim.total_work_ns);
        }

        for f in advise(&trace) {
            let message = f.to_string();
            prop_assert!(!message.is_empty());
            // Every figure in a sentence is a number, whatever the input.
            prop_assert!(!message.contains("NaN") && !message.contains("inf"), "{}", message);
            prop_assert!(f.tasks.iter().all(|t| t.index() < tasks));
        }

        let itself = compare(&trace, &trace);
        prop_assert!(itself.changes.iter().all(|c| c.change_ns == 0));
        prop_assert_eq!(itself.only_in_a + itself.only_in_b, 0);
        prop_assert_eq!(itself.matched_by_key, itself.a.tasks);
    }
}
