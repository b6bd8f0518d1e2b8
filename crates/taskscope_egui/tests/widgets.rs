//! egui_kittest tests driving the real timeline and graph widgets, asserting on state.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use egui::{Event, Key, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use taskscope_egui::{
    GraphEvent, GraphInput, GraphLayout, GraphView, Highlight, NodeColoring, NodeKind, NodeShape,
    RunState, Theme, Timeline, TimelineEvent, TimelineInput, TimelineLanes, TraceIndex,
};
use taskscope_fixtures as synthetic;
use taskscope_layout::{Drawing, DrawingOptions, GraphOptions, GraphScene, graph_drawing};
use taskscope_trace::{SpanId, TaskId, Trace};

/// The view's default drawing of `trace` (Dask's look, groups above 1,000 tasks).
fn graph_layout(trace: &Trace) -> GraphLayout {
    GraphLayout::new(
        graph_drawing(trace, &TraceIndex::new(trace), &DrawingOptions::default()).unwrap(),
    )
}

/// The simple layers of `trace`: plain boxes, straight edges (the fallback for big graphs).
fn simple_layers(trace: &Trace) -> GraphLayout {
    let scene = GraphScene::simple(
        trace.graph(),
        Some(trace),
        &TraceIndex::new(trace),
        &GraphOptions::default(),
    );
    GraphLayout::new(Drawing::from(scene))
}

/// A host for the widgets: owns the trace and applies their events like the app does.
struct Host {
    trace: Trace,
    index: TraceIndex,
    model: TimelineLanes,
    layout: GraphLayout,
    highlight: Highlight,
    theme: Theme,
    timeline: Timeline,
    graph: GraphView,
    show_graph: bool,
    replay_ns: Option<u64>,
    /// Whether the run is still going (`GraphInput::live`).
    live: bool,
    coloring: NodeColoring,
    seeks: Vec<u64>,
    graph_events: Vec<GraphEvent>,
    /// The node under the pointer in the last graph frame.
    hovered_node: Option<u32>,
}

impl Host {
    fn new(trace: Trace, show_graph: bool) -> Self {
        let layout = simple_layers(&trace);
        Self::with_layout(trace, layout, show_graph)
    }

    fn with_layout(trace: Trace, layout: GraphLayout, show_graph: bool) -> Self {
        let index = TraceIndex::new(&trace);
        let model = TimelineLanes::new(&trace, &index);
        let highlight = Highlight::new(trace.graph().len());
        Self {
            trace,
            index,
            model,
            layout,
            highlight,
            theme: Theme::dark(),
            timeline: Timeline::new(),
            graph: GraphView::new(),
            show_graph,
            replay_ns: None,
            live: false,
            coloring: NodeColoring::Name,
            seeks: Vec::new(),
            graph_events: Vec::new(),
            hovered_node: None,
        }
    }

    fn select(&mut self, task: Option<TaskId>) {
        self.highlight
            .select(self.trace.graph(), self.index.dependents(), task);
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        if self.show_graph {
            let input = GraphInput {
                trace: &self.trace,
                index: &self.index,
                layout: &self.layout,
                highlight: &self.highlight,
                theme: &self.theme,
                coloring: self.coloring,
                replay_ns: self.replay_ns,
                show_critical: false,
                live: self.live,
            };
            let response = self.graph.ui(ui, &input);
            self.hovered_node = response.hovered_node;
            for event in response.events {
                if let GraphEvent::Select(task) = event {
                    self.select(task);
                } else {
                    self.graph_events.push(event);
                }
            }
        } else {
            let input = TimelineInput {
                trace: &self.trace,
                index: &self.index,
                model: &self.model,
                highlight: &self.highlight,
                theme: &self.theme,
                cursor_ns: self.replay_ns,
                show_critical: false,
                show_all_arrows: false,
                keyboard: true,
            };
            let response = self.timeline.ui(ui, &input);
            for event in response.events {
                match event {
                    TimelineEvent::Select(task) => self.select(task),
                    TimelineEvent::Seek(t) => self.seeks.push(t),
                }
            }
        }
    }
}

fn harness(trace: Trace, show_graph: bool) -> Harness<'static, Host> {
    harness_with_dt(trace, show_graph, 0.25)
}

/// A harness whose frames are `step_dt` seconds apart (double clicks need them under 0.3 s).
fn harness_with_dt(trace: Trace, show_graph: bool, step_dt: f32) -> Harness<'static, Host> {
    host_harness(Host::new(trace, show_graph), step_dt)
}

fn host_harness(host: Host, step_dt: f32) -> Harness<'static, Host> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 500.0))
        .with_step_dt(step_dt)
        .with_max_steps(64)
        .build_ui_state(|ui, host: &mut Host| host.ui(ui), host);
    h.run();
    h
}

/// The seed trace `traces/total_threads2.json` (in the repository).
fn seed_trace() -> Trace {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../traces/total_threads2.json"
    );
    Trace::from_slice(&std::fs::read(path).unwrap(), path).unwrap()
}

fn click(h: &mut Harness<'_, Host>, pos: Pos2) {
    h.hover_at(pos);
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run();
}

/// The sorted span id of `task`'s only span.
fn span_of(trace: &Trace, task: TaskId) -> SpanId {
    let i = trace.spans().iter().position(|s| s.task == task).unwrap();
    SpanId(i as u32)
}

#[test]
fn clicking_a_bar_selects_it_and_lights_its_ancestors() {
    let mut h = harness(synthetic::diamond().unwrap(), false);
    let add = TaskId(2);
    let bar = {
        let host = h.state();
        host.timeline
            .bar_rect(&host.trace, &host.model, span_of(&host.trace, add))
            .unwrap()
    };
    click(&mut h, bar.center());
    let host = h.state();
    assert_eq!(host.highlight.selected(), Some(add));
    assert!(host.highlight.is_ancestor(TaskId(0)));
    assert!(host.highlight.is_ancestor(TaskId(1)));
    assert_eq!(host.highlight.ancestor_count(), 2);

    // Clicking empty lane space clears the selection.
    let empty = {
        let host = h.state();
        let r = host.timeline.last_time_rect();
        let inc2 = host
            .timeline
            .bar_rect(&host.trace, &host.model, span_of(&host.trace, TaskId(1)))
            .unwrap();
        egui::pos2(r.right() - 5.0, inc2.center().y)
    };
    click(&mut h, empty);
    assert_eq!(h.state().highlight.selected(), None);
}

#[test]
fn keys_zoom_and_pan_the_visible_range() {
    let mut h = harness(synthetic::diamond().unwrap(), false);
    let fitted = h.state().timeline.visible_range();
    let fitted_ns_per_px = h.state().timeline.view.ns_per_px;
    // The whole 20 ms run is visible after the first frame.
    assert!(fitted.start == 0 && fitted.end >= 20_000_000, "{fitted:?}");

    h.remove_cursor();
    h.key_press(Key::W);
    h.run();
    let zoomed = h.state().timeline.visible_range();
    let len = |r: &std::ops::Range<u64>| r.end - r.start;
    assert!(len(&zoomed) < len(&fitted), "{zoomed:?} vs {fitted:?}");
    assert!((h.state().timeline.view.ns_per_px * 1.5 - fitted_ns_per_px).abs() < 1e-6);

    h.key_press(Key::D);
    h.run();
    let panned = h.state().timeline.visible_range();
    assert!(panned.start > zoomed.start, "{panned:?} vs {zoomed:?}");
    assert!(len(&panned).abs_diff(len(&zoomed)) <= 1);

    h.key_press(Key::S);
    h.run();
    let out = h.state().timeline.visible_range();
    assert!(len(&out) > len(&panned));
}

#[test]
fn ctrl_wheel_zooms_about_the_pointer_and_drag_pans() {
    let mut h = harness_with_dt(synthetic::diamond().unwrap(), false, 0.05);
    let r = h.state().timeline.last_time_rect();
    let pointer = egui::pos2(r.left() + r.width() * 0.25, r.center().y);
    let t_before = {
        let v = h.state().timeline.view;
        v.ns_from_x(f64::from(pointer.x - r.left()))
    };
    h.hover_at(pointer);
    h.event(Event::Zoom(2.0));
    h.run();
    let v = h.state().timeline.view;
    let t_after = v.ns_from_x(f64::from(pointer.x - r.left()));
    assert!(
        (t_after - t_before).abs() < v.ns_per_px,
        "{t_before} vs {t_after}"
    );
    let before = h.state().timeline.visible_range();

    // Drag 100 px to the left: later times come into view.
    let start = egui::pos2(r.center().x, r.bottom() - 20.0);
    h.hover_at(start);
    h.drag_at(start);
    h.run();
    for step in 1..=5 {
        h.hover_at(start - egui::vec2(20.0 * step as f32, 0.0));
        h.run();
    }
    h.drop_at(start - egui::vec2(100.0, 0.0));
    h.run();
    let after = h.state().timeline.visible_range();
    assert!(after.start > before.start, "{after:?} vs {before:?}");
    assert_eq!(
        h.state().highlight.selected(),
        None,
        "a drag is not a click"
    );

    // Double-click (two clicks in consecutive frames, 0.05 s apart) fits again.
    let p = egui::pos2(r.center().x, r.bottom() - 5.0);
    h.hover_at(p);
    for _ in 0..2 {
        for pressed in [true, false] {
            h.event(Event::PointerButton {
                pos: p,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            });
        }
        h.step();
    }
    h.run();
    let fitted = h.state().timeline.visible_range();
    assert!(fitted.start == 0 && fitted.end >= 20_000_000, "{fitted:?}");
}

#[test]
fn clicking_the_axis_seeks_the_replay_cursor() {
    let mut h = harness(synthetic::diamond().unwrap(), false);
    let r = h.state().timeline.last_time_rect();
    let x = r.left() + r.width() * 0.5;
    click(&mut h, egui::pos2(x, r.top() + 5.0));
    let host = h.state();
    let expected = host.timeline.view.ns_from_x(f64::from(x - r.left()));
    let got = *host.seeks.last().unwrap() as f64;
    assert!(
        (got - expected).abs() <= host.timeline.view.ns_per_px,
        "{got} vs {expected}"
    );
    assert_eq!(host.highlight.selected(), None);
}

#[test]
fn merged_bars_zoom_in_when_clicked() {
    // 2000 short tasks on 2 workers: zoomed out, each lane folds into a few merged bars.
    let trace = synthetic::layered(2000, 50, 2, 3).unwrap();
    let mut h = harness(trace, false);
    let before = h.state().timeline.visible_range();
    let r = h.state().timeline.last_time_rect();
    let first_bar = {
        let host = h.state();
        host.timeline
            .bar_rect(&host.trace, &host.model, SpanId(0))
            .unwrap()
    };
    click(
        &mut h,
        egui::pos2(r.left() + r.width() * 0.5, first_bar.center().y),
    );
    let after = h.state().timeline.visible_range();
    assert!(after.end - after.start < before.end - before.start);
    assert_eq!(h.state().highlight.selected(), None);
}

#[test]
fn graph_click_selects_and_lights_relatives() {
    let mut h = harness(synthetic::diamond().unwrap(), true);
    let node = {
        let host = h.state();
        host.graph
            .node_screen_rect(&host.layout, TaskId(0))
            .unwrap()
    };
    click(&mut h, node.center());
    let host = h.state();
    assert_eq!(host.highlight.selected(), Some(TaskId(0)));
    assert!(host.highlight.is_descendant(TaskId(2)));
    assert!(!host.highlight.is_lit(TaskId(1)));
}

#[test]
fn graph_replay_states_follow_the_cursor() {
    use RunState::*;
    let mut h = harness(synthetic::diamond().unwrap(), true);
    let states = |host: &Host, t: u64| {
        (0..3)
            .map(|i| host.index.times().state_at(TaskId(i), t))
            .collect::<Vec<_>>()
    };
    h.state_mut().replay_ns = Some(5_000_000);
    h.run();
    assert_eq!(
        states(h.state(), 5_000_000),
        vec![Running, Running, Waiting]
    );
    assert_eq!(states(h.state(), 15_000_000), vec![Done, Done, Running]);
    assert_eq!(h.state().graph.visible_node_count(), 3);
}

/// A compute span of `task` on lane 0.
fn lane0_span(task: TaskId, start_ns: u64, end_ns: u64, unclosed: bool) -> taskscope_trace::Span {
    taskscope_trace::Span {
        start_ns,
        end_ns,
        task,
        lane: taskscope_trace::LaneId(0),
        kind: taskscope_trace::SpanKind::Compute,
        depth: 0,
        unclosed,
    }
}

/// The fills of the filled rectangles painted in the last frame that contain `at`.
fn fills_at(h: &Harness<'_, Host>, at: Pos2) -> Vec<egui::Color32> {
    fn walk(shape: &egui::Shape, at: Pos2, out: &mut Vec<egui::Color32>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, at, out)),
            egui::Shape::Rect(r) if r.rect.contains(at) && r.fill.a() > 0 => out.push(r.fill),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &h.output().shapes {
        walk(&clipped.shape, at, &mut out);
    }
    out
}

#[test]
fn graph_replay_paints_a_failed_task_in_the_failed_colour() {
    use taskscope_trace::{Lane, RunMeta, TaskState, TraceBuilder};
    // The diamond, but its last task failed.
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
    let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
    let z = g
        .add_task("add-3", "add", [x, y], TaskState::Failed)
        .unwrap();
    b.add_lane(Lane::default()).unwrap();
    for (task, start_ns, end_ns) in [(x, 0, 10), (y, 10, 20), (z, 20, 30)] {
        b.add_span(lane0_span(task, start_ns, end_ns, false))
            .unwrap();
    }
    let mut h = harness(b.build().unwrap(), true);
    // Coloured by worker: the scene's own fill does not say which task failed.
    h.state_mut().coloring = NodeColoring::Lane;
    let failed =
        taskscope_egui::theme::rgb(taskscope_layout::theme::state_color(TaskState::Failed));
    let centre = |h: &Harness<'_, Host>, task| {
        let host = h.state();
        host.graph
            .node_screen_rect(&host.layout, task)
            .unwrap()
            .center()
    };
    // While it runs: the running colour; once it ended: the failed colour, and a task
    // that succeeded keeps its own.
    h.state_mut().replay_ns = Some(25);
    h.run();
    assert_eq!(h.state().index.times().state_at(z, 25), RunState::Running);
    assert!(!fills_at(&h, centre(&h, z)).contains(&failed));
    h.state_mut().replay_ns = Some(30);
    h.run();
    assert_eq!(h.state().index.times().state_at(z, 30), RunState::Failed);
    assert!(
        fills_at(&h, centre(&h, z)).contains(&failed),
        "{:?}",
        fills_at(&h, centre(&h, z))
    );
    assert!(!fills_at(&h, centre(&h, x)).contains(&failed));
}

#[test]
fn in_a_run_still_going_a_task_not_run_yet_is_waiting() {
    use taskscope_trace::{Lane, RunMeta, TaskState, TraceBuilder};
    // The diamond so far: its two inputs ran, the sum has not yet.
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let x = g.add_task("inc-1", "inc", [], TaskState::Done).unwrap();
    let y = g.add_task("inc-2", "inc", [], TaskState::Done).unwrap();
    let z = g
        .add_task("add-3", "add", [x, y], TaskState::NotRun)
        .unwrap();
    b.add_lane(Lane::default()).unwrap();
    for (task, start_ns, end_ns) in [(x, 0, 10), (y, 10, 20)] {
        b.add_span(lane0_span(task, start_ns, end_ns, false))
            .unwrap();
    }
    let mut h = harness(b.build().unwrap(), true);
    let theme = Theme::dark();
    let fills = |h: &Harness<'_, Host>| {
        let host = h.state();
        let at = host
            .graph
            .node_screen_rect(&host.layout, z)
            .unwrap()
            .center();
        fills_at(h, at)
    };
    h.state_mut().replay_ns = Some(20);
    h.run();
    // A finished trace: it never ran.
    assert!(fills(&h).contains(&theme.not_run), "{:?}", fills(&h));
    // A run still going: it may yet run, so it is waiting.
    h.state_mut().live = true;
    h.run();
    assert!(fills(&h).contains(&theme.waiting), "{:?}", fills(&h));
    assert!(!fills(&h).contains(&theme.not_run));
}

#[test]
fn hovering_a_task_still_running_at_the_end_says_so() {
    use egui_kittest::kittest::Queryable;
    use taskscope_trace::{Lane, RunMeta, TaskState, TraceBuilder};
    // A finished task, then one whose slice never ended (a stream cut while it ran).
    let mut b = TraceBuilder::new(RunMeta::default());
    let g = b.graph_mut();
    let done = g.add_task("done-1", "load", [], TaskState::Done).unwrap();
    let open = g
        .add_task("open-2", "sum", [done], TaskState::NotRun)
        .unwrap();
    b.add_lane(Lane::default()).unwrap();
    for (task, start_ns, end_ns, unclosed) in [(done, 0, 10, false), (open, 10, 30, true)] {
        b.add_span(lane0_span(task, start_ns, end_ns, unclosed))
            .unwrap();
    }
    let trace = b.build().unwrap();
    let open_span = span_of(&trace, open);
    let mut h = harness(trace, false);
    let bar = {
        let host = h.state();
        host.timeline
            .bar_rect(&host.trace, &host.model, open_span)
            .unwrap()
    };
    h.hover_at(bar.center());
    h.run();
    assert!(
        h.query_by_label_contains("running at the end of the trace, not finished")
            .is_some()
    );
    assert!(h.query_by_label_contains("state: not_run").is_none());
}

#[test]
fn graph_wheel_pans_and_ctrl_wheel_zooms() {
    let mut h = harness(synthetic::layered(300, 30, 4, 9).unwrap(), true);
    let zoom0 = h.state().graph.zoom;
    h.hover_at(egui::pos2(500.0, 250.0));
    h.event(Event::Zoom(4.0));
    h.run();
    assert!(h.state().graph.zoom > zoom0 * 3.9);
    let visible_zoomed = h.state().graph.visible_node_count();
    assert!(
        visible_zoomed < 300,
        "culling keeps only visible nodes: {visible_zoomed}"
    );
    let center1 = h.state().graph.center;
    let zoom1 = h.state().graph.zoom;
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, -200.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    h.run();
    // The content moved up by 200 points: the view now shows lower layout rows.
    let moved = h.state().graph.center.y - center1.y;
    assert!(
        (moved * zoom1 - 200.0).abs() < 1.0,
        "moved {moved} units at zoom {zoom1}"
    );
}

#[test]
fn huge_graphs_draw_a_density_map_until_zoomed_in() {
    let mut h = harness(synthetic::layered(30_000, 300, 8, 4).unwrap(), true);
    assert!(h.state().graph.visible_node_count() > taskscope_egui::graph_view::DENSE_NODES);
    assert!(h.state().graph.is_dense());
    // Zoomed in, boxes again (and clicking one selects it).
    h.hover_at(egui::pos2(500.0, 250.0));
    h.event(Event::Zoom(60.0));
    h.run();
    assert!(h.state().graph.visible_node_count() < taskscope_egui::graph_view::DENSE_NODES);
    assert!(!h.state().graph.is_dense());
}

#[test]
fn graph_draws_the_seed_trace_like_visualize() {
    let trace = seed_trace();
    assert_eq!(trace.graph().len(), 7);
    let layout = graph_layout(&trace);
    let mut h = host_harness(Host::with_layout(trace, layout, true), 0.25);
    let host = h.state();
    let nodes = host.layout.nodes();
    let tasks: Vec<_> = nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Task(_)))
        .collect();
    let outputs: Vec<_> = nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Output(_)))
        .collect();
    assert_eq!(tasks.len(), 7);
    assert!(
        tasks
            .iter()
            .all(|n| matches!(n.shape, NodeShape::Circle | NodeShape::Ellipse))
    );
    assert_eq!(outputs.len(), 7);
    assert!(outputs.iter().all(|n| n.shape == NodeShape::Box));
    // Task → its own box, and each box → every task using the result.
    let graph = host.trace.graph();
    let kind = |i: u32| nodes[i as usize].kind;
    let mut want = 7 + graph.edge_count();
    for e in host.layout.edges() {
        match (kind(e.from), kind(e.to)) {
            (NodeKind::Task(a), NodeKind::Output(b)) => assert_eq!(a, b),
            (NodeKind::Output(d), NodeKind::Task(t)) => assert!(graph.deps(t).contains(&d)),
            other => panic!("unexpected edge {other:?}"),
        }
        want -= 1;
    }
    assert_eq!(want, 0, "every dependency is drawn once");
    // Every node is on screen, each task labelled with its function name.
    assert_eq!(host.graph.visible_node_count(), 14);
    let root = graph
        .tasks()
        .find(|t| host.index.dependents().users(*t).is_empty())
        .unwrap();
    let i = host.layout.node_index_of(root).unwrap() as usize;
    assert_eq!(host.layout.label(i)[0], graph.name(root).unwrap());

    // Clicking a result box selects its task; clicking an ellipse's corner selects nothing.
    let (output_rect, task) = {
        let host = h.state();
        let (node, task) = host
            .layout
            .nodes()
            .iter()
            .find_map(|n| match n.kind {
                NodeKind::Output(t) if t != root => Some((n, t)),
                _ => None,
            })
            .unwrap();
        let r = egui::Rect::from_min_max(
            host.graph
                .to_screen(host.graph.canvas_rect(), node.rect.min),
            host.graph
                .to_screen(host.graph.canvas_rect(), node.rect.max),
        );
        (r, task)
    };
    click(&mut h, output_rect.center());
    assert_eq!(h.state().highlight.selected(), Some(task));
    assert!(h.state().highlight.is_selected(task));
    let corner = {
        let host = h.state();
        let r = host.graph.node_screen_rect(&host.layout, root).unwrap();
        r.left_top() + egui::vec2(1.0, 1.0)
    };
    click(&mut h, corner);
    assert_eq!(h.state().highlight.selected(), None);
    let center = {
        let host = h.state();
        host.graph
            .node_screen_rect(&host.layout, root)
            .unwrap()
            .center()
    };
    click(&mut h, center);
    assert_eq!(h.state().highlight.selected(), Some(root));
    assert!(h.state().graph_events.is_empty());
}

#[test]
fn clicking_a_group_asks_to_expand_it() {
    let trace = synthetic::layered(1_200, 40, 4, 3).unwrap();
    let layout = graph_layout(&trace);
    assert!(layout.groups().is_some());
    let mut h = host_harness(Host::with_layout(trace, layout, true), 0.25);
    let r = {
        let host = h.state();
        host.graph.group_screen_rect(&host.layout, "parse").unwrap()
    };
    click(&mut h, r.center());
    assert_eq!(
        h.state().graph_events,
        vec![GraphEvent::Expand("parse".to_owned())]
    );
    assert_eq!(h.state().highlight.selected(), None);
}

#[test]
fn the_density_map_has_nothing_to_hover_or_click() {
    let mut h = harness(synthetic::layered(30_000, 300, 8, 4).unwrap(), true);
    assert!(h.state().graph.is_dense());
    // A task selected elsewhere, and a node (of another task) under the pointer.
    let (node_center, other) = {
        let host = h.state();
        let canvas = host.graph.canvas_rect();
        host.layout
            .nodes()
            .iter()
            .filter_map(|n| Some((host.graph.to_screen(canvas, n.rect.center()), n.task()?)))
            .filter(|(p, _)| canvas.shrink(20.0).contains(*p))
            .min_by(|a, b| {
                let d = |p: &Pos2| p.distance(canvas.center());
                d(&a.0).total_cmp(&d(&b.0))
            })
            .unwrap()
    };
    let selected = TaskId(u32::from(other.0 == 0));
    h.state_mut().select(Some(selected));
    h.hover_at(node_center);
    h.run();
    assert!(h.state().graph.is_dense());
    assert_eq!(h.state().hovered_node, None);
    click(&mut h, node_center);
    // Nothing drawn there to click: the selection stays, no event.
    assert_eq!(h.state().highlight.selected(), Some(selected));
    assert!(h.state().graph_events.is_empty());
    // Zoomed in, the same kind of hover finds a node again.
    h.event(Event::Zoom(60.0));
    h.run();
    assert!(!h.state().graph.is_dense());
    let center = {
        let host = h.state();
        let canvas = host.graph.canvas_rect();
        host.layout
            .nodes()
            .iter()
            .map(|n| host.graph.to_screen(canvas, n.rect.center()))
            .find(|p| canvas.shrink(20.0).contains(*p))
            .unwrap()
    };
    h.hover_at(center);
    h.run();
    assert!(h.state().hovered_node.is_some());
}

#[test]
fn an_empty_trace_says_it_has_no_spans_instead_of_an_axis() {
    use egui_kittest::kittest::Queryable;
    let empty = taskscope_trace::TraceBuilder::new(taskscope_trace::RunMeta::default())
        .build()
        .unwrap();
    let h = harness(empty, false);
    h.get_by_label("Timeline: no spans: nothing has run yet, or the file records no slices");
    // A trace with spans is an ordinary timeline.
    let h = harness(seed_trace(), false);
    h.get_by_label("Timeline");
}
