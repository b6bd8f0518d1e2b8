//! Concurrency profile on crafted traces.
#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod analysis_support;

use analysis_support::{Crafted, MS, S, dask_total_on_two_threads};
use taskscope_trace::analysis::concurrency_profile;
use taskscope_trace::{LaneId, RunMeta, SpanKind};

#[test]
fn steps_busy_and_idle_of_the_dask_total_run() {
    let p = concurrency_profile(&dask_total_on_two_threads());
    assert_eq!(p.wall_ns, 5 * S);
    // Both lanes busy 0–2 s, one lane 2–5 s (y2, then z2, then total).
    assert_eq!(p.steps, vec![(0, 2), (2 * S, 1), (5 * S, 0)]);
    assert_eq!(p.max_running, 2);
    assert_eq!(p.busy_ns, 7 * S);
    assert_eq!(p.average_parallelism, Some(1.4));
    assert_eq!(p.utilisation, Some(0.7));
    let lanes: Vec<(u64, u64, u64)> = p
        .lanes
        .iter()
        .map(|l| (l.spans, l.busy_ns, l.idle_ns))
        .collect();
    assert_eq!(lanes, vec![(4, 4 * S, S), (3, 3 * S, 2 * S)]);
    assert_eq!(p.lanes[1].name, "worker 1");
    assert_eq!(p.lanes[1].utilisation, Some(0.6));
}

#[test]
fn nested_spans_do_not_double_count_a_lane() {
    let mut t = Crafted::new(2);
    t.task("outer", "f", &[]);
    t.task("inner", "g", &[]);
    t.task("deeper", "h", &[]);
    t.task("other", "f", &[]);
    t.span("outer", 0, 0, 10 * MS, SpanKind::Compute, 0);
    t.span("inner", 0, 2 * MS, 6 * MS, SpanKind::Compute, 1);
    t.span("deeper", 0, 3 * MS, 4 * MS, SpanKind::Compute, 2);
    // A span that outlives its parent's end still extends the busy time once.
    t.span("inner", 0, 9 * MS, 12 * MS, SpanKind::Compute, 1);
    t.span("other", 1, 5 * MS, 8 * MS, SpanKind::Compute, 0);
    let p = concurrency_profile(&t.build());
    assert_eq!(p.lanes[0].busy_ns, 12 * MS);
    assert_eq!(p.lanes[0].spans, 4);
    assert_eq!(p.lanes[1].busy_ns, 3 * MS);
    assert_eq!(p.busy_ns, 15 * MS);
    assert_eq!(
        p.steps,
        vec![(0, 1), (5 * MS, 2), (8 * MS, 1), (12 * MS, 0)]
    );
    assert_eq!(p.max_running, 2);
}

#[test]
fn transfers_occupy_a_lane_and_zero_length_spans_do_not() {
    let mut t = Crafted::new(1);
    t.task("a", "f", &[]);
    t.task("b", "mul", &[]);
    t.span("a", 0, 0, 2 * MS, SpanKind::Transfer, 0);
    t.span("a", 0, 2 * MS, 5 * MS, SpanKind::Compute, 0);
    t.span("b", 0, 5 * MS, 5 * MS, SpanKind::Compute, 0);
    let p = concurrency_profile(&t.build());
    assert_eq!(p.lanes[0].busy_ns, 5 * MS);
    assert_eq!(p.lanes[0].spans, 3);
    assert_eq!(p.steps, vec![(0, 1), (5 * MS, 0)]);
}

#[test]
fn recorded_wall_time_and_idle_lanes_count() {
    let meta = RunMeta {
        wall_ns: 10 * MS,
        ..RunMeta::default()
    };
    let mut t = Crafted::with_meta(4, meta);
    t.task_run("a", "f", &[], 0, MS, 6 * MS);
    t.task_run("b", "f", &[], 2, 2 * MS, 4 * MS);
    let p = concurrency_profile(&t.build());
    assert_eq!(p.wall_ns, 10 * MS);
    assert_eq!(p.lanes.len(), 4);
    assert_eq!(p.lanes[1].busy_ns, 0);
    assert_eq!(p.lanes[1].idle_ns, 10 * MS);
    assert_eq!(p.lanes[1].lane, LaneId(1));
    assert_eq!(p.average_parallelism, Some(0.7));
    // 7 ms busy over 4 lanes × 10 ms.
    assert_eq!(p.utilisation, Some(0.175));
}

#[test]
fn empty_trace_has_no_ratios() {
    let p = concurrency_profile(&Crafted::new(0).build());
    assert!(p.steps.is_empty());
    assert_eq!((p.average_parallelism, p.utilisation), (None, None));
}

#[test]
fn profile_serializes_with_plain_ids_and_step_pairs() {
    let mut t = Crafted::new(1);
    t.task_run("a", "f", &[], 0, 0, 1000);
    let json = serde_json::to_string(&concurrency_profile(&t.build())).unwrap();
    assert_eq!(
        json,
        r#"{"wall_ns":1000,"steps":[[0,1],[1000,0]],"max_running":1,"busy_ns":1000,"average_parallelism":1.0,"utilisation":1.0,"lanes":[{"lane":0,"name":"worker 0","spans":1,"busy_ns":1000,"idle_ns":0,"utilisation":1.0}]}"#
    );
}
