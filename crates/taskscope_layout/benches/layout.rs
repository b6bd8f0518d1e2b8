//! Layout and SVG-writing speed on random layered DAGs (2 edges per node).
//!
//! Targets (issue 4): layout ≤ 1 s for 10,000 nodes and ≤ 15 s for 100,000;
//! SVG writing ≤ 200 ms for 10,000 nodes. `baseline/toposort` times a
//! topological sort of the same graph in the same run, so results can be
//! compared as ratios on a noisy machine.
//!
//! Run: `cargo bench -p taskscope_layout --bench layout`.

// The benchmarked graphs are well under the layout budget; a refusal should fail loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use taskscope_layout::{GraphOptions, GraphScene, GraphSvg, LayoutOptions, layout};

mod support;

fn bench_layout(c: &mut Criterion) {
    let mut group = c.benchmark_group("layout");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for n in [1_000usize, 10_000, 100_000] {
        let g = match support::layout_graph(n, 42) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("cannot build the {n}-node graph: {e}");
                continue;
            }
        };
        let out = layout(&g, &LayoutOptions::default()).unwrap();
        eprintln!("layout/{n}: {}", out.stats);
        group.bench_function(format!("{n}"), |b| {
            b.iter(|| layout(black_box(&g), &LayoutOptions::default()).unwrap());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("baseline");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let g = match support::task_graph(n, 42) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("cannot build the {n}-node graph: {e}");
                continue;
            }
        };
        group.bench_function(format!("toposort/{n}"), |b| {
            b.iter(|| black_box(&g).topological_order());
        });
    }
    group.finish();
}

fn bench_svg(c: &mut Criterion) {
    let mut group = c.benchmark_group("svg");
    group.sample_size(20);
    let n = 10_000;
    let graph = match support::task_graph(n, 42) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("cannot build the {n}-node graph: {e}");
            return;
        }
    };
    let options = GraphOptions::default().with_full(true).with_compact(true);
    let scene = GraphScene::new(&graph, None, &options).unwrap();
    group.bench_function(format!("write/{n}"), |b| {
        b.iter(|| GraphSvg::new(black_box(&scene)).to_string());
    });
    group.finish();
}

criterion_group!(benches, bench_layout, bench_svg);
criterion_main!(benches);
