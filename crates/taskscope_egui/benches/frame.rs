//! CPU time of one frame of the timeline (1,000,000 spans) and of the graph view (10,000 nodes:
//! `graph_10k_nodes` as plain boxes from the simple layers (`GraphScene::simple`), `graph_10k_scene_nodes` as the
//! viewer draws graphs — 5,000 task ellipses and their 5,000 result boxes from the full layout),
//! built headless through an egui context (no GPU): layout, level of detail and shapes, and
//! separately the same plus tessellation into triangles.
//!
//! Baselines measured in the same run, for ratios on a noisy shared machine:
//! `baseline/empty_frame` (an egui frame with one label) and `baseline/scan_1m_spans`
//! (one pass summing the durations of all spans: the cost of touching every span once).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use egui::{Context, RawInput, Rect, pos2, vec2};
use taskscope_egui::{
    GraphInput, GraphLayout, GraphView, Highlight, NodeColoring, Theme, Timeline, TimelineInput,
    TimelineLanes, TimelineView, TraceIndex,
};
use taskscope_fixtures as synthetic;
use taskscope_layout::{Drawing, GraphOptions, GraphScene};
use taskscope_trace::Trace;

fn input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(1600.0, 900.0))),
        ..RawInput::default()
    }
}

fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

struct Loaded {
    trace: Trace,
    index: TraceIndex,
    model: TimelineLanes,
    highlight: Highlight,
}

fn load(trace: Trace) -> Loaded {
    let index = TraceIndex::new(&trace);
    let model = TimelineLanes::new(&trace, &index);
    let highlight = Highlight::new(trace.graph().len());
    Loaded {
        trace,
        index,
        model,
        highlight,
    }
}

fn timeline_frame(
    ctx: &Context,
    timeline: &mut Timeline,
    l: &Loaded,
    theme: &Theme,
) -> egui::FullOutput {
    ctx.run_ui(input(), |ui| {
        let input = TimelineInput {
            trace: &l.trace,
            index: &l.index,
            model: &l.model,
            highlight: &l.highlight,
            theme,
            cursor_ns: None,
            show_critical: false,
            show_all_arrows: false,
            keyboard: false,
        };
        black_box(timeline.ui(ui, &input));
    })
}

fn bench_timeline(c: &mut Criterion) {
    let before = rss_mib();
    let trace = synthetic::layered(1_000_000, 1000, 16, 1).unwrap();
    let l = load(trace);
    let after = rss_mib();
    if let (Some(b), Some(a)) = (before, after) {
        eprintln!(
            "resident memory for 1,000,000 spans (trace + index + timeline model): {:.0} MiB",
            a - b
        );
    }
    let theme = Theme::dark();
    let ctx = Context::default();
    let mut timeline = Timeline::new();
    // First frame fits the whole trace.
    let _ = timeline_frame(&ctx, &mut timeline, &l, &theme);
    let fitted = timeline.view;
    let mid = u64::midpoint(l.model.start_ns(), l.model.end_ns());
    let zoomed_in = TimelineView::fit(mid, mid + 1_000_000, timeline.last_width_px());

    let mut group = c.benchmark_group("timeline_1m_spans");
    for (name, view) in [("zoomed_out", fitted), ("zoomed_in_1ms", zoomed_in)] {
        group.bench_function(format!("{name}/frame"), |b| {
            b.iter(|| {
                timeline.set_view(view);
                black_box(timeline_frame(&ctx, &mut timeline, &l, &theme))
            });
        });
        group.bench_function(format!("{name}/frame_and_tessellate"), |b| {
            b.iter(|| {
                timeline.set_view(view);
                let out = timeline_frame(&ctx, &mut timeline, &l, &theme);
                black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
            });
        });
    }
    // Panning: a different view every frame (nothing can be reused between frames).
    let mut step = 0u64;
    group.bench_function("panning/frame", |b| {
        b.iter(|| {
            step += 1;
            let mut view = fitted;
            view.zoom_about(4.0, 800.0, f64::MAX);
            view.pan_px(((step % 200) as f64) - 100.0);
            timeline.set_view(view);
            black_box(timeline_frame(&ctx, &mut timeline, &l, &theme))
        });
    });
    // The two pure stages of a zoomed-out frame, alone.
    let width = timeline.last_width_px();
    let visible = fitted.visible_range(width);
    let mut items = Vec::new();
    group.bench_function("zoomed_out/lod_only", |b| {
        b.iter(|| {
            items.clear();
            for (i, _) in l.trace.lanes().iter().enumerate() {
                let lane = taskscope_trace::LaneId(i as u32);
                let lod = l.model.lane_lod(lane).unwrap();
                taskscope_layout::lod::render_items(
                    l.trace.lane_spans(lane),
                    lod,
                    visible.clone(),
                    width,
                    taskscope_layout::lod::MERGE_BELOW_PX,
                    |s| taskscope_layout::span_key(&l.trace, &l.index, s),
                    &mut items,
                );
            }
            black_box(items.len())
        });
    });
    let mut columns = Vec::new();
    group.bench_function("zoomed_out/concurrency_only", |b| {
        b.iter(|| {
            l.index.concurrency().steps.column_max(
                fitted.start_ns,
                fitted.ns_per_px,
                width as usize,
                &mut columns,
            );
            black_box(columns.len())
        });
    });
    group.finish();

    let mut base = c.benchmark_group("baseline");
    base.bench_function("empty_frame", |b| {
        b.iter(|| {
            black_box(ctx.run_ui(input(), |ui| {
                ui.label("baseline");
            }))
        });
    });
    base.bench_function("scan_1m_spans", |b| {
        b.iter(|| {
            black_box(
                l.trace
                    .spans()
                    .iter()
                    .map(taskscope_trace::Span::duration_ns)
                    .sum::<u64>(),
            )
        });
    });
    base.finish();
}

/// Benchmarks frames of the graph view drawing `layout` of `l`'s trace, fitted (and at
/// zoom 1 when `zoom1`), into the criterion group `name`.
fn bench_graph_frames(
    c: &mut Criterion,
    name: &str,
    l: &Loaded,
    layout: &GraphLayout,
    zoom1: bool,
) {
    let theme = Theme::dark();
    let ctx = Context::default();
    let mut view = GraphView::new();
    let frame = |view: &mut GraphView| {
        ctx.run_ui(input(), |ui| {
            let input = GraphInput {
                trace: &l.trace,
                index: &l.index,
                layout,
                highlight: &l.highlight,
                theme: &theme,
                coloring: NodeColoring::Name,
                replay_ns: None,
                show_critical: false,
                live: false,
            };
            black_box(view.ui(ui, &input));
        })
    };
    let _ = frame(&mut view);
    let mut group = c.benchmark_group(name);
    group.bench_function("fitted/frame", |b| b.iter(|| black_box(frame(&mut view))));
    group.bench_function("fitted/frame_and_tessellate", |b| {
        b.iter(|| {
            let out = frame(&mut view);
            black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
        });
    });
    if zoom1 {
        view.zoom = 1.0;
        let _ = frame(&mut view);
        eprintln!("zoom 1: {} nodes visible", view.visible_node_count());
        group.bench_function("zoom1/frame_and_tessellate", |b| {
            b.iter(|| {
                let out = frame(&mut view);
                black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
            });
        });
    }
    group.finish();
}

fn bench_graph(c: &mut Criterion) {
    let l = load(synthetic::layered(10_000, 100, 16, 2).unwrap());
    let scene = GraphScene::simple(
        l.trace.graph(),
        Some(&l.trace),
        &l.index,
        &GraphOptions::default(),
    );
    let layout = GraphLayout::new(Drawing::from(scene));
    bench_graph_frames(c, "graph_10k_nodes", &l, &layout, false);
}

fn bench_scene_graph(c: &mut Criterion) {
    // 5,000 tasks and their 5,000 result boxes, drawn as the viewer draws a graph.
    let l = load(synthetic::layered(5_000, 100, 16, 2).unwrap());
    let t0 = std::time::Instant::now();
    let scene = GraphScene::with_index(
        l.trace.graph(),
        Some(&l.trace),
        &l.index,
        &GraphOptions::default().with_full(true),
    )
    .unwrap();
    let layout = GraphLayout::new(Drawing::from(scene));
    eprintln!(
        "scene layout of {} nodes: {:?}",
        layout.nodes().len(),
        t0.elapsed()
    );
    bench_graph_frames(c, "graph_10k_scene_nodes", &l, &layout, true);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench_timeline, bench_graph, bench_scene_graph
}
criterion_main!(benches);
