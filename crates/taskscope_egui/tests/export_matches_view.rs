//! An exported picture is what the widgets show (issue 14): a graph and a timeline
//! are exported to SVG, the graph view and the timeline are drawn in egui, and task
//! by task the fill the widget paints equals the picture's, and the duration its
//! tooltip shows equals the picture's.

// Test code: a missing node or attribute should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use egui::epaint::{ClippedShape, Shape};
use egui::{Color32, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use taskscope_egui::{
    GraphInput, GraphLayout, GraphView, Highlight, NodeColoring, Theme, Timeline, TimelineInput,
    TimelineLanes,
};
use taskscope_fixtures::{Crafted, S};
use taskscope_layout::{
    DrawingOptions, GraphScene, TimelineOptions, TimelineScene, export_scene,
    export_timeline_scene, graph_drawing,
};
use taskscope_trace::{SpanId, TaskId, TaskState, Trace, TraceIndex};

/// Two `inc`s, an `add` of 153 s (the "2 min 33 s"), and a task that failed.
fn trace() -> Trace {
    let mut t = Crafted::new(3);
    t.task_run("inc-1", "inc", &[], 0, 0, S);
    t.task_run("inc-2", "inc", &[], 1, 0, 2 * S);
    t.task_run("add-3", "add", &["inc-1", "inc-2"], 0, 2 * S, 155 * S);
    t.task_run("boom-4", "boom", &["inc-1"], 2, S, 3 * S / 2);
    t.set_state("boom-4", TaskState::Failed);
    t.build()
}

/// `#rrggbb` as a colour.
fn hex(text: &str) -> Color32 {
    let v = u32::from_str_radix(text.trim_start_matches('#'), 16).unwrap();
    Color32::from_rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// Every shape of a frame, nested ones flattened.
fn shapes(clipped: &[ClippedShape]) -> Vec<Shape> {
    let mut out = Vec::new();
    let mut stack: Vec<Shape> = clipped.iter().map(|c| c.shape.clone()).collect();
    while let Some(shape) = stack.pop() {
        match shape {
            Shape::Vec(inner) => stack.extend(inner),
            other => out.push(other),
        }
    }
    out
}

fn near(a: Pos2, b: Pos2) -> bool {
    (a - b).length() < 0.5
}

/// The fill of the filled ellipse centred on `rect` (a graph node).
fn ellipse_fill(shapes: &[Shape], rect: Rect) -> Option<Color32> {
    shapes.iter().find_map(|s| match s {
        Shape::Ellipse(e) if near(e.center, rect.center()) && e.fill != Color32::TRANSPARENT => {
            Some(e.fill)
        }
        Shape::Circle(c) if near(c.center, rect.center()) && c.fill != Color32::TRANSPARENT => {
            Some(c.fill)
        }
        _ => None,
    })
}

/// The fill of the filled rectangle exactly `rect` (a timeline bar).
fn rect_fill(shapes: &[Shape], rect: Rect) -> Option<Color32> {
    shapes.iter().find_map(|s| match s {
        Shape::Rect(r)
            if near(r.rect.min, rect.min)
                && near(r.rect.max, rect.max)
                && r.fill != Color32::TRANSPARENT =>
        {
            Some(r.fill)
        }
        _ => None,
    })
}

/// The `<title>` lines of every element of `svg` with an `id`, by id.
fn graph_titles_and_fills(svg: &str) -> BTreeMap<String, (Vec<String>, Color32)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let mut out = BTreeMap::new();
    for g in doc.descendants().filter(|n| n.has_tag_name("g")) {
        let Some(id) = g.attribute("id") else {
            continue;
        };
        let title = g
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or("");
        let fill = g
            .children()
            .find(|c| c.has_tag_name("ellipse") || c.has_tag_name("circle"))
            .and_then(|c| c.attribute("fill"))
            .map(hex);
        if let Some(fill) = fill {
            out.insert(
                id.to_owned(),
                (title.lines().map(str::to_owned).collect(), fill),
            );
        }
    }
    out
}

/// The tooltip lines and fill of every timeline bar of `svg`, by its task key.
fn timeline_bars(svg: &str) -> BTreeMap<String, (Vec<String>, Color32)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let bars = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("bars"))
        .unwrap();
    let mut out = BTreeMap::new();
    for g in bars.children().filter(|n| n.has_tag_name("g")) {
        let lines: Vec<String> = g
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or("")
            .lines()
            .map(str::to_owned)
            .collect();
        let fill = g
            .children()
            .find(|c| c.has_tag_name("rect"))
            .and_then(|r| r.attribute("fill"))
            .map(hex)
            .unwrap();
        // Line 2 is the key (the first is the name).
        out.insert(lines.get(1).cloned().unwrap_or_default(), (lines, fill));
    }
    out
}

fn duration_line(lines: &[String]) -> &str {
    lines
        .iter()
        .find(|l| l.starts_with("duration: "))
        .map(String::as_str)
        .expect("a duration line")
}

/// Hovers `pos` and returns the one label of the tooltip that says the duration.
fn hovered_duration<S>(h: &mut Harness<'_, S>, pos: Pos2) -> String {
    h.hover_at(pos);
    // Tooltips show once the pointer has rested (egui's tooltip delay).
    h.run_steps(4);
    // A label's text is its accessibility value.
    let labels: Vec<String> = h
        .query_all_by_role(egui::accesskit::Role::Label)
        .filter_map(|n| n.accesskit_node().value())
        .filter(|text| text.starts_with("duration: "))
        .collect();
    assert_eq!(labels.len(), 1, "one duration in the tooltip: {labels:?}");
    labels.into_iter().next().unwrap()
}

struct GraphHost {
    trace: Trace,
    index: TraceIndex,
    layout: GraphLayout,
    highlight: Highlight,
    theme: Theme,
    view: GraphView,
}

#[test]
fn exported_graph_has_the_views_colours_and_durations() {
    let trace = trace();
    let index = TraceIndex::new(&trace);
    let coloring = NodeColoring::Name;
    // The view's drawing, exported with the view's colouring.
    let drawing = graph_drawing(&trace, &index, &DrawingOptions::default()).unwrap();
    let options = taskscope_layout::GraphOptions {
        color_by: coloring.color_by(),
        ..drawing.options.graph_options()
    };
    let scene = GraphScene::with_index(trace.graph(), Some(&trace), &index, &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.svg");
    export_scene(&scene, &path, &options).unwrap();
    let svg = graph_titles_and_fills(&std::fs::read_to_string(&path).unwrap());

    let host = GraphHost {
        highlight: Highlight::new(trace.graph().len()),
        layout: GraphLayout::new(drawing),
        index,
        trace,
        theme: Theme::dark(),
        view: GraphView::new(),
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 700.0))
        .with_step_dt(0.25)
        .with_max_steps(64)
        .build_ui_state(
            |ui, host: &mut GraphHost| {
                let input = GraphInput {
                    trace: &host.trace,
                    index: &host.index,
                    layout: &host.layout,
                    highlight: &host.highlight,
                    theme: &host.theme,
                    coloring,
                    replay_ns: None,
                    show_critical: false,
                    live: false,
                };
                host.view.ui(ui, &input);
            },
            host,
        );
    h.run();
    let tasks: Vec<TaskId> = h.state().trace.graph().tasks().collect();
    let painted = shapes(&h.output().shapes);
    let mut distinct = std::collections::BTreeSet::new();
    for &task in &tasks {
        let rect = {
            let host = h.state();
            host.view.node_screen_rect(&host.layout, task).unwrap()
        };
        let (lines, svg_fill) = &svg[&format!("t{}", task.0)];
        let view_fill = ellipse_fill(&painted, rect).expect("the node is painted");
        assert_eq!(view_fill, *svg_fill, "fill of task {task}");
        distinct.insert(view_fill.to_array());
        assert_eq!(
            hovered_duration(&mut h, rect.center()),
            duration_line(lines),
            "duration of task {task}"
        );
    }
    // The names' colours and the failed task's red: not one colour for all.
    assert!(distinct.len() >= 3, "{distinct:?}");
    assert_eq!(duration_line(&svg["t2"].0), "duration: 2 min 33 s");
}

struct TimelineHost {
    trace: Trace,
    index: TraceIndex,
    lanes: TimelineLanes,
    highlight: Highlight,
    theme: Theme,
    timeline: Timeline,
}

#[test]
fn exported_timeline_has_the_views_colours_and_durations() {
    let trace = trace();
    let index = TraceIndex::new(&trace);
    let lanes = TimelineLanes::new(&trace, &index);
    let options = TimelineOptions::default();
    let scene = TimelineScene::with_index(&trace, &index, &lanes, &options);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeline.svg");
    export_timeline_scene(&scene, &path, &options).unwrap();
    let svg = timeline_bars(&std::fs::read_to_string(&path).unwrap());

    let host = TimelineHost {
        highlight: Highlight::new(trace.graph().len()),
        trace,
        index,
        lanes,
        theme: Theme::light(),
        timeline: Timeline::new(),
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 400.0))
        .with_step_dt(0.25)
        .with_max_steps(64)
        .build_ui_state(
            |ui, host: &mut TimelineHost| {
                let input = TimelineInput {
                    trace: &host.trace,
                    index: &host.index,
                    model: &host.lanes,
                    highlight: &host.highlight,
                    theme: &host.theme,
                    cursor_ns: None,
                    show_critical: false,
                    show_all_arrows: false,
                    keyboard: false,
                };
                host.timeline.ui(ui, &input);
            },
            host,
        );
    h.run();
    let painted = shapes(&h.output().shapes);
    let count = h.state().trace.spans().len();
    for i in 0..count {
        let span = SpanId(i as u32);
        let (key, rect) = {
            let host = h.state();
            let s = host.trace.span(span).unwrap();
            let key = host.trace.graph().key(s.task).unwrap().to_owned();
            (
                key,
                host.timeline
                    .bar_rect(&host.trace, &host.lanes, span)
                    .unwrap(),
            )
        };
        let (lines, svg_fill) = &svg[&key];
        let view_fill = rect_fill(&painted, rect).expect("the bar is painted");
        assert_eq!(view_fill, *svg_fill, "fill of {key}");
        assert_eq!(
            hovered_duration(&mut h, rect.center()),
            duration_line(lines),
            "duration of {key}"
        );
    }
    assert_eq!(duration_line(&svg["add-3"].0), "duration: 2 min 33 s");
    assert_ne!(
        svg["boom-4"].1, svg["inc-1"].1,
        "the failed task stands out"
    );
}
