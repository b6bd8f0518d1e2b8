//! The Gantt chart: visibility of short spans, merging, colours, axis, arrows, export.

// Helpers outside #[test] functions build fixtures; a failure there should fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use taskscope_fixtures::Crafted;
use taskscope_layout::{
    Arrows, ImageFormat, LayoutError, TimelineOptions, TimelineScene, TimelineSvg, export_timeline,
    render_timeline, theme,
};
use taskscope_trace::{
    Flow, Lane, RunMeta, Span, SpanId, SpanKind, TaskState, Trace, TraceBuilder,
};

/// Builds a trace from (name, deps, lane, start, end) rows; one task per row, keyed
/// `name-i`, on `lanes` lanes named `worker i`.
fn trace_of(rows: &[(&str, &[u32], u32, u64, u64)], lanes: u32) -> Trace {
    let mut t = Crafted::new(lanes as usize);
    let keys: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, (name, ..))| format!("{name}-{i}"))
        .collect();
    for (key, &(name, deps, lane, start_ns, end_ns)) in keys.iter().zip(rows) {
        let deps: Vec<&str> = deps.iter().map(|&d| keys[d as usize].as_str()).collect();
        t.task_run(key, name, &deps, lane as usize, start_ns, end_ns);
    }
    t.build()
}

#[test]
fn zero_length_spans_stay_visible() {
    let t = trace_of(
        &[
            ("inc", &[], 0, 0, 1_000_000_000),
            ("mul", &[0], 1, 1_000_000_000, 1_000_000_000),
        ],
        2,
    );
    let options = TimelineOptions::default();
    let scene = TimelineScene::new(&t, &options);
    assert_eq!(scene.items.len(), 2);
    let zero = scene.items.iter().find(|i| i.row == 1).unwrap();
    assert!(zero.width >= options.min_bar_px);
    assert_eq!(zero.spans, 1);
    assert!(zero.tooltip.iter().any(|l| l == "duration: 0 ns"));
}

#[test]
fn thin_spans_are_merged_with_a_count() {
    // 10,000 spans of 10 ns back to back, then one long span: 1 ms in total on 1,200 px.
    let mut rows: Vec<(&str, &[u32], u32, u64, u64)> = (0..10_000)
        .map(|i| ("tiny", &[][..], 0, i * 10, i * 10 + 10))
        .collect();
    rows.push(("big", &[], 0, 100_000, 1_000_000));
    let t = trace_of(&rows, 1);
    let scene = TimelineScene::new(&t, &TimelineOptions::default());
    assert_eq!(
        scene.items.len(),
        2,
        "{:?}",
        scene
            .items
            .iter()
            .map(|i| (i.x, i.width, i.spans))
            .collect::<Vec<_>>()
    );
    assert_eq!(scene.items[0].spans, 10_000);
    assert_eq!(scene.items[0].color, theme::name_color("tiny"));
    assert_eq!(scene.items[0].tooltip[0], "10,000 short spans of tiny");
    assert_eq!(scene.stats.merged_spans, 10_000);
    assert_eq!(
        scene.items.iter().map(|i| i.spans).sum::<usize>(),
        t.spans().len()
    );
    // Without merging every span is its own item.
    let none = TimelineOptions {
        merge_below_px: 0.0,
        ..TimelineOptions::default()
    };
    assert_eq!(TimelineScene::new(&t, &none).items.len(), 10_001);
}

#[test]
fn colours_come_from_names_not_from_order() {
    let a = trace_of(&[("load", &[], 0, 0, 10), ("save", &[], 0, 10, 30)], 1);
    let b = trace_of(&[("save", &[], 0, 0, 20), ("load", &[], 0, 20, 30)], 1);
    let colour = |t: &Trace, name: &str| {
        let s = TimelineScene::new(t, &TimelineOptions::default());
        s.items
            .iter()
            .find(|i| i.label.as_deref() == Some(name) || i.tooltip[0] == name)
            .unwrap()
            .color
    };
    assert_eq!(colour(&a, "load"), colour(&b, "load"));
    assert_eq!(colour(&a, "save"), colour(&b, "save"));
    assert_eq!(colour(&a, "load"), theme::name_color("load"));
    // Legend: longest total first.
    let s = TimelineScene::new(&a, &TimelineOptions::default());
    assert!(s.legend.entries[0].1.starts_with("save"));
    assert!(s.legend.entries[1].1.starts_with("load"));
}

#[test]
fn axis_units_adapt_to_the_range() {
    for (end, unit) in [
        (500, " ns"),
        (50_000, " µs"),
        (20_000_000, " ms"),
        (3_000_000_000, " s"),
    ] {
        let t = trace_of(&[("a", &[], 0, 0, end)], 1);
        let s = TimelineScene::new(&t, &TimelineOptions::default());
        assert!(s.ticks.len() >= 3, "{end}: {:?}", s.ticks);
        for tick in &s.ticks {
            assert!(tick.label.ends_with(unit), "{end}: {}", tick.label);
            let number = tick.label.trim_end_matches(unit);
            assert!(number.parse::<f64>().is_ok(), "{}", tick.label);
        }
        assert_eq!(
            s.ticks[0]
                .label
                .trim_end_matches(unit)
                .trim_start_matches('0')
                .trim_start_matches('.')
                .trim_start_matches('0'),
            "",
            "first tick at 0: {}",
            s.ticks[0].label
        );
        // Ticks increase left to right inside the plot.
        for w in s.ticks.windows(2) {
            assert!(w[0].x < w[1].x);
        }
        assert!(
            s.ticks
                .iter()
                .all(|t| t.x >= s.plot_x && t.x <= s.plot_x + s.plot_width + 1e-9)
        );
    }
}

#[test]
fn dependency_arrows_go_from_producer_end_to_consumer_start() {
    let t = trace_of(
        &[
            ("inc", &[], 0, 0, 100),
            ("inc", &[], 1, 0, 50),
            ("add", &[0, 1], 0, 100, 200),
        ],
        2,
    );
    let options = TimelineOptions {
        arrows: Arrows::Dependencies,
        ..TimelineOptions::default()
    };
    let s = TimelineScene::new(&t, &options);
    assert_eq!(s.arrows.len(), 2);
    let x = |ns: f64| s.plot_x + ns * s.plot_width / 200.0;
    let (a, b) = s.arrows[0];
    assert!((a.x - x(100.0)).abs() < 1e-9 && (b.x - x(100.0)).abs() < 1e-9);
    let (a, _) = s.arrows[1];
    assert!((a.x - x(50.0)).abs() < 1e-9);
    assert!(a.y > s.arrows[0].0.y, "second input is on the second row");
    // No flows in this trace: Auto falls back to dependencies; Flows draws none.
    let auto = TimelineOptions {
        arrows: Arrows::Auto,
        ..TimelineOptions::default()
    };
    assert_eq!(TimelineScene::new(&t, &auto).arrows.len(), 2);
    let flows = TimelineOptions {
        arrows: Arrows::Flows,
        ..TimelineOptions::default()
    };
    assert!(TimelineScene::new(&t, &flows).arrows.is_empty());
    let capped = TimelineOptions {
        max_arrows: 1,
        ..options
    };
    let s = TimelineScene::new(&t, &capped);
    assert_eq!((s.stats.arrows, s.stats.arrows_skipped), (1, 1));
}

#[test]
fn flow_arrows_come_from_the_trace() {
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let x = g.add_task("x", "x", [], TaskState::Done).unwrap();
    let y = g.add_task("y", "y", [], TaskState::Done).unwrap();
    let lane = b.add_lane(Lane::default()).unwrap();
    let span = |task, start_ns, end_ns| Span {
        start_ns,
        end_ns,
        task,
        lane,
        kind: SpanKind::Compute,
        depth: 0,
        unclosed: false,
    };
    let sy = b.add_span(span(y, 10, 20)).unwrap();
    let sx = b.add_span(span(x, 0, 5)).unwrap();
    b.add_flow(Flow { from: sx, to: sy });
    let t = b.build().unwrap();
    let s = TimelineScene::new(
        &t,
        &TimelineOptions {
            arrows: Arrows::Auto,
            ..TimelineOptions::default()
        },
    );
    assert_eq!(s.arrows.len(), 1);
    assert!(s.arrows[0].0.x < s.arrows[0].1.x);
    assert_eq!(t.span(SpanId(0)).unwrap().task, x);
}

#[test]
fn svg_is_valid_and_labels_lanes() {
    let t = trace_of(&[("inc", &[], 0, 0, 100), ("a<b>&c", &[0], 1, 100, 300)], 2);
    let options = TimelineOptions {
        title: Some("run & \"title\"".into()),
        arrows: Arrows::Dependencies,
        ..TimelineOptions::default()
    };
    let scene = TimelineScene::new(&t, &options);
    let svg = TimelineSvg::new(&scene).to_string();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&"worker 0") && texts.contains(&"worker 1"));
    assert!(texts.contains(&"run & \"title\""));
    let bars = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && n.parent()
                    .and_then(|p| p.parent())
                    .is_some_and(|g| g.attribute("class") == Some("bars"))
        })
        .count();
    assert_eq!(bars, 2);
    let w: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    assert!(w >= scene.width);
}

#[test]
fn export_timeline_writes_svg_and_png_and_refuses_dot() {
    let t = trace_of(&[("inc", &[], 0, 0, 100)], 1);
    let dir = tempfile::tempdir().unwrap();
    let stats = export_timeline(&t, dir.path().join("t.svg"), &TimelineOptions::default()).unwrap();
    assert_eq!((stats.lanes, stats.spans, stats.items), (1, 1, 1));
    export_timeline(&t, dir.path().join("t.png"), &TimelineOptions::default()).unwrap();
    assert!(
        std::fs::read(dir.path().join("t.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    let err =
        export_timeline(&t, dir.path().join("t.dot"), &TimelineOptions::default()).unwrap_err();
    assert!(matches!(err, LayoutError::UnknownFormat { .. }));
    assert!(err.to_string().contains(".svg or .png"), "{err}");
    assert!(!dir.path().join("t.dot").exists());
    assert!(matches!(
        render_timeline(&t, ImageFormat::Dot, &TimelineOptions::default()),
        Err(LayoutError::Unsupported { .. })
    ));
    // Deterministic.
    let a = render_timeline(&t, ImageFormat::Png, &TimelineOptions::default())
        .unwrap()
        .0;
    let b = render_timeline(&t, ImageFormat::Png, &TimelineOptions::default())
        .unwrap()
        .0;
    assert_eq!(a, b);
}

#[test]
fn an_empty_trace_draws_an_empty_chart() {
    let t = TraceBuilder::new(RunMeta::default()).build().unwrap();
    let (svg, stats) = render_timeline(&t, ImageFormat::Svg, &TimelineOptions::default()).unwrap();
    roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).unwrap();
    assert_eq!((stats.lanes, stats.items), (0, 0));
}

#[test]
fn one_ns_per_px_places_bars_exactly() {
    // 1,000 ns on 1,000 px: a bar's x and width are its start and duration.
    let t = trace_of(
        &[
            ("a", &[], 0, 0, 100),
            ("b", &[], 0, 250, 1_000),
            ("c", &[], 1, 40, 41),
        ],
        2,
    );
    let options = TimelineOptions {
        width_px: 1_000.0,
        ..TimelineOptions::default()
    };
    let s = TimelineScene::new(&t, &options);
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let got: Vec<(usize, f64, f64)> = s
        .items
        .iter()
        .map(|i| (i.row, round(i.x - s.plot_x), round(i.width)))
        .collect();
    assert_eq!(
        got,
        vec![(0, 0.0, 100.0), (0, 250.0, 750.0), (1, 40.0, 2.0)]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn every_span_is_drawn_once_within_the_plot(
        spans in proptest::collection::vec((0u32..3, 0u64..1_000_000, 0u64..50_000), 1..400),
        width in 50.0f64..2_000.0,
    ) {
        let rows: Vec<(&str, &[u32], u32, u64, u64)> = spans
            .iter()
            .enumerate()
            .map(|(i, &(lane, start, len))| (["x", "y", "z"][i % 3], &[][..], lane, start, start + len))
            .collect();
        let t = trace_of(&rows, 3);
        let options = TimelineOptions { width_px: width, ..TimelineOptions::default() };
        let s = TimelineScene::new(&t, &options);
        proptest::prop_assert_eq!(s.items.iter().map(|i| i.spans).sum::<usize>(), spans.len());
        for item in &s.items {
            proptest::prop_assert!(item.width >= options.min_bar_px);
            proptest::prop_assert!(item.x >= s.plot_x - 1e-9);
            proptest::prop_assert!(item.x <= s.plot_x + s.plot_width + 1e-9);
            proptest::prop_assert!(item.x + item.width <= s.plot_x + s.plot_width + options.min_bar_px + 1e-9);
        }
        // Items of one row and level never start before the previous one.
        for w in s.items.windows(2) {
            if (w[0].row, w[0].level) == (w[1].row, w[1].level) {
                proptest::prop_assert!(w[0].x <= w[1].x);
            }
        }
    }
}

#[test]
fn a_long_title_wraps_to_the_chart_width() {
    let t = trace_of(&[("inc", &[], 0, 0, 1_000_000_000)], 1);
    let title = "word ".repeat(120);
    let options = TimelineOptions {
        title: Some(title.clone()),
        width_px: 400.0,
        ..TimelineOptions::default()
    };
    let scene = TimelineScene::new(&t, &options);
    assert!(
        scene.width < 700.0,
        "the title does not set the width: {}",
        scene.width
    );
    assert_eq!(scene.title_lines.len(), 3);
    assert!(scene.title_lines[2].ends_with('…'));
    let svg = TimelineSvg::new(&scene).to_string();
    assert!(
        svg.contains(&format!("<title>{}</title>", title.trim_end()))
            || svg.contains(&format!("<title>{title}</title>"))
    );
}

#[test]
fn exported_cluster_runs_hatch_transfers_and_point_to_the_sender() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../taskscope_trace/tests/samples/dask/total_cluster.json"
    );
    let trace = taskscope_trace::Trace::open(path).unwrap();
    let scene = TimelineScene::new(&trace, &TimelineOptions::default());
    let hatched = scene
        .items
        .iter()
        .filter(|i| i.style == taskscope_layout::BarStyle::Hatched)
        .count();
    assert_eq!(hatched, 3);
    assert_eq!(scene.transfer_arrows.len(), 3);
    for (from, to) in &scene.transfer_arrows {
        assert!(from.x <= to.x, "{from:?} {to:?}");
    }
    let svg = TimelineSvg::new(&scene).to_string();
    assert_eq!(
        svg.matches(r#"marker-end="url(#arrow-transfer)""#).count(),
        1
    );
    assert_eq!(svg.matches(r##"<path stroke="#ffd8d8""##).count(), 3);
    // A run without transfers draws neither.
    let diamond = trace_of(&[("a", &[], 0, 0, 10), ("b", &[0], 1, 10, 20)], 2);
    let plain =
        TimelineSvg::new(&TimelineScene::new(&diamond, &TimelineOptions::default())).to_string();
    assert!(!plain.contains("arrow-transfer"));
}
