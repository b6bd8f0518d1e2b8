//! egui_kittest tests of the graph view's groups in the whole app: a big graph is
//! drawn grouped, a click expands a group (laid out in the background), the context
//! menu and "Collapse all" collapse it, and a selection made elsewhere lights the
//! group that holds it. Assertions are on state, not pixels.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_egui::NodeKind;
use taskscope_fixtures as synthetic;
use taskscope_layout::DrawingOptions;
use taskscope_trace::{TaskId, Trace};
use taskscope_viewer::document::TraceDoc;
use taskscope_viewer::panels::trace_tab::TraceTab;
use taskscope_viewer::settings::Settings;
use taskscope_viewer::{StartupOptions, ViewerApp};

/// Files hold a recipe word instead of JSON (the format is tested in taskscope_trace).
fn parse_recipe(bytes: &[u8], name: &str) -> anyhow::Result<Trace> {
    Ok(match bytes {
        // 1,200 tasks in six key groups of 200: load, parse, inc, double, add, sum.
        b"grouped" => synthetic::layered(1_200, 40, 4, 3)?,
        b"one-big-group" => one_big_group()?,
        b"huge-group" => synthetic::one_big_group(100_000)?,
        b"chain" => chain_with_config(2_000)?,
        _ => anyhow::bail!("{name}: unknown recipe"),
    })
}

/// 10,001 `x` tasks and one `y` using the first: expanding `x` draws 20,003 nodes.
fn one_big_group() -> Result<Trace, taskscope_trace::ModelError> {
    synthetic::one_big_group(10_001)
}

/// The reviewer's repro: `config-0`, then `step-0..n`, each step using `config-0`
/// and the step before. Expanding `step` draws 4,001 nodes whose edges from the
/// collapsed `config` cross up to 4,000 layers.
fn chain_with_config(steps: usize) -> Result<Trace, taskscope_trace::ModelError> {
    synthetic::config_chain(steps)
}

/// A tab of `recipe` without the app (everything computed up front).
fn tab_of(recipe: &str) -> TraceTab {
    let trace = parse_recipe(recipe.as_bytes(), recipe).unwrap();
    TraceTab::new(Arc::new(TraceDoc::new(None, trace)))
}

/// Polls `tab` (as the UI does once per frame) until no layout runs or waits.
fn finish_layout(tab: &mut TraceTab) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tab.is_laying_out() {
        assert!(Instant::now() < deadline, "the layout did not finish");
        std::thread::sleep(Duration::from_millis(5));
        tab.poll_drawing();
    }
}

fn expand(names: &[&str]) -> DrawingOptions {
    DrawingOptions {
        compact: false,
        expanded: names.iter().map(|s| (*s).to_owned()).collect(),
        ..DrawingOptions::default()
    }
}

fn open(recipe: &str) -> (tempfile::TempDir, Harness<'static, ViewerApp>) {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join(format!("{recipe}.json"));
    std::fs::write(&file, recipe).unwrap();
    let app = ViewerApp::new(
        Settings::default(),
        StartupOptions {
            files: vec![file],
            traces_dir: Some(dir.path().to_path_buf()),
            ..StartupOptions::default()
        },
        parse_recipe,
    );
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui_contents(ui), app);
    wait(&mut h, "loading", |app| !app.is_loading());
    (dir, h)
}

/// Steps until `done` holds (or fails the test after 30 s).
fn wait(h: &mut Harness<'_, ViewerApp>, what: &str, done: impl Fn(&ViewerApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "{what} did not finish");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(3);
}

fn wait_for_layout(h: &mut Harness<'_, ViewerApp>) {
    wait(h, "the graph layout", |app| {
        !app.trace_tab(1).unwrap().is_laying_out()
    });
}

fn click(h: &mut Harness<'_, ViewerApp>, pos: Pos2, button: PointerButton) {
    h.hover_at(pos);
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos,
            button,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run_steps(2);
}

fn group_rect(h: &Harness<'_, ViewerApp>, name: &str) -> Option<egui::Rect> {
    let tab = h.state().trace_tab(1).unwrap();
    tab.graph
        .group_screen_rect(&tab.graph_layout().unwrap(), name)
}

/// The names of the groups drawn collapsed, in group order.
fn collapsed(h: &Harness<'_, ViewerApp>) -> Vec<String> {
    let layout = h.state().trace_tab(1).unwrap().graph_layout().unwrap();
    let groups = layout.groups().unwrap();
    groups
        .all()
        .iter()
        .map(|g| g.name.clone())
        .filter(|name| layout.group_node(name).is_some())
        .collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

const ALL: [&str; 6] = ["load", "parse", "inc", "double", "add", "sum"];

#[test]
fn a_big_graph_is_grouped_and_a_click_expands_a_group() {
    let (_dir, mut h) = open("grouped");
    assert_eq!(collapsed(&h), names(&ALL));
    assert!(h.query_by_label("6 groups, 0 expanded").is_some());

    // Click "parse": the old drawing stays while the new one is laid out.
    let r = group_rect(&h, "parse").unwrap();
    click(&mut h, r.center(), PointerButton::Primary);
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.graph_note(), None);
    assert_eq!(
        collapsed(&h),
        names(&["load", "inc", "double", "add", "sum"])
    );
    let layout = tab.graph_layout().unwrap();
    // Its 200 tasks are drawn one by one, each with its result box.
    let parse_tasks: Vec<TaskId> = tab
        .doc
        .trace
        .graph()
        .tasks()
        .filter(|&t| layout.group_name_of(t) == Some("parse"))
        .collect();
    assert_eq!(parse_tasks.len(), 200);
    for &t in &parse_tasks {
        assert_eq!(layout.node_of(t).unwrap().kind, NodeKind::Task(t));
    }
    let boxes = layout
        .nodes()
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Output(_)))
        .count();
    assert_eq!(boxes, 200);
    assert_eq!(layout.nodes().len(), 5 + 400);

    // The view zoomed to the group, readable: its middle task is on the canvas.
    let (task, node) = {
        let tab = h.state().trace_tab(1).unwrap();
        let canvas = tab.graph.canvas_rect();
        assert!(tab.graph.zoom >= taskscope_viewer::panels::trace_tab::EXPANDED_MIN_ZOOM);
        parse_tasks
            .iter()
            .map(|&t| (t, tab.graph.node_screen_rect(&layout, t).unwrap()))
            .min_by(|a, b| {
                let d = |r: &egui::Rect| r.center().distance(canvas.center());
                d(&a.1).total_cmp(&d(&b.1))
            })
            .unwrap()
    };
    assert!(
        h.state()
            .trace_tab(1)
            .unwrap()
            .graph
            .canvas_rect()
            .contains_rect(node)
    );
    // Clicking one of its tasks selects it, as in any drawing.
    click(&mut h, node.center(), PointerButton::Primary);
    assert_eq!(
        h.state().trace_tab(1).unwrap().highlight.selected(),
        Some(task)
    );

    // Right-click it: its context menu collapses the group again.
    click(&mut h, node.center(), PointerButton::Secondary);
    h.get_by_label("Collapse group “parse”").click();
    h.run_steps(2);
    wait_for_layout(&mut h);
    assert_eq!(collapsed(&h), names(&ALL));
}

#[test]
fn collapse_all_closes_every_expanded_group() {
    let (_dir, mut h) = open("grouped");
    for name in ["load", "sum"] {
        let r = group_rect(&h, name).unwrap();
        click(&mut h, r.center(), PointerButton::Primary);
        wait_for_layout(&mut h);
    }
    assert_eq!(collapsed(&h), names(&["parse", "inc", "double", "add"]));
    let expanded = h.state().trace_tab(1).unwrap().drawing_options().expanded;
    assert_eq!(
        expanded.into_iter().collect::<Vec<_>>(),
        names(&["load", "sum"])
    );
    let outputs = |h: &Harness<'_, ViewerApp>| {
        let layout = h.state().trace_tab(1).unwrap().graph_layout().unwrap();
        layout
            .nodes()
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Output(_)))
            .count()
    };
    assert_eq!(outputs(&h), 400);
    // "Result boxes" off: tasks only, the same groups open.
    h.get_by_label("Result boxes").click();
    h.run_steps(2);
    wait_for_layout(&mut h);
    assert_eq!(outputs(&h), 0);
    assert_eq!(collapsed(&h), names(&["parse", "inc", "double", "add"]));
    assert!(h.state().trace_tab(1).unwrap().drawing_options().compact);

    h.get_by_label("Collapse all").click();
    h.run_steps(2);
    wait_for_layout(&mut h);
    assert_eq!(collapsed(&h), names(&ALL));
}

#[test]
fn selecting_a_task_of_a_collapsed_group_lights_the_group() {
    let (_dir, mut h) = open("grouped");
    // A task of "add" (layer 4) that has users, clicked in the timeline.
    let app = h.state_mut();
    let tab = app.trace_tab_mut(1).unwrap();
    let task = (160..200)
        .map(TaskId)
        .find(|&t| !tab.doc.index.dependents().users(t).is_empty())
        .unwrap();
    // Zoom the timeline to the task, and look elsewhere in the graph, so that
    // revealing has to move it.
    let (start, end) = tab.doc.index.times().range(task).unwrap();
    tab.timeline.zoom_to(start, end);
    tab.graph.center = egui::pos2(-1e6, -1e6);
    h.run_steps(2);
    let bar = {
        let tab = h.state().trace_tab(1).unwrap();
        let span = tab.doc.index.first_span(&tab.doc.trace, task).unwrap();
        tab.timeline
            .bar_rect(&tab.doc.trace, &tab.doc.model, span)
            .unwrap()
    };
    click(&mut h, bar.center(), PointerButton::Primary);
    assert_eq!(
        h.state().trace_tab(1).unwrap().highlight.selected(),
        Some(task)
    );

    // The task was hidden in its group: its neighbourhood is drawn on its own.
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    let layout = tab.graph_layout().unwrap();
    let groups = layout.groups().unwrap();
    assert_eq!(layout.group_name_of(task), Some("add"));
    let graph = tab.doc.trace.graph();
    let near: Vec<TaskId> = graph
        .deps(task)
        .iter()
        .chain(tab.doc.index.dependents().users(task))
        .copied()
        .chain([task])
        .collect();
    for t in near {
        assert_eq!(layout.node_of(t).unwrap().kind, NodeKind::Task(t), "{t:?}");
    }
    assert!(layout.options().focus.contains(&task));
    // The rest of "add" stays one node, saying how many are drawn apart.
    let add_index = layout.scene().node_of_group_named("add").unwrap();
    assert!(
        layout.scene().nodes[add_index]
            .label
            .iter()
            .any(|l| l.ends_with("drawn apart"))
    );
    // The graph shows the task itself, scrolled to it.
    let shown = layout.shown_node(task).unwrap();
    assert_eq!(shown.kind, NodeKind::Task(task));
    assert!(
        tab.graph
            .last_visible_layout_rect()
            .contains(shown.rect.center())
    );

    // The lights the view painted this frame with (its cache, not a recomputation).
    let lights = tab.graph.group_lights();
    assert_eq!(lights.len(), groups.len());
    let light = |name: &str| lights[groups.find(name).unwrap() as usize];
    assert!(light("add").selected() && light("add").lit(true));
    // Its inputs' groups are lit as ancestors, its users' as descendants; the rest fade.
    assert!(light("double").ancestor() && light("load").ancestor());
    assert!(light("sum").descendant() && !light("sum").ancestor());
    assert!(light("parse").ancestor());
    assert!(groups.all().iter().all(|g| !light(&g.name).critical()));

    // The critical path lights the groups holding its tasks, once the view has
    // drawn a frame with it.
    let app = h.state_mut();
    app.trace_tab_mut(1).unwrap().set_show_critical(true);
    h.run_steps(2);
    let tab = h.state().trace_tab(1).unwrap();
    let critical = tab.doc.critical_tasks();
    assert!(!critical.is_empty());
    let lights = tab.graph.group_lights();
    for t in critical {
        let g = groups.group_of(t).unwrap();
        assert!(lights[g as usize].critical(), "group of {t:?}");
    }
}

/// Clicks `group`, waits for the drawing, and returns the note refusing to expand it,
/// after checking the note is shown and the grouped drawing stayed as it was.
fn refused_expansion(h: &mut Harness<'_, ViewerApp>, group: &str) -> String {
    let before = collapsed(h);
    let r = group_rect(h, group).unwrap();
    click(h, r.center(), PointerButton::Primary);
    wait_for_layout(h);
    let note = h
        .state()
        .trace_tab(1)
        .unwrap()
        .graph_note()
        .unwrap()
        .to_owned();
    assert!(h.query_by_label(&note).is_some(), "the message is shown");
    assert_eq!(collapsed(h), before, "the grouped drawing stays");
    note
}

#[test]
fn expanding_past_the_size_limit_is_refused_with_a_message() {
    let (_dir, mut h) = open("one-big-group");
    assert_eq!(collapsed(&h), names(&["x", "y"]));
    // Asked for directly (a click splits it instead, see below): refused at once.
    let tab = h.state_mut().trace_tab_mut(1).unwrap();
    tab.request_drawing(expand(&["x"]), Some("x".to_owned()), || {});
    assert!(!tab.is_laying_out());
    let note = tab.graph_note().unwrap().to_owned();
    h.run_steps(2);
    assert!(h.query_by_label(&note).is_some(), "the message is shown");
    assert!(
        note.contains("20,003 nodes") && note.contains("20,000"),
        "{note}"
    );
    assert_eq!(collapsed(&h), names(&["x", "y"]));
}

/// The names of the parts drawn collapsed.
fn collapsed_parts(h: &Harness<'_, ViewerApp>) -> Vec<String> {
    let layout = h.state().trace_tab(1).unwrap().graph_layout().unwrap();
    let groups = layout.groups().unwrap();
    groups
        .all()
        .iter()
        .filter(|g| g.part.is_some() && layout.group_node(&g.name).is_some())
        .map(|g| g.name.clone())
        .collect()
}

#[test]
fn a_group_too_big_to_expand_is_split_into_parts_down_to_drawn_tasks() {
    let (_dir, mut h) = open("huge-group");
    assert_eq!(collapsed(&h), names(&["x", "y"]));
    // A click on the 100,000-task group cuts it into 16 parts of 6,250 tasks.
    let r = group_rect(&h, "x").unwrap();
    click(&mut h, r.center(), PointerButton::Primary);
    wait_for_layout(&mut h);
    assert_eq!(h.state().trace_tab(1).unwrap().graph_note(), None);
    let parts = collapsed_parts(&h);
    let expected: Vec<String> = (1..=16).map(|k| format!("x #{k}")).collect();
    assert_eq!(parts, expected);
    {
        let tab = h.state().trace_tab(1).unwrap();
        let layout = tab.graph_layout().unwrap();
        let node = layout.scene().node_of_group_named("x #1").unwrap();
        assert_eq!(
            layout.scene().nodes[node].label,
            vec!["x #1".to_owned(), "6,250 tasks".to_owned()]
        );
        assert!(h.query_by_label("17 groups, 0 expanded, 1 split").is_some());
        // The view fits the parts as it fits an expanded group: readable.
        assert!(tab.graph.zoom >= taskscope_viewer::panels::trace_tab::EXPANDED_MIN_ZOOM);
        // x-0, which y-0 uses, is shown by the first part, linked to y.
        assert_eq!(layout.group_name_of(TaskId(0)), Some("x #1"));
    }
    // A part is small enough to draw: a click draws its tasks (panned to it first:
    // at a readable zoom the row of parts is wider than the canvas).
    let tab = h.state_mut().trace_tab_mut(1).unwrap();
    let part = tab.graph_layout().unwrap().group_node("x #1").unwrap().rect;
    tab.graph.center = part.center();
    h.run_steps(2);
    let r = group_rect(&h, "x #1").unwrap();
    click(&mut h, r.center(), PointerButton::Primary);
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.graph_note(), None);
    let layout = tab.graph_layout().unwrap();
    for t in [0, 3_000, 6_249].map(TaskId) {
        assert_eq!(layout.node_of(t).unwrap().kind, NodeKind::Task(t));
    }
    assert!(layout.node_of(TaskId(6_250)).is_none());
    assert_eq!(layout.nodes().len(), 2 * 6_250 + 15 + 1);
    assert_eq!(collapsed_parts(&h).len(), 15);

    // The context menu of one of its tasks merges the parts back into "x".
    let node = {
        let tab = h.state().trace_tab(1).unwrap();
        let canvas = tab.graph.canvas_rect();
        (0..6_250)
            .map(TaskId)
            .filter_map(|t| tab.graph.node_screen_rect(&layout, t))
            .find(|r| canvas.contains_rect(*r))
            .unwrap()
    };
    click(&mut h, node.center(), PointerButton::Secondary);
    h.get_by_label("Merge the parts of “x”").click();
    h.run_steps(2);
    wait_for_layout(&mut h);
    assert_eq!(collapsed(&h), names(&["x", "y"]));
    let options = h.state().trace_tab(1).unwrap().drawing_options();
    assert!(options.expanded.is_empty() && options.split.is_empty());

    // A task picked elsewhere (the timeline, a finding) while its group is one
    // node: it is drawn with its neighbourhood, y-0 which uses it.
    h.state_mut()
        .trace_tab_mut(1)
        .unwrap()
        .select(Some(TaskId(0)));
    h.run_steps(2);
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    let layout = tab.graph_layout().unwrap();
    let y = TaskId(100_000);
    for t in [TaskId(0), y] {
        assert_eq!(layout.node_of(t).unwrap().kind, NodeKind::Task(t));
    }
    let x = layout.scene().node_of_group_named("x").unwrap();
    assert_eq!(
        layout.scene().nodes[x].label,
        vec![
            "x".to_owned(),
            "100,000 tasks".to_owned(),
            "1 drawn apart".to_owned()
        ]
    );
    // y's group had one task, drawn on its own: no node left for it.
    assert!(layout.group_node("y").is_none());
}

#[test]
fn the_old_drawing_stays_until_the_new_one_is_taken() {
    let mut tab = tab_of("grouped");
    let old = tab.graph_layout().unwrap();
    let options = DrawingOptions {
        compact: true,
        expanded: names(&["inc"]).into_iter().collect(),
        ..DrawingOptions::default()
    };
    tab.request_drawing(options.clone(), Some("inc".to_owned()), || {});
    assert!(tab.is_laying_out());
    assert_eq!(tab.drawing_options(), options);
    // The thread finishes, but only `poll_drawing` (once per frame in the UI) takes
    // its drawing: until then the old one is what the view paints.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tab.is_drawing_ready() {
        assert!(Instant::now() < deadline, "the layout did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(tab.is_laying_out());
    assert!(Arc::ptr_eq(&tab.graph_layout().unwrap(), &old));
    tab.poll_drawing();
    assert!(!tab.is_laying_out());
    let new = tab.graph_layout().unwrap();
    assert!(!Arc::ptr_eq(&new, &old));
    assert_eq!(new.options(), &options);
    assert!(new.group_node("inc").is_none() && new.group_node("load").is_some());
    // The layout thread reused the groups instead of grouping every task again
    // (both drawings borrow the document index's).
    assert!(Arc::ptr_eq(
        new.scene().groups().unwrap(),
        old.scene().groups().unwrap()
    ));
    // Compact: no result boxes.
    assert!(
        new.nodes()
            .iter()
            .all(|n| !matches!(n.kind, NodeKind::Output(_)))
    );
}

#[test]
fn requests_made_while_a_layout_runs_wait_and_only_the_latest_starts() {
    let mut tab = tab_of("grouped");
    tab.request_drawing(expand(&["load"]), Some("load".to_owned()), || {});
    tab.request_drawing(expand(&["parse"]), Some("parse".to_owned()), || {});
    tab.request_drawing(expand(&["inc"]), Some("inc".to_owned()), || {});
    // One thread runs ("load"); "inc" waits, having replaced "parse".
    assert_eq!(tab.layout_jobs_started(), 1);
    assert!(tab.is_laying_out());
    assert_eq!(tab.drawing_options(), expand(&["inc"]));
    finish_layout(&mut tab);
    // "load"'s drawing was overtaken and dropped; "parse" never started.
    assert_eq!(tab.layout_jobs_started(), 2);
    let shown = tab.graph_layout().unwrap();
    assert_eq!(shown.options(), &expand(&["inc"]));
    assert!(shown.group_node("inc").is_none() && shown.group_node("load").is_some());
    // Asking for what is shown starts nothing.
    tab.request_drawing(expand(&["inc"]), None, || {});
    assert!(!tab.is_laying_out());
    assert_eq!(tab.layout_jobs_started(), 2);
    // Asking again, while it runs, for what is being laid out takes its drawing
    // rather than laying it out twice.
    tab.request_drawing(expand(&["sum"]), Some("sum".to_owned()), || {});
    tab.request_drawing(expand(&["add"]), Some("add".to_owned()), || {});
    tab.request_drawing(expand(&["sum"]), Some("sum".to_owned()), || {});
    finish_layout(&mut tab);
    assert_eq!(tab.layout_jobs_started(), 3);
    assert_eq!(tab.graph_layout().unwrap().options(), &expand(&["sum"]));
}

#[test]
fn an_expansion_past_the_node_limit_is_refused_without_a_thread() {
    let mut tab = tab_of("one-big-group");
    tab.request_drawing(expand(&["x"]), Some("x".to_owned()), || {});
    assert!(!tab.is_laying_out());
    assert_eq!(tab.layout_jobs_started(), 0);
    let note = tab.graph_note().unwrap();
    assert!(note.contains("20,003 nodes"), "{note}");
}

#[test]
fn result_boxes_on_the_simple_fallback_lay_nothing_out() {
    // 20,001 groups of one task: more groups than the full layout takes.
    let trace = synthetic::singleton_groups(20_001, "g").unwrap();
    let mut tab = TraceTab::new(Arc::new(TraceDoc::new(None, trace)));
    let shown = tab.graph_layout().unwrap();
    assert!(shown.is_simple());
    let compact = DrawingOptions {
        compact: true,
        ..DrawingOptions::default()
    };
    tab.request_drawing(compact.clone(), None, || {});
    assert!(!tab.is_laying_out());
    assert_eq!(tab.layout_jobs_started(), 0);
    // The choice is kept (the checkbox shows it) and the drawing is the same.
    assert_eq!(tab.drawing_options(), compact);
    assert!(Arc::ptr_eq(&tab.graph_layout().unwrap(), &shown));
}

#[test]
fn expanding_a_chain_whose_edges_cross_too_many_layers_is_refused_with_a_message() {
    let (_dir, mut h) = open("chain");
    assert_eq!(collapsed(&h), names(&["config", "step"]));
    let note = refused_expansion(&mut h, "step");
    assert!(
        note.contains("4,001 nodes") && note.contains("cross so many layers"),
        "{note}"
    );
    // Not a dead end: split it from its context menu, and a part expands.
    let r = group_rect(&h, "step").unwrap();
    click(&mut h, r.center(), PointerButton::Secondary);
    h.get_by_label("Split “step” into 16 parts").click();
    h.run_steps(2);
    wait_for_layout(&mut h);
    assert_eq!(collapsed_parts(&h).len(), 16);
    let r = group_rect(&h, "step #1").unwrap();
    click(&mut h, r.center(), PointerButton::Primary);
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.graph_note(), None);
    let layout = tab.graph_layout().unwrap();
    // step-0 is task 1: drawn on its own.
    assert_eq!(
        layout.node_of(TaskId(1)).unwrap().kind,
        NodeKind::Task(TaskId(1))
    );
}

#[test]
fn expanding_a_group_shows_it_even_when_a_task_elsewhere_is_selected() {
    let (_dir, mut h) = open("grouped");
    // The "parse" task that will be drawn farthest from its group's centre.
    let expanded = {
        let tab = h.state().trace_tab(1).unwrap();
        taskscope_egui::GraphLayout::new(
            taskscope_layout::graph_drawing(&tab.doc.trace, &tab.doc.index, &expand(&["parse"]))
                .unwrap(),
        )
    };
    let bounds = expanded
        .nodes()
        .iter()
        .filter(
            |n| matches!(n.kind, NodeKind::Task(t) if expanded.group_name_of(t) == Some("parse")),
        )
        .fold(egui::Rect::NOTHING, |b, n| b.union(n.rect));
    let far = expanded
        .nodes()
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::Task(t) if expanded.group_name_of(t) == Some("parse") => Some((t, n.rect)),
            _ => None,
        })
        .max_by(|a, b| {
            let d = |r: &egui::Rect| (r.center().x - bounds.center().x).abs();
            d(&a.1).total_cmp(&d(&b.1))
        })
        .unwrap()
        .0;
    h.state_mut().trace_tab_mut(1).unwrap().select(Some(far));
    h.run_steps(2);
    // Hidden in "parse", the task's neighbourhood is drawn on its own; expanding
    // "parse" keeps it, so the group's bounds are those of that drawing.
    wait_for_layout(&mut h);
    let bounds = {
        let tab = h.state().trace_tab(1).unwrap();
        let mut options = tab.drawing_options();
        assert!(options.focus.contains(&far));
        options.expanded.insert("parse".to_owned());
        let expanded = taskscope_egui::GraphLayout::new(
            taskscope_layout::graph_drawing(&tab.doc.trace, &tab.doc.index, &options).unwrap(),
        );
        expanded
            .nodes()
            .iter()
            .filter(|n| {
                matches!(n.kind, NodeKind::Task(t) if expanded.group_name_of(t) == Some("parse"))
            })
            .fold(egui::Rect::NOTHING, |b, n| b.union(n.rect))
    };
    let r = group_rect(&h, "parse").unwrap();
    click(&mut h, r.center(), PointerButton::Primary);
    wait_for_layout(&mut h);
    let tab = h.state().trace_tab(1).unwrap();
    assert_eq!(tab.highlight.selected(), Some(far));
    // The view is on the group, not re-centred on the selected task at its edge
    // (which the fitted view does not show whole).
    assert!(
        (tab.graph.center - bounds.center()).length() < 1.0,
        "{:?}",
        tab.graph.center
    );
    let node = tab
        .graph
        .node_screen_rect(&tab.graph_layout().unwrap(), far)
        .unwrap();
    assert!(!tab.graph.canvas_rect().contains_rect(node));
}
