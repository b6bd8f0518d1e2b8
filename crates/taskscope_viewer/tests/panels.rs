//! egui_kittest tests of the trace tab's panels at a small (1,000 × 700) and a large
//! window: no panel's contents reach past the window or their panel, the statistics
//! panel wraps its text at its width, and the graph keeps a readable width on a
//! big trace. Assertions are on the rectangles the tab records, not on pixels.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Rect, Vec2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_fixtures as synthetic;
use taskscope_trace::Trace;
use taskscope_viewer::panels::sizes::MIN_GRAPH_PX;
use taskscope_viewer::settings::Settings;
use taskscope_viewer::{StartupOptions, ViewerApp};

/// A title far longer than any panel is wide.
const LONG_TITLE: &str = "nightly ingestion of the partitioned click-stream tables with \
    their per-customer aggregations, rebuilt from scratch after the schema migration";

/// Files hold a recipe word instead of JSON (the format is tested in taskscope_trace).
fn parse_recipe(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    let mut trace = match bytes {
        // 1,200 tasks in six key groups on four lanes, with a long title and host.
        b"wide" => synthetic::layered(1_200, 40, 4, 3)?,
        // 100,000 tasks in one key group: the graph is one big group.
        b"huge" => synthetic::one_big_group(100_000)?,
        // The same graph on one lane: a serial run to compare "wide" with.
        b"serial" => synthetic::layered(1_200, 40, 1, 3)?,
        _ => anyhow::bail!("{name}: unknown recipe"),
    };
    trace.meta_mut().title = Some(LONG_TITLE.to_owned());
    trace.meta_mut().host = Some("worker-pool-eu-west-1.compute.internal.example".to_owned());
    Ok(trace)
}

/// The viewer in a `size` window started with `options`, stepped until `done`
/// holds and nothing runs in the background (or fails the test after 45 s).
fn harness(
    options: StartupOptions,
    size: Vec2,
    done: impl Fn(&ViewerApp) -> bool,
) -> Harness<'static, ViewerApp> {
    let mut app = ViewerApp::new(Settings::default(), options, parse_recipe);
    app.native_dialogs = false;
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app);
    let deadline = Instant::now() + Duration::from_secs(45);
    while h.state().is_busy() || !done(h.state()) {
        assert!(Instant::now() < deadline, "loading did not finish");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(4);
    h
}

/// The viewer with `recipe` open in a `size` window, loaded and analysed.
fn open(recipe: &str, size: Vec2) -> (tempfile::TempDir, Harness<'static, ViewerApp>) {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join(format!("{recipe}.json"));
    std::fs::write(&file, recipe).unwrap();
    let options = StartupOptions {
        files: vec![file],
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    };
    let h = harness(options, size, |app| {
        app.trace_tab(1).is_some_and(|t| t.doc.analyses().is_some())
    });
    (dir, h)
}

/// `inner` lies within `outer`, give or take half a point of rounding.
fn within(inner: Rect, outer: Rect) -> bool {
    outer.expand(0.5).contains_rect(inner)
}

/// Every panel, and what it holds, lies inside the window; what a panel holds
/// lies inside the panel.
fn assert_panels_inside(h: &Harness<'_, ViewerApp>, size: Vec2) {
    let window = Rect::from_min_size(egui::Pos2::ZERO, size);
    let rects = h.state().trace_tab(1).unwrap().panel_rects().to_vec();
    let names: Vec<&str> = rects.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        ["toolbar", "status", "statistics", "graph", "timeline"],
        "every panel drew"
    );
    for r in rects {
        assert!(
            within(r.outer, window),
            "{} at {:?} in {size:?}",
            r.name,
            r.outer
        );
        assert!(
            within(r.content, window),
            "{}'s contents at {:?} in {size:?}",
            r.name,
            r.content
        );
        assert!(
            r.content.max.x <= r.outer.max.x + 0.5,
            "{}'s contents at {:?} past its panel at {:?}",
            r.name,
            r.content,
            r.outer
        );
    }
}

fn panel(h: &Harness<'_, ViewerApp>, name: &str) -> Rect {
    let tab = h.state().trace_tab(1).unwrap();
    tab.panel_rects()
        .iter()
        .find(|r| r.name == name)
        .unwrap()
        .outer
}

/// The long title wraps inside the statistics panel: more than one line, none past it.
fn assert_statistics_wrap(h: &Harness<'_, ViewerApp>) {
    let stats = panel(h, "statistics");
    let title = h.get_by_label(LONG_TITLE).rect();
    assert!(within(title, stats), "title at {title:?} in {stats:?}");
    let line = h.get_by_label("workers").rect().height();
    assert!(
        title.height() > 1.5 * line,
        "the title wraps: {title:?}, a line is {line}"
    );
}

#[test]
fn panels_fit_a_small_window_and_statistics_wrap() {
    let size = vec2(1_000.0, 700.0);
    let (_dir, h) = open("wide", size);
    assert_panels_inside(&h, size);
    assert_statistics_wrap(&h);
}

#[test]
fn panels_fit_a_large_window_and_statistics_wrap() {
    let size = vec2(2_400.0, 1_400.0);
    let (_dir, h) = open("wide", size);
    assert_panels_inside(&h, size);
    assert_statistics_wrap(&h);
    // The columns keep the persisted proportions: a third of the tab for the graph.
    let graph = panel(&h, "graph");
    let tab = graph.union(panel(&h, "statistics")).width();
    assert!(
        (graph.width() / tab - 0.34).abs() < 0.005,
        "{graph:?} in {tab}"
    );
}

#[test]
fn a_big_trace_gets_the_same_readable_columns() {
    for size in [vec2(1_000.0, 700.0), vec2(2_400.0, 1_400.0)] {
        let (_dir, h) = open("huge", size);
        assert_panels_inside(&h, size);
        let graph = panel(&h, "graph");
        assert!(graph.width() >= MIN_GRAPH_PX - 0.5, "{graph:?} in {size:?}");
        // Its one big group is drawn with a readable label.
        let tab = h.state().trace_tab(1).unwrap();
        let layout = tab.graph_layout().unwrap();
        let x = tab.graph.group_screen_rect(&layout, "x").unwrap();
        assert!(within(x, graph), "the group at {x:?} shows in {graph:?}");
    }
}

#[test]
fn dragging_the_edge_between_graph_and_timeline_resizes_and_is_remembered() {
    let size = vec2(1_400.0, 800.0);
    let (_dir, mut h) = open("wide", size);
    let before = panel(&h, "graph");
    let y = before.center().y;
    let from = egui::pos2(before.max.x, y);
    let to = egui::pos2(before.max.x + 150.0, y);
    h.hover_at(from);
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(1);
    for k in 1..=10 {
        h.hover_at(from + (to - from) * (k as f32 / 10.0));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(3);
    let after = panel(&h, "graph");
    assert!(
        (after.width() - (before.width() + 150.0)).abs() < 2.0,
        "{before:?} -> {after:?}"
    );
    // The new width is a share of the tab in the settings, which are persisted.
    let tab = after.union(panel(&h, "statistics")).width();
    let share = h.state().settings.panels.graph;
    assert!((share - after.width() / tab).abs() < 0.005, "{share}");
    assert_panels_inside(&h, size);
}

/// The viewer comparing "serial" with "wide" in a `size` window, compared.
fn open_compare(size: Vec2) -> (tempfile::TempDir, Harness<'static, ViewerApp>) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("serial.json");
    let b = dir.path().join("wide.json");
    std::fs::write(&a, "serial").unwrap();
    std::fs::write(&b, "wide").unwrap();
    let options = StartupOptions {
        compare: Some((a, b)),
        traces_dir: Some(dir.path().to_path_buf()),
        ..StartupOptions::default()
    };
    (dir, harness(options, size, |_| true))
}

#[test]
fn the_compare_summary_wraps_inside_the_window() {
    // At 1,000 points the per-task header fits on one line; at 600 it wraps,
    // and at both it stays inside the window.
    let mut heights = Vec::new();
    for size in [vec2(1_000.0, 700.0), vec2(600.0, 700.0)] {
        let (_dir, h) = open_compare(size);
        let window = Rect::from_min_size(egui::Pos2::ZERO, size);
        let header = h.get_by_label_contains("Per-task changes").rect();
        assert!(within(header, window), "{header:?} in {size:?}");
        let prediction = h.get_by_label_contains("predicted for B").rect();
        assert!(within(prediction, window), "{prediction:?} in {size:?}");
        heights.push(header.height());
    }
    assert!(heights[1] > 1.5 * heights[0], "{heights:?}");
}
