//! Analysis on a 1,000,000-span trace: critical path and concurrency profile
//! (target ≤ 300 ms each), with baselines measured in the same run.
//!
//! The trace is a random layered DAG generated here: 1,000 layers of 1,000 tasks,
//! each task depending on 1–3 tasks of the layer before, on 8 lanes, each task one
//! compute span of 1–100 µs; a layer starts when the previous one has finished.
//! The same DAG is also built with task ids reversed (dependencies pointing to
//! higher ids), which takes the critical path off its id-order fast path.
//! Baselines: the model's `Graph::topological_order` (one pass of Kahn's
//! algorithm over the same graph) and a plain sum of span durations. Also key
//! groups and the parts a big group is cut into ([`KeyGroups::split`]).
#![allow(
    clippy::unwrap_used,
    clippy::missing_docs_in_private_items,
    missing_docs,
    reason = "benchmark harness"
)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use taskscope_trace::analysis::{
    advise, concurrency_profile, critical_path, name_stats, simulate_makespan,
};
use taskscope_trace::index::{KeyGroups, TaskTimes};
use taskscope_trace::{
    GraphBuilder, Lane, LaneId, RunMeta, Span, SpanKind, TaskId, TaskState, Trace, TraceBuilder,
};

const LAYERS: u32 = 1_000;
const WIDTH: u32 = 1_000;
const LANES: u32 = 8;

/// SplitMix64: a small deterministic generator, so every run benches the same trace.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The layered trace; with `reversed`, task ids run from the last layer to the
/// first, so dependencies point to higher ids and the analyses cannot take id
/// order as a dependency order.
fn layered_trace(reversed: bool) -> Trace {
    let mut rng = Rng(0x5EED);
    let tasks = (LAYERS * WIDTH) as usize;
    let id = |layer: u32, i: u32| {
        let layer = if reversed { LAYERS - 1 - layer } else { layer };
        TaskId(layer * WIDTH + i)
    };
    let names = ["load", "inc", "add", "mul", "reduce"];
    // (layer, i, name, deps), generated in layer order, added in id order.
    let mut rows: Vec<(u32, u32, &str, Vec<TaskId>)> = Vec::with_capacity(tasks);
    for layer in 0..LAYERS {
        for i in 0..WIDTH {
            let deps: Vec<TaskId> = if layer == 0 {
                Vec::new()
            } else {
                let mut deps: Vec<TaskId> = (0..=rng.below(3))
                    .map(|_| id(layer - 1, rng.below(u64::from(WIDTH)) as u32))
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                deps
            };
            let name = names[rng.below(names.len() as u64) as usize];
            rows.push((layer, i, name, deps));
        }
    }
    rows.sort_by_key(|row| id(row.0, row.1));
    let mut graph = GraphBuilder::with_capacity(tasks, tasks * 2);
    for (layer, i, name, deps) in rows {
        graph
            .add_task(&format!("{name}-{layer}-{i}"), name, deps, TaskState::Done)
            .unwrap();
    }
    let mut b = TraceBuilder::with_graph(
        RunMeta {
            workers: Some(LANES),
            ..RunMeta::default()
        },
        graph.build().unwrap(),
    );
    for l in 0..LANES {
        b.add_lane(Lane {
            name: format!("worker {l}"),
            ..Lane::default()
        })
        .unwrap();
    }
    b.reserve_spans(tasks);
    let mut layer_start = 0u64;
    for layer in 0..LAYERS {
        let mut lane_clock = [layer_start; LANES as usize];
        for i in 0..WIDTH {
            let lane = i % LANES;
            let start = lane_clock[lane as usize];
            let end = start + 1_000 + rng.below(99_000);
            lane_clock[lane as usize] = end;
            b.add_span(Span {
                start_ns: start,
                end_ns: end,
                task: id(layer, i),
                lane: LaneId(lane),
                kind: SpanKind::Compute,
                depth: 0,
                unclosed: false,
            })
            .unwrap();
        }
        layer_start = lane_clock.iter().copied().max().unwrap();
    }
    b.build().unwrap()
}

fn bench(c: &mut Criterion) {
    let trace = layered_trace(false);
    let reversed = layered_trace(true);
    assert_eq!(trace.spans().len(), 1_000_000);
    assert_eq!(
        critical_path(&trace).length_ns,
        critical_path(&reversed).length_ns
    );
    let mut group = c.benchmark_group("analysis_1M_spans");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("baseline/sum_span_durations", |b| {
        b.iter(|| {
            black_box(
                black_box(&trace)
                    .spans()
                    .iter()
                    .map(Span::duration_ns)
                    .sum::<u64>(),
            )
        });
    });
    group.bench_function("baseline/topological_order", |b| {
        b.iter(|| black_box(black_box(&trace).graph().topological_order().unwrap().len()));
    });
    group.bench_function("critical_path", |b| {
        b.iter(|| black_box(critical_path(black_box(&trace)).length_ns));
    });
    group.bench_function("baseline/topological_order_reversed_ids", |b| {
        b.iter(|| {
            black_box(
                black_box(&reversed)
                    .graph()
                    .topological_order()
                    .unwrap()
                    .len(),
            )
        });
    });
    group.bench_function("critical_path_reversed_ids", |b| {
        b.iter(|| black_box(critical_path(black_box(&reversed)).length_ns));
    });
    group.bench_function("concurrency_profile", |b| {
        b.iter(|| black_box(concurrency_profile(black_box(&trace)).busy_ns));
    });
    group.bench_function("name_stats", |b| {
        b.iter(|| black_box(name_stats(black_box(&trace)).len()));
    });
    group.bench_function("simulate_makespan_8_workers", |b| {
        b.iter(|| black_box(simulate_makespan(black_box(&trace), LANES)));
    });
    group.bench_function("advise", |b| {
        b.iter(|| black_box(advise(black_box(&trace)).len()));
    });
    // Key groups (five of about 200,000 tasks each) and the parts the graph view
    // cuts one of them into, then one part again (issue 16).
    let times = TaskTimes::new(&trace);
    group.bench_function("key_groups", |b| {
        b.iter(|| black_box(KeyGroups::new(black_box(trace.graph()), &times).len()));
    });
    let groups = KeyGroups::new(trace.graph(), &times);
    let split: BTreeSet<String> = ["inc".to_owned(), "inc #3".to_owned()].into();
    group.bench_function("key_groups_split", |b| {
        b.iter(|| black_box(groups.split(black_box(trace.graph()), &times, &split).len()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
